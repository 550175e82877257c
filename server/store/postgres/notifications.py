"""Digests and reminders on PostgreSQL: queueing an item and the claims, safe across nodes.

- Queueing locks the offer's row first (``lock_offer``, as every other write of an offer does),
  so two nodes queueing for one offer take turns: the second reads, with a fresh statement, the
  pending digest the first started, and adds to it. Never two pending digests for a party (the
  unique index ``digests_one_pending`` would refuse the second anyway), and no item is lost. The
  pending digest is then read ``FOR UPDATE``: when a claim is leasing it at that moment, the read
  waits for the claim, re-checks ``state = 'pending'`` on the claimed row and finds nothing, so
  the item starts the next digest instead of joining one already handed to a sender.
- Claims (digests and reminders) are one ``UPDATE … RETURNING`` over rows selected ``FOR UPDATE
  SKIP LOCKED``: a node skips rows another node is taking right now, and a row whose claim
  committed meanwhile is re-checked (its new lease, or its ``fired_at``) and dropped. Each due
  digest goes to one sender per lease, and each reminder fires once. A claim never waits for a
  lock, so it cannot deadlock with a queue.
- A reminder claim kept to some offers (``owns``, a worker's own) reads the oldest due rows
  without locking them, keeps the ids of those the predicate accepts, and runs the same claim
  over those ids only: what it does not own it neither locks nor fires, so the worker that owns
  it is not kept from it, and the re-check above still holds.

The statements and records are shared (``server.store.notifications``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from server.store.base import OWNED_SCAN, Digest, NotificationItem, Reminder
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
from server.store.postgres.core import PgCore, lock_offer, pyformat
from server.store.postgres.rows import PG
from server.store.rows import utc

_CLAIM_DIGESTS = (
    f"WITH due AS (SELECT id FROM digests WHERE {CLAIMABLE} "
    "ORDER BY due_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
    "UPDATE digests SET state = 'claimed', lease_until = ? FROM due WHERE digests.id = due.id "
    "RETURNING " + ", ".join(f"digests.{c}" for c in DIGEST_COLUMNS.split(", "))
)
_CLAIM_REMINDERS = (
    f"WITH due AS (SELECT id FROM reminders WHERE {REMINDER_DUE} "
    "ORDER BY due_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
    "UPDATE reminders SET fired_at = ? FROM due WHERE reminders.id = due.id "
    "RETURNING " + ", ".join(f"reminders.{c}" for c in [*REMINDER_COLUMNS.split(", "), "id"])
)
#: A claim kept to some offers: first the oldest due rows, read without a lock, ...
_DUE_REMINDERS = (
    f"SELECT id, offer_id FROM reminders WHERE {REMINDER_DUE} ORDER BY due_at, id LIMIT ?"
)
#: ... then the same claim, over the ids of those the predicate accepts.
_CLAIM_THESE_REMINDERS = (
    f"WITH due AS (SELECT id FROM reminders WHERE {REMINDER_DUE} AND id = ANY(?) "
    "ORDER BY due_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
    "UPDATE reminders SET fired_at = ? FROM due WHERE reminders.id = due.id "
    "RETURNING " + ", ".join(f"reminders.{c}" for c in [*REMINDER_COLUMNS.split(", "), "id"])
)


async def queue_notification(
    core: PgCore,
    offer_id: str,
    user_id: str,
    role: str,
    item: NotificationItem,
    delay_s: float,
    throttle_s: float,
) -> None:
    async with core.transaction() as conn:
        await lock_offer(conn, offer_id)  # OfferNotFound for an unknown offer
        cursor = await conn.execute(pyformat(f"{PENDING} FOR UPDATE"), [offer_id, user_id])
        pending = await cursor.fetchone()
        if pending is not None:
            items = with_item(pending[1], item)
            await conn.execute(pyformat(ADD_ITEM), [PG.json(items), pending[0]])
            return
        cursor = await conn.execute(pyformat(LAST_DIGEST), [offer_id, user_id])
        last = await cursor.fetchone()
        now = utc(core.now())
        due = first_due(now, delay_s, last[0] if last is not None else None, throttle_s)
        await conn.execute(
            pyformat(NEW_DIGEST), new_digest_params(PG, offer_id, user_id, role, item, now, due)
        )


async def claim_digests(core: PgCore, now: datetime, limit: int, lease_s: float) -> list[Digest]:
    """Due digests, oldest due first, each leased until ``now + lease_s``."""
    until = utc(now + timedelta(seconds=lease_s))
    async with core.transaction() as conn:
        cursor = await conn.execute(pyformat(_CLAIM_DIGESTS), [utc(now), utc(now), limit, until])
        found = [digest_from_row(PG, row) for row in await cursor.fetchall()]
    # RETURNING follows no order: sort as the claim chose them.
    return sorted(found, key=lambda d: (d.due_at, d.id))


async def claim_reminders(
    core: PgCore, now: datetime, limit: int, owns: Callable[[str], bool] | None = None
) -> list[Reminder]:
    """Due, unfired reminders, oldest due first, marked fired by the claiming statement; with
    ``owns``, only those of offers it accepts among the ``OWNED_SCAN`` times ``limit`` oldest due
    ones."""
    async with core.transaction() as conn:
        if owns is None:
            cursor = await conn.execute(
                pyformat(_CLAIM_REMINDERS), [utc(now), limit, utc(core.now())]
            )
        else:
            cursor = await conn.execute(pyformat(_DUE_REMINDERS), [utc(now), limit * OWNED_SCAN])
            ids = [row[0] for row in await cursor.fetchall() if owns(row[1])]
            if not ids:
                return []
            # The rows of other offers are neither locked nor fired: a concurrent claim that
            # owns them is not kept from them.
            cursor = await conn.execute(
                pyformat(_CLAIM_THESE_REMINDERS), [utc(now), ids, limit, utc(core.now())]
            )
        found = await cursor.fetchall()
    found.sort(key=lambda row: (row[3], row[5]))  # due_at, id
    return [reminder_from_row(PG, row) for row in found]
