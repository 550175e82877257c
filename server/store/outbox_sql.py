"""The webhook outbox and the metrics summary on SQLite (writer-thread functions).

An event meant for integrators is queued in the same transaction that writes it, so a delivery is
never lost nor sent for an event that was rolled back. Senders *claim* due rows: the claim pushes
``next_attempt_at`` one lease ahead, so a concurrent claimer skips them until the lease runs out
(delivery is at-least-once: a sender that dies mid-POST is retried after its lease). Delivered rows
are kept, with ``delivered_at`` set, as a delivery log; dead letters keep ``dead_at``. Reports on a
row that is already delivered or dead, or that no longer exists, change nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import msgspec

from server.store import rows
from server.store.base import EventRecord, MetricsSummary, WebhookDelivery
from server.store.sqlite_core import SQLiteCore

#: Both halves of the partial index ``webhook_outbox_due``: spelled the same so it is used.
_LIVE = "delivered_at IS NULL AND dead_at IS NULL"


class WebhookBody(msgspec.Struct, frozen=True):
    """What is POSTed for one event; ``id`` ("offer:seq") lets receivers drop duplicates."""

    id: str
    offer_id: str
    seq: int
    kind: str
    at: datetime
    actor: str | None
    reason: str | None
    payload: dict[str, Any]


_body_encoder = msgspec.json.Encoder()


def webhook_body(event: EventRecord) -> bytes:
    return _body_encoder.encode(
        WebhookBody(
            id=f"{event.offer_id}:{event.seq}",
            offer_id=event.offer_id,
            seq=event.seq,
            kind=event.kind,
            at=event.at,
            actor=event.actor,
            reason=event.reason,
            payload=event.payload,
        )
    )


def enqueue(core: SQLiteCore, events: list[EventRecord], now: datetime) -> None:
    """Queue one delivery per event; call inside the transaction that wrote the events."""
    due = rows.to_text(now)
    core.conn.executemany(
        "INSERT INTO webhook_outbox (offer_id, event_seq, body, attempts, next_attempt_at, "
        "created_at) VALUES (?, ?, ?, 0, ?, ?)",
        [(event.offer_id, event.seq, webhook_body(event), due, due) for event in events],
    )


def claim(
    core: SQLiteCore, now: datetime, limit: int, lease_seconds: float
) -> list[WebhookDelivery]:
    """Due deliveries, oldest (first queued) first, each leased until ``now + lease_seconds``."""
    until = rows.to_text(now + timedelta(seconds=lease_seconds))
    with core.transaction() as conn:
        found = core.all(
            f"SELECT {rows.DELIVERY_COLUMNS} FROM webhook_outbox "
            f"WHERE {_LIVE} AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            rows.to_text(now),
            limit,
        )
        conn.executemany(
            "UPDATE webhook_outbox SET next_attempt_at = ? WHERE id = ?",
            [(until, row["id"]) for row in found],
        )
    leased = rows.from_text(until)
    return [
        msgspec.structs.replace(rows.SQLITE.delivery_from_row(row), next_attempt_at=leased)
        for row in found
    ]


def delivered(core: SQLiteCore, delivery_id: int) -> None:
    with core.transaction() as conn:
        conn.execute(
            f"UPDATE webhook_outbox SET delivered_at = ? WHERE id = ? AND {_LIVE}",
            (rows.to_text(core.now()), delivery_id),
        )


def failed(
    core: SQLiteCore, delivery_id: int, next_attempt_at: datetime | None, error: str
) -> None:
    """Count the attempt; retry at ``next_attempt_at``, or dead-letter the row when None."""
    with core.transaction() as conn:
        if next_attempt_at is None:
            conn.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, dead_at = ? "
                f"WHERE id = ? AND {_LIVE}",
                (error, rows.to_text(core.now()), delivery_id),
            )
        else:
            conn.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, "
                f"next_attempt_at = ? WHERE id = ? AND {_LIVE}",
                (error, rows.to_text(next_attempt_at), delivery_id),
            )


def metrics_summary(core: SQLiteCore) -> MetricsSummary:
    """Counts derived from the stored history (one read transaction: a consistent picture)."""
    with core.reading():
        by_status = core.all("SELECT status, COUNT(*) AS n FROM offers GROUP BY status")
        by_kind = core.all("SELECT kind, COUNT(*) AS n FROM events GROUP BY kind")
        # The first offer_accepted event of each agreed offer marks its agreement.
        agreed = core.all(
            "SELECT o.created_at AS created_at, MIN(e.at) AS agreed_at FROM offers o "
            "JOIN events e ON e.offer_id = o.id AND e.kind = 'offer_accepted' "
            "WHERE o.status = 'agreed' GROUP BY o.id ORDER BY o.created_at, o.id"
        )
        proposals = core.all(
            "SELECT COUNT(*) AS n FROM proposals GROUP BY offer_id ORDER BY offer_id"
        )
        outbox = Counter(
            {
                str(row["state"]): int(row["n"])
                for row in core.all(
                    "SELECT CASE WHEN dead_at IS NOT NULL THEN 'dead' "
                    "WHEN delivered_at IS NOT NULL THEN 'delivered' ELSE 'pending' END AS state, "
                    "COUNT(*) AS n FROM webhook_outbox GROUP BY state"
                )
            }
        )
    return MetricsSummary(
        offers_by_status={str(row["status"]): int(row["n"]) for row in by_status},
        events_by_kind={str(row["kind"]): int(row["n"]) for row in by_kind},
        agreement_seconds=[
            (rows.from_text(row["agreed_at"]) - rows.from_text(row["created_at"])).total_seconds()
            for row in agreed
        ],
        proposals_per_offer=[int(row["n"]) for row in proposals],
        webhooks_pending=outbox["pending"],
        webhooks_dead=outbox["dead"],
    )
