"""The webhook outbox on SQLite: queueing deliveries and claiming them (writer-thread functions).

An event meant for integrators is queued in the same transaction that writes it, so a delivery is
never lost nor sent for an event that was rolled back. Senders *claim* due rows: the claim pushes
``next_attempt_at`` one lease ahead, so a concurrent claimer skips them until the lease runs out
(delivery is at-least-once: a sender that dies mid-POST is retried after its lease). Reporting
the outcome is the same statement on both engines (``SQLStore.webhook_delivered``, ``_failed``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from server.store.base import EventRecord, WebhookDelivery
from server.store.rows import DELIVERY_COLUMNS, LIVE_DELIVERY
from server.store.rules import webhook_body
from server.store.sqlite.core import SQLiteCore
from server.store.sqlite.rows import SQLITE, from_text, to_text


def enqueue(core: SQLiteCore, events: list[EventRecord], now: datetime) -> None:
    """Queue one delivery per event; call inside the transaction that wrote the events."""
    due = to_text(now)
    core.conn.executemany(
        "INSERT INTO webhook_outbox (offer_id, event_seq, body, attempts, next_attempt_at, "
        "created_at) VALUES (?, ?, ?, 0, ?, ?)",
        [(event.offer_id, event.seq, webhook_body(event), due, due) for event in events],
    )


def claim_webhooks(
    core: SQLiteCore, now: datetime, limit: int, lease_seconds: float
) -> list[WebhookDelivery]:
    """Due deliveries, oldest (first queued) first, each leased until ``now + lease_seconds``."""
    until = to_text(now + timedelta(seconds=lease_seconds))
    with core.transaction() as conn:
        found = core.all(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_outbox "
            f"WHERE {LIVE_DELIVERY} AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            to_text(now),
            limit,
        )
        conn.executemany(
            "UPDATE webhook_outbox SET next_attempt_at = ? WHERE id = ?",
            [(until, row["id"]) for row in found],
        )
    leased = from_text(until)
    return [
        msgspec.structs.replace(SQLITE.delivery_from_row(row), next_attempt_at=leased)
        for row in found
    ]
