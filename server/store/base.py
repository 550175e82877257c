"""The Store protocol: everything offer-room keeps on disk, behind one small async interface.

SQLite (WAL) is the embedded default (``server.store.sqlite``); a PostgreSQL implementation with the
same schema serves cluster mode. Implementations must make each method atomic: a call that raises
leaves nothing half-written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import msgspec

from server.offers.terms import Party, Terms


class OfferRecord(msgspec.Struct, frozen=True):
    id: str
    status: str  # open | agreed | withdrawn | declined | expired
    version: int
    client: Party
    freelancer: Party
    created_at: datetime
    expires_at: datetime
    #: The terms of the current (committed) version.
    terms: Terms
    #: Bumped when the stored document is replaced wholesale; clients on an older epoch reload.
    epoch: int = 1


class VersionRecord(msgspec.Struct, frozen=True):
    offer_id: str
    number: int
    terms: Terms
    created_at: datetime
    author: str | None = None  # user id who proposed it (None for version 1)
    accepted_by: str | None = None
    proposal_id: str | None = None
    content_hash: str = ""


class EventRecord(msgspec.Struct, frozen=True):
    offer_id: str
    seq: int
    kind: str
    at: datetime
    actor: str | None = None
    reason: str | None = None
    payload: dict[str, Any] = {}


class DocState(msgspec.Struct, frozen=True):
    """What it takes to rebuild a room's Y.Doc: a snapshot plus the updates after it, in order."""

    snapshot: bytes | None
    updates: list[bytes]
    #: Sequence number of the last update included (snapshot or log); 0 when empty.
    last_seq: int


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None:
        """Flush every pending write, then release resources."""
        ...

    async def ping(self) -> bool: ...

    # offers
    async def create_offer(self, offer: OfferRecord, doc_state: bytes) -> None:
        """Atomically insert the offer, version 1, the seeded doc state and a `created` event."""
        ...

    async def get_offer(self, offer_id: str) -> OfferRecord | None: ...

    # the CRDT log
    async def append_update(self, offer_id: str, update: bytes) -> int:
        """Append one Yjs update; resolves once it is durable (group-committed), returns its seq."""
        ...

    async def load_doc(self, offer_id: str) -> DocState: ...

    async def compact(self, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
        """Replace the snapshot and drop log entries with seq <= upto_seq (the snapshot covers them)."""
        ...

    async def update_count(self, offer_id: str) -> int:
        """How many log entries are not yet covered by the snapshot (drives compaction)."""
        ...

    # history
    async def list_versions(self, offer_id: str) -> list[VersionRecord]: ...

    async def get_version(self, offer_id: str, number: int) -> VersionRecord | None: ...

    async def append_event(
        self,
        offer_id: str,
        kind: str,
        actor: str | None = None,
        reason: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> EventRecord: ...

    async def list_events(self, offer_id: str) -> list[EventRecord]: ...
