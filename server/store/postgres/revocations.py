"""Token revocations on PostgreSQL: adding a rule, with the same bound as on SQLite.

An add locks the offer's row first (``lock_offer``), so concurrent adds for one offer, from any
number of nodes, take turns: the duplicate check and the count toward ``REVOCATIONS_PER_OFFER``
always see every rule committed before them, and the bound holds exactly. How rules collapse
past the bound is the shared rule (``server.store.rules.collapsed``).
"""

from __future__ import annotations

from server.auth import Revocation
from server.store.base import REVOCATIONS_PER_OFFER
from server.store.postgres.core import PgCore, lock_offer
from server.store.postgres.rows import PG, marks
from server.store.rows import REVOCATION_COLUMNS
from server.store.rules import collapsed


async def add_revocation(core: PgCore, rule: Revocation) -> None:
    async with core.transaction() as conn:
        await lock_offer(conn, rule.offer_id)  # OfferNotFound for an unknown offer
        cursor = await conn.execute(
            "SELECT 1 FROM revocations WHERE offer_id = %(o)s AND ("
            "  (%(jti)s::text IS NOT NULL AND jti = %(jti)s) "
            "  OR (%(jti)s::text IS NULL AND jti IS NULL "
            "      AND user_id IS NOT DISTINCT FROM %(user)s AND at_ms = %(at)s))",
            {"o": rule.offer_id, "jti": rule.jti, "user": rule.user, "at": rule.at_ms},
        )
        if await cursor.fetchone() is not None:
            return
        cursor = await conn.execute(
            "SELECT COUNT(*), MAX(at_ms) FROM revocations WHERE offer_id = %s", [rule.offer_id]
        )
        held = await cursor.fetchone()
        assert held is not None  # an aggregate always yields a row
        if held[0] >= REVOCATIONS_PER_OFFER:
            rule = collapsed(rule, held[1], core.now())
            await conn.execute("DELETE FROM revocations WHERE offer_id = %s", [rule.offer_id])
        await conn.execute(
            f"INSERT INTO revocations ({REVOCATION_COLUMNS}) VALUES ({marks(4)})",
            PG.revocation_params(rule),
        )
