"""Outcomes: what happened to each offer, read from its event log, and the report by variant.

``offer_outcome`` turns one offer and its events (``Store.outcome_page``) into the figures the
report needs, and nothing more: no scope text, no message, no comment leaves this module.
``Tally`` adds them up per experiment variant; ``server.reports.report`` computes the figures
and compares every variant with the baseline (server/reports/stats.py says what the intervals
and tests are). Everything is derived
from the durable log, so the report is the same on any node and after any restart
(docs/RULES.md, "Outcomes").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from server.experiments import Experiment
from server.store.base import EventRecord, OfferRecord

#: The seed's headline: accepted within a week of being sent.
ACCEPT_WINDOW = timedelta(days=7)
_CLOSING = {"offer_accepted": "agreed", "offer_withdrawn": "withdrawn",
            "offer_declined": "declined", "offer_expired": "expired"}
#: Events that are a party's answer or move: they end the other party's wait for them.
_MOVES = frozenset({"proposed", "proposal_accepted", "proposal_rejected", "proposal_decided",
                    "offer_accepted", "offer_withdrawn", "offer_declined"})
ROLES = ("client", "freelancer")


class OfferOutcome(msgspec.Struct, frozen=True):
    """One offer's figures (compact: the report holds one per offer in its range)."""

    variant: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    #: Days from creation to the agreed start date (agreed offers with a start date).
    start_days: float | None
    proposals: tuple[int, int]  # by the client, by the freelancer
    #: How long each party took to answer, in hours: (role, hours) pairs.
    responses: tuple[tuple[str, float], ...]
    #: (outcome, reason category) per withdraw, decline and reject.
    reasons: tuple[tuple[str, str], ...]
    #: Whose answer an expired offer was waiting for.
    expired_turn: str | None
    #: (role, score) of each party's answer to the closing question.
    ratings: tuple[tuple[str, int], ...]


class OfferOutcomeView(msgspec.Struct, frozen=True):
    """``GET /api/offers/{id}/outcome``: one offer's figures, as the report counts them."""

    offer_id: str
    variant: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    #: Agreed within ``ACCEPT_WINDOW``; None while open and younger than that (undecided).
    accepted_7d: bool | None
    time_to_agreement_h: float | None
    time_to_start_d: float | None
    proposals: dict[str, int]
    agreed_after_counter: bool | None
    #: Each answer's wait, in hours, by the role that answered.
    response_h: dict[str, list[float]]
    #: Reason categories: withdrawn / declined (one) and rejected (one per rejection).
    reasons: dict[str, list[str]]
    expired_turn: str | None
    #: Each party's answer to the closing question.
    ratings: dict[str, int]


def outcome_view(offer_id: str, o: OfferOutcome, now: datetime) -> OfferOutcomeView:
    agreed = o.status == "agreed" and o.closed_at is not None
    decided = o.status != "open" or now - o.created_at >= ACCEPT_WINDOW
    reasons: dict[str, list[str]] = {}
    for outcome, code in o.reasons:
        reasons.setdefault(outcome, []).append(code)
    return OfferOutcomeView(
        offer_id=offer_id, variant=o.variant, status=o.status, created_at=o.created_at,
        closed_at=o.closed_at,
        accepted_7d=(agreed and o.closed_at is not None
                     and o.closed_at - o.created_at <= ACCEPT_WINDOW) if decided else None,
        time_to_agreement_h=((o.closed_at - o.created_at).total_seconds() / 3600
                             if agreed and o.closed_at is not None else None),
        time_to_start_d=o.start_days,
        proposals=dict(zip(ROLES, o.proposals, strict=True)),
        agreed_after_counter=sum(o.proposals) > 0 if agreed else None,
        response_h={r: [h for role, h in o.responses if role == r] for r in ROLES},
        reasons=reasons, expired_turn=o.expired_turn, ratings=dict(o.ratings))


def offer_outcome(offer: OfferRecord, events: Iterable[EventRecord]) -> OfferOutcome:
    """``offer``'s figures from its events in order (kinds outside ``OUTCOME_EVENTS`` count for
    nothing, so the whole log may be given)."""
    roles = {offer.client.id: "client", offer.freelancer.id: "freelancer"}
    status, closed_at, turn = "open", None, None
    proposals = Counter[str]()
    responses: list[tuple[str, float]] = []
    reasons: list[tuple[str, str]] = []
    ratings: dict[str, int] = {}
    # Who is waiting for whom, since when: a new offer waits for the freelancer.
    waiting: tuple[str, datetime] | None = ("freelancer", offer.created_at)
    for event in events:
        role = roles.get(event.actor or "")
        code = str(event.payload.get("reason_code") or "unspecified")
        if event.kind == "satisfaction_rated" and role is not None:
            ratings[role] = int(event.payload.get("score", 0))
            continue
        if event.kind in _MOVES and role is not None:
            if waiting is not None and waiting[0] == role:
                responses.append((role, (event.at - waiting[1]).total_seconds() / 3600))
            waiting = None
        if event.kind == "proposed" and role is not None:
            proposals[role] += 1
            waiting = ("freelancer" if role == "client" else "client", event.at)
        elif event.kind == "proposal_withdrawn":
            waiting = None
        elif event.kind == "proposal_rejected":
            reasons.append(("rejected", code))
        elif event.kind in _CLOSING and status == "open":
            status, closed_at = _CLOSING[event.kind], event.at
            if status in ("withdrawn", "declined"):
                reasons.append((status, code))
            elif status == "expired":
                turn = str(event.payload.get("turn") or "none")
    start_days = None
    if status == "agreed" and offer.terms.start_date is not None:
        start_days = float((offer.terms.start_date - offer.created_at.date()).days)
    return OfferOutcome(
        variant=offer.variant, status=status, created_at=offer.created_at, closed_at=closed_at,
        start_days=start_days, proposals=(proposals["client"], proposals["freelancer"]),
        responses=tuple(responses), reasons=tuple(reasons), expired_turn=turn,
        ratings=tuple(sorted(ratings.items())),
    )


class Arm:
    """One variant's raw figures, added up as the offers are read."""

    def __init__(self) -> None:
        self.offers = 0
        self.status = Counter[str]()
        self.decided_7d = 0
        self.accepted_7d = 0
        self.after_counter = 0
        self.agreement_h: list[float] = []
        self.start_d: list[float] = []
        self.rounds: list[float] = []
        self.proposals: dict[str, list[float]] = {r: [] for r in ROLES}
        self.response_h: dict[str, list[float]] = {r: [] for r in ROLES}
        self.reasons: dict[str, Counter[str]] = {k: Counter() for k in
                                                 ("withdrawn", "declined", "rejected")}
        self.expired_turn = Counter[str]()
        self.scores: dict[str, list[int]] = {r: [] for r in ROLES}

    def add(self, o: OfferOutcome, now: datetime) -> None:
        self.offers += 1
        self.status[o.status] += 1
        agreed_in_time = (o.status == "agreed" and o.closed_at is not None
                          and o.closed_at - o.created_at <= ACCEPT_WINDOW)
        if o.status != "open" or now - o.created_at >= ACCEPT_WINDOW:
            self.decided_7d += 1
            self.accepted_7d += agreed_in_time
        if o.status != "open":
            self.rounds.append(float(sum(o.proposals)))
        for role, count in zip(ROLES, o.proposals, strict=True):
            self.proposals[role].append(float(count))
        if o.status == "agreed" and o.closed_at is not None:
            self.after_counter += sum(o.proposals) > 0
            self.agreement_h.append((o.closed_at - o.created_at).total_seconds() / 3600)
            if o.start_days is not None:
                self.start_d.append(o.start_days)
        for role, hours in o.responses:
            self.response_h[role].append(hours)
        for outcome, code in o.reasons:
            self.reasons[outcome][code] += 1
        if o.expired_turn is not None:
            self.expired_turn[o.expired_turn] += 1
        for role, score in o.ratings:
            self.scores[role].append(score)


class Tally:
    """Adds offers up per variant as pages arrive (``server.reports.report`` computes the
    figures from it, off the event loop: it needs scipy, which this module never imports)."""

    def __init__(self, experiment: Experiment, now: datetime) -> None:
        self.experiment = experiment
        self.now = now
        self.arms: dict[str, Arm] = {}
        self.offers = 0

    def add(self, outcome: OfferOutcome) -> None:
        self.offers += 1
        arm = self.arms.get(outcome.variant)
        if arm is None:
            arm = self.arms[outcome.variant] = Arm()
        arm.add(outcome, self.now)
