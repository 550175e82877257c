r"""Pieces of the risk signals that every language shares (docs/RULES.md, "Risk flags").

Names of apps, wallets and coins are the same in English, German and Spanish, and so are phone
numbers, e-mail addresses and chat links; those patterns live here, once, and ``flags`` adds them
to every language's.

Every pattern here and in ``signals_en``, ``signals_de`` and ``signals_es`` is built so that the
regex engine cannot backtrack for long: a window of arbitrary text is bounded (``span(40)``,
``[^\n]{0,150}?``), and an unbounded repetition repeats a class that cannot overlap what follows
it (``\w+`` then ``\s``, ``\s+`` then a word), so a failed attempt costs steps in proportion to
its window, never exponentially many. A description may hold 20,000 characters and is scanned on
every burst of edits (``tests/unit/test_risk_corpus.py`` scans adversarial texts of that size).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any

APPS = r"telegram|whats\s?app|skype|signal|viber|wechat|discord|kik|threema|line\s+app"
#: Payment services a party could be paid through instead of the platform.
WALLETS = (
    r"pay\s?pal|cash\s?app|venmo|zelle|skrill|payoneer|revolut|bizum|mercado\s?pago|wise\s+transfer"
)
#: Coins in any language ("Krypto", "cripto", "criptomonedas").
COIN = (
    r"bitcoins?|btc|usdt|usdc|busd|tether|ethereum|eth|litecoin|ltc|xrp|ripple|dogecoin|doge"
    r"|monero|xmr|solana|tron|trx|crypto(?:currency|currencies)?"
    r"|krypto(?:währung(?:en)?)?|kryptos|cripto(?:monedas?|divisas?)?"
)

#: Wallet apps and exchanges, and token networks, whose addresses are asked for.
WALLET_APPS = (
    r"metamask|trust\s?wallet|binance|coinbase|exodus|phantom|kraken|bybit|okx|kucoin|trc-?20"
    r"|erc-?20|bep-?20"
)

#: The start of a clause: the text's start, or after punctuation, a bracket, a quote or a dash.
#: An imperative ("Pay the fee", "Paga la cuota", "Überweise die Kaution") starts a clause, while
#: the same word in a description of what users do ("attendees pay the fee", "el cliente paga la
#: cuota") follows its subject.
CLAUSE = r"(?<![^.!?;:,()\[\]\n\"'«»“”„¡¿\u2013\u2014-])\s{0,3}"


def span(n: int) -> str:
    """Up to ``n`` characters within one sentence; a dot inside a figure ("2.000 €") is no end."""
    return rf"(?:[^.!?\n]|\.(?=\d)){{0,{n}}}"


_LOOSE = str.maketrans({"á": "[aá]", "é": "[eé]", "í": "[ií]", "ó": "[oó]", "ú": "[uú]",
                        "ñ": "[nñ]"})


def loose(pattern: str) -> str:
    """``pattern`` with every Spanish accent optional ("envíame" also finds "enviame"), because
    chat is often typed without them. Accented letters must not be written inside ``[...]``."""
    return pattern.translate(_LOOSE)


def compile_all(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``alternatives``; a search finds the leftmost
    match of any of them, which is the evidence quoted to the reader."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


# --- the fast path ------------------------------------------------------------------------------
#
# Python's regex engine tries every alternative at every position of the text, and a signal has
# dozens of alternatives in three languages, most of which cannot match a given text at all: a
# German request needs a German verb. So each alternative is searched on its own, and only when
# the text contains one of the literal strings every match of it must contain ("cheque" for
# "\b(?:te|le)\s+enviamos\s+un\s+cheque"): a substring test is far cheaper than a regex search.
# And where every match starts with such a string, or a few characters before it ("schick",
# "schicke", … for "\b(?:schick|schicke|…)\s+mir"), the pattern is only tried where that string
# occurs, instead of at every position. The strings are read from the parsed pattern itself, so
# they cannot drift from it; an alternative they cannot be read from is searched the plain way.

_PARSER: Any = importlib.import_module("re._parser")
_UNBOUNDED = int(importlib.import_module("re._constants").MAXREPEAT)
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
#: Characters that IGNORECASE matches but ``str.lower`` does not equate (long s and "s", the
#: Kelvin sign and "k", dotless i and "i", …), each class folded to one of them, so the substring
#: test misses nothing.
_CANON: dict[int, int] = {
    c: min(c, *others)
    for c, others in importlib.import_module("re._casefix")._EXTRA_CASES.items()
}


def fold(text: str) -> str:
    """``text`` as the substring test reads it: lower case, with IGNORECASE's extra equivalences.
    "İ" lowers to two characters, so it is mapped to "i" (what IGNORECASE compares it to) first."""
    return text.replace("\u0130", "i").lower().translate(_CANON)


def _required(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    """Strings one of which every match of the parsed sequence ``items`` contains, or None.

    Every item the sequence cannot match without gives a candidate set: a run of literals, a
    group, an alternation with such a set in every branch (their union), a repetition of at least
    one. The most selective candidate wins (its shortest string the longest): "cheque" rather
    than "te" or "le" in "\\b(?:te|le)\\s+enviamos\\s+un\\s+cheque".
    """
    candidates: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            run += chr(av)
            continue
        if name in _ZERO_WIDTH:
            continue  # the literals on either side are still adjacent in the text
        if run:
            candidates.append(frozenset((run,)))
            run = ""
        inner: frozenset[str] | None = None
        if name == "SUBPATTERN":
            inner = _required(av[-1])
        elif name == "BRANCH":
            sets = [_required(branch) for branch in av[1]]
            if all(s is not None for s in sets):
                inner = frozenset().union(*(s for s in sets if s is not None))
        elif name in _REPEATS and av[0] >= 1:
            inner = _required(av[2])
        if inner is not None:
            candidates.append(inner)
    if run:
        candidates.append(frozenset((run,)))
    if not candidates:
        return None
    best = max(candidates, key=lambda s: (min(map(len, s)), -len(s)))
    return frozenset(fold(s) for s in best)


def _anchor(sub: Any) -> tuple[frozenset[str], int] | None:
    """Strings one of which every match of the parsed pattern ``sub`` has within ``offset``
    characters of its start, as (strings, offset); None when no such strings can be named."""
    offset = 0
    items = list(sub)
    for i, (op, av) in enumerate(items):
        name = str(op)
        if name == "LITERAL":
            run = ""
            for op2, av2 in items[i:]:
                if str(op2) == "LITERAL":
                    run += chr(av2)
                elif str(op2) not in _ZERO_WIDTH:
                    break
            return frozenset((fold(run),)), offset
        if name in _ZERO_WIDTH:
            continue
        found: tuple[frozenset[str], int] | None = None
        if name == "SUBPATTERN":
            found = _anchor(av[-1])
        elif name == "BRANCH":
            each = [_anchor(branch) for branch in av[1]]
            if all(a is not None for a in each):
                anchors = [a for a in each if a is not None]
                found = frozenset().union(*(s for s, _ in anchors)), max(o for _, o in anchors)
        elif name in _REPEATS and av[0] >= 1:
            found = _anchor(av[2])
        if found is not None:
            return found[0], offset + found[1]
        width = int(sub[i : i + 1].getwidth()[1])
        if width >= _UNBOUNDED:
            return None
        offset += width
    return None


def required_strings(pattern: str) -> frozenset[str] | None:
    """Strings (folded) one of which every case-insensitive match of ``pattern`` contains."""
    return _required(_PARSER.parse(pattern, re.IGNORECASE))


def anchor_strings(pattern: str) -> tuple[frozenset[str], int] | None:
    """Strings (folded) one of which starts within ``offset`` characters of the start of every
    case-insensitive match of ``pattern``, as (strings, offset)."""
    return _anchor(_PARSER.parse(pattern, re.IGNORECASE))


class _Alternative:
    __slots__ = ("anchor", "needles", "pattern")

    def __init__(self, source: str) -> None:
        self.pattern = re.compile(source, re.IGNORECASE)
        parsed = _PARSER.parse(source, re.IGNORECASE)
        self.needles = _required(parsed)
        self.anchor = _anchor(parsed)

    def search(self, text: str, folded: str) -> re.Match[str] | None:
        """``self.pattern.search(text)``, trying only where the anchor strings occur."""
        if self.anchor is None or len(folded) != len(text):
            return self.pattern.search(text)
        strings, offset = self.anchor
        starts: set[int] = set()
        # Past this many starts, trying each costs more than one search does.
        budget = len(text) // 8 + 64
        for s in strings:
            i = folded.find(s)
            while i != -1:
                starts.update(range(max(0, i - offset), i + 1))
                if len(starts) > budget:
                    return self.pattern.search(text)
                i = folded.find(s, i + 1)
        for start in sorted(starts):
            m = self.pattern.match(text, start)
            if m is not None:
                return m
        return None


class Alternatives:
    """A signal's alternatives, each searched on its own behind the substring test."""

    __slots__ = ("_always", "_each", "needles")

    def __init__(self, alternatives: tuple[str, ...]) -> None:
        self._each = [_Alternative(a) for a in alternatives]
        #: Every string some alternative requires (``present`` is tested against these).
        self.needles: frozenset[str] = frozenset().union(
            *(a.needles for a in self._each if a.needles is not None))
        #: An alternative that requires no string: it is always searched.
        self._always = any(a.needles is None for a in self._each)

    def search(self, text: str, folded: str, present: frozenset[str]) -> re.Match[str] | None:
        """The leftmost match of any alternative (the first alternative on a tie), exactly what
        ``compile_all(alternatives).search(text)`` finds; ``folded`` is ``fold(text)`` and
        ``present`` the needles found in it: an alternative none of whose needles is there is
        skipped without a search. (The caller finds them once for every signal: ~770 distinct
        needles tested once, instead of ~1,430 tests across 315 alternatives, per text.)"""
        if not self._always and self.needles.isdisjoint(present):
            return None  # no alternative can match: one test for the commonest case
        best: re.Match[str] | None = None
        for alternative in self._each:
            needles = alternative.needles
            if needles is not None and needles.isdisjoint(present):
                continue
            m = alternative.search(text, folded)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best


_PERSONAL_MAIL = (
    r"gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|aol|proton(?:mail)?|pm"
    r"|gmx|web|t-online|mail|yandex|qq|163|zoho"
)

#: Signals written the same way in every language.
PATTERNS: dict[str, tuple[str, ...]] = {
    "off_platform_contact": (
        # A handle or number right after an app's name: "WhatsApp: +1 415 …", "Telegram @anna".
        rf"\b(?:{APPS})\s{{0,3}}(?:id|handle|username|number|nummer|número)?\s{{0,3}}[:=]?\s{{0,3}}"
        r"(?:@[\w.]{3,40}|\+?\d[\d\s-]{6,20}\d)",
        r"\b(?:t\.me|telegram\.me|wa\.me|chat\.whatsapp\.com)/[\w+/-]{1,80}",
        # A Skype id ("live:anna.k"), which people paste in every language.
        r"(?<![\w-])live:\.?[\w.-]{3,40}",
        r"(?<![\w-])\+\d{1,3}[\s.-]?\(?\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}\b",
        r"(?<![\w-])\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b|(?<![\w-])\d{3}[.-]\d{3}[.-]\d{4}\b",
        # Personal mailboxes: a company's own domain is how ordinary work is done.
        rf"\b[\w.+-]{{1,64}}@(?:{_PERSONAL_MAIL})\.[a-z]{{2,3}}(?:\.[a-z]{{2}})?\b",
    ),
    "gift_cards": (r"\bwestern\s+union\b|\bmoney\s?gram\b",),
}
