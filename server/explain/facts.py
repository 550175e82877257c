"""Facts about a proposed change, computed before any text is written (docs/RULES.md).

Every explainer works from these and nothing else, and the grounding check accepts a figure in an
explanation only if it is one of them. Money stays in minor units with its currency; dates are ISO
strings and percentages are rounded to one decimal place, so the canonical JSON (and its hash) is
stable across runs, machines and Python versions.

Two rules live here because every reader must see the same thing: ``duration`` (a term's days and
weeks, shown in days under two weeks; the web app's summary copies it), and ``scope_fragments``
(what a description change adds and removes, as a few short quoted runs of words).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Literal, NamedTuple

import msgspec

from server.offers.diff import diff_milestones, diff_text
from server.offers.money import date_forms, money_forms, percent_forms, round_percent
from server.offers.policy import applicable_terms
from server.offers.terms import Milestone, Terms

FactKind = Literal["money", "hours", "date", "text", "bool", "choice"]

#: From this many days on a term is shown in weeks; a shorter one in days ("10 days", "2 weeks").
WEEKS_FROM_DAYS = 14
#: Scope fragments quoted per side (added, removed), and the words and characters of each: enough
#: to say what a change is about, too little to carry a pasted essay (or a long injected prompt)
#: into an explanation or a model's request.
MAX_FRAGMENTS = 3
FRAGMENT_WORDS = 12
FRAGMENT_CHARS = 120
#: Ellipsis ending a fragment that was cut short.
CUT = "\u2026"


class Duration(NamedTuple):
    """A term from its start date to its end date, both days included."""

    #: Calendar days, start and end included: ``(end - start).days + 1``.
    days: int
    #: Whole weeks, rounded up: ``ceil(days / 7)``; what a weekly limit is multiplied by.
    weeks: int

    @property
    def in_weeks(self) -> bool:
        """Whether the term is shown in weeks (14 days or more) rather than in days."""
        return self.days >= WEEKS_FROM_DAYS

    @property
    def shown(self) -> tuple[int, Literal["days", "weeks"]]:
        """What a reader is shown: ``(10, "days")`` or ``(8, "weeks")``."""
        return (self.weeks, "weeks") if self.in_weeks else (self.days, "days")


def duration(start: date | None, end: date | None) -> Duration | None:
    """The one duration rule (server, explanations, the web app's summary all use it).

    ``days = (end - start).days + 1`` (both dates included), ``weeks = ceil(days / 7)``; shown as
    days under 14 days and as weeks from 14 on. 1 Dec-1 Dec is 1 day, 1 Dec-14 Dec 2 weeks,
    1 Dec-25 Jan 8 weeks (56 days), 1 Dec-26 Jan 9 weeks (57 days). None without both dates, or
    when the end is before the start.
    """
    if start is None or end is None or end < start:
        return None
    days = (end - start).days + 1
    return Duration(days, -(-days // 7))


_KINDS: dict[str, FactKind] = {
    "title": "text", "contract_type": "choice", "currency": "choice", "hourly_rate": "money",
    "weekly_limit": "hours", "manual_time": "bool", "fixed_price": "money",
    "start_date": "date", "end_date": "date",
}  # fmt: skip


class Side(msgspec.Struct, frozen=True):
    """One version's terms (only the fields its contract type uses) plus derived figures."""

    contract_type: str
    currency: str
    hourly_rate: int | None
    weekly_limit: int | None
    fixed_price: int | None
    start_date: str | None
    end_date: str | None
    milestone_count: int
    milestone_total: int
    #: The most an hourly contract can bill in a week: rate x weekly limit.
    weekly_cost: int | None
    #: Calendar span start..end in weeks, rounded up (``duration``); None without both dates.
    weeks: int | None
    #: Fixed price, or for hourly the cap: weekly cost x weeks (None when there is no cap).
    total_value: int | None
    #: Calendar span start..end in days, both included (``duration``); None without both dates.
    days: int | None = None

    @property
    def duration(self) -> Duration | None:
        return None if self.days is None or self.weeks is None else Duration(self.days, self.weeks)


class ValueChange(msgspec.Struct, frozen=True):
    field: str
    kind: FactKind
    old: int | str | bool | None
    new: int | str | bool | None
    #: new - old for money and hours (None across a currency change or from/to nothing).
    change: int | None = None
    percent: float | None = None
    #: For dates: how many days later (positive) or earlier the new date is.
    days: int | None = None


class MilestoneFact(msgspec.Struct, frozen=True):
    id: str
    op: str  # added | removed | changed | moved
    title: str
    old_title: str | None = None
    old_amount: int | None = None
    new_amount: int | None = None
    amount_change: int | None = None
    percent: float | None = None
    old_due: str | None = None
    new_due: str | None = None
    due_days: int | None = None


class DescriptionFact(msgspec.Struct, frozen=True):
    old_words: int
    new_words: int
    #: Sentences (or lines) only in the new text / only in the old one, verbatim.
    added: tuple[str, ...]
    removed: tuple[str, ...]
    #: Sentences edited in place, as (old, new) pairs.
    reworded: tuple[tuple[str, str], ...] = ()
    #: What the new text says that the old one did not, and the reverse: runs of words from a
    #: word-level diff, in text order, at most ``MAX_FRAGMENTS`` of at most ``FRAGMENT_WORDS``
    #: words each (a longer run is cut and ends in "…"). Party-written: quoted, never obeyed.
    added_fragments: tuple[str, ...] = ()
    removed_fragments: tuple[str, ...] = ()
    #: Whether runs were left out (more than ``MAX_FRAGMENTS`` on a side).
    more_fragments: bool = False


class Comparison(msgspec.Struct, frozen=True):
    old: int | None
    new: int | None
    change: int | None
    percent: float | None


class Facts(msgspec.Struct, frozen=True):
    before: Side
    after: Side
    changes: tuple[ValueChange, ...]
    milestones: tuple[MilestoneFact, ...]
    description: DescriptionFact | None
    weekly_cost: Comparison | None
    total_value: Comparison | None
    #: Milestone total minus fixed price after the change (fixed contracts with milestones).
    milestone_gap: int | None

    def canonical_json(self) -> bytes:
        return msgspec.json.encode(self, order="sorted")

    def facts_hash(self) -> str:
        """sha256 hex of the canonical JSON: equal facts, equal hash, on every machine."""
        return hashlib.sha256(self.canonical_json()).hexdigest()

    def is_empty(self) -> bool:
        return not (self.changes or self.milestones or self.description)

    def texts(self) -> list[str]:
        """Party-written strings (titles, sentences) an explanation may quote verbatim."""
        out = [str(c.old) for c in self.changes if c.kind == "text" and c.old]
        out += [str(c.new) for c in self.changes if c.kind == "text" and c.new]
        for m in self.milestones:
            out += [m.title] + ([m.old_title] if m.old_title else [])
        if self.description is not None:
            d = self.description
            out += [*d.added, *d.removed, *(s for pair in d.reworded for s in pair)]
            out += [*d.added_fragments, *d.removed_fragments]
        return [t for t in out if t.strip()]

    def figures(self) -> list[str]:
        """Every figure in the facts, each in the display forms a writer may fairly use."""
        return _figures(self)


def build_facts(committed: Terms, proposed: Terms) -> Facts:
    """The facts of changing ``committed`` into ``proposed`` (fields a type does not use aside)."""
    a, b = applicable_terms(committed), applicable_terms(proposed)
    before, after = _side(a), _side(b)
    same_currency = a.currency == b.currency
    changes = tuple(
        _value_change(name, getattr(a, name), getattr(b, name), same_currency)
        for name in _KINDS
        if getattr(a, name) != getattr(b, name)
    )
    milestones = tuple(_milestone_fact(a, b, same_currency))
    description = _description(a.description, b.description)
    weekly = (
        _compare(before.weekly_cost, after.weekly_cost, same_currency)
        if "hourly" in (a.contract_type, b.contract_type)
        else None
    )
    gap = (
        after.milestone_total - b.fixed_price
        if b.contract_type == "fixed" and b.milestones and b.fixed_price is not None
        else None
    )
    total = _compare(before.total_value, after.total_value, same_currency)
    return Facts(before, after, changes, milestones, description, weekly, total, gap)


def _side(t: Terms) -> Side:
    weekly = (
        t.hourly_rate * t.weekly_limit
        if t.hourly_rate is not None and t.weekly_limit is not None
        else None
    )
    term = duration(t.start_date, t.end_date)
    weeks = None if term is None else term.weeks
    if t.contract_type == "fixed":
        total = t.fixed_price
    else:
        total = weekly * weeks if weekly is not None and weeks is not None else None
    return Side(
        contract_type=t.contract_type,
        currency=t.currency,
        hourly_rate=t.hourly_rate,
        weekly_limit=t.weekly_limit,
        fixed_price=t.fixed_price,
        start_date=_iso(t.start_date),
        end_date=_iso(t.end_date),
        milestone_count=len(t.milestones),
        milestone_total=sum(m.amount for m in t.milestones),
        weekly_cost=weekly,
        weeks=weeks,
        total_value=total,
        days=None if term is None else term.days,
    )


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _percent(old: int, new: int) -> float | None:
    if old == 0:
        return None
    return float(round_percent(Decimal(new - old) * 100 / Decimal(old)))


def _compare(old: int | None, new: int | None, comparable: bool) -> Comparison | None:
    if old is None and new is None:
        return None
    if old is None or new is None or not comparable:
        return Comparison(old, new, None, None)
    return Comparison(old, new, new - old, _percent(old, new))


def _value_change(name: str, old: object, new: object, same_currency: bool) -> ValueChange:
    kind = _KINDS[name]
    if kind == "date":
        o, n = old if isinstance(old, date) else None, new if isinstance(new, date) else None
        days = (n - o).days if o is not None and n is not None else None
        return ValueChange(name, kind, _iso(o), _iso(n), days=days)
    assert old is None or isinstance(old, int | str | bool)
    assert new is None or isinstance(new, int | str | bool)
    numeric = kind == "hours" or (kind == "money" and same_currency)
    if numeric and isinstance(old, int) and isinstance(new, int):
        return ValueChange(name, kind, old, new, change=new - old, percent=_percent(old, new))
    return ValueChange(name, kind, old, new)


def _milestone_fact(a: Terms, b: Terms, same_currency: bool) -> list[MilestoneFact]:
    old_by_id: dict[str, Milestone] = {m.id: m for m in a.milestones}
    new_by_id: dict[str, Milestone] = {m.id: m for m in b.milestones}
    out: list[MilestoneFact] = []
    for change in diff_milestones(a.milestones, b.milestones):
        mid, op = str(change.id), str(change.op)
        old, new = old_by_id.get(mid), new_by_id.get(mid)
        if new is None:
            assert old is not None
            out.append(
                MilestoneFact(mid, op, old.title, old_amount=old.amount, old_due=_iso(old.due_date))
            )
            continue
        if old is None:
            out.append(
                MilestoneFact(mid, op, new.title, new_amount=new.amount, new_due=_iso(new.due_date))
            )
            continue
        priced = old.amount != new.amount and same_currency
        out.append(
            MilestoneFact(
                mid, op, new.title,
                old_title=old.title if old.title != new.title else None,
                old_amount=old.amount, new_amount=new.amount,
                amount_change=new.amount - old.amount if priced else None,
                percent=_percent(old.amount, new.amount) if priced else None,
                old_due=_iso(old.due_date), new_due=_iso(new.due_date),
                due_days=(new.due_date - old.due_date).days
                if new.due_date is not None and old.due_date is not None else None,
            )
        )  # fmt: skip
    return out


def _description(old: str, new: str) -> DescriptionFact | None:
    if old == new:
        return None
    d = diff_text(old, new)
    added, removed, more = scope_fragments(old, new)
    return DescriptionFact(len(old.split()), len(new.split()), d.added, d.removed, d.reworded,
                           added, removed, more)  # fmt: skip


#: Punctuation a fragment does not begin or end with: it is quoted inside a sentence of ours.
_EDGE = ".,;:!?\u2026-\u2013\u2014\"'\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb"
_WORD_KEY = re.compile(r"^[^\w]*(.*?)[^\w]*$", re.DOTALL)


def scope_fragments(old: str, new: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """The runs of words only in ``new`` (added) and only in ``old`` (removed), bounded.

    Words are compared without the punctuation around them, so "tests." becoming "tests" is no
    change, and a run is quoted without punctuation at its ends. Returns (added, removed, whether
    some runs were left out).
    """
    a, b = old.split(), new.split()
    keys_a = [_WORD_KEY.sub(r"\1", w) or w for w in a]
    keys_b = [_WORD_KEY.sub(r"\1", w) or w for w in b]
    added: list[str] = []
    removed: list[str] = []
    matcher = SequenceMatcher(a=keys_a, b=keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            removed += [_fragment(run) for run in _by_sentence(a[i1:i2])]
        if tag in ("insert", "replace"):
            added += [_fragment(run) for run in _by_sentence(b[j1:j2])]
    added = list(dict.fromkeys(f for f in added if f))
    removed = list(dict.fromkeys(f for f in removed if f))
    more = len(added) > MAX_FRAGMENTS or len(removed) > MAX_FRAGMENTS
    return tuple(added[:MAX_FRAGMENTS]), tuple(removed[:MAX_FRAGMENTS]), more


def _by_sentence(words: list[str]) -> list[list[str]]:
    """A run of words cut after each sentence end: one quoted fragment never spans two
    sentences, so each reads as one thing added or removed."""
    runs: list[list[str]] = [[]]
    for word in words:
        runs[-1].append(word)
        if word.rstrip("\"'\u201d\u2019\u00bb)").endswith((".", "!", "?")):
            runs.append([])
    return [run for run in runs if run]


def _fragment(words: list[str]) -> str:
    cut = len(words) > FRAGMENT_WORDS
    text = " ".join(words[:FRAGMENT_WORDS]).strip(_EDGE + " ")
    if len(text) > FRAGMENT_CHARS:
        text, cut = text[:FRAGMENT_CHARS].rsplit(" ", 1)[0].strip(_EDGE + " "), True
    return text + CUT if cut and text else text


def _figures(f: Facts) -> list[str]:
    cur_old, cur_new = f.before.currency, f.after.currency
    money: list[tuple[int | None, str]] = []
    numbers: list[int | None] = []
    percents: list[float | None] = []
    dates: list[str | None] = []
    for s in (f.before, f.after):
        amounts = (s.hourly_rate, s.fixed_price, s.weekly_cost, s.total_value, s.milestone_total)
        money += [(v, s.currency) for v in amounts]
        numbers += [s.weekly_limit, s.milestone_count, s.weeks, s.days]
        dates += [s.start_date, s.end_date]
    for c in f.changes:
        if c.kind == "money":
            money.append((c.change, cur_new))
        numbers += [c.change if c.kind == "hours" else None, c.days]
        percents.append(c.percent)
    for m in f.milestones:
        money += [(m.old_amount, cur_old), (m.new_amount, cur_new), (m.amount_change, cur_new)]
        numbers.append(m.due_days)
        percents.append(m.percent)
        dates += [m.old_due, m.new_due]
    ops = [m.op for m in f.milestones]
    numbers += [ops.count(op) or None for op in ("added", "removed", "changed", "moved")]
    numbers.append(len(ops) or None)
    if f.description is not None:
        d = f.description
        numbers += [d.old_words, d.new_words, abs(d.new_words - d.old_words)]
        numbers += [len(d.added) or None, len(d.removed) or None, len(d.reworded) or None]
    for comp in (f.weekly_cost, f.total_value):
        if comp is not None:
            money.append((comp.change, cur_new))
            percents.append(comp.percent)
    money.append((f.milestone_gap, cur_new))
    out = [form for v, cur in money if v is not None for form in money_forms(v, cur)]
    out += [str(abs(n)) for n in numbers if n is not None]
    out += [form for p in percents if p is not None for form in percent_forms(p)]
    for iso in dates:
        if iso is not None:
            day = date.fromisoformat(iso)
            out += [*date_forms(day), str(day.year)]
    return out
