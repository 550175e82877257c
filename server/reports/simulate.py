"""A seeded simulation of negotiated offers with known effects per variant.

It writes offers into a real store through the same records the negotiation commits (offer,
proposals, answers, the close, the closing question), each stamped at its simulated time, so
the outcome report can be checked against effects planted here: the first variant of the
experiment behaves as ``BASELINE``, every other as ``TREATMENT``. The report must recover each
difference within its interval (tests/integration/test_outcome_simulation.py), and ``make run``
seeds its demo with it so the report page has something to show (``offer-room simulate``).

Simulated offers are ordinary offers with ids starting ``sim-``; they live in the range the
simulation was given, all closed (created at least ``TAIL`` before ``now``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import msgspec

from server.experiments import Experiment, Variant
from server.negotiation.creation import seeded_doc
from server.offers.reasons import REASONS
from server.offers.terms import Party, Terms
from server.store.base import (
    Decision,
    Expect,
    NewEvent,
    OfferRecord,
    ProposalRecord,
    Rating,
    Store,
    VersionRecord,
    Write,
    content_hash,
)

#: Every simulated offer closes within its lifetime, and is created at least this long before
#: ``now``: its week is over and its outcome known when the report is read.
LIFETIME = timedelta(days=14)
TAIL = LIFETIME + timedelta(days=1)
ID_PREFIX = "sim-"


class Effects(msgspec.Struct, frozen=True):
    """How the offers of one arm behave."""

    #: Agreed within seven days of creation.
    accept_7d: float
    #: Mean days from creation to the start date the parties agree on.
    start_days: float
    #: At least one counter-offer before the end.
    counter: float
    #: Closing-question answers: 9-10, and 0-6 (the rest are 7-8).
    promoters: float
    detractors: float
    #: Weights of the client's withdrawal reasons (the freelancer's declines share the rest).
    withdraw_reasons: dict[str, float]

    @property
    def nps(self) -> float:
        return 100 * (self.promoters - self.detractors)


BASELINE = Effects(accept_7d=0.40, start_days=20.0, counter=0.35, promoters=0.40,
                   detractors=0.30,
                   withdraw_reasons={"terms": 0.40, "budget": 0.20, "timeline": 0.10,
                                     "scope_unclear": 0.10, "no_response": 0.10,
                                     "hired_someone_else": 0.05, "other": 0.05})
TREATMENT = Effects(accept_7d=0.50, start_days=14.0, counter=0.55, promoters=0.55,
                    detractors=0.15,
                    withdraw_reasons={"terms": 0.15, "budget": 0.25, "timeline": 0.10,
                                      "scope_unclear": 0.10, "no_response": 0.15,
                                      "hired_someone_else": 0.15, "other": 0.10})
#: After the seven days: agreed late, withdrawn, declined or expired (of the rest).
_LATE = (("agreed", 0.10), ("withdrawn", 0.35), ("declined", 0.30), ("expired", 0.25))
#: Share of the parties who answer the closing question.
_ANSWER = 0.7
_SD_START_DAYS = 4.0


class AlreadySimulated(Exception):
    """The store holds this seed's offers already (simulate each seed once per store)."""


class SimClock:
    """The time the store stamps on what it writes; the simulation moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Simulated(msgspec.Struct, frozen=True):
    offers: int
    by_variant: dict[str, int]
    effects: dict[str, Effects]
    start: datetime
    end: datetime


def effects_of(experiment: Experiment) -> dict[str, Effects]:
    return {v.name: BASELINE if i == 0 else TREATMENT
            for i, v in enumerate(experiment.variants)}


async def simulate(store: Store, clock: SimClock, experiment: Experiment, *, offers: int,
                   seed: int, now: datetime, days: int = 60,
                   progress: Callable[[int], None] | None = None) -> Simulated:
    """Write ``offers`` simulated offers created over the ``days`` before ``now - TAIL``."""
    if await store.get_offer(_offer_id(seed, 0)) is not None:
        raise AlreadySimulated(f"seed {seed} was simulated in this store already")
    rng = random.Random(seed)
    effects = effects_of(experiment)
    end = now - TAIL
    start = end - timedelta(days=days)
    counts: dict[str, int] = {}
    for i in range(offers):
        offer_id = _offer_id(seed, i)
        variant = experiment.assign(offer_id)
        created = start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))
        await _one_offer(store, clock, rng, offer_id, _variant(experiment, variant),
                         effects[variant], created)
        counts[variant] = counts.get(variant, 0) + 1
        if progress is not None and (i + 1) % 100 == 0:
            progress(i + 1)
    return Simulated(offers=offers, by_variant=counts, effects=effects, start=start, end=end)


def _offer_id(seed: int, i: int) -> str:
    return f"{ID_PREFIX}{seed}-{i:06d}"


def _variant(experiment: Experiment, name: str) -> Variant:
    return next(v for v in experiment.variants if v.name == name)


async def _one_offer(store: Store, clock: SimClock, rng: random.Random, offer_id: str,
                     variant: Variant, fx: Effects, created: datetime) -> None:
    start_days = max(1, round(rng.gauss(fx.start_days, _SD_START_DAYS)))
    terms = Terms(title="Simulated project", contract_type="hourly", currency="USD",
                  hourly_rate=rng.randrange(2000, 9000, 100), weekly_limit=20,
                  start_date=created.date() + timedelta(days=start_days),
                  end_date=created.date() + timedelta(days=start_days + 56))
    client = Party(id=f"{offer_id}-c", name="Simulated client")
    freelancer = Party(id=f"{offer_id}-f", name="Simulated freelancer")
    record = OfferRecord(id=offer_id, status="open", version=1, client=client,
                         freelancer=freelancer, created_at=created,
                         expires_at=created + LIFETIME, terms=terms, variant=variant.name)
    clock.now = created
    await store.create_offer(record, seeded_doc(record))
    # How it ends, and when.
    if rng.random() < fx.accept_7d:
        status, closed = "agreed", created + timedelta(hours=rng.uniform(2, 7 * 24 - 2))
    else:
        status = rng.choices([s for s, _ in _LATE], [w for _, w in _LATE])[0]
        hours = (rng.uniform(7 * 24 + 2, 13 * 24) if status == "agreed"
                 else 14 * 24 if status == "expired" else rng.uniform(6, 13 * 24))
        closed = created + timedelta(hours=hours)
    rounds = rng.choice((1, 1, 2, 3)) if rng.random() < fx.counter else 0
    # An expired offer waits on someone: on the client, when the freelancer's last proposal is
    # left unanswered.
    unanswered = status == "expired" and rounds > 0 and rng.random() < 0.5
    moments = sorted(created + (closed - created) * rng.uniform(0.05, 0.95)
                     for _ in range(2 * rounds))
    version, current = 1, terms
    for r in range(rounds):
        by_client = r % 2 == 1  # the freelancer counters first
        proposer = client if by_client else freelancer
        answerer = freelancer if by_client else client
        last = r == rounds - 1
        proposed = msgspec.structs.replace(
            current, hourly_rate=(current.hourly_rate or 0) + (-300 if by_client else 500))
        proposal = ProposalRecord(
            id=f"p-{offer_id}-{r}", offer_id=offer_id, by=proposer.id,
            by_role="client" if by_client else "freelancer", base_version=version,
            terms=proposed, created_at=moments[2 * r])
        clock.now = moments[2 * r]
        await store.commit(offer_id, Expect(version), Write(
            events=[NewEvent("proposed", proposer.id, None, {
                "proposal_id": proposal.id, "base_version": version,
                "fields": ["hourly_rate"]})], proposal=proposal))
        if last and unanswered:
            break
        clock.now = moments[2 * r + 1]
        if last and status == "agreed":
            version += 1
            await store.commit(offer_id, Expect(version - 1, pending=proposal.id), Write(
                events=[NewEvent("proposal_accepted", answerer.id, None,
                                 {"proposal_id": proposal.id, "version": version})],
                version=VersionRecord(offer_id=offer_id, number=version, terms=proposed,
                                      created_at=clock.now, author=proposer.id,
                                      accepted_by=answerer.id, proposal_id=proposal.id,
                                      content_hash=content_hash(proposed)),
                decision=Decision(proposal.id, "accepted", answerer.id)))
            current = proposed
        else:
            code = rng.choice(REASONS["reject"])
            await store.commit(offer_id, Expect(version, pending=proposal.id), Write(
                events=[NewEvent("proposal_rejected", answerer.id, None,
                                 {"proposal_id": proposal.id, "reason_code": code})],
                decision=Decision(proposal.id, "rejected", answerer.id)))
    await _close(store, clock, rng, record, fx, status, closed, version,
                 f"p-{offer_id}-{rounds - 1}" if unanswered else None)
    for party, role in ((client, "client"), (freelancer, "freelancer")):
        if rng.random() < _ANSWER:
            clock.now = closed + timedelta(minutes=rng.uniform(1, 600))
            await store.rate(offer_id, Rating(party.id, role, _score(rng, fx)))


async def _close(store: Store, clock: SimClock, rng: random.Random, offer: OfferRecord,
                 fx: Effects, status: str, at: datetime, version: int, pending: str | None
                 ) -> None:
    payload: dict[str, object] = {"version": version}
    actor: str | None
    if status == "agreed":
        kind, actor = "offer_accepted", offer.freelancer.id
    elif status == "withdrawn":
        kind, actor = "offer_withdrawn", offer.client.id
        reasons = fx.withdraw_reasons
        payload["reason_code"] = rng.choices(list(reasons), list(reasons.values()))[0]
    elif status == "declined":
        kind, actor = "offer_declined", offer.freelancer.id
        payload["reason_code"] = rng.choice(REASONS["decline_offer"])
    else:
        kind, actor = "offer_expired", None
        payload["turn"] = "client" if pending is not None else "freelancer"
    clock.now = at
    await store.commit(offer.id, Expect(version, pending=pending), Write(
        events=[NewEvent(kind, actor, None, payload)], status=status,
        decision=Decision(pending, "closed", "system") if pending is not None else None))


def _score(rng: random.Random, fx: Effects) -> int:
    u = rng.random()
    if u < fx.promoters:
        return rng.choice((9, 10))
    if u < fx.promoters + fx.detractors:
        return rng.randint(0, 6)
    return rng.choice((7, 8))
