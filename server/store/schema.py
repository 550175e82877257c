"""The SQLite schema, its migrations, and how a connection is configured.

The schema version lives in ``PRAGMA user_version``: migration ``n`` (1-based) moves the file from
version ``n - 1`` to ``n``. Migrations are append-only; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: How long a statement waits for a lock held by another connection (a backup tool, the sqlite3
#: shell) before failing with SQLITE_BUSY. Our own writes are serialised on one thread.
BUSY_TIMEOUT_MS = 5_000

MIGRATIONS: tuple[str, ...] = (
    # 1: the initial schema. JSON columns hold msgspec-encoded Structs; times are ISO-8601 UTC text.
    """
    CREATE TABLE offers (
        id          TEXT PRIMARY KEY,
        status      TEXT NOT NULL,
        version     INTEGER NOT NULL,
        client      TEXT NOT NULL,
        freelancer  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        terms       TEXT NOT NULL,
        epoch       INTEGER NOT NULL DEFAULT 1
    ) STRICT;

    CREATE TABLE versions (
        offer_id     TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        number       INTEGER NOT NULL,
        terms        TEXT NOT NULL,
        author       TEXT,
        accepted_by  TEXT,
        proposal_id  TEXT,
        content_hash TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        PRIMARY KEY (offer_id, number)
    ) STRICT;

    CREATE TABLE events (
        offer_id TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        seq      INTEGER NOT NULL,
        kind     TEXT NOT NULL,
        actor    TEXT,
        reason   TEXT,
        payload  TEXT NOT NULL,
        at       TEXT NOT NULL,
        PRIMARY KEY (offer_id, seq)
    ) STRICT;

    -- A rowid table on purpose: updates are blobs, which WITHOUT ROWID tables store poorly.
    CREATE TABLE doc_updates (
        offer_id TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        seq      INTEGER NOT NULL,
        data     BLOB NOT NULL,
        PRIMARY KEY (offer_id, seq)
    ) STRICT;

    CREATE TABLE doc_snapshots (
        offer_id TEXT PRIMARY KEY REFERENCES offers(id) ON DELETE CASCADE,
        data     BLOB NOT NULL,
        upto_seq INTEGER NOT NULL
    ) STRICT;
    """,
)


def connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` configured for offer-room and migrated to the latest schema.

    Must be called on the thread that will use the connection (sqlite3 checks this).
    """
    # isolation_level=None: no implicit BEGINs; every transaction is an explicit BEGIN IMMEDIATE.
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise sqlite3.OperationalError(f"{path}: could not enable WAL (journal_mode={mode})")
        # In WAL mode NORMAL syncs only at checkpoints, not on every commit. A committed
        # transaction is already in the WAL file (handed to the OS), so a process crash - even
        # kill -9 - loses nothing; only a power loss or kernel crash can drop the last commits.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    """Apply every migration the file has not seen yet, each in its own transaction."""
    current: int = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > len(MIGRATIONS):
        raise RuntimeError(
            f"database schema version {current} is newer than this offer-room "
            f"({len(MIGRATIONS)}); refusing to open it"
        )
    for number in range(current + 1, len(MIGRATIONS) + 1):
        script = MIGRATIONS[number - 1]
        try:
            # executescript runs the DDL and the version bump inside one explicit transaction, so
            # a failed migration leaves the file at the previous version.
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
