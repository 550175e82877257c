"""Loads rooms on first connection and evicts them after the last one leaves.

One loader per offer: concurrent first joins wait on the same lock and get the same room (the
deadlock pycrdt-websocket has on exactly this is why we own the registry). Eviction flushes the
room's updates and writes a snapshot before the room is forgotten; a join that arrives meanwhile
waits for it and then loads the room afresh from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from pycrdt import Doc

from server.auth import Revocation
from server.bus.base import Bus, BusMessage, Leases, PresenceBoard
from server.bus.local import LocalBoard, LocalBus
from server.config import Config
from server.crdt.layout import OfferDoc
from server.metrics import Metrics
from server.rooms.connection import Connection
from server.rooms.flusher import Flusher
from server.rooms.hooks import NoHooks, RoomHooks
from server.rooms.persister import CrossNode, Persister
from server.rooms.room import Room
from server.store.base import Store
from server.tasks import Tasks

log = logging.getLogger("offer_room.registry")

#: How often lock leases are checked for expiry.
_SWEEP_SECONDS = 1.0


class NoSuchOffer(Exception):
    pass


class Refused(Exception):
    """The room has no seat for this connection now; ``limit`` names the bound."""

    def __init__(self, limit: str, reason: str) -> None:
        super().__init__(reason)
        self.limit = limit
        self.reason = reason


async def load_offer_doc(store: Store, offer_id: str) -> tuple[OfferDoc, int]:
    """Rebuild an offer's Y.Doc from its snapshot and log; returns it and the log backlog."""
    state = await store.load_doc(offer_id)
    doc: Doc[Any] = Doc()
    if state.snapshot:
        doc.apply_update(state.snapshot)
    for update in state.updates:
        doc.apply_update(update)
    return OfferDoc(doc), len(state.updates)


class _OfferLock:
    """An offer's loader lock and how many callers hold it or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class Registry:
    def __init__(
        self,
        store: Store,
        config: Config,
        metrics: Metrics,
        *,
        bus: Bus | None = None,
        leases: Leases | None = None,
        hooks: RoomHooks | None = None,
        tasks: Tasks | None = None,
        board: PresenceBoard | None = None,
    ) -> None:
        self._store = store
        #: Tells the other nodes which users have sockets here (a no-op on one node).
        self._board: PresenceBoard = board if board is not None else LocalBoard()
        self._tasks = tasks if tasks is not None else Tasks()
        #: One writer for every room's updates (see server/rooms/flusher.py).
        self._flusher = Flusher(store, config.flush_ms / 1000, tasks=self._tasks)
        self._bus: Bus = bus if bus is not None else LocalBus()
        self._leases = leases
        #: What the negotiation layer does when a room loads, is joined, gets a command.
        self._hooks: RoomHooks = hooks if hooks is not None else NoHooks()
        self._config = config
        self._metrics = metrics
        self.rooms: dict[str, Room] = {}
        #: Only while someone holds or awaits an offer's lock: kept for a room's life, a lock
        #: two parties' first joins had contended kept its waiters deque (~760 bytes) and cost
        #: an idle room ~850 bytes (tracemalloc, 4,000 idle sockets in 2,000 rooms).
        self._locks: dict[str, _OfferLock] = {}

    def start(self) -> None:
        self._tasks.spawn("rooms", self._sweep(), "lock-sweeper")
        self._board.start()

    @contextlib.asynccontextmanager
    async def _lock(self, offer_id: str) -> AsyncIterator[None]:
        """Hold ``offer_id``'s lock; the last caller to let go forgets it (the next one makes a
        new lock: nobody holds or awaits the old one, so nothing can slip between the two)."""
        entry = self._locks.get(offer_id)
        if entry is None:
            entry = self._locks[offer_id] = _OfferLock()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._locks[offer_id]

    async def join(self, offer_id: str, conn: Connection) -> Room:
        """The room for ``offer_id`` with ``conn`` joined; raises NoSuchOffer."""
        async with self._lock(offer_id):
            room = self.rooms.get(offer_id)
            if room is None:
                room = await self._load(offer_id)
            refusal = room.seat_refusal(conn)
            if refusal is None:
                first = not any(c.user.id == conn.user.id for c in room.conns)
                room.join(conn)
                self._metrics.connections.inc()
                if first:
                    self._board.arrived(offer_id, conn.user.id)
                return room
        await self._maybe_evict(room)  # a room loaded only for this refused socket
        raise Refused(*refusal)

    def revoke(self, rule: Revocation) -> None:
        """Close the sockets ``rule`` revokes, here and on every node holding the room."""
        room = self.rooms.get(rule.offer_id)
        if room is not None:
            room.revoke(rule)
        self._bus.announce(rule.offer_id, "revoke", msgspec.json.encode(rule))

    async def leave(self, room: Room, conn: Connection) -> None:
        room.leave(conn)
        self._metrics.connections.dec()
        if not any(c.user.id == conn.user.id for c in room.conns):
            self._board.departed(room.offer_id, conn.user.id)
        await self._maybe_evict(room)

    async def present(self, offer_id: str, user_id: str) -> bool:
        """Whether ``user_id`` has a socket in the offer's room on any node right now."""
        room = self.rooms.get(offer_id)
        if room is not None:
            return await room.present(user_id)
        return await self._board.elsewhere(offer_id, user_id)

    @contextlib.asynccontextmanager
    async def use(self, offer_id: str) -> AsyncIterator[Room]:
        """The live room of an offer for server-side work (REST commands, expiry sweeps)."""
        async with self._lock(offer_id):
            room = self.rooms.get(offer_id)
            if room is None:
                room = await self._load(offer_id)
            room.holds += 1
        try:
            yield room
        finally:
            room.holds -= 1
            await self._maybe_evict(room)

    async def _maybe_evict(self, room: Room) -> None:
        if room.conns or room.holds:
            return
        async with self._lock(room.offer_id):
            if room.conns or room.holds or self.rooms.get(room.offer_id) is not room:
                return  # someone joined while we waited
            try:
                await room.persister.close()
            except Exception:
                log.exception("final flush of offer %s failed", room.offer_id)
            del self.rooms[room.offer_id]
            self._metrics.rooms.dec()
            await self._bus.detach(room.offer_id)

    async def _load(self, offer_id: str) -> Room:
        offer = await self._store.get_offer(offer_id)
        if offer is None:
            raise NoSuchOffer(offer_id)
        # Attach to the bus before reading the doc: what other nodes accept from here on is
        # delivered (held until the room exists), so nothing falls between load and subscribe.
        early: list[BusMessage] = []
        holder: list[Room] = []

        def deliver(msg: BusMessage) -> None:
            if holder:
                holder[0].receive_bus(msg)
            else:
                early.append(msg)

        # Updates go out before they are stored, so attaching replays the last two hold periods:
        # one accepted elsewhere just before, not yet in the store this load reads, still
        # arrives. Older ones were stored by their producer or by a node that showed them
        # (server/bus/custody.py).
        hold_ms = self._config.cluster_hold_ms
        link = await self._bus.attach(offer_id, deliver, replay_ms=int(2 * hold_ms))
        try:
            odoc, backlog = await load_offer_doc(self._store, offer_id)
        except BaseException:
            await self._bus.detach(offer_id)
            raise
        # In a cluster every update is published at once, and held by the other nodes until
        # it is durable (see Persister, CrossNode).
        cluster = (CrossNode(link, hold_ms / 1000, self._config.cluster_hold_updates,
                             self._metrics) if link.clustered else None)
        persister = Persister(self._store, offer_id, compact_every=self._config.compact_every,
                              backlog=backlog, flusher=self._flusher, cluster=cluster,
                              tasks=self._tasks)
        room = Room(offer, odoc, self._config, persister, self._metrics, link=link,
                    leases=self._leases, hooks=self._hooks, tasks=self._tasks,
                    board=self._board)
        self.rooms[offer_id] = room
        self._metrics.rooms.inc()
        holder.append(room)
        for msg in early:
            room.receive_bus(msg)
        try:
            await self._hooks.loaded(room)
        except BaseException:
            del self.rooms[offer_id]
            self._metrics.rooms.dec()
            await persister.close()
            await self._bus.detach(offer_id)
            raise
        return room

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(_SWEEP_SECONDS)
            for room in list(self.rooms.values()):
                room.expire_locks()

    async def close(self) -> None:
        """Shutdown: stop sweeping and the rooms' own tasks, close every connection, flush
        every room."""
        await self._tasks.cancel("rooms")
        for room in list(self.rooms.values()):
            for conn in list(room.conns):
                conn.close(1001, "server shutting down")
            try:
                await room.persister.close()
            except Exception:
                log.exception("final flush of offer %s failed", room.offer_id)
        self.rooms.clear()
        await self._flusher.close()
