"""Policy checks a draft must pass to be proposed (docs/RULES.md, "Policy at proposal time").

The guard (``checks.py``) keeps every live edit well-typed; these rules are about a whole offer and
only bind when a party proposes: the fields the contract type needs, platform minimums, milestone
amounts adding up to the fixed price, dates in order and not in the past. Every error names the
field it is about (``milestones[1].amount``), so the web app can put it next to the right input.
"""

from __future__ import annotations

from datetime import date

import msgspec

from server.offers.checks import FieldError, check_date_range
from server.offers.limits import Limits
from server.offers.money import format_money
from server.offers.terms import Milestone, Terms

#: The whole draft, for errors that are about no single field.
TERMS_FIELD = "terms"


def applicable_terms(terms: Terms) -> Terms:
    """The terms with every field the contract type does not use cleared.

    Switching hourly <-> fixed leaves the other type's values in the draft (so switching back loses
    nothing); they have no effect on the contract, so policy, facts and flags look at this view.
    """
    if terms.contract_type == "hourly":
        return msgspec.structs.replace(terms, fixed_price=None, milestones=())
    return msgspec.structs.replace(terms, hourly_rate=None, weekly_limit=None, manual_time=False)


def check_proposal(terms: Terms, committed: Terms, limits: Limits, today: date) -> list[FieldError]:
    """Every reason the draft ``terms`` cannot be proposed against ``committed``; empty when it can.

    Time-dependent rules ("not in the past") apply only to dates the draft changes: an agreed date
    that time has overtaken is not the proposer's doing, and blocking every other change on it
    would stall the negotiation.
    """
    draft = applicable_terms(terms)
    base = applicable_terms(committed)
    errors: list[FieldError] = []
    if draft == base:
        errors.append(
            FieldError(TERMS_FIELD, "nothing differs from the current version", "unchanged"))
    if not draft.title.strip():
        errors.append(FieldError("title", "is required", "required"))
    cur = draft.currency
    if draft.contract_type == "hourly":
        if draft.hourly_rate is None:
            errors.append(
                FieldError("hourly_rate", "is required for an hourly contract", "required"))
        elif draft.hourly_rate < limits.hourly_rate_min:
            minimum = format_money(limits.hourly_rate_min, cur)
            errors.append(FieldError("hourly_rate", f"must be at least {minimum} an hour",
                                     "below_min", {"min": limits.hourly_rate_min}))
    else:
        _check_fixed(draft, limits, errors)
    _check_dates(draft, base, today, errors)
    errors += check_date_range(draft)  # a version is finished terms: dates in the sane range
    return errors


def _check_fixed(draft: Terms, limits: Limits, errors: list[FieldError]) -> None:
    cur = draft.currency
    if draft.fixed_price is None:
        errors.append(
            FieldError("fixed_price", "is required for a fixed-price contract", "required"))
    elif draft.fixed_price < limits.fixed_price_min:
        minimum = format_money(limits.fixed_price_min, cur)
        errors.append(FieldError("fixed_price", f"must be at least {minimum}", "below_min",
                                 {"min": limits.fixed_price_min}))
    for i, m in enumerate(draft.milestones):
        if not m.title.strip():
            errors.append(FieldError(f"milestones[{i}].title", "is required", "required"))
        if m.amount < limits.milestone_min:
            minimum = format_money(limits.milestone_min, cur)
            errors.append(FieldError(f"milestones[{i}].amount", f"must be at least {minimum}",
                                     "below_min", {"min": limits.milestone_min}))
    if draft.milestones and draft.fixed_price is not None:
        total = sum(m.amount for m in draft.milestones)
        if total != draft.fixed_price:
            errors.append(
                FieldError(
                    "milestones",
                    f"amounts add up to {format_money(total, cur)} but the fixed price is "
                    f"{format_money(draft.fixed_price, cur)}",
                    "sum_mismatch",
                    {"total": total, "price": draft.fixed_price},
                )
            )


def _check_dates(draft: Terms, base: Terms, today: date, errors: list[FieldError]) -> None:
    start, end = draft.start_date, draft.end_date
    if start is not None and start != base.start_date and start < today:
        errors.append(FieldError("start_date", "must not be in the past", "past"))
    if end is not None and end != base.end_date and end < today:
        errors.append(FieldError("end_date", "must not be in the past", "past"))
    if start is not None and end is not None and end < start:
        errors.append(FieldError("end_date", "must be on or after the start date", "before_start"))
    old_due = {m.id: m.due_date for m in base.milestones}
    previous: Milestone | None = None
    for i, m in enumerate(draft.milestones):
        due = m.due_date
        if due is None:
            continue
        field = f"milestones[{i}].due_date"
        if start is not None and due < start:
            errors.append(FieldError(field, "must not be before the start date", "before_start"))
        elif due < today and old_due.get(m.id) != due:
            errors.append(FieldError(field, "must not be in the past", "past"))
        if end is not None and due > end:
            errors.append(FieldError(field, "must not be after the end date", "after_end"))
        if previous is not None and previous.due_date is not None and due < previous.due_date:
            errors.append(FieldError(field, "must not be before the previous milestone's due date",
                                     "before_previous"))
        previous = m
