"""Conversions between store records and rows, one set for both engines.

Both engines select the same column lists (below) in the same order, so a record is read by column
index from a ``sqlite3.Row`` or a psycopg tuple alike. What differs per engine is only how a JSON
value and a time are written, and how a time is read back: a ``RowCodec`` carries those three
functions (``server.store.sqlite.rows.SQLITE``, ``server.store.postgres.rows.PG``). JSON is always
read with the msgspec decoders below, never through Python's ``json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec

from server.auth import Revocation
from server.explain.flags import Flag
from server.offers.terms import Party, Terms
from server.store.base import (
    CommandRecord,
    EventRecord,
    Explanation,
    MessageRecord,
    OfferRecord,
    ProposalRecord,
    VersionRecord,
    WebhookDelivery,
)

# Built once and reused (msgspec's advice: decoders cache their type's layout).
json_encoder = msgspec.json.Encoder()
_party = msgspec.json.Decoder(Party)
_terms = msgspec.json.Decoder(Terms)
_payload = msgspec.json.Decoder(dict[str, Any])
_explanation = msgspec.json.Decoder(Explanation)
_flags = msgspec.json.Decoder(list[Flag])
_outcomes = msgspec.json.Decoder(dict[str, str])

OFFER_COLUMNS = (
    "id, status, version, client, freelancer, created_at, expires_at, terms, epoch, variant"
)
VERSION_COLUMNS = (
    "offer_id, number, terms, author, accepted_by, proposal_id, content_hash, created_at"
)
EVENT_COLUMNS = "offer_id, seq, kind, actor, reason, payload, at"
PROPOSAL_COLUMNS = (
    "id, offer_id, proposer, by_role, base_version, terms, note, status, created_at, "
    "decided_at, decided_by, reason, explanation"
)
#: What is read of a proposal: what is inserted, the outcomes a decision writes and the proposal
#: a counter-proposal answers (both migration 6).
PROPOSAL_READ_COLUMNS = f"{PROPOSAL_COLUMNS}, outcomes, counter_to"
COMMAND_COLUMNS = "offer_id, command_id, actor, kind, result, at"
DELIVERY_COLUMNS = "id, offer_id, event_seq, body, attempts, next_attempt_at"
#: ``user`` is a reserved word in PostgreSQL, hence ``user_id``.
REVOCATION_COLUMNS = "offer_id, at_ms, jti, user_id"
#: Both halves of the partial index ``webhook_outbox_due``: spelled the same so it is used.
LIVE_DELIVERY = "delivered_at IS NULL AND dead_at IS NULL"
MESSAGE_COLUMNS = (
    "offer_id, n, id, kind, author, author_role, body, about, reply_to, status, at, edited_at, "
    "deleted_at, event_seq, event_kind, payload, flags"
)
#: Both halves of the partial index ``messages_open_questions``, spelled the same so it is used.
OPEN_QUESTION = "kind = 'question' AND status = 'open' AND deleted_at IS NULL"


def marks(n: int) -> str:
    """``n`` comma-separated ``?`` placeholders (the shared statements' and SQLite's style)."""
    return ", ".join("?" * n)


def utc(moment: datetime) -> datetime:
    # A naive datetime is taken to be UTC already: converting it with astimezone() would
    # silently apply the server's local offset.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class Row(Protocol):
    """A result row read by column index (``sqlite3.Row`` and psycopg's tuples both are)."""

    def __getitem__(self, index: int, /) -> Any: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True, slots=True)
class RowCodec:
    """The record <-> row conversions, given how this engine writes JSON and times."""

    json: Callable[[object], object]
    time: Callable[[datetime], object]
    read_time: Callable[[Any], datetime]

    def _maybe_time(self, moment: datetime | None) -> object:
        return self.time(moment) if moment is not None else None

    def offer_params(self, offer: OfferRecord) -> tuple[object, ...]:
        return (
            offer.id,
            offer.status,
            offer.version,
            self.json(offer.client),
            self.json(offer.freelancer),
            self.time(offer.created_at),
            self.time(offer.expires_at),
            self.json(offer.terms),
            offer.epoch,
            offer.variant,
        )

    def offer_from_row(self, row: Row) -> OfferRecord:
        return OfferRecord(
            id=row[0],
            status=row[1],
            version=row[2],
            client=_party.decode(row[3]),
            freelancer=_party.decode(row[4]),
            created_at=self.read_time(row[5]),
            expires_at=self.read_time(row[6]),
            terms=_terms.decode(row[7]),
            epoch=row[8],
            variant=row[9],
        )

    def version_params(self, version: VersionRecord) -> tuple[object, ...]:
        return (
            version.offer_id,
            version.number,
            self.json(version.terms),
            version.author,
            version.accepted_by,
            version.proposal_id,
            version.content_hash,
            self.time(version.created_at),
        )

    def version_from_row(self, row: Row) -> VersionRecord:
        return VersionRecord(
            offer_id=row[0],
            number=row[1],
            terms=_terms.decode(row[2]),
            author=row[3],
            accepted_by=row[4],
            proposal_id=row[5],
            content_hash=row[6],
            created_at=self.read_time(row[7]),
        )

    def event_params(self, event: EventRecord) -> tuple[object, ...]:
        return (
            event.offer_id,
            event.seq,
            event.kind,
            event.actor,
            event.reason,
            self.json(event.payload),
            self.time(event.at),
        )

    def event_from_row(self, row: Row) -> EventRecord:
        return EventRecord(
            offer_id=row[0],
            seq=row[1],
            kind=row[2],
            actor=row[3],
            reason=row[4],
            payload=_payload.decode(row[5]),
            at=self.read_time(row[6]),
        )

    def proposal_params(self, proposal: ProposalRecord) -> tuple[object, ...]:
        explanation = proposal.explanation
        return (
            proposal.id,
            proposal.offer_id,
            proposal.by,
            proposal.by_role,
            proposal.base_version,
            self.json(proposal.terms),
            proposal.note,
            proposal.status,
            self.time(proposal.created_at),
            self._maybe_time(proposal.decided_at),
            proposal.decided_by,
            proposal.reason,
            self.json(explanation) if explanation is not None else None,
        )

    def proposal_from_row(self, row: Row) -> ProposalRecord:
        return ProposalRecord(
            id=row[0],
            offer_id=row[1],
            by=row[2],
            by_role=row[3],
            base_version=row[4],
            terms=_terms.decode(row[5]),
            note=row[6],
            status=row[7],
            created_at=self.read_time(row[8]),
            decided_at=self.read_time(row[9]) if row[9] is not None else None,
            decided_by=row[10],
            reason=row[11],
            explanation=_explanation.decode(row[12]) if row[12] is not None else None,
            # Rows read with PROPOSAL_READ_COLUMNS carry the outcomes of a decision.
            outcomes=_outcomes.decode(row[13]) if len(row) > 13 and row[13] is not None else {},
            counter_to=row[14] if len(row) > 14 else None,
        )

    def command_params(self, command: CommandRecord) -> tuple[object, ...]:
        return (
            command.offer_id,
            command.command_id,
            command.actor,
            command.kind,
            self.json(command.result),
            self.time(command.at),
        )

    def command_from_row(self, row: Row) -> CommandRecord:
        return CommandRecord(
            offer_id=row[0],
            command_id=row[1],
            actor=row[2],
            kind=row[3],
            result=_payload.decode(row[4]),
            at=self.read_time(row[5]),
        )

    def revocation_params(self, rule: Revocation) -> tuple[object, ...]:
        return (rule.offer_id, rule.at_ms, rule.jti, rule.user)

    def revocation_from_row(self, row: Row) -> Revocation:
        return Revocation(offer_id=row[0], at_ms=row[1], jti=row[2], user=row[3])

    def message_params(self, entry: MessageRecord) -> tuple[object, ...]:
        return (
            entry.offer_id,
            entry.n,
            entry.id,
            entry.kind,
            entry.author,
            entry.author_role,
            entry.body,
            entry.about,
            entry.reply_to,
            entry.status,
            self.time(entry.at),
            self._maybe_time(entry.edited_at),
            self._maybe_time(entry.deleted_at),
            entry.event_seq,
            entry.event_kind,
            self.json(entry.payload),
            self.json(entry.flags),
        )

    def message_from_row(self, row: Row) -> MessageRecord:
        return MessageRecord(
            offer_id=row[0],
            n=row[1],
            id=row[2],
            kind=row[3],
            author=row[4],
            author_role=row[5],
            body=row[6],
            about=row[7],
            reply_to=row[8],
            status=row[9],
            at=self.read_time(row[10]),
            edited_at=self.read_time(row[11]) if row[11] is not None else None,
            deleted_at=self.read_time(row[12]) if row[12] is not None else None,
            event_seq=row[13],
            event_kind=row[14],
            payload=_payload.decode(row[15]),
            flags=_flags.decode(row[16]),
        )

    def delivery_from_row(self, row: Row) -> WebhookDelivery:
        return WebhookDelivery(
            id=row[0],
            offer_id=row[1],
            event_seq=row[2],
            body=bytes(row[3]),
            attempts=row[4],
            next_attempt_at=self.read_time(row[5]),
        )
