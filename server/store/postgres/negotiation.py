"""Negotiation on PostgreSQL: the compare-and-set ``commit``.

``commit`` locks the offer's row (FOR NO KEY UPDATE) before comparing: a second node committing
against the same offer waits for the first to finish, then compares with what the first wrote,
so exactly one of two commits with the same ``Expect`` wins, across any number of nodes. What a
write may contain, when it conflicts and the statements that apply it are the shared rules
(``server.store.rules``); events, their webhook deliveries and the thread's system entries are
this engine's.
"""

from __future__ import annotations

from server.store.base import EventRecord, Expect, Write
from server.store.postgres import outbox as outbox_rows
from server.store.postgres import thread
from server.store.postgres.core import Conn, PgCore, insert_events, lock_offer, pyformat
from server.store.postgres.rows import PG
from server.store.rows import utc
from server.store.rules import compare, write_statements


async def commit(
    core: PgCore, offer_id: str, expect: Expect, write: Write, outbox: bool
) -> list[EventRecord]:
    async with core.transaction() as conn:
        offer = PG.offer_from_row(await lock_offer(conn, offer_id))
        pending = await _pending_id(conn, offer_id)
        taken = write.command is not None and await _command_exists(
            conn, offer_id, write.command.command_id
        )
        compare(offer, pending, taken, expect, write)

        now = utc(core.now())
        for sql, params in write_statements(offer_id, write, now, PG):
            await conn.execute(pyformat(sql), params)
        events = await insert_events(
            conn,
            offer_id,
            [(new.kind, new.actor, new.reason, dict(new.payload)) for new in write.events],
            now,
        )
        await thread.add_system_entries(conn, offer, events)
        if outbox and events:
            await outbox_rows.enqueue(conn, events, now)
    return events


async def _pending_id(conn: Conn, offer_id: str) -> str | None:
    cursor = await conn.execute(
        "SELECT id FROM proposals WHERE offer_id = %s AND status = 'pending'", [offer_id]
    )
    row = await cursor.fetchone()
    return str(row[0]) if row is not None else None


async def _command_exists(conn: Conn, offer_id: str, command_id: str) -> bool:
    cursor = await conn.execute(
        "SELECT 1 FROM commands WHERE offer_id = %s AND command_id = %s", [offer_id, command_id]
    )
    return await cursor.fetchone() is not None
