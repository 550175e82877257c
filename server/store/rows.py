"""Conversions between store records and SQLite rows.

JSON columns are msgspec-encoded Structs stored as TEXT; datetimes are ISO-8601 UTC text with a
fixed width (microseconds, ``+00:00``), so text order is time order.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import msgspec

from server.offers.terms import Party, Terms
from server.store.base import (
    CommandRecord,
    EventRecord,
    Explanation,
    OfferRecord,
    ProposalRecord,
    VersionRecord,
    WebhookDelivery,
)

# Built once and reused (msgspec's advice: decoders cache their type's layout).
_encoder = msgspec.json.Encoder()
_party = msgspec.json.Decoder(Party)
_terms = msgspec.json.Decoder(Terms)
_payload = msgspec.json.Decoder(dict[str, Any])
_explanation = msgspec.json.Decoder(Explanation)

OFFER_COLUMNS = "id, status, version, client, freelancer, created_at, expires_at, terms, epoch"
VERSION_COLUMNS = (
    "offer_id, number, terms, author, accepted_by, proposal_id, content_hash, created_at"
)
EVENT_COLUMNS = "offer_id, seq, kind, actor, reason, payload, at"
PROPOSAL_COLUMNS = (
    "id, offer_id, proposer, by_role, base_version, terms, note, status, created_at, "
    "decided_at, decided_by, reason, explanation"
)
COMMAND_COLUMNS = "offer_id, command_id, actor, kind, result, at"
DELIVERY_COLUMNS = "id, offer_id, event_seq, body, attempts, next_attempt_at"


def marks(n: int) -> str:
    """``n`` comma-separated placeholders, for an INSERT's VALUES list."""
    return ", ".join("?" * n)


def to_json(value: object) -> str:
    return _encoder.encode(value).decode()


def to_text(moment: datetime) -> str:
    # A naive datetime is taken to be UTC already: converting it with astimezone() would
    # silently apply the server's local offset.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe_time(text: str | None) -> datetime | None:
    return from_text(text) if text is not None else None


def offer_row(offer: OfferRecord) -> tuple[object, ...]:
    return (
        offer.id,
        offer.status,
        offer.version,
        to_json(offer.client),
        to_json(offer.freelancer),
        to_text(offer.created_at),
        to_text(offer.expires_at),
        to_json(offer.terms),
        offer.epoch,
    )


def offer_from_row(row: sqlite3.Row) -> OfferRecord:
    return OfferRecord(
        id=row["id"],
        status=row["status"],
        version=row["version"],
        client=_party.decode(row["client"]),
        freelancer=_party.decode(row["freelancer"]),
        created_at=from_text(row["created_at"]),
        expires_at=from_text(row["expires_at"]),
        terms=_terms.decode(row["terms"]),
        epoch=row["epoch"],
    )


def version_row(version: VersionRecord) -> tuple[object, ...]:
    return (
        version.offer_id,
        version.number,
        to_json(version.terms),
        version.author,
        version.accepted_by,
        version.proposal_id,
        version.content_hash,
        to_text(version.created_at),
    )


def version_from_row(row: sqlite3.Row) -> VersionRecord:
    return VersionRecord(
        offer_id=row["offer_id"],
        number=row["number"],
        terms=_terms.decode(row["terms"]),
        created_at=from_text(row["created_at"]),
        author=row["author"],
        accepted_by=row["accepted_by"],
        proposal_id=row["proposal_id"],
        content_hash=row["content_hash"],
    )


def event_row(event: EventRecord) -> tuple[object, ...]:
    return (
        event.offer_id,
        event.seq,
        event.kind,
        event.actor,
        event.reason,
        to_json(event.payload),
        to_text(event.at),
    )


def event_from_row(row: sqlite3.Row) -> EventRecord:
    return EventRecord(
        offer_id=row["offer_id"],
        seq=row["seq"],
        kind=row["kind"],
        at=from_text(row["at"]),
        actor=row["actor"],
        reason=row["reason"],
        payload=_payload.decode(row["payload"]),
    )


def proposal_row(proposal: ProposalRecord) -> tuple[object, ...]:
    return (
        proposal.id,
        proposal.offer_id,
        proposal.by,
        proposal.by_role,
        proposal.base_version,
        to_json(proposal.terms),
        proposal.note,
        proposal.status,
        to_text(proposal.created_at),
        to_text(proposal.decided_at) if proposal.decided_at is not None else None,
        proposal.decided_by,
        proposal.reason,
        to_json(proposal.explanation) if proposal.explanation is not None else None,
    )


def proposal_from_row(row: sqlite3.Row) -> ProposalRecord:
    explanation = row["explanation"]
    return ProposalRecord(
        id=row["id"],
        offer_id=row["offer_id"],
        by=row["proposer"],
        by_role=row["by_role"],
        base_version=row["base_version"],
        terms=_terms.decode(row["terms"]),
        created_at=from_text(row["created_at"]),
        note=row["note"],
        status=row["status"],
        decided_at=_maybe_time(row["decided_at"]),
        decided_by=row["decided_by"],
        reason=row["reason"],
        explanation=_explanation.decode(explanation) if explanation is not None else None,
    )


def command_row(command: CommandRecord) -> tuple[object, ...]:
    return (
        command.offer_id,
        command.command_id,
        command.actor,
        command.kind,
        to_json(command.result),
        to_text(command.at),
    )


def command_from_row(row: sqlite3.Row) -> CommandRecord:
    return CommandRecord(
        offer_id=row["offer_id"],
        command_id=row["command_id"],
        actor=row["actor"],
        kind=row["kind"],
        result=_payload.decode(row["result"]),
        at=from_text(row["at"]),
    )


def delivery_from_row(row: sqlite3.Row) -> WebhookDelivery:
    return WebhookDelivery(
        id=row["id"],
        offer_id=row["offer_id"],
        event_seq=row["event_seq"],
        body=bytes(row["body"]),
        attempts=row["attempts"],
        next_attempt_at=from_text(row["next_attempt_at"]),
    )
