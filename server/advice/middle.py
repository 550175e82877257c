"""A middle ground between the two parties' positions (docs/RULES.md, "Middle ground").

Pure and deterministic: ``positions`` reads each party's latest position from the negotiation's
history, ``suggest`` proposes per field a figure between the two (or a structural alternative:
a fixed price split into milestones), each with one grounded line of reason in the reader's
language. Neither takes the asker: the same positions give the same values whoever asks, and
``basis`` names those positions so a client can tell two suggestions apart. Nothing here writes
anything: "Apply to my draft" in the web app fills the asker's draft with the values, to review
and propose like any other edit (``apply_suggestion`` does exactly that, for tests and REST).

Every suggestion, applied to either party's position, keeps the terms valid (shape checks and
proposal policy): a figure stays within the policy limits, a start stays before an end, and
milestones are re-shaped whenever a suggested price or date would leave them inconsistent.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any, Literal, NamedTuple

import msgspec

from server.i18n import Lang, count, day, money
from server.offers.checks import DATE_MAX, DATE_MIN
from server.offers.limits import Limits
from server.offers.money import exponent
from server.offers.policy import applicable_terms, check_proposal
from server.offers.terms import Milestone, Terms
from server.store.base import Store
from server.wire import SuggestionItem

Role = Literal["client", "freelancer"]
ROLES: tuple[Role, ...] = ("client", "freelancer")
StanceKind = Literal["created", "proposed", "accepted", "partial", "rejected", "withdrawn",
                     "draft"]

#: Fixed prices further apart than this share of the lower one are "far apart": paying in parts
#: lets each side see progress before everything is paid, which a single midpoint cannot offer.
SPLIT_GAP_PCT = 15
#: A split has at most this many parts: enough to review progress, few enough to stay simple.
SPLIT_PARTS = 3
#: A suggested figure is the roundest one (a multiple of the largest step of 1, 5, 10, 50, ...
#: minor units) less than this share of the gap away from the midpoint: $40 and $55 an hour meet at
#: $48, €4,000 and €4,500 at €4,250, $4,130 and $5,010 at $4,500. Rounding then moves a figure
#: far less than the gap it bridges, so neither side is favoured by more than a tenth of it.
TOLERANCE_PCT = 10
#: Split parts are rounded down to the roundest figure within this share of an even part (the
#: last part takes the rest): $3,500 in three is $1,150, $1,150 and $1,200.
PART_TOLERANCE_PCT = 5


class Stance(msgspec.Struct, frozen=True):
    """One step of a party in the negotiation.

    ``created``: the client's offer as created (version 1). ``proposed``: the role proposed
    ``terms``. ``accepted`` / ``rejected``: the role answered a proposal of ``terms``.
    ``withdrawn``: the role withdrew its proposal of ``terms``. ``partial``: the role accepted
    part of a proposal, and ``terms`` is the version that made (what it now stands at).
    ``draft``: the live draft, for the role that last changed it.
    """

    role: Role
    terms: Terms
    at: datetime
    kind: StanceKind


#: Order of stances at the same instant: a proposal before its answer, the live draft last.
_RANK: dict[str, int] = {
    "created": 0, "proposed": 1, "accepted": 2, "partial": 2, "rejected": 2, "withdrawn": 2,
    "draft": 3,
}


def positions(history: list[Stance], committed: Terms) -> dict[str, Terms] | None:
    """Each party's latest position (applicable terms), by role; None when they do not differ.

    Rules: both parties start at the offer as created (the client wrote it; the freelancer has
    said nothing else yet), or at ``committed`` when the history has no ``created`` stance. A
    proposal is its proposer's position. Accepting makes the proposal both parties' position.
    Rejecting moves nobody: the rejecter keeps their previous position (the agreed terms, or
    their own later proposal) and the proposer keeps theirs. Withdrawing returns the proposer
    to where they stood before proposing. A draft is its role's position unless it equals the
    agreed terms (a draft reset by a rejection says nothing new). The history is read in time
    order whatever order the list is in.
    """
    ordered = sorted(history, key=lambda s: (s.at, _RANK[s.kind], s.role))
    agreed = applicable_terms(committed)
    start = next((s.terms for s in ordered if s.kind == "created"), committed)
    pos: dict[str, Terms] = dict.fromkeys(ROLES, start)
    before: dict[str, Terms] = dict(pos)  # where each stood before their latest proposal
    for s in ordered:
        if s.kind in ("created", "accepted"):
            pos = dict.fromkeys(ROLES, s.terms)
            before = dict(pos)
        elif s.kind == "proposed":
            before[s.role] = pos[s.role]
            pos[s.role] = s.terms
        elif s.kind == "withdrawn":
            pos[s.role] = before[s.role]
        elif s.kind == "partial":  # the receiver of a partly accepted proposal
            before[s.role] = pos[s.role] = s.terms
        elif s.kind == "draft" and applicable_terms(s.terms) != agreed:
            pos[s.role] = s.terms
        # "rejected": nobody moves (see above).
    out: dict[str, Terms] = {role: applicable_terms(pos[role]) for role in ROLES}
    return None if out["client"] == out["freelancer"] else out


def basis(pos: dict[str, Terms]) -> str:
    """sha256 (hex) of the canonical JSON of the two positions (keys sorted, applicable terms)."""
    doc = {role: applicable_terms(pos[role]) for role in ROLES}
    return hashlib.sha256(msgspec.json.encode(doc, order="sorted")).hexdigest()


async def history_of(store: Store, offer_id: str) -> list[Stance]:
    """The negotiation's stances from the store: version 1 and every proposal with its outcome.

    A proposal ``closed`` by the offer closing around it was never answered, so it stays its
    proposer's last word (nothing is added for the closing). Accepted proposals are the versions
    after 1, so versions beyond the first add nothing.
    """
    versions = await store.list_versions(offer_id)
    proposals = await store.list_proposals(offer_id)
    out: list[Stance] = []
    first = next((v for v in versions if v.number == 1), None)
    #: A partly accepted proposal's version holds only the accepted changes.
    decided = {v.proposal_id: v for v in versions if v.proposal_id is not None}
    if first is not None:
        out.append(Stance(role="client", terms=first.terms, at=first.created_at, kind="created"))
    for p in proposals:
        role = _role(p.by_role)
        if role is None:
            continue
        other: Role = "freelancer" if role == "client" else "client"
        out.append(Stance(role=role, terms=p.terms, at=p.created_at, kind="proposed"))
        at = p.decided_at or p.created_at
        if p.status == "accepted":
            out.append(Stance(role=other, terms=p.terms, at=at, kind="accepted"))
        elif p.status in ("rejected", "countered"):
            # A counter is the receiver's own proposal, a stance of its own.
            out.append(Stance(role=other, terms=p.terms, at=at, kind="rejected"))
        elif p.status == "partially_accepted" and p.id in decided:
            # The receiver stands at what they accepted (their counter, if any, comes next);
            # the proposer still stands at the whole proposal.
            out.append(Stance(role=other, terms=decided[p.id].terms, at=at, kind="partial"))
        elif p.status == "withdrawn":
            out.append(Stance(role=role, terms=p.terms, at=at, kind="withdrawn"))
    return out


def _role(text: str) -> Role | None:
    if text == "client":
        return "client"
    if text == "freelancer":
        return "freelancer"
    return None


# --- the plan: values, language-free except new milestones' titles ---------------------------


class _Pick(NamedTuple):
    value: Any  # int (money, hours), date, or tuple[Milestone, ...]
    #: mid: the exact midpoint; near: rounded next to it; bound: the valid value nearest to it;
    #: split / fit / between: milestones (see _milestones).
    how: str


def suggest(
    pos: dict[str, Terms], limits: Limits, lang: Lang, *, today: date | None = None
) -> list[SuggestionItem]:
    """A middle ground between ``pos["client"]`` and ``pos["freelancer"]``, in field order.

    ``today``, when given, keeps suggested dates out of the past (the proposal policy refuses
    a changed date in the past); the values depend on nothing else but the positions and the
    limits, and only new milestones' titles and the reasons on ``lang``.
    """
    c, f = applicable_terms(pos["client"]), applicable_terms(pos["freelancer"])
    picks = _checked(_plan(c, f, limits, today, lang), c, f, limits, today)
    return [_item(field, pick, c, f, lang) for field, pick in picks.items()]


def apply_suggestion(terms: Terms, items: list[SuggestionItem]) -> Terms:
    """``terms`` with every suggested value put in: what "Apply to my draft" does."""
    changes: dict[str, Any] = {}
    for item in items:
        if item.field in ("start_date", "end_date"):
            changes[item.field] = date.fromisoformat(item.value)
        elif item.field == "milestones":
            changes[item.field] = msgspec.convert(item.value, tuple[Milestone, ...])
        else:
            changes[item.field] = item.value
    return msgspec.structs.replace(terms, **changes)


def _plan(c: Terms, f: Terms, limits: Limits, today: date | None, lang: Lang) -> dict[str, _Pick]:
    picks: dict[str, _Pick] = {}
    # New rows' ids come from the pair of positions in either order: swapping the parties
    # changes no value, ids included.
    key = hashlib.sha256(b"\n".join(sorted((_canonical(c), _canonical(f))))).hexdigest()
    # Amounts in two currencies, or a rate against a price, have no figure between them.
    same_money = c.currency == f.currency
    unit = 10 ** exponent(c.currency)
    if c.contract_type == f.contract_type == "hourly":
        if same_money and c.hourly_rate is not None and f.hourly_rate is not None:
            _put(picks, "hourly_rate", _between(
                c.hourly_rate, f.hourly_rate, limits.hourly_rate_min, limits.money_max, unit,
                rounded=True))
        if c.weekly_limit is not None and f.weekly_limit is not None:
            _put(picks, "weekly_limit", _between(
                c.weekly_limit, f.weekly_limit, limits.weekly_limit_min, limits.weekly_limit_max))
    if (c.contract_type == f.contract_type == "fixed" and same_money
            and c.fixed_price is not None and f.fixed_price is not None):
        # Milestones will follow the price: it must leave room for at least one of them.
        floor = limits.fixed_price_min
        if c.milestones or f.milestones:
            floor = max(floor, limits.milestone_min)
        _put(picks, "fixed_price", _between(
            c.fixed_price, f.fixed_price, floor, limits.money_max, unit, rounded=True))
    _plan_dates(picks, c, f, today)
    rows = _milestones(picks, c, f, limits, today, lang, key)
    if rows is None:
        # The milestones cannot follow the suggested dates (the two prices differ and no price
        # is suggested): suggesting the dates would leave one side's milestones out of range.
        picks.pop("start_date", None)
        picks.pop("end_date", None)
        rows = _milestones(picks, c, f, limits, today, lang, key)
    if rows:
        picks["milestones"] = rows
    return picks


def _put(picks: dict[str, _Pick], field: str, pick: _Pick | None) -> None:
    if pick is not None:
        picks[field] = pick


def _plan_dates(picks: dict[str, _Pick], c: Terms, f: Terms, today: date | None) -> None:
    floor = max(DATE_MIN, today) if today is not None else DATE_MIN
    for field in ("start_date", "end_date"):
        a, b = getattr(c, field), getattr(f, field)
        if a is not None and b is not None:
            pick = _between(a.toordinal(), b.toordinal(), floor.toordinal(),
                            DATE_MAX.toordinal())
            if pick is not None:
                picks[field] = _Pick(date.fromordinal(pick.value), pick.how)
    # A suggested start applies to both positions: it must not pass either one's end (only
    # possible when the end itself is not suggested, e.g. one side has none), and the other way
    # round. Both suggested, they keep their order: midpoints of ordered pairs are ordered.
    start, end = picks.get("start_date"), picks.get("end_date")
    if start is not None and end is None:
        ends = [t.end_date for t in (c, f) if t.end_date is not None]
        if ends and start.value > min(ends):
            low = min(c.start_date or DATE_MAX, f.start_date or DATE_MAX)
            if min(ends) < max(low, floor):
                del picks["start_date"]
            else:
                picks["start_date"] = _Pick(min(ends), "bound")
    if end is not None and start is None:
        starts = [t.start_date for t in (c, f) if t.start_date is not None]
        if starts and end.value < max(starts):
            high = max(c.end_date or DATE_MIN, f.end_date or DATE_MIN)
            if max(starts) > high:
                del picks["end_date"]
            else:
                picks["end_date"] = _Pick(max(starts), "bound")


def _steps(top: int) -> list[int]:
    """The 1-5 series of steps (1, 5, 10, 50, ... minor units) up to ``top``, largest first."""
    out: list[int] = []
    power = 1
    while power <= top:
        out += [power] + ([5 * power] if 5 * power <= top else [])
        power *= 10
    return sorted(out, reverse=True)


def _between(
    a: int, b: int, floor: int, ceil: int, unit: int = 1, *, rounded: bool = False
) -> _Pick | None:
    """The figure nearest the midpoint of ``a`` and ``b``, within both and the limits.

    Strictly between the two when they are at least 2 apart (and the limits allow), else on
    one of them. ``rounded`` (money): the roundest figure, a multiple of the largest step less
    than ``TOLERANCE_PCT`` of the gap away from the midpoint; failing that (and for hours and
    days, which have no rounder unit), the nearest whole ``unit`` (of the currency), then the
    nearest integer. Ties go to the even multiple: deterministic, and favouring neither side by
    role. None when the two are equal or nothing between them is within the limits.
    """
    lo, hi = min(a, b), max(a, b)
    if lo == hi:
        return None
    win_lo, win_hi = max(lo, floor), min(hi, ceil)
    if win_lo > win_hi:
        return None
    if hi - lo >= 2 and max(lo + 1, floor) <= min(hi - 1, ceil):
        win_lo, win_hi = max(lo + 1, floor), min(hi - 1, ceil)
    twice = lo + hi  # twice the midpoint: integers only
    # The midpoint, or the nearest point to it the limits allow.
    target = min(max(twice, 2 * win_lo), 2 * win_hi)
    tries = [(step, True) for step in (_steps(hi - lo) if rounded else [])]
    tries += [(unit, False), (1, False)]
    for step, tolerant in tries:
        down, up = target // (2 * step), -(-target // (2 * step))
        found = [k * step for k in sorted({down, up},
                                          key=lambda k: (abs(2 * k * step - target), k % 2))
                 if win_lo <= k * step <= win_hi
                 and (not tolerant or 100 * abs(2 * k * step - target)
                      < 2 * TOLERANCE_PCT * (hi - lo))]
        if found:
            value = found[0]
            how = "mid" if 2 * value == twice else ("bound" if target != twice else "near")
            return _Pick(value, how)
    return None  # unreachable: step 1 always finds an integer in a non-empty window


def _round_down(amount: int, unit: int) -> int:
    """``amount`` rounded down to the roundest figure within ``PART_TOLERANCE_PCT`` of it."""
    for step in _steps(amount):
        if step >= unit or step == 1:  # whole currency units: a part of $1,150.50 is not round
            rounded = amount // step * step
            if 100 * (amount - rounded) <= PART_TOLERANCE_PCT * amount:
                return rounded
    return amount


# --- milestones --------------------------------------------------------------------------------


def _milestones(
    picks: dict[str, _Pick], c: Terms, f: Terms, limits: Limits, today: date | None,
    lang: Lang, key: str,
) -> _Pick | Literal[False] | None:
    """The milestones the suggestion needs, False when it needs none, None when it needs some it
    cannot give.

    Needed when a suggested price would break a side's milestone sum (they are rescaled: "fit"),
    when a suggested date would leave a side's due dates outside its start and end ("fit"),
    when far-apart prices have no milestones on either side ("split"), and offered when both
    sides have the same milestones at the same price but different amounts or due dates
    ("between": each row halfway).
    """
    fixed = [t for t in (c, f) if t.contract_type == "fixed"]
    if not fixed:
        return False
    price = picks.get("fixed_price")
    prices = {t.fixed_price for t in fixed}
    total = price.value if price is not None else (prices.pop() if len(prices) == 1 else None)
    window = _window(picks, fixed, today)
    with_rows = [t for t in fixed if t.milestones]
    if price is not None and not with_rows and len(fixed) == 2:
        lo, hi = sorted((c.fixed_price or 0, f.fixed_price or 0))
        if (hi - lo) * 100 > SPLIT_GAP_PCT * lo:
            unit = 10 ** exponent(c.currency)
            return _split(price.value, window, limits, lang, key, unit) or False
        return False
    if not with_rows:
        return False
    # Only the suggested dates count here: a due date already in the past is the position's
    # own, not a reason to touch milestones nobody asked about.
    out_of_range = any(_outside(t.milestones, _applied_window(picks, t, None))
                       for t in with_rows)
    same_rows = (len(with_rows) == 2 and [m.id for m in c.milestones] == [m.id for m in
                                                                         f.milestones])
    between = (price is None and same_rows and total is not None
               and all(sum(m.amount for m in t.milestones) == total for t in with_rows)
               and [(m.amount, m.due_date) for m in c.milestones]
               != [(m.amount, m.due_date) for m in f.milestones])
    if price is None and not out_of_range and not between:
        return False
    if total is None:
        return None
    rows = _fit(with_rows, total, window, limits)
    if rows is None:
        return None
    # Moved into the window, a row may no longer lie between the two: then it is a fit.
    between = between and not out_of_range and _rows_between(rows, c.milestones, f.milestones)
    return _Pick(rows, "between" if between else "fit")


def _rows_between(
    rows: tuple[Milestone, ...], a: tuple[Milestone, ...], b: tuple[Milestone, ...]
) -> bool:
    if not len(rows) == len(a) == len(b):
        return False
    for m, x, y in zip(rows, a, b, strict=True):
        if not min(x.amount, y.amount) <= m.amount <= max(x.amount, y.amount):
            return False
        dues = [d for d in (x.due_date, y.due_date) if d is not None]
        if m.due_date is not None and not (dues and min(dues) <= m.due_date <= max(dues)):
            return False
    return True


def _window(
    picks: dict[str, _Pick], fixed: list[Terms], today: date | None
) -> tuple[date | None, date | None]:
    """Where due dates may fall on every fixed side once the suggestion is applied."""
    windows = [_applied_window(picks, t, today) for t in fixed]
    starts = [lo for lo, _ in windows if lo is not None]
    ends = [hi for _, hi in windows if hi is not None]
    return (max(starts) if starts else None, min(ends) if ends else None)


def _applied_window(
    picks: dict[str, _Pick], t: Terms, today: date | None
) -> tuple[date | None, date | None]:
    start = picks["start_date"].value if "start_date" in picks else t.start_date
    end = picks["end_date"].value if "end_date" in picks else t.end_date
    if today is not None:
        start = max(start, today) if start is not None else today
    return start, end


def _outside(rows: tuple[Milestone, ...], window: tuple[date | None, date | None]) -> bool:
    lo, hi = window
    return any(m.due_date is not None and ((lo is not None and m.due_date < lo)
                                           or (hi is not None and m.due_date > hi))
               for m in rows)


def _fit(
    sides: list[Terms], total: int, window: tuple[date | None, date | None], limits: Limits
) -> tuple[Milestone, ...] | None:
    """One side's milestones (both sides' halfway when they have the same rows) rescaled to
    ``total`` and with due dates moved into ``window``."""
    if len(sides) == 2 and [m.id for m in sides[0].milestones] == [m.id for m in
                                                                    sides[1].milestones]:
        a, b = sides
        first = min(sides, key=_canonical)  # the wording of one side, chosen by no role
        rows = [msgspec.structs.replace(
            m, amount=x.amount + y.amount, due_date=_mid_date(x.due_date, y.due_date))
            for m, x, y in zip(first.milestones, a.milestones, b.milestones, strict=True)]
    else:
        # The side with the most rows is the most detailed plan; a tie goes to neither role.
        template = min(sides, key=lambda t: (-len(t.milestones), _canonical(t)))
        rows = list(template.milestones)
    keep = min(len(rows), total // max(limits.milestone_min, 1))
    if keep < 1:
        return None
    if keep < len(rows):  # too many rows for the minimum each: the last kept takes the rest
        rest = sum(m.amount for m in rows[keep - 1:])
        rows = [*rows[:keep - 1], msgspec.structs.replace(rows[keep - 1], amount=rest)]
    amounts = _scale([m.amount for m in rows], total, limits.milestone_min)
    out: list[Milestone] = []
    last: date | None = None
    lo, hi = window
    for m, amount in zip(rows, amounts, strict=True):
        due = m.due_date
        if due is not None:
            if lo is not None and hi is not None and lo > hi:
                due = None  # no date fits both sides: leave it open rather than wrong
            else:
                for floor in (lo, last):
                    if floor is not None and due < floor:
                        due = floor
                if hi is not None and due > hi:
                    due = hi  # never below ``last``: every earlier row was clamped to ``hi`` too
                last = due
        out.append(msgspec.structs.replace(m, amount=amount, due_date=due))
    return tuple(out)


def _canonical(t: Terms) -> bytes:
    return msgspec.json.encode(t, order="sorted")


def _mid_date(a: date | None, b: date | None) -> date | None:
    if a is None or b is None:
        return a or b
    pick = _between(a.toordinal(), b.toordinal(), 0, DATE_MAX.toordinal())
    return a if pick is None else date.fromordinal(pick.value)


def _scale(weights: list[int], total: int, minimum: int) -> list[int]:
    """``total`` shared in proportion to ``weights``, summing exactly, each at least
    ``minimum`` (the caller keeps ``total >= len(weights) * minimum``)."""
    amounts = _largest_remainder(weights, total)
    if min(amounts) >= minimum:
        return amounts
    # A small row would fall under the platform minimum: each gets it, the rest by weight.
    spare = _largest_remainder(weights, total - minimum * len(weights))
    return [minimum + s for s in spare]


def _largest_remainder(weights: list[int], total: int) -> list[int]:
    wsum = sum(weights)
    if wsum <= 0:
        weights, wsum = [1] * len(weights), len(weights)
    exact = [w * total for w in weights]
    base = [e // wsum for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] % wsum), i))
    for i in order[: total - sum(base)]:
        base[i] += 1
    return base


def _split(
    total: int, window: tuple[date | None, date | None], limits: Limits, lang: Lang, key: str,
    unit: int,
) -> _Pick | None:
    """``total`` in 2 or 3 near-equal parts, round where possible, the last taking the rest (so
    no early part is the larger one), due spread evenly over the window when it is known."""
    parts = min(SPLIT_PARTS, limits.milestones_max, total // max(limits.milestone_min, 1))
    if parts < 2:
        return None
    share = total // parts
    even = _round_down(share, unit)
    if even < limits.milestone_min:
        even = share
    amounts = [even] * (parts - 1) + [total - even * (parts - 1)]
    lo, hi = window
    dues: list[date | None] = [None] * parts
    if lo is not None and hi is not None and lo <= hi:
        span = (hi - lo).days
        dues = [lo + timedelta(days=span * (i + 1) // parts) for i in range(parts)]
    elif hi is not None and (lo is None or lo <= hi):
        dues[-1] = hi
    rows = tuple(
        Milestone(id=_row_id(key, i), title=_TEXT[lang]["part"].format(n=i + 1), amount=amount,
                  due_date=due)
        for i, (amount, due) in enumerate(zip(amounts, dues, strict=True)))
    return _Pick(rows, "split")


def _row_id(key: str, i: int) -> str:
    """A new row's id, as creation makes them (m + 8 hex), from the positions: the same split
    gets the same ids whoever asks (and in whatever language)."""
    return "m" + hashlib.sha256(f"{key}:{i}".encode()).hexdigest()[:8]


# --- the safety net -----------------------------------------------------------------------------


def _checked(
    picks: dict[str, _Pick], c: Terms, f: Terms, limits: Limits, today: date | None
) -> dict[str, _Pick]:
    """``picks`` without anything that, applied to either position, would make the terms fail a
    check they passed before. The plan is built not to; this keeps a missed case from ever
    reaching a party as a suggestion that cannot be proposed."""
    for _ in range(3):
        bad = _introduced(picks, c, limits, today) | _introduced(picks, f, limits, today)
        if not bad:
            return picks
        if bad & {"start_date", "end_date", "milestones"}:
            bad |= {"start_date", "end_date", "milestones"}  # they stand or fall together
        if "milestones" in bad:
            bad.add("fixed_price")  # a price without the milestones that follow it breaks the sum
        picks = {k: v for k, v in picks.items() if k not in bad}
    return {}


def _introduced(
    picks: dict[str, _Pick], position: Terms, limits: Limits, today: date | None
) -> set[str]:
    applied = applicable_terms(msgspec.structs.replace(
        position, **{k: p.value for k, p in picks.items()}))
    on = today or date.min
    before = {e.field for e in check_proposal(position, position, limits, on)}
    after = {e.field for e in check_proposal(applied, position, limits, on)}
    return {_top(field) for field in after - before - {"terms"}}


def _top(field: str) -> str:
    return "milestones" if field.startswith("milestones") else field


# --- the words ---------------------------------------------------------------------------------


_MONEY = ("hourly_rate", "fixed_price")
_DATES = ("start_date", "end_date")

_TEXT: dict[Lang, dict[str, str]] = {
    "en": {
        "between": "{subject} is {rel} between the client's {c} and the freelancer's {f}{note}.",
        "hourly_rate": "{v} an hour",
        "fixed_price": "A fixed price of {v}",
        "weekly_limit": "A limit of {v} a week",
        "start_date": "Starting on {v}",
        "end_date": "Ending on {v}",
        "rel:mid": "halfway",
        "rel:near:money": "close to halfway",
        "rel:near:hours": "halfway",
        "rel:near:date": "halfway",
        "rel:bound": "the closest valid value to halfway",
        "note:near:money": ", as a round figure",
        "note:near:hours": ", rounded to a whole hour",
        "note:near:date": ", rounded to a whole day",
        "split": "Paying {t} in {parts} ({amounts}) lets both sides review the work before all "
                 "of it is paid, which helps when the positions are far apart.",
        "fit:dated": "The milestones are adjusted to add up to {t} and to fall due within the "
                     "suggested dates.",
        "fit": "The milestones are adjusted to add up to {t}.",
        "between:rows": "Each milestone is halfway between the two positions, and together "
                        "they still add up to {t}.",
        "part": "Milestone {n}",
        "and": " and ",
        "none": "Nothing to suggest: the two positions do not differ in an amount, a number of "
                "hours or a date that can be met halfway.",
    },
    "de": {
        "between": "{subject} liegt {rel} zwischen den Positionen von Auftraggeber ({c}) und "
                   "Freelancer ({f}){note}.",
        "hourly_rate": "{v} pro Stunde",
        "fixed_price": "Ein Festpreis von {v}",
        "weekly_limit": "Ein Limit von {v} pro Woche",
        "start_date": "Ein Beginn am {v}",
        "end_date": "Ein Ende am {v}",
        "rel:mid": "genau in der Mitte",
        "rel:near:money": "nahe der Mitte",
        "rel:near:hours": "in der Mitte",
        "rel:near:date": "in der Mitte",
        "rel:bound": "so nah wie möglich an der Mitte",
        "note:near:money": ", als runder Betrag",
        "note:near:hours": ", auf ganze Stunden gerundet",
        "note:near:date": ", auf ganze Tage gerundet",
        "note:bound": ", soweit ein Vorschlag es erlaubt",
        "split": "{t} in {parts} ({amounts}) zu zahlen, lässt beide Seiten die Arbeit prüfen, "
                 "bevor alles bezahlt ist; das hilft, wenn die Positionen weit auseinanderliegen.",
        "fit:dated": "Die Meilensteine sind so angepasst, dass sie zusammen {t} ergeben und "
                     "innerhalb der vorgeschlagenen Daten fällig werden.",
        "fit": "Die Meilensteine sind so angepasst, dass sie zusammen {t} ergeben.",
        "between:rows": "Jeder Meilenstein liegt in der Mitte zwischen beiden Positionen; "
                        "zusammen ergeben sie weiterhin {t}.",
        "part": "Meilenstein {n}",
        "and": " und ",
        "none": "Nichts vorzuschlagen: Die Positionen unterscheiden sich in keinem Betrag, "
                "keiner Stundenzahl und keinem Datum, für die es eine Mitte gibt.",
    },
    "es": {
        "between": "{subject} está {rel} entre las posiciones del cliente ({c}) y del "
                   "freelancer ({f}){note}.",
        "hourly_rate": "{v} por hora",
        "fixed_price": "Un precio fijo de {v}",
        "weekly_limit": "Un límite de {v} por semana",
        "start_date": "Un inicio el {v}",
        "end_date": "Un final el {v}",
        "rel:mid": "justo en el punto medio",
        "rel:near:money": "cerca del punto medio",
        "rel:near:hours": "en el punto medio",
        "rel:near:date": "en el punto medio",
        "rel:bound": "lo más cerca posible del punto medio",
        "note:near:money": ", como cifra redonda",
        "note:near:hours": ", redondeado a horas enteras",
        "note:near:date": ", redondeado a días enteros",
        "note:bound": ", dentro de lo que permite una propuesta",
        "split": "Pagar {t} en {parts} ({amounts}) permite a ambas partes revisar el trabajo "
                 "antes de pagarlo todo, algo útil cuando las posiciones están muy alejadas.",
        "fit:dated": "Los hitos se ajustan para sumar {t} y vencer dentro de las fechas "
                     "sugeridas.",
        "fit": "Los hitos se ajustan para sumar {t}.",
        "between:rows": "Cada hito está en el punto medio entre ambas posiciones, y juntos "
                        "siguen sumando {t}.",
        "part": "Hito {n}",
        "and": " y ",
        "none": "No hay nada que sugerir: las posiciones no difieren en ningún importe, número "
                "de horas ni fecha con un punto medio.",
    },
}
_HOURS: dict[Lang, dict[str, str]] = {
    "en": {"one": "{n} hour", "other": "{n} hours"},
    "de": {"one": "{n} Stunde", "other": "{n} Stunden"},
    "es": {"one": "{n} hora", "other": "{n} horas"},
}
_PARTS: dict[Lang, dict[str, str]] = {
    "en": {"one": "{n} milestone", "other": "{n} milestones"},
    "de": {"one": "{n} Meilenstein", "other": "{n} Meilensteinen"},
    "es": {"one": "{n} hito", "other": "{n} hitos"},
}


def no_suggestion_message(lang: Lang) -> str:
    """Why a suggestion has no items, in ``lang``."""
    return _TEXT[lang]["none"]


def _item(field: str, pick: _Pick, c: Terms, f: Terms, lang: Lang) -> SuggestionItem:
    if field == "milestones":
        rows: tuple[Milestone, ...] = pick.value
        return SuggestionItem(
            field=field, kind="between" if pick.how == "between" else "structure",
            value=_rows(rows), client=_rows(c.milestones), freelancer=_rows(f.milestones),
            reason=_rows_reason(rows, pick.how, c.currency, lang))
    text = _TEXT[lang]
    group = "money" if field in _MONEY else ("date" if field in _DATES else "hours")
    how = f"near:{group}" if pick.how == "near" else pick.how

    def show(v: Any) -> str:
        if group == "money":
            return money(v, c.currency, lang)
        if group == "date":
            return day(v, lang)
        return count(v, _HOURS[lang], lang)

    subject = text[field].format(v=show(pick.value))
    reason = text["between"].format(subject=subject, rel=text[f"rel:{how}"],
                                    note=text.get(f"note:{how}", ""),
                                    c=show(getattr(c, field)), f=show(getattr(f, field)))
    return SuggestionItem(field=field, kind="between", value=_wire(pick.value),
                          client=_wire(getattr(c, field)), freelancer=_wire(getattr(f, field)),
                          reason=reason)


def _rows_reason(rows: tuple[Milestone, ...], how: str, currency: str, lang: Lang) -> str:
    text = _TEXT[lang]
    total = money(sum(m.amount for m in rows), currency, lang)
    if how == "split":
        amounts = [money(m.amount, currency, lang) for m in rows]
        joined = ", ".join(amounts[:-1]) + text["and"] + amounts[-1]
        return text["split"].format(t=total, parts=count(len(rows), _PARTS[lang], lang),
                                    amounts=joined)
    if how == "between":
        return text["between:rows"].format(t=total)
    dated = any(m.due_date is not None for m in rows)
    return text["fit:dated" if dated else "fit"].format(t=total)


def _wire(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _rows(rows: tuple[Milestone, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [msgspec.to_builtins(m) for m in rows]
    return out
