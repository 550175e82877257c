"""The PostgreSQL engine: the pool, transactions, error translation, and the ``Engine`` primitives.

Every connection is in autocommit mode: a single read is one round trip, and a write is an explicit
``transaction()`` (READ COMMITTED plus row locks: see ``store``). Errors meaning "the server cannot
be reached" (refused, lost, no pooled connection within the timeout) become ``StoreUnavailable``;
every other database error propagates unchanged, as the SQLite engine's do.

Statements given to the primitives (``one``, ``all``, ``reads``, ``write``) are the shared ones,
written with ``?`` placeholders (``pyformat`` turns them into psycopg's ``%s``); the statements
this package runs on a connection inside its own transactions are written with ``%s``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from server.store.base import EventRecord, OfferNotFound, StoreClosed, StoreUnavailable
from server.store.postgres import schema
from server.store.postgres.rows import PG, marks, raw_json
from server.store.rows import EVENT_COLUMNS, OFFER_COLUMNS
from server.store.rules import Clock

Conn = AsyncConnection[tuple[Any, ...]]
Row = tuple[Any, ...]

#: SQLSTATEs that mean the server went away or refuses connections (besides class 08).
_UNAVAILABLE_STATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is stopping
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: starting up or shutting down
        "53300",  # too_many_connections
    }
)


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, PoolClosed):
        return False  # our own close(): reported as StoreClosed
    if isinstance(exc, psycopg.OperationalError):
        state = exc.sqlstate
        # No SQLSTATE: libpq itself failed (refused, reset, timed out): the link is gone.
        return state is None or state.startswith("08") or state in _UNAVAILABLE_STATES
    return False


def server_name(url: str) -> str:
    """host:port/dbname of ``url``, without the user or password (for messages)."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "PostgreSQL (unparsable URL)"
    host = str(params.get("host") or "localhost")
    return f"{host}:{params.get('port') or 5432}/{params.get('dbname') or ''}"


@functools.cache  # the shared statements are a fixed set of constants
def pyformat(sql: str) -> str:
    """A shared statement (``?`` placeholders) in psycopg's ``%s`` style."""
    if "%" in sql:
        raise ValueError(f"a shared statement cannot hold '%': {sql!r}")
    return sql.replace("?", "%s")


class PgCore:
    """The ``Engine`` on one database, shared with every other node."""

    codec = PG
    #: An identity column: PostgreSQL has no rowid (see ``schema``).
    insert_order = "insert_order"

    def __init__(
        self,
        url: str,
        clock: Clock,
        *,
        min_size: int,
        max_size: int,
        timeout: float,
        reconnect_timeout: float,
    ) -> None:
        self.url = url
        #: Stamps events, decisions and deliveries (tests pass a fake one).
        self.now = clock
        #: Write transactions committed so far (shows how well appends are being grouped).
        self.commits = 0
        self.timeout = timeout
        self._min_size = min_size
        self._max_size = max_size
        self._reconnect_timeout = reconnect_timeout
        self._pool: AsyncConnectionPool[Conn] | None = None
        self._where = server_name(url)

    def _conninfo(self) -> str:
        given = conninfo_to_dict(self.url)
        defaults: dict[str, str | int] = {
            "application_name": "offer-room",
            "connect_timeout": max(2, math.ceil(self.timeout)),
            # Notice a dead server on an idle connection, and give up on unacknowledged
            # writes, well before the OS defaults (hours, minutes).
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "tcp_user_timeout": 30_000,
        }
        return make_conninfo(self.url, **{k: v for k, v in defaults.items() if k not in given})

    async def connect(self) -> None:
        """Migrate the schema over one direct connection, then open the pool.

        The direct connection reports the real cause (refused, unknown database, bad password)
        where a pool would only time out.
        """
        conninfo = self._conninfo()
        with self.translate_errors():
            async with await AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await schema.migrate(conn)
            pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
                conninfo,
                kwargs={"autocommit": True},
                min_size=self._min_size,
                max_size=self._max_size,
                open=False,
                configure=_configure,
                # Checked when handed out: a connection broken by a server restart is replaced
                # instead of failing the caller's first statement.
                check=AsyncConnectionPool.check_connection,
                timeout=self.timeout,
                reconnect_timeout=self._reconnect_timeout,
                name="offer-room",
            )
            try:
                await pool.open(wait=True, timeout=self.timeout)
            except BaseException:
                await pool.close()
                raise
        self._pool = pool

    async def disconnect(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        try:
            yield
        except PoolClosed as exc:
            raise StoreClosed("store is closed") from exc
        except Exception as exc:
            if is_unavailable(exc):
                message = f"PostgreSQL at {self._where} is unavailable: {exc}"
                raise StoreUnavailable(message) from exc
            raise

    @asynccontextmanager
    async def connection(self, wait_s: float | None = None) -> AsyncIterator[Conn]:
        """A pooled connection (autocommit), waiting up to ``wait_s`` (default: the timeout);
        connection trouble raises StoreUnavailable."""
        if self._pool is None:
            raise StoreClosed("store is not open")
        with self.translate_errors():
            async with self._pool.connection(timeout=wait_s) as conn:
                yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self.connection() as conn, conn.transaction():
            yield conn
        self.commits += 1

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Conn]:
        """A read-only transaction in which every statement sees the same committed state."""
        async with self.connection() as conn, conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield conn

    async def ping(self) -> bool:
        """True when the database answers within ~2 s; False otherwise (for health checks)."""
        try:
            async with self.connection(wait_s=min(self.timeout, 2.0)) as conn:
                await conn.execute("SELECT 1")
        except (StoreUnavailable, psycopg.Error):
            return False
        return True

    async def one(self, sql: str, *params: object) -> Row | None:
        async with self.connection() as conn:
            cursor = await conn.execute(pyformat(sql), params)
            return await cursor.fetchone()

    async def all(self, sql: str, *params: object) -> list[Row]:
        async with self.connection() as conn:
            cursor = await conn.execute(pyformat(sql), params)
            return await cursor.fetchall()

    async def reads(self, *sqls: str) -> list[list[Row]]:
        async with self.snapshot() as conn:
            return [await (await conn.execute(pyformat(sql))).fetchall() for sql in sqls]

    async def write(self, sql: str, *params: object) -> int:
        async with self.transaction() as conn:
            cursor = await conn.execute(pyformat(sql), params)
            return cursor.rowcount


async def _configure(conn: Conn) -> None:
    set_json_loads(raw_json, conn)
    # The locking in this store is written for READ COMMITTED (each statement sees what committed
    # before it); pinned so a server-wide default_transaction_isolation cannot change it.
    await conn.set_isolation_level(psycopg.IsolationLevel.READ_COMMITTED)


async def lock_offer(conn: Conn, offer_id: str) -> tuple[Any, ...]:
    """Lock the offer's row until the transaction ends; OfferNotFound if there is none.

    FOR NO KEY UPDATE: it serialises writers of the offer's events and version, but not appends
    to its CRDT log (their foreign-key checks only take KEY SHARE locks).
    """
    cursor = await conn.execute(
        f"SELECT {OFFER_COLUMNS} FROM offers WHERE id = %s FOR NO KEY UPDATE", [offer_id]
    )
    row = await cursor.fetchone()
    if row is None:
        raise OfferNotFound(offer_id)
    return row


async def insert_events(
    conn: Conn,
    offer_id: str,
    new: list[tuple[str, str | None, str | None, dict[str, Any]]],
    at: datetime,
) -> list[EventRecord]:
    """Append events (kind, actor, reason, payload) under the offer's next seqs.

    Call inside a transaction holding the offer's row lock (``lock_offer``), so the highest seq
    read here is still the highest when the rows land.
    """
    if not new:
        return []
    cursor = await conn.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM events WHERE offer_id = %s", [offer_id]
    )
    row = await cursor.fetchone()
    last = int(row[0]) if row is not None else 0
    events = [
        EventRecord(
            offer_id=offer_id,
            seq=last + i,
            kind=kind,
            at=at,
            actor=actor,
            reason=reason,
            payload=payload,
        )
        for i, (kind, actor, reason, payload) in enumerate(new, start=1)
    ]
    async with conn.cursor() as cur:
        await cur.executemany(
            f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({marks(7)})",
            [PG.event_params(event) for event in events],
        )
    return events
