"""RFC 6455 framing, server side: parse masked client frames, write unmasked server frames.

This is the hot path of the raw asyncio WebSocket protocol (~10,000 small binary frames a second
on one core), so ``FrameReader.feed`` is written for the common case of one complete small frame
per call: header fields are read by indexing (no ``struct``), the incoming chunk is parsed in
place, and a remainder is kept only when a frame is incomplete. Unmasking uses websockets' C
extension. Everything is validated from the header, before the payload is waited for, so a peer
cannot make us buffer a message we are going to refuse anyway.

What a hostile peer can make a reader hold is bounded by the message limit, whatever it sends
(see ``FrameReader``): fragments accumulate into one buffer, a message may arrive in at most
``max_fragments`` frames, and an incomplete frame is completed from the front of the next chunk
instead of gluing whole chunks together.
"""

from __future__ import annotations

import struct
from enum import IntEnum

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the wheel ships the extension; pure Python is the fallback
    from websockets.utils import apply_mask

__all__ = [
    "MAX_HEADER_BYTES",
    "MAX_HELD_OVER_LIMIT",
    "FrameReader",
    "MessageTooBig",
    "Opcode",
    "ProtocolError",
    "TooManyFragments",
    "encode_close",
    "encode_frame",
    "parse_close",
]


class Opcode(IntEnum):
    CONT = 0
    TEXT = 1
    BINARY = 2
    CLOSE = 8
    PING = 9
    PONG = 10


class ProtocolError(Exception):
    """The peer broke RFC 6455 or a bound of ours; close the connection with ``code``
    (1002, 1007, 1008 or 1009)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


class MessageTooBig(ProtocolError):
    """A frame header (or a fragmented message's running total) declared more than the limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(1009, f"message of {size} bytes exceeds the {limit}-byte limit")
        self.size = size
        self.limit = limit


class TooManyFragments(ProtocolError):
    """A fragmented message needed more than ``limit`` frames.

    1008 (policy violation), not 1009: the message may be small (a peer streaming one-byte or
    empty fragments), so "message too big" would be false, and the application's answer to a
    big message (an error telling the client the size limit) would mislead it. Splitting a
    message into a thousand frames is legal RFC 6455 that no browser does; refusing it is our
    policy.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(1008, f"message in more than {limit} fragments")
        self.limit = limit


# Control frames may carry at most 125 bytes (RFC 6455 §5.5), which is also what a close reason
# can use after the two-byte code.
_MAX_CONTROL_PAYLOAD = 125
_MAX_CLOSE_REASON = _MAX_CONTROL_PAYLOAD - 2

# Registered codes a peer may put on the wire (RFC 6455 §7.4.1 and the IANA registry); 1004-1006
# and 1015 are reserved or local-only, 1016-2999 are unassigned, 3000-4999 are for applications.
_WIRE_CLOSE_CODES = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
                               1014})

# Indexing a tuple is cheaper than calling Opcode(...) per frame and doubles as validation.
_OPCODES: tuple[Opcode | None, ...] = tuple(
    Opcode(value) if value in Opcode._value2member_map_ else None for value in range(16)
)

#: The longest frame header a client sends: 2 bytes, 8 of extended length, 4 of mask.
MAX_HEADER_BYTES = 14
#: What a reader may hold beyond the message limit: the received part of one incomplete frame
#: past a message already at the limit. For a data frame that is its header (14 bytes: the
#: header already checked its payload against what the message may still take); a control frame
#: may interrupt the message, and can carry its 125 bytes after a 6-byte header.
MAX_HELD_OVER_LIMIT = 6 + _MAX_CONTROL_PAYLOAD

# Above this size, slicing the payload out of the chunk costs more than wrapping it in a view.
_VIEW_THRESHOLD = 4096

#: What an idle reader holds in place of its two buffers: a bytearray, even empty, is 56 bytes,
#: and all but a few of thousands of sockets are idle. A buffer is made when a frame or a
#: fragmented message is left incomplete, and dropped when it completes.
_EMPTY = b""

_HEADER_16 = struct.Struct("!BBH")
_HEADER_64 = struct.Struct("!BBQ")


def _valid_close_code(code: int) -> bool:
    return code in _WIRE_CLOSE_CODES or 3000 <= code <= 4999


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One server frame: FIN set, unmasked (servers must not mask, RFC 6455 §5.1)."""
    length = len(payload)
    if length < 126:
        return bytes((0x80 | opcode, length)) + payload
    if opcode >= 8:
        # Sending this would make every conforming client fail the connection; it is our bug.
        raise ValueError(f"control frame payload of {length} bytes exceeds 125")
    if length < 65536:
        return _HEADER_16.pack(0x80 | opcode, 126, length) + payload
    return _HEADER_64.pack(0x80 | opcode, 127, length) + payload


def encode_close(code: int, reason: str = "") -> bytes:
    """A complete CLOSE frame; the reason is cut on a character boundary to fit in 125 bytes."""
    if not _valid_close_code(code):
        # 1005/1006/1015 describe a close locally and must never be sent (RFC 6455 §7.4.1).
        raise ValueError(f"close code {code} may not be sent")
    # "replace": a reason built from an exception message may hold lone surrogates; closing
    # must not fail because of that.
    raw = reason.encode("utf-8", "replace")
    if len(raw) > _MAX_CLOSE_REASON:
        # Decoding with "ignore" drops only the character the cut split (the rest was valid).
        raw = raw[:_MAX_CLOSE_REASON].decode("utf-8", "ignore").encode()
    return bytes((0x88, 2 + len(raw), code >> 8, code & 0xFF)) + raw


def parse_close(payload: bytes) -> tuple[int, str]:
    """The (code, reason) of a received CLOSE payload; 1005 when the peer sent no code."""
    if not payload:
        return 1005, ""
    if len(payload) == 1:
        raise ProtocolError(1002, "close payload of one byte")
    code = (payload[0] << 8) | payload[1]
    if not _valid_close_code(code):
        raise ProtocolError(1002, f"invalid close code {code}")
    try:
        reason = payload[2:].decode()
    except UnicodeDecodeError:
        raise ProtocolError(1007, "close reason is not valid UTF-8") from None
    return code, reason


class FrameReader:
    """Turns the client's byte stream into messages and control frames.

    ``feed`` returns ``(opcode, payload)`` events in arrival order: whole TEXT/BINARY messages
    (fragments reassembled) and CLOSE/PING/PONG frames as they arrive, including in the middle
    of a fragmented message. After a ``ProtocolError`` the reader raises it again on every feed:
    the stream position is lost, the connection must be closed. TEXT payloads are not checked
    for UTF-8 here (the protocol does, once per message).

    Memory: between two feeds a reader holds at most ``max_message_bytes + 131`` bytes of its
    peer's data (``held_bytes``; plus a bytearray's growth slack), whatever the input and its
    chunking: the fragments of the message in progress, in one buffer, and the received part of
    one incomplete frame, never more (the next chunk lends it only what it lacks). That frame's
    header was already checked against what the message may still take, so a data frame adds
    at most its 14-byte header to the limit; only a control frame interrupting a message at the
    limit can add its own 131 bytes (``MAX_HELD_OVER_LIMIT``). A message may arrive in at most
    ``max_fragments`` frames (``TooManyFragments``), so a stream of tiny fragments costs neither
    an object per fragment nor unbounded parsing. (The events a feed returns are the caller's:
    the payloads it completed.)

    ``busy`` says whether a frame or a fragmented message is incomplete, and ``unit`` changes
    whenever a feed leaves the reader holding one it did not hold before, so the caller can
    give each a deadline from the chunk that brought its first byte.
    """

    __slots__ = (
        "_error",
        "_fragments",
        "_max",
        "_max_fragments",
        "_message",
        "_need",
        "_pending",
        "_started",
        "unit",
    )

    def __init__(self, max_message_bytes: int, max_fragments: int = 1024) -> None:
        self._max = max_message_bytes
        self._max_fragments = max_fragments
        # Bytes of one incomplete frame (never more: the next chunk only lends it what it
        # lacks), and how many the frame needs before parsing can progress: waiting for that
        # avoids re-parsing on every small chunk.
        self._pending: bytes | bytearray = _EMPTY
        self._need = 0
        # The fragmented message in progress: its opcode (CONT, which is falsy, when there is
        # none), its payload so far and how many frames brought it.
        self._started = Opcode.CONT
        self._message: bytes | bytearray = _EMPTY
        self._fragments = 0
        self._error: ProtocolError | None = None
        #: Incremented when an incomplete frame or a fragmented message begins (see ``busy``).
        self.unit = 0

    @property
    def busy(self) -> bool:
        """A frame or a fragmented message has begun and is not complete yet."""
        return bool(self._pending or self._started)

    @property
    def held_bytes(self) -> int:
        """Peer bytes kept between feeds: at most ``max_message_bytes + MAX_HELD_OVER_LIMIT``."""
        return len(self._pending) + len(self._message)

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Consume a chunk of any size; return the events it completed."""
        if self._error is not None:
            raise self._error
        try:
            if self._pending:
                return self._resume(data)
            return self._parse(data, 0, [])
        except ProtocolError as exc:
            self._error = exc
            self._pending = self._message = _EMPTY
            raise

    def whole_binary(self, data: bytes) -> bytes | None:
        """The unmasked payload when ``data`` is exactly one whole binary frame of at most 125
        bytes and the reader holds nothing: what a browser sends for nearly every message (a
        keystroke's update is ~40 bytes), taken in one step (issue 17: ``feed`` cost two calls,
        a list and a tuple per message). None otherwise, and nothing changes: ``feed`` then
        parses ``data`` the general way. The second byte is the mask bit plus a 7-bit length,
        so comparing it with the chunk's size checks both at once."""
        size = len(data)
        if (not 6 <= size <= 131 or data[0] != 0x82 or data[1] != size + 0x7A
                or size - 6 > self._max or self._pending or self._started
                or self._error is not None):
            return None
        return apply_mask(data[6:], data[2:6])

    def _resume(self, data: bytes) -> list[tuple[int, bytes]]:
        """Complete the held frame from the front of ``data``, then parse the rest in place."""
        pending = self._pending
        # Only a frame ``_keep`` held gets here, in the bytearray it made: grown in place.
        assert isinstance(pending, bytearray)
        size = len(data)
        offset = 0
        # At most three steps: the 2-byte header, its extended length, the rest of the frame.
        # Bounded, so that a bug here fails the connection instead of spinning the loop.
        for _ in range(3):
            take = self._need - len(pending)
            rest = size - offset
            if rest < take:
                pending += data if offset == 0 else memoryview(data)[offset:]
                return []
            # Only what the frame lacks is copied (a view spares slicing a large chunk first).
            if offset == 0 and rest == take:
                pending += data
            else:
                pending += memoryview(data)[offset:offset + take]
            offset += take
            # The frame's header may ask for more (a 16- or 64-bit length, then the payload):
            # ``_keep`` sets a new need; left at 0, the frame is complete.
            self._need = 0
            events = self._parse(pending, 0, [])
            if not self._need:
                break
        else:
            raise RuntimeError("frame reader lost its place in the stream")
        self._pending = _EMPTY
        if offset == size:
            return events
        return self._parse(data, offset, events)

    def _parse(
        self, buf: bytes | bytearray, pos: int, events: list[tuple[int, bytes]]
    ) -> list[tuple[int, bytes]]:
        end = len(buf)
        while pos < end:
            if end - pos < 2:
                return self._keep(buf, pos, 2, events)
            b0 = buf[pos]
            b1 = buf[pos + 1]
            if b0 & 0x70:
                raise ProtocolError(1002, "reserved bits set without a negotiated extension")
            if not b1 & 0x80:
                raise ProtocolError(1002, "client frame is not masked")
            code = b0 & 0x0F
            opcode = _OPCODES[code]
            if opcode is None:
                raise ProtocolError(1002, f"unknown opcode {code}")
            fin = b0 & 0x80
            length = b1 & 0x7F
            head = pos + 2
            if code >= 8:
                if length > _MAX_CONTROL_PAYLOAD:
                    raise ProtocolError(1002, "control frame payload over 125 bytes")
                if not fin:
                    raise ProtocolError(1002, "fragmented control frame")
            else:
                if code:
                    if self._started:
                        raise ProtocolError(1002, "new message inside a fragmented message")
                    room = self._max
                elif not self._started:
                    raise ProtocolError(1002, "continuation frame without a message")
                elif self._fragments >= self._max_fragments:
                    # Refused from the header: empty fragments count too, or a peer could
                    # stream them forever without the message ever growing.
                    raise TooManyFragments(self._max_fragments)
                else:
                    room = self._max - len(self._message)
                if length == 126:
                    if end - head < 2:
                        return self._keep(buf, pos, 4, events)
                    length = (buf[head] << 8) | buf[head + 1]
                    head += 2
                elif length == 127:
                    if end - head < 8:
                        return self._keep(buf, pos, 10, events)
                    length = int.from_bytes(buf[head:head + 8], "big")
                    if length >> 63:
                        raise ProtocolError(1002, "64-bit payload length with the top bit set")
                    head += 8
                # Refuse from the header alone, so the payload is never buffered.
                if length > room:
                    raise MessageTooBig(self._max - room + length, self._max)
            start = head + 4
            stop = start + length
            if stop > end:
                return self._keep(buf, pos, stop - pos, events)
            mask = buf[head:start]
            if length < _VIEW_THRESHOLD:
                payload = apply_mask(buf[start:stop], mask)
            else:
                payload = apply_mask(memoryview(buf)[start:stop], mask)
            pos = stop
            if code >= 8 or (fin and code):
                # The common case: a control frame or a whole message in one frame.
                events.append((opcode, payload))
            elif code:
                self._started = opcode
                self._message = bytearray(payload)
                self._fragments = 1
                if buf is not self._pending:
                    # (A first fragment completed from the held frame began earlier, and was
                    # counted when it was held: its message's deadline runs from then.)
                    self.unit += 1
            else:
                # One buffer for the whole message: a fragment costs its bytes, not an object.
                message = self._message
                assert isinstance(message, bytearray)  # made by the first fragment
                message += payload
                self._fragments += 1
                if fin:
                    events.append((self._started, bytes(message)))
                    self._started = Opcode.CONT
                    self._message = _EMPTY
        return events

    def _keep(
        self, buf: bytes | bytearray, pos: int, need: int, events: list[tuple[int, bytes]]
    ) -> list[tuple[int, bytes]]:
        """Hold the incomplete frame at ``pos`` until it has ``need`` bytes."""
        self._need = need
        if buf is not self._pending:
            # A frame that began in this chunk (``_resume`` parses the held one in place).
            self._pending = bytearray(memoryview(buf)[pos:] if pos else buf)
            if not self._started:
                self.unit += 1
        return events
