"""Digests for the party who is away, and reminders, as both engines keep them.

Written once here: the statements, the records they read, and the calls that are one statement
on an engine's primitives (reporting a digest's outcome, scheduling and cancelling reminders).
What differs per engine is how the multi-statement writes are made safe against other writers
(``sqlite.notifications``, ``postgres.notifications``): queueing an item (read the pending digest,
then add to it or start one) and the claims.

A digest moves ``pending`` -> ``claimed`` -> ``sent`` or ``dead``. Only a pending digest takes
items, and a party has at most one (the unique index ``digests_one_pending``), so what arrives
while one is being sent starts the next. A claimed digest is leased until ``lease_until``; a
failed one waits for its retry in the same state, with ``lease_until`` its retry time, so a claim
finds both the same way ("claimed, lease over"). Settled digests stay, as a log and as the
throttle's memory.

The throttle (``first_due``) counts from the party's previous digest: its ``sent_at`` once sent;
while it is still claimed (being sent, or waiting for a retry), from the end of its lease (its
``lease_until``, which is its retry time while it waits). Not from the claim time: a send ends
before its lease does (or the lease runs out and the digest is claimed again), so the lease's
end is never earlier than the send it bounds, and the new digest goes at least ``throttle_s``
after the previous one went out; it costs at most one lease of delay, and needs no column of its
own. A digest the sender gave up on (``dead``) never reached the party: it does not count.

And a due digest is not claimed while an earlier one to the same party is still claimed
(``CLAIMABLE``): a party's digests go one at a time, in order. That holds even when the earlier
one is retried past the later one's due time (the throttle alone would let the later one go
first); the later one then follows the earlier as soon as it is settled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from server.store.base import DIGEST_ITEMS_MAX, Digest, NotificationItem, OfferNotFound, Reminder
from server.store.engine import Engine
from server.store.rows import Row, RowCodec, utc

DIGEST_COLUMNS = "id, offer_id, user_id, role, items, count, created_at, due_at, attempts"
REMINDER_COLUMNS = "offer_id, kind, user_id, due_at, ref"

_items = msgspec.json.Decoder(list[NotificationItem])

#: The party's pending digest: its id and items (the one digest that takes items).
PENDING = "SELECT id, items FROM digests WHERE offer_id = ? AND user_id = ? AND state = 'pending'"
ADD_ITEM = "UPDATE digests SET items = ?, count = count + 1 WHERE id = ?"
#: What the throttle counts from (see the module's docstring); NULL when nothing counts.
LAST_DIGEST = (
    "SELECT MAX(CASE state WHEN 'sent' THEN sent_at ELSE lease_until END) FROM digests "
    "WHERE offer_id = ? AND user_id = ? AND state IN ('sent', 'claimed')"
)
NEW_DIGEST = (
    "INSERT INTO digests (offer_id, user_id, role, items, count, created_at, due_at, state, "
    "attempts) VALUES (?, ?, ?, ?, 1, ?, ?, 'pending', 0)"
)
#: Digests a claim takes at ``now`` (twice as a parameter): pending ones past due whose party
#: has no digest in flight, and claimed ones whose lease (or retry wait) is over. Each half is
#: spelled as its partial index's condition (``digests_due``, ``digests_leased``).
CLAIMABLE = (
    "(state = 'pending' AND due_at <= ? AND NOT EXISTS (SELECT 1 FROM digests AS c "
    "WHERE c.offer_id = digests.offer_id AND c.user_id = digests.user_id "
    "AND c.state = 'claimed')) OR (state = 'claimed' AND lease_until <= ?)"
)
#: Unfired reminders past due, as the partial index ``reminders_due`` holds them.
REMINDER_DUE = "fired_at IS NULL AND due_at <= ?"


def with_item(stored: str | bytes, item: NotificationItem) -> list[NotificationItem]:
    """A pending digest's items (as stored) with ``item`` added: the newest DIGEST_ITEMS_MAX."""
    return [*_items.decode(stored), normal(item)][-DIGEST_ITEMS_MAX:]


def normal(item: NotificationItem) -> NotificationItem:
    """``item`` as stored: its time in UTC (a naive one is taken to be UTC, as everywhere)."""
    return msgspec.structs.replace(item, at=utc(item.at))


def first_due(now: datetime, delay_s: float, last: datetime | None, throttle_s: float) -> datetime:
    """When a new digest may go: ``delay_s`` after its first item, and no sooner than
    ``throttle_s`` after ``last`` (``LAST_DIGEST``; None when the party had none)."""
    due = utc(now) + timedelta(seconds=delay_s)
    if last is None:
        return due
    return max(due, utc(last) + timedelta(seconds=throttle_s))


def new_digest_params(
    codec: RowCodec,
    offer_id: str,
    user_id: str,
    role: str,
    item: NotificationItem,
    now: datetime,
    due: datetime,
) -> tuple[object, ...]:
    """``NEW_DIGEST``'s parameters."""
    items = [normal(item)]
    return (offer_id, user_id, role, codec.json(items), codec.time(now), codec.time(due))


def digest_from_row(codec: RowCodec, row: Row) -> Digest:
    """A ``Digest`` from ``DIGEST_COLUMNS``."""
    return Digest(
        id=row[0],
        offer_id=row[1],
        user_id=row[2],
        role=row[3],
        items=_items.decode(row[4]),
        count=row[5],
        created_at=codec.read_time(row[6]),
        due_at=codec.read_time(row[7]),
        attempts=row[8],
    )


def reminder_from_row(codec: RowCodec, row: Row) -> Reminder:
    """A ``Reminder`` from ``REMINDER_COLUMNS``."""
    return Reminder(
        offer_id=row[0], kind=row[1], user_id=row[2], due_at=codec.read_time(row[3]), ref=row[4]
    )


# --- one statement each, on the engine's primitives --------------------------------------------

# Only a claimed digest is reported on: a pending one was never handed to a sender, and a
# settled one (a late or repeated report) stays as it is.
_SENT = (
    "UPDATE digests SET state = 'sent', sent_at = ?, lease_until = NULL "
    "WHERE id = ? AND state = 'claimed'"
)
_RETRY = (
    "UPDATE digests SET attempts = attempts + 1, last_error = ?, lease_until = ? "
    "WHERE id = ? AND state = 'claimed'"
)
_DEAD = (
    "UPDATE digests SET state = 'dead', attempts = attempts + 1, last_error = ?, "
    "lease_until = NULL WHERE id = ? AND state = 'claimed'"
)


async def digest_sent(engine: Engine, digest_id: int) -> None:
    await engine.write(_SENT, engine.codec.time(engine.now()), digest_id)


async def digest_failed(
    engine: Engine, digest_id: int, next_at: datetime | None, error: str
) -> None:
    if next_at is None:
        await engine.write(_DEAD, error, digest_id)
    else:
        await engine.write(_RETRY, error, engine.codec.time(next_at), digest_id)


# One statement: no offer row, nothing inserted (OfferNotFound); the same unfired reminder is
# one row, whose due_at the latest call replaces. The SELECT's WHERE also keeps SQLite from
# reading ON CONFLICT as a join's ON.
_SCHEDULE = (
    "INSERT INTO reminders (offer_id, kind, user_id, ref, due_at) "
    "SELECT o.id, ?, ?, ?, ? FROM offers o WHERE o.id = ? "
    "ON CONFLICT (offer_id, kind, user_id, ref) WHERE fired_at IS NULL "
    "DO UPDATE SET due_at = excluded.due_at"
)


async def schedule_reminder(engine: Engine, reminder: Reminder) -> None:
    due = engine.codec.time(reminder.due_at)
    params = (reminder.kind, reminder.user_id, reminder.ref, due, reminder.offer_id)
    if not await engine.write(_SCHEDULE, *params):
        raise OfferNotFound(reminder.offer_id)


async def cancel_reminders(
    engine: Engine, offer_id: str, kind: str | None, ref: str | None
) -> None:
    sql = "DELETE FROM reminders WHERE offer_id = ? AND fired_at IS NULL"
    params: list[object] = [offer_id]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    if ref is not None:
        sql += " AND ref = ?"
        params.append(ref)
    await engine.write(sql, *params)
