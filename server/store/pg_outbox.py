"""The webhook outbox and the metrics summary on PostgreSQL.

Same semantics as ``outbox_sql`` (SQLite): deliveries are queued in the transaction that writes
their events; a claim leases due rows by pushing ``next_attempt_at`` one lease ahead; delivered
rows stay as a log, dead letters keep ``dead_at``; late reports about settled rows change nothing.

With several nodes, a claim selects due rows ``FOR UPDATE SKIP LOCKED``: a node skips rows
another node is claiming right now, and a row whose claim committed meanwhile is re-checked
against its new lease and dropped. Each due row goes to exactly one claimer.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from server.store import pg_rows
from server.store.base import EventRecord, MetricsSummary, WebhookDelivery
from server.store.outbox_sql import webhook_body
from server.store.pg_core import Conn, PgCore

#: Both halves of the partial index ``webhook_outbox_due``: spelled the same so it is used.
_LIVE = "delivered_at IS NULL AND dead_at IS NULL"


async def enqueue(conn: Conn, events: list[EventRecord], now: datetime) -> None:
    """Queue one delivery per event; call inside the transaction that wrote the events."""
    due = pg_rows.utc(now)
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO webhook_outbox (offer_id, event_seq, body, attempts, next_attempt_at, "
            "created_at) VALUES (%s, %s, %s, 0, %s, %s)",
            [(event.offer_id, event.seq, webhook_body(event), due, due) for event in events],
        )


async def claim(
    core: PgCore, now: datetime, limit: int, lease_seconds: float
) -> list[WebhookDelivery]:
    """Due deliveries, oldest (first queued) first, each leased until ``now + lease_seconds``."""
    until = pg_rows.utc(now + timedelta(seconds=lease_seconds))
    async with core.transaction() as conn:
        cursor = await conn.execute(
            "WITH due AS ("
            f"  SELECT id FROM webhook_outbox WHERE {_LIVE} AND next_attempt_at <= %s "
            "   ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
            ") "
            "UPDATE webhook_outbox w SET next_attempt_at = %s FROM due WHERE w.id = due.id "
            "RETURNING w.id, w.offer_id, w.event_seq, w.body, w.attempts, w.next_attempt_at",
            [pg_rows.utc(now), limit, until],
        )
        found = await cursor.fetchall()
    return sorted((pg_rows.PG.delivery_from_row(row) for row in found), key=lambda d: d.id)


async def delivered(core: PgCore, delivery_id: int) -> None:
    async with core.transaction() as conn:
        await conn.execute(
            f"UPDATE webhook_outbox SET delivered_at = %s WHERE id = %s AND {_LIVE}",
            [pg_rows.utc(core.now()), delivery_id],
        )


async def failed(
    core: PgCore, delivery_id: int, next_attempt_at: datetime | None, error: str
) -> None:
    """Count the attempt; retry at ``next_attempt_at``, or dead-letter the row when None."""
    async with core.transaction() as conn:
        if next_attempt_at is None:
            await conn.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = %s, dead_at = %s "
                f"WHERE id = %s AND {_LIVE}",
                [error, pg_rows.utc(core.now()), delivery_id],
            )
        else:
            await conn.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = %s, "
                f"next_attempt_at = %s WHERE id = %s AND {_LIVE}",
                [error, pg_rows.utc(next_attempt_at), delivery_id],
            )


async def metrics_summary(core: PgCore) -> MetricsSummary:
    """Counts derived from the stored history, all read from one snapshot."""
    async with core.snapshot() as conn:
        by_status = await (
            await conn.execute("SELECT status, COUNT(*) FROM offers GROUP BY status")
        ).fetchall()
        by_kind = await (
            await conn.execute("SELECT kind, COUNT(*) FROM events GROUP BY kind")
        ).fetchall()
        # The first offer_accepted event of each agreed offer marks its agreement.
        agreed = await (
            await conn.execute(
                "SELECT o.created_at, MIN(e.at) FROM offers o "
                "JOIN events e ON e.offer_id = o.id AND e.kind = 'offer_accepted' "
                "WHERE o.status = 'agreed' GROUP BY o.id ORDER BY o.created_at, o.id"
            )
        ).fetchall()
        proposals = await (
            await conn.execute("SELECT COUNT(*) FROM proposals GROUP BY offer_id ORDER BY offer_id")
        ).fetchall()
        states = await (
            await conn.execute(
                "SELECT CASE WHEN dead_at IS NOT NULL THEN 'dead' "
                "WHEN delivered_at IS NOT NULL THEN 'delivered' ELSE 'pending' END AS state, "
                "COUNT(*) FROM webhook_outbox GROUP BY state"
            )
        ).fetchall()
    outbox = Counter({str(state): int(n) for state, n in states})
    return MetricsSummary(
        offers_by_status={str(status): int(n) for status, n in by_status},
        events_by_kind={str(kind): int(n) for kind, n in by_kind},
        agreement_seconds=[(agreed_at - created).total_seconds() for created, agreed_at in agreed],
        proposals_per_offer=[int(row[0]) for row in proposals],
        webhooks_pending=outbox["pending"],
        webhooks_dead=outbox["dead"],
    )
