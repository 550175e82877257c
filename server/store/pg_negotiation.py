"""Negotiation on PostgreSQL: the compare-and-set ``commit`` and the proposal/command reads.

``commit`` locks the offer's row (FOR NO KEY UPDATE) before comparing: a second node committing
against the same offer waits for the first to finish, then compares with what the first wrote,
so exactly one of two commits with the same ``Expect`` wins, across any number of nodes.
Validation of the write itself is shared with the SQLite store (``negotiation_sql``).
"""

from __future__ import annotations

from datetime import datetime

from server.store import pg_outbox, pg_rows
from server.store.base import (
    CommandRecord,
    Conflict,
    EventRecord,
    Expect,
    Explanation,
    ProposalRecord,
    Write,
)
from server.store.negotiation_sql import _check_write
from server.store.pg_core import Conn, PgCore, insert_events, lock_offer


async def commit(
    core: PgCore, offer_id: str, expect: Expect, write: Write, outbox: bool
) -> list[EventRecord]:
    """Compare, then apply ``write`` in one transaction; see ``PostgresStore.commit``."""
    version = _check_write(offer_id, expect, write)  # ValueError before touching the database
    async with core.transaction() as conn:
        offer = pg_rows.PG.offer_from_row(await lock_offer(conn, offer_id))
        pending = await _pending_id(conn, offer_id)
        if Expect(offer.version, offer.status, pending) != expect:
            raise Conflict(offer, pending)
        if write.decision is not None and write.decision.proposal_id != pending:
            raise Conflict(offer, pending)
        if write.command is not None and await _command_exists(
            conn, offer_id, write.command.command_id
        ):
            raise Conflict(offer, pending)
        if write.proposal is not None and pending is not None and write.decision is None:
            raise ValueError(f"{offer_id}: proposal {pending} is still pending; decide it first")

        now = pg_rows.utc(core.now())
        if write.decision is not None:
            # Before the new proposal, so "close the pending one, propose another" fits the index.
            decision = write.decision
            await conn.execute(
                "UPDATE proposals SET status = %s, decided_at = %s, decided_by = %s, reason = %s "
                "WHERE id = %s",
                [decision.status, now, decision.decided_by, decision.reason, decision.proposal_id],
            )
        if write.proposal is not None:
            await conn.execute(
                f"INSERT INTO proposals ({pg_rows.PROPOSAL_COLUMNS}) VALUES ({pg_rows.marks(13)})",
                pg_rows.PG.proposal_params(write.proposal),
            )
        if version is not None:
            await conn.execute(
                f"INSERT INTO versions ({pg_rows.VERSION_COLUMNS}) VALUES ({pg_rows.marks(8)})",
                pg_rows.PG.version_params(version),
            )
            await conn.execute(
                "UPDATE offers SET version = %s, terms = %s WHERE id = %s",
                [version.number, pg_rows.jsonb(version.terms), offer_id],
            )
        if write.status is not None:
            await conn.execute(
                "UPDATE offers SET status = %s WHERE id = %s", [write.status, offer_id]
            )
        if write.command is not None:
            await conn.execute(
                f"INSERT INTO commands ({pg_rows.COMMAND_COLUMNS}) VALUES ({pg_rows.marks(6)})",
                pg_rows.PG.command_params(write.command),
            )
        events = await insert_events(
            conn,
            offer_id,
            [(new.kind, new.actor, new.reason, dict(new.payload)) for new in write.events],
            now,
        )
        if outbox and events:
            await pg_outbox.enqueue(conn, events, now)
    return events


async def _pending_id(conn: Conn, offer_id: str) -> str | None:
    cursor = await conn.execute(
        "SELECT id FROM proposals WHERE offer_id = %s AND status = 'pending'", [offer_id]
    )
    row = await cursor.fetchone()
    return str(row[0]) if row is not None else None


async def _command_exists(conn: Conn, offer_id: str, command_id: str) -> bool:
    cursor = await conn.execute(
        "SELECT 1 FROM commands WHERE offer_id = %s AND command_id = %s", [offer_id, command_id]
    )
    return await cursor.fetchone() is not None


# --- reads ------------------------------------------------------------------------------------


async def get_command(core: PgCore, offer_id: str, command_id: str) -> CommandRecord | None:
    row = await core.one(
        f"SELECT {pg_rows.COMMAND_COLUMNS} FROM commands WHERE offer_id = %s AND command_id = %s",
        [offer_id, command_id],
    )
    return pg_rows.PG.command_from_row(row) if row is not None else None


async def get_proposal(core: PgCore, proposal_id: str) -> ProposalRecord | None:
    row = await core.one(
        f"SELECT {pg_rows.PROPOSAL_COLUMNS} FROM proposals WHERE id = %s", [proposal_id]
    )
    return pg_rows.PG.proposal_from_row(row) if row is not None else None


async def pending_proposal(core: PgCore, offer_id: str) -> ProposalRecord | None:
    row = await core.one(
        f"SELECT {pg_rows.PROPOSAL_COLUMNS} FROM proposals "
        "WHERE offer_id = %s AND status = 'pending'",
        [offer_id],
    )
    return pg_rows.PG.proposal_from_row(row) if row is not None else None


async def list_proposals(core: PgCore, offer_id: str) -> list[ProposalRecord]:
    found = await core.all(
        f"SELECT {pg_rows.PROPOSAL_COLUMNS} FROM proposals WHERE offer_id = %s "
        "ORDER BY created_at, insert_order",
        [offer_id],
    )
    return [pg_rows.PG.proposal_from_row(row) for row in found]


async def proposal_times(core: PgCore, offer_id: str, by: str, since: datetime) -> list[datetime]:
    found = await core.all(
        "SELECT created_at FROM proposals "
        "WHERE offer_id = %s AND proposer = %s AND created_at >= %s ORDER BY created_at",
        [offer_id, by, pg_rows.utc(since)],
    )
    return [pg_rows.utc(row[0]) for row in found]


async def save_explanation(core: PgCore, proposal_id: str, explanation: Explanation) -> None:
    async with core.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE proposals SET explanation = %s WHERE id = %s",
            [pg_rows.jsonb(explanation), proposal_id],
        )
        if cursor.rowcount == 0:
            raise LookupError(f"no proposal {proposal_id}")


async def due_for_expiry(core: PgCore, now: datetime, limit: int) -> list[str]:
    found = await core.all(
        "SELECT id FROM offers WHERE status = 'open' AND expires_at <= %s "
        "ORDER BY expires_at, id LIMIT %s",
        [pg_rows.utc(now), limit],
    )
    return [str(row[0]) for row in found]
