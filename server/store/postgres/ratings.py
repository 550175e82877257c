"""The closing question's answers on PostgreSQL: one per party, after the offer closed."""

from __future__ import annotations

from server.store.base import AlreadyRated, EventRecord, NotClosed, Rating
from server.store.postgres import outbox as outbox_rows
from server.store.postgres.core import PgCore, insert_events, lock_offer
from server.store.rows import utc


async def rate(core: PgCore, offer_id: str, rating: Rating, outbox: bool) -> EventRecord:
    async with core.transaction() as conn:
        # The offer's row lock serialises two nodes taking the same party's answer.
        offer = await lock_offer(conn, offer_id)
        if offer[1] == "open":
            raise NotClosed(offer_id)
        cursor = await conn.execute(
            "SELECT 1 FROM events WHERE offer_id = %s AND kind = 'satisfaction_rated' "
            "AND actor = %s", [offer_id, rating.user_id])
        if await cursor.fetchone() is not None:
            raise AlreadyRated(offer_id)
        now = utc(core.now())
        (event,) = await insert_events(
            conn, offer_id, [("satisfaction_rated", rating.user_id, rating.comment,
                              {"role": rating.role, "score": rating.score})], now)
        if outbox:
            await outbox_rows.enqueue(conn, [event], now)
    return event
