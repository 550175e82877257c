"""The Store protocol implemented once, for every engine: ``SQLStore``.

Each method is written here on an engine's primitives (``engine.Engine``), or hands the call to
the engine's own operation (``engine.Operations``) after the checks that do not depend on the
stored state. Each method's contract is documented once, on ``Store`` (``base.py``). The engine
classes, ``SQLiteStore`` and ``PostgresStore``, only build their engine.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from datetime import datetime
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar

from server.auth import Revocation
from server.store import notifications, rules, thread
from server.store.base import (
    OUTCOME_EVENTS,
    CommandRecord,
    Digest,
    DocState,
    EventRecord,
    Expect,
    Explanation,
    MessageChange,
    MessageRecord,
    NewMessage,
    NotificationItem,
    OfferRecord,
    ProposalRecord,
    Rating,
    Reminder,
    StoreClosed,
    VersionRecord,
    WebhookDelivery,
    Write,
    content_hash,
)
from server.store.engine import E, Operations
from server.store.rows import (
    COMMAND_COLUMNS,
    EVENT_COLUMNS,
    LIVE_DELIVERY,
    OFFER_COLUMNS,
    PROPOSAL_READ_COLUMNS,
    REVOCATION_COLUMNS,
    VERSION_COLUMNS,
    marks,
)

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound="SQLStore[Any]")


def _guarded(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """Refuse calls before ``open()`` and after ``close()``; count the ones in progress, so that
    ``close()`` can let them finish instead of closing the database under them."""

    @functools.wraps(method)
    async def guarded(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        self._enter()
        try:
            return await method(self, *args, **kwargs)
        finally:
            self._leave()

    return guarded


class SQLStore(Generic[E]):
    """``Store`` on an engine. ``await open()`` first (or use ``async with``)."""

    def __init__(self, engine: E, operations: Operations[E]) -> None:
        self._engine = engine
        self._ops = operations
        self._opened = False
        self._closed = False
        self._busy = 0  # calls in progress
        self._idle: asyncio.Event | None = None  # set when the last of them ends, for close()

    @property
    def commits(self) -> int:
        """Write transactions committed since open: shows how well appends are being grouped."""
        return self._engine.commits

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        if self._closed:
            raise StoreClosed("store is closed")
        if self._opened:
            return
        await self._engine.connect()
        self._opened = True

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True  # first: a call that starts from now on is refused
        while self._busy:
            self._idle = asyncio.Event()
            await self._idle.wait()
        await self._engine.disconnect()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _enter(self) -> None:
        if self._closed:
            raise StoreClosed("store is closed")
        if not self._opened:
            raise StoreClosed("store is not open; await open() first")
        self._busy += 1

    def _leave(self) -> None:
        self._busy -= 1
        if not self._busy and self._idle is not None:
            self._idle.set()

    @_guarded
    async def ping(self) -> bool:
        return await self._engine.ping()

    # --- offers ---------------------------------------------------------------------------

    @_guarded
    async def create_offer(self, offer: OfferRecord, doc_state: bytes) -> None:
        if offer.version != 1:
            raise ValueError(f"a new offer starts at version 1, not {offer.version}")
        first = VersionRecord(
            offer_id=offer.id,
            number=1,
            terms=offer.terms,
            created_at=offer.created_at,
            content_hash=content_hash(offer.terms),
        )
        # bytes(): a bytearray or memoryview from the caller must not change under the write.
        await self._ops.create_offer(self._engine, offer, first, bytes(doc_state))

    @_guarded
    async def get_offer(self, offer_id: str) -> OfferRecord | None:
        sql = f"SELECT {OFFER_COLUMNS} FROM offers WHERE id = ?"
        row = await self._engine.one(sql, offer_id)
        return self._engine.codec.offer_from_row(row) if row is not None else None

    # --- the CRDT log ---------------------------------------------------------------------

    @_guarded
    async def append_updates(self, batch: list[rules.Update]) -> list[int | Exception]:
        updates = [(offer_id, bytes(update)) for offer_id, update in batch]
        return await self._ops.append_updates(self._engine, updates)

    @_guarded
    async def load_doc(self, offer_id: str) -> DocState:
        return await self._ops.load_doc(self._engine, offer_id)

    @_guarded
    async def compact(self, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
        await self._ops.compact(self._engine, offer_id, bytes(snapshot), upto_seq)

    @_guarded
    async def update_count(self, offer_id: str) -> int:
        # The log as load_doc reads it (on SQLite part of it may wait in a journal): nothing on
        # a hot path asks, and the log is at most compact_every entries long.
        return len((await self._ops.load_doc(self._engine, offer_id)).updates)

    # --- history --------------------------------------------------------------------------

    @_guarded
    async def list_versions(self, offer_id: str) -> list[VersionRecord]:
        sql = f"SELECT {VERSION_COLUMNS} FROM versions WHERE offer_id = ? ORDER BY number"
        found = await self._engine.all(sql, offer_id)
        return [self._engine.codec.version_from_row(row) for row in found]

    @_guarded
    async def get_version(self, offer_id: str, number: int) -> VersionRecord | None:
        sql = f"SELECT {VERSION_COLUMNS} FROM versions WHERE offer_id = ? AND number = ?"
        row = await self._engine.one(sql, offer_id, number)
        return self._engine.codec.version_from_row(row) if row is not None else None

    @_guarded
    async def append_event(
        self,
        offer_id: str,
        kind: str,
        actor: str | None = None,
        reason: str | None = None,
        payload: dict[str, Any] | None = None,
        *,
        outbox: bool = False,
    ) -> EventRecord:
        return await self._ops.append_event(
            self._engine, offer_id, kind, actor, reason, payload or {}, outbox
        )

    @_guarded
    async def list_events(self, offer_id: str) -> list[EventRecord]:
        sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE offer_id = ? ORDER BY seq"
        found = await self._engine.all(sql, offer_id)
        return [self._engine.codec.event_from_row(row) for row in found]

    # --- outcomes -------------------------------------------------------------------------

    @_guarded
    async def rate(self, offer_id: str, rating: Rating, *, outbox: bool = False) -> EventRecord:
        return await self._ops.rate(self._engine, offer_id, rating, outbox)

    @_guarded
    async def outcome_page(
        self, start: datetime, end: datetime, after: tuple[datetime, str] | None, limit: int,
    ) -> list[tuple[OfferRecord, list[EventRecord]]]:
        codec = self._engine.codec
        if limit <= 0:
            return []
        since = ("AND (created_at, id) > (?, ?) " if after is not None else "")
        params: list[object] = [codec.time(start), codec.time(end)]
        if after is not None:
            params += [codec.time(after[0]), after[1]]
        found = await self._engine.all(
            f"SELECT {OFFER_COLUMNS} FROM offers WHERE created_at >= ? AND created_at < ? "
            f"{since}ORDER BY created_at, id LIMIT ?", *params, limit)
        offers = [codec.offer_from_row(row) for row in found]
        if not offers:
            return []
        rows = await self._engine.all(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE offer_id IN ({marks(len(offers))}) "
            f"AND kind IN ({marks(len(OUTCOME_EVENTS))}) ORDER BY offer_id, seq",
            *[o.id for o in offers], *OUTCOME_EVENTS)
        events: dict[str, list[EventRecord]] = {o.id: [] for o in offers}
        for row in rows:
            event = codec.event_from_row(row)
            events[event.offer_id].append(event)
        return [(o, events[o.id]) for o in offers]

    # --- negotiation ----------------------------------------------------------------------

    @_guarded
    async def commit(
        self, offer_id: str, expect: Expect, write: Write, *, outbox: bool = False
    ) -> list[EventRecord]:
        write = rules.check_write(offer_id, expect, write)
        return await self._ops.commit(self._engine, offer_id, expect, write, outbox)

    @_guarded
    async def get_command(self, offer_id: str, command_id: str) -> CommandRecord | None:
        sql = f"SELECT {COMMAND_COLUMNS} FROM commands WHERE offer_id = ? AND command_id = ?"
        row = await self._engine.one(sql, offer_id, command_id)
        return self._engine.codec.command_from_row(row) if row is not None else None

    @_guarded
    async def get_proposal(self, proposal_id: str) -> ProposalRecord | None:
        sql = f"SELECT {PROPOSAL_READ_COLUMNS} FROM proposals WHERE id = ?"
        row = await self._engine.one(sql, proposal_id)
        return self._engine.codec.proposal_from_row(row) if row is not None else None

    @_guarded
    async def pending_proposal(self, offer_id: str) -> ProposalRecord | None:
        sql = (
            f"SELECT {PROPOSAL_READ_COLUMNS} FROM proposals "
            "WHERE offer_id = ? AND status = 'pending'"
        )
        row = await self._engine.one(sql, offer_id)
        return self._engine.codec.proposal_from_row(row) if row is not None else None

    @_guarded
    async def list_proposals(self, offer_id: str) -> list[ProposalRecord]:
        sql = (
            f"SELECT {PROPOSAL_READ_COLUMNS} FROM proposals WHERE offer_id = ? "
            f"ORDER BY created_at, {self._engine.insert_order}"
        )
        found = await self._engine.all(sql, offer_id)
        return [self._engine.codec.proposal_from_row(row) for row in found]

    @_guarded
    async def proposal_times(self, offer_id: str, by: str, since: datetime) -> list[datetime]:
        codec = self._engine.codec
        found = await self._engine.all(
            "SELECT created_at FROM proposals WHERE offer_id = ? AND proposer = ? "
            "AND created_at >= ? ORDER BY created_at",
            offer_id,
            by,
            codec.time(since),
        )
        return [codec.read_time(row[0]) for row in found]

    @_guarded
    async def save_explanation(self, proposal_id: str, explanation: Explanation) -> None:
        sql = "UPDATE proposals SET explanation = ? WHERE id = ?"
        if not await self._engine.write(sql, self._engine.codec.json(explanation), proposal_id):
            raise LookupError(f"no proposal {proposal_id}")

    @_guarded
    async def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
        found = await self._engine.all(
            "SELECT id FROM offers WHERE status = 'open' AND expires_at <= ? "
            "ORDER BY expires_at, id LIMIT ?",
            self._engine.codec.time(now),
            limit,
        )
        return [str(row[0]) for row in found]

    # --- the thread (written once in ``thread``; numbering entries is the engine's) ---------

    @_guarded
    async def add_message(self, offer_id: str, message: NewMessage) -> MessageRecord:
        thread.check_new(message)
        return await self._ops.add_message(self._engine, offer_id, message)

    @_guarded
    async def change_message(self, offer_id: str, change: MessageChange) -> MessageRecord:
        thread.check_change(change)
        return await self._ops.change_message(self._engine, offer_id, change)

    @_guarded
    async def get_message(self, offer_id: str, message_id: str) -> MessageRecord | None:
        return await thread.get_message(self._engine, offer_id, message_id)

    @_guarded
    async def list_messages(
        self, offer_id: str, *, before: int | None = None, after: int | None = None,
        limit: int = 50,
    ) -> list[MessageRecord]:
        return await thread.list_messages(self._engine, offer_id, before, after, limit)

    @_guarded
    async def open_questions(self, offer_id: str) -> list[MessageRecord]:
        return await thread.open_questions(self._engine, offer_id)

    @_guarded
    async def mark_read(self, offer_id: str, user_id: str, upto: int) -> int:
        return await thread.mark_read(self._engine, offer_id, user_id, upto)

    @_guarded
    async def read_state(self, offer_id: str, user_id: str) -> tuple[int, int]:
        return await thread.read_state(self._engine, offer_id, user_id)

    # --- notifications and reminders (``notifications``; queueing and claims: the engine's) ---

    @_guarded
    async def queue_notification(
        self, offer_id: str, user_id: str, role: str, item: NotificationItem, *,
        delay_s: float, throttle_s: float,
    ) -> None:
        await self._ops.queue_notification(
            self._engine, offer_id, user_id, role, item, delay_s, throttle_s
        )

    @_guarded
    async def claim_digests(self, now: datetime, limit: int, lease_s: float) -> list[Digest]:
        if limit <= 0:
            return []  # and never a LIMIT below 0, which SQLite reads as "no limit"
        return await self._ops.claim_digests(self._engine, now, limit, lease_s)

    @_guarded
    async def digest_sent(self, digest_id: int) -> None:
        await notifications.digest_sent(self._engine, digest_id)

    @_guarded
    async def digest_failed(self, digest_id: int, next_at: datetime | None, error: str) -> None:
        await notifications.digest_failed(self._engine, digest_id, next_at, error)

    @_guarded
    async def schedule_reminder(self, reminder: Reminder) -> None:
        await notifications.schedule_reminder(self._engine, reminder)

    @_guarded
    async def cancel_reminders(
        self, offer_id: str, *, kind: str | None = None, ref: str | None = None
    ) -> None:
        await notifications.cancel_reminders(self._engine, offer_id, kind, ref)

    @_guarded
    async def claim_reminders(
        self, now: datetime, limit: int, owns: Callable[[str], bool] | None = None
    ) -> list[Reminder]:
        if limit <= 0:
            return []
        return await self._ops.claim_reminders(self._engine, now, limit, owns)

    # --- token revocations ----------------------------------------------------------------

    @_guarded
    async def add_revocation(self, rule: Revocation) -> None:
        await self._ops.add_revocation(self._engine, rule)

    @_guarded
    async def revocations(self, offer_id: str) -> list[Revocation]:
        sql = (
            f"SELECT {REVOCATION_COLUMNS} FROM revocations WHERE offer_id = ? "
            f"ORDER BY {self._engine.insert_order}"
        )
        found = await self._engine.all(sql, offer_id)
        return [self._engine.codec.revocation_from_row(row) for row in found]

    # --- webhook outbox -------------------------------------------------------------------

    @_guarded
    async def claim_webhooks(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[WebhookDelivery]:
        return await self._ops.claim_webhooks(self._engine, now, limit, lease_seconds)

    @_guarded
    async def webhook_delivered(self, delivery_id: int) -> None:
        await self._engine.write(
            f"UPDATE webhook_outbox SET delivered_at = ? WHERE id = ? AND {LIVE_DELIVERY}",
            self._engine.codec.time(self._engine.now()),
            delivery_id,
        )

    @_guarded
    async def webhook_failed(
        self, delivery_id: int, next_attempt_at: datetime | None, error: str
    ) -> None:
        time = self._engine.codec.time
        if next_attempt_at is None:
            await self._engine.write(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, dead_at = ? "
                f"WHERE id = ? AND {LIVE_DELIVERY}",
                error,
                time(self._engine.now()),
                delivery_id,
            )
        else:
            await self._engine.write(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, "
                f"next_attempt_at = ? WHERE id = ? AND {LIVE_DELIVERY}",
                error,
                time(next_attempt_at),
                delivery_id,
            )
