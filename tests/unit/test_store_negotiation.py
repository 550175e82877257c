"""SQLiteStore negotiation and webhook outbox, beyond the shared contract (test_store_contract.py,
which runs the same behaviour on both engines): exact rows written and left untouched, compare-and-
set across two connections, commands and the outbox across a reopen, retries and dead letters,
metrics of an empty store, and the migration from schema version 1."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.store import rows
from server.store.base import (
    CommandRecord,
    Conflict,
    Decision,
    EventRecord,
    Expect,
    Explanation,
    NewEvent,
    StoreClosed,
    VersionRecord,
    Write,
    content_hash,
)
from server.store.sqlite import SQLiteStore
from server.store.sqlite.rows import SQLITE
from server.store.sqlite.schema import MIGRATIONS
from tests.support.store_records import (
    ACCEPT,
    CONFLICTS,
    RAISED,
    T0,
    TERMS,
    WITHDRAW,
    Clock,
    command,
    make_offer,
    proposal,
    propose,
    version,
)

TABLES = ("offers", "versions", "events", "proposals", "commands", "webhook_outbox", "messages")


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


# --- commit: the happy paths ----------------------------------------------------------------


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


# --- commit: conflicts and refusals write nothing -------------------------------------------

@pytest.mark.parametrize("case", CONFLICTS)
async def test_conflict_writes_nothing_and_reports_current_state(
    store: SQLiteStore, db_path: Path, case: str
) -> None:
    await propose(store)
    # A decided proposal, so "decision of a non-pending proposal" names a real row.
    with raw(db_path) as conn:
        conn.execute(
            f"INSERT INTO proposals ({rows.PROPOSAL_COLUMNS}) VALUES ({rows.marks(13)})",
            SQLITE.proposal_params(
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
            SQLITE.proposal_params(proposal("p3")),
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
        "at": "2026-03-01T09:00:00.123456Z",  # T0
        "actor": "f1",
        "reason": "changed my mind",
        "payload": {},
    }


async def queue(store: SQLiteStore, n: int) -> list[EventRecord]:
    write = Write(events=[NewEvent(f"e{i}", payload={"i": i}) for i in range(n)])
    return await store.commit("o1", Expect(version=1), write, outbox=True)


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


# --- schema ---------------------------------------------------------------------------------


async def test_migrates_a_version_1_database_keeping_its_data(db_path: Path) -> None:
    offer = make_offer()
    first = VersionRecord(
        offer_id="o1", number=1, terms=TERMS, created_at=T0, content_hash=content_hash(TERMS)
    )
    created = EventRecord(offer_id="o1", seq=1, kind="created", at=T0,
                           payload={"version": 1, "variant": "default"})
    with raw(db_path) as conn:
        conn.executescript(f"BEGIN;\n{MIGRATIONS[0]}\nPRAGMA user_version = 1;\nCOMMIT;")
        conn.execute(
            # The offers table as migration 1 made it: no variant (migration 7).
            f"INSERT INTO offers ({rows.OFFER_COLUMNS.removesuffix(', variant')}) "
            f"VALUES ({rows.marks(9)})",
            SQLITE.offer_params(offer)[:9],
        )
        conn.execute(
            f"INSERT INTO versions ({rows.VERSION_COLUMNS}) VALUES ({rows.marks(8)})",
            SQLITE.version_params(first),
        )
        conn.execute(
            f"INSERT INTO events ({rows.EVENT_COLUMNS}) VALUES ({rows.marks(7)})",
            SQLITE.event_params(created),
        )
    async with SQLiteStore(db_path) as store:
        assert await store.get_offer("o1") == offer
        events = await propose(store, outbox=True)
        assert events[0].seq == 2
        assert await store.list_events("o1") == [created, *events]
        assert await store.list_proposals("o1") == [proposal()]
        assert len(await store.claim_webhooks(datetime.now(UTC), 10, 30)) == 1
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
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
    ]
    for call in calls:
        with pytest.raises(StoreClosed):
            await call
