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
from server.offers.terms import Terms
from server.store.base import (
    REVOCATIONS_PER_OFFER,
    CommandRecord,
    Conflict,
    Decision,
    DocState,
    EventRecord,
    Expect,
    Explanation,
    NewEvent,
    OfferExists,
    OfferNotFound,
    Store,
    StoreClosed,
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
    proposal,
    propose,
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
        EventRecord(offer_id="o1", seq=1, kind="created", at=T0, payload={"version": 1})
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


