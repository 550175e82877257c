"""PostgresStore beyond the shared contract (test_store_contract.py): several nodes on one
database, the schema and its migrations, atomicity under sabotage, an unreachable or restarted
server, kill -9 of a writer, and ``store_from_url``.

"Nodes" are separate PostgresStore instances, each with its own connection pool, on one schema.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest
from psycopg.types.json import Jsonb

from server.auth import Revocation
from server.notify.schedule import expiry_reminders
from server.offers.terms import Party, Terms
from server.store import rows
from server.store.base import (
    Conflict,
    Decision,
    DocState,
    EventRecord,
    Expect,
    Explanation,
    MessageRecord,
    NewEvent,
    NotificationItem,
    OfferRecord,
    ProposalRecord,
    Reminder,
    StoreClosed,
    StoreUnavailable,
    VersionRecord,
    Write,
    content_hash,
)
from server.store.open import store_from_url
from server.store.postgres import PostgresStore
from server.store.postgres import rows as pg_rows
from server.store.postgres import schema as pg_schema
from server.store.sqlite import SQLiteStore
from tests.support import postgres as pgtest
from tests.support.store_records import append, append_batch, say
from tests.support.store_records import make_offer as offer_record

#: The offers columns before migration 7 added ``variant`` (files of earlier releases).
OFFER_COLUMNS_6 = rows.OFFER_COLUMNS.removesuffix(", variant")

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)
TERMS = Terms(title="Landing page", contract_type="fixed", currency="USD", fixed_price=150_000)


def make_offer(offer_id: str = "o1") -> OfferRecord:
    return OfferRecord(
        id=offer_id,
        status="open",
        version=1,
        client=Party(id="c1", name="Carla"),
        freelancer=Party(id="f1", name="Femi"),
        created_at=T0,
        expires_at=T0 + timedelta(days=30),
        terms=TERMS,
    )


def proposal(pid: str, offer_id: str = "o1") -> ProposalRecord:
    raised = msgspec.structs.replace(TERMS, fixed_price=180_000)
    return ProposalRecord(
        id=pid, offer_id=offer_id, by="f1", by_role="freelancer", base_version=1, terms=raised,
        created_at=T0,
    )  # fmt: skip


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    url = pgtest.create_database("pg")
    yield url
    pgtest.drop_database(url)


@pytest.fixture
def url(database: str) -> str:
    """A fresh, empty schema of its own."""
    return pgtest.with_schema(database)


@pytest.fixture
async def nodes(url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two nodes on one database, offer o1 created."""
    async with PostgresStore(url) as a, PostgresStore(url) as b:
        await a.create_offer(make_offer(), b"seed")
        yield a, b


def sql(url: str, statement: str) -> list[tuple[Any, ...]]:
    """Run one statement on a connection of its own (as psql would); returns its rows."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement.encode())
        return cursor.fetchall() if cursor.description else []


# --- schema and migrations ------------------------------------------------------------------


async def test_schema_is_versioned_and_uses_native_types(url: str) -> None:
    async with PostgresStore(url) as store:
        assert await store.ping()
    versions = sql(url, "SELECT version FROM schema_migrations ORDER BY version")
    assert versions == [(n,) for n in range(1, len(pg_schema.MIGRATIONS) + 1)]
    types = dict(
        (f"{table}.{column}", kind)
        for table, column, kind in sql(
            url,
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()",
        )
    )
    assert types["doc_updates.data"] == types["doc_snapshots.data"] == "bytea"
    assert types["webhook_outbox.body"] == "bytea"
    assert types["offers.terms"] == types["events.payload"] == types["commands.result"] == "jsonb"
    assert types["offers.created_at"] == types["events.at"] == "timestamp with time zone"
    indexes = {row[0] for row in sql(url, "SELECT indexname FROM pg_indexes")}
    assert {"proposals_one_pending", "webhook_outbox_due", "offers_open_by_expiry"} <= indexes
    assert {"revocations_by_offer", "revocations_one_per_jti"} <= indexes
    assert types["revocations.at_ms"] == "bigint"
    assert types["messages.payload"] == types["messages.flags"] == "jsonb"
    assert types["messages.at"] == types["messages.deleted_at"] == "timestamp with time zone"
    assert types["messages.n"] == types["read_state.last_read"] == "bigint"
    assert {"messages_pkey", "messages_offer_id_id_key", "messages_open_questions"} <= indexes
    assert types["digests.items"] == "jsonb" and types["digests.id"] == "bigint"
    assert types["digests.due_at"] == types["digests.lease_until"] == "timestamp with time zone"
    assert types["digests.sent_at"] == types["reminders.fired_at"] == "timestamp with time zone"
    assert {"digests_one_pending", "digests_due", "digests_leased", "digests_by_party"} <= indexes
    assert {"reminders_one_unfired", "reminders_due"} <= indexes


async def test_nodes_starting_together_migrate_once(url: str) -> None:
    stores = [PostgresStore(url) for _ in range(4)]
    await asyncio.gather(*(store.open() for store in stores))
    try:
        await stores[0].create_offer(make_offer(), b"")
        assert [await s.get_offer("o1") for s in stores] == [make_offer()] * 4
    finally:
        await asyncio.gather(*(store.close() for store in stores))
    assert sql(url, "SELECT COUNT(*), MAX(version) FROM schema_migrations") == [
        (len(pg_schema.MIGRATIONS), len(pg_schema.MIGRATIONS))
    ]


async def test_migrates_a_version_1_database_keeping_its_data(url: str) -> None:
    offer = make_offer()
    first = VersionRecord(
        offer_id="o1", number=1, terms=TERMS, created_at=T0, content_hash=content_hash(TERMS)
    )
    created = EventRecord(offer_id="o1", seq=1, kind="created", at=T0,
                           payload={"version": 1, "variant": "default"})
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        assert await pg_schema.migrate(conn, target=1) == 1
        for table, columns, params in (
            ("offers", OFFER_COLUMNS_6, pg_rows.PG.offer_params(offer)[:9]),
            ("versions", rows.VERSION_COLUMNS, pg_rows.PG.version_params(first)),
            ("events", rows.EVENT_COLUMNS, pg_rows.PG.event_params(created)),
        ):
            marks = pg_rows.marks(len(params))
            await conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)
        await conn.execute("INSERT INTO doc_snapshots VALUES ('o1', 'seed', 0)")
    assert sql(url, "SELECT to_regclass('proposals')") == [(None,)]

    async with PostgresStore(url) as store:
        assert await store.get_offer("o1") == offer
        write = Write(events=[NewEvent("proposed")], proposal=proposal("p1"))
        events = await store.commit("o1", Expect(version=1), write, outbox=True)
        assert await store.list_events("o1") == [created, *events]
        assert len(await store.claim_webhooks(datetime.now(UTC), 10, 30)) == 1
    assert sql(url, "SELECT MAX(version) FROM schema_migrations") == [(len(pg_schema.MIGRATIONS),)]


async def test_migrates_a_version_2_database_keeping_its_data(url: str) -> None:
    offer = make_offer()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        assert await pg_schema.migrate(conn, target=2) == 2
        await conn.execute(
            f"INSERT INTO offers ({OFFER_COLUMNS_6}) VALUES ({pg_rows.marks(9)})",
            pg_rows.PG.offer_params(offer)[:9],
        )
        await conn.execute("INSERT INTO doc_snapshots VALUES ('o1', 'seed', 0)")
    assert sql(url, "SELECT to_regclass('revocations')") == [(None,)]

    async with PostgresStore(url) as store:
        assert await store.get_offer("o1") == offer
        rule = Revocation("o1", at_ms=1_700_000_000_000, jti="j1")
        await store.add_revocation(rule)
        assert await store.revocations("o1") == [rule]
    assert sql(url, "SELECT MAX(version) FROM schema_migrations") == [(len(pg_schema.MIGRATIONS),)]


async def test_migrates_a_version_3_database_keeping_its_data(url: str) -> None:
    offer = make_offer()
    created = EventRecord(offer_id="o1", seq=1, kind="created", at=T0,
                           payload={"version": 1, "variant": "default"})
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        assert await pg_schema.migrate(conn, target=3) == 3
        for table, columns, params in (
            ("offers", OFFER_COLUMNS_6, pg_rows.PG.offer_params(offer)[:9]),
            ("events", rows.EVENT_COLUMNS, pg_rows.PG.event_params(created)),
        ):
            marks = pg_rows.marks(len(params))
            await conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)
        await conn.execute("INSERT INTO doc_snapshots VALUES ('o1', 'seed', 0)")
        await conn.execute("INSERT INTO revocations (offer_id, at_ms, jti) VALUES ('o1', 5, 'j1')")
    assert sql(url, "SELECT to_regclass('messages')") == [(None,)]

    async with PostgresStore(url) as store:
        assert await store.get_offer("o1") == offer
        assert await store.revocations("o1") == [Revocation("o1", at_ms=5, jti="j1")]
        posted = await store.add_message("o1", say("m1"))
        assert posted.n == 1 and await store.list_messages("o1") == [posted]
        events = await store.commit("o1", Expect(version=1), Write(events=[NewEvent("reverted")]))
        assert await store.list_events("o1") == [created, *events]  # events continue
        assert [e.event_seq for e in await store.list_messages("o1")] == [None, 2]
        assert await store.mark_read("o1", "f1", 9) == 2
    assert sql(url, "SELECT MAX(version) FROM schema_migrations") == [(len(pg_schema.MIGRATIONS),)]


async def test_migrates_a_version_4_database_keeping_its_data(url: str) -> None:
    # As the release before notifications left it: parties without an e-mail (a newer field),
    # a thread, an outbox row.
    offer = make_offer()
    created = EventRecord(offer_id="o1", seq=1, kind="created", at=T0,
                           payload={"version": 1, "variant": "default"})
    entry = MessageRecord(
        offer_id="o1", n=1, id="m1", kind="message", at=T0, author="c1", author_role="client",
        body="Hello",
    )  # fmt: skip
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        assert await pg_schema.migrate(conn, target=4) == 4
        params = list(pg_rows.PG.offer_params(offer)[:9])
        params[3:5] = [Jsonb({"id": "c1", "name": "Carla"}), Jsonb({"id": "f1", "name": "Femi"})]
        for table, columns, values in (
            ("offers", OFFER_COLUMNS_6, params),
            ("events", rows.EVENT_COLUMNS, pg_rows.PG.event_params(created)),
            ("messages", rows.MESSAGE_COLUMNS, pg_rows.PG.message_params(entry)),
        ):
            marks = pg_rows.marks(len(values))
            await conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
        await conn.execute("INSERT INTO doc_snapshots VALUES ('o1', 'seed', 0)")
        await conn.execute(
            "INSERT INTO webhook_outbox (offer_id, event_seq, body, next_attempt_at, created_at) "
            "VALUES ('o1', 1, '{}', %s, %s)",
            [T0, T0],
        )
    assert sql(url, "SELECT to_regclass('digests'), to_regclass('reminders')") == [(None, None)]

    async with PostgresStore(url) as store:
        stored = await store.get_offer("o1")
        assert stored == offer and stored.client.email is None  # the old rows still read
        assert await store.list_messages("o1") == [entry]
        (delivery,) = await store.claim_webhooks(T0, 10, 30)
        assert delivery.body == b"{}"
        item = NotificationItem("message", "Carla: Hello", T0, n=1)
        await store.queue_notification("o1", "f1", "freelancer", item, delay_s=0, throttle_s=60)
        (digest,) = await store.claim_digests(datetime.now(UTC), 10, 30)
        assert (digest.items, digest.count) == ([item], 1)
        await store.schedule_reminder(Reminder("o1", "expires_24h", "c1", T0))
        assert len(await store.claim_reminders(T0, 10)) == 1
    assert sql(url, "SELECT MAX(version) FROM schema_migrations") == [(len(pg_schema.MIGRATIONS),)]


async def test_upgrading_schedules_the_expiry_reminders_of_open_offers(url: str) -> None:
    """Offers open before notifications existed get the reminders creation now schedules, only
    those still ahead; closed offers none."""
    now = datetime.now(UTC).replace(microsecond=123456)
    offers = [offer_record("far", expires_at=now + timedelta(hours=100)),
              offer_record("near", expires_at=now + timedelta(hours=30)),
              offer_record("done", expires_at=now + timedelta(hours=100), status="accepted")]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        assert await pg_schema.migrate(conn, target=4) == 4
        for offer in offers:
            params = list(pg_rows.PG.offer_params(offer)[:9])
            params[3:5] = [Jsonb({"id": "c1", "name": "Carla"}),
                           Jsonb({"id": "f1", "name": "Femi"})]
            await conn.execute(
                f"INSERT INTO offers ({OFFER_COLUMNS_6}) VALUES ({pg_rows.marks(9)})", params)
    async with PostgresStore(url) as store:
        due = await store.claim_reminders(now + timedelta(days=30), 50)
    assert sorted((r.offer_id, r.kind, r.user_id, r.due_at) for r in due) == sorted(
        [(r.offer_id, r.kind, r.user_id, r.due_at)
         for offer in offers[:2] for r in expiry_reminders(offer, now)])
    assert len(due) == 6  # far: 72 h and 24 h for both; near: 24 h for both


async def test_one_pending_digest_per_party_whatever_writes_the_database(url: str) -> None:
    async with PostgresStore(url) as store:
        await store.create_offer(make_offer(), b"")
        item = NotificationItem("message", "Carla: Hello", T0)
        await store.queue_notification("o1", "f1", "freelancer", item, delay_s=1, throttle_s=1)
    second = (
        "INSERT INTO digests (offer_id, user_id, role, items, count, created_at, due_at, state) "
        "VALUES ('o1', 'f1', 'freelancer', '[]', 1, now(), now(), '{}')"
    )
    with pytest.raises(psycopg.errors.UniqueViolation, match="digests_one_pending"):
        sql(url, second.format("pending"))
    sql(url, second.format("sent"))  # settled digests are a log: any number
    with pytest.raises(psycopg.errors.CheckViolation):
        sql(url, second.format("lost"))
    reminder = (
        "INSERT INTO reminders (offer_id, kind, user_id, ref, due_at, fired_at) "
        "VALUES ('o1', 'waiting', 'f1', 'p1', now(), {})"
    )
    sql(url, reminder.format("NULL"))
    with pytest.raises(psycopg.errors.UniqueViolation, match="reminders_one_unfired"):
        sql(url, reminder.format("NULL"))
    sql(url, reminder.format("now()"))


async def test_refuses_a_schema_newer_than_the_code(url: str) -> None:
    async with PostgresStore(url):
        pass
    sql(url, f"INSERT INTO schema_migrations (version) VALUES ({len(pg_schema.MIGRATIONS) + 1})")
    store = PostgresStore(url)
    with pytest.raises(RuntimeError, match="newer"):
        await store.open()
    with pytest.raises(StoreClosed):
        await store.get_offer("o1")


# --- two nodes ------------------------------------------------------------------------------


async def test_two_nodes_committing_with_one_expect_exactly_one_wins(
    nodes: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = nodes
    for round_ in range(15):
        oid = f"r{round_}"
        await a.create_offer(make_offer(oid), b"")
        await b.commit(oid, Expect(version=1), Write(events=[], proposal=proposal(f"p{oid}", oid)))
        expect = Expect(version=1, pending=f"p{oid}")
        accept = Write(
            events=[NewEvent("proposal_accepted")],
            decision=Decision(f"p{oid}", "accepted", "c1"),
            version=VersionRecord(offer_id=oid, number=2, terms=TERMS, created_at=T0),
        )
        withdraw = Write(
            events=[NewEvent("proposal_withdrawn")],
            decision=Decision(f"p{oid}", "withdrawn", "f1"),
        )
        first, second = (a, b) if round_ % 2 else (b, a)
        outcomes = await asyncio.gather(
            first.commit(oid, expect, accept),
            second.commit(oid, expect, withdraw),
            return_exceptions=True,
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "list"]
        lost = next(o for o in outcomes if isinstance(o, Conflict))
        offer = await a.get_offer(oid)
        assert lost.offer == offer and lost.pending is None
        decided = await b.get_proposal(f"p{oid}")
        assert decided is not None and offer is not None
        assert (decided.status == "accepted") == (offer.version == 2)
        assert len(await a.list_events(oid)) == 2  # created + the winner's event


async def test_two_nodes_claim_each_outbox_row_once(
    nodes: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = nodes
    write = Write(events=[NewEvent(f"e{i}") for i in range(300)])
    events = await a.commit("o1", Expect(version=1), write, outbox=True)

    later = datetime.now(UTC) + timedelta(hours=1)  # the nodes run on the real clock

    async def drain(node: PostgresStore) -> list[int]:
        got: list[int] = []
        while batch := await node.claim_webhooks(later, limit=7, lease_seconds=60):
            got += [d.event_seq for d in batch]
        return got

    claimed = await asyncio.gather(drain(a), drain(b), drain(a), drain(b))
    every = [seq for got in claimed for seq in got]
    assert sorted(every) == [e.seq for e in events]  # all claimed, none twice
    assert all(claimed), "each claimer should have won some rows"


async def test_two_nodes_appending_get_unique_seqs_in_order(url: str) -> None:
    async with PostgresStore(url) as a, PostgresStore(url) as b, PostgresStore(url) as reader:
        for oid in ("x", "y"):
            await a.create_offer(make_offer(oid), b"")
        sent: dict[tuple[str, int], bytes] = {}
        gaps: list[DocState] = []

        async def write(node: PostgresStore, name: str) -> None:
            for round_ in range(15):
                batch = [(oid, f"{name}-{round_}-{k}-{oid}".encode()) for k in range(10)
                         for oid in ("x", "y")]  # fmt: skip
                seqs = await append_batch(node, batch)  # one batch, as the Flusher writes
                for oid in ("x", "y"):
                    mine = [s for (o, _), s in zip(batch, seqs, strict=True) if o == oid]
                    assert mine == sorted(mine)  # a batch keeps its order
                for (oid, data), seq in zip(batch, seqs, strict=True):
                    assert (oid, seq) not in sent
                    sent[(oid, seq)] = data

        async def watch() -> None:
            # A seq is never visible before every lower seq of its offer.
            while len(sent) < 600:
                for oid in ("x", "y"):
                    loaded = await reader.load_doc(oid)
                    if loaded.last_seq != len(loaded.updates):
                        gaps.append(loaded)
                await asyncio.sleep(0)

        await asyncio.gather(write(a, "a"), write(b, "b"), watch())
        assert gaps == []
        for oid in ("x", "y"):
            loaded = await reader.load_doc(oid)
            assert loaded.last_seq == 300
            assert loaded.updates == [sent[(oid, seq)] for seq in range(1, 301)]


@pytest.mark.parametrize("newest_on_a", [True, False])
async def test_two_nodes_compacting_one_offer_keep_the_newest_snapshot(
    nodes: tuple[PostgresStore, PostgresStore], newest_on_a: bool
) -> None:
    a, b = nodes
    for i in range(1, 61):
        await append(a if i % 2 else b, "o1", f"u{i}".encode())
    newest, older = (a, b) if newest_on_a else (b, a)

    async def more() -> None:
        # One batch after another, as the Flusher writes an offer: never two at once.
        for i in range(61, 81):
            await append(a, "o1", f"u{i}".encode())

    await asyncio.gather(
        older.compact("o1", b"snap30", 30), newest.compact("o1", b"snap50", 50), more()
    )
    loaded = await b.load_doc("o1")
    assert loaded.snapshot == b"snap50" and loaded.last_seq == 80
    assert sorted(loaded.updates, key=lambda u: int(u[1:])) == loaded.updates
    assert loaded.updates == [f"u{i}".encode() for i in range(51, 81)]


async def test_a_write_on_one_node_is_read_by_the_other(
    nodes: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = nodes
    await append(a, "o1", b"u1")
    await a.commit("o1", Expect(version=1), Write(events=[], proposal=proposal("p1")))
    explanation = Explanation("t", "offline", None, "v1", "h", True)
    await b.save_explanation("p1", explanation)
    assert (await b.load_doc("o1")).updates == [b"u1"]
    pending = await a.pending_proposal("o1")
    assert pending is not None and pending.explanation == explanation
    assert await append(b, "o1", b"u2") == 2


async def test_two_nodes_adding_never_show_a_gap(url: str) -> None:
    async with PostgresStore(url) as a, PostgresStore(url) as b, PostgresStore(url) as reader:
        await a.create_offer(make_offer(), b"")
        gaps: list[list[int]] = []
        done = False

        async def post(node: PostgresStore, name: str) -> None:
            for i in range(40):
                await node.add_message("o1", say(f"{name}{i}", by="c1" if name == "a" else "f1"))
                if i % 10 == 0:  # and a commit's system entry now and then
                    revert = Write(events=[NewEvent("reverted", actor="c1")])
                    await node.commit("o1", Expect(version=1), revert)

        async def watch() -> None:
            # An entry is never visible before every entry numbered below it.
            while not done:
                seen = [e.n for e in await reader.list_messages("o1", after=0, limit=200)]
                if seen != list(range(1, len(seen) + 1)):
                    gaps.append(seen)
                await asyncio.sleep(0)

        watcher = asyncio.create_task(watch())
        await asyncio.gather(post(a, "a"), post(b, "b"))
        done = True
        await watcher
        assert gaps == []
        final = await reader.list_messages("o1", after=0, limit=200)
        assert [e.n for e in final] == list(range(1, 89))  # 80 messages, 8 system entries


# --- atomicity under sabotage ---------------------------------------------------------------

BOOM = """
CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'boom'; END $$
"""


async def test_create_offer_is_atomic_when_its_last_insert_fails(url: str) -> None:
    async with PostgresStore(url) as store:
        sql(url, BOOM)
        sql(url, "CREATE TRIGGER no_events BEFORE INSERT ON events EXECUTE FUNCTION boom()")
        with pytest.raises(psycopg.errors.RaiseException, match="boom"):
            await store.create_offer(make_offer(), b"seed")
        for table in ("offers", "versions", "events", "doc_snapshots"):
            assert sql(url, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
        sql(url, "DROP TRIGGER no_events ON events")
        await store.create_offer(make_offer(), b"seed")  # the id was never taken
        assert await store.get_offer("o1") == make_offer()


async def test_a_failed_batch_stores_nothing_and_leaves_no_gap(url: str) -> None:
    async with PostgresStore(url) as store:
        await store.create_offer(make_offer(), b"")
        sql(url, BOOM)
        sql(
            url,
            "CREATE TRIGGER no_bad BEFORE INSERT ON doc_updates FOR EACH ROW "
            "WHEN (NEW.data = '\\xff'::bytea) EXECUTE FUNCTION boom()",
        )
        batch = [("o1", b"ok")] * 9 + [("o1", b"\xff")]
        with pytest.raises(psycopg.errors.RaiseException):
            await store.append_updates(batch)
        assert await store.update_count("o1") == 0
        sql(url, "DROP TRIGGER no_bad ON doc_updates")
        assert await append(store, "o1", b"after") == 1  # no gap left by the failed batch


async def test_a_commit_failing_after_its_system_entries_writes_none(url: str) -> None:
    async with PostgresStore(url) as store:
        await store.create_offer(make_offer(), b"")
        sql(url, BOOM)
        # The outbox rows are written after the events and the thread's entries: fail there.
        sql(url, "CREATE TRIGGER no_outbox BEFORE INSERT ON webhook_outbox EXECUTE FUNCTION boom()")
        write = Write(events=[NewEvent("proposed", actor="f1")], proposal=proposal("p1"))
        with pytest.raises(psycopg.errors.RaiseException, match="boom"):
            await store.commit("o1", Expect(version=1), write, outbox=True)
        counts = "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM events)"
        assert sql(url, counts) == [(0, 1)]
        sql(url, "DROP TRIGGER no_outbox ON webhook_outbox")
        await store.commit("o1", Expect(version=1), write, outbox=True)
        assert [(e.n, e.event_seq) for e in await store.list_messages("o1")] == [(1, 2)]


async def test_a_failed_add_takes_no_number(url: str) -> None:
    async with PostgresStore(url) as store:
        await store.create_offer(make_offer(), b"")
        sql(url, BOOM)
        sql(
            url,
            "CREATE TRIGGER no_boom BEFORE INSERT ON messages FOR EACH ROW "
            "WHEN (NEW.body = 'boom') EXECUTE FUNCTION boom()",
        )
        await store.add_message("o1", say("m1"))
        with pytest.raises(psycopg.errors.RaiseException):
            await store.add_message("o1", say("m2", "boom"))
        assert (await store.add_message("o1", say("m3"))).n == 2
        assert await store.get_message("o1", "m2") is None


# --- an unreachable server ------------------------------------------------------------------


async def test_an_unreachable_server_raises_store_unavailable_at_open() -> None:
    store = PostgresStore("postgresql://someone:s3cret@127.0.0.1:1/offers", timeout=1.0)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"127\.0\.0\.1:1/offers") as caught:
        await store.open()
    assert time.monotonic() - started < 5
    assert "s3cret" not in str(caught.value)
    with pytest.raises(StoreClosed):
        await store.get_offer("o1")  # never opened
    await store.close()


@pytest.fixture(scope="module")
def cluster() -> Iterator[pgtest.PrivateCluster]:
    """A private server this module may stop and start (never the shared one)."""
    own = pgtest.PrivateCluster()
    own.start()
    yield own
    own.destroy()


def calls_but_ping(store: PostgresStore) -> list[Any]:
    explanation = Explanation("t", "offline", None, "v1", "h", True)
    return [
        store.create_offer(make_offer("o2"), b""),
        store.get_offer("o1"),
        store.append_updates([("o1", b"lost")]),
        store.load_doc("o1"),
        store.compact("o1", b"s", 0),
        store.update_count("o1"),
        store.list_versions("o1"),
        store.get_version("o1", 1),
        store.append_event("o1", "viewed"),
        store.list_events("o1"),
        store.commit("o1", Expect(version=1), Write(events=[])),
        store.get_command("o1", "c"),
        store.get_proposal("p1"),
        store.pending_proposal("o1"),
        store.list_proposals("o1"),
        store.proposal_times("o1", "f1", T0),
        store.save_explanation("p1", explanation),
        store.due_for_expiry(T0),
        store.claim_webhooks(T0, 1, 1),
        store.webhook_delivered(1),
        store.webhook_failed(1, None, "x"),
        store.queue_notification(
            "o1", "f1", "freelancer", NotificationItem("message", "hi", T0), delay_s=1,
            throttle_s=1,
        ),
        store.claim_digests(T0, 1, 1),
        store.digest_sent(1),
        store.digest_failed(1, None, "x"),
        store.schedule_reminder(Reminder("o1", "waiting", "f1", T0)),
        store.cancel_reminders("o1"),
        store.claim_reminders(T0, 1),
        store.append_event("o1", "notification", outbox=True),
    ]


async def test_a_stopped_server_raises_store_unavailable_then_the_pool_recovers(
    cluster: pgtest.PrivateCluster,
) -> None:
    store = PostgresStore(cluster.url, timeout=0.5, reconnect_timeout=2.0)
    async with store:
        await store.create_offer(make_offer(), b"seed")
        assert await append(store, "o1", b"u1") == 1

        cluster.stop("fast")
        try:
            assert not await store.ping()
            outcomes = await asyncio.gather(*calls_but_ping(store), return_exceptions=True)
            assert [type(o).__name__ for o in outcomes] == ["StoreUnavailable"] * len(outcomes)
            assert all("unavailable" in str(o) for o in outcomes)
        finally:
            cluster.start()

        started = time.monotonic()
        while not await store.ping():
            assert time.monotonic() - started < 30, "the pool did not reconnect"
            await asyncio.sleep(0.1)
        print(f"reconnected {time.monotonic() - started:.2f}s after the restart")
        # Nothing refused while down was written; everything works again.
        assert await append(store, "o1", b"u2") == 2
        assert await store.load_doc("o1") == DocState(b"seed", [b"u1", b"u2"], 2)
        assert await store.get_offer("o1") == make_offer()
        assert [e.kind for e in await store.list_events("o1")] == ["created"]


# --- kill -9 of a writer ----------------------------------------------------------------------

CHILD = """
import asyncio, sys
from server.store.postgres import PostgresStore

async def main() -> None:
    store = PostgresStore(sys.argv[1])
    await store.open()

    i = 0
    while True:  # runs until killed; 20 appends per batch, as the Flusher writes them
        batch = [("o1", f"u{i + k}".encode()) for k in range(20)]
        seqs = await store.append_updates(batch)
        for seq, (_, data) in zip(seqs, batch):
            print(seq, data.decode(), flush=True)  # only after the commit holding it returned
        i += 20

asyncio.run(main())
"""


async def test_every_acknowledged_append_survives_kill_9(url: str) -> None:
    async with PostgresStore(url) as store:
        await store.create_offer(make_offer(), b"seed")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, url, stdout=asyncio.subprocess.PIPE, env=env
    )
    assert child.stdout is not None
    printed: list[bytes] = []
    async with asyncio.timeout(60):
        while len(printed) < 500:
            line = await child.stdout.readline()
            assert line, "child exited early"
            printed.append(line)
        os.kill(child.pid, signal.SIGKILL)
        printed += (await child.stdout.read()).split(b"\n")[:-1]
        assert await child.wait() == -signal.SIGKILL
    async with PostgresStore(url) as reopened:
        loaded = await reopened.load_doc("o1")
        assert await append(reopened, "o1", b"next") == loaded.last_seq + 1
    stored = dict(enumerate(loaded.updates, start=1))
    acked = {int(seq): data for seq, data in (line.split() for line in printed if line.strip())}
    assert len(acked) >= 500
    assert {seq: stored.get(seq) for seq in acked} == acked
    assert loaded.last_seq == len(loaded.updates) >= max(acked)


# --- store_from_url -------------------------------------------------------------------------


@pytest.mark.parametrize("given", [None, "", "sqlite:", "sqlite://", " sqlite: "])
def test_store_from_url_defaults_to_sqlite_in_the_data_dir(
    tmp_path: Path, given: str | None
) -> None:
    store = store_from_url(given, tmp_path)
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "offer-room.db"


def test_store_from_url_takes_a_sqlite_path_and_postgres_urls(tmp_path: Path) -> None:
    named = store_from_url(f"sqlite://{tmp_path}/other.db", tmp_path)
    assert isinstance(named, SQLiteStore) and named.path == tmp_path / "other.db"
    for url in ("postgresql://u@db.example/offers", "postgres://u@db.example/offers"):
        store = store_from_url(url, tmp_path)
        assert isinstance(store, PostgresStore) and store.url == url
    for bad in ("mysql://x/y", "sqlite:relative.db", "offers.db"):
        with pytest.raises(ValueError):
            store_from_url(bad, tmp_path)


def test_the_sqlite_default_never_imports_psycopg(tmp_path: Path) -> None:
    probe = (
        "import sys; from pathlib import Path; from server.store.open import store_from_url; "
        f"store_from_url(None, Path({str(tmp_path)!r})); "
        "print(sorted(m for m in sys.modules if m.startswith('psycopg')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == "[]"
