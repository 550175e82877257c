"""One participant's socket: identity, a bounded send buffer and a message-rate budget.

The room never awaits a client. ``send`` hands a frame straight to the transport (no task, no
queue of our own: the transport already buffers); a slow client only grows its own write buffer,
and once that passes ``send_buffer_bytes`` it is closed with 1013 (overloaded, retry) instead of
stalling everyone else or growing memory without bound.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from server.auth import ROLE_COLORS, Claims
from server.i18n import DEFAULT, Lang
from server.rooms.budget import CostBudget
from server.wire import CloseCode, UserInfo

log = logging.getLogger("offer_room.connection")


class Channel(Protocol):
    """What a connection needs from a transport (a WebSocket, or an in-memory pair in tests)."""

    def write(self, frame: bytes) -> None:
        """Queue one message for the peer; never blocks."""

    def buffered(self) -> int:
        """Bytes handed to ``write`` that the peer has not taken yet."""

    def close(self, code: int, reason: str) -> None:
        """Close after what was already written (so a final ``error`` still arrives)."""


class Connection:
    __slots__ = (
        "__weakref__",
        "_burst",
        "_closing",
        "_limit",
        "_rate",
        "_stamp",
        "_tokens",
        "budget",
        "channel",
        "claims",
        "held",
        "held_size",
        "lang",
        "user",
    )

    def __init__(
        self,
        channel: Channel,
        claims: Claims,
        *,
        send_buffer_bytes: int,
        rate_per_second: float,
        rate_burst: float,
    ) -> None:
        self.channel = channel
        self.claims = claims
        self.user = UserInfo(
            id=claims.sub, name=claims.name, role=claims.role, color=ROLE_COLORS[claims.role]
        )
        #: Live updates the client sent before its sync step 2 (see Room._on_sync), and their
        #: bytes (bounded by the room's ``held_bytes``).
        #: The language this socket reads in (the URL's ``lang`` query, then ``set_language``).
        self.lang: Lang = DEFAULT
        self.held: list[bytes] | None = []
        self.held_size = 0
        #: The work this user may still make the room do (the room hands it out on join: one
        #: per user, so a reconnect does not refill it).
        self.budget = CostBudget(0.0, 0.0)
        self._limit = send_buffer_bytes
        self._closing: tuple[int, str] | None = None
        self._rate = rate_per_second
        self._burst = rate_burst
        self._tokens = rate_burst
        self._stamp = time.monotonic()

    @property
    def identity(self) -> dict[str, Any]:
        """Who this is, as presence states and change attributions show them.

        Built when asked (a presence update or a first edit, never per frame sent): kept, the
        dict cost every idle connection ~190 bytes."""
        user = self.user
        return {"id": user.id, "name": user.name, "role": user.role, "color": user.color}

    @property
    def closing(self) -> bool:
        return self._closing is not None

    def send(self, frame: bytes) -> None:
        if self._closing is not None:
            return
        if self.channel.buffered() > self._limit:
            log.warning("send buffer full for %s; closing with 1013", self.user.id)
            self.close(CloseCode.OVERLOADED, "too slow to keep up")
            return
        self.channel.write(frame)

    def close(self, code: int, reason: str) -> None:
        """Close after the frames already sent; later sends and closes are ignored."""
        if self._closing is None:
            self._closing = (code, reason)
            self.channel.close(code, reason)

    def allow_message(self) -> bool:
        """Token bucket: refill by elapsed time, spend one per incoming message."""
        now = time.monotonic()
        tokens = self._tokens + (now - self._stamp) * self._rate
        # Not min(): the builtin parses keyword arguments on every call (issue 17).
        self._tokens = tokens if tokens < self._burst else self._burst
        self._stamp = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
