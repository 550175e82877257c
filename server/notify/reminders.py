"""Fires the reminders the store keeps: the offer expires in 72 h and in 24 h; "waiting on you".

Reminders are scheduled durably (``Store.schedule_reminder``, built by
``server/notify/schedule.py``) and each is claimed once across nodes and restarts
(``Store.claim_reminders``). A worker of a node (``server/workers/``) is given ``owns`` and
claims only the reminders of the offers it owns: it holds their rooms, so the banner reaches the
party's sockets even without Redis to carry it to another worker.
A reminder that still matters when it comes due (the offer is open; for "waiting", the proposal
is still pending or the question still open) becomes a ``reminder`` item of the party's digest,
delivered like any notification when they are away, and a banner in the room for their sockets.
It fires at most once: one that could not be queued is logged and counted, not retried.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from server.config import Config
from server.metrics import Metrics
from server.notify.digests import party_of
from server.notify.mail import one_line
from server.store.base import NotificationItem, OfferRecord, Reminder, Store
from server.tasks import Tasks

log = logging.getLogger("offer_room.reminders")

#: Reminders claimed per sweep; a full batch is followed by another sweep at once.
BATCH = 50
#: A 72 h reminder that fires this close to expiry (a node was down for a day) would repeat the
#: 24 h one that is due as well, with the wrong figure: dropped.
_SUPERSEDED_BELOW = timedelta(hours=48)
_NAME_CHARS = 100

#: Shows a banner to the party's sockets on every node: (offer id, user id, text, the figures of
#: the text for a client that words it in its reader's language).
ShowBanner = Callable[[str, str, str, dict[str, Any]], Awaitable[None] | None]


def expiry_text(left: timedelta) -> str:
    """"This offer expires in 3 days", "… tomorrow", "… in 5 hours", from the time left."""
    return expiry_said(left)[0]


def expiry_said(left: timedelta) -> tuple[str, dict[str, Any]]:
    """The expiry sentence and its figures: ``{"days": 3}``, ``{"days": 1}`` (tomorrow) or
    ``{"hours": 5}``."""
    hours = left.total_seconds() / 3600
    if hours >= 36:
        days = round(hours / 24)
        return f"This offer expires in {days} days", {"days": days}
    if hours >= 12:
        return "This offer expires tomorrow", {"days": 1}
    n = max(1, math.ceil(hours))
    return f"This offer expires in {n} hour{'s' if n != 1 else ''}", {"hours": n}


def about_label(about: str | None, offer: OfferRecord) -> str:
    """What a question is about, as a reader says it: "Hourly rate", "the milestone “Design”"."""
    if about is None:
        return "the offer"
    kind, _, ref = about.partition(":")
    if kind == "proposal" and ref:
        return "the proposal"
    if kind == "milestone" and ref:
        titles = {m.id: m.title for m in offer.terms.milestones}
        title = titles.get(ref)
        return f"the milestone “{one_line(title, _NAME_CHARS)}”" if title else "a milestone"
    return about.replace("_", " ").capitalize()


class ReminderSweeper:
    def __init__(
        self,
        store: Store,
        config: Config,
        show_banner: ShowBanner,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tasks: Tasks | None = None,
        metrics: Metrics | None = None,
        owns: Callable[[str], bool] | None = None,
    ) -> None:
        """``owns``: claim only the reminders of the offers it accepts (by id); None, all."""
        self._store = store
        self._config = config
        self._show_banner = show_banner
        self._clock = clock
        self._tasks = tasks if tasks is not None else Tasks()
        self._metrics = metrics if metrics is not None else Metrics()
        self._owns = owns

    def start(self) -> None:
        self._tasks.repeat("reminders", self.sweep, self._config.notify_sweep_seconds,
                           full=BATCH)

    async def close(self) -> None:
        await self._tasks.cancel("reminders")

    async def sweep(self) -> int:
        """Claim the due reminders and fire those that still matter; returns how many were
        claimed."""
        now = self._clock()
        due = await self._store.claim_reminders(now, BATCH, owns=self._owns)
        for reminder in due:
            try:
                await self._fire(reminder, now)
            except Exception:
                log.exception("reminder %s for %s in offer %s was lost", reminder.kind,
                              reminder.user_id, reminder.offer_id)
                self._metrics.reminder(reminder.kind, "failed")
        return len(due)

    async def _fire(self, reminder: Reminder, now: datetime) -> None:
        offer = await self._store.get_offer(reminder.offer_id)
        found = party_of(offer, reminder.user_id) if offer is not None else None
        said = None
        if offer is not None and found is not None and offer.status == "open":
            said = await self._text(reminder, offer, now)
        if found is None or said is None:
            self._metrics.reminder(reminder.kind, "stale")
            return
        role, _ = found
        text, params = said
        item = NotificationItem(kind="reminder", summary=text, at=now)
        await self._store.queue_notification(
            reminder.offer_id, reminder.user_id, role, item,
            delay_s=0, throttle_s=self._config.notify_throttle_s)
        self._metrics.reminder(reminder.kind, "fired")
        try:
            shown = self._show_banner(reminder.offer_id, reminder.user_id, text,
                                      {"reminder": reminder.kind, **params})
            if inspect.isawaitable(shown):
                await shown
        except Exception:
            # The digest is queued; a banner is a courtesy to whoever is in the room now.
            log.exception("reminder banner for offer %s failed", reminder.offer_id)

    async def _text(self, reminder: Reminder, offer: OfferRecord, now: datetime
                    ) -> tuple[str, dict[str, Any]] | None:
        """What to say and its figures, or None when the reminder no longer matters."""
        if reminder.kind in ("expires_72h", "expires_24h"):
            left = offer.expires_at - now
            if left <= timedelta(0):
                return None
            if reminder.kind == "expires_72h" and left < _SUPERSEDED_BELOW:
                return None
            return expiry_said(left)
        if reminder.kind != "waiting" or not reminder.ref:
            log.warning("unknown reminder %r in offer %s", reminder.kind, offer.id)
            return None
        names = {offer.client.id: offer.client.name, offer.freelancer.id: offer.freelancer.name}
        proposal = await self._store.get_proposal(reminder.ref)
        if proposal is not None and proposal.offer_id == offer.id:
            if proposal.status != "pending" or proposal.by == reminder.user_id:
                return None
            who = one_line(names.get(proposal.by, "The other party"), _NAME_CHARS)
            return (f"{who} is waiting for your answer to the proposal",
                    {"who": who, "about": "proposal"})
        question = await self._store.get_message(offer.id, reminder.ref)
        if (question is None or question.kind != "question" or question.status != "open"
                or question.deleted_at is not None or question.author == reminder.user_id):
            return None
        who = one_line(names.get(question.author or "", "The other party"), _NAME_CHARS)
        about = about_label(question.about, offer)
        return (f"{who} is waiting for your answer to a question about {about}",
                {"who": who, "about": question.about or "offer", "about_label": about})
