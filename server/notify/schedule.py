"""The reminders an offer gets, built where its events happen (creation, a proposal, a question)
and kept by the store until ``server/notify/reminders.py`` fires them. Kept apart from the sweeper
so the negotiation and the thread can schedule without depending on delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.store.base import OfferRecord, Reminder

#: When each expiry reminder comes due, before the offer expires (docs/RULES.md).
EXPIRY_REMINDERS: tuple[tuple[str, timedelta], ...] = (
    ("expires_72h", timedelta(hours=72)),
    ("expires_24h", timedelta(hours=24)),
)


def expiry_reminders(offer: OfferRecord, now: datetime | None = None) -> list[Reminder]:
    """Both parties' reminders 72 h and 24 h before ``offer.expires_at``, none already due."""
    now = now or datetime.now(UTC)
    reminders = []
    for kind, before in EXPIRY_REMINDERS:
        due = offer.expires_at - before
        if due > now:
            reminders += [Reminder(offer_id=offer.id, kind=kind, user_id=party.id, due_at=due)
                          for party in (offer.client, offer.freelancer)]
    return reminders


def waiting_reminder(offer_id: str, user_id: str, ref: str, after_s: float,
                     now: datetime | None = None) -> Reminder:
    """Remind ``user_id`` after ``after_s`` (``OFFER_ROOM_REMIND_WAITING_AFTER_S``) that proposal
    or question ``ref`` waits for their answer."""
    now = now or datetime.now(UTC)
    return Reminder(offer_id=offer_id, kind="waiting", user_id=user_id,
                    due_at=now + timedelta(seconds=after_s), ref=ref)
