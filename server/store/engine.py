"""What a database engine gives the one Store implementation (``sql_store.SQLStore``).

Two things. ``Engine``, its primitives: connect and disconnect, run a read, run a few reads that
see one state, run a one-statement write transaction, and how its rows encode a value (``codec``)
and keep insertion order. Most of the Store is written once on these. ``Operations``, the few
operations each engine carries out its own way, because what makes them safe differs: SQLite's
single writer thread hands out sequence numbers from memory, PostgreSQL's nodes take row locks.

Statements given to the primitives are the same text on both engines, with ``?`` placeholders
(SQLite's own; the PostgreSQL engine rewrites them to psycopg's ``%s``), so they never hold ``%``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from server.auth import Revocation
from server.store.base import (
    Digest,
    DocState,
    EventRecord,
    Expect,
    MessageChange,
    MessageRecord,
    NewMessage,
    NotificationItem,
    OfferRecord,
    Rating,
    Reminder,
    VersionRecord,
    WebhookDelivery,
    Write,
)
from server.store.rows import Row, RowCodec
from server.store.rules import Clock, Update


class Engine(Protocol):
    #: Stamps events, decisions and deliveries (tests pass a fake clock).
    now: Clock

    @property
    def codec(self) -> RowCodec:
        """How this engine writes a JSON value and a time, and reads a time back."""
        ...

    @property
    def insert_order(self) -> str:
        """The column that orders an offer's proposals and revocations as they were added."""
        ...

    @property
    def commits(self) -> int:
        """Write transactions committed since connecting."""
        ...

    async def connect(self) -> None:
        """Open the database, creating or migrating the schema."""
        ...

    async def disconnect(self) -> None:
        """Release everything; also called for an engine that never connected."""
        ...

    async def ping(self) -> bool: ...

    async def one(self, sql: str, *params: object) -> Row | None: ...

    async def all(self, sql: str, *params: object) -> Sequence[Row]: ...

    async def reads(self, *sqls: str) -> Sequence[Sequence[Row]]:
        """Run each statement (without parameters), every one seeing the same committed state."""
        ...

    async def write(self, sql: str, *params: object) -> int:
        """Run one statement in a write transaction of its own; returns the rows it changed."""
        ...


E = TypeVar("E", bound=Engine)


@dataclass(frozen=True)
class Operations(Generic[E]):
    """The operations an engine does its own way, each given the engine first.

    Their contracts are the Store methods of the same names (``server.store.base.Store``).
    ``SQLStore`` has already checked what does not depend on the stored state: ``create_offer``
    gets the offer's first version built, ``commit`` a write that passed ``rules.check_write``,
    ``add_message`` and ``change_message`` what passed ``thread.check_new`` / ``check_change``, the
claims a ``limit`` above 0.
    """

    create_offer: Callable[[E, OfferRecord, VersionRecord, bytes], Awaitable[None]]
    append_updates: Callable[[E, list[Update]], Awaitable[list[int | Exception]]]
    load_doc: Callable[[E, str], Awaitable[DocState]]
    compact: Callable[[E, str, bytes, int], Awaitable[None]]
    #: The last argument is ``outbox``.
    append_event: Callable[
        [E, str, str, str | None, str | None, dict[str, Any], bool], Awaitable[EventRecord]
    ]
    commit: Callable[[E, str, Expect, Write, bool], Awaitable[list[EventRecord]]]
    add_message: Callable[[E, str, NewMessage], Awaitable[MessageRecord]]
    change_message: Callable[[E, str, MessageChange], Awaitable[MessageRecord]]
    add_revocation: Callable[[E, Revocation], Awaitable[None]]
    claim_webhooks: Callable[[E, datetime, int, float], Awaitable[list[WebhookDelivery]]]
    #: (offer, user, role, item, delay_s, throttle_s)
    queue_notification: Callable[
        [E, str, str, str, NotificationItem, float, float], Awaitable[None]
    ]
    claim_digests: Callable[[E, datetime, int, float], Awaitable[list[Digest]]]
    #: The last argument is ``owns`` (None: every offer's).
    claim_reminders: Callable[
        [E, datetime, int, Callable[[str], bool] | None], Awaitable[list[Reminder]]
    ]
    #: The last argument is ``outbox``.
    rate: Callable[[E, str, Rating, bool], Awaitable[EventRecord]]
