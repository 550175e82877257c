"""Delivers audit events to the host marketplace's webhook, from the store's durable outbox.

Events are queued in the same transaction that writes them, so a delivery survives a crash and
a restart. Each POST carries an HMAC-SHA256 signature over ``"<timestamp>.<body>"`` so the
receiver can check origin and freshness. Failures back off exponentially and end in a dead letter
after ``max_attempts``; the dispatcher is its own task, so a failing endpoint never slows a room.

Receiver check: ``hmac.compare_digest(sig, "sha256=" + hmac_sha256(secret, f"{ts}.".encode() +
body).hexdigest())`` and reject timestamps older than a few minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from server.metrics import Metrics
from server.store.base import Store, WebhookDelivery
from server.tasks import Tasks

log = logging.getLogger("offer_room.webhooks")

#: A delivery claimed by this node is invisible to others for this long (cluster mode).
_LEASE_SECONDS = 60.0
_BATCH = 20
_IDLE_POLL_SECONDS = 1.0
_MAX_BACKOFF_SECONDS = 3600.0
SIGNATURE_HEADER = "X-Offer-Room-Signature"
TIMESTAMP_HEADER = "X-Offer-Room-Timestamp"
EVENT_HEADER = "X-Offer-Room-Event-Id"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int, first_s: float = 2.0, rng: Callable[[], float] = random.random
            ) -> float:
    """Seconds before attempt ``attempts + 1``: first_s, then doubling, capped at an hour.

    The ±25 % jitter keeps many failed deliveries from retrying in lockstep.
    """
    base = min(_MAX_BACKOFF_SECONDS, first_s * 2.0**attempts)
    return base * (0.75 + 0.5 * rng())


class WebhookDispatcher:
    def __init__(
        self,
        store: Store,
        url: str,
        secret: str,
        *,
        max_attempts: int = 12,
        backoff_s: float = 2.0,
        timeout_s: float = 5.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tasks: Tasks | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self._url = url
        self._secret = secret
        self._max_attempts = max_attempts
        self._backoff = backoff_s
        self._timeout = timeout_s
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._tasks = tasks if tasks is not None else Tasks()
        self._metrics = metrics if metrics is not None else Metrics()
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self._timeout)
        self._tasks.spawn("webhooks", self._run(), "webhooks")

    def wake(self) -> None:
        """New events were committed: look now instead of at the next poll."""
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            try:
                batch = await self._store.claim_webhooks(self._clock(), _BATCH, _LEASE_SECONDS)
            except Exception:
                log.exception("claiming webhook deliveries failed")
                batch = []
            for delivery in batch:
                await self._deliver(delivery)
            if len(batch) < _BATCH:
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), _IDLE_POLL_SECONDS)

    async def _deliver(self, delivery: WebhookDelivery) -> None:
        assert self._client is not None
        ts = int(time.time())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, ts, delivery.body),
            TIMESTAMP_HEADER: str(ts),
            EVENT_HEADER: f"{delivery.offer_id}:{delivery.event_seq}",
        }
        error = ""
        try:
            response = await self._client.post(self._url, content=delivery.body, headers=headers)
            if 200 <= response.status_code < 300:
                await self._store.webhook_delivered(delivery.id)
                self._metrics.webhook("delivered")
                return
            error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempts = delivery.attempts + 1
        next_at = None
        if attempts < self._max_attempts:
            next_at = self._clock() + timedelta(seconds=backoff(delivery.attempts, self._backoff))
        log.warning("webhook %s:%s failed (%s), attempt %d", delivery.offer_id,
                    delivery.event_seq, error, attempts)
        await self._store.webhook_failed(delivery.id, next_at, error)
        self._metrics.webhook("failed" if next_at is not None else "dead")

    async def close(self) -> None:
        await self._tasks.cancel("webhooks")
        if self._client is not None:
            await self._client.aclose()
