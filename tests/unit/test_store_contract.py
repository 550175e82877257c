"""The Store contract, run against every implementation: SQLite (a file in tmp_path) and
PostgreSQL (a fresh schema in a database of this module's own; see tests/support/postgres.py).

Everything here goes through the protocol only, so a second store must behave exactly like the
first: records round-trip, seqs, conflicts, batches of appends, the outbox, metrics, races between
concurrent calls, and a close/reopen. Implementation details (file sabotage, two nodes, an
unreachable server) live in test_store_sqlite.py, test_store_negotiation.py and
test_store_postgres.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest
from pycrdt import Doc, Map, Text

from server.auth import Revocation
from server.explain.flags import Flag
from server.offers.terms import Party, Terms
from server.store.base import (
    DIGEST_ITEMS_MAX,
    REVOCATIONS_PER_OFFER,
    SYSTEM_ID_PREFIX,
    THREAD_PAGE_MAX,
    CommandRecord,
    Conflict,
    Decision,
    Digest,
    DocState,
    EventRecord,
    Expect,
    Explanation,
    MessageChange,
    MessageNotFound,
    MessageRecord,
    NewEvent,
    NewMessage,
    NotificationItem,
    NotYours,
    OfferExists,
    OfferNotFound,
    Reminder,
    Store,
    StoreClosed,
    TooLate,
    VersionRecord,
    Write,
    content_hash,
)
from server.store.postgres import PostgresStore
from server.store.sqlite import SQLiteStore
from tests.support import postgres as pgtest
from tests.support.store_records import (
    ACCEPT,
    CONFLICTS,
    RAISED,
    T0,
    TERMS,
    WITHDRAW,
    Clock,
    append,
    append_batch,
    command,
    make_offer,
    note,
    proposal,
    propose,
    say,
    version,
)


@dataclass
class Backend:
    kind: str
    #: A new, unopened store on the same file or schema (so a second one is a "reopen").
    make: Callable[[Clock], Store]
    #: What a violated constraint raises: the driver's own error, as with every other DB error.
    integrity_error: type[Exception]


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    url = pgtest.create_database("contract")
    yield url
    pgtest.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        path = tmp_path / "offers.db"
        return Backend(
            "sqlite", lambda clock: SQLiteStore(path, clock=clock), sqlite3.IntegrityError
        )
    url = pgtest.with_schema(request.getfixturevalue("pg_database"))
    return Backend(
        "postgres", lambda clock: PostgresStore(url, clock=clock), psycopg.errors.IntegrityError
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(backend: Backend, clock: Clock) -> AsyncIterator[Store]:
    opened = backend.make(clock)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def o1(store: Store) -> Store:
    """The store with offer o1 created."""
    await store.create_offer(make_offer(), b"seed")
    return store


def commits(store: Store) -> int:
    assert isinstance(store, SQLiteStore | PostgresStore)
    return store.commits


async def state(store: Store, offer_id: str = "o1") -> tuple[object, ...]:
    """Everything the protocol can read about an offer: to prove a refused write wrote nothing."""
    return (
        await store.get_offer(offer_id),
        await store.list_versions(offer_id),
        await store.list_events(offer_id),
        await store.list_proposals(offer_id),
        [await store.get_command(offer_id, c) for c in ("cmd-1", "cmd-2", "c")],
        await store.load_doc(offer_id),
        await store.revocations(offer_id),
        await store.list_messages(offer_id, limit=THREAD_PAGE_MAX),
        [await store.read_state(offer_id, user) for user in ("c1", "f1")],
    )


async def queue(store: Store, n: int) -> list[EventRecord]:
    write = Write(events=[NewEvent(f"e{i}", payload={"i": i}) for i in range(n)])
    return await store.commit("o1", Expect(version=1), write, outbox=True)


# --- lifecycle --------------------------------------------------------------------------------


def every_call(store: Store) -> list[Any]:
    """One coroutine per protocol method (besides open/close)."""
    explanation = Explanation("t", "offline", None, "v1", "h", True)
    return [
        store.ping(),
        store.create_offer(make_offer("o2"), b""),
        store.get_offer("o1"),
        store.append_updates([("o1", b"u")]),
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
        store.add_revocation(Revocation("o1", at_ms=1)),
        store.revocations("o1"),
        store.add_message("o1", say("m1")),
        store.change_message("o1", MessageChange("m1", "c1", delete=True)),
        store.get_message("o1", "m1"),
        store.list_messages("o1"),
        store.open_questions("o1"),
        store.mark_read("o1", "c1", 1),
        store.read_state("o1", "c1"),
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
    ]


async def test_every_method_raises_store_closed_before_open_and_after_close(
    backend: Backend, clock: Clock
) -> None:
    fresh = backend.make(clock)
    for call in every_call(fresh):
        with pytest.raises(StoreClosed):
            await call
    await fresh.open()
    await fresh.open()  # idempotent
    assert await fresh.ping()
    await fresh.create_offer(make_offer(), b"")
    await fresh.close()
    await fresh.close()  # idempotent
    for call in every_call(fresh):
        with pytest.raises(StoreClosed):
            await call
    with pytest.raises(StoreClosed):
        await fresh.open()


async def test_reopen_keeps_everything_and_seqs_continue(backend: Backend, clock: Clock) -> None:
    first = backend.make(clock)
    await first.open()
    await first.create_offer(make_offer(), b"seed")
    for i in range(5):
        await append(first, "o1", f"u{i}".encode())
    await first.compact("o1", b"snap5", 5)  # the log is now empty: seq 5 lives on in upto_seq
    await first.append_event("o1", "viewed", actor="f1")
    await propose(first, outbox=True)
    (leased,) = await first.claim_webhooks(T0, 10, lease_seconds=60)
    await first.webhook_failed(leased.id, T0 + timedelta(seconds=10), "timeout")
    await first.add_revocation(Revocation("o1", at_ms=5, jti="j1"))
    before = await state(first)
    await first.close()

    second = backend.make(clock)
    await second.open()
    try:
        assert await state(second) == before
        assert await second.load_doc("o1") == DocState(b"snap5", [], 5)
        assert await append(second, "o1", b"u5") == 6
        assert (await second.append_event("o1", "viewed")).seq == 4
        (retried,) = await second.claim_webhooks(T0 + timedelta(seconds=10), 10, 60)
        assert (retried.id, retried.attempts) == (leased.id, 1)
        assert await second.get_command("o1", "cmd-1") == command("cmd-1")
    finally:
        await second.close()


async def test_close_commits_appends_in_progress(backend: Backend, clock: Clock) -> None:
    first = backend.make(clock)
    await first.open()
    await first.create_offer(make_offer(), b"")
    tasks = [asyncio.create_task(append(first, "o1", f"u{i}".encode())) for i in range(50)]
    await asyncio.sleep(0)  # every task has started its append, none has committed yet
    await first.close()
    assert sorted(await asyncio.gather(*tasks)) == list(range(1, 51))
    second = backend.make(clock)
    await second.open()
    try:
        state_ = await second.load_doc("o1")
        assert state_.last_seq == 50 and len(state_.updates) == 50
    finally:
        await second.close()


# --- offers, versions, events ---------------------------------------------------------------


async def test_create_offer_round_trips_offer_version_snapshot_and_event(store: Store) -> None:
    offer = make_offer()
    await store.create_offer(offer, b"seed-state")
    assert await store.get_offer("o1") == offer
    assert await store.get_offer("nope") is None
    first = VersionRecord(
        offer_id="o1", number=1, terms=TERMS, created_at=T0, content_hash=content_hash(TERMS)
    )
    assert await store.list_versions("o1") == [first]
    assert await store.get_version("o1", 1) == first
    assert await store.get_version("o1", 2) is None
    assert await store.list_versions("nope") == []
    assert await store.load_doc("o1") == DocState(snapshot=b"seed-state", updates=[], last_seq=0)
    assert await store.update_count("o1") == 0
    assert await store.list_events("o1") == [
        EventRecord(offer_id="o1", seq=1, kind="created", at=T0,
                    payload={"version": 1, "variant": "default"})
    ]


async def test_times_come_back_as_the_same_instant_in_utc(store: Store) -> None:
    naive = datetime(2026, 5, 1, 12, 30)  # taken to be UTC
    plus_two = datetime(2026, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    await store.create_offer(make_offer(created_at=naive, expires_at=plus_two), b"")
    offer = await store.get_offer("o1")
    assert offer is not None
    assert offer.created_at == offer.expires_at == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    assert offer.created_at.utcoffset() == offer.expires_at.utcoffset() == timedelta(0)
    assert await store.due_for_expiry(datetime(2026, 5, 1, 12, 30)) == ["o1"]
    assert await store.due_for_expiry(datetime(2026, 5, 1, 12, 29, 59, 999999, tzinfo=UTC)) == []


async def test_create_offer_rejects_a_version_other_than_1(store: Store) -> None:
    with pytest.raises(ValueError, match="version 1"):
        await store.create_offer(msgspec.structs.replace(make_offer(), version=2), b"")
    assert await store.get_offer("o1") is None


async def test_duplicate_id_raises_offer_exists_and_changes_nothing(o1: Store) -> None:
    before = await state(o1)
    other = make_offer(terms=Terms(title="Other", contract_type="hourly", currency="EUR"))
    with pytest.raises(OfferExists):
        await o1.create_offer(other, b"other")
    assert await state(o1) == before


async def test_concurrent_creates_of_one_id_exactly_one_wins(store: Store) -> None:
    outcomes = await asyncio.gather(
        *(store.create_offer(make_offer(), f"seed{i}".encode()) for i in range(8)),
        return_exceptions=True,
    )
    assert sum(o is None for o in outcomes) == 1
    assert all(isinstance(o, OfferExists) for o in outcomes if o is not None)
    assert len(await store.list_events("o1")) == 1
    assert len(await store.list_versions("o1")) == 1


async def test_events_get_per_offer_seqs_and_round_trip(o1: Store) -> None:
    await o1.create_offer(make_offer("b"), b"")
    payload = {"fields": ["fixed_price"], "n": 2**53, "f": 0.1, "none": None, "s": '💸 "q"'}
    proposed = await o1.append_event("o1", "proposed", actor="c1", payload=payload)
    declined = await o1.append_event("o1", "declined", actor="f1", reason="too low")
    other = await o1.append_event("b", "viewed")
    assert (proposed.seq, declined.seq, other.seq) == (2, 3, 2)
    assert proposed.at == T0 and proposed.at.tzinfo is not None
    events = await o1.list_events("o1")
    assert [e.kind for e in events] == ["created", "proposed", "declined"]
    assert events[1:] == [proposed, declined]
    assert events[1].payload == payload
    assert declined.payload == {} and declined.reason == "too low"
    with pytest.raises(OfferNotFound):
        await o1.append_event("nope", "viewed")
    assert await o1.list_events("nope") == []


async def test_concurrent_events_get_unique_consecutive_seqs(o1: Store) -> None:
    events = await asyncio.gather(*(o1.append_event("o1", f"k{i}") for i in range(40)))
    assert sorted(e.seq for e in events) == list(range(2, 42))
    assert [e.seq for e in await o1.list_events("o1")] == list(range(1, 42))


# --- the CRDT log -----------------------------------------------------------------------------


async def test_appends_get_increasing_seqs_per_offer(store: Store) -> None:
    await store.create_offer(make_offer("a"), b"A")
    await store.create_offer(make_offer("b"), b"B")
    seqs = [await append(store, o, f"{o}{i}".encode()) for i in range(3) for o in "ab"]
    assert seqs == [1, 1, 2, 2, 3, 3]
    assert await store.load_doc("a") == DocState(b"A", [b"a0", b"a1", b"a2"], last_seq=3)
    assert await store.update_count("b") == 3
    assert await store.load_doc("nope") == DocState(snapshot=None, updates=[], last_seq=0)
    assert await store.update_count("nope") == 0


async def test_updates_are_stored_byte_for_byte(o1: Store) -> None:
    blobs = [bytes(range(256)), b"", b"\x00" * 1000, bytes(range(255, -1, -1)) * 64]
    for blob in blobs:
        await append(o1, "o1", blob)
    assert (await o1.load_doc("o1")).updates == blobs
    await o1.compact("o1", bytes(range(256)) * 4, 2)
    state_ = await o1.load_doc("o1")
    assert state_ == DocState(bytes(range(256)) * 4, blobs[2:], last_seq=4)


async def test_unknown_offer_fails_only_its_own_append(o1: Store) -> None:
    results = await asyncio.gather(
        append(o1, "o1", b"x"),
        append(o1, "nope", b"y"),
        append(o1, "o1", b"z"),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[2] == 2
    assert isinstance(results[1], OfferNotFound)


async def test_a_batch_of_appends_is_one_commit_and_fails_only_unknown_offers(
    store: Store,
) -> None:
    await store.create_offer(make_offer("a"), b"")
    await store.create_offer(make_offer("b"), b"")
    before = commits(store)
    outcomes = await store.append_updates([("a", b"a1"), ("nope", b"n"), ("b", b"b1"),
                                           ("a", b"a2")])
    assert commits(store) - before == 1
    assert outcomes[0] == 1 and outcomes[2] == 1 and outcomes[3] == 2
    assert isinstance(outcomes[1], OfferNotFound)
    assert (await store.load_doc("a")).updates == [b"a1", b"a2"]
    assert await append(store, "b", b"b2") == 2  # the next batch continues the seqs
    assert await store.append_updates([]) == []


async def test_a_large_batch_is_one_commit_in_order(store: Store) -> None:
    await store.create_offer(make_offer("a"), b"")
    await store.create_offer(make_offer("b"), b"")
    before = commits(store)
    payloads = [(("a", "b")[i % 2], f"u{i}".encode()) for i in range(500)]
    seqs = await append_batch(store, payloads)
    assert commits(store) - before == 1
    for offer_id in "ab":
        mine = [(s, d) for (o, d), s in zip(payloads, seqs, strict=True) if o == offer_id]
        # Batch order is seq order.
        assert [s for s, _ in mine] == list(range(1, 251))
        state_ = await store.load_doc(offer_id)
        assert state_.updates == [d for _, d in mine]
        assert state_.last_seq == 250


async def test_compaction_replaces_snapshot_and_drops_covered_log(o1: Store) -> None:
    for i in range(1, 11):
        await append(o1, "o1", f"u{i}".encode())
    await o1.compact("o1", b"snap6", 6)
    assert await o1.load_doc("o1") == DocState(
        b"snap6", [f"u{i}".encode() for i in range(7, 11)], 10
    )
    assert await o1.update_count("o1") == 4
    await o1.compact("o1", b"stale", 3)  # older than the stored snapshot: ignored
    assert (await o1.load_doc("o1")).snapshot == b"snap6"
    await o1.compact("o1", b"again6", 6)  # as new as the stored one: replaces it
    assert (await o1.load_doc("o1")).snapshot == b"again6"
    with pytest.raises(ValueError, match="last seq is 10"):
        await o1.compact("o1", b"future", 11)
    with pytest.raises(OfferNotFound):
        await o1.compact("nope", b"s", 0)
    await o1.compact("o1", b"snap10", 10)
    assert await o1.load_doc("o1") == DocState(b"snap10", [], last_seq=10)
    assert await o1.update_count("o1") == 0
    assert await append(o1, "o1", b"u11") == 11


@pytest.mark.parametrize("newest_first", [True, False])
async def test_concurrent_compactions_keep_the_newest_snapshot(
    o1: Store, newest_first: bool
) -> None:
    for i in range(1, 11):
        await append(o1, "o1", f"u{i}".encode())
    plans = [(b"snap8", 8), (b"snap4", 4)]
    await asyncio.gather(
        *(o1.compact("o1", s, n) for s, n in (plans if newest_first else plans[::-1]))
    )
    assert await o1.load_doc("o1") == DocState(b"snap8", [b"u9", b"u10"], last_seq=10)


async def test_compaction_racing_appends_loses_no_update(o1: Store) -> None:
    for i in range(1, 21):
        await append(o1, "o1", f"u{i}".encode())

    async def appends() -> list[int]:
        # One batch after another, as the Flusher writes an offer: never two at once.
        return [await append(o1, "o1", f"u{i}".encode()) for i in range(21, 61)]

    compaction = asyncio.create_task(o1.compact("o1", b"snap15", 15))
    seqs = await appends()
    await compaction
    assert seqs == list(range(21, 61))
    state_ = await o1.load_doc("o1")
    assert state_ == DocState(b"snap15", [f"u{i}".encode() for i in range(16, 61)], 60)


async def test_load_doc_rebuilds_the_same_pycrdt_doc(store: Store) -> None:
    alice: Doc[Any] = Doc()
    bob: Doc[Any] = Doc()
    terms = alice.get("terms", type=Map)
    for key, value in (("title", "Landing page"), ("currency", "USD"), ("fixed_price", 1500)):
        terms[key] = value
    alice.get("description", type=Text).insert(0, "Design and build.")
    await store.create_offer(make_offer(), alice.get_update())
    bob.apply_update(alice.get_update())

    async def edit(doc: Doc[Any], key: str, value: object, text: str) -> bytes:
        before = doc.get_state()
        doc.get("terms", type=Map)[key] = value
        doc.get("description", type=Text).insert(0, text)
        update: bytes = doc.get_update(before)
        await append(store, "o1", update)
        return update

    for round_ in range(20):
        a = await edit(alice, "fixed_price", 1500 + round_, "a")
        b = await edit(bob, "title", f"Page {round_}", "b")
        bob.apply_update(a)
        alice.apply_update(b)
        if round_ == 9:
            loaded = await store.load_doc("o1")
            await store.compact("o1", alice.get_update(), loaded.last_seq)

    loaded = await store.load_doc("o1")
    assert len(loaded.updates) == 20 and loaded.last_seq == 40
    rebuilt: Doc[Any] = Doc()
    assert loaded.snapshot is not None
    rebuilt.apply_update(loaded.snapshot)
    for update in loaded.updates:
        rebuilt.apply_update(update)
    for root, kind in (("terms", Map), ("description", Text)):
        expected = alice.get(root, type=kind).to_py()
        assert bob.get(root, type=kind).to_py() == expected
        assert rebuilt.get(root, type=kind).to_py() == expected


# --- negotiation: commit --------------------------------------------------------------------


async def test_propose_writes_proposal_event_and_command(o1: Store) -> None:
    events = await propose(o1)
    assert [(e.seq, e.kind, e.actor, e.at) for e in events] == [(2, "proposed", "f1", T0)]
    assert events == (await o1.list_events("o1"))[1:]
    stored = await o1.get_proposal("p1")
    assert stored == proposal()
    assert await o1.pending_proposal("o1") == stored
    assert await o1.list_proposals("o1") == [stored]
    assert await o1.get_command("o1", "cmd-1") == command("cmd-1")
    assert await o1.get_command("o1", "other") is None
    assert await o1.get_command("o2", "cmd-1") is None
    assert await o1.get_proposal("nope") is None
    assert await o1.pending_proposal("o2") is None
    assert await o1.list_proposals("o2") == []


async def test_accept_with_a_version_updates_offer_terms_and_decides(
    o1: Store, clock: Clock
) -> None:
    await propose(o1)
    decided_at = clock.advance(minutes=5)
    events = await o1.commit("o1", Expect(version=1, pending="p1"), ACCEPT)
    assert [(e.seq, e.kind, e.at) for e in events] == [(3, "proposal_accepted", decided_at)]
    offer = await o1.get_offer("o1")
    assert offer is not None
    assert (offer.version, offer.terms, offer.status) == (2, RAISED, "open")
    assert await o1.get_version("o1", 2) == msgspec.structs.replace(
        version(), content_hash=content_hash(RAISED)
    )
    assert [v.number for v in await o1.list_versions("o1")] == [1, 2]
    decided = await o1.get_proposal("p1")
    assert decided is not None
    assert (decided.status, decided.decided_at, decided.decided_by) == (
        "accepted",
        decided_at,
        "c1",
    )
    assert await o1.pending_proposal("o1") is None
    agreed = Write(events=[NewEvent("offer_accepted", actor="f1")], status="agreed")
    await o1.commit("o1", Expect(version=2), agreed)
    offer = await o1.get_offer("o1")
    assert offer is not None and offer.status == "agreed"
    with pytest.raises(Conflict):
        await o1.commit("o1", Expect(version=2), agreed)  # no longer open


async def test_decide_and_propose_again_in_one_commit(o1: Store) -> None:
    await propose(o1)
    counter = Write(
        events=[NewEvent("proposal_rejected"), NewEvent("proposed")],
        decision=Decision("p1", "rejected", decided_by="c1", reason="too much"),
        proposal=proposal("p2", by="c1", at=T0 + timedelta(minutes=1)),
    )
    events = await o1.commit("o1", Expect(version=1, pending="p1"), counter)
    assert [e.seq for e in events] == [3, 4]
    listed = await o1.list_proposals("o1")
    assert [(p.id, p.status, p.reason) for p in listed] == [
        ("p1", "rejected", "too much"),
        ("p2", "pending", None),
    ]


async def test_a_commit_of_events_only_and_an_unknown_offer(o1: Store) -> None:
    events = await o1.commit("o1", Expect(version=1), Write(events=[NewEvent("viewed")]))
    assert [e.seq for e in events] == [2]
    assert await o1.commit("o1", Expect(version=1), Write(events=[])) == []
    with pytest.raises(OfferNotFound):
        await o1.commit("nope", Expect(version=1), Write(events=[NewEvent("viewed")]))


@pytest.mark.parametrize("case", CONFLICTS)
async def test_conflict_writes_nothing_and_reports_current_state(o1: Store, case: str) -> None:
    # p0 proposed then withdrawn (a decided proposal), then p1 pending.
    p0 = Write(events=[NewEvent("proposed")], proposal=proposal("p0", at=T0 - timedelta(hours=1)))
    await o1.commit("o1", Expect(version=1), p0)
    drop = Write(events=[NewEvent("w")], decision=Decision("p0", "withdrawn", "f1"))
    await o1.commit("o1", Expect(version=1, pending="p0"), drop)
    await propose(o1)
    before = await state(o1)
    expect, write = CONFLICTS[case]
    with pytest.raises(Conflict) as caught:
        await o1.commit("o1", expect, write, outbox=True)
    assert caught.value.pending == "p1"
    assert caught.value.offer == await o1.get_offer("o1")
    assert await state(o1) == before


async def test_decision_when_nothing_is_pending_is_a_conflict(o1: Store) -> None:
    with pytest.raises(Conflict) as caught:
        await o1.commit("o1", Expect(version=1), WITHDRAW)
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
async def test_impossible_writes_raise_value_error(o1: Store, write: Write) -> None:
    before = await state(o1)
    with pytest.raises(ValueError):
        await o1.commit("o1", Expect(version=1), write)
    assert await state(o1) == before


async def test_a_second_proposal_while_one_is_pending_is_refused(o1: Store) -> None:
    await propose(o1)
    before = await state(o1)
    again = Write(events=[NewEvent("proposed")], proposal=proposal("p2"))
    with pytest.raises(ValueError, match="pending"):
        await o1.commit("o1", Expect(version=1, pending="p1"), again)
    assert await state(o1) == before


async def test_a_failure_half_way_rolls_back_the_whole_commit(o1: Store, backend: Backend) -> None:
    await propose(o1)
    before = await state(o1)
    # The decision is applied first; inserting a proposal with a taken id then fails.
    broken = Write(
        events=[NewEvent("proposal_rejected")],
        decision=Decision("p1", "rejected", decided_by="c1"),
        proposal=proposal("p1"),
        command=command("cmd-2"),
    )
    with pytest.raises(backend.integrity_error):
        await o1.commit("o1", Expect(version=1, pending="p1"), broken, outbox=True)
    assert await state(o1) == before
    assert await o1.pending_proposal("o1") == proposal()


async def test_accept_racing_withdraw_exactly_one_wins(o1: Store) -> None:
    await propose(o1)
    expect = Expect(version=1, pending="p1")
    outcomes = await asyncio.gather(
        o1.commit("o1", expect, ACCEPT), o1.commit("o1", expect, WITHDRAW), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "list"]
    accepted = isinstance(outcomes[0], list)
    won = await o1.get_proposal("p1")
    offer = await o1.get_offer("o1")
    assert won is not None and offer is not None
    assert won.status == ("accepted" if accepted else "withdrawn")
    assert offer.version == (2 if accepted else 1)
    lost = outcomes[1] if accepted else outcomes[0]
    assert isinstance(lost, Conflict)
    assert lost.offer == offer and lost.pending is None
    kinds = [e.kind for e in await o1.list_events("o1")]
    assert kinds.count("proposal_accepted") + kinds.count("proposal_withdrawn") == 1


async def test_many_racing_commits_with_one_expect_exactly_one_wins(o1: Store) -> None:
    writes = [
        Write(events=[NewEvent("proposed", actor=f"u{i}")], proposal=proposal(f"p{i}"))
        for i in range(12)
    ]
    outcomes = await asyncio.gather(
        *(o1.commit("o1", Expect(version=1), w) for w in writes), return_exceptions=True
    )
    winners = [i for i, o in enumerate(outcomes) if isinstance(o, list)]
    assert len(winners) == 1
    assert all(isinstance(o, Conflict) for i, o in enumerate(outcomes) if i != winners[0])
    assert [p.id for p in await o1.list_proposals("o1")] == [f"p{winners[0]}"]
    assert len(await o1.list_events("o1")) == 2


async def test_command_record_round_trips(o1: Store) -> None:
    record = CommandRecord(
        offer_id="o1",
        command_id="0f6c",
        actor="c1",
        kind="accept",
        result={"version": 2, "events": [2, 3], "nested": {"ok": True}, "none": None, "f": 1.5},
        at=datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC),
    )
    await o1.commit("o1", Expect(version=1), Write(events=[], command=record))
    assert await o1.get_command("o1", "0f6c") == record


# --- proposals: reads, explanation, rate-limit times, expiry --------------------------------


async def test_proposal_times_filter_by_user_and_since(o1: Store) -> None:
    plan = [("p1", "f1", 0), ("p2", "c1", 10), ("p3", "f1", 20), ("p4", "f1", 70)]
    pending: str | None = None
    for pid, by, minutes in plan:
        write = Write(
            events=[NewEvent("proposed")],
            proposal=proposal(pid, by=by, at=T0 + timedelta(minutes=minutes)),
            decision=Decision(pending, "withdrawn", by) if pending else None,
        )
        await o1.commit("o1", Expect(version=1, pending=pending), write)
        pending = pid
    since = T0 + timedelta(minutes=20)  # inclusive
    assert await o1.proposal_times("o1", "f1", since) == [
        T0 + timedelta(minutes=20),
        T0 + timedelta(minutes=70),
    ]
    assert await o1.proposal_times("o1", "f1", T0) == [
        T0 + timedelta(minutes=m) for m in (0, 20, 70)
    ]
    assert await o1.proposal_times("o1", "c1", since) == []
    assert await o1.proposal_times("o2", "f1", T0) == []
    assert [p.id for p in await o1.list_proposals("o1")] == ["p1", "p2", "p3", "p4"]


async def test_proposals_created_at_one_instant_list_in_insertion_order(o1: Store) -> None:
    pending: str | None = None
    for pid in ("pz", "pa", "pm"):
        write = Write(
            events=[],
            proposal=proposal(pid),
            decision=Decision(pending, "closed", None) if pending else None,
        )
        await o1.commit("o1", Expect(version=1, pending=pending), write)
        pending = pid
    assert [p.id for p in await o1.list_proposals("o1")] == ["pz", "pa", "pm"]


async def test_save_explanation_round_trips_on_the_proposal(o1: Store) -> None:
    await propose(o1)
    explanation = Explanation(
        text="The price rises by $300 — ünïcode.",
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
    await o1.save_explanation("p1", explanation)
    stored = await o1.get_proposal("p1")
    assert stored is not None and stored.explanation == explanation
    replaced = msgspec.structs.replace(explanation, text="Again.", flags=[])
    await o1.save_explanation("p1", replaced)
    pending = await o1.pending_proposal("o1")
    assert pending is not None and pending.explanation == replaced
    with pytest.raises(LookupError):
        await o1.save_explanation("nope", explanation)


async def test_due_for_expiry_lists_open_offers_past_expiry_oldest_first(o1: Store) -> None:
    # o1 expires at T0 + 30 days.
    for oid, days, status in [
        ("a", 3, "open"),
        ("b", 1, "open"),
        ("c", 2, "agreed"),
        ("d", 5, "open"),
        ("e", 2, "open"),
        ("E", 2, "open"),  # ties break by id, byte order: "E" < "e"
    ]:
        offer = make_offer(oid, expires_at=T0 + timedelta(days=days), status=status)
        await o1.create_offer(offer, b"")
    now = T0 + timedelta(days=3)  # inclusive: "a" expires exactly now
    assert await o1.due_for_expiry(now) == ["b", "E", "e", "a"]
    assert await o1.due_for_expiry(now, limit=2) == ["b", "E"]
    assert await o1.due_for_expiry(T0) == []
    assert await o1.due_for_expiry(T0 + timedelta(days=31)) == ["b", "E", "e", "a", "d", "o1"]


# --- token revocations ----------------------------------------------------------------------

#: T0 in ms since the epoch: the store's clock when a collapse happens in these tests.
T0_MS = int(T0.timestamp() * 1000)


async def test_revocations_round_trip_in_the_order_they_were_added(o1: Store) -> None:
    await o1.create_offer(make_offer("o2"), b"")
    rules = [
        Revocation("o1", at_ms=T0_MS + 5, jti="tok-b"),
        Revocation("o1", at_ms=T0_MS - 5, user="f1"),  # older at_ms, added later: listed later
        Revocation("o1", at_ms=T0_MS),
        Revocation("o1", at_ms=T0_MS + 1, jti="tok-a", user="c1"),
    ]
    for rule in rules:
        await o1.add_revocation(rule)
    await o1.add_revocation(Revocation("o2", at_ms=1, jti="tok-b"))  # same jti, another offer
    assert await o1.revocations("o1") == rules
    assert await o1.revocations("o2") == [Revocation("o2", at_ms=1, jti="tok-b")]
    assert await o1.revocations("nope") == []


async def test_a_revocation_for_an_unknown_offer_raises_and_writes_nothing(o1: Store) -> None:
    with pytest.raises(OfferNotFound):
        await o1.add_revocation(Revocation("nope", at_ms=1, jti="j"))
    assert await o1.revocations("nope") == []
    await o1.create_offer(make_offer("nope"), b"")  # the rule did not linger, waiting for it
    assert await o1.revocations("nope") == []


async def test_a_repeated_revocation_is_kept_once(o1: Store) -> None:
    once = [
        Revocation("o1", at_ms=10, jti="j1"),
        Revocation("o1", at_ms=20, user="f1"),
        Revocation("o1", at_ms=30),
    ]
    for rule in once:
        await o1.add_revocation(rule)
    # Retries: the same token (whatever its at_ms says), the same user and time, all at a time.
    for rule in [Revocation("o1", at_ms=99, jti="j1"), *once]:
        await o1.add_revocation(rule)
    assert await o1.revocations("o1") == once
    # Not duplicates: another user, another time, another token.
    more = [
        Revocation("o1", at_ms=20, user="c1"),
        Revocation("o1", at_ms=21, user="f1"),
        Revocation("o1", at_ms=31),
        Revocation("o1", at_ms=10, jti="j2"),
    ]
    for rule in more:
        await o1.add_revocation(rule)
    assert await o1.revocations("o1") == once + more


async def test_past_the_bound_the_rules_collapse_into_one_all_tokens_rule(o1: Store) -> None:
    await o1.create_offer(make_offer("o2"), b"")
    await o1.add_revocation(Revocation("o2", at_ms=7, jti="other"))
    later = T0_MS + 60_000  # one rule revokes up to a minute past the store's now
    rules = [Revocation("o1", at_ms=T0_MS - i, jti=f"j{i}") for i in range(REVOCATIONS_PER_OFFER)]
    rules[3] = Revocation("o1", at_ms=later, user="f1")
    for rule in rules:
        await o1.add_revocation(rule)
    assert await o1.revocations("o1") == rules  # up to the bound, every rule is kept as given

    await o1.add_revocation(Revocation("o1", at_ms=T0_MS - 1000, jti="one-too-many"))
    # Every token any rule revoked was minted by `later` (or by now): one rule covers them all.
    assert await o1.revocations("o1") == [Revocation("o1", at_ms=later)]
    assert await o1.revocations("o2") == [Revocation("o2", at_ms=7, jti="other")]

    # Then rules accumulate again, the collapsed one first; the next collapse keeps its reach.
    for i in range(REVOCATIONS_PER_OFFER - 1):
        await o1.add_revocation(Revocation("o1", at_ms=i, jti=f"k{i}"))
    kept = await o1.revocations("o1")
    assert len(kept) == REVOCATIONS_PER_OFFER and kept[0] == Revocation("o1", at_ms=later)
    await o1.add_revocation(Revocation("o1", at_ms=0, user="c1"))
    assert await o1.revocations("o1") == [Revocation("o1", at_ms=later)]


async def test_a_collapse_revokes_up_to_now_when_every_rule_is_older(
    o1: Store, clock: Clock
) -> None:
    for i in range(REVOCATIONS_PER_OFFER):
        await o1.add_revocation(Revocation("o1", at_ms=i, jti=f"j{i}"))
    now = clock.advance(days=2)
    await o1.add_revocation(Revocation("o1", at_ms=0, jti="late"))
    assert await o1.revocations("o1") == [Revocation("o1", at_ms=int(now.timestamp() * 1000))]


async def test_concurrent_revocations_keep_the_bound(o1: Store) -> None:
    extra = 40
    await asyncio.gather(
        *(
            o1.add_revocation(Revocation("o1", at_ms=i, jti=f"j{i}"))
            for i in range(REVOCATIONS_PER_OFFER + 1 + extra)
        )
    )
    # Whatever the order: 256 kept, the 257th collapsed them into one, then 40 more.
    kept = await o1.revocations("o1")
    assert len(kept) == 1 + extra
    assert kept[0] == Revocation("o1", at_ms=T0_MS)  # every at_ms here is older than now
    assert all(rule.jti is not None for rule in kept[1:])


# --- webhook outbox -------------------------------------------------------------------------


async def test_outbox_rows_only_with_outbox_and_body_is_the_event(o1: Store) -> None:
    await propose(o1)  # outbox=False
    assert await o1.claim_webhooks(T0, limit=10, lease_seconds=30) == []
    events = await o1.commit("o1", Expect(version=1, pending="p1"), WITHDRAW, outbox=True)
    (delivery,) = await o1.claim_webhooks(T0, limit=10, lease_seconds=30)
    assert (delivery.offer_id, delivery.event_seq, delivery.attempts) == ("o1", events[0].seq, 0)
    assert delivery.next_attempt_at == T0 + timedelta(seconds=30)  # the lease
    assert msgspec.json.decode(delivery.body) == {
        "id": f"o1:{events[0].seq}",
        "offer_id": "o1",
        "seq": events[0].seq,
        "kind": "proposal_withdrawn",
        "at": "2026-03-01T09:00:00.123456Z",
        "actor": "f1",
        "reason": "changed my mind",
        "payload": {},
    }


async def test_claim_leases_rows_once_until_the_lease_runs_out(o1: Store) -> None:
    events = await queue(o1, 3)
    first = await o1.claim_webhooks(T0, limit=2, lease_seconds=60)
    assert [d.event_seq for d in first] == [e.seq for e in events[:2]]  # oldest first, limit
    rest = await o1.claim_webhooks(T0, limit=10, lease_seconds=60)
    assert [d.event_seq for d in rest] == [events[2].seq]
    assert await o1.claim_webhooks(T0 + timedelta(seconds=59), 10, 60) == []
    again = await o1.claim_webhooks(T0 + timedelta(seconds=60), 10, 60)
    assert [d.id for d in again] == [d.id for d in first + rest]
    assert await o1.claim_webhooks(T0 - timedelta(seconds=1), 10, 60) == []


async def test_concurrent_claims_share_out_each_row_once(o1: Store) -> None:
    events = await queue(o1, 60)
    claims = await asyncio.gather(*(o1.claim_webhooks(T0, 7, 60) for _ in range(12)))
    seqs = [d.event_seq for claim in claims for d in claim]
    assert sorted(seqs) == [e.seq for e in events]  # each exactly once
    for claim in claims:
        assert [d.id for d in claim] == sorted(d.id for d in claim)


async def test_failed_deliveries_are_retried_then_dead_lettered(o1: Store) -> None:
    await queue(o1, 2)
    one, two = await o1.claim_webhooks(T0, 10, lease_seconds=30)
    retry_at = T0 + timedelta(minutes=5)
    await o1.webhook_failed(one.id, retry_at, "HTTP 503")
    await o1.webhook_delivered(two.id)
    assert await o1.claim_webhooks(retry_at - timedelta(seconds=1), 10, 30) == []
    (retried,) = await o1.claim_webhooks(retry_at, 10, lease_seconds=30)
    assert (retried.id, retried.attempts) == (one.id, 1)
    await o1.webhook_failed(one.id, None, "HTTP 410")
    assert await o1.claim_webhooks(T0 + timedelta(days=365), 10, 30) == []
    # Late reports about settled rows change nothing; unknown ids are ignored.
    await o1.webhook_failed(two.id, retry_at, "late")
    await o1.webhook_delivered(one.id)
    await o1.webhook_failed(999_999, None, "gone")
    await o1.webhook_delivered(999_999)
    assert await o1.claim_webhooks(T0 + timedelta(days=365), 10, 30) == []




# --- the thread -------------------------------------------------------------------------------

PAYPAL = Flag(
    "off_platform", "warning", "via PayPal", "Asks to pay off-platform.", "client", source="message"
)


def ns(entries: list[MessageRecord]) -> list[int]:
    return [entry.n for entry in entries]


async def test_entries_round_trip_numbered_per_offer(o1: Store, clock: Clock) -> None:
    await o1.create_offer(make_offer("o2"), b"")
    text = "Hi — ünïcode ✓, 'quotes' and \"doubles\".\nLine two."
    first = await o1.add_message("o1", say("m1", text))
    asked_at = clock.advance(seconds=5)
    question = say("q1", "Why $300 more?", by="f1", kind="question", about="fixed_price",
                   flags=[PAYPAL])  # fmt: skip
    asked = await o1.add_message("o1", question)
    answer = await o1.add_message("o1", say("a1", "More scope.", kind="answer", reply_to="q1"))
    other = await o1.add_message("o2", say("m1", "The same id, another offer"))
    assert ns([first, asked, answer, other]) == [1, 2, 3, 1]
    assert first == MessageRecord(
        offer_id="o1", n=1, id="m1", kind="message", at=T0, author="c1", author_role="client",
        body=text,
    )  # fmt: skip
    assert asked == MessageRecord(
        offer_id="o1", n=2, id="q1", kind="question", at=asked_at, author="f1",
        author_role="freelancer", body="Why $300 more?", about="fixed_price", status="open",
        flags=[PAYPAL],
    )  # fmt: skip
    assert (answer.kind, answer.reply_to, answer.status, answer.at) == ("answer", "q1", None,
                                                                       asked_at)  # fmt: skip
    assert first.at.utcoffset() == timedelta(0)
    assert await o1.list_messages("o1") == [first, asked, answer]
    assert await o1.get_message("o1", "q1") == asked
    assert await o1.get_message("o2", "m1") == other
    assert await o1.get_message("o1", "nope") is None
    assert await o1.get_message("nope", "m1") is None
    assert await o1.list_messages("nope") == []
    assert await o1.open_questions("nope") == []


async def test_the_thread_of_an_unknown_offer(o1: Store) -> None:
    with pytest.raises(OfferNotFound):
        await o1.add_message("nope", say("m1"))
    with pytest.raises(OfferNotFound):
        await o1.change_message("nope", MessageChange("m1", "c1", delete=True))
    with pytest.raises(OfferNotFound):
        await o1.mark_read("nope", "c1", 1)
    assert await o1.read_state("nope", "c1") == (0, 0)
    await o1.create_offer(make_offer("nope"), b"")  # nothing lingered, waiting for the offer
    assert await o1.list_messages("nope") == []
    assert await o1.read_state("nope", "c1") == (0, 0)
    assert await o1.mark_read("nope", "c1", 3) == 0  # capped at the end of an empty thread


async def test_a_retried_id_returns_the_stored_entry(o1: Store, clock: Clock) -> None:
    first = await o1.add_message("o1", say("m1", "Hello"))
    clock.advance(seconds=1)
    assert await o1.add_message("o1", say("m1", "Hello")) == first
    # Whatever the retry says: the first call's entry stands.
    assert await o1.add_message("o1", say("m1", "Other", kind="question", about="title")) == first
    assert await o1.add_message("o1", say("m1", kind="answer", reply_to="nope")) == first
    assert await o1.list_messages("o1") == [first]
    assert (await o1.add_message("o1", say("m2"))).n == 2  # the retries took no number
    retries = await asyncio.gather(*(o1.add_message("o1", say("m3")) for _ in range(8)))
    assert {entry.n for entry in retries} == {3}
    assert ns(await o1.list_messages("o1")) == [1, 2, 3]


@pytest.mark.parametrize("reply_to", [None, "nope", "m1", "event:2", "q9"])
async def test_an_answer_must_reply_to_a_question_of_the_offer(
    o1: Store, reply_to: str | None
) -> None:
    await o1.create_offer(make_offer("o2"), b"")
    await o1.add_message("o2", say("q9", "Elsewhere?", kind="question", about="title"))
    await o1.add_message("o1", say("m1"))
    await propose(o1)  # event 2: the system entry "event:2"
    before = await state(o1)
    with pytest.raises(MessageNotFound):
        await o1.add_message("o1", say("a1", "Yes", kind="answer", reply_to=reply_to))
    assert await state(o1) == before
    await o1.add_message("o1", say("q1", "When?", by="f1", kind="question", about="start_date"))
    answered = await o1.add_message("o1", say("a1", "May", kind="answer", reply_to="q1"))
    assert answered.n == 4  # the refusal took no number


@pytest.mark.parametrize(
    "message",
    [say("s1", kind="system"), say("x1", kind="note"), say(f"{SYSTEM_ID_PREFIX}3")],
    ids=["system", "unknown kind", "a system id"],
)
async def test_impossible_messages_raise_value_error(o1: Store, message: NewMessage) -> None:
    before = await state(o1)
    with pytest.raises(ValueError):
        await o1.add_message("o1", message)
    assert await state(o1) == before
    await propose(o1)  # event 2; a message could not take the id its entry needed: none did
    assert [e.id for e in await o1.list_messages("o1")] == [f"{SYSTEM_ID_PREFIX}2"]


async def test_concurrent_adds_on_two_stores_get_gapless_numbers(
    o1: Store, backend: Backend, clock: Clock
) -> None:
    """Two stores on one database: two nodes on PostgreSQL, two connections to one SQLite file."""
    other = backend.make(clock)
    await other.open()
    try:
        revert = Write(events=[NewEvent("reverted", actor="c1", payload={"version": 1})])
        stores = ((o1, "a", "c1"), (other, "b", "f1"))
        await asyncio.gather(
            *(s.add_message("o1", say(f"{name}{i}", by=by)) for i in range(20)
              for s, name, by in stores),
            *(s.commit("o1", Expect(version=1), revert) for _ in range(5) for s, _, _ in stores),
            *(s.add_message("o1", say("dup")) for s, _, _ in stores),
        )  # fmt: skip
        entries = await other.list_messages("o1", limit=THREAD_PAGE_MAX)
        assert ns(entries) == list(range(1, 52))  # 40 messages, 10 system entries, 1 retried id
        assert len({e.id for e in entries}) == 51
        system = [e for e in entries if e.kind == "system"]
        reverts = [e.seq for e in await o1.list_events("o1") if e.kind == "reverted"]
        # Each event is shown once, and the thread shows events in their order.
        assert [e.event_seq for e in system] == reverts and len(reverts) == 10
    finally:
        await other.close()


async def test_an_edit_replaces_body_and_flags_and_audits_the_old_text(
    o1: Store, clock: Clock
) -> None:
    posted = await o1.add_message("o1", say("m1", "Pay me via PayPal", by="f1", flags=[PAYPAL]))
    edited_at = clock.advance(seconds=30)
    # written_after is inclusive: an entry written exactly then may still be edited.
    change = MessageChange("m1", "f1", body="Pay through the platform", flags=[],
                           written_after=T0)  # fmt: skip
    edited = await o1.change_message("o1", change)
    assert edited == msgspec.structs.replace(
        posted, body="Pay through the platform", flags=[], edited_at=edited_at
    )
    assert await o1.get_message("o1", "m1") == edited
    assert (await o1.list_events("o1"))[1:] == [
        EventRecord(
            offer_id="o1", seq=2, kind="message_edited", at=edited_at, actor="f1",
            payload={"message_id": "m1", "n": 1, "body": "Pay me via PayPal"},
        )
    ]  # fmt: skip
    # Not a timeline event (no system entry) and, like append_event's, not queued for webhooks.
    assert await o1.list_messages("o1") == [edited]
    assert await o1.claim_webhooks(T0 + timedelta(days=1), 10, 30) == []
    rewrite = MessageChange("m1", "f1", body="Via PayPal", flags=[PAYPAL])
    again = await o1.change_message("o1", rewrite)
    assert (again.body, again.flags, again.n) == ("Via PayPal", [PAYPAL], 1)
    kept = await o1.change_message("o1", MessageChange("m1", "f1", body="PayPal, please"))
    assert kept.flags == [PAYPAL]  # no flags given: the stored ones stay
    replaced = [e.payload["body"] for e in (await o1.list_events("o1"))[1:]]
    assert replaced == ["Pay me via PayPal", "Pay through the platform", "Via PayPal"]


async def test_a_delete_keeps_the_entry_and_audits_its_text(o1: Store, clock: Clock) -> None:
    await o1.add_message("o1", say("q1", "Why?", kind="question", about="title"))
    deleted_at = clock.advance(seconds=10)
    gone = await o1.change_message("o1", MessageChange("q1", "c1", delete=True))
    assert (gone.n, gone.body, gone.deleted_at, gone.status) == (1, "Why?", deleted_at, "open")
    assert await o1.get_message("o1", "q1") == gone
    assert await o1.list_messages("o1") == [gone]  # it keeps its place in the thread
    assert await o1.open_questions("o1") == []
    event = (await o1.list_events("o1"))[-1]
    assert (event.kind, event.actor, event.at, event.payload) == (
        "message_deleted", "c1", deleted_at, {"message_id": "q1", "n": 1, "body": "Why?"}
    )  # fmt: skip


#: Changes the store refuses, on the entries ``refusals_setup`` writes.
REFUSED = {
    "not found": (MessageChange("nope", "c1", body="x"), MessageNotFound),
    "another offer's entry": (MessageChange("o2m", "c1", delete=True), MessageNotFound),
    "edit, not yours": (MessageChange("m1", "f1", body="x"), NotYours),
    "delete, not yours": (MessageChange("m1", "f1", delete=True), NotYours),
    "resolve, not the asker": (MessageChange("q1", "c1", resolve=True), NotYours),
    "resolve, not a question": (MessageChange("m1", "c1", resolve=True), MessageNotFound),
    "a system entry, by its actor": (MessageChange("event:2", "f1", body="x"), NotYours),
    "too late": (
        MessageChange("m1", "c1", body="x", written_after=T0 + timedelta(microseconds=1)),
        TooLate,
    ),
    "edit, deleted": (MessageChange("d1", "c1", body="x"), MessageNotFound),
    "delete, deleted": (MessageChange("d1", "c1", delete=True), MessageNotFound),
    "resolve, deleted": (MessageChange("dq", "c1", resolve=True), MessageNotFound),
}


@pytest.mark.parametrize("case", REFUSED)
async def test_a_refused_change_changes_nothing(o1: Store, case: str) -> None:
    await o1.create_offer(make_offer("o2"), b"")
    await o1.add_message("o2", say("o2m"))
    await propose(o1)  # event 2, shown as "event:2" with the proposer f1 as its author
    await o1.add_message("o1", say("m1"))
    await o1.add_message("o1", say("q1", "When?", by="f1", kind="question", about="start_date"))
    for deleted in (say("d1"), say("dq", "Why?", kind="question", about="title")):
        await o1.add_message("o1", deleted)
        await o1.change_message("o1", MessageChange(deleted.id, "c1", delete=True))
    before = await state(o1)
    change, error = REFUSED[case]
    with pytest.raises(error):
        await o1.change_message("o1", change)
    assert await state(o1) == before


@pytest.mark.parametrize(
    "change",
    [
        MessageChange("m1", "c1"),
        MessageChange("m1", "c1", body="x", delete=True),
        MessageChange("m1", "c1", body="x", resolve=True),
        MessageChange("m1", "c1", delete=True, resolve=True),
    ],
    ids=["nothing", "edit and delete", "edit and resolve", "delete and resolve"],
)
async def test_a_change_is_exactly_one_thing(o1: Store, change: MessageChange) -> None:
    await o1.add_message("o1", say("m1"))
    before = await state(o1)
    with pytest.raises(ValueError):
        await o1.change_message("o1", change)
    assert await state(o1) == before


async def test_the_asker_resolves_a_question(o1: Store) -> None:
    await o1.create_offer(make_offer("o2"), b"")
    await o1.add_message("o2", say("q0", "Elsewhere?", kind="question", about="title"))
    asked = await o1.add_message(
        "o1", say("q1", "Milestone date?", by="f1", kind="question", about="milestone:m1")
    )
    other = await o1.add_message("o1", say("q2", "Rate?", kind="question", about="fixed_price"))
    await o1.add_message("o1", say("m1", "Not a question"))
    await o1.add_message("o1", say("a1", "The 10th.", kind="answer", reply_to="q1"))
    assert await o1.open_questions("o1") == [asked, other]  # oldest first, this offer's only
    events = await o1.list_events("o1")
    resolved = await o1.change_message("o1", MessageChange("q1", "f1", resolve=True))
    assert resolved == msgspec.structs.replace(asked, status="resolved")
    assert await o1.get_message("o1", "q1") == resolved
    assert await o1.open_questions("o1") == [other]
    # Again: nothing changes. A resolution is not audited.
    assert await o1.change_message("o1", MessageChange("q1", "f1", resolve=True)) == resolved
    assert await o1.list_events("o1") == events
    # A resolved question may still be answered.
    late = await o1.add_message("o1", say("a2", "Or the 12th.", kind="answer", reply_to="q1"))
    assert late.n == 5


async def test_commit_adds_a_system_entry_per_timeline_event(o1: Store, clock: Clock) -> None:
    await o1.add_message("o1", say("m1"))
    await propose(o1)  # event 2: proposed by f1
    at = clock.advance(minutes=1)
    counter = Write(
        events=[
            NewEvent("proposal_rejected", actor="c1", reason="too much",
                     payload={"proposal_id": "p1"}),
            NewEvent("viewed", actor="c1"),  # not a timeline event: no entry
            NewEvent("proposed", actor="c1", reason="meet halfway", payload={"proposal_id": "p2"}),
        ],
        decision=Decision("p1", "rejected", decided_by="c1", reason="too much"),
        proposal=proposal("p2", by="c1", at=at),
    )  # fmt: skip
    await o1.commit("o1", Expect(version=1, pending="p1"), counter)
    by_integrator = Write(events=[NewEvent("reverted", actor="api", payload={"version": 1})])
    await o1.commit("o1", Expect(version=1, pending="p2"), by_integrator)
    expire = Write(
        events=[NewEvent("offer_expired"), NewEvent("note", actor="c1")],
        status="expired",
        decision=Decision("p2", "closed", None),
    )
    await o1.commit("o1", Expect(version=1, pending="p2"), expire)

    entries = await o1.list_messages("o1")
    assert [(e.n, e.id, e.kind, e.event_kind, e.author, e.author_role) for e in entries] == [
        (1, "m1", "message", None, "c1", "client"),
        (2, "event:2", "system", "proposed", "f1", "freelancer"),
        (3, "event:3", "system", "proposal_rejected", "c1", "client"),
        (4, "event:5", "system", "proposed", "c1", "client"),
        (5, "event:6", "system", "reverted", "api", None),  # not a party
        (6, "event:7", "system", "offer_expired", None, None),  # the system
    ]
    assert entries[2] == MessageRecord(
        offer_id="o1", n=3, id="event:3", kind="system", at=at, author="c1", author_role="client",
        body="too much", event_seq=3, event_kind="proposal_rejected",
        payload={"proposal_id": "p1"},
    )  # fmt: skip
    assert (entries[1].body, entries[1].payload, entries[1].at) == ("", {"proposal": "p1"}, T0)
    assert all(e.event_seq == int(e.id.split(":")[1]) for e in entries[1:])


async def test_a_failed_commit_adds_no_system_entry(o1: Store, backend: Backend) -> None:
    await o1.add_message("o1", say("m1"))
    await propose(o1)
    before = await state(o1)
    with pytest.raises(Conflict):
        await o1.commit("o1", Expect(version=1), WITHDRAW, outbox=True)
    broken = Write(
        events=[NewEvent("proposal_rejected")],
        decision=Decision("p1", "rejected", decided_by="c1"),
        proposal=proposal("p1"),  # a taken id: the transaction fails after the decision
    )
    with pytest.raises(backend.integrity_error):
        await o1.commit("o1", Expect(version=1, pending="p1"), broken, outbox=True)
    assert await state(o1) == before
    assert (await o1.add_message("o1", say("m2"))).n == 3  # no gap either


async def test_pages_before_and_after(o1: Store) -> None:
    total = THREAD_PAGE_MAX + 10
    many = Write(events=[NewEvent("reverted", payload={"i": i}) for i in range(total)])
    await o1.commit("o1", Expect(version=1), many)  # entries 1..210, in one commit
    assert ns(await o1.list_messages("o1")) == list(range(total - 49, total + 1))  # the latest
    assert ns(await o1.list_messages("o1", limit=5)) == list(range(total - 4, total + 1))
    assert ns(await o1.list_messages("o1", before=8, limit=5)) == [3, 4, 5, 6, 7]
    assert ns(await o1.list_messages("o1", before=3, limit=5)) == [1, 2]
    assert await o1.list_messages("o1", before=1) == []
    assert ns(await o1.list_messages("o1", after=0, limit=5)) == [1, 2, 3, 4, 5]
    assert ns(await o1.list_messages("o1", after=total - 2, limit=5)) == [total - 1, total]
    assert await o1.list_messages("o1", after=total) == []
    assert ns(await o1.list_messages("o1", after=2, before=6)) == [3, 4, 5]
    assert ns(await o1.list_messages("o1", after=2, before=60, limit=3)) == [3, 4, 5]
    # limit is capped, and never read as "no limit".
    assert ns(await o1.list_messages("o1", limit=10_000)) == list(range(11, total + 1))
    assert ns(await o1.list_messages("o1", after=0, limit=10_000)) == list(range(1, 201))
    assert await o1.list_messages("o1", limit=0) == []
    assert await o1.list_messages("o1", limit=-1) == []
    assert await o1.list_messages("o1", after=0, limit=-1) == []


async def test_read_state_counts_what_others_wrote_after_the_read_position(o1: Store) -> None:
    await o1.add_message("o1", say("c-1", by="c1"))  # 1
    await o1.add_message("o1", say("f-1", by="f1"))  # 2
    await propose(o1)  # 3: a system entry, its event's actor f1
    await o1.add_message("o1", say("f-2", by="f1"))  # 4, deleted: unread for no one
    await o1.change_message("o1", MessageChange("f-2", "f1", delete=True))
    closed = Decision("p1", "closed", None)
    expire = Write(events=[NewEvent("offer_expired")], status="expired", decision=closed)
    await o1.commit("o1", Expect(version=1, pending="p1"), expire)  # 5: no actor, for everyone
    assert await o1.read_state("o1", "c1") == (0, 3)  # f-1, proposed, expired
    assert await o1.read_state("o1", "f1") == (0, 2)  # c-1, expired
    assert await o1.read_state("o1", "v9") == (0, 4)  # a viewer: everything not deleted
    assert await o1.mark_read("o1", "c1", 2) == 2
    assert await o1.read_state("o1", "c1") == (2, 2)
    assert await o1.mark_read("o1", "c1", 1) == 2  # never back
    assert await o1.mark_read("o1", "c1", -5) == 2
    assert await o1.mark_read("o1", "c1", 99) == 5  # capped at the thread's end
    assert await o1.read_state("o1", "c1") == (5, 0)
    assert await o1.read_state("o1", "f1") == (0, 2)  # each user has their own
    await o1.add_message("o1", say("f-3", by="f1"))  # 6
    assert await o1.read_state("o1", "c1") == (5, 1)
    assert await o1.mark_read("o1", "f1", 2**70) == 6  # any number a client sends
    assert await o1.read_state("o1", "f1") == (6, 0)


async def test_concurrent_reads_keep_the_furthest_position(o1: Store) -> None:
    for i in range(30):
        await o1.add_message("o1", say(f"m{i}", by="f1"))
    order = [7, 30, 2, 19, 30, 1, 25, 12, 29, 3] * 3
    positions = await asyncio.gather(*(o1.mark_read("o1", "c1", upto) for upto in order))
    assert max(positions) == 30 and all(p >= upto for p, upto in zip(positions, order, strict=True))
    assert await o1.read_state("o1", "c1") == (30, 0)


# --- events for webhooks, parties' e-mail -----------------------------------------------------


async def test_append_event_queues_a_webhook_only_with_outbox(o1: Store) -> None:
    await o1.append_event("o1", "viewed", actor="c1")
    assert await o1.claim_webhooks(T0, 10, 30) == []
    event = await o1.append_event("o1", "notification", payload={"user": "f1"}, outbox=True)
    (delivery,) = await o1.claim_webhooks(T0, 10, 30)
    assert (delivery.offer_id, delivery.event_seq) == ("o1", event.seq)
    body = msgspec.json.decode(delivery.body)
    assert (body["kind"], body["payload"], body["id"]) == ("notification", {"user": "f1"}, "o1:3")
    with pytest.raises(OfferNotFound):
        await o1.append_event("nope", "notification", outbox=True)
    again = await o1.claim_webhooks(T0 + timedelta(days=1), 10, 30)
    assert [d.id for d in again] == [delivery.id]  # the refused append queued nothing


async def test_parties_keep_their_email(store: Store) -> None:
    offer = msgspec.structs.replace(
        make_offer(),
        client=Party(id="c1", name="Carla", email="carla@example.com"),
        freelancer=Party(id="f1", name="Femi"),
    )
    await store.create_offer(offer, b"")
    stored = await store.get_offer("o1")
    assert stored == offer
    assert stored is not None and stored.client.email == "carla@example.com"
    assert stored.freelancer.email is None


# --- notifications for the party who is away --------------------------------------------------

DELAY, THROTTLE = 120.0, 900.0
LATER = T0 + timedelta(days=1)  # when every digest queued in a test is due
TICK = timedelta(microseconds=1)


def seconds(n: float, since: datetime = T0) -> datetime:
    return since + timedelta(seconds=n)


async def notify(
    store: Store, i: int, user: str = "f1", offer_id: str = "o1", *,
    delay_s: float = DELAY, throttle_s: float = THROTTLE, at: datetime = T0,
) -> None:
    role = "client" if user.startswith("c") else "freelancer"
    await store.queue_notification(
        offer_id, user, role, note(i, at), delay_s=delay_s, throttle_s=throttle_s
    )


async def test_a_burst_is_one_digest_of_the_newest_items(o1: Store, clock: Clock) -> None:
    for i in range(25):
        await notify(o1, i, at=clock.now)
        clock.advance(seconds=1)  # still within the delay: the burst's digest stays due at T0+2'
    assert await o1.claim_digests(seconds(DELAY) - TICK, 10, 60) == []
    (digest,) = await o1.claim_digests(seconds(DELAY), 10, 60)
    assert digest == Digest(
        id=digest.id, offer_id="o1", user_id="f1", role="freelancer",
        items=[note(i, seconds(i)) for i in range(25 - DIGEST_ITEMS_MAX, 25)], count=25,
        created_at=T0, due_at=seconds(DELAY), attempts=0,
    )  # fmt: skip


async def test_each_party_of_each_offer_has_a_digest_claimed_oldest_due_first(
    o1: Store, clock: Clock
) -> None:
    await o1.create_offer(make_offer("o2"), b"")
    await notify(o1, 1, "f1")
    clock.advance(seconds=10)
    await notify(o1, 2, "c1")
    clock.advance(seconds=5)
    await notify(o1, 3, "f1", "o2")
    await notify(o1, 4, "f1")  # joins o1/f1's digest
    assert await o1.claim_digests(LATER, 0, 60) == []
    first = await o1.claim_digests(LATER, 2, 60)
    assert [(d.offer_id, d.user_id, d.role, d.count) for d in first] == [
        ("o1", "f1", "freelancer", 2),
        ("o1", "c1", "client", 1),
    ]
    (rest,) = await o1.claim_digests(LATER, 2, 60)
    assert (rest.offer_id, rest.user_id, rest.due_at) == ("o2", "f1", seconds(15 + DELAY))


async def test_queueing_for_an_unknown_offer_raises(o1: Store) -> None:
    with pytest.raises(OfferNotFound):
        await notify(o1, 1, offer_id="nope")
    assert await o1.claim_digests(LATER, 10, 60) == []


async def test_a_claim_leases_and_a_lapsed_lease_is_claimed_again(o1: Store) -> None:
    await notify(o1, 1, "f1")
    await notify(o1, 2, "c1")
    due = seconds(DELAY)
    (one,) = await o1.claim_digests(due, 1, lease_s=60)
    (two,) = await o1.claim_digests(due, 10, lease_s=60)
    assert (one.user_id, two.user_id) == ("f1", "c1")
    assert await o1.claim_digests(seconds(59, due), 10, 60) == []
    again = await o1.claim_digests(seconds(60, due), 10, 60)
    assert again == [one, two]  # the same digests: claiming is not an attempt


async def test_a_claimed_digest_takes_no_more_items_and_the_next_waits_for_it(
    o1: Store, clock: Clock
) -> None:
    await notify(o1, 1)
    (first,) = await o1.claim_digests(seconds(DELAY), 10, lease_s=60)
    clock.advance(seconds=10)
    await notify(o1, 2, at=clock.now)  # the first is being sent: this starts the next one
    # The throttle counts from the end of the first one's lease (the latest it can have gone).
    due = seconds(DELAY + 60 + THROTTLE)
    # Past both, the lapsed first digest is claimed again; the second waits while it is out.
    assert await o1.claim_digests(due, 10, 60) == [first]
    assert await o1.claim_digests(seconds(59, due), 10, 60) == []
    await o1.digest_sent(first.id)
    (second,) = await o1.claim_digests(due, 10, 60)
    assert (second.items, second.count, second.due_at) == ([note(2, seconds(10))], 1, due)
    assert first.items == [note(1)] and first.count == 1


async def test_the_throttle_counts_from_the_last_digest_sent(o1: Store, clock: Clock) -> None:
    await notify(o1, 1)
    (first,) = await o1.claim_digests(seconds(DELAY), 10, lease_s=60)
    sent_at = clock.advance(seconds=DELAY + 5)
    await o1.digest_sent(first.id)
    clock.advance(seconds=30)
    await notify(o1, 2)
    assert await o1.claim_digests(seconds(THROTTLE, sent_at) - TICK, 10, 60) == []
    (second,) = await o1.claim_digests(seconds(THROTTLE, sent_at), 10, 60)
    assert second.due_at == seconds(THROTTLE, sent_at)
    await o1.digest_sent(second.id)
    # Once the throttle has passed since the last one sent, only the delay counts.
    now = clock.advance(seconds=2 * THROTTLE)
    await notify(o1, 3)
    (third,) = await o1.claim_digests(LATER, 10, 60)
    assert third.due_at == seconds(DELAY, now)
    # Another party (or offer) is not throttled by this one's digests.
    await notify(o1, 4, "c1")
    await o1.digest_sent(third.id)
    assert [d.user_id for d in await o1.claim_digests(seconds(DELAY, now), 10, 60)] == ["c1"]


async def test_failed_digests_are_retried_then_dead(o1: Store, clock: Clock) -> None:
    await notify(o1, 1, "f1")
    await notify(o1, 2, "c1")
    one, two = await o1.claim_digests(seconds(DELAY), 10, lease_s=30)
    retry_at = seconds(DELAY + 300)
    await o1.digest_failed(one.id, retry_at, "SMTP 451")
    await o1.digest_sent(two.id)
    assert await o1.claim_digests(retry_at - TICK, 10, 30) == []
    (retried,) = await o1.claim_digests(retry_at, 10, lease_s=30)
    assert (retried.id, retried.attempts, retried.items) == (one.id, 1, one.items)
    await o1.digest_failed(one.id, None, "SMTP 550")
    assert await o1.claim_digests(LATER, 10, 30) == []
    # Late reports about settled digests change nothing; unknown ids are ignored.
    await o1.digest_failed(two.id, retry_at, "late")
    await o1.digest_sent(one.id)
    await o1.digest_failed(one.id, retry_at, "late")
    await o1.digest_failed(999_999, None, "gone")
    await o1.digest_sent(999_999)
    assert await o1.claim_digests(LATER, 10, 30) == []
    # A dead digest never reached f1: the next one is not throttled by it, and does not wait.
    now = clock.advance(seconds=60)
    await notify(o1, 3, "f1")
    (third,) = await o1.claim_digests(LATER, 10, 30)
    assert (third.user_id, third.due_at, third.attempts) == ("f1", seconds(DELAY, now), 0)


async def test_concurrent_queues_on_two_stores_make_one_digest_per_party(
    o1: Store, backend: Backend, clock: Clock
) -> None:
    """Two stores on one database: two nodes on PostgreSQL, two connections to one SQLite file."""
    other = backend.make(clock)
    await other.open()
    try:
        await asyncio.gather(*(
            notify(store, 100 * k + i, user)
            for i in range(8) for k, store in enumerate((o1, other)) for user in ("f1", "c1")
        ))  # fmt: skip
        digests = await other.claim_digests(LATER, 10, 60)
        assert sorted(d.user_id for d in digests) == ["c1", "f1"]  # one each
        for digest in digests:
            assert digest.count == 16
            assert sorted(item.n or 0 for item in digest.items) == [
                100 * k + i for k in range(2) for i in range(8)
            ]  # every item, none twice
    finally:
        await other.close()


async def test_queues_racing_claims_lose_no_item(
    o1: Store, backend: Backend, clock: Clock
) -> None:
    other = backend.make(clock)
    await other.open()
    claimed: list[Digest] = []
    done = False

    async def queue_all() -> None:
        nonlocal done
        for i in range(60):
            await notify(o1, i, delay_s=0, throttle_s=0)
            # Past the lease of a digest claimed meanwhile: the next one is due (the throttle
            # counts from the end of a lease still running).
            clock.advance(seconds=61)
        done = True

    async def send_all() -> None:
        while not done:
            for digest in await other.claim_digests(clock.now, 10, 60):
                claimed.append(digest)
                await other.digest_sent(digest.id)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(queue_all(), send_all())
        claimed.extend(await other.claim_digests(clock.now, 10, 60))
    finally:
        await other.close()
    assert sum(d.count for d in claimed) == 60  # every item counted in exactly one digest
    ns = [item.n for d in claimed for item in d.items]
    assert len(ns) == len(set(ns))  # none in two digests
    assert all(len(d.items) == min(d.count, DIGEST_ITEMS_MAX) for d in claimed)
    assert len(claimed) > 1, "the claims should have split the queue"


async def test_two_stores_claim_each_due_digest_once(
    o1: Store, backend: Backend, clock: Clock
) -> None:
    for i in range(40):
        await notify(o1, i, f"u{i}")
    other = backend.make(clock)
    await other.open()

    async def drain(store: Store) -> list[int]:
        got: list[int] = []
        while batch := await store.claim_digests(LATER, 3, lease_s=60):
            got += [d.id for d in batch]
        return got

    try:
        claims = await asyncio.gather(drain(o1), drain(other), drain(o1), drain(other))
    finally:
        await other.close()
    ids = [i for got in claims for i in got]
    assert len(ids) == 40 and len(set(ids)) == 40


async def test_digests_and_reminders_survive_a_reopen(backend: Backend, clock: Clock) -> None:
    first = backend.make(clock)
    await first.open()
    await first.create_offer(make_offer(), b"")
    await notify(first, 1)
    await notify(first, 2, "c1")
    (leased,) = await first.claim_digests(seconds(DELAY), 1, lease_s=60)
    await first.schedule_reminder(Reminder("o1", "expires_24h", "c1", seconds(30)))
    await first.close()
    second = backend.make(clock)
    await second.open()
    try:
        digests = await second.claim_digests(seconds(DELAY + 60), 10, 60)
        assert [d.user_id for d in digests] == ["f1", "c1"] and digests[0] == leased
        assert await second.claim_reminders(LATER, 10) == [
            Reminder("o1", "expires_24h", "c1", seconds(30))
        ]
    finally:
        await second.close()


# --- reminders --------------------------------------------------------------------------------


def remind(kind: str = "waiting", user: str = "c1", due: float = 60, ref: str = "p1",
           offer_id: str = "o1") -> Reminder:  # fmt: skip
    return Reminder(offer_id, kind, user, seconds(due), "" if kind.startswith("exp") else ref)


async def test_a_reminder_is_kept_once_and_the_last_schedule_wins(o1: Store) -> None:
    await o1.schedule_reminder(remind(due=60))
    await o1.schedule_reminder(remind(due=30))  # sooner: the last call wins, not the latest time
    assert await o1.claim_reminders(seconds(30) - TICK, 10) == []
    assert await o1.claim_reminders(seconds(30), 10) == [remind(due=30)]
    assert await o1.claim_reminders(LATER, 10) == []  # fired once
    await o1.schedule_reminder(remind(due=90))  # after it fired: a new reminder
    await o1.schedule_reminder(remind(due=120))
    assert await o1.claim_reminders(LATER, 10) == [remind(due=120)]
    with pytest.raises(OfferNotFound):
        await o1.schedule_reminder(remind(offer_id="nope"))
    assert await o1.claim_reminders(LATER, 10) == []


async def test_reminders_fire_oldest_due_first_up_to_the_limit(o1: Store) -> None:
    kept = [
        remind("waiting", "c1", 50, "p1"),
        remind("waiting", "c1", 10, "q1"),  # another ref
        remind("waiting", "f1", 30, "p1"),  # another user
        remind("expires_24h", "c1", 20),  # another kind
        remind("expires_72h", "c1", 40),
    ]
    for reminder in kept:
        await o1.schedule_reminder(reminder)
    assert await o1.claim_reminders(LATER, 0) == []
    assert await o1.claim_reminders(seconds(35), 2) == [kept[1], kept[3]]
    assert await o1.claim_reminders(seconds(35), 10) == [kept[2]]
    assert await o1.claim_reminders(LATER, 10) == [kept[4], kept[0]]


async def test_cancel_drops_unfired_reminders_by_kind_and_ref(o1: Store) -> None:
    await o1.create_offer(make_offer("o2"), b"")
    scheduled = [
        remind("expires_72h", "c1", 10),
        remind("expires_72h", "f1", 10),
        remind("expires_24h", "c1", 20),
        remind("waiting", "c1", 30, "p1"),
        remind("waiting", "f1", 30, "q1"),
        remind("waiting", "f1", 30, "p1"),
        remind("expires_72h", "c1", 10, offer_id="o2"),
    ]
    for reminder in scheduled:
        await o1.schedule_reminder(reminder)
    await o1.cancel_reminders("o1", ref="p1")
    await o1.cancel_reminders("o1", kind="expires_72h")
    await o1.cancel_reminders("o1", kind="waiting", ref="q1")
    await o1.cancel_reminders("nope")
    assert await o1.claim_reminders(LATER, 10) == [scheduled[6], scheduled[2]]
    await o1.schedule_reminder(remind("waiting", "c1", 30, "p9"))
    await o1.cancel_reminders("o1")
    assert await o1.claim_reminders(LATER, 10) == []


async def test_a_claim_kept_to_some_offers_fires_only_theirs(o1: Store) -> None:
    for offer_id in ("o2", "o3"):
        await o1.create_offer(make_offer(offer_id), b"")
    others = [remind("waiting", "c1", due, f"p{due}", offer_id="o2") for due in range(1, 13)]
    own = [remind("waiting", "c1", 20 + due, f"p{due}", offer_id=offer_id)
           for due, offer_id in enumerate(["o1", "o3", "o1"])]  # fmt: skip
    for reminder in [*others, *own]:
        await o1.schedule_reminder(reminder)

    def owns(offer_id: str) -> bool:
        return offer_id != "o2"

    assert await o1.claim_reminders(LATER, 10, owns=lambda offer_id: False) == []
    # Past a dozen older ones of another owner, oldest due first, up to the limit.
    assert await o1.claim_reminders(LATER, 2, owns=owns) == own[:2]
    assert await o1.claim_reminders(seconds(21), 10, owns=owns) == []  # not due yet
    assert await o1.claim_reminders(LATER, 10, owns=owns) == own[2:]
    assert await o1.claim_reminders(LATER, 10, owns=owns) == []  # fired once
    # The others' were neither fired nor lost.
    assert await o1.claim_reminders(LATER, 100) == others


async def test_owners_claiming_at_once_fire_each_their_own_once(
    o1: Store, backend: Backend, clock: Clock
) -> None:
    offers = ["o1", "o2", "o3", "o4"]
    for offer_id in offers[1:]:
        await o1.create_offer(make_offer(offer_id), b"")
    scheduled = [remind("waiting", f"u{i % 5}", i, f"p{i}", offer_id=offers[i % 4])
                 for i in range(80)]  # fmt: skip
    for reminder in scheduled:
        await o1.schedule_reminder(reminder)
    other = backend.make(clock)
    await other.open()

    def owner(index: int) -> Callable[[str], bool]:
        return lambda offer_id: offers.index(offer_id) % 2 == index

    async def drain(store: Store, index: int) -> list[Reminder]:
        got: list[Reminder] = []
        while batch := await store.claim_reminders(LATER, 3, owns=owner(index)):
            got += batch
        return got

    try:
        fired = await asyncio.gather(drain(o1, 0), drain(other, 1), drain(other, 0),
                                     drain(o1, 1))  # fmt: skip
    finally:
        await other.close()
    for index, got in enumerate(fired):
        assert all(owner(index % 2)(r.offer_id) for r in got)
    every = [r for got in fired for r in got]
    assert sorted(every, key=lambda r: r.due_at) == scheduled  # each exactly once
    assert await o1.claim_reminders(LATER, 100) == []


async def test_two_stores_fire_each_reminder_once(
    o1: Store, backend: Backend, clock: Clock
) -> None:
    scheduled = [remind("waiting", f"u{i % 7}", i, f"p{i}") for i in range(60)]
    other = backend.make(clock)
    await other.open()

    async def drain(store: Store) -> list[Reminder]:
        got: list[Reminder] = []
        while batch := await store.claim_reminders(LATER, 4):
            got += batch
        return got

    try:
        await asyncio.gather(*(
            store.schedule_reminder(r) for r, store in zip(scheduled, [o1, other] * 30, strict=True)
        ))  # fmt: skip
        fired = await asyncio.gather(drain(o1), drain(other), drain(o1), drain(other))
    finally:
        await other.close()
    every = [r for got in fired for r in got]
    assert sorted(every, key=lambda r: r.due_at) == scheduled  # each exactly once
    assert await o1.claim_reminders(LATER, 100) == []
