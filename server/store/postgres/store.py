"""``PostgresStore``: the cluster Store, on PostgreSQL shared by every node (psycopg 3 and its
async pool).

Same schema and behaviour as the SQLite engine; what differs is how the guarantees survive several
writers (nodes) on one database:

- Compare-and-set ``commit``: the offer's row is locked before the comparison (``negotiation``).
- CRDT log seqs: per offer and dense, handed out by the database under a per-offer row lock,
  never from a node's memory (``docs``).
- Webhook outbox: claims take due rows FOR UPDATE SKIP LOCKED; each row goes to one node.
- Digests and reminders: queueing an item locks the offer's row, so a party never has two
  pending digests; claims take due rows FOR UPDATE SKIP LOCKED in one UPDATE … RETURNING, so
  each digest goes to one sender per lease and each reminder fires once (``notifications``).
- Token revocations: adds lock the offer's row, so the per-offer bound holds across nodes.
- The thread: every write (a message, a change, a commit's system entries) locks the offer's row
  and numbers entries ``MAX(n) + 1`` under it, so ``n`` stays gapless across nodes (``thread``).
- Schema: versioned migrations at ``open()``, serialised by an advisory lock (``schema``).
- Unreachable server: methods raise ``StoreUnavailable``; the pool reconnects when it is back.

Transactions run at READ COMMITTED with explicit row locks, never SERIALIZABLE, so nothing is
retried: a waiter sees the winner's rows when its next statement starts. Lock order is fixed
(an offer's row, or the log rows of a batch in id order), so batches of appends cannot deadlock.

Why psycopg 3 rather than asyncpg: it is async-native and also sync, with its pool
(psycopg_pool) in the same project, so the store, the test helpers and migration tooling share
one driver; it binds parameters server-side and prepares hot statements itself; pipeline mode
batches round trips (``executemany`` uses it); and libpq gives the standard URL and conninfo
handling (sslmode, service files, unix sockets) operators expect. asyncpg's extra raw speed does
not matter here: CRDT appends arrive batched (the rooms' Flusher), so a batch costs a handful of
round trips whatever its size, and the other writes are a few per user action.

Everything but the engine's own operations is ``SQLStore``'s; which functions of this package
carry those out is the table below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.store.base import Store
from server.store.engine import Operations
from server.store.postgres import (
    docs,
    negotiation,
    notifications,
    outbox,
    ratings,
    revocations,
    thread,
)
from server.store.postgres.core import PgCore
from server.store.rules import Clock, utc_now
from server.store.sql_store import SQLStore

OPERATIONS: Operations[PgCore] = Operations(
    create_offer=docs.create_offer,
    append_updates=docs.append_updates,
    load_doc=docs.load_doc,
    compact=docs.compact,
    append_event=docs.append_event,
    commit=negotiation.commit,
    add_message=thread.add_message,
    change_message=thread.change_message,
    add_revocation=revocations.add_revocation,
    claim_webhooks=outbox.claim_webhooks,
    queue_notification=notifications.queue_notification,
    claim_digests=notifications.claim_digests,
    claim_reminders=notifications.claim_reminders,
    rate=ratings.rate,
)


class PostgresStore(SQLStore[PgCore]):
    """``url``: a ``postgresql://`` URL or libpq conninfo. ``timeout``: how long a call waits for a
    connection before raising StoreUnavailable (also the connect timeout). The pool holds
    ``min_size``..``max_size`` connections; after losing the server it retries with backoff,
    restarted every ``reconnect_timeout`` seconds."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock = utc_now,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 5.0,
        reconnect_timeout: float = 10.0,
    ) -> None:
        """``clock`` stamps events, decisions and deliveries (tests pass a fake one)."""
        self.url = url
        engine = PgCore(
            url,
            clock,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            reconnect_timeout=reconnect_timeout,
        )
        super().__init__(engine, OPERATIONS)


if TYPE_CHECKING:
    # mypy proves the class satisfies the protocol here, not at some distant call site.
    _protocol_check: type[Store] = PostgresStore
