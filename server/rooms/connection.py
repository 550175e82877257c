"""One participant's socket: identity, a bounded send queue and a message-rate budget.

The room never awaits a client. Frames are queued and a single writer task per connection drains
them, so a slow client only fills its own queue; past ``send_queue_max`` it is closed with 1013
(overloaded, retry) instead of stalling everyone else or growing memory without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any, Protocol

from server.auth import ROLE_COLORS, Claims
from server.wire import CloseCode, UserInfo

log = logging.getLogger("offer_room.connection")


class Channel(Protocol):
    """What a connection needs from a transport (a WebSocket, or an in-memory pair in tests)."""

    async def send(self, frame: bytes) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


class Connection:
    def __init__(
        self,
        channel: Channel,
        claims: Claims,
        *,
        queue_max: int,
        rate_per_second: float,
        rate_burst: float,
    ) -> None:
        self.channel = channel
        self.claims = claims
        self.user = UserInfo(
            id=claims.sub, name=claims.name, role=claims.role, color=ROLE_COLORS[claims.role]
        )
        self.identity: dict[str, Any] = {
            "id": claims.sub,
            "name": claims.name,
            "role": claims.role,
            "color": self.user.color,
        }
        self._queue: deque[bytes] = deque()
        self._queue_max = queue_max
        self._wakeup = asyncio.Event()
        self._closing: tuple[int, str] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._rate = rate_per_second
        self._burst = rate_burst
        self._tokens = rate_burst
        self._stamp = time.monotonic()
        self.closed = asyncio.Event()
        #: Live updates the client sent before its sync step 2 (see Room._on_sync).
        self.held: list[bytes] | None = []

    def start(self) -> None:
        self._writer = asyncio.create_task(self._drain(), name=f"writer-{self.user.id}")

    def send(self, frame: bytes) -> None:
        if self._closing is not None:
            return
        if len(self._queue) >= self._queue_max:
            log.warning("send queue full for %s; closing with 1013", self.user.id)
            self.close(CloseCode.OVERLOADED, "too slow to keep up")
            return
        self._queue.append(frame)
        self._wakeup.set()

    def close(self, code: int, reason: str) -> None:
        """Close after the frames already queued (so a final `error` still reaches the client)."""
        if self._closing is None:
            self._closing = (code, reason)
            self._wakeup.set()

    def allow_message(self) -> bool:
        """Token bucket: refill by elapsed time, spend one per incoming message."""
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def _drain(self) -> None:
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                while self._queue:
                    await self.channel.send(self._queue.popleft())
                if self._closing is not None:
                    await self.channel.close(*self._closing)
                    return
        except Exception as exc:  # the transport is gone; the reader side notices too
            log.debug("writer for %s stopped: %s", self.user.id, exc)
        finally:
            self._queue.clear()
            self.closed.set()

    async def stop(self) -> None:
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        self.closed.set()
