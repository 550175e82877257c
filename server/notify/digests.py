"""Sends the digests of parties who are away: a ``notification`` audit event, and an e-mail.

The store batches what happens while a party is away into one digest per party and offer
(``Store.queue_notification``); this loop claims the due ones. For each, a party who came back
meanwhile is not notified (``Presence``; a worker of a node without Redis sees only its own
rooms, so it may notify a party sitting in another worker's: docs/ARCHITECTURE.md, "Workers").
Otherwise, on its first attempt, a ``notification`` event is recorded into the durable webhook
outbox (the integrator's webhook gets it like any audit event), and, when the node has a mailer
and the party an e-mail address, the digest is mailed; a failed mail is retried with exponential
back-off and given up after ``max_attempts``.

Delivery is at least once: a node that dies between recording the event and settling the digest
leaves it to be claimed again when its lease runs out, so the payload carries the digest's id to
deduplicate on. Nothing here runs on a room's path: rooms only queue items.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

from server.config import Config
from server.metrics import Metrics
from server.negotiation.creation import LinkExpired, mint_for, participant_link
from server.negotiation.webhooks import backoff
from server.notify import compose
from server.notify.addresses import valid_address
from server.notify.base import Mailer, MailError, Presence
from server.notify.mail import MailTimeout, one_line
from server.offers.terms import Party
from server.store.base import Digest, OfferRecord, Store
from server.tasks import Tasks

log = logging.getLogger("offer_room.notify")

PartyRole = Literal["client", "freelancer"]

#: Digests claimed per sweep; a full batch is followed by another sweep at once.
BATCH = 10
#: E-mails in flight at once: a hanging server holds at most this many connections, and a batch
#: takes at most ceil(BATCH / MAIL_CONCURRENCY) = 2 rounds of ``send_timeout_s``.
MAIL_CONCURRENCY = 5
#: Asking the cluster who is present is a Redis round trip (milliseconds); past this, Redis is
#: away and the party is notified anyway: a needless e-mail beats a lost one.
PRESENCE_TIMEOUT_S = 2.0
#: A lease outlives the slowest batch (two rounds of sends) by this margin, so no other node
#: claims a digest while this one is still sending it.
_LEASE_MARGIN_S = 60.0
_ERROR_MAX = 200


class _Mail(msgspec.Struct, frozen=True):
    digest: Digest
    to: str
    subject: str
    text: str
    html: str


class DigestDispatcher:
    def __init__(
        self,
        store: Store,
        config: Config,
        presence: Presence,
        *,
        mailer: Mailer | None = None,
        outbox: bool = False,
        after_event: Callable[[], None] | None = None,
        send_timeout_s: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tasks: Tasks | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """``outbox``: queue the events for the webhook (set when a webhook URL is); and
        ``after_event`` is called once one is queued (the webhook dispatcher's ``wake``).
        Retries reuse the webhook settings (``OFFER_ROOM_WEBHOOK_MAX_ATTEMPTS``, 12, and
        ``OFFER_ROOM_WEBHOOK_BACKOFF_S``, 2 s doubling to an hour: given up after ~70 min).
        ``send_timeout_s`` is a backstop over the mailer's own bounds."""
        self._store = store
        self._config = config
        self._presence = presence
        self._mailer = mailer
        self._outbox = outbox
        self._after_event = after_event
        self._max_attempts = config.webhook_max_attempts
        self._backoff_s = config.webhook_backoff_s
        self._send_timeout = send_timeout_s
        self._lease_s = math.ceil(BATCH / MAIL_CONCURRENCY) * send_timeout_s + _LEASE_MARGIN_S
        self._clock = clock
        self._tasks = tasks if tasks is not None else Tasks()
        self._metrics = metrics if metrics is not None else Metrics()
        self._sending = asyncio.Semaphore(MAIL_CONCURRENCY)

    def start(self) -> None:
        self._tasks.repeat("digests", self.sweep, self._config.notify_sweep_seconds, full=BATCH)

    async def close(self) -> None:
        await self._tasks.cancel("digests")

    async def sweep(self) -> int:
        """Claim the due digests and settle each; returns how many were claimed.

        Events first, one by one (store writes, fast), then the e-mails concurrently: a hanging
        mail server delays neither the webhooks nor the other digests' events.
        """
        digests = await self._store.claim_digests(self._clock(), BATCH, self._lease_s)
        mails: list[_Mail] = []
        for digest in digests:
            try:
                mail = await self._record(digest)
            except Exception:
                # Left leased: claimed again (attempts unchanged, so the event is retried too)
                # once the lease runs out.
                log.exception("digest %s of offer %s failed", digest.id, digest.offer_id)
                self._count("webhook", "failed")
                continue
            if mail is not None:
                mails.append(mail)
        await asyncio.gather(*(self._send(mail) for mail in mails))
        return len(digests)

    async def _record(self, digest: Digest) -> _Mail | None:
        """Skip, or record the event; the e-mail still to send, if any."""
        offer = await self._store.get_offer(digest.offer_id)
        found = party_of(offer, digest.user_id) if offer is not None else None
        if offer is None or found is None:
            log.warning("digest %s names no party of offer %s", digest.id, digest.offer_id)
            await self._done(digest)
            return None
        role, party = found
        to = self._address(party, digest)
        if await self._present(digest):
            await self._done(digest)
            self._count("webhook", "skipped")
            if to is not None:
                self._count("email", "skipped")
            return None
        other = offer.freelancer if role == "client" else offer.client
        summary = compose.summarize(digest.items, digest.count, other.name)
        link = self._link(offer, role, party)
        if digest.attempts == 0:
            payload = _payload(offer, digest, role, party, summary, link)
            await self._store.append_event(offer.id, "notification", actor=None,
                                           payload=payload, outbox=self._outbox)
            self._count("webhook", "sent")
            if self._after_event is not None:
                self._after_event()
        if to is None:
            await self._done(digest)
            return None
        title = offer.terms.title
        return _Mail(
            digest=digest, to=to, subject=compose.subject(title, summary),
            text=compose.text_body(title, summary, digest.items, digest.count, link),
            html=compose.html_body(title, summary, digest.items, digest.count, link),
        )

    async def _send(self, mail: _Mail) -> None:
        assert self._mailer is not None
        digest = mail.digest
        async with self._sending:
            try:
                async with asyncio.timeout(self._send_timeout):
                    await self._mailer.send(mail.to, mail.subject, mail.text, mail.html)
            except (MailError, TimeoutError) as exc:
                if isinstance(exc, MailTimeout | TimeoutError):
                    self._metrics.limit_hit("smtp_timeout_s")
                error = one_line(str(exc) or "no answer in time", _ERROR_MAX)
            except Exception as exc:  # a mailer's bug must not end the loop
                log.exception("mailer failed on digest %s", digest.id)
                error = type(exc).__name__
            else:
                await self._settle(digest, sent=True)
                return
        attempts = digest.attempts + 1
        next_at = None
        if attempts < self._max_attempts:
            delay = backoff(digest.attempts, self._backoff_s)
            next_at = self._clock() + timedelta(seconds=delay)
        log.warning("e-mail of digest %s (offer %s) failed, attempt %d: %s", digest.id,
                    digest.offer_id, attempts, error)
        await self._settle(digest, sent=False, next_at=next_at, error=error)

    async def _done(self, digest: Digest) -> None:
        """Settle a digest that needs no e-mail. A failure leaves it leased: claimed again once
        the lease is over (the event may then be recorded twice: the payload's ``digest`` id
        tells)."""
        try:
            await self._store.digest_sent(digest.id)
        except Exception:
            log.exception("settling digest %s failed", digest.id)

    async def _settle(self, digest: Digest, *, sent: bool, next_at: datetime | None = None,
                      error: str = "") -> None:
        try:
            if sent:
                await self._store.digest_sent(digest.id)
            else:
                await self._store.digest_failed(digest.id, next_at, error)
        except Exception:
            # Left leased: the lease runs out and the digest is mailed again (at least once).
            log.exception("settling digest %s failed", digest.id)
            return
        outcome = "sent" if sent else "failed" if next_at is not None else "dead"
        self._metrics.notification("email", outcome)

    async def _present(self, digest: Digest) -> bool:
        try:
            async with asyncio.timeout(PRESENCE_TIMEOUT_S):
                return await self._presence.present(digest.offer_id, digest.user_id)
        except Exception:
            log.warning("presence of %s in offer %s unknown; notifying", digest.user_id,
                        digest.offer_id, exc_info=True)
            return False

    def _address(self, party: Party, digest: Digest) -> str | None:
        """Where to mail the digest: None without a mailer, an address, or a usable one."""
        if self._mailer is None or not party.email:
            return None
        if not valid_address(party.email):
            # The address itself is personal data: not logged.
            log.warning("party %s of offer %s has an e-mail address that cannot be used",
                        party.id, digest.offer_id)
            return None
        return party.email

    def _link(self, offer: OfferRecord, role: PartyRole, party: Party) -> str | None:
        try:
            token = mint_for(self._config, offer, role, party)
        except LinkExpired:
            return None  # expired over an hour ago: a link could never open the room
        return participant_link(self._config, offer.id, token)

    def _count(self, channel: str, outcome: str) -> None:
        # The webhook channel exists only when events are queued for a webhook.
        if channel != "webhook" or self._outbox:
            self._metrics.notification(channel, outcome)


def party_of(offer: OfferRecord, user_id: str) -> tuple[PartyRole, Party] | None:
    """The role and record of ``user_id`` in ``offer``, read from the offer itself."""
    if offer.client.id == user_id:
        return "client", offer.client
    if offer.freelancer.id == user_id:
        return "freelancer", offer.freelancer
    return None


def _payload(offer: OfferRecord, digest: Digest, role: PartyRole, party: Party, summary: str,
             link: str | None) -> dict[str, Any]:
    recipient: dict[str, Any] = {"id": party.id, "name": party.name, "role": role}
    if party.email:
        recipient["email"] = party.email
    return {
        "digest": digest.id,
        "recipient": recipient,
        "reason": compose.reasons(digest.items),
        "summary": summary,
        "title": offer.terms.title,
        "items": [
            {"kind": item.kind, "summary": item.summary, "n": item.n,
             "at": item.at.astimezone(UTC).isoformat().replace("+00:00", "Z")}
            for item in digest.items
        ],
        "count": digest.count,
        "link": link,
    }
