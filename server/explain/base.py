"""The Explainer protocol: facts in, streamed prose out (docs/RULES.md, "Explanations").

An explainer sees only the facts, the proposer's note and the language to write in; it never sees
who is reading, so both parties get the same content, each in their own language.
Implementations: ``offline.OfflineExplainer`` (the default, no network) and an Anthropic-backed
one, chosen by config. What a model writes is unchecked: the room releases it sentence by
sentence through the grounding gate (``sentences.py``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from server.explain.facts import Facts
from server.i18n import DEFAULT, Lang


class Explainer(Protocol):
    #: Shown as attribution: "offline" or e.g. "anthropic".
    name: str
    #: The model behind the text, or None for rule-based explainers.
    model: str | None

    def stream(
        self, facts: Facts, note: str | None, lang: Lang = DEFAULT
    ) -> AsyncGenerator[str, None]:
        """Yield the explanation in ``lang`` in chunks; the concatenation is the final text.

        ``note`` is party-written: an implementation must treat it as quoted data, never as
        instructions.
        """
        ...
