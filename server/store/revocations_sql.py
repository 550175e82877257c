"""Token revocations on SQLite (writer-thread functions), and the bound shared with PostgreSQL.

An offer keeps at most ``REVOCATIONS_PER_OFFER`` rules, because every token check reads them all.
Past the bound the rules collapse into one that revokes every token of the offer minted up to the
newest of them (or now): revocation fails closed — what an integrator revoked stays revoked, at
the price of also revoking the offer's other links minted by then, which the integrator re-issues
(tokens minted afterwards are not affected). Refusing the new rule instead would leave the token
it names valid, which is the one outcome a revocation must never have.
"""

from __future__ import annotations

from datetime import datetime

from server.auth import Revocation
from server.store import rows
from server.store.base import REVOCATIONS_PER_OFFER, OfferNotFound
from server.store.sqlite_core import SQLiteCore


def collapsed(rule: Revocation, newest_at_ms: int | None, now: datetime) -> Revocation:
    """The one rule replacing an offer's full set of rules plus ``rule``: every token minted up to
    the newest ``at_ms`` among them, or ``now`` when later (a revoked ``jti`` was minted by now,
    whatever ``at_ms`` its rule carried)."""
    latest = max(rule.at_ms, newest_at_ms or 0, int(now.timestamp() * 1000))
    return Revocation(offer_id=rule.offer_id, at_ms=latest)


def add(core: SQLiteCore, rule: Revocation) -> None:
    """Keep ``rule`` (see ``Store.add_revocation``), in one transaction."""
    with core.transaction() as conn:
        if not core.offer_exists(rule.offer_id):
            raise OfferNotFound(rule.offer_id)
        # "IS ?": NULL-safe equality, so the same user (or none) and time is the same rule.
        duplicate = core.one(
            "SELECT 1 FROM revocations WHERE offer_id = ?1 AND ("
            "  (?2 IS NOT NULL AND jti = ?2) "
            "  OR (?2 IS NULL AND jti IS NULL AND user_id IS ?3 AND at_ms = ?4))",
            rule.offer_id,
            rule.jti,
            rule.user,
            rule.at_ms,
        )
        if duplicate is not None:
            return
        held = core.one(
            "SELECT COUNT(*), MAX(at_ms) FROM revocations WHERE offer_id = ?", rule.offer_id
        )
        assert held is not None  # an aggregate always yields a row
        if held[0] >= REVOCATIONS_PER_OFFER:
            rule = collapsed(rule, held[1], core.now())
            conn.execute("DELETE FROM revocations WHERE offer_id = ?", (rule.offer_id,))
        conn.execute(
            f"INSERT INTO revocations ({rows.REVOCATION_COLUMNS}) VALUES ({rows.marks(4)})",
            rows.SQLITE.revocation_params(rule),
        )


def list_for(core: SQLiteCore, offer_id: str) -> list[Revocation]:
    found = core.all(
        f"SELECT {rows.REVOCATION_COLUMNS} FROM revocations WHERE offer_id = ? ORDER BY rowid",
        offer_id,
    )
    return [rows.SQLITE.revocation_from_row(row) for row in found]
