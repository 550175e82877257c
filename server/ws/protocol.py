"""One server-side WebSocket on a raw asyncio transport, plugged into uvicorn as its ``ws`` class.

Why not ASGI: the ASGI path costs a dict per message each way, a task per socket and awaits per
send; for a room server relaying tens of thousands of ~50-byte updates per second that was a third
of the CPU and most of the memory of an idle connection. Here a frame goes from ``data_received``
straight to the application's ``message`` hook, and ``write`` goes straight to ``transport.write``
(the transport buffers; ``buffered`` lets the application bound a slow peer). No task and no timer
exists per socket once it is open: keep-alive runs on one timer per event loop (``_KeepAlive``),
and only a frame in progress or the close handshake arms a timer of the socket's own.

uvicorn still owns the listening socket and plain HTTP: on an upgrade request its HTTP protocol
replays the request head to us (``data_received``) and hands us the transport. Subclasses route
the request and handle messages; this class knows only RFC 6455.

Every peer is assumed hostile (a viewer link is enough to get here), so each thing it can make us
hold or do has a bound, and each bound hit calls ``limit_hit`` (``offer_room_limit_hits_total``):
the message size and fragment count (``FrameReader``), a deadline per frame or fragmented message
(``message_timeout``), the bytes it leaves unread (``send_buffer_bytes``, also for the pongs and
pings we write on our own), the pings and pongs it sends (``max_control_frames``), and reading
stops while it is not reading us.
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
    TooManyFragments,
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
#: Read per message: a module constant is a dict lookup, an IntEnum member a descriptor call.
_BINARY = Opcode.BINARY


class _KeepAlive:
    """Keep-alive for every open socket of one event loop and ping period, on one timer.

    A timer per socket cost each idle connection ~470 bytes (a TimerHandle, its libuv timer and
    a copy of the contextvars Context; tracemalloc over 4,000 idle sockets). Here sockets sit in
    ``SLICES`` buckets, each checked once a period, their checks spread over the period so the
    work does not land in one tick; a socket costs its set entry (~80 bytes with 4,000 sockets,
    ~35 with 10,000). Each bucket behaves as a socket's own timer did: due a period after it was
    last checked, counted from when that check ran, so a socket's checks stay a period apart
    even after the loop stalled (a peer pinged by one check has the period to answer before the
    next), and the loop's lateness is added once a period, not once a tick. A newcomer joins the
    bucket checked last, so its first check comes 0.9 to 1 period after it opened: a silent peer
    is pinged then and dropped a period later, as before.
    """

    __slots__ = ("_buckets", "_due", "_handle", "_key", "_period", "loop")

    SLICES = 10

    def __init__(self, loop: asyncio.AbstractEventLoop, period: float) -> None:
        self.loop = loop
        self._key = (loop, period)
        self._period = period
        self._buckets: list[set[WebSocketProtocol]] = [set() for _ in range(self.SLICES)]
        # When each bucket is next checked: spread over the coming period.
        now = loop.time()
        self._due = [now + period * (i + 1) / self.SLICES for i in range(self.SLICES)]
        self._handle: asyncio.TimerHandle | None = None

    @classmethod
    def watch(cls, sock: WebSocketProtocol) -> set[WebSocketProtocol]:
        """Check ``sock`` once a period from now on; returns its bucket (to leave it)."""
        key = (sock.loop, sock.ping_seconds)
        sweep = _SWEEPS.get(key)
        if sweep is None:
            sweep = _SWEEPS[key] = cls(sock.loop, sock.ping_seconds)
        due = sweep._due
        bucket = sweep._buckets[due.index(max(due))]
        bucket.add(sock)
        if sweep._handle is None:
            sweep._handle = sweep.loop.call_at(min(due), sweep._sweep)
        return bucket

    def _sweep(self) -> None:
        now = self.loop.time()
        due = self._due
        for i, bucket in enumerate(self._buckets):
            if due[i] <= now:
                due[i] = now + self._period
                # A copy: a socket that is dropped or closes leaves its bucket meanwhile.
                for sock in tuple(bucket):
                    try:
                        sock._keepalive()
                    except Exception:
                        # One socket's failure must not stop the keep-alive of all the others;
                        # it is dropped rather than left unchecked.
                        log.exception("keep-alive check failed; aborting the connection")
                        sock._abandon()
        if any(self._buckets):
            self._handle = self.loop.call_at(min(due), self._sweep)
        else:  # nobody left: no timer, and nothing kept for a loop that may be closed next
            self._handle = None
            del _SWEEPS[self._key]


#: The keep-alive of each (event loop, ping period) that has open sockets.
_SWEEPS: dict[tuple[asyncio.AbstractEventLoop, float], _KeepAlive] = {}

#: A room broadcast hands the same payload to every socket in turn: encode it once.
_last_payload: bytes = b""
_last_frame: bytes = encode_frame(Opcode.BINARY, b"")


class WebSocketProtocol(asyncio.Protocol):
    """RFC 6455 server side: handshake, framing, ping/pong keep-alive, the close handshake."""

    # Thousands of idle sockets per node: no per-instance __dict__.
    __slots__ = (
        "_awaiting_pong",
        "_bucket",
        "_controls",
        "_deadline",
        "_draining",
        "_head",
        "_heard",
        "_reader",
        "_since",
        "_state",
        "_timer",
        "_unit",
        "loop",
        "server_state",
        "transport",
    )

    #: Largest message accepted; a bigger one calls ``too_big`` before its payload is read.
    max_message_bytes = 1 << 20
    #: Frames one message may arrive in; more closes with 1008 (browsers send one per message).
    max_fragments = 1024
    #: Seconds a frame or fragmented message may take from its first byte to its last; a peer
    #: trickling an unfinished frame is closed with 1008 when they run out.
    message_timeout = 60.0
    #: Bytes the peer may leave unread before a write of ours (pong, ping) closes it with 1013.
    send_buffer_bytes = 4 << 20
    #: Pings and pongs a peer may send per keep-alive period (20 s by default) before it is
    #: closed with 1008. A heartbeat needs one or two; a flood of them is parsing work no message
    #: rate limit sees (they are not messages), and a flooder that never reads would otherwise
    #: look alive for ever: every ping is a complete frame.
    max_control_frames = 1000
    #: Keep-alive: a ping after this many seconds without a complete frame; no complete frame by
    #: the next one drops the peer (one in the middle of a frame has its ``message_timeout``).
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
        self._reader = FrameReader(self.max_message_bytes, self.max_fragments)
        self._timer: asyncio.TimerHandle | None = None
        # The incomplete frame or message the reader holds (its ``unit``), when its first byte
        # came, and the timer that checks its deadline.
        self._unit = 0
        self._since = 0.0
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting_pong = False
        self._heard = False
        self._controls = 0
        self._draining = 0
        #: The keep-alive bucket this socket is checked in while open (see ``_KeepAlive``).
        self._bucket: set[WebSocketProtocol] | None = None

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

    def limit_hit(self, name: str) -> None:
        """A bound was reached (``name``: the setting behind it, e.g. "max_fragments")."""

    # -- what the application calls ---------------------------------------------------------

    def write(self, payload: bytes) -> None:
        """Send one binary message; ignored once closing."""
        global _last_payload, _last_frame
        if self._state == _OPEN:
            if payload is not _last_payload:
                _last_payload, _last_frame = payload, encode_frame(_BINARY, payload)
            self.transport.write(_last_frame)  # type: ignore[union-attr]

    def buffered(self) -> int:
        transport = self.transport
        return transport.get_write_buffer_size() if transport is not None else 0

    def close(self, code: int, reason: str) -> None:
        """Start the close handshake: our close frame after what is written; await theirs."""
        if self._state != _OPEN or self.transport is None:
            return
        self._state = _CLOSING
        self._unwatch()
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
        if self._state == _OPEN:
            # The common case, one whole small binary frame, without the general parser.
            payload = self._reader.whole_binary(data)
            if payload is not None:
                self._heard = True
                self.message(_BINARY, payload)
            else:
                self._frames(data)
        elif self._state == _CLOSING:
            self._frames(data)
        elif self._state == _HANDSHAKE:
            self._handshake(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._state == _CLOSED:
            return
        opened = self._state != _HANDSHAKE
        self._state = _CLOSED
        self._unwatch()
        self._cancel_timer()
        self._cancel_deadline()
        self.server_state.connections.discard(self)
        if opened:
            self.lost()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: tell the client to come back later, then hang up."""
        if self.transport is None:
            return
        if self._state == _OPEN:
            self._state = _CLOSING
            self._unwatch()
            self.transport.write(encode_close(1012, "server restarting"))
        self._draining = self.buffered()
        self.transport.close()
        self._set_timer(self.close_timeout, self._linger)

    def pause_writing(self) -> None:
        """The transport's buffer passed its high-water mark (64 KiB): the peer is not reading.

        Stop reading it until it does: whatever it sends meanwhile (pings above all) would make
        us work and write more it will not read. TCP then pushes back on the peer itself.
        """
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and self._state != _CLOSED:
            self.transport.resume_reading()

    # -- internals --------------------------------------------------------------------------

    def _handshake(self, data: bytes) -> None:
        head = self._head + data
        # Only the new bytes (and the 3 before them) can complete the blank line: a head sent a
        # byte at a time must not be searched from the start 16,000 times.
        end = find_head_end(head, max(0, len(self._head) - 3))
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
        self._bucket = _KeepAlive.watch(self)
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
        reader = self._reader
        try:
            events = reader.feed(data)
        except MessageTooBig as exc:
            self._reader = _DISCARD
            self.limit_hit("max_frame_bytes")
            self.too_big(exc.size)
            return
        except ProtocolError as exc:
            self._reader = _DISCARD
            if isinstance(exc, TooManyFragments):
                self.limit_hit("max_fragments")
            self.close(exc.code, exc.reason)
            return
        # The common case (whole frames, reader idle before and after) is one comparison: the
        # reader counts a new unit whenever it is left holding one it did not hold before.
        if reader.unit != self._unit:
            self._track(reader)
        if not events:
            return
        # Only complete frames count for keep-alive: a trickle of bytes is not a live peer.
        self._heard = True
        controls = 0
        ping: bytes | None = None
        for opcode, payload in events:
            if opcode == Opcode.BINARY:
                if self._state == _OPEN:
                    self.message(opcode, payload)
            elif opcode == Opcode.TEXT:
                if self._state == _OPEN:
                    self._text(payload)
            elif opcode == Opcode.PING:
                ping = payload
                controls += 1
            elif opcode == Opcode.PONG:
                self._awaiting_pong = False
                controls += 1
            else:
                self._on_close_frame(payload)
                return
        if controls and self._state == _OPEN:
            self._on_control_frames(controls, ping)

    def _on_control_frames(self, count: int, ping: bytes | None) -> None:
        """``count`` pings and pongs arrived in one read, ``ping`` the latest ping's payload."""
        self._controls += count
        if self._controls > self.max_control_frames:
            log.info("over %d pings and pongs in %.0f s; closing",
                     self.max_control_frames, self.ping_seconds)
            self.limit_hit("max_control_frames")
            self.close(1008, "too many pings")
        elif ping is not None:
            # RFC 6455 §5.5.3 lets us answer only the latest of several pings: a flood read in
            # one chunk costs one pong, not one per ping.
            self._send_own(encode_frame(Opcode.PONG, ping))

    def _track(self, reader: FrameReader) -> None:
        """A new frame or message began in this chunk: its deadline runs from now, and bytes
        trickling in later never extend it.

        One timer at a time, armed only when none is pending: a peer whose frames often
        straddle reads (a timer per frame would cost ~3 µs each) costs a clock read per frame.
        When the timer fires it finds the reader done, or re-arms for the newest unit's
        remaining time, or closes."""
        self._unit = reader.unit
        if reader.busy:
            self._since = self.loop.time()
            if self._deadline is None:
                self._deadline = self.loop.call_later(self.message_timeout, self._too_slow)

    def _text(self, payload: bytes) -> None:
        try:
            payload.decode()
        except UnicodeDecodeError:
            # RFC 6455 §8.1: text that is not UTF-8 fails the connection with 1007.
            self.limit_hit("invalid_utf8")
            self.close(1007, "text message is not valid UTF-8")
            return
        self.message(Opcode.TEXT, payload)

    def _send_own(self, frame: bytes) -> bool:
        """Write a frame the protocol sends on its own (a pong, a ping) unless the peer already
        leaves more than ``send_buffer_bytes`` unread: then close it with 1013 (overloaded,
        retry), which the linger turns into an abort if it still does not read."""
        transport = self.transport
        assert transport is not None
        if transport.get_write_buffer_size() > self.send_buffer_bytes:
            log.info("peer left over %d bytes unread; closing with 1013", self.send_buffer_bytes)
            self.limit_hit("send_buffer_bytes")
            self.close(1013, "too slow to keep up")
            return False
        transport.write(frame)
        return True

    def _too_slow(self) -> None:
        """The deadline timer: close if the frame or message in progress began more than
        ``message_timeout`` ago."""
        self._deadline = None
        if not self._reader.busy or self._state != _OPEN:
            return  # done in time; or closing, and the linger bounds what is left
        left = self._since + self.message_timeout - self.loop.time()
        if left > 0:  # a newer unit than the one this timer was armed for
            self._deadline = self.loop.call_later(left, self._too_slow)
            return
        log.info("a frame was not completed within %.0f s; closing", self.message_timeout)
        self.limit_hit("message_timeout_s")
        # What is held can never complete now; later bytes are dropped until the hang-up.
        self._reader = _DISCARD
        # 1008 (policy violation), not 1002: a slow frame breaks no rule of RFC 6455, only ours.
        self.close(1008, "message not completed in time")

    def _on_close_frame(self, payload: bytes) -> None:
        if self._state == _OPEN:
            try:
                code, _ = parse_close(payload)
            except ProtocolError as exc:
                code = exc.code
            self._state = _CLOSING
            self._unwatch()
            # Echo the peer's code (RFC 6455 §5.5.1); "no status" is answered with a normal close.
            # One close frame per connection at most, so this write needs no bound of its own.
            self.transport.write(encode_close(1000 if code in (1005, 1006) else code))  # type: ignore[union-attr]
        self._hang_up()

    def _keepalive(self) -> None:
        """Once a period (``_KeepAlive``): ping a peer we heard no complete frame from, and drop
        one that did not answer the previous ping."""
        if self._state != _OPEN:
            self._unwatch()
            return
        if not self._heard:
            # A peer in the middle of a frame cannot answer a ping (a pong cannot interrupt a
            # frame): while the reader holds one, its deadline bounds the peer instead.
            if self._awaiting_pong and not self._reader.busy:
                log.info("no pong within %.0f s; dropping the connection", self.ping_seconds)
                self.limit_hit("ws_ping_seconds")
                self._hang_up()
                return
            if not self._send_own(encode_frame(Opcode.PING, b"")):
                return
            self._awaiting_pong = True
        self._heard = False
        self._controls = 0

    def _abandon(self) -> None:
        self._unwatch()
        if self.transport is not None:
            self.transport.abort()

    def _unwatch(self) -> None:
        """Leave keep-alive: the socket is closing or gone (its last reference from the loop)."""
        if self._bucket is not None:
            self._bucket.discard(self)
            self._bucket = None

    def _linger(self) -> None:
        """No close frame came back, or the transport is closing: hang up once our bytes are
        out, or drop a peer that stopped reading (``transport.close`` alone would wait for it
        forever)."""
        left = self.buffered()
        if left == 0:
            self._hang_up()
        elif left < self._draining:
            self._draining = left
            self._set_timer(self.close_timeout, self._linger)
        else:
            self._cancel_timer()
            self.transport.abort()  # type: ignore[union-attr]

    def _hang_up(self) -> None:
        """Close the transport after what is written, within a linger: a peer that does not
        read it is aborted instead of holding the socket and its buffer forever."""
        transport = self.transport
        if transport is None:
            return
        self._unwatch()
        transport.close()
        left = transport.get_write_buffer_size()
        if left:
            self._draining = left
            self._set_timer(self.close_timeout, self._linger)
        else:
            self._cancel_timer()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

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

    def whole_binary(self, data: bytes) -> bytes | None:
        return None


#: Stateless, so one serves every failed connection.
_DISCARD = _Discard()
