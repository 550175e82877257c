"""Negotiation on SQLite: the compare-and-set ``commit`` (a writer-thread function).

``commit`` compares inside its BEGIN IMMEDIATE transaction, so the comparison and the write see
the same file even if another connection (another process) writes between commits. What a write
may contain, when it conflicts and the statements that apply it are the shared rules
(``server.store.rules``); events, their webhook deliveries and the thread's system entries are
this engine's.
"""

from __future__ import annotations

from server.store.base import EventRecord, Expect, OfferNotFound, OfferRecord, Write
from server.store.rows import OFFER_COLUMNS
from server.store.rules import compare, write_statements
from server.store.sqlite import outbox as outbox_rows
from server.store.sqlite import thread
from server.store.sqlite.core import SQLiteCore
from server.store.sqlite.rows import SQLITE


def commit(
    core: SQLiteCore, offer_id: str, expect: Expect, write: Write, outbox: bool
) -> list[EventRecord]:
    with core.transaction() as conn:
        offer = _offer(core, offer_id)
        pending = _pending_id(core, offer_id)
        taken = write.command is not None and _command_exists(
            core, offer_id, write.command.command_id
        )
        compare(offer, pending, taken, expect, write)

        now = core.now()
        for sql, params in write_statements(offer_id, write, now, SQLITE):
            conn.execute(sql, params)
        events = [
            core.insert_event(offer_id, new.kind, new.actor, new.reason, dict(new.payload), now)
            for new in write.events
        ]
        thread.add_system_entries(core, offer, events)
        if outbox:
            outbox_rows.enqueue(core, events, now)
    return events


def _offer(core: SQLiteCore, offer_id: str) -> OfferRecord:
    row = core.one(f"SELECT {OFFER_COLUMNS} FROM offers WHERE id = ?", offer_id)
    if row is None:
        raise OfferNotFound(offer_id)
    return SQLITE.offer_from_row(row)


def _pending_id(core: SQLiteCore, offer_id: str) -> str | None:
    row = core.one("SELECT id FROM proposals WHERE offer_id = ? AND status = 'pending'", offer_id)
    return str(row["id"]) if row is not None else None


def _command_exists(core: SQLiteCore, offer_id: str, command_id: str) -> bool:
    found = core.one(
        "SELECT 1 FROM commands WHERE offer_id = ? AND command_id = ?", offer_id, command_id
    )
    return found is not None
