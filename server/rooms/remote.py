"""A room's cluster side: messages from other nodes, and field leases held cluster-wide.

Updates from the bus were checked by the guard of the node that accepted them, so they are
applied as trusted, with the bus origin (broadcast to local connections, never stored or
published again). Leases live in Redis (``Leases``); each node keeps a mirror in its LockTable so
the guard's per-update check stays a dictionary lookup. Lease changes travel as "lock" messages
carrying Redis's fencing token, and a mirror only ever moves forward in token order.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from server.auth import Revocation
from server.bus.base import BUS_ORIGIN, BusMessage
from server.presence.locks import Lease
from server.wire import Error, UserInfo, app_frame, awareness_frame

if TYPE_CHECKING:
    from server.rooms.connection import Connection
    from server.rooms.room import Room
    from server.wire import Lock

log = logging.getLogger("offer_room.remote")
_tasks: set[asyncio.Task[None]] = set()


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


class LeaseGrant(msgspec.Struct, frozen=True):
    field: str
    user: UserInfo
    token: int
    ttl_ms: int
    released: bool = False


class Leases(Protocol):
    """Cluster-wide field leases (SET NX PX with a fencing token)."""

    async def take(self, offer_id: str, field: str, user: UserInfo) -> LeaseGrant | UserInfo:
        """The grant (taken or renewed), or the user who holds the field."""
        ...

    async def release(self, offer_id: str, field: str, user_id: str) -> bool: ...


def _spawn(coro: Any) -> None:
    task = asyncio.create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def apply_bus_message(room: Room, msg: BusMessage) -> None:
    if msg.kind == "update":
        room.guard.apply_trusted(msg.data, BUS_ORIGIN)
        room.flush_outbox()
    elif msg.kind == "awareness":
        accepted = room.awareness.apply_remote(msg.data, RemoteOwner(msg.node))
        if accepted is not None:
            for conn in room.conns:
                conn.send(awareness_frame(accepted))
    elif msg.kind == "app":
        for conn in room.conns:
            if (msg.target is None or conn.user.id == msg.target) and conn.user.id != msg.skip:
                conn.send(msg.data)
    elif msg.kind == "lock":
        _mirror(room, msgspec.json.decode(msg.data, type=LeaseGrant), msg.node)
    elif msg.kind == "revoke":
        room.revoke(msgspec.json.decode(msg.data, type=Revocation))
    else:
        hook = room.remote_hooks.get(msg.kind)
        if hook is not None:
            hook(room, msg)


def _mirror(room: Room, grant: LeaseGrant, node: str) -> None:
    current = room.locks.leases.get(grant.field)
    if grant.released:
        # Only the holder's own release counts: a newer lease by someone else stays.
        if current is not None and current.user_id == grant.user.id:
            del room.locks.leases[grant.field]
    elif current is not None and current.token > grant.token:
        return  # an older grant overtaken by a newer lease
    else:
        room.locks.leases[grant.field] = Lease(
            grant.field, RemoteHolder(node, grant.user), grant.user.id, grant.user.name,
            room.locks.now() + grant.ttl_ms / 1000, token=grant.token,
        )
    room.broadcast_locks()


def take_lease(room: Room, conn: Connection, msg: Lock) -> None:
    _spawn(_take(room, conn, msg))


async def _take(room: Room, conn: Connection, msg: Lock) -> None:
    assert room.leases is not None
    try:
        result = await room.leases.take(room.offer_id, msg.field, conn.user)
    except Exception as exc:
        log.warning("lease for %s failed: %s", msg.field, exc)
        conn.send(app_frame(Error(code="unavailable", message="Locks are unavailable right now.",
                                  ref=msg.id)))
        return
    if isinstance(result, UserInfo):
        conn.send(app_frame(Error(code="locked", message=f"{result.name} is editing this field.",
                                  ref=msg.id)))
        return
    existing = room.locks.leases.get(msg.field)
    renewal = existing is not None and existing.holder is conn
    room.locks.leases[msg.field] = Lease(msg.field, conn, conn.user.id, conn.user.name,
                                         room.locks.now() + result.ttl_ms / 1000,
                                         token=result.token)
    if not renewal:
        room.broadcast_locks()
        room.link.publish("lock", msgspec.json.encode(result))


def release_leases(room: Room, user_id: str, fields: list[str]) -> None:
    for field in fields:
        _spawn(_release(room, user_id, field))


async def _release(room: Room, user_id: str, field: str) -> None:
    assert room.leases is not None
    try:
        await room.leases.release(room.offer_id, field, user_id)
    except Exception as exc:  # the lease expires by itself in Redis
        log.warning("releasing %s failed: %s", field, exc)
    user = UserInfo(id=user_id, name="", role="viewer", color="")
    grant = LeaseGrant(field=field, user=user, token=0, ttl_ms=0, released=True)
    room.link.publish("lock", msgspec.json.encode(grant))
