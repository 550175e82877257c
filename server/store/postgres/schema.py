"""The PostgreSQL schema and its migrations, applied when a store opens.

The same tables as the SQLite schema (``server.store.sqlite.schema``), in PostgreSQL's types:
``bytea`` for Yjs updates, snapshots and webhook bodies, ``jsonb`` for msgspec-encoded Structs,
``timestamptz`` for times, ``text COLLATE "C"`` for ids (byte order, as in SQLite). Two additions,
because PostgreSQL has no ``rowid``: ``proposals.insert_order`` keeps "oldest first" stable for
proposals created in the same microsecond (``revocations.insert_order`` keeps the order rules were
added in), and the outbox id is an identity column.

Applied migrations are rows of ``schema_migrations``. Each migration runs in its own transaction
holding ``pg_advisory_xact_lock(MIGRATION_LOCK)``, and re-reads the applied versions under that
lock: when several nodes start together, one applies a migration while the others wait, then see
it applied and move on. Migrations are append-only; never edit one that has shipped.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

#: Key of the transaction-scoped advisory lock that serialises migrations ("offr" in ASCII).
MIGRATION_LOCK = 0x6F666672

MIGRATIONS: tuple[str, ...] = (
    # 1: offers, their versions and events, and the CRDT log with its snapshots.
    """
    CREATE TABLE offers (
        id          text COLLATE "C" PRIMARY KEY,
        status      text NOT NULL,
        version     integer NOT NULL,
        client      jsonb NOT NULL,
        freelancer  jsonb NOT NULL,
        created_at  timestamptz NOT NULL,
        expires_at  timestamptz NOT NULL,
        terms       jsonb NOT NULL,
        epoch       integer NOT NULL DEFAULT 1
    );

    CREATE TABLE versions (
        offer_id     text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        number       integer NOT NULL,
        terms        jsonb NOT NULL,
        author       text,
        accepted_by  text,
        proposal_id  text,
        content_hash text NOT NULL,
        created_at   timestamptz NOT NULL,
        PRIMARY KEY (offer_id, number)
    );

    CREATE TABLE events (
        offer_id text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        seq      bigint NOT NULL,
        kind     text NOT NULL,
        actor    text,
        reason   text,
        payload  jsonb NOT NULL,
        at       timestamptz NOT NULL,
        PRIMARY KEY (offer_id, seq)
    );

    -- seq is per offer, dense, handed out under the lock of the offer's doc_snapshots row.
    CREATE TABLE doc_updates (
        offer_id text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        seq      bigint NOT NULL,
        data     bytea NOT NULL,
        PRIMARY KEY (offer_id, seq)
    );

    -- One row per offer, written with the offer: also the lock appenders and compactors take.
    CREATE TABLE doc_snapshots (
        offer_id text COLLATE "C" PRIMARY KEY REFERENCES offers(id) ON DELETE CASCADE,
        data     bytea NOT NULL,
        upto_seq bigint NOT NULL
    );
    """,
    # 2: negotiation (proposals, idempotent commands), the webhook outbox, expiry lookups.
    """
    CREATE TABLE proposals (
        id           text COLLATE "C" PRIMARY KEY,
        offer_id     text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        proposer     text NOT NULL,
        by_role      text NOT NULL,
        base_version integer NOT NULL,
        terms        jsonb NOT NULL,
        note         text,
        status       text NOT NULL,
        created_at   timestamptz NOT NULL,
        decided_at   timestamptz,
        decided_by   text,
        reason       text,
        explanation  jsonb,
        insert_order bigint GENERATED ALWAYS AS IDENTITY
    );

    -- At most one pending proposal per offer, whatever the code above the store gets wrong.
    CREATE UNIQUE INDEX proposals_one_pending ON proposals (offer_id) WHERE status = 'pending';
    CREATE INDEX proposals_by_offer ON proposals (offer_id, created_at);
    CREATE INDEX proposals_by_proposer ON proposals (offer_id, proposer, created_at);

    CREATE TABLE commands (
        offer_id   text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        command_id text NOT NULL,
        actor      text NOT NULL,
        kind       text NOT NULL,
        result     jsonb NOT NULL,
        at         timestamptz NOT NULL,
        PRIMARY KEY (offer_id, command_id)
    );

    -- One row per event to POST; delivered rows stay as a delivery log, dead rows are the dead
    -- letters. An identity id is never handed out twice.
    CREATE TABLE webhook_outbox (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        offer_id        text COLLATE "C" NOT NULL,
        event_seq       bigint NOT NULL,
        body            bytea NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error      text,
        created_at      timestamptz NOT NULL,
        delivered_at    timestamptz,
        dead_at         timestamptz,
        UNIQUE (offer_id, event_seq),
        FOREIGN KEY (offer_id, event_seq) REFERENCES events (offer_id, seq) ON DELETE CASCADE
    );

    CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
        WHERE delivered_at IS NULL AND dead_at IS NULL;

    CREATE INDEX offers_open_by_expiry ON offers (expires_at) WHERE status = 'open';
    """,
    # 3: token revocations (server.auth.Revocation), read whole per offer on every token check.
    """
    CREATE TABLE revocations (
        offer_id     text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        at_ms        bigint NOT NULL,
        jti          text,
        user_id      text,
        -- The order rules were added in ("oldest first"), as SQLite's rowid keeps it.
        insert_order bigint GENERATED ALWAYS AS IDENTITY
    );

    CREATE INDEX revocations_by_offer ON revocations (offer_id, insert_order);
    -- A token revoked twice (a retried call) is one rule, not two toward the per-offer bound.
    CREATE UNIQUE INDEX revocations_one_per_jti ON revocations (offer_id, jti)
        WHERE jti IS NOT NULL;
    """,
    # 4: the thread (server.store.thread): messages, questions, answers, the system entries that
    # show timeline events, and how far each user has read.
    """
    -- n is per offer and gapless, taken as MAX(n) + 1 under the offer's row lock in the
    -- transaction that inserts the row. The primary key serves every read of a page.
    CREATE TABLE messages (
        offer_id    text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        n           bigint NOT NULL,
        id          text COLLATE "C" NOT NULL,
        kind        text NOT NULL,
        author      text,
        author_role text,
        body        text NOT NULL,
        about       text,
        reply_to    text COLLATE "C",
        status      text,
        at          timestamptz NOT NULL,
        edited_at   timestamptz,
        deleted_at  timestamptz,
        event_seq   bigint,
        event_kind  text,
        payload     jsonb NOT NULL,
        flags       jsonb NOT NULL,
        PRIMARY KEY (offer_id, n),
        -- get_message, change_message and a retried add look entries up by id.
        UNIQUE (offer_id, id),
        FOREIGN KEY (offer_id, event_seq) REFERENCES events (offer_id, seq) ON DELETE CASCADE
    );

    CREATE INDEX messages_open_questions ON messages (offer_id, n)
        WHERE kind = 'question' AND status = 'open' AND deleted_at IS NULL;

    CREATE TABLE read_state (
        offer_id  text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        user_id   text NOT NULL,
        last_read bigint NOT NULL,
        PRIMARY KEY (offer_id, user_id)
    );
    """,
    # 5: notifications for the party who is away (digests) and reminders
    # (server.store.notifications says how a digest moves through its states).
    """
    -- An identity id is never handed out twice, so a late report about a digest can never
    -- settle a newer one.
    CREATE TABLE digests (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        offer_id    text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        user_id     text NOT NULL,
        role        text NOT NULL,
        items       jsonb NOT NULL,
        count       integer NOT NULL,
        created_at  timestamptz NOT NULL,
        due_at      timestamptz NOT NULL,
        state       text NOT NULL CHECK (state IN ('pending', 'claimed', 'sent', 'dead')),
        lease_until timestamptz,
        attempts    integer NOT NULL DEFAULT 0,
        last_error  text,
        sent_at     timestamptz
    );

    -- At most one digest takes a party's items, whatever the code above the store gets wrong
    -- (and whichever node queues).
    CREATE UNIQUE INDEX digests_one_pending ON digests (offer_id, user_id)
        WHERE state = 'pending';
    -- A claim's two halves: pending digests by due time, claimed ones by the end of their lease.
    CREATE INDEX digests_due ON digests (due_at) WHERE state = 'pending';
    CREATE INDEX digests_leased ON digests (lease_until) WHERE state = 'claimed';
    -- A party's digests: the throttle's previous digest, "one in flight" for a claim.
    CREATE INDEX digests_by_party ON digests (offer_id, user_id, state);

    -- Fired rows stay (fired_at set): a reminder fires once, and rescheduling after that is a
    -- new row. The unique index keeps one unfired row per (offer, kind, user, ref), is the
    -- upsert's arbiter, and serves cancel_reminders (offer_id first).
    CREATE TABLE reminders (
        id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        offer_id text COLLATE "C" NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        kind     text NOT NULL,
        user_id  text NOT NULL,
        ref      text NOT NULL,
        due_at   timestamptz NOT NULL,
        fired_at timestamptz
    );

    CREATE UNIQUE INDEX reminders_one_unfired ON reminders (offer_id, kind, user_id, ref)
        WHERE fired_at IS NULL;
    CREATE INDEX reminders_due ON reminders (due_at) WHERE fired_at IS NULL;

    -- Offers open before this migration get the expiry reminders creation now schedules, those
    -- still ahead (server/notify/schedule.py).
    INSERT INTO reminders (offer_id, kind, user_id, ref, due_at)
    SELECT o.id, k.kind, p.party ->> 'id', '', o.expires_at - k.before
    FROM offers AS o
    CROSS JOIN (VALUES ('expires_72h', interval '72 hours'),
                       ('expires_24h', interval '24 hours')) AS k (kind, before)
    CROSS JOIN LATERAL (VALUES (o.client), (o.freelancer)) AS p (party)
    WHERE o.status = 'open' AND o.expires_at - k.before > now();
    """,
    # 6: per-change decisions (``decide``): each change's outcome on the decided proposal, and on
    # a counter-proposal the proposal it counters.
    """
    ALTER TABLE proposals ADD COLUMN outcomes jsonb;
    ALTER TABLE proposals ADD COLUMN counter_to text;
    """,
    # 7: outcomes (server/reports/): each offer's experiment variant (offers created before it
    # are "default", the variant every offer had), and the report's range read by creation time.
    """
    ALTER TABLE offers ADD COLUMN variant text NOT NULL DEFAULT 'default';
    CREATE INDEX offers_by_created ON offers (created_at, id);
    """,
    # 8: nothing here. SQLite's migration 8 adds a journal in front of its CRDT log
    # (server/store/sqlite/journal.py); PostgreSQL appends to doc_updates directly. Kept so that a
    # schema version means the same migrations on both engines.
    "SELECT 1",
)

_VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def migrate(conn: AsyncConnection[Any], target: int | None = None) -> int:
    """Apply every migration not yet applied (up to ``target``), each in its own transaction.

    ``conn`` must be in autocommit mode. Returns the schema version reached. Raises RuntimeError
    for a database migrated by a newer offer-room, leaving it untouched.
    """
    target = len(MIGRATIONS) if target is None else target
    while True:
        async with conn.transaction():
            # Taken first, so creating the versions table is serialised too.
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
            await conn.execute(_VERSIONS_TABLE)
            cursor = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            row = await cursor.fetchone()
            current = int(row[0]) if row is not None else 0
            if current > len(MIGRATIONS):
                raise RuntimeError(
                    f"database schema version {current} is newer than this offer-room "
                    f"({len(MIGRATIONS)}); refusing to open it"
                )
            if current >= target:
                return current
            number = current + 1
            # prepare=False: a multi-statement script cannot be a prepared statement.
            await conn.execute(MIGRATIONS[number - 1], prepare=False)
            await conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", [number])
