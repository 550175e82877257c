"""Offers, events and the CRDT log on SQLite (writer-thread functions of ``SQLiteCore``).

Sequence numbers of the CRDT log are per offer and dense (1, 2, 3, ...), handed out from the
writer thread's memory (``SQLiteCore.next_seq``): it is the only writer, so nobody else can take
one. A batch that fails to commit gives its seqs back, so a failure leaves no gap.

Appends go to the log's journal and reach ``doc_updates`` in bulk (``journal`` says why); every
function here that reads the log folds the journal first, so it reads one table.
"""

from __future__ import annotations

from typing import Any

from server.store.base import (
    DocState,
    EventRecord,
    OfferExists,
    OfferNotFound,
    OfferRecord,
    VersionRecord,
)
from server.store.rows import OFFER_COLUMNS, VERSION_COLUMNS, marks
from server.store.rules import Update, created_payload
from server.store.sqlite import journal
from server.store.sqlite import outbox as outbox_rows
from server.store.sqlite.core import SQLiteCore
from server.store.sqlite.rows import SQLITE


def create_offer(core: SQLiteCore, offer: OfferRecord, first: VersionRecord, doc: bytes) -> None:
    with core.transaction() as conn:
        # Checked inside the transaction, which holds the write lock: no one can slip in.
        if core.offer_exists(offer.id):
            raise OfferExists(offer.id)
        conn.execute(
            f"INSERT INTO offers ({OFFER_COLUMNS}) VALUES ({marks(10)})", SQLITE.offer_params(offer)
        )
        conn.execute(
            f"INSERT INTO versions ({VERSION_COLUMNS}) VALUES ({marks(8)})",
            SQLITE.version_params(first),
        )
        conn.execute(
            "INSERT INTO doc_snapshots (offer_id, data, upto_seq) VALUES (?, ?, 0)",
            (offer.id, doc),
        )
        core.insert_event(offer.id, "created", None, None, created_payload(offer), offer.created_at)


def append_updates(core: SQLiteCore, batch: list[Update]) -> list[int | Exception]:
    """Every update in ``batch`` in a single transaction, in order."""
    outcomes: list[int | Exception] = []
    values: list[tuple[str, int, bytes]] = []
    next_seq = core.next_seq
    # Seqs are handed out before the transaction commits; remember where each offer stood
    # so a failed commit gives them back instead of leaving gaps.
    saved: dict[str, int | None] = {}
    for offer_id, data in batch:  # one row per edit in a busy node: kept to plain lookups
        seq = next_seq.get(offer_id)
        if offer_id not in saved:
            saved[offer_id] = seq
        if seq is None:
            try:
                seq = _last_seq(core, offer_id) + 1
            except OfferNotFound as exc:
                outcomes.append(exc)  # only this pair fails; the rest of the batch commits
                continue
        next_seq[offer_id] = seq + 1
        values.append((offer_id, seq, data))
        outcomes.append(seq)
    if not values:
        return outcomes
    folds = core.journaled + len(values) >= journal.FOLD_ROWS
    try:
        with core.transaction() as conn:
            conn.executemany(journal.APPEND, values)
            if folds:
                journal.fold(conn)
    except BaseException:
        for offer_id, seq in saved.items():
            if seq is None:
                next_seq.pop(offer_id, None)
            else:
                next_seq[offer_id] = seq
        raise
    core.journaled = 0 if folds else core.journaled + len(values)
    return outcomes


def _last_seq(core: SQLiteCore, offer_id: str) -> int:
    """Highest seq ever appended: compaction may have deleted it, but the snapshot says so."""
    if not core.offer_exists(offer_id):
        raise OfferNotFound(offer_id)
    core.fold()
    row = core.one(
        "SELECT MAX(COALESCE((SELECT MAX(seq) FROM doc_updates WHERE offer_id = ?1), 0), "
        "COALESCE((SELECT upto_seq FROM doc_snapshots WHERE offer_id = ?1), 0))",
        offer_id,
    )
    assert row is not None  # a bare SELECT always yields a row
    last: int = row[0]
    return last


def load_doc(core: SQLiteCore, offer_id: str) -> DocState:
    core.fold()
    snap = core.one("SELECT data, upto_seq FROM doc_snapshots WHERE offer_id = ?", offer_id)
    snapshot, upto = (bytes(snap["data"]), int(snap["upto_seq"])) if snap else (None, 0)
    log = core.all(
        "SELECT seq, data FROM doc_updates WHERE offer_id = ? AND seq > ? ORDER BY seq",
        offer_id,
        upto,
    )
    return DocState(
        snapshot=snapshot,
        updates=[bytes(row["data"]) for row in log],
        last_seq=int(log[-1]["seq"]) if log else upto,
    )


def compact(core: SQLiteCore, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
    with core.transaction() as conn:
        last = _last_seq(core, offer_id)  # raises OfferNotFound; folds the journal
        if upto_seq > last:
            raise ValueError(f"{offer_id}: cannot compact up to {upto_seq}; last seq is {last}")
        current = core.one("SELECT upto_seq FROM doc_snapshots WHERE offer_id = ?", offer_id)
        if current is not None and upto_seq < current["upto_seq"]:
            # Stale: the stored snapshot already covers more, and the log rows this one
            # would still need are gone. Keeping the newer snapshot loses nothing.
            return
        conn.execute(
            "INSERT INTO doc_snapshots (offer_id, data, upto_seq) VALUES (?, ?, ?) "
            "ON CONFLICT (offer_id) DO UPDATE "
            "SET data = excluded.data, upto_seq = excluded.upto_seq",
            (offer_id, snapshot, upto_seq),
        )
        conn.execute(
            "DELETE FROM doc_updates WHERE offer_id = ? AND seq <= ?", (offer_id, upto_seq)
        )


def append_event(
    core: SQLiteCore,
    offer_id: str,
    kind: str,
    actor: str | None,
    reason: str | None,
    payload: dict[str, Any],
    outbox: bool,
) -> EventRecord:
    with core.transaction():
        if not core.offer_exists(offer_id):
            raise OfferNotFound(offer_id)
        now = core.now()
        event = core.insert_event(offer_id, kind, actor, reason, payload, now)
        if outbox:
            outbox_rows.enqueue(core, [event], now)
    return event
