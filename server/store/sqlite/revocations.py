"""Token revocations on SQLite: adding a rule (a writer-thread function).

The add runs in one BEGIN IMMEDIATE transaction, so the duplicate check and the count toward
``REVOCATIONS_PER_OFFER`` see every rule committed before it, also by another process. How rules
collapse past the bound is the shared rule (``server.store.rules.collapsed``).
"""

from __future__ import annotations

from server.auth import Revocation
from server.store.base import REVOCATIONS_PER_OFFER, OfferNotFound
from server.store.rows import REVOCATION_COLUMNS, marks
from server.store.rules import collapsed
from server.store.sqlite.core import SQLiteCore
from server.store.sqlite.rows import SQLITE


def add_revocation(core: SQLiteCore, rule: Revocation) -> None:
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
            f"INSERT INTO revocations ({REVOCATION_COLUMNS}) VALUES ({marks(4)})",
            SQLITE.revocation_params(rule),
        )
