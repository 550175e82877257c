"""Cross-node fan-out: what a room needs from the bus (docs/ARCHITECTURE.md, "Cluster").

A single node needs no bus (``LocalBus``). In cluster mode each offer has one ordered log of what
its rooms accepted — Yjs updates, awareness, app messages, "state changed" hints — and every node
holding that room reads it from the last id it saw, so nothing is skipped after a reconnect.
A room attaches before it loads its doc from the store, so whatever another node accepts between
that load and the first read is still delivered (Yjs updates are idempotent). Messages from the
bus are applied with ``BUS_ORIGIN`` and never published or stored again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

import msgspec

from server.wire import UserInfo

#: "resync" is the bus's own: delivered to every attached room when messages may have been lost
#: (its Redis restarted), so the room re-reads its document and state from the store.
Kind = Literal["update", "awareness", "app", "explain_done", "state", "lock", "revoke", "resync",
               "thread"]


class BusOriginType:
    """Transaction origin of updates that arrived from another node."""

    def __repr__(self) -> str:
        return "BUS_ORIGIN"


BUS_ORIGIN = BusOriginType()


class BusMessage(msgspec.Struct, frozen=True):
    offer_id: str
    node: str
    kind: Kind
    data: bytes
    #: A user id, for messages meant for one participant's connections only.
    target: str | None = None
    #: A user id whose connections must not get it (the actor of a notice).
    skip: str | None = None


class Link(Protocol):
    """A room's handle on its offer's log."""

    clustered: bool

    def publish(
        self, kind: Kind, data: bytes, target: str | None = None, skip: str | None = None
    ) -> None:
        """Queue a message for the other nodes (never blocks; order is kept per room)."""
        ...


Handler = Callable[[BusMessage], None]


class Bus(Protocol):
    node_id: str
    clustered: bool

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    async def attach(self, offer_id: str, handler: Handler) -> Link:
        """Start delivering the offer's messages from other nodes to ``handler``."""
        ...

    async def detach(self, offer_id: str) -> None: ...

    def announce(
        self, offer_id: str, kind: Kind, data: bytes, target: str | None = None
    ) -> None:
        """Publish to the nodes holding ``offer_id``'s room, whether or not this node does
        (``target``: for that user's connections only)."""
        ...


class LeaseGrant(msgspec.Struct, frozen=True):
    """A cluster-wide field lease as it travels between nodes ("lock" messages)."""

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


class PresenceBoard(Protocol):
    """Where a node tells the others which users it has sockets of (server/bus/presence.py)."""

    def start(self) -> None: ...

    def arrived(self, offer_id: str, user_id: str) -> None:
        """This node now has a socket of ``user_id`` in the offer's room."""
        ...

    def departed(self, offer_id: str, user_id: str) -> None:
        """This node has no socket of ``user_id`` left in the offer's room."""
        ...

    async def elsewhere(self, offer_id: str, user_id: str) -> bool:
        """Whether another node has a socket of ``user_id`` in the offer's room."""
        ...
