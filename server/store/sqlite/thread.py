"""The thread on SQLite: adding and changing entries, and the system entries of a commit
(writer-thread functions of ``SQLiteCore``).

Each runs in one BEGIN IMMEDIATE transaction, which holds the file's write lock from its first
statement: the ``MAX(n) + 1`` read there is still the highest ``n`` when the row lands, also when
another connection (another process) writes the same file. So ``n`` is unique and gapless, and a
transaction that fails takes no number with it. The rules and records are shared
(``server.store.thread``).
"""

from __future__ import annotations

from server.store.base import (
    EventRecord,
    MessageChange,
    MessageRecord,
    NewMessage,
    OfferNotFound,
    OfferRecord,
)
from server.store.sqlite.core import SQLiteCore
from server.store.sqlite.rows import SQLITE
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


def add_message(core: SQLiteCore, offer_id: str, message: NewMessage) -> MessageRecord:
    with core.transaction() as conn:
        if not core.offer_exists(offer_id):
            raise OfferNotFound(offer_id)
        stored = _entry(core, offer_id, message.id)
        if stored is not None:
            return stored  # a retry: the first call's entry, not a second one
        if message.kind == "answer":
            replied = _entry(core, offer_id, message.reply_to) if message.reply_to else None
            check_reply(message, replied)
        entry = new_entry(offer_id, message, _last_n(core, offer_id) + 1, core.now())
        conn.execute(INSERT_MESSAGE, SQLITE.message_params(entry))
    return entry


def change_message(core: SQLiteCore, offer_id: str, change: MessageChange) -> MessageRecord:
    with core.transaction() as conn:
        if not core.offer_exists(offer_id):
            raise OfferNotFound(offer_id)
        entry = _entry(core, offer_id, change.message_id)
        now = core.now()
        changed, event = apply_change(entry, change, now)
        if changed != entry:  # resolving a resolved question writes nothing
            conn.execute(UPDATE_MESSAGE, update_params(SQLITE, changed))
        if event is not None:
            core.insert_event(offer_id, event.kind, event.actor, None, dict(event.payload), now)
    return changed


def add_system_entries(core: SQLiteCore, offer: OfferRecord, events: list[EventRecord]) -> None:
    """The thread's entries for ``events``; call inside the transaction that wrote them."""
    if not timeline(events):
        return  # most commits: no need to read the thread's end
    entries = system_entries(offer, events, _last_n(core, offer.id))
    core.conn.executemany(INSERT_MESSAGE, [SQLITE.message_params(e) for e in entries])


def _entry(core: SQLiteCore, offer_id: str, message_id: str) -> MessageRecord | None:
    row = core.one(SELECT_MESSAGE, offer_id, message_id)
    return SQLITE.message_from_row(row) if row is not None else None


def _last_n(core: SQLiteCore, offer_id: str) -> int:
    row = core.one(LAST_N, offer_id)
    assert row is not None  # an aggregate always yields a row
    return int(row[0])
