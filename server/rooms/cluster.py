"""A room's side of the cluster: messages from other nodes, and field leases held cluster-wide.

Each room owns one ``ClusterSide``. On a single node its link publishes nowhere and it holds no
leases. In a cluster, updates from the bus were checked by the guard of the node that accepted
them, so they are applied as trusted (broadcast to local connections, never published again).
They arrive before their producer stored them, so the room's persister holds each one until the
producer's durable mark covers it, and stores it itself if none comes in time
(``server/bus/custody.py``). Leases live in Redis (``Leases``); the room's LockTable mirrors
them so the guard's per-update check stays a dictionary lookup. Lease changes travel as "lock"
messages carrying Redis's fencing token, and the mirror only ever moves forward in token order.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import msgspec

from server.auth import Revocation
from server.bus.base import (
    Accepted,
    BusMessage,
    Durable,
    Kind,
    LeaseGrant,
    Leases,
    Link,
    PresenceBoard,
)
from server.presence.locks import Lease
from server.tasks import Tasks
from server.wire import Error, UserInfo, app_frame, awareness_frame

if TYPE_CHECKING:
    from server.rooms.connection import Connection
    from server.rooms.room import Room
    from server.wire import Lock

log = logging.getLogger("offer_room.cluster")

_accepted = msgspec.msgpack.Decoder(Accepted)
_durable = msgspec.msgpack.Decoder(Durable)


class RemoteHolder:
    """A lease holder connected to another node."""

    __slots__ = ("node", "user")

    def __init__(self, node: str, user: UserInfo) -> None:
        self.node = node
        self.user = user


class RemoteOwner:
    """Owner of awareness states introduced on another node."""

    __slots__ = ("node",)

    def __init__(self, node: str) -> None:
        self.node = node


class ClusterSide:
    def __init__(
        self, room: Room, link: Link, leases: Leases | None, tasks: Tasks, board: PresenceBoard
    ) -> None:
        self._room = room
        self._link = link
        self._board = board
        #: Cluster-wide field leases (Redis); None on a single node, where the LockTable decides.
        self.leases = leases
        self._tasks = tasks

    @property
    def clustered(self) -> bool:
        return self._link.clustered

    async def elsewhere(self, user_id: str) -> bool:
        """Whether another node has a socket of ``user_id`` in this room."""
        return await self._board.elsewhere(self._room.offer_id, user_id)

    def publish(
        self, kind: Kind, data: bytes, target: str | None = None, skip: str | None = None
    ) -> None:
        """Tell the other nodes holding this room (never blocks; order is kept per room)."""
        self._link.publish(kind, data, target, skip)

    def receive(self, msg: BusMessage) -> None:
        room = self._room
        if msg.kind == "accepted":
            update = _accepted.decode(msg.data)
            room.apply_trusted(update.update)
            room.persister.received(update)
        elif msg.kind == "durable":
            room.persister.confirmed(_durable.decode(msg.data))
        elif msg.kind == "update":  # already stored by its producer
            room.apply_trusted(msg.data)
        elif msg.kind == "awareness":
            accepted = room.awareness.apply_remote(msg.data, RemoteOwner(msg.node))
            if accepted is not None:
                room.broadcast(awareness_frame(accepted))
        elif msg.kind == "app":
            for conn in room.conns:
                if (msg.target is None or conn.user.id == msg.target) and conn.user.id != msg.skip:
                    conn.send(msg.data)
        elif msg.kind == "lock":
            self._mirror(msgspec.json.decode(msg.data, type=LeaseGrant), msg.node)
        elif msg.kind == "revoke":
            room.revoke(msgspec.json.decode(msg.data, type=Revocation))
        elif msg.kind == "resync":
            self._tasks.spawn("rooms", room.resync(msg), f"resync-{room.offer_id}")
        else:
            room.hooks.remote(room, msg)

    # --- leases ----------------------------------------------------------------------------

    def take_lease(self, conn: Connection, msg: Lock) -> None:
        """Ask Redis for the field (asynchronously); the answer goes to ``conn``."""
        self._tasks.spawn("rooms", self._take(conn, msg), f"lease-{msg.field}")

    def release(self, user_id: str, fields: list[str]) -> None:
        for field in fields:
            self._tasks.spawn("rooms", self._release(user_id, field), f"release-{field}")

    def _mirror(self, grant: LeaseGrant, node: str) -> None:
        locks = self._room.locks
        current = locks.leases.get(grant.field)
        if grant.released:
            # Only the holder's own release counts: a newer lease by someone else stays.
            if current is not None and current.user_id == grant.user.id:
                del locks.leases[grant.field]
        elif current is not None and current.token > grant.token:
            return  # an older grant overtaken by a newer lease
        else:
            locks.leases[grant.field] = Lease(
                grant.field, RemoteHolder(node, grant.user), grant.user.id, grant.user.name,
                locks.now() + grant.ttl_ms / 1000, token=grant.token,
            )
        self._room.broadcast_locks()

    async def _take(self, conn: Connection, msg: Lock) -> None:
        assert self.leases is not None
        room = self._room
        try:
            result = await self.leases.take(room.offer_id, msg.field, conn.user)
        except Exception as exc:
            log.warning("lease for %s failed: %s", msg.field, exc)
            conn.send(app_frame(Error(code="unavailable",
                                      message="Locks are unavailable right now.", ref=msg.id)))
            return
        if isinstance(result, UserInfo):
            conn.send(app_frame(Error(code="locked",
                                      message=f"{result.name} is editing this field.",
                                      ref=msg.id)))
            return
        locks = room.locks
        existing = locks.leases.get(msg.field)
        renewal = existing is not None and existing.holder is conn
        now = locks.now()
        # The idle limit runs from the holder's last input, here on the holder's node.
        input_at = now
        if (renewal and not msg.active and existing is not None
                and existing.input_at is not None and locks.ends_at(existing) > now):
            input_at = existing.input_at
        if msg.active:
            locks.forget_idle(msg.field, conn.user.id)
        locks.leases[msg.field] = Lease(msg.field, conn, conn.user.id, conn.user.name,
                                        now + result.ttl_ms / 1000, token=result.token,
                                        input_at=input_at)
        if not renewal:
            room.broadcast_locks()
            self.publish("lock", msgspec.json.encode(result))

    async def _release(self, user_id: str, field: str) -> None:
        assert self.leases is not None
        try:
            await self.leases.release(self._room.offer_id, field, user_id)
        except Exception as exc:  # the lease expires by itself in Redis
            log.warning("releasing %s failed: %s", field, exc)
        user = UserInfo(id=user_id, name="", role="viewer", color="")
        grant = LeaseGrant(field=field, user=user, token=0, ttl_ms=0, released=True)
        self.publish("lock", msgspec.json.encode(grant))
