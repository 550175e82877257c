"""The held-out risk set (tests/data/risk_holdout.jsonl) against the risk flags: floors that keep
what the patterns reached on it from silently regressing (docs/RULES.md, "Risk flags").

The set was written without looking at the patterns (``bench/risk_corpus.py`` says how), then the
patterns were generalised on it; so unlike the corpus, not every text has to pass on its own: the
floors sit a little below what was measured, and only a danger flag on an ordinary text is never
allowed. ``make bench-risk`` shows the texts behind every error.
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from server.explain.flags import SEVERITIES, detect_flags, scan_text
from server.offers.limits import Limits
from server.offers.terms import Terms
from tests.support.risk_texts import HOLDOUT_PATH, Item, assert_fast_path_agrees, load

LANGS = ("en", "de", "es")
ALERTING = ("warning", "danger")
TODAY = date(2026, 11, 20)
LIMITS = Limits()

# Floors, each a little below what was measured when they were set (in brackets).
#: Scam texts raising a warning or a danger flag, per language [100 % in each].
DETECTION_RECALL_MIN = 0.95
#: Labelled (text, signal) pairs found, per language [98.0-98.1 %].
SIGNAL_RECALL_MIN = 0.93
#: Flagged (text, signal) pairs that are labelled, per language [100 %].
SIGNAL_PRECISION_MIN = 0.95
#: Labelled texts found, per signal over the three languages [83.3 % for pressure, else 100 %].
PER_SIGNAL_RECALL_MIN = 0.80
#: Ordinary texts raising a warning, over the whole set [0 of 126]; a danger flag: none, ever.
ORDINARY_WARNINGS_MAX = 2


HOLDOUT = load(HOLDOUT_PATH)
SCAMS = [i for i in HOLDOUT if i.label == "scam"]
ORDINARY = [i for i in HOLDOUT if i.label == "ordinary"]
#: Every text's flags, as {code: severity}.
FOUND = {i.id: {code: sev for code, sev, _, _ in scan_text(i.text)} for i in HOLDOUT}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _ratio(hits: int, total: int) -> float:
    return 1.0 if total == 0 else hits / total


def test_holdout_is_well_formed() -> None:
    assert len({i.id for i in HOLDOUT}) == len(HOLDOUT)
    for item in HOLDOUT:
        assert item.lang in LANGS and item.label in ("scam", "ordinary"), item.id
        assert item.signals <= set(SEVERITIES), item.id
        assert bool(item.signals) == (item.label == "scam"), item.id
        assert item.text == item.text.strip() and item.text, item.id
    for lang in LANGS:
        assert sum(1 for i in SCAMS if i.lang == lang) >= 30, lang
        assert sum(1 for i in ORDINARY if i.lang == lang) >= 30, lang
        for code in SEVERITIES:
            assert sum(1 for i in SCAMS if i.lang == lang and code in i.signals) >= 3, (lang, code)


@pytest.mark.parametrize("item", ORDINARY, ids=[i.id for i in ORDINARY])
def test_no_ordinary_text_raises_a_danger_flag(item: Item) -> None:
    terms = Terms(title="Ongoing work", contract_type="hourly", currency="USD", hourly_rate=4500,
                  weekly_limit=20, start_date=date(2026, 12, 1), description=item.text)
    flags = detect_flags(terms, item.text, LIMITS, TODAY)
    assert [f for f in flags if f.severity == "danger"] == [], item.text


def test_few_ordinary_texts_raise_a_warning() -> None:
    warned = [i.id for i in ORDINARY if any(s in ALERTING for s in FOUND[i.id].values())]
    assert len(warned) <= ORDINARY_WARNINGS_MAX, warned


@pytest.mark.parametrize("lang", LANGS)
def test_scam_detection_recall_floor(lang: str) -> None:
    scams = [i for i in SCAMS if i.lang == lang]
    missed = [i.id for i in scams if not any(s in ALERTING for s in FOUND[i.id].values())]
    assert _ratio(len(scams) - len(missed), len(scams)) >= DETECTION_RECALL_MIN, missed


@pytest.mark.parametrize("lang", LANGS)
def test_signal_precision_and_recall_floors(lang: str) -> None:
    tp = fp = fn = 0
    errors = []
    for item in (i for i in HOLDOUT if i.lang == lang):
        fired = set(FOUND[item.id])
        tp += len(fired & item.signals)
        fp += len(fired - item.signals)
        fn += len(item.signals - fired)
        errors += [f"+{item.id}:{c}" for c in fired - item.signals]
        errors += [f"-{item.id}:{c}" for c in item.signals - fired]
    assert _ratio(tp, tp + fn) >= SIGNAL_RECALL_MIN, errors
    assert _ratio(tp, tp + fp) >= SIGNAL_PRECISION_MIN, errors


@pytest.mark.parametrize("code", list(SEVERITIES))
def test_per_signal_recall_floor(code: str) -> None:
    labelled = [i for i in SCAMS if code in i.signals]
    missed = [i.id for i in labelled if code not in FOUND[i.id]]
    assert _ratio(len(labelled) - len(missed), len(labelled)) >= PER_SIGNAL_RECALL_MIN, missed


@pytest.mark.parametrize("item", SCAMS, ids=[i.id for i in SCAMS])
def test_evidence_is_quoted_from_the_text(item: Item) -> None:
    for _, _, _, evidence in scan_text(item.text):
        assert evidence in _one_line(item.text), evidence


# --- the fast path and the cost, on these texts too ---------------------------------------------


@pytest.mark.parametrize("item", HOLDOUT[::5], ids=[i.id for i in HOLDOUT[::5]])
def test_fast_path_finds_what_the_plain_pattern_finds(item: Item) -> None:
    for variant in (item.text, item.text.upper(), item.text.swapcase()):
        assert_fast_path_agrees(variant)


def test_held_out_near_misses_of_the_maximum_length_complete() -> None:
    # Every scam cut short, again and again: windows that open and never close. No timing assert
    # (machines differ) beyond a generous bound a catastrophic backtrack would blow by minutes.
    near = " ".join(i.text[: len(i.text) * 2 // 3].rstrip(".?!¡¿") for i in SCAMS)
    size = LIMITS.description_max
    text = (near * (size // len(near) + 1))[:size]
    started = time.perf_counter()
    found = scan_text(text)
    assert time.perf_counter() - started < 10
    assert all(evidence in _one_line(text) for *_, evidence in found)
    assert_fast_path_agrees(text)
