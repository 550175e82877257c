"""The cluster Store: PostgreSQL, shared by every node, through psycopg 3 and its async pool.

Same schema and behaviour as the SQLite store (``server.store.sqlite``); what differs is how the
guarantees survive several writers (nodes) on one database:

- Compare-and-set ``commit``: the offer's row is locked before the comparison (pg_negotiation).
- CRDT log seqs: per offer and dense, handed out by the database under a per-offer row lock,
  never from a node's memory (pg_doc). ``append_update`` is group-committed like SQLite's.
- Webhook outbox: claims take due rows FOR UPDATE SKIP LOCKED; each row goes to one node.
- Token revocations: adds lock the offer's row, so the per-offer bound holds across nodes.
- Schema: versioned migrations at ``open()``, serialised by an advisory lock (pg_schema).
- Unreachable server: methods raise ``StoreUnavailable``; the pool reconnects when it is back.

Transactions run at READ COMMITTED with explicit row locks, never SERIALIZABLE, so nothing is
retried: a waiter sees the winner's rows when its next statement starts. Lock order is fixed
(an offer's row, or the log rows of a batch in id order), so group commits cannot deadlock.

Why psycopg 3 rather than asyncpg: it is async-native and also sync, with its pool
(psycopg_pool) in the same project, so the store, the test helpers and migration tooling share
one driver; it binds parameters server-side and prepares hot statements itself; pipeline mode
batches round trips (``executemany`` uses it); and libpq gives the standard URL and conninfo
handling (sslmode, service files, unix sockets) operators expect. asyncpg's extra raw speed does
not matter here: CRDT appends are group-committed, so a batch costs a handful of round trips
whatever its size, and the other writes are a few per user action.
"""

from __future__ import annotations

import functools
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import psycopg

from server.auth import Revocation
from server.store import pg_doc, pg_negotiation, pg_outbox, pg_revocations, pg_rows
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
    StoreUnavailable,
    VersionRecord,
    WebhookDelivery,
    Write,
)
from server.store.pg_core import PgCore
from server.store.sqlite_core import Clock, utc_now
from server.store.writer import GroupCommit


class PostgresStore:
    """``Store`` on PostgreSQL. ``await open()`` first (or use ``async with``); ``close()`` flushes.

    ``url``: a ``postgresql://`` URL or libpq conninfo. ``timeout``: how long a call waits for a
    connection before raising StoreUnavailable (also the connect timeout). The pool holds
    ``min_size``..``max_size`` connections; after losing the server it retries with backoff,
    restarted every ``reconnect_timeout`` seconds."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock = utc_now,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 5.0,
        reconnect_timeout: float = 10.0,
    ) -> None:
        """``clock`` stamps events, decisions and deliveries (tests pass a fake one)."""
        self.url = url
        self._core = PgCore(
            url,
            clock,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            reconnect_timeout=reconnect_timeout,
        )
        self._appends: GroupCommit[pg_doc.Update, int] = GroupCommit(
            functools.partial(pg_doc.write_updates, self._core)
        )
        self._opened = False
        self._closed = False

    @property
    def commits(self) -> int:
        """Write transactions committed since open: shows how well appends are being grouped."""
        return self._core.commits

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect, creating or migrating the schema. Idempotent until closed. StoreUnavailable
        when the server cannot be reached (open again later); RuntimeError for a newer schema."""
        if self._closed:
            raise StoreClosed("store is closed")
        if self._opened:
            return
        await self._core.connect()
        self._opened = True

    async def close(self) -> None:
        """Commit pending appends, then close the pool. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await self._appends.drain()
        await self._core.disconnect()

    async def __aenter__(self) -> PostgresStore:
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
        """True when the database answers within ~2 s; False otherwise (for health checks)."""
        self._check_open()
        try:
            async with self._core.connection(wait_s=min(self._core.timeout, 2.0)) as conn:
                await conn.execute("SELECT 1")
        except (StoreUnavailable, psycopg.Error):
            return False
        return True

    # --- offers ---------------------------------------------------------------------------

    async def create_offer(self, offer: OfferRecord, doc_state: bytes) -> None:
        """Insert the offer, version 1, the doc snapshot and a `created` event in one transaction;
        OfferExists (writing nothing) when the id is taken, whichever node took it."""
        self._check_open()
        if offer.version != 1:
            raise ValueError(f"a new offer starts at version 1, not {offer.version}")
        await pg_doc.create_offer(self._core, offer, bytes(doc_state))

    async def get_offer(self, offer_id: str) -> OfferRecord | None:
        self._check_open()
        sql = f"SELECT {pg_rows.OFFER_COLUMNS} FROM offers WHERE id = %s"
        row = await self._core.one(sql, [offer_id])
        return pg_rows.PG.offer_from_row(row) if row is not None else None

    # --- the CRDT log ---------------------------------------------------------------------

    async def append_update(self, offer_id: str, update: bytes) -> int:
        """Append one Yjs update; returns its seq once the group commit holding it is durable.

        Raises OfferNotFound for an unknown offer, or the commit's error for the whole batch.
        """
        self._check_open()
        return await self._appends.submit((offer_id, bytes(update)))

    async def append_updates(self, batch: list[pg_doc.Update]) -> list[int | Exception]:
        """Several appends in one transaction (see Store.append_updates)."""
        self._check_open()
        return await pg_doc.write_updates(
            self._core, [(offer_id, bytes(update)) for offer_id, update in batch]
        )

    async def load_doc(self, offer_id: str) -> DocState:
        """The snapshot and the log after it; an unknown offer yields an empty state."""
        self._check_open()
        return await pg_doc.load_doc(self._core, offer_id)

    async def compact(self, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
        """Replace the snapshot and drop the log it covers, in one transaction.

        A compaction older than the stored snapshot is ignored (the stored one covers more), also
        when another node compacted the same offer meanwhile. ``upto_seq`` beyond the last
        appended seq raises ValueError: the snapshot would claim updates that were never stored.
        """
        self._check_open()
        await pg_doc.compact(self._core, offer_id, bytes(snapshot), upto_seq)

    async def update_count(self, offer_id: str) -> int:
        self._check_open()
        return await pg_doc.update_count(self._core, offer_id)

    # --- history --------------------------------------------------------------------------

    async def list_versions(self, offer_id: str) -> list[VersionRecord]:
        self._check_open()
        sql = f"SELECT {pg_rows.VERSION_COLUMNS} FROM versions WHERE offer_id = %s ORDER BY number"
        return [pg_rows.PG.version_from_row(row) for row in await self._core.all(sql, [offer_id])]

    async def get_version(self, offer_id: str, number: int) -> VersionRecord | None:
        self._check_open()
        sql = f"SELECT {pg_rows.VERSION_COLUMNS} FROM versions WHERE offer_id = %s AND number = %s"
        row = await self._core.one(sql, [offer_id, number])
        return pg_rows.PG.version_from_row(row) if row is not None else None

    async def append_event(
        self,
        offer_id: str,
        kind: str,
        actor: str | None = None,
        reason: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> EventRecord:
        """Record an event under the offer's next seq; OfferNotFound for an unknown offer."""
        self._check_open()
        return await pg_doc.append_event(self._core, offer_id, kind, actor, reason, payload or {})

    async def list_events(self, offer_id: str) -> list[EventRecord]:
        self._check_open()
        sql = f"SELECT {pg_rows.EVENT_COLUMNS} FROM events WHERE offer_id = %s ORDER BY seq"
        return [pg_rows.PG.event_from_row(row) for row in await self._core.all(sql, [offer_id])]

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
        self._check_open()
        return await pg_negotiation.commit(self._core, offer_id, expect, write, outbox)

    async def get_command(self, offer_id: str, command_id: str) -> CommandRecord | None:
        self._check_open()
        return await pg_negotiation.get_command(self._core, offer_id, command_id)

    async def get_proposal(self, proposal_id: str) -> ProposalRecord | None:
        self._check_open()
        return await pg_negotiation.get_proposal(self._core, proposal_id)

    async def pending_proposal(self, offer_id: str) -> ProposalRecord | None:
        self._check_open()
        return await pg_negotiation.pending_proposal(self._core, offer_id)

    async def list_proposals(self, offer_id: str) -> list[ProposalRecord]:
        """Oldest first."""
        self._check_open()
        return await pg_negotiation.list_proposals(self._core, offer_id)

    async def proposal_times(self, offer_id: str, by: str, since: datetime) -> list[datetime]:
        """Creation times of ``by``'s proposals on the offer at or after ``since``, in order."""
        self._check_open()
        return await pg_negotiation.proposal_times(self._core, offer_id, by, since)

    async def save_explanation(self, proposal_id: str, explanation: Explanation) -> None:
        """Store (replacing any earlier one); LookupError for an unknown proposal."""
        self._check_open()
        await pg_negotiation.save_explanation(self._core, proposal_id, explanation)

    async def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
        """Open offers with ``expires_at <= now``, the longest expired first."""
        self._check_open()
        return await pg_negotiation.due_for_expiry(self._core, now, limit)

    # --- token revocations ----------------------------------------------------------------

    async def add_revocation(self, rule: Revocation) -> None:
        """Keep ``rule``; OfferNotFound for an unknown offer. A duplicate is kept once; past
        ``REVOCATIONS_PER_OFFER`` rules they collapse into one (see Store.add_revocation), also
        when several nodes add at once."""
        self._check_open()
        await pg_revocations.add(self._core, rule)

    async def revocations(self, offer_id: str) -> list[Revocation]:
        """In the order they were added."""
        self._check_open()
        return await pg_revocations.list_for(self._core, offer_id)

    # --- webhook outbox -------------------------------------------------------------------

    async def claim_webhooks(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[WebhookDelivery]:
        """Due deliveries in queue order, leased until ``now + lease_seconds`` (returned as
        their ``next_attempt_at``); a claim by any node before then does not see them."""
        self._check_open()
        return await pg_outbox.claim(self._core, now, limit, lease_seconds)

    async def webhook_delivered(self, delivery_id: int) -> None:
        """Mark it delivered; the row stays as a delivery log. No-op if already settled."""
        self._check_open()
        await pg_outbox.delivered(self._core, delivery_id)

    async def webhook_failed(
        self, delivery_id: int, next_attempt_at: datetime | None, error: str
    ) -> None:
        """Count the attempt and keep ``error``; retry at ``next_attempt_at`` or, when None,
        dead-letter it. No-op if already delivered or dead."""
        self._check_open()
        await pg_outbox.failed(self._core, delivery_id, next_attempt_at, error)

    async def metrics_summary(self) -> MetricsSummary:
        self._check_open()
        return await pg_outbox.metrics_summary(self._core)

    # --- plumbing -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("store is closed")
        if not self._opened:
            raise StoreClosed("store is not open; await open() first")


if TYPE_CHECKING:
    # mypy proves the class satisfies the protocol here, not at some distant call site.
    _protocol_check: type[Store] = PostgresStore
