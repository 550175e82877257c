"""Conversions between store records and PostgreSQL rows (tuples, in the column order below).

JSON columns are ``jsonb`` written from msgspec-encoded Structs and read back as raw bytes (see
``raw_json``) straight into msgspec decoders, never through Python's ``json``. Times are
``timestamptz``: written as aware UTC datetimes (a naive one is taken to be UTC, as the SQLite
store does) and read back converted to UTC, whatever the session's TimeZone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb

from server.store.base import (
    CommandRecord,
    EventRecord,
    OfferRecord,
    ProposalRecord,
    VersionRecord,
    WebhookDelivery,
)

# The same columns and decoders as the SQLite store: one schema, two engines.
from server.store.rows import (  # the column lists are re-exported for the PG modules
    COMMAND_COLUMNS as COMMAND_COLUMNS,
)
from server.store.rows import (
    DELIVERY_COLUMNS as DELIVERY_COLUMNS,
)
from server.store.rows import (
    EVENT_COLUMNS as EVENT_COLUMNS,
)
from server.store.rows import (
    OFFER_COLUMNS as OFFER_COLUMNS,
)
from server.store.rows import (
    PROPOSAL_COLUMNS as PROPOSAL_COLUMNS,
)
from server.store.rows import (
    VERSION_COLUMNS as VERSION_COLUMNS,
)
from server.store.rows import (
    _encoder,
    _explanation,
    _party,
    _payload,
    _terms,
)

Row = Sequence[Any]

def marks(n: int) -> str:
    """``n`` comma-separated placeholders, for an INSERT's VALUES list."""
    return ", ".join(["%s"] * n)


def raw_json(data: str | bytes) -> bytes:
    """The jsonb loader installed on every connection: hand the text over undecoded."""
    return data.encode() if isinstance(data, str) else bytes(data)


def jsonb(value: object) -> Jsonb:
    return Jsonb(value, dumps=_encoder.encode)


def utc(moment: datetime) -> datetime:
    # A naive datetime is taken to be UTC already: converting it with astimezone() would
    # silently apply the server's local offset.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment is not None else None


def offer_params(offer: OfferRecord) -> tuple[object, ...]:
    return (
        offer.id,
        offer.status,
        offer.version,
        jsonb(offer.client),
        jsonb(offer.freelancer),
        utc(offer.created_at),
        utc(offer.expires_at),
        jsonb(offer.terms),
        offer.epoch,
    )


def offer_from_row(row: Row) -> OfferRecord:
    return OfferRecord(
        id=row[0],
        status=row[1],
        version=row[2],
        client=_party.decode(row[3]),
        freelancer=_party.decode(row[4]),
        created_at=utc(row[5]),
        expires_at=utc(row[6]),
        terms=_terms.decode(row[7]),
        epoch=row[8],
    )


def version_params(version: VersionRecord) -> tuple[object, ...]:
    return (
        version.offer_id,
        version.number,
        jsonb(version.terms),
        version.author,
        version.accepted_by,
        version.proposal_id,
        version.content_hash,
        utc(version.created_at),
    )


def version_from_row(row: Row) -> VersionRecord:
    return VersionRecord(
        offer_id=row[0],
        number=row[1],
        terms=_terms.decode(row[2]),
        author=row[3],
        accepted_by=row[4],
        proposal_id=row[5],
        content_hash=row[6],
        created_at=utc(row[7]),
    )


def event_params(event: EventRecord) -> tuple[object, ...]:
    return (
        event.offer_id,
        event.seq,
        event.kind,
        event.actor,
        event.reason,
        jsonb(event.payload),
        utc(event.at),
    )


def event_from_row(row: Row) -> EventRecord:
    return EventRecord(
        offer_id=row[0],
        seq=row[1],
        kind=row[2],
        actor=row[3],
        reason=row[4],
        payload=_payload.decode(row[5]),
        at=utc(row[6]),
    )


def proposal_params(proposal: ProposalRecord) -> tuple[object, ...]:
    explanation = proposal.explanation
    return (
        proposal.id,
        proposal.offer_id,
        proposal.by,
        proposal.by_role,
        proposal.base_version,
        jsonb(proposal.terms),
        proposal.note,
        proposal.status,
        utc(proposal.created_at),
        _maybe_utc(proposal.decided_at),
        proposal.decided_by,
        proposal.reason,
        jsonb(explanation) if explanation is not None else None,
    )


def proposal_from_row(row: Row) -> ProposalRecord:
    return ProposalRecord(
        id=row[0],
        offer_id=row[1],
        by=row[2],
        by_role=row[3],
        base_version=row[4],
        terms=_terms.decode(row[5]),
        note=row[6],
        status=row[7],
        created_at=utc(row[8]),
        decided_at=_maybe_utc(row[9]),
        decided_by=row[10],
        reason=row[11],
        explanation=_explanation.decode(row[12]) if row[12] is not None else None,
    )


def command_params(command: CommandRecord) -> tuple[object, ...]:
    return (
        command.offer_id,
        command.command_id,
        command.actor,
        command.kind,
        jsonb(command.result),
        utc(command.at),
    )


def command_from_row(row: Row) -> CommandRecord:
    return CommandRecord(
        offer_id=row[0],
        command_id=row[1],
        actor=row[2],
        kind=row[3],
        result=_payload.decode(row[4]),
        at=utc(row[5]),
    )


def delivery_from_row(row: Row) -> WebhookDelivery:
    return WebhookDelivery(
        id=row[0],
        offer_id=row[1],
        event_seq=row[2],
        body=bytes(row[3]),
        attempts=row[4],
        next_attempt_at=utc(row[5]),
    )
