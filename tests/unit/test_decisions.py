"""Per-change decisions (``decide``): who may decide when, what the answers make (the next
version and the counter-proposal), and one durable compare-and-set on both stores, also when two
nodes race."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from pycrdt import Doc

from server.config import Config
from server.crdt.layout import OfferDoc
from server.errors import CommandError
from server.explain.offline import OfflineExplainer
from server.metrics import Metrics
from server.negotiation.explaining import Explanations
from server.negotiation.service import Negotiation
from server.offers.lifecycle import (
    Action,
    Code,
    DecisionOutcome,
    OfferState,
    Pending,
    Refusal,
    Transition,
    decide,
    decision_outcome,
)
from server.offers.limits import Limits
from server.offers.partial import DecisionInvalid, change_keys, split
from server.offers.policy import check_proposal
from server.offers.terms import Milestone, Party, Terms
from server.rooms.persister import Persister
from server.rooms.room import Room
from server.store.base import (
    Conflict,
    Decision,
    Expect,
    NewEvent,
    OfferRecord,
    ProposalRecord,
    Store,
    VersionRecord,
    Write,
)
from server.store.postgres import PostgresStore
from server.store.sqlite import SQLiteStore
from server.tasks import Tasks
from server.wire import Decide, UserInfo, decode_client_message
from tests.support import postgres as pgtest
from tests.support.store_records import T0, Clock, make_offer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LIMITS = Limits()
OPEN = OfferState(status="open", version=2, client_id="c-1", freelancer_id="f-1",
                  expires_at=NOW + timedelta(days=10))
PENDING = msgspec.structs.replace(
    OPEN, pending=Pending(id="p-1", by="f-1", by_role="freelancer", base_version=2))

HOURLY = Terms(title="Landing page", contract_type="hourly", currency="USD", hourly_rate=4500,
               weekly_limit=20, start_date=date(2026, 12, 7), end_date=date(2027, 1, 31),
               description="Design and build.")
# The freelancer asks for more money and other dates.
ASKED = msgspec.structs.replace(HOURLY, hourly_rate=5200, start_date=date(2026, 12, 14),
                                end_date=date(2027, 2, 28))

FIXED = Terms(title="Logo", contract_type="fixed", currency="USD", fixed_price=100_000,
              milestones=(Milestone("m1", "Concepts", 40_000), Milestone("m2", "Final", 60_000)))
FIXED_ASKED = msgspec.structs.replace(
    FIXED, fixed_price=150_000,
    milestones=(Milestone("m1", "Concepts", 40_000), Milestone("m2", "Final", 60_000),
                Milestone("m3", "Brand guide", 50_000)))


# --- the state machine ------------------------------------------------------------------------


def run(state: OfferState, role: str, *, actor: str | None = None, base: int | None = 2,
        proposal: str | None = "p-1", now: datetime = NOW) -> Transition | Refusal:
    ids = {"client": "c-1", "freelancer": "f-1", "viewer": "v-1"}
    return decide(state, Action.DECIDE, role, actor or ids[role], now=now,  # type: ignore[arg-type]
                  base_version=base, proposal_id=proposal)


def test_the_receiver_decides_a_pending_proposal() -> None:
    allowed = run(PENDING, "client")
    assert isinstance(allowed, Transition) and allowed.action is Action.DECIDE


@pytest.mark.parametrize(("state", "role", "kwargs", "code"), [
    (PENDING, "freelancer", {}, Code.NOT_YOUR_TURN),  # the proposer cannot decide their own
    (PENDING, "viewer", {}, Code.FORBIDDEN),
    (PENDING, "client", {"actor": "c-2"}, Code.FORBIDDEN),  # a client token of someone else
    (OPEN, "client", {}, Code.NO_PENDING_PROPOSAL),
    (PENDING, "client", {"proposal": "p-0"}, Code.STALE),  # another proposal is pending now
    (PENDING, "client", {"base": 1}, Code.STALE),  # the version moved on meanwhile
    (PENDING, "client", {"base": None}, Code.BAD_REQUEST),
    (PENDING, "client", {"proposal": None}, Code.BAD_REQUEST),  # keys mean nothing without it
    (msgspec.structs.replace(PENDING, status="agreed"), "client", {}, Code.NOT_OPEN),
    (PENDING, "client", {"now": NOW + timedelta(days=11)}, Code.EXPIRED),
])
def test_who_may_not_decide(state: OfferState, role: str, kwargs: dict[str, object],
                            code: Code) -> None:
    refused = run(state, role, **kwargs)  # type: ignore[arg-type]
    assert isinstance(refused, Refusal) and refused.code is code


@pytest.mark.parametrize(("counts", "status", "event", "new_version", "counter"), [
    ((1, 1, 0), "partially_accepted", "proposal_decided", True, True),
    ((1, 0, 1), "partially_accepted", "proposal_decided", True, False),
    ((0, 2, 0), "countered", "proposal_decided", False, True),  # a direct counter
    ((0, 1, 1), "countered", "proposal_decided", False, True),
    ((3, 0, 0), "accepted", "proposal_accepted", True, False),  # all of it: a plain accept
    ((0, 0, 2), "rejected", "proposal_rejected", False, False),  # none of it: a plain reject
])
def test_what_a_decision_is(counts: tuple[int, int, int], status: str, event: str,
                            new_version: bool, counter: bool) -> None:
    assert decision_outcome(*counts) == DecisionOutcome(status, event, new_version, counter)


def test_a_decision_of_nothing_is_refused() -> None:
    refused = decision_outcome(0, 0, 0)
    assert isinstance(refused, Refusal) and refused.code is Code.BAD_REQUEST


# --- what the answers make --------------------------------------------------------------------


def test_accept_the_rate_and_counter_the_dates() -> None:
    assert change_keys(HOURLY, ASKED) == ["hourly_rate", "start_date", "end_date"]
    parts = split(HOURLY, ASKED, ["hourly_rate"],
                  {"start_date": "2026-12-10", "end_date": "2027-02-15"}, [], LIMITS)
    assert parts.outcomes == {"hourly_rate": "accepted", "start_date": "countered",
                              "end_date": "countered"}
    assert parts.version == msgspec.structs.replace(HOURLY, hourly_rate=5200)
    # The counter builds on the new version: the rate stays accepted, the dates are mine.
    assert parts.counter == msgspec.structs.replace(
        HOURLY, hourly_rate=5200, start_date=date(2026, 12, 10), end_date=date(2027, 2, 15))


def test_a_direct_counter_and_declines() -> None:
    parts = split(HOURLY, ASKED, [], {"hourly_rate": 4800}, ["start_date", "end_date"], LIMITS)
    assert parts.version is None
    assert parts.counter == msgspec.structs.replace(HOURLY, hourly_rate=4800)
    assert parts.outcomes["start_date"] == "declined"
    only_declines = split(HOURLY, ASKED, ["hourly_rate"], {}, ["start_date", "end_date"], LIMITS)
    assert only_declines.counter is None
    assert only_declines.version == msgspec.structs.replace(HOURLY, hourly_rate=5200)


@pytest.mark.parametrize(("accept", "counter", "decline", "words"), [
    (["hourly_rate"], {}, ["start_date"], "'end_date' is missing"),
    (["hourly_rate", "hourly_rate"], {}, ["start_date", "end_date"], "named twice"),
    (["hourly_rate"], {"start_date": "2026-12-10"}, ["start_date", "end_date"], "named twice"),
    (["hourly_rate", "title"], {}, ["start_date", "end_date"], "no change 'title'"),
])
def test_every_change_is_named_exactly_once(accept: list[str], counter: dict[str, object],
                                            decline: list[str], words: str) -> None:
    with pytest.raises(DecisionInvalid) as raised:
        split(HOURLY, ASKED, accept, counter, decline, LIMITS)
    assert raised.value.code == "bad_request" and words in raised.value.message


def test_a_countered_value_is_checked_like_an_edit() -> None:
    with pytest.raises(DecisionInvalid) as raised:
        split(HOURLY, ASKED, ["hourly_rate"], {"start_date": "not a date"}, ["end_date"], LIMITS)
    assert raised.value.code == "invalid_terms"
    assert [f.field for f in raised.value.fields] == ["start_date"]


def test_milestones_are_changes_of_their_own() -> None:
    assert change_keys(FIXED, FIXED_ASKED) == ["fixed_price", "milestone:m3"]
    parts = split(FIXED, FIXED_ASKED, ["fixed_price", "milestone:m3"], {}, [], LIMITS)
    assert parts.version == FIXED_ASKED
    # Accepting the new row but not the price leaves terms whose milestones do not add up:
    # the policy every version passes refuses them (the service answers invalid_terms).
    half = split(FIXED, FIXED_ASKED, ["milestone:m3"], {}, ["fixed_price"], LIMITS)
    assert half.version is not None and [m.id for m in half.version.milestones] == [
        "m1", "m2", "m3"]
    problems = check_proposal(half.version, FIXED, LIMITS, NOW.date())
    assert any(p.field == "milestones" for p in problems)
    # Countering the new row: the receiver's amount, the proposer's title.
    countered = split(FIXED, FIXED_ASKED, ["fixed_price"], {"milestone:m3": {"amount": 45_000}},
                      [], LIMITS)
    assert countered.counter is not None
    assert countered.counter.milestones[2] == Milestone("m3", "Brand guide", 45_000)
    with pytest.raises(DecisionInvalid) as raised:
        split(FIXED, FIXED_ASKED, ["fixed_price"], {"milestone:m3": {"colour": "red"}}, [],
              LIMITS)
    assert raised.value.code == "invalid_terms"


def test_a_declined_removal_keeps_the_row_where_it_was() -> None:
    removed = msgspec.structs.replace(
        FIXED, milestones=(Milestone("m2", "Final", 60_000), Milestone("m0", "Kick-off", 0)))
    keys = change_keys(FIXED, removed)
    assert set(keys) == {"milestone:m0", "milestone:m1"}
    parts = split(FIXED, removed, ["milestone:m0"], {}, ["milestone:m1"], LIMITS)
    assert parts.version is not None
    assert [m.id for m in parts.version.milestones] == ["m1", "m2", "m0"]


def test_the_command_on_the_wire() -> None:
    msg = decode_client_message(
        b'{"type":"decide","id":"d1","proposal_id":"p-1","base_version":2,'
        b'"accept":["hourly_rate"],"counter":{"start_date":"2026-12-10"},"decline":["end_date"],'
        b'"reason":"dates are tight"}')
    assert msg == Decide(proposal_id="p-1", base_version=2, accept=["hourly_rate"],
                         counter={"start_date": "2026-12-10"}, decline=["end_date"],
                         reason="dates are tight", id="d1")


# --- one durable compare-and-set, on both stores ----------------------------------------------


@dataclass
class Backend:
    kind: str
    make: Callable[[Clock], Store]


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    url = pgtest.create_database("decisions")
    yield url
    pgtest.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        path = tmp_path / "offers.db"
        return Backend("sqlite", lambda clock: SQLiteStore(path, clock=clock))
    url = pgtest.with_schema(request.getfixturevalue("pg_database"))
    return Backend("postgres", lambda clock: PostgresStore(url, clock=clock))


@pytest.fixture
async def nodes(backend: Backend) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one database: two nodes. Offer o1 is at version 1 with p1 pending."""
    a, b = backend.make(Clock()), backend.make(Clock())
    await a.open()
    await b.open()
    try:
        await a.create_offer(make_offer(terms=HOURLY), b"seed")
        await a.commit("o1", Expect(1), Write(
            events=[NewEvent("proposed", "f1")],
            proposal=ProposalRecord("p1", "o1", "f1", "freelancer", 1, ASKED, T0)))
        yield a, b
    finally:
        await a.close()
        await b.close()


def partial_write(counter_id: str = "p2") -> Write:
    """The client accepts the rate (version 2) and counters the dates (proposal p2)."""
    parts = split(HOURLY, ASKED, ["hourly_rate"],
                  {"start_date": "2026-12-10", "end_date": "2027-02-15"}, [], LIMITS)
    assert parts.version is not None and parts.counter is not None
    outcomes = dict(parts.outcomes)
    return Write(
        events=[NewEvent("proposal_decided", "c1", None,
                         {"proposal_id": "p1", "version": 2, "outcomes": outcomes,
                          "counter_proposal_id": counter_id}),
                NewEvent("proposed", "c1", None, {"proposal_id": counter_id,
                                                  "counter_to": "p1"})],
        version=VersionRecord("o1", 2, parts.version, T0, "f1", "c1", "p1"),
        proposal=ProposalRecord(counter_id, "o1", "c1", "client", 2, parts.counter, T0,
                                counter_to="p1"),
        decision=Decision("p1", "partially_accepted", "c1", None, outcomes))


async def test_a_partial_decision_is_one_commit(nodes: tuple[Store, Store]) -> None:
    a, b = nodes
    events = await a.commit("o1", Expect(1, pending="p1"), partial_write())
    assert [e.kind for e in events] == ["proposal_decided", "proposed"]
    offer = await b.get_offer("o1")  # the other node reads what the first wrote
    assert offer is not None and offer.version == 2 and offer.terms.hourly_rate == 5200
    decided = await b.get_proposal("p1")
    assert decided is not None and decided.status == "partially_accepted"
    assert decided.outcomes == {"hourly_rate": "accepted", "start_date": "countered",
                                "end_date": "countered"}
    pending = await b.pending_proposal("o1")
    assert pending is not None and pending.id == "p2" and pending.base_version == 2
    assert pending.terms.start_date == date(2026, 12, 10) and pending.outcomes == {}
    assert pending.counter_to == "p1" and decided.counter_to is None
    assert [p.status for p in await b.list_proposals("o1")] == ["partially_accepted", "pending"]
    assert (await b.list_events("o1"))[-2].payload["outcomes"]["hourly_rate"] == "accepted"
    # The thread shows the decision between the messages, like any negotiation step.
    kinds = [m.event_kind for m in await b.list_messages("o1")]
    assert kinds[-2:] == ["proposal_decided", "proposed"]


async def test_a_decision_racing_a_withdrawal_on_another_node(
    nodes: tuple[Store, Store],
) -> None:
    a, b = nodes
    withdraw = Write(events=[NewEvent("proposal_withdrawn", "f1")],
                     decision=Decision("p1", "withdrawn", "f1"))
    results = await asyncio.gather(
        a.commit("o1", Expect(1, pending="p1"), partial_write()),
        b.commit("o1", Expect(1, pending="p1"), withdraw),
        return_exceptions=True)
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert sum(isinstance(r, list) for r in results) == 1
    statuses = [p.status for p in await a.list_proposals("o1")]
    offer = await a.get_offer("o1")
    assert offer is not None
    if isinstance(results[0], list):  # the decision won: the withdrawal wrote nothing
        assert statuses == ["partially_accepted", "pending"] and offer.version == 2
    else:  # the withdrawal won: no version, no counter
        assert statuses == ["withdrawn"] and offer.version == 1


async def test_two_decisions_racing_on_two_nodes(nodes: tuple[Store, Store]) -> None:
    a, b = nodes
    results = await asyncio.gather(
        a.commit("o1", Expect(1, pending="p1"), partial_write("p2")),
        b.commit("o1", Expect(1, pending="p1"), partial_write("p3")),
        return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "list"]
    assert len(await a.list_versions("o1")) == 2
    assert [p.status for p in await b.list_proposals("o1")].count("pending") == 1


async def test_a_decision_on_a_stale_view_writes_nothing(nodes: tuple[Store, Store]) -> None:
    a, b = nodes
    await a.commit("o1", Expect(1, pending="p1"), partial_write())
    before = (await b.list_proposals("o1"), await b.list_events("o1"))
    with pytest.raises(Conflict) as raised:  # base version 1 and p1 pending no longer hold
        await b.commit("o1", Expect(1, pending="p1"), partial_write("p9"))
    assert raised.value.offer is not None and raised.value.offer.version == 2
    assert raised.value.pending == "p2"
    assert (await b.list_proposals("o1"), await b.list_events("o1")) == before


def test_both_engines_store_outcomes_in_a_migration_of_their_own() -> None:
    from server.store.postgres.schema import MIGRATIONS as PG
    from server.store.sqlite.schema import MIGRATIONS as LITE

    assert len(PG) == len(LITE)
    assert [i for i, m in enumerate(PG) if "outcomes" in m] == [
        i for i, m in enumerate(LITE) if "outcomes" in m]
    conn = sqlite3.connect(":memory:")
    for script in LITE:
        conn.executescript(script)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(proposals)")]
    assert "outcomes" in columns


# --- the service: explanation first for what is accepted, a direct counter without ------------


@pytest.fixture
async def negotiation(tmp_path: Path) -> AsyncIterator[tuple[Negotiation, Room, SQLiteStore]]:
    async with SQLiteStore(tmp_path / "room.db") as store:
        odoc = OfferDoc(Doc())
        odoc.seed(HOURLY, {"status": "open", "version": 1})
        offer = OfferRecord(id="o1", status="open", version=1, client=Party("ada", "Ada"),
                            freelancer=Party("linus", "Linus"), created_at=NOW,
                            expires_at=NOW + timedelta(days=30), terms=HOURLY)
        await store.create_offer(offer, odoc.doc.get_update())
        persister = Persister(store, "o1", compact_every=100)
        room = Room(offer, odoc, Config(lock_ttl_ms=8000), persister, Metrics())
        tasks = Tasks()
        explanations = Explanations(store, LIMITS, OfflineExplainer(), clock=lambda: NOW,
                                    tasks=tasks)
        service = Negotiation(store, Config(lock_ttl_ms=8000), explanations, clock=lambda: NOW,
                              tasks=tasks)
        asked = ProposalRecord("p1", "o1", "linus", "freelancer", 1, ASKED, NOW)
        await store.commit("o1", Expect(1), Write(events=[NewEvent("proposed", "linus")],
                                                  proposal=asked))
        room.pending = asked  # not explained yet
        try:
            yield service, room, store
        finally:
            await tasks.close()
            await persister.close()


ADA = UserInfo(id="ada", name="Ada", role="client", color="#2563eb")


async def test_nothing_is_accepted_before_it_is_explained_but_a_counter_may_go(
    negotiation: tuple[Negotiation, Room, SQLiteStore],
) -> None:
    service, room, store = negotiation
    with pytest.raises(CommandError) as raised:
        await service.run(room, ADA, Decide(proposal_id="p1", base_version=1,
                                            accept=["hourly_rate"], counter=dict(DATES_MINE)))
    assert raised.value.code == "explanation_pending"
    assert (await store.get_offer("o1")).version == 1  # type: ignore[union-attr]

    ack = await service.run(room, ADA, Decide(
        id="d1", proposal_id="p1", base_version=1, counter={"hourly_rate": 4800},
        decline=["start_date", "end_date"], reason="A little less, please."))
    assert ack.command == "decide" and ack.version == 1 and ack.proposal_id == "p1"
    counter = room.pending
    assert counter is not None and counter.by == "ada" and counter.counter_to == "p1"
    assert counter.terms == msgspec.structs.replace(HOURLY, hourly_rate=4800)
    # The draft shows the counter, marked as the client's change; the drawer shows it as one.
    assert room.odoc.terms.get("hourly_rate") == 4800
    assert "hourly_rate" in room.odoc.changed_by
    assert room.odoc.proposal.get("counter_to") == "p1"
    decided = await store.get_proposal("p1")
    assert decided is not None and decided.status == "countered"
    assert decided.reason == "A little less, please."
    # The freelancer cannot decide their own proposal any more: the counter is pending.
    linus = UserInfo(id="linus", name="Linus", role="freelancer", color="#c2410c")
    with pytest.raises(CommandError) as stale:
        await service.run(room, linus, Decide(proposal_id="p1", base_version=1,
                                              accept=["hourly_rate"]))
    assert stale.value.code == "stale"
    # The same command id again: the stored answer, no second effect.
    again = await service.run(room, ADA, Decide(id="d1", proposal_id="p1", base_version=1))
    assert again == ack and len(await store.list_proposals("o1")) == 2

    # Once the counter is explained, the freelancer accepts all of it change by change: that is
    # a plain accept, with its usual event (and the outcomes).
    for _ in range(500):
        stored = await store.get_proposal(counter.id)
        if stored is not None and stored.explanation is not None:
            break
        await asyncio.sleep(0.02)
    assert stored is not None and stored.explanation is not None
    room.pending = stored
    whole = await service.run(room, linus, Decide(proposal_id=counter.id, base_version=1,
                                                  accept=["hourly_rate"]))
    assert whole.version == 2 and room.pending is None
    last = (await store.list_events("o1"))[-1]
    assert last.kind == "proposal_accepted"
    assert last.payload == {"proposal_id": counter.id, "outcomes": {"hourly_rate": "accepted"},
                            "version": 2}
    assert (await store.get_proposal(counter.id)).status == "accepted"  # type: ignore[union-attr]


DATES_MINE = {"start_date": "2026-12-10", "end_date": "2027-02-15"}
