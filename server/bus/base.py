"""Cross-node fan-out: what a room needs from the bus (docs/ARCHITECTURE.md, "Cluster").

A single node needs no bus (``LocalBus``). In cluster mode each offer has one ordered log of what
its rooms accepted — Yjs updates, awareness, app messages, "state changed" hints — and every node
holding that room reads it from the last id it saw, so nothing is skipped after a reconnect.
A room attaches before it loads its doc from the store, and replays the updates of the last few
seconds before that, so whatever another node accepted but had not stored yet when this node read
the store is still delivered (Yjs updates are idempotent). Messages from the bus are applied with
``BUS_ORIGIN`` and never published again; another node's update is stored here only if its
producer does not say in time that it stored it (``server/bus/custody.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

import msgspec

from server.wire import UserInfo

#: "resync" is the bus's own: delivered to every attached room when messages may have been lost
#: (its Redis restarted), so the room re-reads its document and state from the store.
#: "accepted" is an update as its node accepted it, before its group commit (an ``Accepted``);
#: "durable" says how far a producer's accepted updates are stored (a ``Durable``). "update" is
#: an update its producer has already stored (nothing to hold).
Kind = Literal["update", "accepted", "durable", "awareness", "app", "explain_done", "state",
               "lock", "revoke", "resync", "thread"]

#: The kinds a room replays from before it attached: Yjs updates and how far they are durable,
#: never a notice, a lease or a hint that was meant for that moment.
REPLAYED: frozenset[str] = frozenset({"update", "accepted", "durable"})


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


class Accepted(msgspec.Struct, frozen=True, array_like=True):
    """An update published as soon as its node accepted it (the data of an "accepted" message).

    ``source`` names the producing room's incarnation (a node's room gets a new one each time it
    loads, so numbers never restart under the same name); ``seq`` numbers its updates from 1;
    ``durable`` is the producer's durable mark at the time (every update of ``source`` numbered
    up to it is stored), carried along so a busy room needs no separate "durable" messages.
    """

    source: str
    seq: int
    durable: int
    update: bytes


class Durable(msgspec.Struct, frozen=True, array_like=True):
    """Every update of ``source`` numbered up to ``seq`` is stored (a "durable" message)."""

    source: str
    seq: int


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

    async def attach(self, offer_id: str, handler: Handler, replay_ms: int = 0) -> Link:
        """Start delivering the offer's messages from other nodes to ``handler``; first the
        ``REPLAYED`` kinds published in the ``replay_ms`` before now (whichever node published
        them, this one included: an earlier incarnation of the room may have)."""
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
