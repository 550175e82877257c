"""The Store protocol: everything offer-room keeps on disk, behind one small async interface.

SQLite (WAL) is the embedded default (``server.store.sqlite``); PostgreSQL, with the same schema,
serves cluster mode (``server.store.postgres``); ``server.store.open`` picks one. Every method is
atomic: a call that raises leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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
#: A claim or listing kept to the offers a predicate accepts (``claim_reminders`` with ``owns``,
#: the expiry sweep of a worker) looks at this many times its limit of the oldest due rows: about
#: a whole page of its own among those of up to this many owners. What it does not own is left for
#: the others, whose own claims move the rest up.
OWNED_SCAN = 8


class OfferExists(Exception):
    """``create_offer`` was given an id that is already stored; nothing was written."""


class OfferNotFound(LookupError):
    """A write named an offer the store does not hold."""


class NotClosed(Exception):
    """``rate`` for an offer that is still open: the closing question comes after the close."""


class AlreadyRated(Exception):
    """``rate`` by a party who has answered already; nothing was written."""


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
    #: The experiment arm it was created in (server/experiments.py); fixed for its life.
    variant: str = "default"


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
    explainer: str  # "offline" | "anthropic" | "none" (the variant explains nothing)
    model: str | None
    prompt_version: str
    facts_hash: str
    grounded: bool
    flags: list[Flag] = []
    #: Why the offline text stands in for an LLM answer ("timeout", "ungrounded", …), if it does.
    fallback_reason: str | None = None
    #: The text in every language it was delivered in ("de" → …); ``text`` is the English one.
    texts: dict[str, str] = {}


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
    #: pending | accepted | partially_accepted | countered | rejected | withdrawn | closed
    status: str = "pending"
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    explanation: Explanation | None = None
    #: A decision change by change (``decide``): change key -> accepted | countered | declined.
    outcomes: dict[str, str] = {}
    #: A counter-proposal: the id of the proposal it answers (``decide``).
    counter_to: str | None = None


#: Audit events shown in the thread as system entries: the negotiation's steps and the offer's
#: fate (docs/RULES.md, "The thread").
TIMELINE_EVENTS = frozenset({
    "proposed", "proposal_accepted", "proposal_rejected", "proposal_withdrawn", "reverted",
    "proposal_decided", "offer_accepted", "offer_withdrawn", "offer_declined", "offer_expired",
})

#: The id of the system entry showing event ``seq`` is ``f"{SYSTEM_ID_PREFIX}{seq}"``; a
#: ``NewMessage`` may not use the prefix (a message taking that id would make the commit that
#: writes the event fail).
SYSTEM_ID_PREFIX = "event:"

#: The most entries one ``list_messages`` call returns (a larger ``limit`` is capped).
THREAD_PAGE_MAX = 200


class MessageRecord(msgspec.Struct, frozen=True):
    """One entry of an offer's thread (docs/PROTOCOL.md, "The thread")."""

    offer_id: str
    #: Position in the offer's thread, 1, 2, …: gapless, in the order entries were added.
    n: int
    id: str
    kind: str  # message | question | answer | system
    at: datetime
    #: Who wrote it, and in which role; for a system entry, the event's actor and their role in
    #: the offer (None when no party acted, e.g. expiry).
    author: str | None = None
    author_role: str | None = None
    #: Plain text; kept after a delete (the audit log also keeps what an edit replaced).
    body: str = ""
    about: str | None = None
    reply_to: str | None = None
    status: str | None = None  # questions: open | resolved
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    #: A system entry: the audit event it shows (its seq and kind; ``body`` holds its reason).
    event_seq: int | None = None
    event_kind: str | None = None
    payload: dict[str, Any] = {}
    #: Risk flags found in ``body`` (each shown only to the party it puts at risk).
    flags: list[Flag] = []


class NewMessage(msgspec.Struct, frozen=True):
    """What ``add_message`` writes; the store assigns ``n`` and the time."""

    id: str
    kind: str  # message | question | answer
    author: str
    author_role: str
    body: str
    about: str | None = None
    reply_to: str | None = None
    flags: list[Flag] = []


class MessageChange(msgspec.Struct, frozen=True):
    """An edit, a delete or a question's resolution, checked against what is stored.

    The store applies it only when the entry exists, belongs to ``author`` (for an edit or a
    delete: only its author changes it; for a resolution: only the asker) and is not deleted;
    otherwise it raises ``MessageNotFound`` (also for resolving an entry that is not a question)
    or ``NotYours`` and changes nothing. An edit or delete writes an audit event
    (``message_edited`` / ``message_deleted``, actor ``author``, payload ``{"message_id", "n",
    "body": the text it replaced}``) in the same transaction; like ``append_event``'s, it is not
    queued for webhooks.
    """

    message_id: str
    author: str
    body: str | None = None  # an edit
    #: An edit: the risk flags found in the new ``body``, replacing the stored ones (which were
    #: found in the old text); None keeps them.
    flags: list[Flag] | None = None
    delete: bool = False
    resolve: bool = False
    #: Refuse (``TooLate``) when the entry was written before this time (the edit window).
    written_after: datetime | None = None


class MessageNotFound(LookupError):
    pass


class NotYours(PermissionError):
    pass


class TooLate(PermissionError):
    pass


class NotificationItem(msgspec.Struct, frozen=True):
    """One thing that happened while a party was away, as a digest lists it."""

    #: message | question | answer | proposed | proposal_accepted | proposal_rejected |
    #: proposal_withdrawn | offer_accepted | offer_withdrawn | offer_declined | offer_expired |
    #: reminder
    kind: str
    #: One line a person reads: "Ada: Could you start on Monday?", "Ada proposed changes…".
    summary: str
    at: datetime
    #: The thread position it refers to, when it is an entry of the thread.
    n: int | None = None


class Digest(msgspec.Struct, frozen=True):
    """What is queued for one party of one offer while they are away (docs/RULES.md,
    "Notifications"): sent as one ``notification`` webhook event, and as one e-mail."""

    id: int
    offer_id: str
    user_id: str
    role: str
    items: list[NotificationItem]
    #: Items queued in all (``items`` keeps the latest ``DIGEST_ITEMS_MAX``).
    count: int
    created_at: datetime
    #: When it may go: the batching delay after its first item, no sooner than the throttle
    #: after the previous digest to the same party.
    due_at: datetime
    attempts: int = 0


#: Items a digest keeps (the newest); a burst beyond still counts in ``Digest.count``.
DIGEST_ITEMS_MAX = 20


class Reminder(msgspec.Struct, frozen=True):
    """A reminder scheduled durably: it fires once, on one node, after ``due_at``."""

    offer_id: str
    #: expires_72h | expires_24h | waiting (a proposal or question unanswered too long)
    kind: str
    #: The party to remind.
    user_id: str
    due_at: datetime
    #: What it is about: the proposal or question id for "waiting", "" for expiry.
    ref: str = ""


class Rating(msgspec.Struct, frozen=True):
    """A party's answer to the closing question (docs/RULES.md, "Satisfaction")."""

    user_id: str
    role: str  # client | freelancer
    score: int  # 0 to 10
    comment: str | None = None


#: The event kinds the outcome report reads (``Store.outcome_page``): how an offer was created,
#: negotiated, closed and rated. Nothing else of the log (no message, no scope text) is read.
OUTCOME_EVENTS = (
    "created", "proposed", "proposal_accepted", "proposal_rejected", "proposal_withdrawn",
    "proposal_decided", "offer_accepted", "offer_withdrawn", "offer_declined", "offer_expired",
    "satisfaction_rated",
)


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
    status: str  # accepted | partially_accepted | countered | rejected | withdrawn | closed
    decided_by: str | None
    reason: str | None = None
    #: Per-change outcomes of a ``decide`` (change key -> accepted | countered | declined).
    outcomes: dict[str, str] = {}


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


class Store(Protocol):
    """Every method's contract, written once: both engines run one implementation of it
    (``server.store.sql_store.SQLStore``). Calls before ``open()`` or after ``close()`` raise
    StoreClosed."""

    async def open(self) -> None:
        """Connect, creating or migrating the schema. Idempotent until closed.

        RuntimeError for a schema newer than this code; a store on a server (PostgreSQL) raises
        StoreUnavailable when it cannot be reached (open again later).
        """
        ...

    async def close(self) -> None:
        """Refuse new calls, let the calls in progress finish, then release resources.

        Idempotent.
        """
        ...

    async def ping(self) -> bool:
        """True when the database answers (a server within ~2 s); False otherwise (health)."""
        ...

    # offers
    async def create_offer(self, offer: OfferRecord, doc_state: bytes) -> None:
        """Atomically insert the offer, version 1, the seeded doc state and a `created` event.

        Raises OfferExists (writing nothing) when the id is taken, whichever node took it;
        ValueError when ``offer.version`` is not 1.
        """
        ...

    async def get_offer(self, offer_id: str) -> OfferRecord | None: ...

    # the CRDT log
    async def append_updates(self, batch: list[tuple[str, bytes]]) -> list[int | Exception]:
        """Append (offer id, Yjs update) pairs in one transaction, in order; no lingering.

        One outcome per pair: its seq, or OfferNotFound for that pair alone (the rest commit).
        Seqs are per offer and dense (1, 2, 3, ...), continuing after a compaction or a reopen.
        Raises when the transaction fails (nothing of the batch is stored, and no seq is lost).
        For a caller that batches itself (the rooms' Flusher); never run two concurrently for the
        same offer.
        """
        ...

    async def load_doc(self, offer_id: str) -> DocState:
        """The snapshot and the log after it; an unknown offer yields an empty state."""
        ...

    async def compact(self, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
        """Replace the snapshot and drop the log entries it covers (seq <= upto_seq).

        One transaction: a crash leaves either the old snapshot and log or the new ones. A
        compaction older than the stored snapshot is ignored (the stored one covers more), also
        when another node compacted the same offer meanwhile. ``upto_seq`` beyond the last
        appended seq raises ValueError: the snapshot would claim updates that were never stored.
        OfferNotFound for an unknown offer.
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
        *,
        outbox: bool = False,
    ) -> EventRecord:
        """Record an event under the offer's next seq; OfferNotFound for an unknown offer. With
        ``outbox``, the event is also queued for webhook delivery in the same transaction."""
        ...

    async def list_events(self, offer_id: str) -> list[EventRecord]: ...

    # outcomes (server/reports/)
    async def rate(self, offer_id: str, rating: Rating, *, outbox: bool = False) -> EventRecord:
        """Record ``rating`` as a ``satisfaction_rated`` event (actor the party, payload
        ``{"role", "score"}``, ``reason`` the comment), queued for webhooks with ``outbox``.

        OfferNotFound for an unknown offer; NotClosed (writing nothing) while the offer is open;
        AlreadyRated (writing nothing) when the party rated this offer before, whichever node
        took that answer."""
        ...

    async def outcome_page(
        self, start: datetime, end: datetime, after: tuple[datetime, str] | None, limit: int,
    ) -> list[tuple[OfferRecord, list[EventRecord]]]:
        """Offers created in ``[start, end)``, by creation time then id, the first ``limit``
        after the (created_at, id) ``after``; each with its events of ``OUTCOME_EVENTS`` kinds
        in order. The report reads a range page by page, so its memory is one page's."""
        ...

    # negotiation (docs/RULES.md, "Negotiation")
    async def commit(
        self, offer_id: str, expect: Expect, write: Write, *, outbox: bool = False
    ) -> list[EventRecord]:
        """Compare the offer with ``expect`` and apply ``write`` in one durable transaction.

        Raises OfferNotFound; Conflict (writing nothing) when the offer's version, status or
        pending proposal differ from ``expect``, when the decision is not about the pending
        proposal, or when the command id is already stored; ValueError (writing nothing) for a
        write that can never apply (version number not ``expect.version + 1``, records of another
        offer, a new proposal while one stays pending). Returns the events written, all stamped
        with one ``now``. With ``outbox``, each event is also queued for webhook delivery in the
        same transaction. Exactly one of several commits with the same ``expect`` wins, across
        any number of nodes. Every event whose kind is in ``TIMELINE_EVENTS`` also becomes a system
        entry of the offer's thread (``MessageRecord`` with ``event_seq``), in the same
        transaction, so the thread shows the negotiation between the messages.
        """
        ...

    async def get_command(self, offer_id: str, command_id: str) -> CommandRecord | None: ...

    async def get_proposal(self, proposal_id: str) -> ProposalRecord | None: ...

    async def pending_proposal(self, offer_id: str) -> ProposalRecord | None: ...

    async def list_proposals(self, offer_id: str) -> list[ProposalRecord]:
        """Oldest first (proposals created in the same instant: in the order they were added)."""
        ...

    async def proposal_times(self, offer_id: str, by: str, since: datetime) -> list[datetime]:
        """When ``by`` proposed on this offer at or after ``since``, in order (per-hour limit)."""
        ...

    async def save_explanation(self, proposal_id: str, explanation: Explanation) -> None:
        """Store the explanation on the proposal, replacing any earlier one.

        Raises LookupError for an unknown proposal.
        """
        ...

    async def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
        """Ids of open offers with ``expires_at <= now``, the longest expired first."""
        ...

    # the thread (messages, questions, system entries, read state)
    async def add_message(self, offer_id: str, message: NewMessage) -> MessageRecord:
        """Append ``message`` to the offer's thread (next ``n``, the store's time); OfferNotFound
        for an unknown offer. An answer's ``reply_to`` must name a question of the offer, else
        MessageNotFound and nothing is written. A retried id returns the entry already stored.
        ValueError (writing nothing) for a ``kind`` other than message, question or answer, or an
        id starting with ``SYSTEM_ID_PREFIX``. A question is stored with status "open"."""
        ...

    async def change_message(self, offer_id: str, change: MessageChange) -> MessageRecord:
        """Apply ``change`` (see ``MessageChange``); the entry as it now is. OfferNotFound for an
        unknown offer; ValueError unless exactly one of an edit, a delete or a resolution is
        asked for. Resolving a question that is already resolved changes nothing."""
        ...

    async def get_message(self, offer_id: str, message_id: str) -> MessageRecord | None: ...

    async def list_messages(
        self, offer_id: str, *, before: int | None = None, after: int | None = None,
        limit: int = 50,
    ) -> list[MessageRecord]:
        """Thread entries in order: the last ``limit`` before ``before`` (or the latest), or the
        first ``limit`` after ``after`` (and before ``before``, when both are given). ``limit``
        is capped at ``THREAD_PAGE_MAX``; empty for an unknown offer."""
        ...

    async def open_questions(self, offer_id: str) -> list[MessageRecord]:
        """Questions not resolved nor deleted, oldest first."""
        ...

    async def mark_read(self, offer_id: str, user_id: str, upto: int) -> int:
        """Record that ``user_id`` has read up to ``n = upto`` (never moves back; capped at the
        thread's end); returns the read position now stored. OfferNotFound for an unknown
        offer."""
        ...

    async def read_state(self, offer_id: str, user_id: str) -> tuple[int, int]:
        """(last read position, unread count): entries after it, not deleted, not by the user
        (a system entry counts unless the user is its event's actor); (0, 0) for an unknown
        offer."""
        ...

    # notifications for the party who is away
    async def queue_notification(
        self, offer_id: str, user_id: str, role: str, item: NotificationItem, *,
        delay_s: float, throttle_s: float,
    ) -> None:
        """Add ``item`` to the pending digest of (offer, user), or start one due ``delay_s``
        after now and no sooner than ``throttle_s`` after the last digest sent to them (one
        still being sent counts from the end of its lease); a burst of items is one digest.
        OfferNotFound for an unknown offer."""
        ...

    async def claim_digests(self, now: datetime, limit: int, lease_s: float) -> list[Digest]:
        """Due digests, oldest first, each leased for ``lease_s`` (another claim before then does
        not see them: one node sends each). A digest claimed takes no more items: what arrives
        meanwhile starts the next one, which is not claimed while the earlier one is still
        claimed (being sent, or waiting for a retry): a party's digests go one at a time, in
        order. Claiming does not count an attempt; a lease that runs out (a sender that died)
        makes the digest due again."""
        ...

    async def digest_sent(self, digest_id: int) -> None:
        """Done: it is never claimed again (no-op for an unknown or settled id)."""
        ...

    async def digest_failed(self, digest_id: int, next_at: datetime | None, error: str) -> None:
        """Count the attempt; retry at ``next_at`` or give up when None (no-op when settled)."""
        ...

    # reminders
    async def schedule_reminder(self, reminder: Reminder) -> None:
        """Keep ``reminder`` (the same offer, kind, user and ref is kept once: while it has not
        fired, the last call's ``due_at`` replaces the earlier one, sooner or later; once it
        has fired, scheduling it again keeps a new one). OfferNotFound for an unknown offer."""
        ...

    async def cancel_reminders(self, offer_id: str, *, kind: str | None = None,
                               ref: str | None = None) -> None:
        """Drop the offer's unfired reminders (of ``kind`` / about ``ref`` when given)."""
        ...

    async def claim_reminders(self, now: datetime, limit: int,
                              owns: Callable[[str], bool] | None = None) -> list[Reminder]:
        """Due, unfired reminders, oldest due first, marked fired as they are returned: each
        fires once, across any number of nodes and restarts.

        With ``owns``, only reminders of offers it accepts (by id) are claimed, in the same
        transaction: the others stay unfired for a claim that owns them (a worker of a node
        claims those of the offers whose room it holds, ``server/workers/``). The predicate runs
        in Python over the ``OWNED_SCAN`` times ``limit`` oldest due rows: a claim may return
        fewer than ``limit`` while more of its own are due further on; they move up as the other
        owners claim theirs."""
        ...

    # token revocations
    async def add_revocation(self, rule: Revocation) -> None:
        """Keep ``rule`` for its offer; OfferNotFound (writing nothing) for an unknown offer.

        A rule the offer already holds is not kept twice (a retried call): the same ``jti``, or
        the same ``user`` and ``at_ms`` for a rule without one. When the offer already holds
        ``REVOCATIONS_PER_OFFER`` rules, they and ``rule`` are replaced by one rule revoking every
        token of the offer minted up to the newest ``at_ms`` among them or now, whichever is
        later: every token revoked before stays revoked (a revoked ``jti`` was minted by now),
        tokens minted afterwards (re-issued links) are not affected. The bound holds also when
        several nodes add at once.
        """
        ...

    async def revocations(self, offer_id: str) -> list[Revocation]:
        """The offer's rules in the order they were added; empty for an unknown offer."""
        ...

    # webhook outbox
    async def claim_webhooks(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[WebhookDelivery]:
        """Due deliveries in queue order, each leased until ``now + lease_seconds`` (returned as
        its ``next_attempt_at``): a claim by any node before then does not see them, so one node
        sends each."""
        ...

    async def webhook_delivered(self, delivery_id: int) -> None:
        """Mark it delivered; it is never claimed again, and the row stays as a delivery log.

        No-op for a settled or unknown id.
        """
        ...

    async def webhook_failed(
        self, delivery_id: int, next_attempt_at: datetime | None, error: str
    ) -> None:
        """Count the attempt and keep ``error``; retry at ``next_attempt_at`` or, when None, give
        up (dead letter). No-op for a settled or unknown id."""
        ...

