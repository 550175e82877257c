"""The synchronous half of the SQLite store: every method runs on the store's one writer thread.

Being the only writer is what lets this class hand out per-offer sequence numbers from memory,
and lets a read on this thread see every write that has been acknowledged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.store import rows, schema
from server.store.base import (
    DocState,
    EventRecord,
    OfferExists,
    OfferNotFound,
    OfferRecord,
    StoreClosed,
    VersionRecord,
    content_hash,
)

Update = tuple[str, bytes]  # (offer_id, Yjs update)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SQLiteCore:
    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        self.path = path
        #: Stamps events, decisions and deliveries (tests pass a fake one).
        self.now = clock
        #: Write transactions committed so far (read from the event loop for observability).
        self.commits = 0
        self._db: sqlite3.Connection | None = None
        #: offer id -> the seq its next update gets; filled from the file on first use.
        self._next_seq: dict[str, int] = {}

    def connect(self) -> None:
        db = schema.connect(self.path)
        db.row_factory = sqlite3.Row
        self._db = db

    def disconnect(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreClosed("store is not open")
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so a transaction never fails half-way
        # because some other connection (a backup, the sqlite3 shell) grabbed it first.
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT can leave the transaction open; roll back whatever is left.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.commits += 1

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several SELECTs see one state even if another process writes."""
        conn = self.conn
        conn.execute("BEGIN DEFERRED")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")  # nothing to commit; ends the read snapshot

    def one(self, sql: str, *params: object) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, *params: object) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def ping(self) -> bool:
        return self.one("SELECT 1") is not None

    # --- offers ---------------------------------------------------------------------------

    def create_offer(self, offer: OfferRecord, doc_state: bytes) -> None:
        first = VersionRecord(
            offer_id=offer.id,
            number=1,
            terms=offer.terms,
            created_at=offer.created_at,
            content_hash=content_hash(offer.terms),
        )
        with self.transaction() as conn:
            # Checked inside the transaction, which holds the write lock: no one can slip in.
            if self.offer_exists(offer.id):
                raise OfferExists(offer.id)
            conn.execute(
                f"INSERT INTO offers ({rows.OFFER_COLUMNS}) VALUES ({rows.marks(9)})",
                rows.SQLITE.offer_params(offer),
            )
            conn.execute(
                f"INSERT INTO versions ({rows.VERSION_COLUMNS}) VALUES ({rows.marks(8)})",
                rows.SQLITE.version_params(first),
            )
            conn.execute(
                "INSERT INTO doc_snapshots (offer_id, data, upto_seq) VALUES (?, ?, 0)",
                (offer.id, doc_state),
            )
            self.insert_event(offer.id, "created", None, None, {"version": 1}, offer.created_at)

    def offer_exists(self, offer_id: str) -> bool:
        return self.one("SELECT 1 FROM offers WHERE id = ?", offer_id) is not None

    # --- the CRDT log ---------------------------------------------------------------------

    def write_updates(self, batch: list[Update]) -> list[int | Exception]:
        """One group commit: every update in ``batch`` in a single transaction, in order."""
        outcomes: list[int | Exception] = []
        values: list[tuple[str, int, bytes]] = []
        # Seqs are handed out before the transaction commits; remember where each offer stood
        # so a failed commit gives them back instead of leaving gaps.
        saved: dict[str, int | None] = {}
        for offer_id, data in batch:
            if offer_id not in saved:
                saved[offer_id] = self._next_seq.get(offer_id)
            try:
                seq = self._take_seq(offer_id)
            except OfferNotFound as exc:
                outcomes.append(exc)  # only this caller fails; the rest of the batch commits
                continue
            values.append((offer_id, seq, data))
            outcomes.append(seq)
        if not values:
            return outcomes
        try:
            with self.transaction() as conn:
                conn.executemany(
                    "INSERT INTO doc_updates (offer_id, seq, data) VALUES (?, ?, ?)", values
                )
        except BaseException:
            for offer_id, next_seq in saved.items():
                if next_seq is None:
                    self._next_seq.pop(offer_id, None)
                else:
                    self._next_seq[offer_id] = next_seq
            raise
        return outcomes

    def _take_seq(self, offer_id: str) -> int:
        seq = self._next_seq.get(offer_id)
        if seq is None:
            seq = self._last_seq(offer_id) + 1
        self._next_seq[offer_id] = seq + 1
        return seq

    def _last_seq(self, offer_id: str) -> int:
        """Highest seq ever appended: compaction may have deleted it, but the snapshot says so."""
        if not self.offer_exists(offer_id):
            raise OfferNotFound(offer_id)
        row = self.one(
            "SELECT MAX(COALESCE((SELECT MAX(seq) FROM doc_updates WHERE offer_id = ?1), 0), "
            "COALESCE((SELECT upto_seq FROM doc_snapshots WHERE offer_id = ?1), 0))",
            offer_id,
        )
        assert row is not None  # a bare SELECT always yields a row
        last: int = row[0]
        return last

    def load_doc(self, offer_id: str) -> DocState:
        snap = self.one("SELECT data, upto_seq FROM doc_snapshots WHERE offer_id = ?", offer_id)
        snapshot, upto = (bytes(snap["data"]), int(snap["upto_seq"])) if snap else (None, 0)
        log = self.all(
            "SELECT seq, data FROM doc_updates WHERE offer_id = ? AND seq > ? ORDER BY seq",
            offer_id,
            upto,
        )
        return DocState(
            snapshot=snapshot,
            updates=[bytes(row["data"]) for row in log],
            last_seq=int(log[-1]["seq"]) if log else upto,
        )

    def compact(self, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
        with self.transaction() as conn:
            last = self._last_seq(offer_id)  # raises OfferNotFound
            if upto_seq > last:
                raise ValueError(f"{offer_id}: cannot compact up to {upto_seq}; last seq is {last}")
            current = self.one("SELECT upto_seq FROM doc_snapshots WHERE offer_id = ?", offer_id)
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

    def update_count(self, offer_id: str) -> int:
        row = self.one(
            "SELECT COUNT(*) FROM doc_updates WHERE offer_id = ?1 AND seq > "
            "COALESCE((SELECT upto_seq FROM doc_snapshots WHERE offer_id = ?1), 0)",
            offer_id,
        )
        assert row is not None  # an aggregate always yields a row
        count: int = row[0]
        return count

    # --- history --------------------------------------------------------------------------

    def append_event(
        self,
        offer_id: str,
        kind: str,
        actor: str | None,
        reason: str | None,
        payload: dict[str, Any],
    ) -> EventRecord:
        with self.transaction():
            if not self.offer_exists(offer_id):
                raise OfferNotFound(offer_id)
            return self.insert_event(offer_id, kind, actor, reason, payload, self.now())

    def insert_event(
        self,
        offer_id: str,
        kind: str,
        actor: str | None,
        reason: str | None,
        payload: dict[str, Any],
        at: datetime,
    ) -> EventRecord:
        """Append an event under the offer's next seq; call inside a transaction."""
        row = self.one("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE offer_id = ?", offer_id)
        assert row is not None
        event = EventRecord(
            offer_id=offer_id,
            seq=row[0],
            kind=kind,
            at=at,
            actor=actor,
            reason=reason,
            payload=payload,
        )
        self.conn.execute(
            f"INSERT INTO events ({rows.EVENT_COLUMNS}) VALUES ({rows.marks(7)})",
            rows.SQLITE.event_params(event),
        )
        return event
