"""One server-side WebSocket on a raw asyncio transport, plugged into uvicorn as its ``ws`` class.

Why not ASGI: the ASGI path costs a dict per message each way, a task per socket and awaits per
send; for a room server relaying tens of thousands of ~50-byte updates per second that was a third
of the CPU and most of the memory of an idle connection. Here a frame goes from ``data_received``
straight to the application's ``message`` hook, and ``write`` goes straight to ``transport.write``
(the transport buffers; ``buffered`` lets the application bound a slow peer). No task exists per
socket once it is open; keep-alive pings and the close handshake run on loop timers.

uvicorn still owns the listening socket and plain HTTP: on an upgrade request its HTTP protocol
replays the request head to us (``data_received``) and hands us the transport. Subclasses route
the request and handle messages; this class knows only RFC 6455.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any, cast

from uvicorn.config import Config as UvicornConfig
from uvicorn.server import ServerState

from server.ws.frames import (
    FrameReader,
    MessageTooBig,
    Opcode,
    ProtocolError,
    encode_close,
    encode_frame,
    parse_close,
)
from server.ws.handshake import (
    MAX_HEAD_BYTES,
    HandshakeError,
    Request,
    accept_response,
    error_response,
    find_head_end,
    parse_request,
)

log = logging.getLogger("offer_room.ws")

_HANDSHAKE, _OPEN, _CLOSING, _CLOSED = range(4)

#: A room broadcast hands the same payload to every socket in turn: encode it once.
_last_payload: bytes = b""
_last_frame: bytes = encode_frame(Opcode.BINARY, b"")


def _binary_frame(payload: bytes) -> bytes:
    global _last_payload, _last_frame
    if payload is not _last_payload:
        _last_payload, _last_frame = payload, encode_frame(Opcode.BINARY, payload)
    return _last_frame


class WebSocketProtocol(asyncio.Protocol):
    """RFC 6455 server side: handshake, framing, ping/pong keep-alive, the close handshake."""

    # Thousands of idle sockets per node: no per-instance __dict__.
    __slots__ = (
        "_awaiting_pong",
        "_draining",
        "_head",
        "_heard",
        "_reader",
        "_state",
        "_timer",
        "loop",
        "server_state",
        "transport",
    )

    #: Largest message accepted; a bigger one calls ``too_big`` before its payload is read.
    max_message_bytes = 1 << 20
    #: Keep-alive: a ping after this many idle seconds; no pong by the next one drops the peer.
    ping_seconds = 20.0
    #: How long to wait for the peer's close frame after sending ours.
    close_timeout = 2.0

    def __init__(
        self,
        config: UvicornConfig,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.loop = _loop or asyncio.get_running_loop()
        self.server_state = server_state
        self.transport: asyncio.Transport | None = None
        self._state = _HANDSHAKE
        self._head = b""
        self._reader = FrameReader(self.max_message_bytes)
        self._timer: asyncio.TimerHandle | None = None
        self._awaiting_pong = False
        self._heard = False
        self._draining = 0

    # -- hooks for subclasses ---------------------------------------------------------------

    def route(self, request: Request) -> None:
        """Check the request before accepting it; raise HandshakeError (e.g. 404) to refuse."""

    def opened(self, request: Request) -> None:
        """The 101 response is written; messages may follow at once."""

    def message(self, opcode: int, payload: bytes) -> None:
        """A complete TEXT or BINARY message."""

    def too_big(self, size: int) -> None:
        self.close(1009, f"message of {size} bytes is too big")

    def lost(self) -> None:
        """The transport is gone (after a close handshake or not); called once."""

    # -- what the application calls ---------------------------------------------------------

    def write(self, payload: bytes) -> None:
        """Send one binary message; ignored once closing."""
        if self._state == _OPEN:
            self.transport.write(_binary_frame(payload))  # type: ignore[union-attr]

    def buffered(self) -> int:
        transport = self.transport
        return transport.get_write_buffer_size() if transport is not None else 0

    def close(self, code: int, reason: str) -> None:
        """Start the close handshake: our close frame after what is written; await theirs."""
        if self._state != _OPEN or self.transport is None:
            return
        self._state = _CLOSING
        self.transport.write(encode_close(code, reason))
        self._draining = self.buffered()
        self._set_timer(self.close_timeout, self._linger)

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Small frames written back to back (hello then step 1; two fan-outs) must not wait
            # for the peer's delayed ACK (~40 ms) under Nagle's algorithm; Node's ws does the same.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server_state.connections.add(self)  # type: ignore[arg-type]

    def data_received(self, data: bytes) -> None:
        if self._state == _OPEN or self._state == _CLOSING:
            self._frames(data)
        elif self._state == _HANDSHAKE:
            self._handshake(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._state == _CLOSED:
            return
        opened = self._state != _HANDSHAKE
        self._state = _CLOSED
        self._cancel_timer()
        self.server_state.connections.discard(self)
        if opened:
            self.lost()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: tell the client to come back later, then hang up."""
        if self.transport is None:
            return
        if self._state == _OPEN:
            self._state = _CLOSING
            self.transport.write(encode_close(1012, "server restarting"))
        self._draining = self.buffered()
        self.transport.close()
        self._set_timer(self.close_timeout, self._linger)

    # -- internals --------------------------------------------------------------------------

    def _handshake(self, data: bytes) -> None:
        head = self._head + data
        end = find_head_end(head)
        try:
            if end < 0:
                if len(head) > MAX_HEAD_BYTES:
                    raise HandshakeError(431, "request head too large")
                self._head = head
                return
            request = parse_request(head[:end])
            self.route(request)
        except HandshakeError as exc:
            self._refuse(exc)
            return
        self._head = b""
        assert self.transport is not None
        self.transport.write(accept_response(request.key))
        self._state = _OPEN
        self._set_timer(self.ping_seconds, self._keepalive)
        self.opened(request)
        rest = head[end:]
        if rest and self._state != _CLOSED:
            self._frames(rest)

    def _refuse(self, exc: HandshakeError) -> None:
        assert self.transport is not None
        self.transport.write(error_response(exc.status, exc.message, exc.headers))
        self._state = _CLOSED
        self.server_state.connections.discard(self)
        self.transport.close()

    def _frames(self, data: bytes) -> None:
        self._heard = True
        try:
            events = self._reader.feed(data)
        except MessageTooBig as exc:
            self._reader = _Discard()
            self.too_big(exc.size)
            return
        except ProtocolError as exc:
            self._reader = _Discard()
            self.close(exc.code, exc.reason)
            return
        for opcode, payload in events:
            if opcode == Opcode.BINARY or opcode == Opcode.TEXT:
                if self._state == _OPEN:
                    self.message(opcode, payload)
            elif opcode == Opcode.PING:
                if self._state == _OPEN:
                    self.transport.write(encode_frame(Opcode.PONG, payload))  # type: ignore[union-attr]
            elif opcode == Opcode.PONG:
                self._awaiting_pong = False
            else:
                self._on_close_frame(payload)
                return

    def _on_close_frame(self, payload: bytes) -> None:
        if self._state == _OPEN:
            try:
                code, _ = parse_close(payload)
            except ProtocolError as exc:
                code = exc.code
            self._state = _CLOSING
            # Echo the peer's code (RFC 6455 §5.5.1); "no status" is answered with a normal close.
            self.transport.write(encode_close(1000 if code in (1005, 1006) else code))  # type: ignore[union-attr]
        self._abort()

    def _keepalive(self) -> None:
        if self._state != _OPEN:
            return
        if self._awaiting_pong and not self._heard:
            log.info("no pong within %.0f s; dropping the connection", self.ping_seconds)
            self._abort()
            return
        if not self._heard:
            self._awaiting_pong = True
            self.transport.write(encode_frame(Opcode.PING, b""))  # type: ignore[union-attr]
        self._heard = False
        self._set_timer(self.ping_seconds, self._keepalive)

    def _linger(self) -> None:
        """No close frame came back: hang up once our bytes are out, or drop a peer that stopped
        reading (``transport.close`` alone would wait for it forever)."""
        left = self.buffered()
        if left == 0:
            self._abort()
        elif left < self._draining:
            self._draining = left
            self._set_timer(self.close_timeout, self._linger)
        else:
            self._cancel_timer()
            self.transport.abort()  # type: ignore[union-attr]

    def _abort(self) -> None:
        self._cancel_timer()
        if self.transport is not None:
            self.transport.close()

    def _set_timer(self, delay: float, callback: Any) -> None:
        self._cancel_timer()
        self._timer = self.loop.call_later(delay, callback)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class _Discard(FrameReader):
    """After a framing error nothing more can be parsed; bytes until the hang-up are dropped."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(0)

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        return []
