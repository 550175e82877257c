"""The embedded Store: one SQLite file in WAL mode, driven from one dedicated thread.

sqlite3 blocks, so every statement runs on a single-worker executor that owns the connection
(``SQLiteCore``); the event loop only awaits. Appends to the CRDT log are group-committed
(``GroupCommit``). The file must be opened by one process at a time: sequence numbers are handed
out from the writer thread's memory. Negotiation and the webhook outbox live in
``negotiation_sql`` and ``outbox_sql``; this class only moves their calls onto the writer thread.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from server.auth import Revocation
from server.store import negotiation_sql, outbox_sql, revocations_sql, rows
from server.store.base import (
    CommandRecord,
    DocState,
    EventRecord,
    Expect,
    Explanation,
    MetricsSummary,
    OfferRecord,
    ProposalRecord,
    Store,
    StoreClosed,
    VersionRecord,
    WebhookDelivery,
    Write,
)
from server.store.sqlite_core import Clock, SQLiteCore, Update, utc_now
from server.store.writer import GroupCommit

P = ParamSpec("P")
T = TypeVar("T")


class SQLiteStore:
    """``Store`` on SQLite. ``await open()`` first (or use ``async with``); ``close()`` flushes."""

    def __init__(
        self, path: Path, *, clock: Clock = utc_now, linger_s: float = 0.004
    ) -> None:
        """``clock`` stamps events, decisions and deliveries (tests pass a fake one).

        ``linger_s``: how long appends wait to share a commit with other rooms' (see writer).
        """
        self.path = path
        self._core = SQLiteCore(path, clock)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._appends: GroupCommit[Update, int] = GroupCommit(self._write_updates, linger_s)
        self._opened = False
        self._closed = False

    async def _write_updates(self, batch: list[Update]) -> list[int | Exception]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._core.write_updates, batch)

    @property
    def commits(self) -> int:
        """Write transactions committed since open: shows how well appends are being grouped."""
        return self._core.commits

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Open the file, creating or migrating the schema. Idempotent until closed."""
        if self._closed:
            raise StoreClosed("store is closed")
        if self._opened:
            return
        await asyncio.get_running_loop().run_in_executor(self._executor, self._core.connect)
        self._opened = True

    async def close(self) -> None:
        """Commit pending appends, then close the file. Idempotent."""
        if self._closed:
            return
        # Ordered: refuse new calls, let queued appends commit, then close on the writer thread
        # (after any read already submitted: the executor runs jobs in submission order).
        self._closed = True
        await self._appends.drain()
        if self._opened:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._core.disconnect)
        # The queue is empty by now, so not waiting for the idle thread loses nothing.
        self._executor.shutdown(wait=False)

    async def __aenter__(self) -> SQLiteStore:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def ping(self) -> bool:
        """True when the file answers a query; False on a database error (for health checks)."""
        try:
            return await self._run(self._core.ping)
        except sqlite3.Error:
            return False

    # --- offers ---------------------------------------------------------------------------

    async def create_offer(self, offer: OfferRecord, doc_state: bytes) -> None:
        """Insert the offer, version 1, the doc snapshot and a `created` event in one transaction.

        Raises OfferExists (writing nothing) when the id is taken.
        """
        if offer.version != 1:
            raise ValueError(f"a new offer starts at version 1, not {offer.version}")
        await self._run(self._core.create_offer, offer, bytes(doc_state))

    async def get_offer(self, offer_id: str) -> OfferRecord | None:
        sql = f"SELECT {rows.OFFER_COLUMNS} FROM offers WHERE id = ?"
        row = await self._run(self._core.one, sql, offer_id)
        return rows.SQLITE.offer_from_row(row) if row is not None else None

    # --- the CRDT log ---------------------------------------------------------------------

    async def append_update(self, offer_id: str, update: bytes) -> int:
        """Append one Yjs update; returns its seq once the group commit holding it is durable.

        Raises OfferNotFound for an unknown offer, or the commit's error for the whole batch.
        """
        self._check_open()
        return await self._appends.submit((offer_id, bytes(update)))

    async def append_updates(self, batch: list[Update]) -> list[int | Exception]:
        """Several appends in one transaction (see Store.append_updates)."""
        self._check_open()
        return await self._write_updates([(offer_id, bytes(update)) for offer_id, update in batch])

    async def load_doc(self, offer_id: str) -> DocState:
        """The snapshot and the log after it; an unknown offer yields an empty state."""
        return await self._run(self._core.load_doc, offer_id)

    async def compact(self, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
        """Replace the snapshot and drop the log it covers, in one transaction.

        A compaction older than the stored snapshot is ignored (the stored one covers more).
        ``upto_seq`` beyond the last appended seq raises ValueError: the snapshot would claim
        updates that were never stored.
        """
        await self._run(self._core.compact, offer_id, bytes(snapshot), upto_seq)

    async def update_count(self, offer_id: str) -> int:
        return await self._run(self._core.update_count, offer_id)

    # --- history --------------------------------------------------------------------------

    async def list_versions(self, offer_id: str) -> list[VersionRecord]:
        sql = f"SELECT {rows.VERSION_COLUMNS} FROM versions WHERE offer_id = ? ORDER BY number"
        found = await self._run(self._core.all, sql, offer_id)
        return [rows.SQLITE.version_from_row(row) for row in found]

    async def get_version(self, offer_id: str, number: int) -> VersionRecord | None:
        sql = f"SELECT {rows.VERSION_COLUMNS} FROM versions WHERE offer_id = ? AND number = ?"
        row = await self._run(self._core.one, sql, offer_id, number)
        return rows.SQLITE.version_from_row(row) if row is not None else None

    async def append_event(
        self,
        offer_id: str,
        kind: str,
        actor: str | None = None,
        reason: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> EventRecord:
        """Record an event under the offer's next seq; OfferNotFound for an unknown offer."""
        return await self._run(
            self._core.append_event, offer_id, kind, actor, reason, payload or {}
        )

    async def list_events(self, offer_id: str) -> list[EventRecord]:
        sql = f"SELECT {rows.EVENT_COLUMNS} FROM events WHERE offer_id = ? ORDER BY seq"
        found = await self._run(self._core.all, sql, offer_id)
        return [rows.SQLITE.event_from_row(row) for row in found]

    # --- negotiation ----------------------------------------------------------------------

    async def commit(
        self, offer_id: str, expect: Expect, write: Write, *, outbox: bool = False
    ) -> list[EventRecord]:
        """Compare with ``expect`` and apply ``write`` in one durable transaction.

        Raises OfferNotFound; Conflict (nothing written) when the offer's version, status or
        pending proposal differ from ``expect``, when the decision is not about the pending
        proposal, or when the command id is already stored; ValueError (nothing written) for a
        write that can never apply (version number not ``expect.version + 1``, records of another
        offer, a new proposal while one stays pending). Events are stamped with one ``now``.
        """
        core = self._core
        return await self._run(negotiation_sql.commit, core, offer_id, expect, write, outbox)

    async def get_command(self, offer_id: str, command_id: str) -> CommandRecord | None:
        return await self._run(negotiation_sql.get_command, self._core, offer_id, command_id)

    async def get_proposal(self, proposal_id: str) -> ProposalRecord | None:
        return await self._run(negotiation_sql.get_proposal, self._core, proposal_id)

    async def pending_proposal(self, offer_id: str) -> ProposalRecord | None:
        return await self._run(negotiation_sql.pending_proposal, self._core, offer_id)

    async def list_proposals(self, offer_id: str) -> list[ProposalRecord]:
        """Oldest first."""
        return await self._run(negotiation_sql.list_proposals, self._core, offer_id)

    async def proposal_times(self, offer_id: str, by: str, since: datetime) -> list[datetime]:
        """Creation times of ``by``'s proposals on the offer at or after ``since``, in order."""
        return await self._run(negotiation_sql.proposal_times, self._core, offer_id, by, since)

    async def save_explanation(self, proposal_id: str, explanation: Explanation) -> None:
        """Store (replacing any earlier one); LookupError for an unknown proposal."""
        core = self._core
        await self._run(negotiation_sql.save_explanation, core, proposal_id, explanation)

    async def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
        """Open offers with ``expires_at <= now``, the longest expired first."""
        return await self._run(negotiation_sql.due_for_expiry, self._core, now, limit)

    # --- token revocations ----------------------------------------------------------------

    async def add_revocation(self, rule: Revocation) -> None:
        """Keep ``rule``; OfferNotFound for an unknown offer. A duplicate is kept once; past
        ``REVOCATIONS_PER_OFFER`` rules they collapse into one (see Store.add_revocation)."""
        await self._run(revocations_sql.add, self._core, rule)

    async def revocations(self, offer_id: str) -> list[Revocation]:
        """In the order they were added."""
        return await self._run(revocations_sql.list_for, self._core, offer_id)

    # --- webhook outbox -------------------------------------------------------------------

    async def claim_webhooks(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[WebhookDelivery]:
        """Due deliveries in queue order, leased until ``now + lease_seconds`` (returned as
        their ``next_attempt_at``); a second claim before then does not see them."""
        return await self._run(outbox_sql.claim, self._core, now, limit, lease_seconds)

    async def webhook_delivered(self, delivery_id: int) -> None:
        """Mark it delivered; the row stays as a delivery log. No-op if already settled."""
        await self._run(outbox_sql.delivered, self._core, delivery_id)

    async def webhook_failed(
        self, delivery_id: int, next_attempt_at: datetime | None, error: str
    ) -> None:
        """Count the attempt and keep ``error``; retry at ``next_attempt_at`` or, when None,
        dead-letter it. No-op if already delivered or dead."""
        await self._run(outbox_sql.failed, self._core, delivery_id, next_attempt_at, error)

    async def metrics_summary(self) -> MetricsSummary:
        return await self._run(outbox_sql.metrics_summary, self._core)

    # --- plumbing -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("store is closed")
        if not self._opened:
            raise StoreClosed("store is not open; await open() first")

    async def _run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` on the writer thread, after everything submitted before it."""
        self._check_open()
        call = functools.partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)


if TYPE_CHECKING:
    # mypy proves the class satisfies the protocol here, not at some distant call site.
    _protocol_check: type[Store] = SQLiteStore
