"""The offer socket, ``/ws/offers/{offer_id}``: authenticate, join the room, relay frames, leave.

The socket is accepted before the token is checked because a browser cannot read an HTTP refusal;
a close code (docs/PROTOCOL.md, "Close codes") is the only thing a y-websocket client can act on.
The protocol object is itself the connection's channel (``write``/``buffered``/``close``), so a
room's broadcast is a ``transport.write`` per peer. The only task is the short admission (token,
room load); messages that arrive meanwhile wait in order. Broad exception handling lives only
here, at the connection boundary: log, close with 1011, never swallow silently.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from server.auth import TokenError, is_revoked, verify
from server.http.callers import origin_allowed
from server.http.services import Services
from server.i18n import Lang, pick_lang
from server.rooms.connection import Connection
from server.rooms.registry import NoSuchOffer, Refused
from server.rooms.room import Room
from server.wire import CloseCode, Error, app_frame
from server.ws.frames import Opcode
from server.ws.handshake import HandshakeError, Request
from server.ws.protocol import WebSocketProtocol

log = logging.getLogger("offer_room.socket")

_PREFIX = "/ws/offers/"
#: Read per message: a module constant is a dict lookup, an IntEnum member ~60 ns (issue 17).
_BINARY = Opcode.BINARY
#: Offer ids are ours (16 hex characters); anything else is refused before it reaches a log.
_OFFER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class OfferSocket(WebSocketProtocol):
    """One participant's socket; ``services`` is bound by ``offer_socket_class``."""

    # Per socket, thousands per node: only what an open socket needs. The token and the
    # language are read from the request by the admission and not kept (~300 bytes a token).
    __slots__ = ("conn", "early", "early_size", "gone", "offer_id", "room")

    services: ClassVar[Services]

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # uvicorn's arguments, passed on
        super().__init__(*args, **kwargs)
        self.offer_id = ""
        self.conn: Connection | None = None
        self.room: Room | None = None
        #: Messages received during admission, replayed once the room is joined.
        self.early: list[tuple[int, bytes]] | None = None
        self.early_size = 0
        self.gone = False

    def route(self, request: Request) -> None:
        offer_id = request.path.removeprefix(_PREFIX)
        if not request.path.startswith(_PREFIX) or not _OFFER_ID.fullmatch(offer_id):
            raise HandshakeError(404, "no such endpoint")
        origin = request.headers.get("origin")
        if not origin_allowed(origin, self.services.config):
            # A browser always says which page opened the socket: a page elsewhere holding a
            # leaked link must not act with it (cross-site WebSocket hijacking). Clients that
            # are not browsers send no Origin and are not that threat.
            self.services.metrics.limit_hit("origin")
            log.info("refused a socket for offer %s from origin %s", offer_id, origin)
            raise HandshakeError(403, "origin not allowed")
        self.offer_id = offer_id

    def opened(self, request: Request) -> None:
        self.early = []
        # The reader's language, for what the server writes to them (explanations, advice).
        lang = pick_lang(request.query.get("lang"))
        self.services.tasks.spawn("sockets", self._admit(request.query.get("token", ""), lang),
                                  f"admit-{self.offer_id}")

    async def _admit(self, token: str, lang: Lang) -> None:
        services = self.services
        config = services.config
        try:
            claims = verify(config.secret, token, max_ttl_seconds=config.token_max_ttl_seconds)
        except TokenError as exc:
            self._deny(CloseCode.BAD_TOKEN, str(exc))
            return
        if claims.offer != self.offer_id:
            self._deny(CloseCode.NOT_A_PARTY, "not a party of this offer")
            return
        try:
            revoked = is_revoked(claims, await services.store.revocations(self.offer_id))
        except Exception:
            log.exception("reading revocations of offer %s failed", self.offer_id)
            self._deny(CloseCode.INTERNAL_ERROR, "internal error")
            return
        if revoked:
            self._deny(CloseCode.BAD_TOKEN, "this link was revoked")
            return
        if self.gone:
            return
        conn = Connection(self, claims, send_buffer_bytes=config.send_buffer_bytes,
                          rate_per_second=config.rate_per_second, rate_burst=config.rate_burst)
        conn.lang = lang
        try:
            room = await services.registry.join(self.offer_id, conn)
        except NoSuchOffer:
            self._deny(CloseCode.NO_SUCH_OFFER, "no such offer")
            return
        except Refused as exc:
            self.limit_hit(exc.limit)
            self._deny(CloseCode.TOO_MANY_MESSAGES, exc.reason)
            return
        except Exception:
            log.exception("joining offer %s failed", self.offer_id)
            self._deny(CloseCode.INTERNAL_ERROR, "internal error")
            return
        if self.gone:  # hung up while the room was loading
            await services.registry.leave(room, conn)
            return
        if room.offer_id == self.offer_id:
            # The room's copy of the id: the one read from the path cost a socket 65 bytes.
            self.offer_id = room.offer_id
        self.conn, self.room = conn, room
        log.info("%s (%s) joined offer %s", claims.sub, claims.role, self.offer_id)
        early, self.early = self.early or [], None
        for opcode, payload in early:
            self.message(opcode, payload)

    def _deny(self, code: int, reason: str) -> None:
        log.info("refused a socket for offer %s: %s (%d)", self.offer_id, reason, code)
        self.services.metrics.closed_socket(code)
        self.close(code, reason)

    def message(self, opcode: int, payload: bytes) -> None:
        conn, room = self.conn, self.room
        if conn is None or room is None:
            self._hold(opcode, payload)
            return
        if opcode != _BINARY:
            conn.send(app_frame(Error(code="bad_frame", message="text frames are not supported")))
            return
        if not conn.allow_message():
            self.services.metrics.closed_socket(CloseCode.TOO_MANY_MESSAGES)
            self.limit_hit("messages")
            conn.close(CloseCode.TOO_MANY_MESSAGES, "too many messages")
            return
        try:
            room.receive(conn, payload)
        except Exception:
            log.exception("connection of %s to offer %s failed", conn.user.id, self.offer_id)
            conn.close(CloseCode.INTERNAL_ERROR, "internal error")

    def _hold(self, opcode: int, payload: bytes) -> None:
        """A message before the admission joined the room: kept until it ends (dropped after
        it failed), bounded in bytes (count alone let 256 messages of 2 MiB each through),
        the same budget as the room's hold before sync step 2."""
        if self.early is None:
            return
        self.early_size += len(payload)
        if self.early_size > self.services.config.held_bytes:
            self.limit_hit("held_bytes")
            self.early = None
            self.gone = True  # admission, still running, must not join the room
            self._deny(CloseCode.TOO_MANY_MESSAGES, "too much sent before admission")
        else:
            self.early.append((opcode, payload))

    def limit_hit(self, name: str) -> None:
        self.services.metrics.limit_hit(name)

    def too_big(self, size: int) -> None:
        limit = self.max_message_bytes
        self.services.metrics.closed_socket(CloseCode.FRAME_TOO_LARGE)
        self.write(app_frame(Error(code="too_large", message=f"frames are limited to "
                                   f"{limit} bytes")))
        self.close(CloseCode.FRAME_TOO_LARGE, "frame too large")

    def lost(self) -> None:
        self.gone = True
        self.early = None
        conn, room = self.conn, self.room
        if conn is None or room is None:
            return
        self.conn = self.room = None
        log.info("%s left offer %s", conn.user.id, self.offer_id)
        self.services.tasks.spawn("sockets", self.services.registry.leave(room, conn),
                                  f"leave-{self.offer_id}")


def offer_socket_class(services: Services) -> type[OfferSocket]:
    """The protocol class uvicorn instantiates per upgraded connection, bound to our services."""
    config = services.config
    return type("BoundOfferSocket", (OfferSocket,), {
        "__slots__": (),
        "services": services,
        "max_message_bytes": config.max_frame_bytes,
        "ping_seconds": config.ws_ping_seconds,
        "max_fragments": config.max_fragments,
        "max_control_frames": config.max_control_frames,
        "message_timeout": config.message_timeout_s,
        "send_buffer_bytes": config.send_buffer_bytes,
    })
