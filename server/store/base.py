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

from server.auth import Revocation
from server.explain.flags import Flag
from server.offers.terms import Party, Terms

#: Revocation rules one offer keeps. Every token check reads all of its offer's rules, so this
#: bounds that read (a few hundred short rows). An integrator revoking leaked links one at a time
#: stays far below it; past it the rules collapse into one (see ``Store.add_revocation``).
REVOCATIONS_PER_OFFER = 256


class OfferExists(Exception):
    """``create_offer`` was given an id that is already stored; nothing was written."""


class OfferNotFound(LookupError):
    """A write named an offer the store does not hold."""


class StoreClosed(RuntimeError):
    """The store was used before ``open()`` or after ``close()``."""


class StoreUnavailable(RuntimeError):
    """The database server cannot be reached (refused, lost, or no connection within the timeout).

    Raised by stores on a server (PostgreSQL), never by the embedded SQLite store. A read or a
    refused write changed nothing; a write whose connection was lost while committing may or may
    not have landed (commands carry ids, so a retry finds its stored outcome). The store keeps
    trying to reconnect: a later call succeeds once the server is back.
    """


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


class Explanation(msgspec.Struct, frozen=True):
    """The explanation of a proposal as it was streamed, stored so it is never generated twice."""

    text: str
    explainer: str  # "offline" | "anthropic"
    model: str | None
    prompt_version: str
    facts_hash: str
    grounded: bool
    flags: list[Flag] = []
    #: Why the offline text stands in for an LLM answer ("timeout", "ungrounded", …), if it does.
    fallback_reason: str | None = None


class ProposalRecord(msgspec.Struct, frozen=True):
    id: str
    offer_id: str
    by: str  # user id of the proposer
    by_role: str  # client | freelancer
    base_version: int
    #: The proposed terms: the draft as it stood when proposed.
    terms: Terms
    created_at: datetime
    note: str | None = None
    status: str = "pending"  # pending | accepted | rejected | withdrawn | closed
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    explanation: Explanation | None = None


class NewEvent(msgspec.Struct, frozen=True):
    kind: str
    actor: str | None = None
    reason: str | None = None
    payload: dict[str, Any] = {}


class Expect(msgspec.Struct, frozen=True):
    """What ``commit`` compares before writing: the compare half of compare-and-set."""

    version: int
    status: str = "open"
    #: Id of the proposal that must be pending, or None: no proposal may be pending.
    pending: str | None = None


class Decision(msgspec.Struct, frozen=True):
    proposal_id: str
    status: str  # accepted | rejected | withdrawn | closed
    decided_by: str | None
    reason: str | None = None


class CommandRecord(msgspec.Struct, frozen=True):
    """A command's outcome, kept so a retry with the same client-chosen id gets the same answer."""

    offer_id: str
    command_id: str
    actor: str
    kind: str
    result: dict[str, Any]
    at: datetime


class Write(msgspec.Struct, frozen=True):
    """The set half of compare-and-set; everything here lands in one transaction or nothing."""

    events: list[NewEvent]
    status: str | None = None
    #: A new version; its number must be ``Expect.version + 1``; it becomes the offer's terms.
    version: VersionRecord | None = None
    proposal: ProposalRecord | None = None
    decision: Decision | None = None
    command: CommandRecord | None = None


class Conflict(Exception):
    """The offer was not as ``Expect`` said (another command won); nothing was written."""

    def __init__(self, offer: OfferRecord | None, pending: str | None) -> None:
        super().__init__("the offer changed; reload")
        self.offer = offer
        self.pending = pending


class WebhookDelivery(msgspec.Struct, frozen=True):
    id: int
    offer_id: str
    event_seq: int
    body: bytes  # the JSON document to POST, fixed when the event was written
    attempts: int
    next_attempt_at: datetime


class MetricsSummary(msgspec.Struct, frozen=True):
    offers_by_status: dict[str, int]
    events_by_kind: dict[str, int]
    #: Seconds from creation to agreement, for every agreed offer (for averages/quantiles).
    agreement_seconds: list[float]
    #: Proposals per offer, over offers with at least one proposal.
    proposals_per_offer: list[int]
    webhooks_pending: int
    webhooks_dead: int


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

    async def append_updates(self, batch: list[tuple[str, bytes]]) -> list[int | Exception]:
        """Append (offer id, update) pairs in one transaction, in order; no lingering.

        One outcome per pair: its seq, or OfferNotFound for that pair alone (the rest commit).
        Raises when the transaction fails (nothing of the batch is stored). For a caller that
        batches itself (the rooms' Flusher); never run two concurrently for the same offer.
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

    # negotiation (DESIGN §7)
    async def commit(
        self, offer_id: str, expect: Expect, write: Write, *, outbox: bool = False
    ) -> list[EventRecord]:
        """Compare the offer with ``expect`` and apply ``write`` in one durable transaction.

        Raises Conflict (writing nothing) when the offer's version, status or pending proposal
        differ from ``expect``. Returns the events written. With ``outbox``, each event is also
        queued for webhook delivery in the same transaction.
        """
        ...

    async def get_command(self, offer_id: str, command_id: str) -> CommandRecord | None: ...

    async def get_proposal(self, proposal_id: str) -> ProposalRecord | None: ...

    async def pending_proposal(self, offer_id: str) -> ProposalRecord | None: ...

    async def list_proposals(self, offer_id: str) -> list[ProposalRecord]: ...

    async def proposal_times(self, offer_id: str, by: str, since: datetime) -> list[datetime]:
        """When ``by`` proposed on this offer since ``since`` (for the per-hour limit)."""
        ...

    async def save_explanation(self, proposal_id: str, explanation: Explanation) -> None:
        """Store the explanation on the proposal, replacing any earlier one.

        Raises LookupError for an unknown proposal.
        """
        ...

    async def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
        """Ids of open offers whose ``expires_at`` has passed."""
        ...

    # token revocations
    async def add_revocation(self, rule: Revocation) -> None:
        """Keep ``rule`` for its offer; OfferNotFound (writing nothing) for an unknown offer.

        A rule the offer already holds is not kept twice (a retried call): the same ``jti``, or
        the same ``user`` and ``at_ms`` for a rule without one. When the offer already holds
        ``REVOCATIONS_PER_OFFER`` rules, they and ``rule`` are replaced by one rule revoking every
        token of the offer minted up to the newest ``at_ms`` among them or now, whichever is
        later: every token revoked before stays revoked (a revoked ``jti`` was minted by now),
        tokens minted afterwards (re-issued links) are not affected.
        """
        ...

    async def revocations(self, offer_id: str) -> list[Revocation]:
        """The offer's rules in the order they were added; empty for an unknown offer."""
        ...

    # webhook outbox
    async def claim_webhooks(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[WebhookDelivery]:
        """Due deliveries, each leased to the caller until now + lease (so one node sends it)."""
        ...

    async def webhook_delivered(self, delivery_id: int) -> None:
        """Mark it delivered; it is never claimed again. No-op for a settled or unknown id."""
        ...

    async def webhook_failed(
        self, delivery_id: int, next_attempt_at: datetime | None, error: str
    ) -> None:
        """Record a failed attempt; ``next_attempt_at`` None means give up (dead letter)."""
        ...

    async def metrics_summary(self) -> MetricsSummary: ...
