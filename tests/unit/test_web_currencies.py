"""The web app's currency picker offers exactly the codes the server's guard accepts."""

from __future__ import annotations

import re
from pathlib import Path

from server.offers.currencies import CURRENCIES

WEB_CURRENCIES = Path(__file__).resolve().parents[2] / "web" / "src" / "currency.ts"


def test_the_picker_lists_the_servers_currencies() -> None:
    text = WEB_CURRENCIES.read_text()
    block = re.search(r"CURRENCIES: readonly string\[\] = \[(.*?)\]", text, re.S)
    assert block is not None
    codes = re.findall(r"'([A-Z]{3})'", block.group(1))
    assert len(codes) == len(set(codes))
    assert set(codes) == CURRENCIES
