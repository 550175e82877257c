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
    # 2: negotiation (proposals, idempotent commands), the webhook outbox, expiry lookups.
    """
    CREATE TABLE proposals (
        id           TEXT PRIMARY KEY,
        offer_id     TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        proposer     TEXT NOT NULL,
        by_role      TEXT NOT NULL,
        base_version INTEGER NOT NULL,
        terms        TEXT NOT NULL,
        note         TEXT,
        status       TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        decided_at   TEXT,
        decided_by   TEXT,
        reason       TEXT,
        explanation  TEXT
    ) STRICT;

    -- At most one pending proposal per offer, whatever the code above the store gets wrong.
    CREATE UNIQUE INDEX proposals_one_pending ON proposals (offer_id) WHERE status = 'pending';
    -- Serves list_proposals (offer_id, created_at) and the per-hour limit (with proposer).
    CREATE INDEX proposals_by_offer ON proposals (offer_id, created_at);
    CREATE INDEX proposals_by_proposer ON proposals (offer_id, proposer, created_at);

    CREATE TABLE commands (
        offer_id   TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        command_id TEXT NOT NULL,
        actor      TEXT NOT NULL,
        kind       TEXT NOT NULL,
        result     TEXT NOT NULL,
        at         TEXT NOT NULL,
        PRIMARY KEY (offer_id, command_id)
    ) STRICT;

    -- One row per event to POST. Delivered rows are kept (delivered_at set) as a delivery log;
    -- dead rows (dead_at set) are the dead letters. AUTOINCREMENT: an id is never handed out
    -- twice, even after the newest row is deleted with its offer.
    CREATE TABLE webhook_outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        offer_id        TEXT NOT NULL,
        event_seq       INTEGER NOT NULL,
        body            BLOB NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        delivered_at    TEXT,
        dead_at         TEXT,
        UNIQUE (offer_id, event_seq),
        FOREIGN KEY (offer_id, event_seq) REFERENCES events (offer_id, seq) ON DELETE CASCADE
    ) STRICT;

    CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
        WHERE delivered_at IS NULL AND dead_at IS NULL;

    CREATE INDEX offers_open_by_expiry ON offers (expires_at) WHERE status = 'open';
    """,
    # 3: token revocations (server.auth.Revocation), read whole per offer on every token check.
    # A rowid table: rowid is the order rules were added in ("oldest first").
    """
    CREATE TABLE revocations (
        offer_id TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        at_ms    INTEGER NOT NULL,
        jti      TEXT,
        user_id  TEXT
    ) STRICT;

    -- Entries are (offer_id, rowid): an offer's rules are read in order without a sort.
    CREATE INDEX revocations_by_offer ON revocations (offer_id);
    -- A token revoked twice (a retried call) is one rule, not two toward the per-offer bound.
    CREATE UNIQUE INDEX revocations_one_per_jti ON revocations (offer_id, jti)
        WHERE jti IS NOT NULL;
    """,
    # 4: the thread (server.store.thread): messages, questions, answers, the system entries that
    # show timeline events, and how far each user has read.
    """
    -- n is per offer and gapless, taken as MAX(n) + 1 in the transaction that inserts the row.
    -- The primary key serves every read of a page, (offer_id, n) in either direction.
    CREATE TABLE messages (
        offer_id    TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        n           INTEGER NOT NULL,
        id          TEXT NOT NULL,
        kind        TEXT NOT NULL,
        author      TEXT,
        author_role TEXT,
        body        TEXT NOT NULL,
        about       TEXT,
        reply_to    TEXT,
        status      TEXT,
        at          TEXT NOT NULL,
        edited_at   TEXT,
        deleted_at  TEXT,
        event_seq   INTEGER,
        event_kind  TEXT,
        payload     TEXT NOT NULL,
        flags       TEXT NOT NULL,
        PRIMARY KEY (offer_id, n),
        -- get_message, change_message and a retried add look entries up by id.
        UNIQUE (offer_id, id),
        FOREIGN KEY (offer_id, event_seq) REFERENCES events (offer_id, seq) ON DELETE CASCADE
    ) STRICT;

    CREATE INDEX messages_open_questions ON messages (offer_id, n)
        WHERE kind = 'question' AND status = 'open' AND deleted_at IS NULL;

    CREATE TABLE read_state (
        offer_id  TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        user_id   TEXT NOT NULL,
        last_read INTEGER NOT NULL,
        PRIMARY KEY (offer_id, user_id)
    ) STRICT;
    """,
    # 5: notifications for the party who is away (digests) and reminders
    # (server.store.notifications says how a digest moves through its states).
    """
    -- AUTOINCREMENT: an id is never handed out twice, so a late report about a digest can never
    -- settle a newer one.
    CREATE TABLE digests (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        offer_id    TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        user_id     TEXT NOT NULL,
        role        TEXT NOT NULL,
        items       TEXT NOT NULL,
        count       INTEGER NOT NULL,
        created_at  TEXT NOT NULL,
        due_at      TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'sent', 'dead')),
        lease_until TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        sent_at     TEXT
    ) STRICT;

    -- At most one digest takes a party's items, whatever the code above the store gets wrong.
    CREATE UNIQUE INDEX digests_one_pending ON digests (offer_id, user_id)
        WHERE state = 'pending';
    -- A claim's two halves: pending digests by due time, claimed ones by the end of their lease.
    CREATE INDEX digests_due ON digests (due_at) WHERE state = 'pending';
    CREATE INDEX digests_leased ON digests (lease_until) WHERE state = 'claimed';
    -- A party's digests: the throttle's previous digest, "one in flight" for a claim.
    CREATE INDEX digests_by_party ON digests (offer_id, user_id, state);

    -- Fired rows stay (fired_at set): a reminder fires once, and rescheduling after that is a
    -- new row. The unique index keeps one unfired row per (offer, kind, user, ref) and serves
    -- cancel_reminders (offer_id first).
    CREATE TABLE reminders (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        offer_id TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        kind     TEXT NOT NULL,
        user_id  TEXT NOT NULL,
        ref      TEXT NOT NULL,
        due_at   TEXT NOT NULL,
        fired_at TEXT
    ) STRICT;

    CREATE UNIQUE INDEX reminders_one_unfired ON reminders (offer_id, kind, user_id, ref)
        WHERE fired_at IS NULL;
    CREATE INDEX reminders_due ON reminders (due_at) WHERE fired_at IS NULL;

    -- Offers open before this migration get the expiry reminders creation now schedules, those
    -- still ahead (server/notify/schedule.py). Whole hours leave the microseconds and the offset
    -- of the stored text as they were, so the result keeps the store's format.
    INSERT INTO reminders (offer_id, kind, user_id, ref, due_at)
    SELECT p.id, k.kind, json_extract(p.party, '$.id'), '',
           strftime('%Y-%m-%dT%H:%M:%S', p.expires_at, k.shift) || substr(p.expires_at, 20)
    FROM (SELECT id, expires_at, client AS party FROM offers WHERE status = 'open'
          UNION ALL
          SELECT id, expires_at, freelancer FROM offers WHERE status = 'open') AS p
    CROSS JOIN (SELECT 'expires_72h' AS kind, '-72 hours' AS shift
                UNION ALL SELECT 'expires_24h', '-24 hours') AS k
    WHERE julianday(p.expires_at, k.shift) > julianday('now');
    """,
    # 6: per-change decisions (``decide``): each change's outcome on the decided proposal, and on
    # a counter-proposal the proposal it counters.
    """
    ALTER TABLE proposals ADD COLUMN outcomes TEXT;
    ALTER TABLE proposals ADD COLUMN counter_to TEXT;
    """,
    # 7: outcomes (server/reports/): each offer's experiment variant (offers created before it
    # are "default", the variant every offer had), and the report's range read by creation time.
    """
    ALTER TABLE offers ADD COLUMN variant TEXT NOT NULL DEFAULT 'default';
    CREATE INDEX offers_by_created ON offers (created_at, id);
    """,
    # 8: the CRDT log's journal (server/store/sqlite/journal.py): group commits append here, at
    # the end of one table, and the rows move into doc_updates in bulk. No key but the rowid, and
    # no reference to offers: either would cost every append a lookup the fold makes once.
    """
    CREATE TABLE doc_journal (
        offer_id TEXT NOT NULL,
        seq      INTEGER NOT NULL,
        data     BLOB NOT NULL
    ) STRICT;
    """,
)


#: WAL pages between two automatic checkpoints (SQLite's default: 1,000, 4 MB).
WAL_CHECKPOINT_PAGES = 10_000


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
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
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
