"""Per-change decisions on a proposal (docs/RULES.md, "Negotiation": partial decisions).

A proposal is a set of *changes* against the committed terms, at the diff's granularity
(``server.offers.diff``): each scalar field, the description, and each milestone row (added,
removed, changed or moved). Each has a stable key — the field name, ``"description"`` or
``"milestone:<id>"`` — which the receiving party accepts, counters with their own value, or
declines. ``split`` turns those answers into the terms of the next version (committed plus the
accepted changes) and the terms of the counter-proposal (that version plus the countered values).
Pure: no I/O, no policy (the caller checks both sets of terms like any other).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec

from server.offers.checks import FieldError, TermsInvalid, check_terms
from server.offers.diff import FieldChange, diff_terms
from server.offers.limits import Limits
from server.offers.terms import Terms, terms_to_builtins

Outcome = Literal["accepted", "countered", "declined"]
MILESTONE_PREFIX = "milestone:"
#: A decision names at most this many keys (a proposal has at most ~10 scalar changes, the
#: description and one per milestone row, added or removed: far below).
KEYS_MAX = 256
_ROW_KEYS = frozenset({"title", "amount", "due_date"})


class DecisionInvalid(Exception):
    """The answers do not fit the proposal; ``code`` is the wire error code."""

    def __init__(self, code: str, message: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or []


class Split(msgspec.Struct, frozen=True):
    """What the answers make: each change's outcome (in the proposal's change order), the next
    version's terms (None: nothing accepted) and the counter-proposal's (None: nothing
    countered)."""

    outcomes: dict[str, Outcome]
    version: Terms | None
    counter: Terms | None


def change_key(change: FieldChange) -> str:
    """The stable key of one change: ``hourly_rate``, ``description``, ``milestone:m-1``."""
    if change.field == "milestones":
        return f"{MILESTONE_PREFIX}{change.id}"
    return change.field


def change_keys(committed: Terms, proposed: Terms) -> list[str]:
    """Every change's key, in the diff's (display) order."""
    return [change_key(c) for c in diff_terms(committed, proposed)]


def split(
    committed: Terms,
    proposed: Terms,
    accept: Iterable[str],
    counter: Mapping[str, Any],
    decline: Iterable[str],
    limits: Limits,
) -> Split:
    """The outcome of accepting ``accept``, countering ``counter`` and declining ``decline``.

    Every change key must be named exactly once (``bad_request`` otherwise). A countered value
    that is not valid for its field is ``invalid_terms``, naming the field.
    """
    accept, decline = list(accept), list(decline)
    named = accept + list(counter) + decline
    if len(named) > KEYS_MAX:
        raise DecisionInvalid("bad_request", f"a decision names at most {KEYS_MAX} changes")
    changes = diff_terms(committed, proposed)
    by_key = {change_key(c): c for c in changes}
    seen: set[str] = set()
    for key in named:
        if key not in by_key:
            raise DecisionInvalid("bad_request", f"the proposal has no change {key!r}")
        if key in seen:
            raise DecisionInvalid("bad_request", f"the change {key!r} is named twice")
        seen.add(key)
    missing = [k for k in by_key if k not in seen]
    if missing:
        raise DecisionInvalid(
            "bad_request", f"accept, counter or decline every change; {missing[0]!r} is missing"
        )
    outcomes: dict[str, Outcome] = {}
    for key in by_key:
        outcomes[key] = (
            "accepted" if key in accept else "countered" if key in counter else "declined"
        )
    # The next version: committed + accepted (taken from the proposal as it was proposed).
    accepted_values = {k: _proposed_value(by_key[k], proposed) for k in accept}
    moves = [k for k, c in by_key.items() if c.moved]
    version_order = bool(moves) and all(outcomes[k] == "accepted" for k in moves)
    version = None
    if accept and len(accept) == len(by_key):
        version = proposed  # all of it: exactly what was proposed
    elif accept:
        version = _compose(committed, proposed, accepted_values, version_order, limits)
    counter_terms = None
    if counter:
        values: dict[str, Any] = {}
        for key, value in counter.items():
            values[key] = _counter_value(by_key[key], value, proposed, committed)
        counter_order = bool(moves) and all(outcomes[k] != "declined" for k in moves)
        # The counter's base is the new version: committed + accepted, then the countered values.
        counter_terms = _compose(committed, proposed, {**accepted_values, **values},
                                 counter_order, limits)
    return Split(outcomes, version, counter_terms)


def _proposed_value(change: FieldChange, proposed: Terms) -> Any:
    if change.field != "milestones":
        return terms_to_builtins(proposed)[change.field]
    return change.new  # the row as proposed, or None (removed)


def _counter_value(change: FieldChange, value: Any, proposed: Terms, committed: Terms) -> Any:
    """The receiver's value for a countered change, as the terms' plain JSON."""
    if change.field != "milestones":
        return value
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - _ROW_KEYS:
        raise DecisionInvalid(
            "invalid_terms", "a countered milestone is {title, amount, due_date} or null",
            [FieldError(change_key(change), "must be a milestone or null")],
        )
    row = dict(change.new if change.new is not None else change.old or {})
    row.update(value)
    row["id"] = change.id
    return row


def _compose(
    committed: Terms,
    proposed: Terms,
    values: Mapping[str, Any],
    proposal_order: bool,
    limits: Limits,
) -> Terms:
    """``committed`` with ``values`` (change key -> plain value) applied, checked for shape.

    Milestone rows keep the committed order unless every move of the proposal is taken
    (``proposal_order``); a row only one side has goes after its nearest predecessor there.
    """
    plain = terms_to_builtins(committed)
    for key, value in values.items():
        if not key.startswith(MILESTONE_PREFIX):
            plain[key] = value
    old_rows = {m["id"]: m for m in plain["milestones"]}
    rows = dict(old_rows)
    for key, value in values.items():
        if key.startswith(MILESTONE_PREFIX):
            mid = key[len(MILESTONE_PREFIX):]
            if value is None:
                rows.pop(mid, None)
            else:
                rows[mid] = value
    committed_ids = [m["id"] for m in plain["milestones"]]
    proposed_ids = [m.id for m in proposed.milestones]
    primary, secondary = (
        (proposed_ids, committed_ids) if proposal_order else (committed_ids, proposed_ids)
    )
    order = _merge_order(primary, secondary, set(rows))
    milestones = [rows[mid] for mid in order]
    description = plain.pop("description")
    plain.pop("milestones")
    try:
        return check_terms(plain, description, milestones, limits)
    except TermsInvalid as exc:
        raise DecisionInvalid("invalid_terms", exc.errors[0].message, list(exc.errors)) from exc


def _merge_order(primary: list[str], secondary: list[str], keep: set[str]) -> list[str]:
    """``primary``'s ids that are kept, then the kept ids only ``secondary`` has, each placed
    right after its nearest kept predecessor in ``secondary`` (first when it has none)."""
    order = [i for i in primary if i in keep]
    placed = set(order)
    for index, mid in enumerate(secondary):
        if mid not in keep or mid in placed:
            continue
        at = 0
        for before in reversed(secondary[:index]):
            if before in placed:
                at = order.index(before) + 1
                break
        order.insert(at, mid)
        placed.add(mid)
    # Rows that are in neither order (a counter adding one) go last.
    order += sorted(keep - placed)
    return order
