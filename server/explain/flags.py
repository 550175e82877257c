"""Risk flags: scam signals and anomalies in proposed terms (docs/RULES.md, "Risk flags").

Flags inform, they never block: each carries the matched evidence, a plain sentence in every
language and the party it is shown to. Patterns look for a *request* ("pay you via PayPal", "send
me your SSN"), not a topic, because ordinary jobs talk about these topics all the time: a PayPal
checkout, signal processing, a Telegram bot, password reset flows, wireframes, test coverage,
cheque reconciliation.

The patterns of each language live in ``signals_en``, ``signals_de`` and ``signals_es`` (shared
pieces in ``signals_common``). Every text is scanned with every language's patterns, whatever the
room's or the reader's language: a German party may write German in any room, and a scam is
often pasted from elsewhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Literal, NamedTuple

import msgspec

from server import i18n
from server.explain import signals_common, signals_de, signals_en, signals_es
from server.i18n import LANGS, Lang
from server.offers.limits import Limits
from server.offers.money import format_money
from server.offers.policy import applicable_terms
from server.offers.terms import Terms
from server.wire import FlagOut

Severity = Literal["info", "warning", "danger"]
AtRisk = Literal["client", "freelancer", "both"]
Party = Literal["client", "freelancer"]

#: A large first milestone counts as "upfront" when it falls due this soon after the start.
UPFRONT_WINDOW = timedelta(days=2)
#: Evidence is quoted up to this many characters.
EVIDENCE_MAX = 120


class Flag(msgspec.Struct, frozen=True):
    code: str
    severity: Severity
    #: The text that triggered the flag, as written (or the figures, for structural flags).
    evidence: str
    #: The sentence in English.
    message: str
    #: Who should see it: the party the signal puts at risk.
    at_risk: AtRisk
    #: Where it was found: "title", "description", "milestones[2].title", "note" or "terms".
    source: str = "terms"
    #: The sentence in the other languages ("de", "es"), figures in their formats. Flags stored
    #: before there were translations have none (``flag_message`` still translates them).
    messages: dict[str, str] = {}


class Language(NamedTuple):
    """What one language contributes: its patterns and its sentences."""

    #: Signal code -> regex alternatives (case-insensitive).
    patterns: dict[str, tuple[str, ...]]
    #: Signal code (or structural message key) -> sentence, with ``{figure}`` fields.
    messages: dict[str, str]
    #: Plural forms of "{n} words" (``i18n.count``).
    words: dict[str, str]
    #: "{amount} an hour".
    per_hour: str
    #: Text about buying supplies (``supplies_no_milestones``).
    supplies: tuple[str, ...]


LANGUAGES: dict[Lang, Language] = {
    "en": Language(signals_en.PATTERNS, signals_en.MESSAGES, signals_en.WORDS,
                   signals_en.PER_HOUR, signals_en.SUPPLIES),
    "de": Language(signals_de.PATTERNS, signals_de.MESSAGES, signals_de.WORDS,
                   signals_de.PER_HOUR, signals_de.SUPPLIES),
    "es": Language(signals_es.PATTERNS, signals_es.MESSAGES, signals_es.WORDS,
                   signals_es.PER_HOUR, signals_es.SUPPLIES),
}

#: Text signals, in the order their flags are listed.
SEVERITIES: dict[str, Severity] = {
    "off_platform_contact": "warning",
    "off_platform_payment": "danger",
    "off_platform_contract": "danger",
    "crypto": "danger",
    "overpayment": "danger",
    "equipment_reimbursement": "danger",
    "gift_cards": "danger",
    "upfront_fee": "danger",
    "personal_data": "danger",
    "unpaid_test": "warning",
    "pressure": "warning",
}


class Signal(NamedTuple):
    code: str
    severity: Severity
    #: The sentence in English.
    message: str
    #: Every language's patterns (and the shared ones) as one: a search finds the leftmost match.
    pattern: re.Pattern[str]
    #: The sentence in every language, English included.
    messages: dict[str, str]
    #: The same alternatives, searched faster (``signals_common.Alternatives``): what ``scan_text``
    #: uses; it finds exactly what ``pattern`` finds.
    alternatives: signals_common.Alternatives


def _signal(code: str, severity: Severity) -> Signal:
    alternatives = signals_common.PATTERNS.get(code, ())
    for lang in LANGS:
        alternatives += LANGUAGES[lang].patterns[code]
    messages: dict[str, str] = {lang: LANGUAGES[lang].messages[code] for lang in LANGS}
    pattern = signals_common.compile_all(alternatives)
    fast = signals_common.Alternatives(alternatives)
    return Signal(code, severity, messages["en"], pattern, messages, fast)


SIGNALS: tuple[Signal, ...] = tuple(_signal(code, sev) for code, sev in SEVERITIES.items())
_BY_CODE = {s.code: s for s in SIGNALS}
#: The strings the signals' alternatives require, found once per text (``needles_in``), by
#: their first two characters: a short text (a title being typed) has few pairs, so most of the
#: ~770 needles are never tested (detect_flags on a draft whose title changed: 400 -> 23 µs).
_NEEDLES: frozenset[str] = frozenset().union(*(s.alternatives.needles for s in SIGNALS))
_SHORT_NEEDLES = tuple(sorted(n for n in _NEEDLES if len(n) < 2))
_BY_PAIR: dict[str, tuple[str, ...]] = {
    pair: tuple(sorted(n for n in _NEEDLES if n[:2] == pair))
    for pair in {n[:2] for n in _NEEDLES if len(n) >= 2}
}
_SUPPLIES = signals_common.compile_all(
    tuple(p for lang in LANGS for p in LANGUAGES[lang].supplies)
)


def needles_in(folded: str) -> frozenset[str]:
    """The signals' required strings that occur in ``folded`` (a ``fold``ed text)."""
    found = {n for n in _SHORT_NEEDLES if n in folded}
    for pair in {folded[i:i + 2] for i in range(len(folded) - 1)} & _BY_PAIR.keys():
        found.update(n for n in _BY_PAIR[pair] if n in folded)
    return frozenset(found)


#: The draft is checked as a whole after every burst of edits, but usually only one of its texts
#: changed: the others' scans are remembered (a few hundred texts of at most the description's
#: limit each).
@functools.lru_cache(maxsize=256)
def _scan(text: str) -> tuple[tuple[Signal, str], ...]:
    out = []
    folded = signals_common.fold(text)
    present = needles_in(folded)
    for signal in SIGNALS:
        m = signal.alternatives.search(text, folded, present)
        if m is not None:
            out.append((signal, _quote(m.group(0))))
    return tuple(out)


def _one_line(text: str) -> str:
    # As a reader sees a quote: runs of whitespace (a line break, a double space) become one.
    return " ".join(text.split())


def _quote(matched: str) -> str:
    return _one_line(matched)[:EVIDENCE_MAX]


def scan_text(text: str) -> list[tuple[str, Severity, str, str]]:
    """Every signal in one text, as (code, severity, English message, evidence); the first match
    per code, in any language."""
    return [(s.code, s.severity, s.message, evidence) for s, evidence in _scan(text)]


def text_flags(text: str, at_risk: AtRisk, source: str) -> list[Flag]:
    """The flags of one text (a thread message, say), with their sentences in every language."""
    return [Flag(s.code, s.severity, evidence, s.message, at_risk, source, _others(s.messages))
            for s, evidence in _scan(text)]


def flag_message(flag: Flag, lang: str) -> str:
    """``flag``'s sentence in ``lang``; English for a language it has no sentence in.

    A flag stored before sentences were translated (or built from ``scan_text``) has none: a text
    signal's sentence does not depend on the text, so it is looked up by code; a structural one
    carries figures that are no longer known, so it stays English.
    """
    if lang == "en":
        return flag.message
    if (text := flag.messages.get(lang)) is not None:
        return text
    signal = _BY_CODE.get(flag.code)
    if signal is not None:
        return signal.messages.get(lang, flag.message)
    return flag.message



def flags_for(flags: list[Flag], role: str | None, lang: str = "en") -> list[FlagOut]:
    """The flags a reader in ``role`` may see — those about a risk to them; a viewer none; the
    integrator (``role`` None) all — each worded in ``lang`` (``flag_message``)."""
    return [
        FlagOut(code=f.code, severity=f.severity, evidence=f.evidence,
                message=flag_message(f, lang), source=f.source)
        for f in flags
        if role is None or f.at_risk == role
        or (f.at_risk == "both" and role in ("client", "freelancer"))
    ]  # fmt: skip

def _others(messages: dict[str, str]) -> dict[str, str]:
    return {lang: text for lang, text in messages.items() if lang != "en"}


def detect_flags(
    terms: Terms,
    note: str | None,
    limits: Limits,
    today: date,
    *,
    committed: Terms | None = None,
    proposer: Party | None = None,
) -> list[Flag]:
    """Risk flags for proposed ``terms`` and the proposer's ``note``: those of the text
    (``draft_text_flags``), then those of the figures."""
    return (draft_text_flags(terms, note, committed=committed, proposer=proposer)
            + _structural(applicable_terms(terms), note, limits, today))


def draft_text_flags(
    terms: Terms,
    note: str | None,
    *,
    committed: Terms | None = None,
    proposer: Party | None = None,
) -> list[Flag]:
    """The flags of the text alone (title, description, milestone titles, note), without the
    figures' (the offer check covers those in the room, and phrasing them in every language
    was most of a draft's check).

    A signal in text the proposer wrote (the note, or text new since ``committed``) is shown to
    the other party. A signal in text that was already agreed is shown to the freelancer: offers
    start as the client's text, and fake job offers target freelancers.
    """
    t = applicable_terms(terms)
    old = applicable_terms(committed) if committed is not None else None
    sources = [("title", t.title), ("description", t.description)]
    sources += [(f"milestones[{i}].title", m.title) for i, m in enumerate(t.milestones)]
    old_parts = [] if old is None else [old.title, old.description]
    old_parts += [] if old is None else [m.title for m in old.milestones]
    # Read the way evidence is quoted, so evidence spanning a line break is still found in it.
    old_text = _one_line("\n".join(old_parts))
    flags: list[Flag] = []
    for source, text in [*sources, ("note", note or "")]:
        for signal, evidence in _scan(text):
            new = source == "note" or old is None or evidence.lower() not in old_text.lower()
            at_risk: AtRisk = "freelancer"
            if new and proposer is not None:
                at_risk = "client" if proposer == "freelancer" else "freelancer"
            flags.append(Flag(signal.code, signal.severity, evidence, signal.message, at_risk,
                              source, _others(signal.messages)))
    return flags


def _say(key: str, figures: Callable[[Lang], dict[str, str]]) -> tuple[str, dict[str, str]]:
    """The sentence ``key`` in English, and in the other languages, each with its own figures."""
    texts: dict[str, str] = {
        lang: LANGUAGES[lang].messages[key].format(**figures(lang)) for lang in LANGS
    }
    return texts["en"], _others(texts)


def _structural(t: Terms, note: str | None, limits: Limits, today: date) -> list[Flag]:
    cur, out = t.currency, []
    if t.hourly_rate is not None and t.hourly_rate < limits.hourly_rate_min:
        evidence = f"{format_money(t.hourly_rate, cur)} an hour"
        message, messages = _say("rate_below_policy.hourly", lambda lang: {
            "minimum": i18n.money(limits.hourly_rate_min, cur, lang)})
        out.append(Flag("rate_below_policy", "warning", evidence, message, "freelancer",
                        "hourly_rate", messages))
    if t.fixed_price is not None and t.fixed_price < limits.fixed_price_min:
        evidence = format_money(t.fixed_price, cur)
        message, messages = _say("rate_below_policy.fixed", lambda lang: {
            "minimum": i18n.money(limits.fixed_price_min, cur, lang)})
        out.append(Flag("rate_below_policy", "warning", evidence, message, "freelancer",
                        "fixed_price", messages))
    words = len(t.description.split())
    hourly = t.contract_type == "hourly"
    pay = t.hourly_rate if hourly else t.fixed_price
    high = limits.hourly_rate_high if hourly else limits.fixed_price_high
    if pay is not None and pay >= high and words < limits.vague_task_words:
        evidence = f"{format_money(pay, cur)} for a {words}-word description"

        def figures(lang: Lang, pay: int = pay) -> dict[str, str]:
            amount = i18n.money(pay, cur, lang)
            return {"pay": LANGUAGES[lang].per_hour.format(amount=amount) if hourly else amount,
                    "words": i18n.count(words, LANGUAGES[lang].words, lang)}

        message, messages = _say("high_pay_vague_task", figures)
        out.append(Flag("high_pay_vague_task", "info", evidence, message, "freelancer",
                        messages=messages))
    if t.contract_type == "fixed" and t.fixed_price is not None:
        out += _milestone_flags(t, t.fixed_price, note, limits, today)
    return out


def _milestone_flags(
    t: Terms, price: int, note: str | None, limits: Limits, today: date
) -> list[Flag]:
    cur, out = t.currency, []
    total = sum(m.amount for m in t.milestones)
    if t.milestones and total != price:
        evidence = f"milestones {format_money(total, cur)}, price {format_money(price, cur)}"
        message, messages = _say("milestone_sum_mismatch", lambda lang: {
            "total": i18n.money(total, cur, lang), "price": i18n.money(price, cur, lang)})
        out.append(Flag("milestone_sum_mismatch", "warning", evidence, message, "both",
                        "milestones", messages))
    supplies = [m for text in (t.title, t.description, note or "") if (m := _SUPPLIES.search(text))]
    if not t.milestones and supplies:
        message, messages = _say("supplies_no_milestones", lambda lang: {})
        evidence = _quote(supplies[0].group(0))
        out.append(Flag("supplies_no_milestones", "danger", evidence, message, "freelancer",
                        messages=messages))
    first, start = t.milestones[0] if len(t.milestones) >= 2 else None, t.start_date
    if first is not None and start is not None and start <= today:
        upfront = first.amount * 100 > limits.upfront_share_pct * price
        if upfront and (first.due_date is None or first.due_date <= start + UPFRONT_WINDOW):
            evidence = (
                f"{format_money(first.amount, cur)} of {format_money(price, cur)} at the start"
            )
            # No due date: it can be asked for at the start.
            due = first.due_date or start
            message, messages = _say("large_upfront_milestone", lambda lang: {
                "share": i18n.percent(first.amount * 100 / price, lang),
                "day": i18n.day(due, lang)})
            code, source = "large_upfront_milestone", "milestones[0]"
            out.append(Flag(code, "warning", evidence, message, "client", source, messages))
    return out
