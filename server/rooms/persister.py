"""A room's updates on their way to the store, and the compaction of its log now and then.

The room hands over updates synchronously; the node's Flusher (server/rooms/flusher.py) takes
whatever piled up, merged into one update, and appends it together with every other room's in one
transaction. A room has no task of its own. Every ``compact_every`` log entries a new snapshot
replaces the old one and the log it covers. The snapshot is rebuilt from the store's own snapshot
and log, never from the live doc: in a cluster the live doc may hold another node's updates that
are not durable yet, and compaction must only drop rows its snapshot really contains. The rebuild
runs on a worker thread so a long log never stalls the event loop.

In a cluster (``CrossNode``) the persister is also where a room meets the other nodes' stores:
every update handed over is published at once, numbered, and the durable mark follows each
group commit (``server/bus/sequencer.py``); another node's updates are held until their
producer's mark covers them, and stored here if it does not in time (``server/bus/custody.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from pycrdt import Doc, merge_updates

from server.bus.base import Accepted, Durable, Link
from server.bus.custody import Custody, CustodyMeter
from server.bus.sequencer import Sequencer
from server.rooms.flusher import Flusher
from server.store.base import DocState, Store
from server.tasks import Tasks

log = logging.getLogger("offer_room.persister")

#: After a failed append, how long before the same room is tried again.
_RETRY_SECONDS = 0.5


class CrossNode(NamedTuple):
    """A clustered room's terms: its link, and how long and how many of another node's updates
    it holds waiting for that node's durable mark (``OFFER_ROOM_CLUSTER_HOLD_MS``,
    ``OFFER_ROOM_CLUSTER_HOLD_UPDATES``)."""

    link: Link
    hold_s: float
    hold_updates: int
    meter: CustodyMeter | None = None


class Persister:
    def __init__(
        self,
        store: Store,
        offer_id: str,
        *,
        compact_every: int,
        backlog: int = 0,
        flusher: Flusher | None = None,
        on_durable: Callable[[bytes], None] | None = None,
        tasks: Tasks | None = None,
        cluster: CrossNode | None = None,
    ) -> None:
        self.offer_id = offer_id
        self._store = store
        self._tasks = tasks if tasks is not None else Tasks()
        #: Rooms of a node share the registry's; a persister on its own gets a private one.
        self._flusher = flusher if flusher is not None else Flusher(store, tasks=self._tasks)
        self._compact_every = compact_every
        self._pending: list[bytes] = []
        self._in_flight = False
        self._retry: asyncio.TimerHandle | None = None
        self._compaction: asyncio.Task[None] | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._since_snapshot = backlog
        self.failed: BaseException | None = None
        #: Called with each merged update once it is durable (an observer: what the other
        #: nodes are told goes through ``cluster``).
        self._on_durable = on_durable
        #: In a cluster: numbers and publishes this room's updates, then their durable marks.
        self._sequencer: Sequencer | None = None
        #: In a cluster: other nodes' updates until their producer says they are stored.
        self._custody: Custody | None = None
        if cluster is not None:
            self._sequencer = Sequencer(cluster.link)
            self._custody = Custody(self.adopt, hold_s=cluster.hold_s,
                                   max_updates=cluster.hold_updates, meter=cluster.meter)
        #: The sequencer's number of the last update in the in-flight batch.
        self._in_flight_seq = 0

    def add(self, update: bytes) -> None:
        """An update this node accepted (or wrote): published to the other nodes at once (in a
        cluster), stored at the next group commit."""
        self._pending.append(update)
        if self._sequencer is not None:
            self._sequencer.publish(update)
        self._schedule()

    def adopt(self, updates: list[bytes]) -> None:
        """Other nodes' updates their producer never said it stored: stored here, not published
        again."""
        self._pending.extend(updates)
        self._schedule()

    def _schedule(self) -> None:
        """Join the next group commit, unless a batch is in flight or waiting for its retry
        (either takes what is pending when it ends)."""
        if not self._in_flight and self._retry is None:
            self._flusher.schedule(self)

    def received(self, accepted: Accepted) -> None:
        """Another node's update, applied here: held until its producer's mark covers it."""
        if self._custody is not None:
            self._custody.hold(accepted)

    def confirmed(self, mark: Durable) -> None:
        if self._custody is not None:
            self._custody.confirm(mark.source, mark.seq)

    # --- the Flusher's side ----------------------------------------------------------------

    def take(self) -> bytes | None:
        if not self._pending or self._in_flight:
            return None
        batch = self._pending
        update = batch[0] if len(batch) == 1 else merge_updates(*batch)
        self._pending = []
        self._in_flight = True
        # Every number given so far is in this batch or in one already stored.
        self._in_flight_seq = self._sequencer.seq if self._sequencer is not None else 0
        return update

    def settle(self, update: bytes, outcome: int | BaseException) -> None:
        self._in_flight = False
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, asyncio.CancelledError):
                log.error("append failed for offer %s: %s", self.offer_id, outcome)
                self.failed = outcome
            # Kept, ahead of anything newer, for the retry.
            self._pending.insert(0, update)
            if self._retry is None:
                self._retry = asyncio.get_running_loop().call_later(_RETRY_SECONDS, self._again)
        else:
            self.failed = None
            if self._sequencer is not None:
                self._sequencer.durable(self._in_flight_seq)
            if self._on_durable is not None:
                self._on_durable(update)
            self._since_snapshot += 1
            if self._since_snapshot >= self._compact_every and self._compaction is None:
                self._compaction = self._tasks.spawn("store", self._compact_quietly(),
                                                     f"compact-{self.offer_id}")
            if self._pending:
                self._flusher.schedule(self)
        self._wake()

    def _again(self) -> None:
        self._retry = None
        if self._pending:
            self._flusher.schedule(self)

    # --- waiting ---------------------------------------------------------------------------

    def _busy(self) -> bool:
        return bool(self._pending) or self._in_flight or self._compaction is not None

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def flush(self) -> None:
        """Wait until everything handed over so far is durable; raise if the store fails."""
        while self._busy():
            if self.failed is not None:
                raise RuntimeError("persisting updates failed") from self.failed
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    async def stored(self) -> DocState:
        """What the store holds of this room's document (snapshot and log)."""
        return await self._store.load_doc(self.offer_id)

    # --- compaction ------------------------------------------------------------------------

    async def _compact_quietly(self) -> None:
        try:
            await self.compact()
        except Exception:  # the log stays valid; compaction is tried again later
            log.exception("compaction failed for offer %s", self.offer_id)
        finally:
            self._compaction = None
            self._wake()

    async def compact(self) -> None:
        state = await self._store.load_doc(self.offer_id)
        if state.last_seq == 0 or not state.updates:
            return
        parts = ([state.snapshot] if state.snapshot else []) + state.updates
        snapshot = await asyncio.to_thread(_rebuild, parts)
        await self._store.compact(self.offer_id, snapshot, state.last_seq)
        self._since_snapshot = 0

    async def close(self) -> None:
        """The room is going: store what is pending and held, snapshot, send the last mark."""
        if self._custody is not None:
            self._custody.close()
        try:
            await self.flush()
            if self._since_snapshot > 0:
                await self.compact()
        finally:
            if self._sequencer is not None:
                self._sequencer.close()
            if self._retry is not None:
                self._retry.cancel()
                self._retry = None


def _rebuild(parts: list[bytes]) -> bytes:
    """The state of snapshot + log as one update (a fresh doc garbage-collects what was
    deleted, so it is far smaller than merging the updates)."""
    doc: Doc[Any] = Doc()
    for part in parts:
        doc.apply_update(part)
    return doc.get_update()
