"""The offline explainer: short, neutral prose built from the facts alone, no network.

It is the default explainer and the fallback whenever a model's answer fails or is not grounded, so
it must never say anything the facts do not hold: every figure it writes comes from ``Facts`` in the
formats of ``offers.money`` (``$4,500.00``, ``11.1%``, ``1 Dec 2026``), which the grounding check
reads back. It describes and does not advise, and it reads the same to both parties.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from server.explain.facts import (
    Comparison,
    DescriptionFact,
    Facts,
    MilestoneFact,
    Side,
    ValueChange,
)
from server.offers.money import format_date, format_money, format_percent, join_words, plural
from server.offers.terms import SCALAR_FIELDS

#: Milestone changes described one by one; past this the list would swamp everything else.
MAX_MILESTONE_SENTENCES = 5
_LABELS: dict[str, str] = {
    **{f: "the " + f.replace("_", " ") for f in SCALAR_FIELDS},
    "manual_time": "the manual time setting",
}
_ORDER = ("currency", "title", "hourly_rate", "weekly_limit", "manual_time", "fixed_price",
          "start_date", "end_date")  # fmt: skip


class OfflineExplainer:
    """Rule-based explanations: identical for both parties, streamed sentence by sentence."""

    name: str = "offline"
    model: str | None = None

    async def stream(self, facts: Facts, note: str | None) -> AsyncGenerator[str, None]:
        # The note is the proposer's own words; echoing it would let one party's phrasing pass as
        # the neutral explanation, so the room shows it separately.
        del note
        parts = explain_sentences(facts)
        for i, sentence in enumerate(parts):
            yield sentence if i == len(parts) - 1 else sentence + " "
            await asyncio.sleep(0)  # let other rooms' messages through between chunks


def offline_text(facts: Facts) -> str:
    """The whole offline explanation as one string (what ``stream`` yields, joined)."""
    return " ".join(explain_sentences(facts))


def explain_sentences(facts: Facts) -> list[str]:
    """The explanation, one sentence per item, in a fixed order."""
    if facts.is_empty():
        return ["This proposal does not change any terms."]
    switched = facts.before.contract_type != facts.after.contract_type
    out = [_opening(facts, switched)]
    if switched:
        out += _switch(facts)
    by_field = {c.field: c for c in facts.changes}
    for field in _ORDER:
        change = by_field.get(field)
        if change is not None and not (switched and _follows_switch(change)):
            out.append(_date(change) if change.kind == "date" else _scalar(change, facts))
    if facts.description is not None:
        out += _description(facts.description)
    out += _milestones(facts, switched)
    if not switched and facts.after.contract_type == "hourly":
        out += _weekly_and_total(facts)
    out.append("Everything else stays as in the current version.")
    return out


def _follows_switch(c: ValueChange) -> bool:
    """A change that only reflects the new contract type (fields appearing or dropping away)."""
    if c.field == "manual_time":
        return not c.new
    return c.field in ("hourly_rate", "weekly_limit", "fixed_price") and None in (c.old, c.new)


def _q(text: str) -> str:
    return f'"{text}"'


def _shift(days: int) -> str:
    return plural(abs(days), "day") + (" later" if days > 0 else " earlier")


def _money(value: int | None, currency: str) -> str:
    return "not set" if value is None else format_money(value, currency)


def _hours(value: object) -> str:
    return "no limit" if value is None else f"{value} hours"


def _verb(change: int) -> str:
    return "increases" if change > 0 else "decreases"


def _diff(change: int, currency: str, percent: float | None) -> str:
    text = f"{'up' if change > 0 else 'down'} {format_money(abs(change), currency)}"
    return f"{text}, or {format_percent(abs(percent))}" if percent is not None else text


def _opening(facts: Facts, switched: bool) -> str:
    items = [_LABELS[c.field] for c in facts.changes if not (switched and _follows_switch(c))]
    if facts.description is not None:
        items.append("the description")
    if facts.milestones and not (switched and facts.after.contract_type == "hourly"):
        items.append("the milestones")
    return f"This proposal changes {join_words(items)}."


def _scalar(c: ValueChange, facts: Facts) -> str:
    label = _LABELS[c.field].capitalize()
    if c.field == "currency":
        return f"The currency changes from {c.old} to {c.new}, so amounts are not compared."
    if c.field == "title":
        return f"The title changes from {_q(str(c.old))} to {_q(str(c.new))}."
    if c.field == "manual_time":
        return "Manual time is now allowed." if c.new else "Manual time is no longer allowed."
    if c.field == "weekly_limit":
        if c.old is None or c.new is None:
            return f"The weekly limit changes from {_hours(c.old)} to {_hours(c.new)}."
        return f"The weekly limit {_verb(c.change or 0)} from {c.old} to {c.new} hours."
    # hourly_rate or fixed_price
    old = _money(c.old if isinstance(c.old, int) else None, facts.before.currency)
    new = _money(c.new if isinstance(c.new, int) else None, facts.after.currency)
    if c.change is None:
        return f"{label} changes from {old} to {new}."
    diff = _diff(c.change, facts.after.currency, c.percent)
    return f"{label} {_verb(c.change)} from {old} to {new} ({diff})."


def _date(c: ValueChange) -> str:
    label = _LABELS[c.field].capitalize()
    if c.old is None:
        return f"{label} is set to {format_date(str(c.new))}; there was none before."
    if c.new is None:
        return f"{label} is removed; it was {format_date(str(c.old))}."
    assert c.days is not None
    old, new = format_date(str(c.old)), format_date(str(c.new))
    return f"{label} moves from {old} to {new}, {_shift(c.days)}."


def _description(d: DescriptionFact) -> list[str]:
    counts = (("reworded", len(d.reworded)), ("added", len(d.added)), ("removed", len(d.removed)))
    parts = [f"{plural(n, 'sentence')} {'is' if n == 1 else 'are'} {v}" for v, n in counts if n]
    what = join_words(parts) if parts else "only its layout changes"
    words = f"it goes from {d.old_words} to {d.new_words} words"
    if d.old_words == d.new_words:
        words = f"it stays at {d.new_words} words"
    return [
        f"The description, which is the binding scope of work, is edited: {what}, and {words}.",
        "Both parties should read the new text in full.",
    ]


def _versus(comp: Comparison, currency: str, subject: str, than: str = "") -> str:
    """A clause comparing the new total with the old one: "the fixed price is $600.00 less"."""
    if comp.change is None or comp.new is None:
        return f"{subject} is in a different currency"
    if comp.change == 0:
        return f"{subject} is the same amount"
    amount = format_money(abs(comp.change), currency)
    up = comp.change > 0
    pct = comp.percent
    rel = f" ({format_percent(abs(pct))} {'higher' if up else 'lower'})" if pct is not None else ""
    return f"{subject} is {amount} {'more' if up else 'less'}{than}{rel}"


def _gone(items: list[str], head: str) -> str:
    verb = "applies" if len(items) == 1 else "apply"
    return f"{head}: {join_words(items)} no longer {verb}" if items else head


def _no_cap(side: Side) -> str:
    """Why an hourly side has no maximum total."""
    dates = {"start date": side.start_date, "end date": side.end_date}
    missing = [k for k, v in {"weekly limit": side.weekly_limit, **dates}.items() if v is None]
    return "no " + " or ".join(missing)


def _switch(facts: Facts) -> list[str]:
    b, a, total = facts.before, facts.after, facts.total_value
    if a.contract_type == "fixed":
        gone = [f"the hourly rate of {_money(b.hourly_rate, b.currency)}"] if b.hourly_rate else []
        if b.weekly_limit is not None:
            gone.append(f"the weekly limit of {b.weekly_limit} hours")
        head = _gone(gone, "The contract changes from hourly to fixed price")
        out = [f"{head}, and the fixed price is {_money(a.fixed_price, a.currency)}."]
        if total is None or total.old is None or b.weeks is None:
            out.append(f"With {_no_cap(b)}, the hourly contract had no maximum total to compare.")
        else:
            cap, weeks = _money(total.old, b.currency), plural(b.weeks, "week")
            versus = _versus(total, a.currency, "the fixed price")
            before = f"Before, the most it could cost was {cap} ({weeks} at the weekly limit)"
            out.append(f"{before}; {versus}.")
        return out
    gone = [f"the fixed price of {_money(b.fixed_price, b.currency)}"] if b.fixed_price else []
    if b.milestone_count:
        gone.append(f"its {plural(b.milestone_count, 'milestone')}")
    head = _gone(gone, "The contract changes from fixed price to hourly")
    limit = f"{a.weekly_limit} hours" if a.weekly_limit is not None else "no limit"
    rate = _money(a.hourly_rate, a.currency)
    out = [f"{head}, and the hourly rate is {rate} with a weekly limit of {limit}."]
    if total is None or total.new is None or a.weeks is None:
        out.append(f"With {_no_cap(a)}, the total depends on the hours worked.")
    else:
        cap, weeks = _money(total.new, a.currency), plural(a.weeks, "week")
        versus = _versus(total, a.currency, "that", " than the fixed price")
        out.append(f"At the weekly limit, {weeks} of work can cost at most {cap}; {versus}.")
    return out


def _milestones(facts: Facts, switched: bool) -> list[str]:
    if switched and facts.after.contract_type == "hourly":
        return []  # the switch sentence already says the milestones no longer apply
    items = list(facts.milestones)
    shown = items if len(items) <= MAX_MILESTONE_SENTENCES else items[: MAX_MILESTONE_SENTENCES - 1]
    out = [_milestone(m, facts) for m in shown]
    if len(shown) < len(items):
        out.append("Further milestone changes are listed in the proposal.")
    a, gap = facts.after, facts.milestone_gap
    if gap is not None and (items or any(c.field == "fixed_price" for c in facts.changes)):
        price = _money(a.fixed_price, a.currency)
        side = f"{_money(abs(gap), a.currency)} {'more' if gap > 0 else 'less'}"
        how = f"which is {side} than the fixed price of {price}" if gap else ""
        how = how or "matching the fixed price"
        out.append(f"The milestones add up to {_money(a.milestone_total, a.currency)}, {how}.")
    return out


def _milestone(m: MilestoneFact, facts: Facts) -> str:
    cur_old, cur_new = facts.before.currency, facts.after.currency
    due = f"due {format_date(m.new_due)}" if m.new_due else "with no due date"
    if m.op == "added":
        return f"A milestone {_q(m.title)} is added: {_money(m.new_amount, cur_new)}, {due}."
    if m.op == "removed":
        was = _money(m.old_amount, cur_old) + (
            f", due {format_date(m.old_due)}" if m.old_due else ""
        )
        return f"The milestone {_q(m.title)} ({was}) is removed."
    name = _q(m.old_title or m.title)
    parts = []
    if m.old_title:
        parts.append(f"it is renamed {_q(m.title)}")
    if m.old_amount != m.new_amount:
        old, new, ch = _money(m.old_amount, cur_old), _money(m.new_amount, cur_new), m.amount_change
        diff = f" ({_diff(ch, cur_new, m.percent)})" if ch else ""
        parts.append(f"its amount {_verb(ch) if ch else 'changes'} from {old} to {new}{diff}")
    if m.old_due != m.new_due:
        if m.old_due and m.new_due:
            old, new = format_date(m.old_due), format_date(m.new_due)
            shift = f", {_shift(m.due_days)}" if m.due_days else ""
            parts.append(f"its due date moves from {old} to {new}{shift}")
        elif m.new_due:
            parts.append(f"it gets a due date of {format_date(m.new_due)}")
        else:
            parts.append("it no longer has a due date")
    if m.op == "moved" or (m.op == "changed" and not parts):
        parts.append("it moves to a different place in the list")
    return f"The milestone {name} changes: {join_words(parts)}."


def _weekly_and_total(facts: Facts) -> list[str]:
    b, a, out = facts.before, facts.after, []
    wc, tv = facts.weekly_cost, facts.total_value
    if wc is not None and wc.old != wc.new:
        old, new = _money(wc.old, b.currency), _money(wc.new, a.currency)
        at_limit = f"At the weekly limit of {a.weekly_limit} hours, the most that can be billed"
        if wc.new is None:
            out.append(f"Weekly billing is no longer capped; the cap was {old} a week.")
        elif wc.old is None:
            out.append(f"{at_limit} in a week is now {new}.")
        else:
            out.append(f"{at_limit} in a week goes from {old} to {new}.")
    if tv is not None and tv.old != tv.new:
        old, new = _money(tv.old, b.currency), _money(tv.new, a.currency)
        weeks_old, weeks_new = plural(b.weeks or 0, "week"), plural(a.weeks or 0, "week")
        if tv.new is None:
            out.append(f"With {_no_cap(a)}, there is no maximum total; it was {old}.")
        elif tv.old is None:
            out.append(f"Over its {weeks_new}, the contract can cost at most {new}.")
        elif b.weeks == a.weeks and b.start_date == a.start_date and a.start_date and a.end_date:
            span = f"{weeks_new} from {format_date(a.start_date)} to {format_date(a.end_date)}"
            out.append(f"Over the {span}, the most the contract can cost goes from {old} to {new}.")
        else:
            out.append(
                f"Over the whole term, the most the contract can cost goes from {old} "
                f"({weeks_old}) to {new} ({weeks_new})."
            )
    return out
