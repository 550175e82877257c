"""The sample marketplace (examples/marketplace/) in Chromium, as an integrator would run it with
`make example`: its server creates an offer and mints a link per user, its page embeds both
parties' rooms through offer-room-embed.js in its own colours, hears their events, and takes
offer-room's signed webhooks."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe import violations
from conftest import start_server
from harness import API_KEY, ROOT, ServerProcess
from playwright.sync_api import Browser, FrameLocator, Page, expect

WEBHOOK_SECRET = "example-webhook-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def market_port() -> int:
    return _free_port()


@pytest.fixture
def room_server(tmp_path: Path, market_port: int) -> Iterator[ServerProcess]:
    market = f"http://127.0.0.1:{market_port}"
    srv = start_server(tmp_path, {"OFFER_ROOM_FRAME_ANCESTORS": market,
                                  "OFFER_ROOM_WEBHOOK_URL": f"{market}/webhooks",
                                  "OFFER_ROOM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                                  "OFFER_ROOM_WEBHOOK_BACKOFF_S": "0.2"})
    yield srv
    srv.stop()


@pytest.fixture
def marketplace(room_server: ServerProcess, market_port: int) -> Iterator[str]:
    env = {**os.environ, "OFFER_ROOM_URL": room_server.base_url, "OFFER_ROOM_API_KEY": API_KEY,
           "MARKETPLACE_WEBHOOK_SECRET": WEBHOOK_SECRET}
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "uvicorn"), "examples.marketplace.app:app", "--host",
         "127.0.0.1", "--port", str(market_port), "--log-level", "warning"], env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{market_port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=2):
                break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _events(page: Page, role: str, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "([r, k]) => window.events[r].filter((e) => e.type === k)", [role, kind])
    return found


def _wait(page: Page, role: str, kind: str) -> None:
    page.wait_for_function("([r, k]) => window.events && window.events[r].some((e) => "
                           "e.type === k)", arg=[role, kind], timeout=20_000)


def test_the_sample_marketplace_embeds_both_rooms_and_hears_them(
    browser: Browser, marketplace: str, artifacts: Path
) -> None:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="en-US")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(marketplace)
    page.get_by_role("button", name="Create the offer and open the room").click()
    for role in ("client", "freelancer"):
        _wait(page, role, "ready")
    client: FrameLocator = page.frame_locator("#room-client iframe")
    freelancer: FrameLocator = page.frame_locator("#room-freelancer iframe")
    # The freelancer's room reads German (the host asked for it), both in the host's colours.
    expect(freelancer.get_by_role("button", name="Änderungen vorschlagen")).to_be_visible()
    font = client.locator("body").evaluate("b => getComputedStyle(b).fontFamily")
    assert "Georgia" in font, font

    # An edit and a proposal in one frame, the explanation and the accept in the other: the host
    # hears each step from the room where it happened.
    freelancer.get_by_role("textbox", name="Stundensatz").fill("60")
    freelancer.get_by_role("textbox", name="Stundensatz").press("Tab")
    freelancer.get_by_role("button", name="Änderungen vorschlagen").click()
    _wait(page, "client", "proposal_received")
    _wait(page, "client", "explanation_done")
    client.get_by_role("button", name="Accept", exact=True).click()
    for role in ("client", "freelancer"):
        _wait(page, role, "version_committed")
    assert _events(page, "client", "version_committed")[-1]["version"] == 2
    assert _events(page, "freelancer", "proposal_received") == []  # his own proposal
    # offer-room's webhooks reached the marketplace's server, signature checked.
    expect(page.locator("#webhooks")).to_contain_text("proposal_accepted", timeout=20_000)
    expect(page.locator("#events-client")).to_contain_text("version_committed")
    page.screenshot(path=str(artifacts / "example-marketplace.png"))
    frame = page.frames[1]
    assert violations(frame) == []
    assert errors == []
    ctx.close()
