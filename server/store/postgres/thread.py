"""The thread on PostgreSQL: adding and changing entries, and the system entries of a commit.

Every write to an offer's thread runs under the offer's row lock (``lock_offer``, as events and
commits do), then reads ``MAX(n)`` with a fresh statement: at READ COMMITTED it sees every row
committed by whoever held the lock before. So nodes adding to one offer at once take turns, each
gets the next ``n``, and none is skipped: a transaction that rolls back leaves no row, and the next
writer takes the same number. A global sequence would leave gaps and could commit n + 1 before n.
The rules and records are shared (``server.store.thread``).
"""

from __future__ import annotations

from server.store.base import (
    EventRecord,
    MessageChange,
    MessageRecord,
    NewMessage,
    OfferRecord,
)
from server.store.postgres.core import Conn, PgCore, insert_events, lock_offer, pyformat
from server.store.postgres.rows import PG
from server.store.rows import utc
from server.store.thread import (
    INSERT_MESSAGE,
    LAST_N,
    SELECT_MESSAGE,
    UPDATE_MESSAGE,
    apply_change,
    check_reply,
    new_entry,
    system_entries,
    timeline,
    update_params,
)


async def add_message(core: PgCore, offer_id: str, message: NewMessage) -> MessageRecord:
    async with core.transaction() as conn:
        await lock_offer(conn, offer_id)  # OfferNotFound for an unknown offer
        # After the lock: a retry racing its first attempt on another node sees its row.
        stored = await _entry(conn, offer_id, message.id)
        if stored is not None:
            return stored  # a retry: the first call's entry, not a second one
        if message.kind == "answer":
            replied = await _entry(conn, offer_id, message.reply_to) if message.reply_to else None
            check_reply(message, replied)
        entry = new_entry(offer_id, message, await _last_n(conn, offer_id) + 1, core.now())
        await conn.execute(pyformat(INSERT_MESSAGE), PG.message_params(entry))
    return entry


async def change_message(core: PgCore, offer_id: str, change: MessageChange) -> MessageRecord:
    async with core.transaction() as conn:
        # The offer's lock also orders the audit event's seq after every other event's.
        await lock_offer(conn, offer_id)
        entry = await _entry(conn, offer_id, change.message_id)
        now = utc(core.now())
        changed, event = apply_change(entry, change, now)
        if changed != entry:  # resolving a resolved question writes nothing
            await conn.execute(pyformat(UPDATE_MESSAGE), update_params(PG, changed))
        if event is not None:
            new = (event.kind, event.actor, None, dict(event.payload))
            await insert_events(conn, offer_id, [new], now)
    return changed


async def add_system_entries(conn: Conn, offer: OfferRecord, events: list[EventRecord]) -> None:
    """The thread's entries for ``events``; call in the transaction that wrote them, which holds
    the offer's row lock."""
    if not timeline(events):
        return  # most commits: no need to read the thread's end
    entries = system_entries(offer, events, await _last_n(conn, offer.id))
    async with conn.cursor() as cur:
        await cur.executemany(pyformat(INSERT_MESSAGE), [PG.message_params(e) for e in entries])


async def _entry(conn: Conn, offer_id: str, message_id: str) -> MessageRecord | None:
    cursor = await conn.execute(pyformat(SELECT_MESSAGE), [offer_id, message_id])
    row = await cursor.fetchone()
    return PG.message_from_row(row) if row is not None else None


async def _last_n(conn: Conn, offer_id: str) -> int:
    cursor = await conn.execute(pyformat(LAST_N), [offer_id])
    row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0
