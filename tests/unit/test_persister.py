"""The persister on a real SQLite store: merged appends, durable flush, compaction, snapshot."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc

from server.crdt.layout import OfferDoc
from server.offers.terms import Party, Terms
from server.rooms.flusher import Flusher
from server.rooms.persister import Persister
from server.store.base import OfferRecord
from server.store.sqlite import SQLiteStore

NOW = datetime(2026, 11, 1, tzinfo=UTC)
TERMS = Terms(title="Landing page", contract_type="hourly", currency="USD", hourly_rate=4500,
              description="Scope.")


class Live:
    """A room's live doc: every local update is handed to the persister, as the room does."""

    def __init__(self, odoc: OfferDoc) -> None:
        self.odoc = odoc
        self.persister: Persister | None = None
        self._sub = odoc.doc.observe(self._on_update)

    def _on_update(self, event: Any) -> None:
        if self.persister is not None:
            self.persister.add(event.update)

    def edit(self, rate: int) -> None:
        self.odoc.terms["hourly_rate"] = rate
        self.odoc.description.insert(0, "x")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    async with SQLiteStore(tmp_path / "p.db") as opened:
        yield opened


@pytest.fixture
async def live(store: SQLiteStore) -> Live:
    odoc = OfferDoc(Doc())
    odoc.seed(TERMS, {"status": "open", "version": 1})
    offer = OfferRecord(id="o1", status="open", version=1, client=Party("c1", "Ada"),
                        freelancer=Party("f1", "Linus"), created_at=NOW,
                        expires_at=NOW + timedelta(days=30), terms=TERMS)
    await store.create_offer(offer, odoc.doc.get_update())
    return Live(odoc)


def start(store: SQLiteStore, live: Live, compact_every: int = 100, backlog: int = 0) -> Persister:
    persister = Persister(store, "o1", compact_every=compact_every,
                          backlog=backlog)
    live.persister = persister
    return persister


def log_rows(path: Path) -> int:
    """Counted through a second connection: only committed rows are visible there (in the log
    or still in its journal, server/store/sqlite/journal.py)."""
    with closing(sqlite3.connect(path)) as conn:
        n: int = conn.execute(
            "SELECT (SELECT COUNT(*) FROM doc_updates) + (SELECT COUNT(*) FROM doc_journal)"
        ).fetchone()[0]
    return n


async def rebuilt(store: SQLiteStore) -> dict[str, Any]:
    state = await store.load_doc("o1")
    odoc = OfferDoc(Doc())
    if state.snapshot is not None:
        odoc.doc.apply_update(state.snapshot)
    for update in state.updates:
        odoc.doc.apply_update(update)
    return content(odoc)


def content(odoc: OfferDoc) -> dict[str, Any]:
    return {name: root.to_py() for name, root in odoc.roots().items()} | {
        "description": str(odoc.description)
    }


async def test_a_burst_is_merged_into_one_append(store: SQLiteStore, live: Live) -> None:
    persister = start(store, live)
    for rate in (4600, 4700, 4800):
        live.edit(rate)
    await persister.flush()
    assert log_rows(store.path) == 1
    assert (await store.load_doc("o1")).last_seq == 1
    assert await rebuilt(store) == content(live.odoc)
    await persister.close()


async def test_flush_waits_until_the_update_is_committed(
    store: SQLiteStore, live: Live
) -> None:
    persister = start(store, live)
    live.edit(5000)
    assert log_rows(store.path) == 0
    await persister.flush()
    assert log_rows(store.path) == 1
    live.edit(5100)
    await persister.flush()
    assert log_rows(store.path) == 2
    assert await rebuilt(store) == content(live.odoc)
    await persister.flush()  # nothing pending: returns at once
    await persister.close()


async def test_compaction_after_compact_every_appends(store: SQLiteStore, live: Live) -> None:
    persister = start(store, live, compact_every=3)
    for rate in (4600, 4700):
        live.edit(rate)
        await persister.flush()
    assert log_rows(store.path) == 2
    live.edit(4800)
    await persister.flush()
    assert log_rows(store.path) == 0
    state = await store.load_doc("o1")
    assert state.updates == [] and state.last_seq == 3
    assert await rebuilt(store) == content(live.odoc)
    live.edit(4900)  # the count starts again from the snapshot
    await persister.flush()
    assert log_rows(store.path) == 1
    await persister.close()


async def test_backlog_counts_toward_compaction(store: SQLiteStore, live: Live) -> None:
    persister = start(store, live, compact_every=3, backlog=2)
    live.edit(4600)
    await persister.flush()
    assert log_rows(store.path) == 0
    assert (await store.load_doc("o1")).snapshot is not None
    await persister.close()


async def test_close_leaves_a_snapshot_that_rebuilds_the_doc(
    store: SQLiteStore, live: Live
) -> None:
    persister = start(store, live)
    live.edit(4600)
    await persister.flush()
    live.edit(4700)
    await persister.close()
    state = await store.load_doc("o1")
    assert state.updates == [] and state.last_seq == 2
    assert await rebuilt(store) == content(live.odoc)
    assert live.odoc.terms["hourly_rate"] == 4700


async def test_close_without_edits_keeps_the_seeded_snapshot(
    store: SQLiteStore, live: Live
) -> None:
    seeded = (await store.load_doc("o1")).snapshot
    persister = start(store, live)
    await persister.close()
    assert (await store.load_doc("o1")).snapshot == seeded
    assert await rebuilt(store) == content(live.odoc)


async def test_flush_raises_instead_of_hanging_when_the_store_fails(store: SQLiteStore) -> None:
    persister = Persister(store, "no-such-offer", compact_every=100)
    odoc = OfferDoc(Doc())
    odoc.seed(TERMS, {"status": "open"})
    persister.add(odoc.doc.get_update())
    with pytest.raises(RuntimeError, match="persisting updates failed"):
        await asyncio.wait_for(persister.flush(), 5)
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(persister.close(), 5)


async def test_a_failed_compaction_does_not_stop_persisting(
    store: SQLiteStore, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    persister = start(store, live, compact_every=1)
    calls = 0
    real = store.compact

    async def flaky(offer_id: str, snapshot: bytes, upto_seq: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")
        await real(offer_id, snapshot, upto_seq)

    monkeypatch.setattr(store, "compact", flaky)
    live.edit(5000)
    await asyncio.wait_for(persister.flush(), 5)
    live.edit(5100)
    await asyncio.wait_for(persister.flush(), 5)  # still writing after the failure
    await persister.close()
    state = await store.load_doc("o1")
    doc: Doc[Any] = Doc()
    for update in ([state.snapshot] if state.snapshot else []) + state.updates:
        doc.apply_update(update)
    assert OfferDoc(doc).terms["hourly_rate"] == 5100
    assert calls >= 2


async def test_rooms_sharing_a_flusher_are_written_in_one_commit(store: SQLiteStore) -> None:
    flusher = Flusher(store)
    rooms: list[tuple[Live, Persister]] = []
    for offer_id in ("r1", "r2", "r3"):
        odoc = OfferDoc(Doc())
        odoc.seed(TERMS, {"status": "open", "version": 1})
        offer = OfferRecord(id=offer_id, status="open", version=1, client=Party("c1", "Ada"),
                            freelancer=Party("f1", "Linus"), created_at=NOW,
                            expires_at=NOW + timedelta(days=30), terms=TERMS)
        await store.create_offer(offer, odoc.doc.get_update())
        live = Live(odoc)
        live.persister = Persister(store, offer_id, compact_every=100, flusher=flusher)
        rooms.append((live, live.persister))
    ghost = Persister(store, "no-such-offer", compact_every=100, flusher=flusher)
    before = store.commits
    for i, (live, _) in enumerate(rooms):
        live.edit(5000 + i)
    ghost.add(rooms[0][0].odoc.doc.get_update())
    for _, persister in rooms:
        await asyncio.wait_for(persister.flush(), 5)
    assert store.commits - before == 1
    for _, persister in rooms:
        assert (await store.load_doc(persister.offer_id)).last_seq == 1
    with pytest.raises(RuntimeError, match="persisting updates failed"):
        await asyncio.wait_for(ghost.flush(), 5)  # only the unknown offer failed
    for _, persister in rooms:
        await persister.close()
    with pytest.raises(RuntimeError):
        await ghost.close()
    await flusher.close()


async def test_one_room_that_cannot_prepare_its_updates_does_not_stall_the_others(
    store: SQLiteStore, live: Live
) -> None:
    flusher = Flusher(store, linger_s=0)
    good = Persister(store, "o1", compact_every=100, flusher=flusher)
    live.persister = good

    class Broken:
        offer_id = "broken"

        def take(self) -> bytes | None:
            raise ValueError("cannot merge")

        def settle(self, update: bytes, outcome: int | BaseException) -> None:
            raise AssertionError("never taken, never settled")

    flusher.schedule(Broken())
    live.edit(6100)
    await asyncio.wait_for(good.flush(), 5)
    assert (await store.load_doc("o1")).last_seq == 1
    await good.close()
