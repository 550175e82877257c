"""Digests and reminders on SQLite: queueing an item and the claims (writer-thread functions of
``SQLiteCore``).

Each runs in one BEGIN IMMEDIATE transaction, which holds the file's write lock from its first
statement, also against another connection (another process) on the same file: what a queue
reads (the party's pending digest, the previous one for the throttle) is still so when it
writes, so two queues never start two pending digests nor lose an item, and a claim's rows are
leased (or fired) before anyone else can read them. A reminder claim kept to some offers
(``owns``) filters the due rows it read in Python and fires only those, in that transaction.
The statements and records are shared (``server.store.notifications``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from server.store.base import OWNED_SCAN, Digest, NotificationItem, OfferNotFound, Reminder
from server.store.notifications import (
    ADD_ITEM,
    CLAIMABLE,
    DIGEST_COLUMNS,
    LAST_DIGEST,
    NEW_DIGEST,
    PENDING,
    REMINDER_COLUMNS,
    REMINDER_DUE,
    digest_from_row,
    first_due,
    new_digest_params,
    reminder_from_row,
    with_item,
)
from server.store.sqlite.core import SQLiteCore
from server.store.sqlite.rows import SQLITE, from_text, to_text


def queue_notification(
    core: SQLiteCore,
    offer_id: str,
    user_id: str,
    role: str,
    item: NotificationItem,
    delay_s: float,
    throttle_s: float,
) -> None:
    with core.transaction() as conn:
        pending = core.one(PENDING, offer_id, user_id)
        if pending is not None:  # it exists, so the offer does (digests cascade with it)
            items = with_item(pending["items"], item)
            conn.execute(ADD_ITEM, (SQLITE.json(items), pending["id"]))
            return
        if not core.offer_exists(offer_id):
            raise OfferNotFound(offer_id)
        row = core.one(LAST_DIGEST, offer_id, user_id)
        assert row is not None  # an aggregate always yields a row
        last = from_text(row[0]) if row[0] is not None else None
        now = core.now()
        due = first_due(now, delay_s, last, throttle_s)
        conn.execute(NEW_DIGEST, new_digest_params(SQLITE, offer_id, user_id, role, item, now, due))


def claim_digests(core: SQLiteCore, now: datetime, limit: int, lease_s: float) -> list[Digest]:
    """Due digests, oldest due first, each leased until ``now + lease_s``."""
    at = to_text(now)
    with core.transaction() as conn:
        found = core.all(
            f"SELECT {DIGEST_COLUMNS} FROM digests WHERE {CLAIMABLE} ORDER BY due_at, id LIMIT ?",
            at,
            at,
            limit,
        )
        until = to_text(now + timedelta(seconds=lease_s))
        conn.executemany(
            "UPDATE digests SET state = 'claimed', lease_until = ? WHERE id = ?",
            [(until, row["id"]) for row in found],
        )
    return [digest_from_row(SQLITE, row) for row in found]


def claim_reminders(
    core: SQLiteCore, now: datetime, limit: int, owns: Callable[[str], bool] | None = None
) -> list[Reminder]:
    """Due, unfired reminders, oldest due first, marked fired in the same transaction; with
    ``owns``, only those of offers it accepts, found among the ``OWNED_SCAN`` times ``limit``
    oldest due ones (the predicate runs here, on the writer thread, inside the transaction)."""
    with core.transaction() as conn:
        found = core.all(
            f"SELECT {REMINDER_COLUMNS}, id FROM reminders WHERE {REMINDER_DUE} "
            "ORDER BY due_at, id LIMIT ?",
            to_text(now),
            limit if owns is None else limit * OWNED_SCAN,
        )
        if owns is not None:
            found = [row for row in found if owns(row[0])][:limit]
        fired = to_text(core.now())
        conn.executemany(
            "UPDATE reminders SET fired_at = ? WHERE id = ?", [(fired, row[5]) for row in found]
        )
    return [reminder_from_row(SQLITE, row) for row in found]
