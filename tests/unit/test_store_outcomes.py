"""The store's outcome half on both engines: the closing question's answers (one per party,
after the close, from any node) and the report's paged read of offers and their events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest

from server.store.base import (
    AlreadyRated,
    Expect,
    NewEvent,
    NotClosed,
    OfferNotFound,
    Rating,
    Store,
    Write,
)
from server.store.postgres import PostgresStore
from server.store.sqlite import SQLiteStore
from tests.support import postgres as pgtest
from tests.support.store_records import T0, Clock, make_offer


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    url = pgtest.create_database("outcomes")
    yield url
    pgtest.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    clock = Clock()
    opened: Store
    if request.param == "sqlite":
        opened = SQLiteStore(tmp_path / "offers.db", clock=clock)
    else:
        opened = PostgresStore(pgtest.with_schema(request.getfixturevalue("pg_database")),
                               clock=clock)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


async def _closed(store: Store, offer_id: str = "o1") -> None:
    await store.create_offer(make_offer(offer_id), b"")
    await store.commit(offer_id, Expect(1), Write(
        events=[NewEvent("offer_withdrawn", "c1", "words", {"version": 1,
                                                          "reason_code": "budget"})],
        status="withdrawn"))


async def test_a_party_answers_once_and_only_after_the_close(store: Store) -> None:
    await store.create_offer(make_offer(), b"")
    with pytest.raises(NotClosed):
        await store.rate("o1", Rating("f1", "freelancer", 9))
    with pytest.raises(OfferNotFound):
        await store.rate("nope", Rating("f1", "freelancer", 9))
    await store.commit("o1", Expect(1), Write(events=[NewEvent("offer_declined", "f1")],
                                              status="declined"))
    event = await store.rate("o1", Rating("f1", "freelancer", 9, "clear"), outbox=True)
    assert (event.kind, event.actor, event.reason, event.payload) == (
        "satisfaction_rated", "f1", "clear", {"role": "freelancer", "score": 9})
    with pytest.raises(AlreadyRated):
        await store.rate("o1", Rating("f1", "freelancer", 2))
    await store.rate("o1", Rating("c1", "client", 4))
    kinds = [e.kind for e in await store.list_events("o1")]
    assert kinds.count("satisfaction_rated") == 2
    # Queued for the webhook like every other event.
    claimed = await store.claim_webhooks(T0 + timedelta(days=1), 10, 30)
    assert [msgspec.json.decode(d.body)["kind"] for d in claimed] == ["satisfaction_rated"]


async def test_two_answers_racing_for_one_party_keep_one(store: Store) -> None:
    await _closed(store)
    outcomes = await asyncio.gather(
        *(store.rate("o1", Rating("f1", "freelancer", s)) for s in range(6)),
        return_exceptions=True)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, AlreadyRated) for o in outcomes if isinstance(o, Exception))


async def test_outcome_pages_hold_a_range_in_creation_order_with_outcome_events_only(
        store: Store) -> None:
    for i in range(5):
        await store.create_offer(make_offer(f"o{i}", created_at=T0 + timedelta(hours=i)), b"")
    await store.append_event("o1", "message_edited", "c1", None, {"body": "secret"})
    await store.commit("o1", Expect(1), Write(
        events=[NewEvent("offer_withdrawn", "c1", "words", {"reason_code": "budget"})],
        status="withdrawn"))
    first = await store.outcome_page(T0 + timedelta(hours=1), T0 + timedelta(hours=4), None, 2)
    assert [o.id for o, _ in first] == ["o1", "o2"]
    assert [e.kind for e in first[0][1]] == ["created", "offer_withdrawn"]  # no message edit
    assert first[0][1][0].payload == {"version": 1, "variant": "default"}
    last = first[-1][0]
    rest = await store.outcome_page(T0 + timedelta(hours=1), T0 + timedelta(hours=4),
                                    (last.created_at, last.id), 2)
    assert [o.id for o, _ in rest] == ["o3"]  # the end of the range is excluded
    assert await store.outcome_page(T0, T0 + timedelta(hours=9), None, 0) == []


async def test_the_variant_is_stored_with_the_offer(store: Store) -> None:
    offer = msgspec.structs.replace(make_offer(), variant="assist")
    await store.create_offer(offer, b"")
    stored = await store.get_offer("o1")
    assert stored is not None and stored.variant == "assist"
    assert (await store.list_events("o1"))[0].payload["variant"] == "assist"
