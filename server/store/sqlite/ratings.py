"""The closing question's answers on SQLite: one per party, after the offer closed."""

from __future__ import annotations

from server.store.base import AlreadyRated, EventRecord, NotClosed, OfferNotFound, Rating
from server.store.sqlite import outbox as outbox_rows
from server.store.sqlite.core import SQLiteCore


def rate(core: SQLiteCore, offer_id: str, rating: Rating, outbox: bool) -> EventRecord:
    # The single writer's transaction: the check and the insert see one state.
    with core.transaction():
        row = core.one("SELECT status FROM offers WHERE id = ?", offer_id)
        if row is None:
            raise OfferNotFound(offer_id)
        if row[0] == "open":
            raise NotClosed(offer_id)
        if core.one("SELECT 1 FROM events WHERE offer_id = ? AND kind = 'satisfaction_rated' "
                    "AND actor = ?", offer_id, rating.user_id) is not None:
            raise AlreadyRated(offer_id)
        now = core.now()
        event = core.insert_event(offer_id, "satisfaction_rated", rating.user_id,
                                  rating.comment, {"role": rating.role, "score": rating.score},
                                  now)
        if outbox:
            outbox_rows.enqueue(core, [event], now)
    return event
