"""Negotiation on SQLite: the compare-and-set ``commit`` and the proposal/command reads.

Every function runs on the store's writer thread with the ``SQLiteCore`` that owns the connection.
``commit`` checks ``Expect`` inside its BEGIN IMMEDIATE transaction, so the comparison and the
write see the same file even if another connection (another process) writes between commits.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from server.store import outbox_sql, rows
from server.store.base import (
    CommandRecord,
    Conflict,
    EventRecord,
    Expect,
    Explanation,
    OfferNotFound,
    OfferRecord,
    ProposalRecord,
    VersionRecord,
    Write,
    content_hash,
)
from server.store.sqlite_core import SQLiteCore

#: Where a decided proposal may end up; "pending" is only ever set by inserting a proposal.
DECIDED = frozenset({"accepted", "rejected", "withdrawn", "closed"})


def commit(
    core: SQLiteCore, offer_id: str, expect: Expect, write: Write, outbox: bool
) -> list[EventRecord]:
    """Compare, then apply ``write`` in one transaction; see ``Store.commit``.

    Raises Conflict (nothing written) when the offer is not as ``expect`` says, when the decision
    names a proposal that is not the pending one, or when ``write.command`` reuses a command id
    already stored for the offer (a retry that lost the race: reload and find its record).
    ValueError (nothing written) for a write that could never apply: see ``_check_write``.
    """
    version = _check_write(offer_id, expect, write)
    with core.transaction() as conn:
        offer = _offer(core, offer_id)
        pending = _pending_id(core, offer_id)
        if Expect(offer.version, offer.status, pending) != expect:
            raise Conflict(offer, pending)
        if write.decision is not None and write.decision.proposal_id != pending:
            raise Conflict(offer, pending)
        if write.command is not None and _command_exists(core, offer_id, write.command.command_id):
            raise Conflict(offer, pending)
        if write.proposal is not None and pending is not None and write.decision is None:
            raise ValueError(f"{offer_id}: proposal {pending} is still pending; decide it first")

        now = core.now()
        if write.decision is not None:
            # Before the new proposal, so "close the pending one, propose another" fits the index.
            decision = write.decision
            conn.execute(
                "UPDATE proposals SET status = ?, decided_at = ?, decided_by = ?, reason = ? "
                "WHERE id = ?",
                (
                    decision.status,
                    rows.to_text(now),
                    decision.decided_by,
                    decision.reason,
                    decision.proposal_id,
                ),
            )
        if write.proposal is not None:
            conn.execute(
                f"INSERT INTO proposals ({rows.PROPOSAL_COLUMNS}) VALUES ({rows.marks(13)})",
                rows.SQLITE.proposal_params(write.proposal),
            )
        if version is not None:
            conn.execute(
                f"INSERT INTO versions ({rows.VERSION_COLUMNS}) VALUES ({rows.marks(8)})",
                rows.SQLITE.version_params(version),
            )
            conn.execute(
                "UPDATE offers SET version = ?, terms = ? WHERE id = ?",
                (version.number, rows.to_json(version.terms), offer_id),
            )
        if write.status is not None:
            conn.execute("UPDATE offers SET status = ? WHERE id = ?", (write.status, offer_id))
        if write.command is not None:
            conn.execute(
                f"INSERT INTO commands ({rows.COMMAND_COLUMNS}) VALUES ({rows.marks(6)})",
                rows.SQLITE.command_params(write.command),
            )
        events = [
            core.insert_event(offer_id, new.kind, new.actor, new.reason, dict(new.payload), now)
            for new in write.events
        ]
        if outbox:
            outbox_sql.enqueue(core, events, now)
    return events


def _check_write(offer_id: str, expect: Expect, write: Write) -> VersionRecord | None:
    """Reject a write that is wrong whatever the stored state; returns the version to insert.

    The version's ``content_hash`` is filled in when left empty, and must match when given.
    """
    for part in (write.version, write.proposal, write.command):
        if part is not None and part.offer_id != offer_id:
            raise ValueError(f"{type(part).__name__} is for {part.offer_id}, not {offer_id}")
    if write.proposal is not None and write.proposal.status != "pending":
        raise ValueError(f"a new proposal is pending, not {write.proposal.status!r}")
    if write.decision is not None and write.decision.status not in DECIDED:
        raise ValueError(f"a decision cannot leave a proposal {write.decision.status!r}")
    version = write.version
    if version is None:
        return None
    if version.number != expect.version + 1:
        raise ValueError(f"version {version.number} cannot follow version {expect.version}")
    digest = content_hash(version.terms)
    if not version.content_hash:
        return msgspec.structs.replace(version, content_hash=digest)
    if version.content_hash != digest:
        raise ValueError(f"version {version.number}: content_hash does not match its terms")
    return version


def _offer(core: SQLiteCore, offer_id: str) -> OfferRecord:
    row = core.one(f"SELECT {rows.OFFER_COLUMNS} FROM offers WHERE id = ?", offer_id)
    if row is None:
        raise OfferNotFound(offer_id)
    return rows.SQLITE.offer_from_row(row)


def _pending_id(core: SQLiteCore, offer_id: str) -> str | None:
    row = core.one("SELECT id FROM proposals WHERE offer_id = ? AND status = 'pending'", offer_id)
    return str(row["id"]) if row is not None else None


def _command_exists(core: SQLiteCore, offer_id: str, command_id: str) -> bool:
    found = core.one(
        "SELECT 1 FROM commands WHERE offer_id = ? AND command_id = ?", offer_id, command_id
    )
    return found is not None


# --- reads ------------------------------------------------------------------------------------


def get_command(core: SQLiteCore, offer_id: str, command_id: str) -> CommandRecord | None:
    row = core.one(
        f"SELECT {rows.COMMAND_COLUMNS} FROM commands WHERE offer_id = ? AND command_id = ?",
        offer_id,
        command_id,
    )
    return rows.SQLITE.command_from_row(row) if row is not None else None


def get_proposal(core: SQLiteCore, proposal_id: str) -> ProposalRecord | None:
    row = core.one(f"SELECT {rows.PROPOSAL_COLUMNS} FROM proposals WHERE id = ?", proposal_id)
    return rows.SQLITE.proposal_from_row(row) if row is not None else None


def pending_proposal(core: SQLiteCore, offer_id: str) -> ProposalRecord | None:
    row = core.one(
        f"SELECT {rows.PROPOSAL_COLUMNS} FROM proposals WHERE offer_id = ? AND status = 'pending'",
        offer_id,
    )
    return rows.SQLITE.proposal_from_row(row) if row is not None else None


def list_proposals(core: SQLiteCore, offer_id: str) -> list[ProposalRecord]:
    found = core.all(
        f"SELECT {rows.PROPOSAL_COLUMNS} FROM proposals WHERE offer_id = ? "
        "ORDER BY created_at, rowid",
        offer_id,
    )
    return [rows.SQLITE.proposal_from_row(row) for row in found]


def proposal_times(core: SQLiteCore, offer_id: str, by: str, since: datetime) -> list[datetime]:
    found = core.all(
        "SELECT created_at FROM proposals WHERE offer_id = ? AND proposer = ? AND created_at >= ? "
        "ORDER BY created_at",
        offer_id,
        by,
        rows.to_text(since),
    )
    return [rows.from_text(row["created_at"]) for row in found]


def save_explanation(core: SQLiteCore, proposal_id: str, explanation: Explanation) -> None:
    """Store (or replace) the proposal's explanation; LookupError for an unknown proposal."""
    with core.transaction() as conn:
        cursor = conn.execute(
            "UPDATE proposals SET explanation = ? WHERE id = ?",
            (rows.to_json(explanation), proposal_id),
        )
        if cursor.rowcount == 0:
            raise LookupError(f"no proposal {proposal_id}")


def due_for_expiry(core: SQLiteCore, now: datetime, limit: int) -> list[str]:
    found = core.all(
        "SELECT id FROM offers WHERE status = 'open' AND expires_at <= ? "
        "ORDER BY expires_at, id LIMIT ?",
        rows.to_text(now),
        limit,
    )
    return [str(row["id"]) for row in found]
