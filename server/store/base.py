"""The Store protocol: everything offer-room keeps on disk, behind one small async interface.

SQLite (WAL) is the embedded default (``server.store.sqlite``); a PostgreSQL implementation with the
same schema serves cluster mode. Implementations must make each method atomic: a call that raises
leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Protocol

import msgspec

from server.offers.terms import Party, Terms


class OfferExists(Exception):
    """``create_offer`` was given an id that is already stored; nothing was written."""


class OfferNotFound(LookupError):
    """A write named an offer the store does not hold."""


class StoreClosed(RuntimeError):
    """The store was used before ``open()`` or after ``close()``."""


def content_hash(terms: Terms) -> str:
    """sha256 (hex) of the canonical JSON of ``terms``: every field, keys sorted, no whitespace.

    Sorted keys keep the hash stable if fields of ``Terms`` are ever reordered in the source.
    """
    return hashlib.sha256(msgspec.json.encode(terms, order="sorted")).hexdigest()


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
        """Atomically insert the offer, version 1, the seeded doc state and a `created` event.

        Raises OfferExists (writing nothing) when the id is taken.
        """
        ...

    async def get_offer(self, offer_id: str) -> OfferRecord | None: ...

    # the CRDT log
    async def append_update(self, offer_id: str, update: bytes) -> int:
        """Append one Yjs update; resolves once it is durable (group-committed), returns its seq.

        Raises OfferNotFound for an unknown offer.
        """
        ...

    async def load_doc(self, offer_id: str) -> DocState: ...

    async def compact(self, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
        """Replace the snapshot and drop the log entries it covers (seq <= upto_seq).

        One transaction: a crash leaves either the old snapshot and log or the new ones.
        """
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
