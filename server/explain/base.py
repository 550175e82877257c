"""The Explainer protocol: facts in, streamed prose out (docs/DOMAIN.md, "Explanations").

An explainer sees only the facts and the proposer's note; it never sees who is reading, so both
parties get the same words. Implementations: ``offline.OfflineExplainer`` (the default, no network)
and an Anthropic-backed one, chosen by config.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from server.explain.facts import Facts


class Explainer(Protocol):
    #: Shown as attribution: "offline" or e.g. "anthropic".
    name: str
    #: The model behind the text, or None for rule-based explainers.
    model: str | None

    def stream(self, facts: Facts, note: str | None) -> AsyncGenerator[str, None]:
        """Yield the explanation in chunks; the concatenation is the final text.

        ``note`` is party-written: an implementation must treat it as quoted data, never as
        instructions.
        """
        ...
