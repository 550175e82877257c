"""The labelled risk corpus (tests/data/risk_corpus.jsonl) against the risk flags, and the scanner's
exactness and cost on hostile text (docs/RULES.md, "Risk flags")."""

from __future__ import annotations

import importlib
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.explain import signals_common
from server.explain.flags import LANGUAGES, SEVERITIES, SIGNALS, detect_flags, scan_text
from server.offers.limits import Limits
from server.offers.terms import Terms
from tests.support.risk_texts import CORPUS_PATH, Item, assert_fast_path_agrees, load

LANGS = ("en", "de", "es")
TODAY = date(2026, 11, 20)
LIMITS = Limits()


CORPUS = load(CORPUS_PATH)
SCAMS = [i for i in CORPUS if i.label == "scam"]
ORDINARY = [i for i in CORPUS if i.label == "ordinary"]


def _one_line(text: str) -> str:
    # Evidence is quoted on one line (runs of whitespace become one space), so it is a substring
    # of the text read the same way.
    return " ".join(text.split())


def _terms(description: str) -> Terms:
    return Terms(
        title="Ongoing work",
        contract_type="hourly",
        currency="USD",
        hourly_rate=4500,
        weekly_limit=20,
        start_date=date(2026, 12, 1),
        description=description,
    )


def test_corpus_is_well_formed() -> None:
    assert len({i.id for i in CORPUS}) == len(CORPUS)
    assert len(SCAMS) >= 60 and len(ORDINARY) >= 60
    for item in CORPUS:
        assert item.lang in LANGS and item.label in ("scam", "ordinary"), item.id
        assert set(item.signals) <= set(SEVERITIES), item.id
        assert bool(item.signals) == (item.label == "scam"), item.id
        assert item.text == item.text.strip() and item.text, item.id
    for lang in LANGS:
        assert sum(1 for i in SCAMS if i.lang == lang) >= 20, lang
        assert sum(1 for i in ORDINARY if i.lang == lang) >= 20, lang
        # Every signal is exercised in every language, more than once.
        for code in SEVERITIES:
            assert sum(1 for i in SCAMS if i.lang == lang and code in i.signals) >= 2, (lang, code)


@pytest.mark.parametrize(
    ("item", "code"),
    [(i, c) for i in SCAMS for c in sorted(i.signals)],
    ids=[f"{i.id}-{c}" for i in SCAMS for c in sorted(i.signals)],
)
def test_labelled_signal_fires(item: Item, code: str) -> None:
    found = {c: evidence for c, _, _, evidence in scan_text(item.text)}
    assert code in found, (item.text, sorted(found))
    assert found[code] in _one_line(item.text)


@pytest.mark.parametrize("item", ORDINARY, ids=[i.id for i in ORDINARY])
def test_ordinary_text_raises_no_danger_flag(item: Item) -> None:
    flags = detect_flags(_terms(item.text), None, LIMITS, TODAY)
    assert [f for f in flags if f.severity == "danger"] == [], item.text


@pytest.mark.parametrize("item", CORPUS, ids=[i.id for i in CORPUS])
def test_evidence_is_quoted_from_the_text(item: Item) -> None:
    for flag in detect_flags(_terms(item.text), item.text, LIMITS, TODAY):
        if flag.source in ("description", "note"):
            assert flag.evidence in _one_line(item.text), (flag.code, flag.evidence)


def test_every_language_has_every_signal_and_sentence() -> None:
    for lang, language in LANGUAGES.items():
        assert set(language.patterns) == set(SEVERITIES), lang
        for code in SEVERITIES:
            assert language.patterns[code], (lang, code)
            assert language.messages[code].endswith("."), (lang, code)


# --- exactness of the fast path ------------------------------------------------------------------


@pytest.mark.parametrize("item", CORPUS[::7], ids=[i.id for i in CORPUS[::7]])
def test_fast_path_finds_what_the_plain_pattern_finds(item: Item) -> None:
    # Upper case, swapped case and the characters IGNORECASE folds differently from str.lower
    # (dotted capital I, long s) must not make the substring test skip a match.
    text = item.text
    for variant in (text, text.upper(), text.swapcase(), text.replace("i", "\u0130"),
                    text.replace("s", "\u017f"), f"{text}  {text.upper()}"):
        assert_fast_path_agrees(variant)


_WORDS = sorted({w for i in CORPUS for w in re.findall(r"\w+|[^\w\s]", i.text)})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=60), st.sampled_from([" ", "  ", "\n", ", "]))
def test_fast_path_on_shuffled_corpus_words(words: list[str], sep: str) -> None:
    assert_fast_path_agrees(sep.join(words))


# --- hostile text -------------------------------------------------------------------------------

_PARSER: Any = importlib.import_module("re._parser")
_UNBOUNDED = int(importlib.import_module("re._constants").MAXREPEAT)


def _nested_unbounded(items: Any, inside: bool = False) -> bool:
    """Whether an unbounded repetition holds another (``(a+)+``), the shape that backtracks
    exponentially."""
    for op, av in items:
        name = str(op)
        children: list[Any] = []
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            unbounded = av[1] >= _UNBOUNDED
            if unbounded and inside:
                return True
            if _nested_unbounded(av[2], inside or unbounded):
                return True
        elif name == "SUBPATTERN":
            children = [av[-1]]
        elif name == "BRANCH":
            children = list(av[1])
        elif name in ("ASSERT", "ASSERT_NOT"):
            children = [av[1]]
        if any(_nested_unbounded(child, inside) for child in children):
            return True
    return False


def test_no_pattern_nests_unbounded_repetitions() -> None:
    sources = [*signals_common.PATTERNS.items()]
    for language in LANGUAGES.values():
        sources += [*language.patterns.items(), ("supplies", language.supplies)]
    for code, alternatives in sources:
        for source in alternatives:
            parsed = _PARSER.parse(source, re.IGNORECASE)
            assert not _nested_unbounded(parsed), (code, source)


def _needles() -> list[str]:
    out: set[str] = set()
    for signal in SIGNALS:
        for alternative in signal.alternatives._each:
            out |= alternative.needles or frozenset()
            out |= alternative.anchor[0] if alternative.anchor else frozenset()
    return sorted(out)


def _hostile() -> dict[str, str]:
    needles = _needles()
    near_misses = [i.text.rstrip(".?!") for i in SCAMS]
    texts = {
        "one word": "a" * 20_000,
        "dots": "a." * 10_000,
        "digits": "1 " * 10_000,
        "phone-ish": "+1 (415) 555-" * 1_600,
        "mail-ish": "a.b+c-" * 3_000 + "@",
        "every needle": " ".join(needles),
        "needles glued": "".join(needles),
        "needles, commas": ", ".join(needles),
        # Scam openings with their endings cut, again and again: every window opens, none closes.
        "near misses": " ".join(t[: len(t) * 2 // 3] for t in near_misses),
        "triggers": " ".join(["bitte zahle", "envíame tu", "send me your", "musst du",
                              "te enviamos un cheque", "we send you a check", "pay you",
                              "schick mir deine", "kannst du mir"] * 600),
    }
    size = LIMITS.description_max
    return {name: (text * (size // max(len(text), 1) + 1))[:size] for name, text in texts.items()}


@pytest.mark.parametrize("name", sorted(_hostile()))
def test_hostile_description_of_the_maximum_length_completes(name: str) -> None:
    # No timing assert (machines differ); a pattern that backtracks catastrophically would hang
    # here for minutes instead of a fraction of a second.
    text = _hostile()[name]
    assert len(text) == LIMITS.description_max
    flags = detect_flags(_terms(text), text, LIMITS, TODAY)
    assert all(f.evidence in _one_line(text) for f in flags if f.source != "terms")
    assert_fast_path_agrees(text)
