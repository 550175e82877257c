"""SQLiteStore negotiation and webhook outbox: compare-and-set commits, proposals, commands,
expiry, outbox leases and retries, metrics, and the migration from schema version 1."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.explain.flags import Flag
from server.offers.terms import Party, Terms
from server.store import rows
from server.store.base import (
    CommandRecord,
    Conflict,
    Decision,
    EventRecord,
    Expect,
    Explanation,
    NewEvent,
    OfferNotFound,
    OfferRecord,
    ProposalRecord,
    StoreClosed,
    VersionRecord,
    Write,
    content_hash,
)
from server.store.schema import MIGRATIONS
from server.store.sqlite import SQLiteStore

T0 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)
TERMS = Terms(
    title="Landing page",
    contract_type="fixed",
    currency="USD",
    fixed_price=150_000,
    start_date=date(2026, 4, 1),
)
RAISED = msgspec.structs.replace(TERMS, fixed_price=180_000)
TABLES = ("offers", "versions", "events", "proposals", "commands", "webhook_outbox")


class Clock:
    """A settable clock for the store: events and decisions get predictable times."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "offers.db"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(db_path: Path, clock: Clock) -> AsyncIterator[SQLiteStore]:
    async with SQLiteStore(db_path, clock=clock) as opened:
        await opened.create_offer(make_offer(), b"")
        yield opened


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        yield conn


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every negotiation table: to prove a failed commit wrote nothing."""
    with raw(path) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}


def make_offer(
    offer_id: str = "o1",
    *,
    created_at: datetime = T0,
    expires_at: datetime | None = None,
    status: str = "open",
) -> OfferRecord:
    return OfferRecord(
        id=offer_id,
        status=status,
        version=1,
        client=Party(id="c1", name="Carla"),
        freelancer=Party(id="f1", name="Femi"),
        created_at=created_at,
        expires_at=expires_at or created_at + timedelta(days=30),
        terms=TERMS,
    )


def proposal(
    pid: str = "p1", offer_id: str = "o1", *, by: str = "f1", at: datetime = T0
) -> ProposalRecord:
    return ProposalRecord(
        id=pid,
        offer_id=offer_id,
        by=by,
        by_role="freelancer" if by.startswith("f") else "client",
        base_version=1,
        terms=RAISED,
        created_at=at,
        note="more scope",
    )


def version(number: int = 2, offer_id: str = "o1", terms: Terms = RAISED) -> VersionRecord:
    return VersionRecord(
        offer_id=offer_id,
        number=number,
        terms=terms,
        created_at=T0,
        author="f1",
        accepted_by="c1",
        proposal_id="p1",
    )


def command(command_id: str, offer_id: str = "o1", kind: str = "propose") -> CommandRecord:
    return CommandRecord(
        offer_id=offer_id,
        command_id=command_id,
        actor="f1",
        kind=kind,
        result={"ok": True, "proposal": "p1"},
        at=T0,
    )


PROPOSE = Write(
    events=[NewEvent("proposed", actor="f1", payload={"proposal": "p1"})],
    proposal=proposal(),
    command=command("cmd-1"),
)
ACCEPT = Write(
    events=[NewEvent("proposal_accepted", actor="c1", payload={"version": 2})],
    decision=Decision("p1", "accepted", decided_by="c1"),
    version=version(),
)
WITHDRAW = Write(
    events=[NewEvent("proposal_withdrawn", actor="f1", reason="changed my mind")],
    decision=Decision("p1", "withdrawn", decided_by="f1", reason="changed my mind"),
)


async def propose(store: SQLiteStore, **kwargs: bool) -> list[EventRecord]:
    return await store.commit("o1", Expect(version=1), PROPOSE, **kwargs)


# --- commit: the happy paths ----------------------------------------------------------------


async def test_propose_writes_proposal_event_and_command(store: SQLiteStore) -> None:
    events = await propose(store)
    assert [(e.seq, e.kind, e.actor, e.at) for e in events] == [(2, "proposed", "f1", T0)]
    assert events == (await store.list_events("o1"))[1:]
    stored = await store.get_proposal("p1")
    assert stored == proposal()
    assert await store.pending_proposal("o1") == stored
    assert await store.list_proposals("o1") == [stored]
    assert await store.get_command("o1", "cmd-1") == command("cmd-1")
    assert await store.get_command("o1", "other") is None
    assert await store.get_command("o2", "cmd-1") is None
    assert await store.get_proposal("nope") is None
    assert await store.pending_proposal("o2") is None


async def test_accept_with_a_version_updates_offer_terms_and_decides(
    store: SQLiteStore, clock: Clock
) -> None:
    await propose(store)
    decided_at = clock.advance(minutes=5)
    events = await store.commit("o1", Expect(version=1, pending="p1"), ACCEPT)
    assert [(e.seq, e.kind, e.at) for e in events] == [(3, "proposal_accepted", decided_at)]
    offer = await store.get_offer("o1")
    assert offer is not None
    assert (offer.version, offer.terms, offer.status) == (2, RAISED, "open")
    stored = await store.get_version("o1", 2)
    assert stored == msgspec.structs.replace(version(), content_hash=content_hash(RAISED))
    decided = await store.get_proposal("p1")
    assert decided is not None
    assert (decided.status, decided.decided_at, decided.decided_by) == (
        "accepted",
        decided_at,
        "c1",
    )
    assert await store.pending_proposal("o1") is None
    # The next commit compares against the new state.
    agreed = Write(events=[NewEvent("offer_accepted", actor="f1")], status="agreed")
    await store.commit("o1", Expect(version=2), agreed)
    offer = await store.get_offer("o1")
    assert offer is not None and offer.status == "agreed"


async def test_decide_and_propose_again_in_one_commit(store: SQLiteStore) -> None:
    await propose(store)
    counter = Write(
        events=[NewEvent("proposal_rejected"), NewEvent("proposed")],
        decision=Decision("p1", "rejected", decided_by="c1", reason="too much"),
        proposal=proposal("p2", by="c1", at=T0 + timedelta(minutes=1)),
    )
    events = await store.commit("o1", Expect(version=1, pending="p1"), counter)
    assert [e.seq for e in events] == [3, 4]
    listed = await store.list_proposals("o1")
    assert [(p.id, p.status, p.reason) for p in listed] == [
        ("p1", "rejected", "too much"),
        ("p2", "pending", None),
    ]


async def test_a_commit_of_events_only_and_unknown_offer(store: SQLiteStore) -> None:
    events = await store.commit("o1", Expect(version=1), Write(events=[NewEvent("viewed")]))
    assert [e.seq for e in events] == [2]
    with pytest.raises(OfferNotFound):
        await store.commit("nope", Expect(version=1), Write(events=[NewEvent("viewed")]))


# --- commit: conflicts and refusals write nothing -------------------------------------------

CONFLICTS = {
    "version": (Expect(version=2, pending="p1"), WITHDRAW),
    "status": (Expect(version=1, status="agreed", pending="p1"), WITHDRAW),
    "pending is another": (Expect(version=1, pending="p9"), WITHDRAW),
    "pending expected none": (Expect(version=1), Write(events=[NewEvent("viewed")])),
    "decision of a non-pending proposal": (
        Expect(version=1, pending="p1"),
        Write(events=[NewEvent("x")], decision=Decision("p0", "closed", None)),
    ),
    "command id reused": (
        Expect(version=1, pending="p1"),
        msgspec.structs.replace(WITHDRAW, command=command("cmd-1", kind="withdraw")),
    ),
}


@pytest.mark.parametrize("case", CONFLICTS)
async def test_conflict_writes_nothing_and_reports_current_state(
    store: SQLiteStore, db_path: Path, case: str
) -> None:
    await propose(store)
    # A decided proposal, so "decision of a non-pending proposal" names a real row.
    with raw(db_path) as conn:
        conn.execute(
            f"INSERT INTO proposals ({rows.PROPOSAL_COLUMNS}) VALUES ({rows.marks(13)})",
            rows.SQLITE.proposal_params(
                msgspec.structs.replace(
                    proposal("p0", at=T0 - timedelta(hours=1)), status="withdrawn"
                )
            ),
        )
    before = dump(db_path)
    expect, write = CONFLICTS[case]
    with pytest.raises(Conflict) as caught:
        await store.commit("o1", expect, write, outbox=True)
    assert caught.value.pending == "p1"
    assert caught.value.offer == await store.get_offer("o1")
    assert dump(db_path) == before


async def test_decision_when_nothing_is_pending_is_a_conflict(store: SQLiteStore) -> None:
    with pytest.raises(Conflict) as caught:
        await store.commit("o1", Expect(version=1), WITHDRAW)
    assert caught.value.pending is None
    assert caught.value.offer is not None and caught.value.offer.version == 1


@pytest.mark.parametrize(
    "write",
    [
        Write(events=[], version=version(3)),  # must be expect.version + 1
        Write(events=[], version=version(offer_id="o2")),
        Write(events=[], version=msgspec.structs.replace(version(), content_hash="bad")),
        Write(events=[], proposal=proposal(offer_id="o2")),
        Write(events=[], proposal=msgspec.structs.replace(proposal(), status="accepted")),
        Write(events=[], decision=Decision("p1", "pending", None)),
        Write(events=[], command=command("c", offer_id="o2")),
    ],
)
async def test_impossible_writes_raise_value_error(
    store: SQLiteStore, db_path: Path, write: Write
) -> None:
    before = dump(db_path)
    with pytest.raises(ValueError):
        await store.commit("o1", Expect(version=1), write)
    assert dump(db_path) == before


async def test_a_second_proposal_while_one_is_pending_is_refused(
    store: SQLiteStore, db_path: Path
) -> None:
    await propose(store)
    before = dump(db_path)
    again = Write(events=[NewEvent("proposed")], proposal=proposal("p2"))
    with pytest.raises(ValueError, match="pending"):
        await store.commit("o1", Expect(version=1, pending="p1"), again)
    assert dump(db_path) == before
    # And the partial unique index holds even for writers that bypass the store.
    with raw(db_path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            f"INSERT INTO proposals ({rows.PROPOSAL_COLUMNS}) VALUES ({rows.marks(13)})",
            rows.SQLITE.proposal_params(proposal("p3")),
        )


async def test_a_failure_half_way_rolls_back_the_whole_commit(
    store: SQLiteStore, db_path: Path
) -> None:
    await propose(store)
    before = dump(db_path)
    # The decision is applied first; inserting a proposal with a taken id then fails.
    broken = Write(
        events=[NewEvent("proposal_rejected")],
        decision=Decision("p1", "rejected", decided_by="c1"),
        proposal=proposal("p1"),
        command=command("cmd-2"),
    )
    with pytest.raises(sqlite3.IntegrityError):
        await store.commit("o1", Expect(version=1, pending="p1"), broken, outbox=True)
    assert dump(db_path) == before
    assert (await store.pending_proposal("o1")) == proposal()


@pytest.mark.parametrize("accept_first", [True, False])
async def test_accept_racing_withdraw_exactly_one_wins(
    store: SQLiteStore, accept_first: bool
) -> None:
    await propose(store)
    expect = Expect(version=1, pending="p1")
    writes = [ACCEPT, WITHDRAW] if accept_first else [WITHDRAW, ACCEPT]
    outcomes = await asyncio.gather(
        *(store.commit("o1", expect, w) for w in writes), return_exceptions=True
    )
    assert isinstance(outcomes[0], list)
    assert isinstance(outcomes[1], Conflict)
    won = await store.get_proposal("p1")
    offer = await store.get_offer("o1")
    assert won is not None and offer is not None
    assert won.status == ("accepted" if accept_first else "withdrawn")
    assert offer.version == (2 if accept_first else 1)
    assert outcomes[1].offer == offer and outcomes[1].pending is None
    kinds = [e.kind for e in await store.list_events("o1")]
    assert kinds.count("proposal_accepted") + kinds.count("proposal_withdrawn") == 1


async def test_compare_and_set_holds_across_two_connections(db_path: Path) -> None:
    """Two stores on one file (as two nodes would share a database): still one winner."""
    async with SQLiteStore(db_path) as first, SQLiteStore(db_path) as second:
        await first.create_offer(make_offer(), b"")
        await propose(first)
        expect = Expect(version=1, pending="p1")
        outcomes = await asyncio.gather(
            first.commit("o1", expect, ACCEPT),
            second.commit("o1", expect, WITHDRAW),
            return_exceptions=True,
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "list"]
        assert len(await second.list_events("o1")) == 3


async def test_command_record_round_trips_and_survives_reopen(
    store: SQLiteStore, db_path: Path
) -> None:
    record = CommandRecord(
        offer_id="o1",
        command_id="0f6c",
        actor="c1",
        kind="accept",
        result={"version": 2, "events": [2, 3], "nested": {"ok": True}, "none": None},
        at=datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC),
    )
    await store.commit("o1", Expect(version=1), Write(events=[], command=record))
    assert await store.get_command("o1", "0f6c") == record
    await store.close()
    async with SQLiteStore(db_path) as reopened:
        assert await reopened.get_command("o1", "0f6c") == record


# --- proposals: reads, explanation, rate-limit times ----------------------------------------


async def test_proposal_times_filter_by_user_and_since(store: SQLiteStore) -> None:
    plan = [("p1", "f1", 0), ("p2", "c1", 10), ("p3", "f1", 20), ("p4", "f1", 70)]
    pending: str | None = None
    for pid, by, minutes in plan:
        write = Write(
            events=[NewEvent("proposed")],
            proposal=proposal(pid, by=by, at=T0 + timedelta(minutes=minutes)),
            decision=Decision(pending, "withdrawn", by) if pending else None,
        )
        await store.commit("o1", Expect(version=1, pending=pending), write)
        pending = pid
    since = T0 + timedelta(minutes=20)  # inclusive
    assert await store.proposal_times("o1", "f1", since) == [
        T0 + timedelta(minutes=20),
        T0 + timedelta(minutes=70),
    ]
    assert await store.proposal_times("o1", "f1", T0) == [
        T0 + timedelta(minutes=m) for m in (0, 20, 70)
    ]
    assert await store.proposal_times("o1", "c1", since) == []
    assert await store.proposal_times("o2", "f1", T0) == []
    assert [p.id for p in await store.list_proposals("o1")] == ["p1", "p2", "p3", "p4"]


async def test_save_explanation_round_trips_on_the_proposal(store: SQLiteStore) -> None:
    await propose(store)
    explanation = Explanation(
        text="The price rises by $300.",
        explainer="offline",
        model=None,
        prompt_version="v1",
        facts_hash="abc",
        grounded=True,
        flags=[
            Flag(
                "off_platform",
                "warning",
                "pay via PayPal",
                "Asks to pay off-platform.",
                "client",
                source="note",
            )
        ],
        fallback_reason="timeout",
    )
    await store.save_explanation("p1", explanation)
    stored = await store.get_proposal("p1")
    assert stored is not None and stored.explanation == explanation
    replaced = msgspec.structs.replace(explanation, text="Again.", flags=[])
    await store.save_explanation("p1", replaced)
    pending = await store.pending_proposal("o1")
    assert pending is not None and pending.explanation == replaced
    with pytest.raises(LookupError):
        await store.save_explanation("nope", explanation)


async def test_due_for_expiry_lists_open_offers_past_expiry_oldest_first(
    store: SQLiteStore,
) -> None:
    # o1 (from the fixture) expires at T0 + 30 days.
    for oid, days, status in [
        ("a", 3, "open"),
        ("b", 1, "open"),
        ("c", 2, "agreed"),
        ("d", 5, "open"),
        ("e", 2, "open"),
    ]:
        await store.create_offer(
            make_offer(oid, expires_at=T0 + timedelta(days=days), status=status), b""
        )
    now = T0 + timedelta(days=3)  # inclusive: "a" expires exactly now
    assert await store.due_for_expiry(now) == ["b", "e", "a"]
    assert await store.due_for_expiry(now, limit=2) == ["b", "e"]
    assert await store.due_for_expiry(T0) == []
    assert await store.due_for_expiry(T0 + timedelta(days=31)) == ["b", "e", "a", "d", "o1"]


# --- webhook outbox -------------------------------------------------------------------------


async def test_outbox_rows_only_with_outbox_and_body_is_the_event(
    store: SQLiteStore, db_path: Path
) -> None:
    await propose(store)  # outbox=False
    with raw(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM webhook_outbox").fetchone()[0] == 0
    events = await store.commit("o1", Expect(version=1, pending="p1"), WITHDRAW, outbox=True)
    claimed = await store.claim_webhooks(T0, limit=10, lease_seconds=30)
    assert len(claimed) == 1
    delivery = claimed[0]
    assert (delivery.offer_id, delivery.event_seq, delivery.attempts) == ("o1", events[0].seq, 0)
    assert delivery.next_attempt_at == T0 + timedelta(seconds=30)  # the lease
    assert msgspec.json.decode(delivery.body) == {
        "id": f"o1:{events[0].seq}",
        "offer_id": "o1",
        "seq": events[0].seq,
        "kind": "proposal_withdrawn",
        "at": "2026-03-01T09:00:00Z",
        "actor": "f1",
        "reason": "changed my mind",
        "payload": {},
    }


async def queue(store: SQLiteStore, n: int) -> list[EventRecord]:
    write = Write(events=[NewEvent(f"e{i}", payload={"i": i}) for i in range(n)])
    return await store.commit("o1", Expect(version=1), write, outbox=True)


async def test_claim_leases_rows_once_until_the_lease_runs_out(store: SQLiteStore) -> None:
    events = await queue(store, 3)
    first = await store.claim_webhooks(T0, limit=2, lease_seconds=60)
    assert [d.event_seq for d in first] == [e.seq for e in events[:2]]  # oldest first, limit
    rest = await store.claim_webhooks(T0, limit=10, lease_seconds=60)
    assert [d.event_seq for d in rest] == [events[2].seq]
    assert await store.claim_webhooks(T0 + timedelta(seconds=59), 10, 60) == []
    again = await store.claim_webhooks(T0 + timedelta(seconds=60), 10, 60)
    assert [d.id for d in again] == [d.id for d in first + rest]
    # Rows queued in the future are not due yet either.
    assert await store.claim_webhooks(T0 - timedelta(seconds=1), 10, 60) == []


async def test_failed_deliveries_are_retried_then_dead_lettered(
    store: SQLiteStore, db_path: Path
) -> None:
    await queue(store, 2)
    one, two = await store.claim_webhooks(T0, 10, lease_seconds=30)
    retry_at = T0 + timedelta(minutes=5)
    await store.webhook_failed(one.id, retry_at, "HTTP 503")
    await store.webhook_delivered(two.id)
    assert await store.claim_webhooks(retry_at - timedelta(seconds=1), 10, 30) == []
    (retried,) = await store.claim_webhooks(retry_at, 10, lease_seconds=30)
    assert (retried.id, retried.attempts) == (one.id, 1)
    await store.webhook_failed(one.id, None, "HTTP 410")
    assert await store.claim_webhooks(T0 + timedelta(days=365), 10, 30) == []
    # Late reports about settled rows change nothing; unknown ids are ignored.
    await store.webhook_failed(two.id, retry_at, "late")
    await store.webhook_delivered(one.id)
    await store.webhook_failed(999, None, "gone")
    await store.webhook_delivered(999)
    with raw(db_path) as conn:
        found = conn.execute(
            "SELECT id, attempts, last_error, delivered_at IS NOT NULL, dead_at IS NOT NULL "
            "FROM webhook_outbox ORDER BY id"
        ).fetchall()
    assert found == [(one.id, 2, "HTTP 410", 0, 1), (two.id, 0, None, 1, 0)]
    summary = await store.metrics_summary()
    assert (summary.webhooks_pending, summary.webhooks_dead) == (0, 1)


async def test_outbox_survives_close_and_reopen(db_path: Path, clock: Clock) -> None:
    async with SQLiteStore(db_path, clock=clock) as first:
        await first.create_offer(make_offer(), b"")
        events = await queue(first, 2)
        (leased, _) = await first.claim_webhooks(T0, 10, lease_seconds=60)
        await first.webhook_failed(leased.id, T0 + timedelta(seconds=10), "timeout")
    async with SQLiteStore(db_path, clock=clock) as second:
        claimed = await second.claim_webhooks(T0 + timedelta(seconds=60), 10, 60)
        assert [(d.event_seq, d.attempts) for d in claimed] == [
            (events[0].seq, 1),
            (events[1].seq, 0),
        ]
        assert (await second.metrics_summary()).webhooks_pending == 2


# --- metrics --------------------------------------------------------------------------------


async def test_metrics_summary_on_a_small_history(db_path: Path, clock: Clock) -> None:
    async with SQLiteStore(db_path, clock=clock) as store:
        for oid in ("a", "b", "c"):
            await store.create_offer(make_offer(oid, created_at=T0), b"")
        # a: one proposal, accepted, agreed after 2 hours.
        await store.commit(
            "a",
            Expect(version=1),
            msgspec.structs.replace(PROPOSE, proposal=proposal(offer_id="a"), command=None),
            outbox=True,
        )
        accept = msgspec.structs.replace(ACCEPT, version=version(offer_id="a"))
        await store.commit("a", Expect(version=1, pending="p1"), accept)
        clock.advance(hours=2)
        agree = Write(events=[NewEvent("offer_accepted", actor="f1")], status="agreed")
        await store.commit("a", Expect(version=2), agree, outbox=True)
        # b: two proposals (the first withdrawn), agreed after 5 hours on version 1.
        for pid in ("q1", "q2"):
            await store.commit(
                "b",
                Expect(version=1, pending="q1" if pid == "q2" else None),
                Write(
                    events=[NewEvent("proposed")],
                    proposal=proposal(pid, offer_id="b", at=clock.now),
                    decision=Decision("q1", "withdrawn", "f1") if pid == "q2" else None,
                ),
            )
        await store.commit(
            "b",
            Expect(version=1, pending="q2"),
            Write(
                events=[NewEvent("proposal_withdrawn")], decision=Decision("q2", "withdrawn", "f1")
            ),
        )
        clock.now = T0 + timedelta(hours=5)
        await store.commit("b", Expect(version=1), agree)
        # c: withdrawn, no proposals.
        await store.commit(
            "c",
            Expect(version=1),
            Write(events=[NewEvent("offer_withdrawn", actor="c1")], status="withdrawn"),
        )
        summary = await store.metrics_summary()
    assert summary.offers_by_status == {"agreed": 2, "withdrawn": 1}
    assert summary.events_by_kind == {
        "created": 3,
        "proposed": 3,
        "proposal_accepted": 1,
        "proposal_withdrawn": 1,
        "offer_accepted": 2,
        "offer_withdrawn": 1,
    }
    assert sorted(summary.agreement_seconds) == [2 * 3600.0, 5 * 3600.0]
    assert sorted(summary.proposals_per_offer) == [1, 2]
    assert (summary.webhooks_pending, summary.webhooks_dead) == (2, 0)


async def test_metrics_summary_of_an_empty_store(db_path: Path) -> None:
    async with SQLiteStore(db_path) as store:
        summary = await store.metrics_summary()
    assert summary.offers_by_status == {} and summary.events_by_kind == {}
    assert summary.agreement_seconds == [] and summary.proposals_per_offer == []
    assert (summary.webhooks_pending, summary.webhooks_dead) == (0, 0)


# --- schema ---------------------------------------------------------------------------------


async def test_migrates_a_version_1_database_keeping_its_data(db_path: Path) -> None:
    offer = make_offer()
    first = VersionRecord(
        offer_id="o1", number=1, terms=TERMS, created_at=T0, content_hash=content_hash(TERMS)
    )
    created = EventRecord(offer_id="o1", seq=1, kind="created", at=T0, payload={"version": 1})
    with raw(db_path) as conn:
        conn.executescript(f"BEGIN;\n{MIGRATIONS[0]}\nPRAGMA user_version = 1;\nCOMMIT;")
        conn.execute(
            f"INSERT INTO offers ({rows.OFFER_COLUMNS}) VALUES ({rows.marks(9)})",
            rows.SQLITE.offer_params(offer),
        )
        conn.execute(
            f"INSERT INTO versions ({rows.VERSION_COLUMNS}) VALUES ({rows.marks(8)})",
            rows.SQLITE.version_params(first),
        )
        conn.execute(
            f"INSERT INTO events ({rows.EVENT_COLUMNS}) VALUES ({rows.marks(7)})",
            rows.SQLITE.event_params(created),
        )
    async with SQLiteStore(db_path) as store:
        assert await store.get_offer("o1") == offer
        events = await propose(store, outbox=True)
        assert events[0].seq == 2
        assert await store.list_events("o1") == [created, *events]
        assert await store.list_proposals("o1") == [proposal()]
        assert len(await store.claim_webhooks(datetime.now(UTC), 10, 30)) == 1
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 2
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"proposals_one_pending", "webhook_outbox_due", "offers_open_by_expiry"} <= indexes


async def test_new_methods_raise_after_close(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    await store.open()
    await store.close()
    calls = [
        store.commit("o1", Expect(version=1), Write(events=[])),
        store.get_command("o1", "c"),
        store.get_proposal("p1"),
        store.pending_proposal("o1"),
        store.list_proposals("o1"),
        store.proposal_times("o1", "f1", T0),
        store.save_explanation("p1", Explanation("t", "offline", None, "v1", "h", True)),
        store.due_for_expiry(T0),
        store.claim_webhooks(T0, 1, 1),
        store.webhook_delivered(1),
        store.webhook_failed(1, None, "x"),
        store.metrics_summary(),
    ]
    for call in calls:
        with pytest.raises(StoreClosed):
            await call
