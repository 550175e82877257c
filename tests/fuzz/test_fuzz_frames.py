"""Property-based tests of the frame reader and the protocol on top of it.

Whatever a peer sends, in whatever chunks TCP hands it over: the reader raises nothing but
``ProtocolError`` (``MessageTooBig`` and ``TooManyFragments`` are ones), never holds more than
the message limit plus ``MAX_HELD_OVER_LIMIT`` between feeds, and yields the same events (and
the same error) however the stream is chunked. Well-formed streams of masked frames, split at
every point, give back exactly the messages that were sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.ws.frames import (
    MAX_HELD_OVER_LIMIT,
    FrameReader,
    Opcode,
    ProtocolError,
)
from server.ws.protocol import WebSocketProtocol

# Small bounds, so that random streams reach them often.
LIMIT = 100
FRAGMENTS = 4
HELD_MAX = LIMIT + MAX_HELD_OVER_LIMIT

Event = tuple[int, bytes]


def encode(
    opcode: int,
    payload: bytes,
    mask: bytes | None,
    *,
    fin: bool = True,
    rsv: int = 0,
    form: int = 0,
    declared: int | None = None,
) -> bytes:
    """A client frame. ``form`` 0 is the shortest length encoding, 1 forces the 16-bit and 2 the
    64-bit one (RFC 6455 wants the shortest; our reader accepts any). ``declared`` lies about
    the length; ``mask=None`` sends the frame unmasked."""
    length = len(payload) if declared is None else declared
    head = bytearray([(0x80 if fin else 0) | rsv | opcode])
    bit = 0x80 if mask is not None else 0
    if form == 0 and length < 126:
        head.append(bit | length)
    elif form <= 1 and length < 65536:
        head.append(bit | 126)
        head += length.to_bytes(2, "big")
    else:
        head.append(bit | 127)
        head += length.to_bytes(8, "big")
    if mask is None:
        return bytes(head) + payload
    return bytes(head) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` in chunks of the given sizes, cycled until it is used up."""
    chunks: list[bytes] = []
    pos = 0
    turn = 0
    while pos < len(data):
        size = sizes[turn % len(sizes)]
        chunks.append(data[pos:pos + size])
        pos += size
        turn += 1
    return chunks


def run(reader: FrameReader, chunks: list[bytes]) -> tuple[list[Event], str | None]:
    """Feed ``chunks``; the events and, if the stream was refused, the error. Checks the memory
    bound after every feed and that a failed reader stays failed."""
    events: list[Event] = []
    for chunk in chunks:
        try:
            events += reader.feed(chunk)
        except ProtocolError as exc:
            assert exc.code in (1002, 1008, 1009)
            assert reader.held_bytes == 0  # what it held is released at once
            with pytest.raises(ProtocolError):
                reader.feed(b"")
            return events, f"{type(exc).__name__} {exc}"
        assert reader.held_bytes <= HELD_MAX
        assert reader.busy or reader.held_bytes == 0
    return events, None


def check_events(events: list[Event]) -> None:
    for opcode, payload in events:
        assert type(payload) is bytes
        if opcode in (Opcode.TEXT, Opcode.BINARY):
            assert len(payload) <= LIMIT
        else:
            assert opcode in (Opcode.CLOSE, Opcode.PING, Opcode.PONG)
            assert len(payload) <= 125


# --- hostile streams ----------------------------------------------------------------------------

masks = st.binary(min_size=4, max_size=4)

# Built once: a strategy built inside a composite is validated again on every draw.
_opcodes = st.sampled_from([0, 0, 0, 1, 2, 2, 8, 9, 9, 10, 3, 7, 11, 15])
_payloads = st.binary(max_size=130)
_declared = st.one_of(
    st.none(), st.none(), st.none(),
    st.integers(0, 200), st.sampled_from([LIMIT, LIMIT + 1, 65536, 2**63 - 1, 2**64 - 1]),
)
_forms = st.sampled_from([0, 0, 0, 1, 2])
_masks_or_none = st.one_of(masks, masks, masks, st.none())
_rsv = st.sampled_from([0, 0, 0, 0, 0x10, 0x20, 0x40])


@st.composite
def hostile_frame(draw: st.DrawFn) -> bytes:
    """A frame with each header field mostly right and sometimes wrong."""
    opcode = draw(_opcodes)
    payload = draw(_payloads)
    declared = draw(_declared)
    form = 2 if declared is not None and declared >= 65536 else draw(_forms)
    return encode(opcode, payload, draw(_masks_or_none), fin=draw(st.booleans()),
                  rsv=draw(_rsv), form=form, declared=declared)


hostile_streams = st.one_of(
    st.binary(max_size=400),
    st.builds(
        lambda frames, tail: b"".join(frames) + tail,
        st.lists(hostile_frame(), max_size=8),
        st.binary(max_size=16),
    ),
)
chunk_sizes = st.lists(st.integers(1, 64), min_size=1, max_size=8)


@given(hostile_streams, chunk_sizes)
def test_any_stream_in_any_chunks_is_parsed_or_refused_the_same_way(
    data: bytes, sizes: list[int]
) -> None:
    # One byte at a time is the reference: every other chunking must agree with it.
    expected, expected_error = run(FrameReader(LIMIT, FRAGMENTS), [bytes([b]) for b in data])
    events, error = run(FrameReader(LIMIT, FRAGMENTS), split(data, sizes))
    check_events(expected)
    assert error == expected_error
    if error is None:
        assert events == expected
    else:
        # The chunk that failed loses the events it completed; the rest are the same.
        assert events == expected[:len(events)]
    whole, whole_error = run(FrameReader(LIMIT, FRAGMENTS), [data])
    assert whole_error == expected_error
    assert whole == (expected if error is None else [])


@given(st.lists(st.binary(max_size=64), max_size=40))
def test_garbage_after_a_partial_frame_never_grows_the_reader(chunks: list[bytes]) -> None:
    # A frame declaring just under the limit, then anything: the reader holds at most the frame.
    reader = FrameReader(LIMIT, FRAGMENTS)
    run(reader, [encode(Opcode.BINARY, b"x" * LIMIT, b"\x01\x02\x03\x04")[:-1], *chunks])


# --- well-formed streams ------------------------------------------------------------------------


_controls = st.sampled_from([Opcode.PING, Opcode.PONG])
_data_opcodes = st.sampled_from([Opcode.TEXT, Opcode.BINARY])
_data_forms = st.sampled_from([0, 0, 1, 2])
_one_in_four = st.integers(0, 3)
_close_payloads = st.sampled_from([b"", b"\x03\xe8", b"\x03\xe9going away"])


@st.composite
def conversation(
    draw: st.DrawFn, max_messages: int = 4, max_payload: int = LIMIT
) -> tuple[bytes, list[Event]]:
    """Messages (some fragmented, with control frames between their fragments) and control
    frames, masked with random keys in random length forms; and the events they must give."""
    frames: list[bytes] = []
    expected: list[Event] = []
    payloads = st.binary(max_size=max_payload)
    control_payloads = st.binary(max_size=min(125, max_payload))
    cut_lists = st.lists(st.integers(0, max_payload), max_size=FRAGMENTS - 1)

    def control() -> None:
        opcode = draw(_controls)
        payload = draw(control_payloads)
        frames.append(encode(opcode, payload, draw(masks)))  # control lengths: 7-bit only
        expected.append((opcode, payload))

    for _ in range(draw(st.integers(0, max_messages))):
        if draw(st.booleans()):
            control()
        opcode = draw(_data_opcodes)
        payload = draw(payloads)
        cuts = sorted(min(cut, len(payload)) for cut in draw(cut_lists))
        pieces = [payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(payload)], strict=True)]
        for i, piece in enumerate(pieces):
            if i and draw(_one_in_four) == 0:
                control()
            frames.append(encode(
                opcode if i == 0 else Opcode.CONT, piece, draw(masks),
                fin=i == len(pieces) - 1, form=draw(_data_forms),
            ))
        expected.append((opcode, payload))
    if draw(st.booleans()):
        payload = draw(_close_payloads)
        frames.append(encode(Opcode.CLOSE, payload, draw(masks)))
        expected.append((Opcode.CLOSE, payload))
    return b"".join(frames), expected


# Every split point costs a parse of the whole stream: short streams (up to ~400 bytes).
@given(conversation(max_messages=3, max_payload=40))
def test_a_well_formed_stream_split_at_every_point_gives_its_messages(
    case: tuple[bytes, list[Event]],
) -> None:
    stream, expected = case
    for i in range(len(stream) + 1):
        reader = FrameReader(LIMIT, FRAGMENTS)
        events, error = run(reader, [stream[:i], stream[i:]])
        assert error is None
        assert events == expected
        assert not reader.busy and reader.held_bytes == 0


@given(conversation(), chunk_sizes)
def test_a_well_formed_stream_in_any_chunks_gives_its_messages(
    case: tuple[bytes, list[Event]], sizes: list[int]
) -> None:
    stream, expected = case
    reader = FrameReader(LIMIT, FRAGMENTS)
    events, error = run(reader, split(stream, sizes))
    assert error is None
    assert events == expected
    assert not reader.busy and reader.held_bytes == 0


# --- the protocol on top ------------------------------------------------------------------------


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "wrote after close"
        self.out += data

    def get_write_buffer_size(self) -> int:
        return 0

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class _State:
    def __init__(self) -> None:
        self.connections: set[Any] = set()


class _Recorder(WebSocketProtocol):
    __slots__ = ("messages",)
    max_message_bytes = LIMIT
    max_fragments = FRAGMENTS

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(None, _State(), {}, _loop=loop)  # type: ignore[arg-type]
        self.messages: list[Event] = []

    def message(self, opcode: int, payload: bytes) -> None:
        self.messages.append((opcode, payload))


_HEAD = (b"GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
         b"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n")


def _server_frames(data: bytes) -> list[Event]:
    """The unmasked frames the server wrote (ours are all under 126 bytes)."""
    frames: list[Event] = []
    pos = 0
    while pos < len(data):
        length = data[pos + 1]
        assert length < 126
        frames.append((data[pos] & 0x0F, data[pos + 2:pos + 2 + length]))
        pos += 2 + length
    return frames


@given(hostile_streams, chunk_sizes, st.booleans())
def test_the_protocol_survives_any_stream_and_answers_within_bounds(
    data: bytes, sizes: list[int], pipelined: bool
) -> None:
    loop = asyncio.new_event_loop()
    try:
        proto, transport = _Recorder(loop), _Transport()
        proto.connection_made(transport)
        chunks = split(data, sizes)
        if pipelined and chunks:  # frames right behind the request head, in the same read
            chunks[0] = _HEAD + chunks[0]
        else:
            chunks.insert(0, _HEAD)
        for chunk in chunks:
            proto.data_received(chunk)
        head, _, rest = bytes(transport.out).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101")
        written = _server_frames(rest)
        # One pong at most per read, one close frame at most, ever.
        assert sum(1 for op, _ in written if op == Opcode.PONG) <= max(1, len(chunks))
        assert sum(1 for op, _ in written if op == Opcode.CLOSE) <= 1
        for opcode, payload in proto.messages:
            assert len(payload) <= LIMIT
            if opcode == Opcode.TEXT:
                payload.decode()  # invalid UTF-8 never reaches the application
        proto.connection_lost(None)
    finally:
        loop.close()
