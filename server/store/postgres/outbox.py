"""The webhook outbox on PostgreSQL: queueing deliveries and claiming them.

Same semantics as on SQLite: deliveries are queued in the transaction that writes their events; a
claim leases due rows by pushing ``next_attempt_at`` one lease ahead. Reporting the outcome is the
same statement on both engines (``SQLStore.webhook_delivered``, ``webhook_failed``).

With several nodes, a claim selects due rows ``FOR UPDATE SKIP LOCKED``: a node skips rows
another node is claiming right now, and a row whose claim committed meanwhile is re-checked
against its new lease and dropped. Each due row goes to exactly one claimer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.store.base import EventRecord, WebhookDelivery
from server.store.postgres.core import Conn, PgCore
from server.store.postgres.rows import PG
from server.store.rows import LIVE_DELIVERY, utc
from server.store.rules import webhook_body


async def enqueue(conn: Conn, events: list[EventRecord], now: datetime) -> None:
    """Queue one delivery per event; call inside the transaction that wrote the events."""
    due = utc(now)
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO webhook_outbox (offer_id, event_seq, body, attempts, next_attempt_at, "
            "created_at) VALUES (%s, %s, %s, 0, %s, %s)",
            [(event.offer_id, event.seq, webhook_body(event), due, due) for event in events],
        )


async def claim_webhooks(
    core: PgCore, now: datetime, limit: int, lease_seconds: float
) -> list[WebhookDelivery]:
    """Due deliveries, oldest (first queued) first, each leased until ``now + lease_seconds``."""
    until = utc(now + timedelta(seconds=lease_seconds))
    async with core.transaction() as conn:
        cursor = await conn.execute(
            "WITH due AS ("
            f"  SELECT id FROM webhook_outbox WHERE {LIVE_DELIVERY} AND next_attempt_at <= %s "
            "   ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
            ") "
            "UPDATE webhook_outbox w SET next_attempt_at = %s FROM due WHERE w.id = due.id "
            "RETURNING w.id, w.offer_id, w.event_seq, w.body, w.attempts, w.next_attempt_at",
            [utc(now), limit, until],
        )
        found = await cursor.fetchall()
    return sorted((PG.delivery_from_row(row) for row in found), key=lambda d: d.id)
