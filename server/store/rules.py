"""The rules both engines apply, whatever database holds the rows.

Here so that neither engine imports the other: what a negotiation write may contain, when it
conflicts with the stored offer and which statements apply it; what a webhook POSTs for an event;
how an offer's revocation rules collapse past their bound; and the clock that stamps what the
store writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from server.auth import Revocation
from server.store.base import Conflict, EventRecord, Expect, OfferRecord, Write, content_hash
from server.store.rows import (
    COMMAND_COLUMNS,
    PROPOSAL_COLUMNS,
    VERSION_COLUMNS,
    RowCodec,
    marks,
)

Update = tuple[str, bytes]  # (offer_id, Yjs update)
Clock = Callable[[], datetime]
#: A shared statement (``?`` placeholders) and its parameters.
Statement = tuple[str, tuple[object, ...]]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- negotiation ------------------------------------------------------------------------------

#: Where a decided proposal may end up; "pending" is only ever set by inserting a proposal.
DECIDED = frozenset(
    {"accepted", "partially_accepted", "countered", "rejected", "withdrawn", "closed"}
)


def check_write(offer_id: str, expect: Expect, write: Write) -> Write:
    """Refuse a write that is wrong whatever the stored state (ValueError), before any database
    is touched; returns the write to apply, its version's ``content_hash`` filled in when left
    empty (one that is given must match the terms)."""
    for part in (write.version, write.proposal, write.command):
        if part is not None and part.offer_id != offer_id:
            raise ValueError(f"{type(part).__name__} is for {part.offer_id}, not {offer_id}")
    if write.proposal is not None and write.proposal.status != "pending":
        raise ValueError(f"a new proposal is pending, not {write.proposal.status!r}")
    if write.decision is not None and write.decision.status not in DECIDED:
        raise ValueError(f"a decision cannot leave a proposal {write.decision.status!r}")
    version = write.version
    if version is None:
        return write
    if version.number != expect.version + 1:
        raise ValueError(f"version {version.number} cannot follow version {expect.version}")
    digest = content_hash(version.terms)
    if not version.content_hash:
        return msgspec.structs.replace(
            write, version=msgspec.structs.replace(version, content_hash=digest)
        )
    if version.content_hash != digest:
        raise ValueError(f"version {version.number}: content_hash does not match its terms")
    return write


def compare(
    offer: OfferRecord, pending: str | None, command_taken: bool, expect: Expect, write: Write
) -> None:
    """The compare half of compare-and-set, run inside the write's transaction on what it read.

    Conflict when the offer is not as ``expect`` says, when the decision names a proposal that is
    not the pending one, or when ``write.command`` reuses a stored command id (a retry that lost
    the race: reload and find its record); ValueError for a new proposal while one stays pending.
    """
    if Expect(offer.version, offer.status, pending) != expect:
        raise Conflict(offer, pending)
    if write.decision is not None and write.decision.proposal_id != pending:
        raise Conflict(offer, pending)
    if command_taken:
        raise Conflict(offer, pending)
    if write.proposal is not None and pending is not None and write.decision is None:
        raise ValueError(f"{offer.id}: proposal {pending} is still pending; decide it first")


def write_statements(
    offer_id: str, write: Write, now: datetime, codec: RowCodec
) -> list[Statement]:
    """The statements that apply ``write`` but its events, in order, once ``compare`` passed;
    ``now`` stamps the decision."""
    statements: list[Statement] = []
    if write.decision is not None:
        # Before the new proposal, so "close the pending one, propose another" fits the index.
        decision = write.decision
        statements.append(
            (
                "UPDATE proposals SET status = ?, decided_at = ?, decided_by = ?, reason = ?, "
                "outcomes = ? WHERE id = ?",
                (
                    decision.status,
                    codec.time(now),
                    decision.decided_by,
                    decision.reason,
                    codec.json(decision.outcomes) if decision.outcomes else None,
                    decision.proposal_id,
                ),
            )
        )
    if write.proposal is not None:
        counter_to = write.proposal.counter_to
        statements.append(
            (
                f"INSERT INTO proposals ({PROPOSAL_COLUMNS}) VALUES ({marks(13)})",
                codec.proposal_params(write.proposal),
            )
            if counter_to is None
            else (
                f"INSERT INTO proposals ({PROPOSAL_COLUMNS}, counter_to) VALUES ({marks(14)})",
                (*codec.proposal_params(write.proposal), counter_to),
            )
        )
    if write.version is not None:
        version = write.version
        statements += [
            (
                f"INSERT INTO versions ({VERSION_COLUMNS}) VALUES ({marks(8)})",
                codec.version_params(version),
            ),
            (
                "UPDATE offers SET version = ?, terms = ? WHERE id = ?",
                (version.number, codec.json(version.terms), offer_id),
            ),
        ]
    if write.status is not None:
        statements.append(("UPDATE offers SET status = ? WHERE id = ?", (write.status, offer_id)))
    if write.command is not None:
        statements.append(
            (
                f"INSERT INTO commands ({COMMAND_COLUMNS}) VALUES ({marks(6)})",
                codec.command_params(write.command),
            )
        )
    return statements


# --- webhooks ---------------------------------------------------------------------------------


class WebhookBody(msgspec.Struct, frozen=True):
    """What is POSTed for one event; ``id`` ("offer:seq") lets receivers drop duplicates."""

    id: str
    offer_id: str
    seq: int
    kind: str
    at: datetime
    actor: str | None
    reason: str | None
    payload: dict[str, Any]


_body_encoder = msgspec.json.Encoder()


def webhook_body(event: EventRecord) -> bytes:
    """The JSON document to POST for ``event``, fixed when the event is written."""
    return _body_encoder.encode(
        WebhookBody(
            id=f"{event.offer_id}:{event.seq}",
            offer_id=event.offer_id,
            seq=event.seq,
            kind=event.kind,
            at=event.at,
            actor=event.actor,
            reason=event.reason,
            payload=event.payload,
        )
    )


# --- token revocations ------------------------------------------------------------------------


def collapsed(rule: Revocation, newest_at_ms: int | None, now: datetime) -> Revocation:
    """The one rule replacing an offer's full set of rules plus ``rule``.

    Past ``REVOCATIONS_PER_OFFER`` (every token check reads them all) the rules collapse into one
    revoking every token of the offer minted up to the newest ``at_ms`` among them, or ``now``
    when later (a revoked ``jti`` was minted by now, whatever ``at_ms`` its rule carried).
    Revocation fails closed: what an integrator revoked stays revoked, at the price of also
    revoking the offer's other links minted by then, which the integrator re-issues. Refusing the
    new rule instead would leave the token it names valid, which a revocation must never do.
    """
    latest = max(rule.at_ms, newest_at_ms or 0, int(now.timestamp() * 1000))
    return Revocation(offer_id=rule.offer_id, at_ms=latest)


def created_payload(offer: OfferRecord) -> dict[str, Any]:
    """The ``created`` event's payload: the first version, and the experiment arm the offer is
    in, so outcomes split by variant can be computed from the event log alone."""
    return {"version": 1, "variant": offer.variant}
