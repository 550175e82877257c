"""RFC 6455 framing, server side: parse masked client frames, write unmasked server frames.

This is the hot path of the raw asyncio WebSocket protocol (~10,000 small binary frames a second
on one core), so ``FrameReader.feed`` is written for the common case of one complete small frame
per call: header fields are read by indexing (no ``struct``), the incoming chunk is parsed in
place, and a remainder is kept only when a frame is incomplete. Unmasking uses websockets' C
extension. Everything is validated from the header, before the payload is waited for, so a peer
cannot make us buffer a message we are going to refuse anyway.
"""

from __future__ import annotations

import struct
from enum import IntEnum

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the wheel ships the extension; pure Python is the fallback
    from websockets.utils import apply_mask

__all__ = [
    "FrameReader",
    "MessageTooBig",
    "Opcode",
    "ProtocolError",
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
    """The peer broke RFC 6455; close the connection with ``code`` (1002, 1007 or 1009)."""

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

# Above this size, slicing the payload out of the chunk costs more than wrapping it in a view.
_VIEW_THRESHOLD = 4096

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
    the stream position is lost, the connection must be closed.
    """

    __slots__ = ("_error", "_max", "_need", "_parts", "_pending", "_size", "_started")

    def __init__(self, max_message_bytes: int) -> None:
        self._max = max_message_bytes
        # Bytes of an incomplete frame, and how many the buffer must hold before parsing can
        # progress: waiting for that avoids re-parsing (and re-copying) on every small chunk.
        self._pending = bytearray()
        self._need = 0
        # The fragmented message in progress: its opcode (CONT, which is falsy, when there is
        # none), its fragments and their total size.
        self._started = Opcode.CONT
        self._parts: list[bytes] = []
        self._size = 0
        self._error: ProtocolError | None = None

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Consume a chunk of any size; return the events it completed."""
        if self._error is not None:
            raise self._error
        buf: bytes | bytearray = data
        pending = self._pending
        if pending:
            pending += data
            if len(pending) < self._need:
                return []
            buf = pending
            self._pending = bytearray()
        try:
            return self._parse(buf)
        except ProtocolError as exc:
            self._error = exc
            self._pending = bytearray()
            self._parts = []
            raise

    def _parse(self, buf: bytes | bytearray) -> list[tuple[int, bytes]]:
        events: list[tuple[int, bytes]] = []
        end = len(buf)
        pos = 0
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
                elif not self._started:
                    raise ProtocolError(1002, "continuation frame without a message")
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
                if self._size + length > self._max:
                    raise MessageTooBig(self._size + length, self._max)
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
                self._parts = [payload]
                self._size = length
            elif fin:
                self._parts.append(payload)
                events.append((self._started, b"".join(self._parts)))
                self._started = Opcode.CONT
                self._parts = []
                self._size = 0
            elif length:
                # Empty fragments are skipped: a peer streaming them must not grow our list.
                self._parts.append(payload)
                self._size += length
        return events

    def _keep(
        self, buf: bytes | bytearray, pos: int, need: int, events: list[tuple[int, bytes]]
    ) -> list[tuple[int, bytes]]:
        """Hold the incomplete frame at ``pos`` until the buffer has ``need`` bytes of it."""
        # The buffer is reused as is when it already is our (fully unconsumed) bytearray.
        self._pending = buf if pos == 0 and isinstance(buf, bytearray) else bytearray(buf[pos:])
        self._need = need
        return events
