"""SQLiteStore on a real file, beyond the shared contract (test_store_contract.py): schema and WAL,
exact rows through a second connection, atomicity, a failed batch of appends, reopen, kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from server.auth import Revocation
from server.notify.schedule import expiry_reminders
from server.offers.terms import Milestone, Party, Terms
from server.store import notifications, rows
from server.store.base import (
    DocState,
    MessageRecord,
    NotificationItem,
    OfferExists,
    OfferNotFound,
    OfferRecord,
    Reminder,
    StoreClosed,
    content_hash,
)
from server.store.sqlite import SQLiteStore, journal
from server.store.sqlite.rows import SQLITE
from server.store.sqlite.schema import MIGRATIONS, WAL_CHECKPOINT_PAGES, connect
from tests.support.store_records import append, propose, say
from tests.support.store_records import make_offer as offer_record

#: The offers columns before migration 7 added ``variant`` (files of earlier releases).
OFFER_COLUMNS_6 = rows.OFFER_COLUMNS.removesuffix(", variant")

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
TERMS = Terms(
    title="Landing page",
    contract_type="fixed",
    currency="USD",
    fixed_price=150_000,
    start_date=date(2026, 2, 1),
    description="Design and build.",
    milestones=(Milestone(id="m1", title="Design", amount=50_000, due_date=date(2026, 2, 10)),),
)


def make_offer(offer_id: str = "o1", terms: Terms = TERMS) -> OfferRecord:
    return OfferRecord(
        id=offer_id,
        status="open",
        version=1,
        client=Party(id="c1", name="Carla"),
        freelancer=Party(id="f1", name="Femi"),
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
        terms=terms,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "offers.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SQLiteStore]:
    async with SQLiteStore(db_path) as opened:
        yield opened


@contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A second, independent connection: how the tests look at the file or sabotage it."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        yield conn


def count(path: Path, table: str) -> int:
    with raw(path) as conn:
        n: int = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return n


# --- schema and lifecycle -------------------------------------------------------------------


async def test_open_creates_versioned_schema_in_wal_mode(store: SQLiteStore, db_path: Path) -> None:
    assert await store.ping()
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"offers", "versions", "events", "doc_updates", "doc_snapshots"} <= tables
    # As the store opens it: the WAL is folded back every 10,000 pages, not SQLite's 1,000.
    with closing(connect(db_path)) as conn:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_CHECKPOINT_PAGES
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


async def test_refuses_a_schema_newer_than_the_code(db_path: Path) -> None:
    with raw(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        await SQLiteStore(db_path).open()


async def test_migrates_a_version_2_file_keeping_its_data(db_path: Path) -> None:
    # A file as the previous release left it: migrations 1 and 2, an offer with its history.
    offer = make_offer()
    with raw(db_path) as conn:
        for number, script in enumerate(MIGRATIONS[:2], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute(
            f"INSERT INTO offers ({OFFER_COLUMNS_6}) VALUES ({rows.marks(9)})",
            SQLITE.offer_params(offer)[:9],
        )
        conn.execute("INSERT INTO doc_snapshots VALUES ('o1', X'5345454400', 0)")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "revocations" not in tables

    async with SQLiteStore(db_path) as store:
        assert await store.get_offer("o1") == offer
        assert (await store.load_doc("o1")).snapshot == b"SEED\x00"
        rule = Revocation("o1", at_ms=1_700_000_000_000, user="f1")
        await store.add_revocation(rule)
        assert await store.revocations("o1") == [rule]
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT offer_id, at_ms, jti, user_id FROM revocations "
            "WHERE offer_id = 'o1' ORDER BY rowid"
        ).fetchall()
    # The per-offer read walks the index in order: no table scan, no sort.
    assert any("USING INDEX revocations_by_offer" in str(step[-1]) for step in plan), plan
    assert not any("TEMP B-TREE" in str(step[-1]) for step in plan), plan


async def test_migrates_a_version_3_file_keeping_its_data(db_path: Path) -> None:
    # A file as the release before the thread left it: an offer, its events and a revocation.
    offer = make_offer()
    with raw(db_path) as conn:
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute(
            f"INSERT INTO offers ({OFFER_COLUMNS_6}) VALUES ({rows.marks(9)})",
            SQLITE.offer_params(offer)[:9],
        )
        conn.execute("INSERT INTO doc_snapshots VALUES ('o1', X'5345454400', 0)")
        conn.execute(
            "INSERT INTO events VALUES ('o1', 1, 'created', NULL, NULL, '{\"version\":1}', ?)",
            (SQLITE.time(NOW),),
        )
        conn.execute("INSERT INTO revocations VALUES ('o1', 5, 'j1', NULL)")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "messages" not in tables

    async with SQLiteStore(db_path) as store:
        assert await store.get_offer("o1") == offer
        assert await store.revocations("o1") == [Revocation("o1", at_ms=5, jti="j1")]
        posted = await store.add_message("o1", say("m1", "Hello", by="c1"))
        assert posted.n == 1 and await store.list_messages("o1") == [posted]
        assert (await store.append_event("o1", "viewed")).seq == 2  # events continue
        assert await store.mark_read("o1", "f1", 1) == 1
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


async def test_migrates_a_version_4_file_keeping_its_data(db_path: Path) -> None:
    # A file as the release before notifications left it: parties stored without an e-mail
    # (the field is newer), a thread, events, an outbox row.
    offer = make_offer()
    with raw(db_path) as conn:
        for number, script in enumerate(MIGRATIONS[:4], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        params = list(SQLITE.offer_params(offer)[:9])
        params[3:5] = ['{"id":"c1","name":"Carla"}', '{"id":"f1","name":"Femi"}']
        conn.execute(f"INSERT INTO offers ({OFFER_COLUMNS_6}) VALUES ({rows.marks(9)})", params)
        conn.execute("INSERT INTO doc_snapshots VALUES ('o1', X'5345454400', 0)")
        conn.execute(
            "INSERT INTO events VALUES ('o1', 1, 'created', NULL, NULL, '{\"version\":1}', ?)",
            (SQLITE.time(NOW),),
        )
        conn.execute(
            "INSERT INTO webhook_outbox (offer_id, event_seq, body, next_attempt_at, created_at) "
            "VALUES ('o1', 1, X'7B7D', ?, ?)",
            (SQLITE.time(NOW), SQLITE.time(NOW)),
        )
        conn.execute(
            f"INSERT INTO messages ({rows.MESSAGE_COLUMNS}) VALUES ({rows.marks(17)})",
            SQLITE.message_params(thread_entry()),
        )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not {"digests", "reminders"} & tables

    async with SQLiteStore(db_path) as store:
        stored = await store.get_offer("o1")
        assert stored == offer and stored.client.email is None  # the old rows still read
        assert await store.list_messages("o1") == [thread_entry()]
        (delivery,) = await store.claim_webhooks(NOW, 10, 30)
        assert delivery.body == b"{}"
        item = NotificationItem("message", "Carla: Hello", NOW, n=1)
        await store.queue_notification(
            "o1", "f1", "freelancer", item, delay_s=0, throttle_s=60
        )
        (digest,) = await store.claim_digests(datetime.now(UTC), 10, 30)
        assert (digest.items, digest.count) == ([item], 1)
        await store.schedule_reminder(Reminder("o1", "expires_24h", "c1", NOW))
        assert len(await store.claim_reminders(NOW, 10)) == 1
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


async def test_upgrading_schedules_the_expiry_reminders_of_open_offers(db_path: Path) -> None:
    """Offers open before notifications existed get the reminders creation now schedules, only
    those still ahead; closed offers none."""
    now = datetime.now(UTC).replace(microsecond=123456)
    offers = [offer_record("far", expires_at=now + timedelta(hours=100)),
              offer_record("near", expires_at=now + timedelta(hours=30)),
              offer_record("done", expires_at=now + timedelta(hours=100), status="accepted")]
    with raw(db_path) as conn:
        for number, script in enumerate(MIGRATIONS[:4], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        for offer in offers:
            params = list(SQLITE.offer_params(offer)[:9])
            params[3:5] = ['{"id":"c1","name":"Carla"}', '{"id":"f1","name":"Femi"}']
            conn.execute(f"INSERT INTO offers ({OFFER_COLUMNS_6}) VALUES ({rows.marks(9)})",
                         params)
    async with SQLiteStore(db_path) as store:
        due = await store.claim_reminders(now + timedelta(days=30), 50)
    assert sorted((r.offer_id, r.kind, r.user_id, r.due_at) for r in due) == sorted(
        [(r.offer_id, r.kind, r.user_id, r.due_at)
         for offer in offers[:2] for r in expiry_reminders(offer, now)])
    assert len(due) == 6  # far: 72 h and 24 h for both; near: 24 h for both


def thread_entry() -> MessageRecord:
    return MessageRecord(
        offer_id="o1", n=1, id="m1", kind="message", at=NOW, author="c1", author_role="client",
        body="Hello",
    )  # fmt: skip


async def test_one_pending_digest_per_party_whatever_writes_the_file(
    store: SQLiteStore, db_path: Path
) -> None:
    await store.create_offer(make_offer(), b"")
    item = NotificationItem("message", "Carla: Hello", NOW)
    await store.queue_notification("o1", "f1", "freelancer", item, delay_s=1, throttle_s=1)
    second = (
        "INSERT INTO digests (offer_id, user_id, role, items, count, created_at, due_at, state) "
        "VALUES ('o1', 'f1', 'freelancer', '[]', 1, '', '', '{}')"
    )
    with raw(db_path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute(second.format("pending"))
        conn.execute(second.format("sent"))  # settled digests are a log: any number
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(second.format("lost"))
        reminder = (
            "INSERT INTO reminders (offer_id, kind, user_id, ref, due_at, fired_at) "
            "VALUES ('o1', 'waiting', 'f1', 'p1', '', {})"
        )
        conn.execute(reminder.format("NULL"))
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute(reminder.format("NULL"))
        conn.execute(reminder.format("'fired'"))


def plan(path: Path, sql: str) -> str:
    with raw(path) as conn:
        return " | ".join(str(step[-1]) for step in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))


async def test_thread_reads_walk_an_index_without_sorting(
    store: SQLiteStore, db_path: Path
) -> None:
    page = plan(
        db_path,
        f"SELECT {rows.MESSAGE_COLUMNS} FROM messages WHERE offer_id = 'o1' AND n < 90 "
        "ORDER BY n DESC LIMIT 50",
    )
    # The primary key (offer_id, n): a page is a range of it, read backwards for "the latest".
    assert "sqlite_autoindex_messages_1 (offer_id=? AND n<?)" in page, page
    by_id = plan(db_path, "SELECT n FROM messages WHERE offer_id = 'o1' AND id = 'm1'")
    assert "sqlite_autoindex_messages_2" in by_id, by_id
    questions = plan(
        db_path,
        f"SELECT n FROM messages WHERE offer_id = 'o1' AND {rows.OPEN_QUESTION} ORDER BY n",
    )
    assert "messages_open_questions" in questions, questions
    assert not any("TEMP B-TREE" in p for p in (page, by_id, questions))


async def test_claims_walk_the_partial_indexes(store: SQLiteStore, db_path: Path) -> None:
    digests = plan(
        db_path,
        f"SELECT {notifications.DIGEST_COLUMNS} FROM digests "
        f"WHERE {notifications.CLAIMABLE} ORDER BY due_at, id LIMIT 10".replace("?", "'x'"),
    )
    # Pending ones by due time, lapsed leases by lease: never a scan of the sent log.
    assert "digests_due (due_at<?)" in digests and "digests_leased (lease_until<?)" in digests
    assert "digests_by_party" in digests and "SCAN" not in digests, digests
    reminders = plan(
        db_path,
        f"SELECT {notifications.REMINDER_COLUMNS} FROM reminders "
        f"WHERE {notifications.REMINDER_DUE} ORDER BY due_at, id LIMIT 10".replace("?", "'x'"),
    )
    assert "reminders_due (due_at<?)" in reminders and "TEMP B-TREE" not in reminders, reminders
    pending = plan(db_path, notifications.PENDING.replace("?", "'x'"))
    assert "digests_by_party" in pending or "digests_one_pending" in pending, pending


async def test_every_method_raises_before_open_and_after_close(db_path: Path) -> None:
    fresh = SQLiteStore(db_path)
    with pytest.raises(StoreClosed):
        await fresh.get_offer("o1")
    await fresh.open()
    await fresh.create_offer(make_offer(), b"")
    await fresh.close()
    await fresh.close()  # idempotent
    calls = [
        fresh.ping(),
        fresh.create_offer(make_offer("o2"), b""),
        fresh.get_offer("o1"),
        fresh.append_updates([("o1", b"u")]),
        fresh.load_doc("o1"),
        fresh.compact("o1", b"s", 0),
        fresh.update_count("o1"),
        fresh.list_versions("o1"),
        fresh.get_version("o1", 1),
        fresh.append_event("o1", "viewed"),
        fresh.list_events("o1"),
        fresh.claim_digests(NOW, 1, 1),
        fresh.digest_sent(1),
        fresh.schedule_reminder(Reminder("o1", "waiting", "f1", NOW)),
        fresh.claim_reminders(NOW, 1),
    ]
    for call in calls:
        with pytest.raises(StoreClosed):
            await call
    with pytest.raises(StoreClosed):
        await fresh.open()


# --- offers, versions, events ---------------------------------------------------------------


def test_content_hash_depends_on_the_terms_only() -> None:
    same = msgspec.json.decode(msgspec.json.encode(TERMS), type=Terms)
    assert content_hash(same) == content_hash(TERMS)
    assert len(content_hash(TERMS)) == 64
    assert content_hash(msgspec.structs.replace(TERMS, fixed_price=1)) != content_hash(TERMS)


async def test_duplicate_id_raises_offer_exists_and_changes_nothing(
    store: SQLiteStore, db_path: Path
) -> None:
    await store.create_offer(make_offer(), b"original")
    other = make_offer(terms=Terms(title="Other", contract_type="hourly", currency="EUR"))
    with pytest.raises(OfferExists):
        await store.create_offer(other, b"other")

    assert await store.get_offer("o1") == make_offer()
    assert (await store.load_doc("o1")).snapshot == b"original"
    assert [
        t for t in ("offers", "versions", "events", "doc_snapshots") if count(db_path, t) != 1
    ] == []


async def test_create_offer_is_atomic_when_its_last_insert_fails(
    store: SQLiteStore, db_path: Path
) -> None:
    # The `created` event is inserted last; make exactly that insert fail.
    with raw(db_path) as conn:
        conn.execute(
            "CREATE TRIGGER no_events BEFORE INSERT ON events "
            "BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        await store.create_offer(make_offer(), b"seed")
    for table in ("offers", "versions", "events", "doc_snapshots"):
        assert count(db_path, table) == 0, table

    with raw(db_path) as conn:
        conn.execute("DROP TRIGGER no_events")
    await store.create_offer(make_offer(), b"seed")  # the id was never taken
    assert await store.get_offer("o1") == make_offer()


async def test_events_get_per_offer_seqs_and_round_trip(store: SQLiteStore) -> None:
    await store.create_offer(make_offer("a"), b"")
    await store.create_offer(make_offer("b"), b"")
    proposed = await store.append_event(
        "a", "proposed", actor="c1", payload={"fields": ["fixed_price"], "n": 2}
    )
    declined = await store.append_event("a", "declined", actor="f1", reason="too low")
    other = await store.append_event("b", "viewed")

    assert (proposed.seq, declined.seq, other.seq) == (2, 3, 2)
    assert proposed.at.tzinfo is not None
    events = await store.list_events("a")
    assert [e.kind for e in events] == ["created", "proposed", "declined"]
    assert events[1:] == [proposed, declined]
    assert declined.payload == {} and declined.reason == "too low"
    with pytest.raises(OfferNotFound):
        await store.append_event("nope", "viewed")
    assert await store.list_events("nope") == []


async def test_a_commit_failing_after_its_system_entries_writes_none(
    store: SQLiteStore, db_path: Path
) -> None:
    await store.create_offer(make_offer(), b"")
    # The outbox rows are written after the events and the thread's entries: fail there.
    with raw(db_path) as conn:
        conn.execute(
            "CREATE TRIGGER no_outbox BEFORE INSERT ON webhook_outbox "
            "BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        await propose(store, outbox=True)
    assert (count(db_path, "messages"), count(db_path, "events")) == (0, 1)
    with raw(db_path) as conn:
        conn.execute("DROP TRIGGER no_outbox")
    await propose(store, outbox=True)
    assert [(e.n, e.event_seq) for e in await store.list_messages("o1")] == [(1, 2)]


async def test_a_failed_add_takes_no_number(store: SQLiteStore, db_path: Path) -> None:
    await store.create_offer(make_offer(), b"")
    with raw(db_path) as conn:
        conn.execute(
            "CREATE TRIGGER no_boom BEFORE INSERT ON messages WHEN NEW.body = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
    await store.add_message("o1", say("m1"))
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        await store.add_message("o1", say("m2", "boom"))
    assert (await store.add_message("o1", say("m3"))).n == 2
    assert await store.get_message("o1", "m2") is None


# --- the CRDT log ---------------------------------------------------------------------------


async def test_a_failed_batch_stores_nothing_and_gives_seqs_back(
    store: SQLiteStore, db_path: Path
) -> None:
    await store.create_offer(make_offer(), b"")
    with raw(db_path) as conn:
        conn.execute(
            "CREATE TRIGGER no_bad BEFORE INSERT ON doc_journal WHEN NEW.data = X'FF' "
            "BEGIN SELECT RAISE(ABORT, 'bad update'); END"
        )
    batch = [("o1", b"ok")] * 9 + [("o1", b"\xff")]
    with pytest.raises(sqlite3.IntegrityError):
        await store.append_updates(batch)
    assert await store.update_count("o1") == 0

    with raw(db_path) as conn:
        conn.execute("DROP TRIGGER no_bad")
    assert await append(store, "o1", b"after") == 1  # no gap left by the failed batch


async def test_compaction_replaces_snapshot_and_drops_covered_log(
    store: SQLiteStore, db_path: Path
) -> None:
    await store.create_offer(make_offer(), b"seed")
    for i in range(1, 11):
        await append(store, "o1", f"u{i}".encode())

    await store.compact("o1", b"snap6", 6)
    assert await store.load_doc("o1") == DocState(
        b"snap6", [f"u{i}".encode() for i in range(7, 11)], 10
    )
    assert await store.update_count("o1") == 4
    assert count(db_path, "doc_updates") == 4

    await store.compact("o1", b"stale", 3)  # older than the stored snapshot: ignored
    assert (await store.load_doc("o1")).snapshot == b"snap6"
    with pytest.raises(ValueError, match="last seq is 10"):
        await store.compact("o1", b"future", 11)
    with pytest.raises(OfferNotFound):
        await store.compact("nope", b"s", 0)

    await store.compact("o1", b"snap10", 10)
    assert await store.load_doc("o1") == DocState(b"snap10", [], last_seq=10)
    assert await store.update_count("o1") == 0
    assert await append(store, "o1", b"u11") == 11


async def test_everything_survives_reopen_and_seqs_continue(db_path: Path) -> None:
    async with SQLiteStore(db_path) as first:
        await first.create_offer(make_offer(), b"seed")
        for i in range(5):
            await append(first, "o1", f"u{i}".encode())
        await first.compact("o1", b"snap5", 5)  # the log is now empty: seq 5 lives on in upto_seq
        await first.append_event("o1", "viewed", actor="f1")

    async with SQLiteStore(db_path) as second:
        assert await second.get_offer("o1") == make_offer()
        assert len(await second.list_versions("o1")) == 1
        assert [e.kind for e in await second.list_events("o1")] == ["created", "viewed"]
        assert await second.load_doc("o1") == DocState(b"snap5", [], 5)
        assert await append(second, "o1", b"u5") == 6
        assert (await second.append_event("o1", "viewed")).seq == 3


async def test_close_commits_appends_in_progress(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    await store.open()
    await store.create_offer(make_offer(), b"")
    tasks = [asyncio.create_task(append(store, "o1", f"u{i}".encode())) for i in range(50)]
    await asyncio.sleep(0)  # let every task start its append, but not commit it
    await store.close()
    assert sorted(await asyncio.gather(*tasks)) == list(range(1, 51))

    async with SQLiteStore(db_path) as reopened:
        assert (await reopened.load_doc("o1")).last_seq == 50


# --- the log's journal (server/store/sqlite/journal.py) ---------------------------------------


@pytest.fixture
def fold_at_5(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal, "FOLD_ROWS", 5)


@pytest.mark.usefixtures("fold_at_5")
async def test_appends_wait_in_the_journal_until_enough_to_fold(
    store: SQLiteStore, db_path: Path
) -> None:
    await store.create_offer(make_offer(), b"")
    await store.create_offer(make_offer("o2"), b"")
    assert await store.append_updates([("o1", b"a1"), ("o2", b"b1")]) == [1, 1]
    assert await store.append_updates([("o1", b"a2"), ("o2", b"b2")]) == [2, 2]
    assert (count(db_path, "doc_journal"), count(db_path, "doc_updates")) == (4, 0)

    assert await store.append_updates([("o2", b"b3")]) == [3]  # the fifth row: all move
    assert (count(db_path, "doc_journal"), count(db_path, "doc_updates")) == (0, 5)
    with raw(db_path) as conn:
        assert conn.execute("SELECT offer_id, seq, data FROM doc_updates ORDER BY rowid").fetchall(
        ) == [("o1", 1, b"a1"), ("o1", 2, b"a2"), ("o2", 1, b"b1"), ("o2", 2, b"b2"),
              ("o2", 3, b"b3")]
    assert await append(store, "o1", b"a3") == 3


async def test_reading_the_log_folds_the_journal_first(store: SQLiteStore, db_path: Path) -> None:
    await store.create_offer(make_offer(), b"seed")
    for i in range(1, 4):
        await append(store, "o1", f"u{i}".encode())
    assert count(db_path, "doc_journal") == 3

    assert await store.load_doc("o1") == DocState(b"seed", [b"u1", b"u2", b"u3"], 3)
    assert (count(db_path, "doc_journal"), count(db_path, "doc_updates")) == (0, 3)
    await append(store, "o1", b"u4")
    assert await store.update_count("o1") == 4
    await append(store, "o1", b"u5")
    await store.compact("o1", b"snap5", 5)  # needs the journaled u5 to know seq 5 exists
    assert await store.load_doc("o1") == DocState(b"snap5", [], 5)
    assert count(db_path, "doc_journal") + count(db_path, "doc_updates") == 0


async def test_what_a_crash_left_in_the_journal_is_folded_at_open(db_path: Path) -> None:
    async with SQLiteStore(db_path) as first:
        await first.create_offer(make_offer(), b"seed")
        await first.create_offer(make_offer("gone"), b"")
        await append(first, "o1", b"u1")
    with raw(db_path) as conn:  # as a killed process leaves them: committed, never folded
        conn.executemany(
            "INSERT INTO doc_journal (offer_id, seq, data) VALUES (?, ?, ?)",
            [("o1", 2, b"u2"), ("gone", 1, b"x"), ("o1", 3, b"u3")],
        )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM offers WHERE id = 'gone'")  # its rows have nowhere to go

    async with SQLiteStore(db_path) as second:
        assert count(db_path, "doc_journal") == 0
        assert await second.load_doc("o1") == DocState(b"seed", [b"u1", b"u2", b"u3"], 3)
        assert await append(second, "o1", b"u4") == 4
    assert count(db_path, "doc_journal") == 0  # close folds too: the file at rest has one log
    assert count(db_path, "doc_updates") == 4


@pytest.mark.usefixtures("fold_at_5")
async def test_a_fold_that_fails_fails_its_batch_and_gives_the_seqs_back(
    store: SQLiteStore, db_path: Path
) -> None:
    await store.create_offer(make_offer(), b"")
    await store.append_updates([("o1", b"ok")] * 4)
    with raw(db_path) as conn:
        conn.execute(
            "CREATE TRIGGER no_bad BEFORE INSERT ON doc_updates WHEN NEW.data = X'FF' "
            "BEGIN SELECT RAISE(ABORT, 'bad update'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="bad update"):
        await store.append_updates([("o1", b"\xff")])  # the fifth row folds, and the fold fails
    assert count(db_path, "doc_journal") == 4  # the earlier rows wait, the batch left nothing

    with raw(db_path) as conn:
        conn.execute("DROP TRIGGER no_bad")
    assert await store.append_updates([("o1", b"\xff")]) == [5]  # the same seq, no gap
    assert (await store.load_doc("o1")).updates == [b"ok"] * 4 + [b"\xff"]


async def test_a_process_folding_the_shared_journal_moves_another_ones_rows(
    db_path: Path,
) -> None:
    """The workers of a node share the file; each appends only the offers it owns."""
    async with SQLiteStore(db_path) as one, SQLiteStore(db_path) as two:
        await one.create_offer(make_offer(), b"")
        await two.create_offer(make_offer("o2"), b"")
        for i in range(1, 4):
            await append(one, "o1", f"u{i}".encode())
        await append(two, "o2", b"v1")
        assert await two.load_doc("o2") == DocState(b"", [b"v1"], 1)  # folds one's rows too
        assert count(db_path, "doc_journal") == 0
        assert await append(one, "o1", b"u4") == 4
        assert (await one.load_doc("o1")).updates == [b"u1", b"u2", b"u3", b"u4"]


# --- kill -9 --------------------------------------------------------------------------------

CHILD = """
import asyncio, sys
from pathlib import Path
from typing import Any
from server.store.sqlite import SQLiteStore, journal

async def main() -> None:
    store = SQLiteStore(Path(sys.argv[1]))
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


async def test_every_acknowledged_append_survives_kill_9(db_path: Path) -> None:
    async with SQLiteStore(db_path) as store:
        await store.create_offer(make_offer(), b"seed")

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(db_path), stdout=asyncio.subprocess.PIPE, env=env
    )
    assert child.stdout is not None
    printed: list[bytes] = []
    async with asyncio.timeout(60):
        while len(printed) < 500:
            line = await child.stdout.readline()
            assert line, "child exited early"
            printed.append(line)
        os.kill(child.pid, signal.SIGKILL)
        # Lines still in the pipe were acknowledged before the kill too; a torn last one was not.
        printed += (await child.stdout.read()).split(b"\n")[:-1]
        assert await child.wait() == -signal.SIGKILL

    assert count(db_path, "doc_journal") > 0  # what the kill left there, for the open to fold
    async with SQLiteStore(db_path) as reopened:
        state = await reopened.load_doc("o1")
    stored = dict(enumerate(state.updates, start=1))  # no compaction ran: seqs are 1..n
    acked = {int(seq): data for seq, data in (line.split() for line in printed if line.strip())}
    assert len(acked) >= 500
    assert {seq: stored.get(seq) for seq in acked} == acked
    assert state.last_seq == len(state.updates) >= max(acked)
