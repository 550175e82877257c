"""The labelled risk texts (tests/data/risk_corpus.jsonl and risk_holdout.jsonl): one loader for
the tests and bench/risk_corpus.py, and the check that the flags' fast path finds exactly what
the plain patterns find."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from server.explain import signals_common
from server.explain.flags import SIGNALS, needles_in

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS_PATH = DATA / "risk_corpus.jsonl"
HOLDOUT_PATH = DATA / "risk_holdout.jsonl"
LANGS = ("en", "de", "es")


@dataclass(frozen=True)
class Item:
    id: str
    lang: str
    label: str
    signals: frozenset[str]
    text: str


def load(path: Path) -> list[Item]:
    """One item per non-blank line; ValueError naming the line for an unknown language or label."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["lang"] not in LANGS or row["label"] not in ("scam", "ordinary"):
            raise ValueError(f"{path.name}:{n}: bad lang or label")
        items.append(Item(row["id"], row["lang"], row["label"], frozenset(row["signals"]),
                          row["text"]))
    return items


def assert_fast_path_agrees(text: str) -> None:
    """Each signal's literal-prefiltered search finds the same first match as its plain pattern."""
    folded = signals_common.fold(text)
    present = needles_in(folded)
    for signal in SIGNALS:
        plain = signal.pattern.search(text)
        fast = signal.alternatives.search(text, folded, present)
        assert (plain and (plain.start(), plain.group(0))) == (
            fast and (fast.start(), fast.group(0))
        ), (signal.code, text[:80])
