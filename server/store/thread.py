"""The thread (messages, questions, answers, system entries, read state), as both engines keep it.

Written once here: what ``add_message`` and ``change_message`` refuse, the records they and
``commit`` write, the statements that write them, and the reads, on an engine's primitives. What
differs per engine is only how a write transaction is run and made safe (``sqlite.thread``,
``postgres.thread``): each numbers a new entry ``MAX(n) + 1`` inside the transaction that inserts
it, while holding what serialises the offer's writers (SQLite's write lock, PostgreSQL's lock on
the offer's row), so ``n`` is unique and gapless: a transaction that rolls back took no number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from server.store.base import (
    SYSTEM_ID_PREFIX,
    THREAD_PAGE_MAX,
    TIMELINE_EVENTS,
    EventRecord,
    MessageChange,
    MessageNotFound,
    MessageRecord,
    NewEvent,
    NewMessage,
    NotYours,
    OfferNotFound,
    OfferRecord,
    TooLate,
)
from server.store.engine import Engine
from server.store.rows import MESSAGE_COLUMNS, OPEN_QUESTION, RowCodec, marks, utc

#: What a participant may add; "system" entries are written by ``commit`` only.
MESSAGE_KINDS = frozenset({"message", "question", "answer"})
#: Read positions are clamped to this, so any number a client sends fits a bigint.
_FAR = 2**62

INSERT_MESSAGE = f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ({marks(17)})"
SELECT_MESSAGE = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE offer_id = ? AND id = ?"
#: The last ``n`` taken (0 for an empty thread); run inside the transaction that takes the next.
LAST_N = "SELECT COALESCE(MAX(n), 0) FROM messages WHERE offer_id = ?"
#: Every column a change may touch, from the changed record (``update_params``).
UPDATE_MESSAGE = (
    "UPDATE messages SET body = ?, status = ?, edited_at = ?, deleted_at = ?, flags = ? "
    "WHERE offer_id = ? AND n = ?"
)


# --- writes: checks and records ---------------------------------------------------------------


def check_new(message: NewMessage) -> None:
    """Refuse (ValueError) what ``add_message`` can never write, before the database is touched."""
    if message.kind not in MESSAGE_KINDS:
        raise ValueError(f"a participant cannot add a {message.kind!r} entry")
    if message.id.startswith(SYSTEM_ID_PREFIX):
        raise ValueError(f"ids starting with {SYSTEM_ID_PREFIX!r} are the store's")


def check_reply(message: NewMessage, question: MessageRecord | None) -> None:
    """An answer must name a question of the offer (``question``: the entry ``reply_to`` names)."""
    if message.kind == "answer" and (question is None or question.kind != "question"):
        raise MessageNotFound(f"no question {message.reply_to!r} to answer")


def new_entry(offer_id: str, message: NewMessage, n: int, at: datetime) -> MessageRecord:
    return MessageRecord(
        offer_id=offer_id,
        n=n,
        id=message.id,
        kind=message.kind,
        at=utc(at),
        author=message.author,
        author_role=message.author_role,
        body=message.body,
        about=message.about,
        reply_to=message.reply_to,
        status="open" if message.kind == "question" else None,
        flags=list(message.flags),
    )


def timeline(events: Sequence[EventRecord]) -> list[EventRecord]:
    """The events that become system entries of the thread."""
    return [event for event in events if event.kind in TIMELINE_EVENTS]


def role_of(offer: OfferRecord, actor: str | None) -> str | None:
    if actor is not None and actor == offer.client.id:
        return "client"
    if actor is not None and actor == offer.freelancer.id:
        return "freelancer"
    return None  # the system (expiry), or someone who is not a party


def system_entries(
    offer: OfferRecord, events: Sequence[EventRecord], last_n: int
) -> list[MessageRecord]:
    """One system entry per event of ``timeline(events)``, numbered after ``last_n``."""
    return [
        MessageRecord(
            offer_id=offer.id,
            n=n,
            id=f"{SYSTEM_ID_PREFIX}{event.seq}",
            kind="system",
            at=utc(event.at),
            author=event.actor,
            author_role=role_of(offer, event.actor),
            body=event.reason or "",
            event_seq=event.seq,
            event_kind=event.kind,
            payload=dict(event.payload),
        )
        for n, event in enumerate(timeline(events), start=last_n + 1)
    ]


def check_change(change: MessageChange) -> None:
    """Refuse (ValueError) a change that asks for none, or more than one, of its three kinds."""
    asked = (change.body is not None) + change.delete + change.resolve
    if asked != 1:
        raise ValueError("a change is exactly one of an edit, a delete or a resolution")


def apply_change(
    entry: MessageRecord | None, change: MessageChange, now: datetime
) -> tuple[MessageRecord, NewEvent | None]:
    """Check ``change`` against the stored ``entry``; the entry as it becomes, and the audit event
    to write with it (None for a resolution). Raises as ``MessageChange`` says."""
    if entry is None or entry.deleted_at is not None:
        raise MessageNotFound(change.message_id)
    if change.resolve and entry.kind != "question":
        raise MessageNotFound(f"{change.message_id} is not a question")
    # A system entry's author is the event's actor, but nobody may change what an event says.
    if entry.kind == "system" or entry.author != change.author:
        raise NotYours(change.message_id)
    if change.written_after is not None and entry.at < utc(change.written_after):
        raise TooLate(change.message_id)
    if change.resolve:
        return msgspec.structs.replace(entry, status="resolved"), None
    if change.delete:
        changed = msgspec.structs.replace(entry, deleted_at=utc(now))
        kind = "message_deleted"
    else:
        assert change.body is not None  # check_change: one of the three
        flags = list(change.flags) if change.flags is not None else entry.flags
        changed = msgspec.structs.replace(
            entry, body=change.body, flags=flags, edited_at=utc(now)
        )
        kind = "message_edited"
    payload = {"message_id": entry.id, "n": entry.n, "body": entry.body}
    return changed, NewEvent(kind, actor=change.author, payload=payload)


def update_params(codec: RowCodec, entry: MessageRecord) -> tuple[object, ...]:
    """``UPDATE_MESSAGE``'s parameters: store ``entry``'s changeable columns."""
    return (
        entry.body,
        entry.status,
        codec.time(entry.edited_at) if entry.edited_at is not None else None,
        codec.time(entry.deleted_at) if entry.deleted_at is not None else None,
        codec.json(entry.flags),
        entry.offer_id,
        entry.n,
    )


# --- reads, on the engine's primitives ----------------------------------------------------------


async def get_message(engine: Engine, offer_id: str, message_id: str) -> MessageRecord | None:
    row = await engine.one(SELECT_MESSAGE, offer_id, message_id)
    return engine.codec.message_from_row(row) if row is not None else None


async def list_messages(
    engine: Engine, offer_id: str, before: int | None, after: int | None, limit: int
) -> list[MessageRecord]:
    limit = min(limit, THREAD_PAGE_MAX)
    if limit <= 0:
        return []  # and never a LIMIT below 0, which SQLite reads as "no limit"
    where = "offer_id = ?"
    params: list[object] = [offer_id]
    if before is not None:
        where += " AND n < ?"
        params.append(before)
    if after is not None:
        where += " AND n > ?"
        params.append(after)
    # Both walk the primary key (offer_id, n): the page is read, not the thread.
    if after is not None:
        sql = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {where} ORDER BY n LIMIT ?"
        found = await engine.all(sql, *params, limit)
    else:
        sql = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {where} ORDER BY n DESC LIMIT ?"
        found = list(reversed(await engine.all(sql, *params, limit)))
    return [engine.codec.message_from_row(row) for row in found]


async def open_questions(engine: Engine, offer_id: str) -> list[MessageRecord]:
    sql = (
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE offer_id = ? AND {OPEN_QUESTION} "
        "ORDER BY n"
    )
    return [engine.codec.message_from_row(row) for row in await engine.all(sql, offer_id)]


# One statement: the cap (the thread's end), "never back" and the offer check (no offer row, no
# insert) need no transaction of their own, so it is the same text on both engines.
_MARK_READ = (
    "INSERT INTO read_state (offer_id, user_id, last_read) "
    "SELECT o.id, ?, CASE WHEN CAST(? AS BIGINT) < t.last THEN CAST(? AS BIGINT) ELSE t.last END "
    "FROM offers o, (SELECT COALESCE(MAX(n), 0) AS last FROM messages WHERE offer_id = ?) t "
    "WHERE o.id = ? "
    "ON CONFLICT (offer_id, user_id) DO UPDATE SET last_read = CASE "
    "WHEN excluded.last_read > read_state.last_read THEN excluded.last_read "
    "ELSE read_state.last_read END"
)


async def mark_read(engine: Engine, offer_id: str, user_id: str, upto: int) -> int:
    upto = min(max(upto, 0), _FAR)
    if not await engine.write(_MARK_READ, user_id, upto, upto, offer_id, offer_id):
        raise OfferNotFound(offer_id)
    row = await engine.one(
        "SELECT last_read FROM read_state WHERE offer_id = ? AND user_id = ?", offer_id, user_id
    )
    # Read after the write: another call may have moved it further since, never back.
    return int(row[0]) if row is not None else 0


async def read_state(engine: Engine, offer_id: str, user_id: str) -> tuple[int, int]:
    # One statement, so the position and the count come from one state of the thread. A system
    # entry's author is its event's actor: one test covers messages and events alike.
    row = await engine.one(
        "SELECT r.last, (SELECT COUNT(*) FROM messages m WHERE m.offer_id = ? AND m.n > r.last "
        "AND m.deleted_at IS NULL AND (m.author IS NULL OR m.author <> ?)) "
        "FROM (SELECT COALESCE(MAX(last_read), 0) AS last FROM read_state "
        "WHERE offer_id = ? AND user_id = ?) r",
        offer_id,
        user_id,
        offer_id,
        user_id,
    )
    assert row is not None  # an aggregate always yields a row
    return int(row[0]), int(row[1])
