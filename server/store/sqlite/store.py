"""``SQLiteStore``: the embedded Store, one SQLite file in WAL mode (``core`` says how it is run).

Everything but the engine's own operations is ``SQLStore``'s; which functions of this package
carry those out is the table below.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from server.store.base import Store
from server.store.engine import Operations
from server.store.rules import Clock, utc_now
from server.store.sql_store import SQLStore
from server.store.sqlite import (
    docs,
    negotiation,
    notifications,
    outbox,
    ratings,
    revocations,
    thread,
)
from server.store.sqlite.core import SQLiteEngine, on_writer

OPERATIONS: Operations[SQLiteEngine] = Operations(
    create_offer=on_writer(docs.create_offer),
    append_updates=on_writer(docs.append_updates),
    load_doc=on_writer(docs.load_doc),
    compact=on_writer(docs.compact),
    append_event=on_writer(docs.append_event),
    commit=on_writer(negotiation.commit),
    add_message=on_writer(thread.add_message),
    change_message=on_writer(thread.change_message),
    add_revocation=on_writer(revocations.add_revocation),
    claim_webhooks=on_writer(outbox.claim_webhooks),
    queue_notification=on_writer(notifications.queue_notification),
    claim_digests=on_writer(notifications.claim_digests),
    claim_reminders=on_writer(notifications.claim_reminders),
    rate=on_writer(ratings.rate),
)


class SQLiteStore(SQLStore[SQLiteEngine]):
    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        """``clock`` stamps events, decisions and deliveries (tests pass a fake one)."""
        self.path = path
        super().__init__(SQLiteEngine(path, clock), OPERATIONS)


if TYPE_CHECKING:
    # mypy proves the class satisfies the protocol here, not at some distant call site.
    _protocol_check: type[Store] = SQLiteStore
