"""The SQLite engine: one connection, owned by one writer thread.

sqlite3 blocks, so every statement runs on a single-worker executor that owns the connection; the
event loop only awaits. ``SQLiteCore`` is the synchronous half, whose methods run on that thread;
``SQLiteEngine`` is the ``Engine`` the Store awaits, moving each call onto the thread in
submission order. Being the only writer is what lets the engine hand out per-offer sequence
numbers from memory (see ``docs``), and lets a read on this thread see every acknowledged write.
The file must therefore be opened by one process at a time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from server.store.base import EventRecord, StoreClosed
from server.store.rows import EVENT_COLUMNS, marks
from server.store.rules import Clock
from server.store.sqlite import journal, schema
from server.store.sqlite.rows import SQLITE

log = logging.getLogger("offer_room.store")

P = ParamSpec("P")
T = TypeVar("T")


class SQLiteCore:
    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        #: Stamps events, decisions and deliveries (tests pass a fake one).
        self.now = clock
        #: Write transactions committed so far (read from the event loop for observability).
        self.commits = 0
        #: offer id -> the seq its next update gets; filled from the file on first use (docs).
        self.next_seq: dict[str, int] = {}
        #: Rows this process appended to the CRDT log's journal since its last fold (journal).
        self.journaled = 0
        self._db: sqlite3.Connection | None = None

    def connect(self) -> None:
        db = schema.connect(self.path)
        db.row_factory = sqlite3.Row
        self._db = db
        try:
            self.fold()  # what a crash left in the journal
        except BaseException:
            db.close()
            self._db = None
            raise

    def disconnect(self) -> None:
        if self._db is None:
            return
        try:
            self.fold()  # the file at rest keeps the whole log in doc_updates
        except sqlite3.Error as exc:  # the rows stay in the journal; the next open folds them
            log.warning("could not fold the CRDT log's journal on close: %s", exc)
        finally:
            self._db.close()
            self._db = None

    def fold(self) -> None:
        """Move the CRDT log's journal into ``doc_updates`` if anything waits there; before
        reading the log (``journal``)."""
        if self.conn.in_transaction:
            journal.fold(self.conn)
        elif journal.pending(self.conn):
            with self.transaction() as conn:
                journal.fold(conn)
        self.journaled = 0

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

    def reads(self, sqls: tuple[str, ...]) -> list[Sequence[sqlite3.Row]]:
        with self.reading():
            return [self.all(sql) for sql in sqls]

    def write(self, sql: str, params: tuple[object, ...]) -> int:
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    def offer_exists(self, offer_id: str) -> bool:
        return self.one("SELECT 1 FROM offers WHERE id = ?", offer_id) is not None

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
            f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({marks(7)})", SQLITE.event_params(event)
        )
        return event


class SQLiteEngine:
    """The ``Engine`` on one file: every call runs on the writer thread, in submission order."""

    codec = SQLITE
    #: A rowid is the order rows were added in.
    insert_order = "rowid"

    def __init__(self, path: Path, clock: Clock) -> None:
        self.core = SQLiteCore(path, clock)
        self.now = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._connected = False

    @property
    def commits(self) -> int:
        return self.core.commits

    async def run(self, call: Callable[[], T]) -> T:
        """Run ``call`` on the writer thread, after everything submitted before it."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def connect(self) -> None:
        await self.run(self.core.connect)
        self._connected = True

    async def disconnect(self) -> None:
        if self._connected:
            await self.run(self.core.disconnect)
        # Nothing is queued by now, so not waiting for the idle thread loses nothing.
        self._executor.shutdown(wait=False)

    async def ping(self) -> bool:
        """False on a database error (for health checks)."""
        try:
            return await self.run(lambda: self.core.one("SELECT 1") is not None)
        except sqlite3.Error:
            return False

    async def one(self, sql: str, *params: object) -> sqlite3.Row | None:
        return await self.run(functools.partial(self.core.one, sql, *params))

    async def all(self, sql: str, *params: object) -> list[sqlite3.Row]:
        return await self.run(functools.partial(self.core.all, sql, *params))

    async def reads(self, *sqls: str) -> list[Sequence[sqlite3.Row]]:
        return await self.run(functools.partial(self.core.reads, sqls))

    async def write(self, sql: str, *params: object) -> int:
        return await self.run(functools.partial(self.core.write, sql, params))


def on_writer(
    fn: Callable[Concatenate[SQLiteCore, P], T],
) -> Callable[Concatenate[SQLiteEngine, P], Awaitable[T]]:
    """An engine operation that runs ``fn`` on the writer thread with the connection's core."""

    async def operation(engine: SQLiteEngine, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await engine.run(functools.partial(fn, engine.core, *args, **kwargs))

    return operation
