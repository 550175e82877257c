"""RFC 6455 framing: our reader against a masking client encoder, and both against websockets."""

from __future__ import annotations

import os
import random
import tracemalloc

import pytest
from websockets.frames import Close, Frame
from websockets.frames import Opcode as WsOpcode
from websockets.streams import StreamReader

from server.ws.frames import (
    MAX_HEADER_BYTES,
    MAX_HELD_OVER_LIMIT,
    FrameReader,
    MessageTooBig,
    Opcode,
    ProtocolError,
    TooManyFragments,
    encode_close,
    encode_frame,
    parse_close,
)

LIMIT = 1 << 20
SIZES = [0, 1, 125, 126, 65535, 65536, 200000]
RNG = random.Random(6455)


def client_frame(
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    rsv: int = 0,
    masked: bool = True,
) -> bytes:
    """What a browser sends: a frame masked with a random key, in the shortest length form."""
    head = bytearray([(0x80 if fin else 0) | rsv | opcode])
    mask_bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head.append(mask_bit | n)
    elif n < 65536:
        head.append(mask_bit | 126)
        head += n.to_bytes(2, "big")
    else:
        head.append(mask_bit | 127)
        head += n.to_bytes(8, "big")
    if not masked:
        return bytes(head) + payload
    mask = RNG.randbytes(4)
    masked_payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes(head) + mask + masked_payload


def feed_in_chunks(reader: FrameReader, data: bytes, sizes: list[int]) -> list[tuple[int, bytes]]:
    events: list[tuple[int, bytes]] = []
    pos = 0
    for size in sizes:
        events += reader.feed(data[pos:pos + size])
        pos += size
    assert pos == len(data)
    return events


def ws_client_parse(data: bytes) -> list[Frame]:
    """Parse server frames with websockets' own client-side parser."""
    stream = StreamReader()
    stream.feed_data(data)
    stream.feed_eof()
    frames: list[Frame] = []
    while stream.buffer:
        parser = Frame.parse(stream.read_exact, mask=False)
        with pytest.raises(StopIteration) as done:
            next(parser)
        frames.append(done.value.value)
    return frames


def raises_protocol_error(reader: FrameReader, data: bytes, code: int) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        reader.feed(data)
    assert caught.value.code == code
    # The stream position is lost: the reader stays failed.
    with pytest.raises(ProtocolError):
        reader.feed(client_frame(Opcode.BINARY, b"x"))
    return caught.value


# --- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("opcode", [Opcode.TEXT, Opcode.BINARY])
def test_round_trip_every_length_form(opcode: Opcode, size: int) -> None:
    payload = os.urandom(size)
    events = FrameReader(LIMIT).feed(client_frame(opcode, payload))
    assert events == [(opcode, payload)]
    assert type(events[0][0]) is Opcode
    assert type(events[0][1]) is bytes


def _mixed_stream() -> tuple[bytes, list[tuple[int, bytes]]]:
    """Small and large messages, control frames and a fragmented message, back to back."""
    parts: list[bytes] = []
    expected: list[tuple[int, bytes]] = []
    for size in [0, 1, 20, 125, 126, 300, 70000]:
        payload = os.urandom(size)
        parts.append(client_frame(Opcode.BINARY, payload))
        expected.append((Opcode.BINARY, payload))
    parts.append(client_frame(Opcode.PING, b"are you there"))
    expected.append((Opcode.PING, b"are you there"))
    parts += [
        client_frame(Opcode.TEXT, b"frag", fin=False),
        client_frame(Opcode.PONG, b""),
        client_frame(Opcode.CONT, b"mented " * 40, fin=False),
        client_frame(Opcode.CONT, b"text", fin=True),
    ]
    expected += [(Opcode.PONG, b""), (Opcode.TEXT, b"frag" + b"mented " * 40 + b"text")]
    parts.append(client_frame(Opcode.CLOSE, encode_close(1000, "bye")[2:]))
    expected.append((Opcode.CLOSE, b"\x03\xe8bye"))
    return b"".join(parts), expected


def test_whole_stream_in_one_feed() -> None:
    stream, expected = _mixed_stream()
    assert FrameReader(LIMIT).feed(stream) == expected


def test_byte_by_byte_equals_whole() -> None:
    stream, expected = _mixed_stream()
    assert feed_in_chunks(FrameReader(LIMIT), stream, [1] * len(stream)) == expected


@pytest.mark.parametrize("seed", range(20))
def test_random_chunking_equals_whole(seed: int) -> None:
    stream, expected = _mixed_stream()
    rng = random.Random(seed)
    sizes: list[int] = []
    left = len(stream)
    while left:
        size = min(left, rng.choice([1, 2, 3, 5, 7, 11, 64, 1000, 40000]))
        sizes.append(size)
        left -= size
    assert feed_in_chunks(FrameReader(LIMIT), stream, sizes) == expected


@pytest.mark.parametrize("size", [5, 300, 70000])
def test_every_split_of_a_frame_between_two_feeds(size: int) -> None:
    # The second feed completes the header (1, 2 or 3 steps) and then exactly the payload, or
    # the frame and the start of the next one.
    payload = os.urandom(size)
    frame = client_frame(Opcode.BINARY, payload)
    after = client_frame(Opcode.BINARY, b"next")
    for i in {*range(1, min(16, len(frame))), len(frame) // 2, len(frame) - 1}:
        reader = FrameReader(LIMIT)
        assert reader.feed(frame[:i]) == []
        assert reader.feed(frame[i:]) == [(Opcode.BINARY, payload)]
        assert reader.held_bytes == 0
        reader = FrameReader(LIMIT)
        assert reader.feed(frame[:i]) == []
        assert reader.feed(frame[i:] + after[:3]) == [(Opcode.BINARY, payload)]
        assert reader.feed(after[3:]) == [(Opcode.BINARY, b"next")]


def test_several_small_frames_in_one_chunk() -> None:
    payloads = [os.urandom(n) for n in (20, 60, 200, 3)]
    chunk = b"".join(client_frame(Opcode.BINARY, p) for p in payloads)
    assert FrameReader(LIMIT).feed(chunk) == [(Opcode.BINARY, p) for p in payloads]


def test_incomplete_frame_then_rest_with_next_frame() -> None:
    first, second = client_frame(Opcode.BINARY, b"a" * 50), client_frame(Opcode.BINARY, b"b")
    reader = FrameReader(LIMIT)
    assert reader.feed(first[:7]) == []
    assert reader.feed(first[7:] + second[:3]) == [(Opcode.BINARY, b"a" * 50)]
    assert reader.feed(second[3:]) == [(Opcode.BINARY, b"b")]
    assert reader.feed(b"") == []


def test_fragmented_message_with_interleaved_ping() -> None:
    reader = FrameReader(LIMIT)
    assert reader.feed(client_frame(Opcode.BINARY, b"\x00\x01", fin=False)) == []
    assert reader.feed(client_frame(Opcode.PING, b"p")) == [(Opcode.PING, b"p")]
    assert reader.feed(client_frame(Opcode.CONT, b"", fin=False)) == []
    assert reader.feed(client_frame(Opcode.CONT, b"\x02", fin=False)) == []
    assert reader.feed(client_frame(Opcode.CONT, b"\x03")) == [(Opcode.BINARY, b"\x00\x01\x02\x03")]
    # The message is over: a new one may start, and a CONT may not.
    assert reader.feed(client_frame(Opcode.TEXT, b"next")) == [(Opcode.TEXT, b"next")]
    raises_protocol_error(reader, client_frame(Opcode.CONT, b"x"), 1002)


def test_text_is_not_utf8_validated() -> None:
    assert FrameReader(LIMIT).feed(client_frame(Opcode.TEXT, b"\xff\xfe")) == [
        (Opcode.TEXT, b"\xff\xfe")
    ]


# --- protocol errors ----------------------------------------------------------------------------


def test_unmasked_frame() -> None:
    raises_protocol_error(FrameReader(LIMIT), client_frame(Opcode.BINARY, b"x", masked=False), 1002)


@pytest.mark.parametrize("rsv", [0x40, 0x20, 0x10])
def test_reserved_bits(rsv: int) -> None:
    raises_protocol_error(FrameReader(LIMIT), client_frame(Opcode.BINARY, b"x", rsv=rsv), 1002)


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
def test_unknown_opcode(opcode: int) -> None:
    raises_protocol_error(FrameReader(LIMIT), client_frame(opcode, b""), 1002)


@pytest.mark.parametrize("opcode", [Opcode.CLOSE, Opcode.PING, Opcode.PONG])
def test_control_frame_too_long(opcode: Opcode) -> None:
    reader = FrameReader(LIMIT)
    assert reader.feed(client_frame(opcode, b"x" * 125)) == [(opcode, b"x" * 125)]
    # Refused from the header alone.
    raises_protocol_error(reader, client_frame(opcode, b"x" * 126)[:4], 1002)


@pytest.mark.parametrize("opcode", [Opcode.CLOSE, Opcode.PING, Opcode.PONG])
def test_fragmented_control_frame(opcode: Opcode) -> None:
    raises_protocol_error(FrameReader(LIMIT), client_frame(opcode, b"x", fin=False), 1002)


def test_continuation_without_message() -> None:
    raises_protocol_error(FrameReader(LIMIT), client_frame(Opcode.CONT, b"x"), 1002)


@pytest.mark.parametrize("second", [Opcode.TEXT, Opcode.BINARY])
def test_new_message_inside_fragmented_message(second: Opcode) -> None:
    reader = FrameReader(LIMIT)
    assert reader.feed(client_frame(Opcode.TEXT, b"a", fin=False)) == []
    raises_protocol_error(reader, client_frame(second, b"b"), 1002)


def test_64_bit_length_with_top_bit() -> None:
    header = bytes([0x82, 0x80 | 127]) + (1 << 63).to_bytes(8, "big")
    raises_protocol_error(FrameReader(LIMIT), header, 1002)


def test_error_in_a_later_frame_of_the_chunk() -> None:
    chunk = client_frame(Opcode.BINARY, b"ok") + client_frame(Opcode.BINARY, b"x", masked=False)
    raises_protocol_error(FrameReader(LIMIT), chunk, 1002)


# --- message size -------------------------------------------------------------------------------


def test_too_big_from_64_bit_header_alone() -> None:
    header = bytes([0x82, 0x80 | 127]) + (10_000_000).to_bytes(8, "big")
    reader = FrameReader(LIMIT)
    assert reader.feed(header[:5]) == []
    with pytest.raises(MessageTooBig) as caught:
        reader.feed(header[5:])  # no mask, no payload: the declared length is enough
    assert caught.value.code == 1009
    assert caught.value.size == 10_000_000


def test_too_big_from_16_bit_header_alone() -> None:
    with pytest.raises(MessageTooBig) as caught:
        FrameReader(1000).feed(bytes([0x82, 0x80 | 126]) + (1001).to_bytes(2, "big"))
    assert caught.value.size == 1001
    assert isinstance(caught.value, ProtocolError)


def test_exactly_the_limit_is_accepted() -> None:
    payload = os.urandom(1000)
    assert FrameReader(1000).feed(client_frame(Opcode.BINARY, payload)) == [
        (Opcode.BINARY, payload)
    ]


def test_too_big_counts_the_fragments_running_total() -> None:
    reader = FrameReader(100)
    assert reader.feed(client_frame(Opcode.BINARY, b"a" * 60, fin=False)) == []
    assert reader.feed(client_frame(Opcode.CONT, b"b" * 30, fin=False)) == []
    with pytest.raises(MessageTooBig) as caught:
        reader.feed(client_frame(Opcode.CONT, b"c" * 11)[:2])  # header only
    assert caught.value.size == 101
    with pytest.raises(ProtocolError):
        reader.feed(b"")


def test_limit_applies_per_message() -> None:
    reader = FrameReader(100)
    for _ in range(3):
        assert reader.feed(client_frame(Opcode.BINARY, b"a" * 50, fin=False)) == []
        assert reader.feed(client_frame(Opcode.CONT, b"b" * 50)) == [
            (Opcode.BINARY, b"a" * 50 + b"b" * 50)
        ]


# --- fragments: one buffer, a bounded count --------------------------------------------------


def fragmented(opcode: int, pieces: list[bytes], *, final: bool = True) -> bytes:
    """A message as ``len(pieces)`` frames: the first with ``opcode``, then continuations; with
    ``final=False`` the last frame does not end it."""
    frames = [
        client_frame(opcode if i == 0 else Opcode.CONT, piece,
                     fin=final and i == len(pieces) - 1)
        for i, piece in enumerate(pieces)
    ]
    return b"".join(frames)


def test_one_byte_fragments_cost_their_bytes_not_an_object_each() -> None:
    # Finding 7: 14.7 MB of one-byte fragments became ~108 MB of server memory (a bytes object
    # and a list slot per fragment). 20,000 of them (120 KB on the wire, 20 KB of payload) may
    # now hold little more than the 20 KB, not the ~1.3 MB of 20,000 objects.
    count = 20_000
    reader = FrameReader(LIMIT, max_fragments=count)
    payload = bytes(i % 251 for i in range(count - 1))
    # All but the last (empty, final) fragment: the message stays open.
    stream = fragmented(Opcode.BINARY, [payload[i:i + 1] for i in range(count - 1)], final=False)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for i in range(0, len(stream), 6000):
            assert reader.feed(stream[i:i + 6000]) == []
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert reader.held_bytes <= count
    assert held < 100_000, f"{held} bytes held for {count} one-byte fragments"
    assert reader.feed(client_frame(Opcode.CONT, b"")) == [(Opcode.BINARY, payload)]


@pytest.mark.parametrize("empty", [False, True])
def test_a_message_may_arrive_in_at_most_max_fragments_frames(empty: bool) -> None:
    piece = b"" if empty else b"z"
    reader = FrameReader(LIMIT, max_fragments=8)
    # Exactly the limit is a message.
    assert reader.feed(fragmented(Opcode.BINARY, [piece] * 8)) == [(Opcode.BINARY, piece * 8)]
    # One more frame is refused from its header (empty fragments count: they cost parsing).
    assert reader.feed(fragmented(Opcode.BINARY, [piece] * 8, final=False)) == []
    with pytest.raises(TooManyFragments) as caught:
        reader.feed(client_frame(Opcode.CONT, piece, fin=False)[:2])
    assert caught.value.code == 1008
    assert caught.value.limit == 8
    assert reader.held_bytes == 0  # what the message held is released at once
    with pytest.raises(ProtocolError):
        reader.feed(b"")


def test_the_fragment_count_is_per_message_and_control_frames_do_not_count() -> None:
    reader = FrameReader(LIMIT, max_fragments=3)
    for _ in range(3):
        assert reader.feed(client_frame(Opcode.TEXT, b"a", fin=False)) == []
        assert reader.feed(client_frame(Opcode.PING, b"1") + client_frame(Opcode.PONG, b"")) == [
            (Opcode.PING, b"1"), (Opcode.PONG, b"")
        ]
        assert reader.feed(client_frame(Opcode.CONT, b"b", fin=False)) == []
        assert reader.feed(client_frame(Opcode.CONT, b"c")) == [(Opcode.TEXT, b"abc")]


# --- what a reader holds ------------------------------------------------------------------------


def test_a_held_frame_takes_only_what_it_lacks_from_the_next_chunk() -> None:
    reader = FrameReader(LIMIT)
    first = client_frame(Opcode.BINARY, b"a" * 300)
    others = [client_frame(Opcode.BINARY, os.urandom(1000)) for _ in range(50)]
    last = client_frame(Opcode.BINARY, b"c" * 200)
    assert reader.feed(first[:3]) == []
    assert reader.held_bytes == 3
    events = reader.feed(first[3:] + b"".join(others) + last[:150])
    assert len(events) == 51 and events[0] == (Opcode.BINARY, b"a" * 300)
    # Only the incomplete frame is kept, not the 50 KB chunk that carried it.
    assert reader.held_bytes == 150
    assert reader.feed(last[150:]) == [(Opcode.BINARY, b"c" * 200)]
    assert reader.held_bytes == 0


def test_held_bytes_stay_within_the_limit_plus_a_header() -> None:
    limit = 1000
    reader = FrameReader(limit)
    # A data frame declaring exactly what the message may still take, one byte short.
    frame = client_frame(Opcode.BINARY, b"x" * limit)
    assert reader.feed(frame[:-1]) == []
    assert reader.held_bytes == len(frame) - 1 <= limit + MAX_HEADER_BYTES
    # A fragmented message at the limit, then a ping cut short: the most a reader ever holds.
    reader = FrameReader(limit)
    assert reader.feed(client_frame(Opcode.BINARY, b"m" * limit, fin=False)) == []
    ping = client_frame(Opcode.PING, b"p" * 125)
    assert reader.feed(ping[:-1]) == []
    assert reader.held_bytes == limit + len(ping) - 1 <= limit + MAX_HELD_OVER_LIMIT
    assert reader.feed(ping[-1:] + client_frame(Opcode.CONT, b"")) == [
        (Opcode.PING, b"p" * 125), (Opcode.BINARY, b"m" * limit)
    ]


def test_busy_and_unit_follow_each_incomplete_frame_or_message() -> None:
    reader = FrameReader(LIMIT)
    assert not reader.busy
    reader.feed(client_frame(Opcode.BINARY, b"whole"))
    assert not reader.busy and reader.unit == 0  # nothing was left incomplete
    frame = client_frame(Opcode.BINARY, b"x" * 40)
    reader.feed(frame[:1])
    assert reader.busy and reader.unit == 1
    for i in range(1, 10):  # trickling the same frame is the same unit
        reader.feed(frame[i:i + 1])
    assert reader.busy and reader.unit == 1
    # Its end and the start of the next frame in one chunk: a new unit.
    nxt = client_frame(Opcode.BINARY, b"y")
    assert reader.feed(frame[10:] + nxt[:2]) == [(Opcode.BINARY, b"x" * 40)]
    assert reader.busy and reader.unit == 2
    reader.feed(nxt[2:])
    assert not reader.busy
    # A fragmented message is one unit across its fragments and the control frames between.
    first = client_frame(Opcode.BINARY, b"a", fin=False)
    reader.feed(first[:3])
    assert reader.unit == 3
    reader.feed(first[3:])  # the first fragment completed from what was held: same message
    assert reader.busy and reader.unit == 3
    reader.feed(client_frame(Opcode.PING, b"") + client_frame(Opcode.CONT, b"b", fin=False))
    cont = client_frame(Opcode.CONT, b"c")
    reader.feed(cont[:4])
    assert reader.busy and reader.unit == 3
    assert reader.feed(cont[4:]) == [(Opcode.BINARY, b"abc")]
    assert not reader.busy
    # A message begun and ended in one chunk leaves nothing to time.
    reader.feed(client_frame(Opcode.TEXT, b"a", fin=False) + client_frame(Opcode.CONT, b"b"))
    assert not reader.busy


# --- whole_binary: the one-step path for one whole small binary frame --------------------------


@pytest.mark.parametrize("size", [0, 1, 40, 125])
def test_whole_binary_takes_one_whole_small_binary_frame(size: int) -> None:
    payload = RNG.randbytes(size)
    reader = FrameReader(LIMIT)
    assert reader.whole_binary(client_frame(Opcode.BINARY, payload)) == payload
    assert not reader.busy and reader.unit == 0


def _held_frame(reader: FrameReader) -> FrameReader:
    reader.feed(client_frame(Opcode.BINARY, b"x" * 40)[:5])
    return reader


def _fragment_begun(reader: FrameReader) -> FrameReader:
    reader.feed(client_frame(Opcode.BINARY, b"a", fin=False))
    return reader


@pytest.mark.parametrize(
    ("chunk", "prepare"),
    [
        (client_frame(Opcode.BINARY, b"x" * 126), None),  # a 16-bit length
        (client_frame(Opcode.TEXT, b"text"), None),
        (client_frame(Opcode.PING, b""), None),
        (client_frame(Opcode.BINARY, b"part", fin=False), None),
        (client_frame(Opcode.BINARY, b"raw", masked=False), None),
        (client_frame(Opcode.BINARY, b"rsv", rsv=0x40), None),
        (client_frame(Opcode.BINARY, b"one") + client_frame(Opcode.BINARY, b"two"), None),
        (client_frame(Opcode.BINARY, b"cut")[:-1], None),
        (b"\x82\x7c", None),  # unmasked header whose length byte equals the chunk's size + 0x7A
        (b"", None),
        (client_frame(Opcode.BINARY, b"after a held frame"), _held_frame),
        (client_frame(Opcode.BINARY, b"inside a message"), _fragment_begun),
    ],
)
def test_whole_binary_leaves_everything_else_to_feed(chunk: bytes, prepare: object) -> None:
    """None, and the reader untouched: ``feed`` then gives what it always gave (or its error)."""
    reader, twin = FrameReader(LIMIT), FrameReader(LIMIT)
    if callable(prepare):
        prepare(reader), prepare(twin)
    assert reader.whole_binary(chunk) is None
    try:
        expected: object = twin.feed(chunk)
    except ProtocolError as exc:
        expected = type(exc)
    try:
        got: object = reader.feed(chunk)
    except ProtocolError as exc:
        got = type(exc)
    assert got == expected


def test_whole_binary_respects_the_message_limit() -> None:
    frame = client_frame(Opcode.BINARY, b"x" * 20)
    assert FrameReader(19).whole_binary(frame) is None
    with pytest.raises(MessageTooBig):
        FrameReader(19).feed(frame)
    assert FrameReader(20).whole_binary(frame) == b"x" * 20


def test_whole_binary_refuses_after_a_protocol_error() -> None:
    reader = FrameReader(LIMIT)
    with pytest.raises(ProtocolError):
        reader.feed(client_frame(Opcode.BINARY, b"raw", masked=False))
    assert reader.whole_binary(client_frame(Opcode.BINARY, b"ok")) is None


# --- writing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "header"),
    [
        (0, b"\x82\x00"),
        (125, b"\x82\x7d"),
        (126, b"\x82\x7e\x00\x7e"),
        (65535, b"\x82\x7e\xff\xff"),
        (65536, b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
    ],
)
def test_encode_frame_length_forms(size: int, header: bytes) -> None:
    payload = os.urandom(size)
    assert encode_frame(Opcode.BINARY, payload) == header + payload


def test_encode_frame_refuses_oversized_control_payload() -> None:
    with pytest.raises(ValueError):
        encode_frame(Opcode.PING, b"x" * 126)


@pytest.mark.parametrize("size", SIZES)
def test_websockets_client_parses_our_frames(size: int) -> None:
    payload = os.urandom(size)
    frames = ws_client_parse(
        encode_frame(Opcode.BINARY, payload)
        + encode_frame(Opcode.TEXT, b"hi")
        + encode_frame(Opcode.PING, b"p")
        + encode_close(1001, "going")
    )
    assert [(f.opcode, bytes(f.data), f.fin) for f in frames] == [
        (WsOpcode.BINARY, payload, True),
        (WsOpcode.TEXT, b"hi", True),
        (WsOpcode.PING, b"p", True),
        (WsOpcode.CLOSE, Close(1001, "going").serialize(), True),
    ]
    assert not any(f.rsv1 or f.rsv2 or f.rsv3 for f in frames)


@pytest.mark.parametrize("size", SIZES)
def test_we_parse_websockets_client_frames(size: int) -> None:
    payload = os.urandom(size)
    stream = b"".join(
        frame.serialize(mask=True)
        for frame in [
            Frame(WsOpcode.BINARY, payload),
            Frame(WsOpcode.TEXT, b"fragmented ", fin=False),
            Frame(WsOpcode.PING, b"ping"),
            Frame(WsOpcode.CONT, payload, fin=False),
            Frame(WsOpcode.CONT, b"end"),
            Frame(WsOpcode.CLOSE, Close(1000, "done").serialize()),
        ]
    )
    expected = [
        (Opcode.BINARY, payload),
        (Opcode.PING, b"ping"),
        (Opcode.TEXT, b"fragmented " + payload + b"end"),
        (Opcode.CLOSE, b"\x03\xe8done"),
    ]
    assert FrameReader(LIMIT).feed(stream) == expected
    assert feed_in_chunks(FrameReader(LIMIT), stream, [7] * (len(stream) // 7) + [
        len(stream) % 7
    ]) == expected


# --- close frames -------------------------------------------------------------------------------


def test_encode_close() -> None:
    assert encode_close(1000) == b"\x88\x02\x03\xe8"
    assert encode_close(4001, "room closed") == b"\x88\x0d\x0f\xa1room closed"


@pytest.mark.parametrize("char", ["a", "é", "€", "😀"])
def test_encode_close_truncates_on_a_character_boundary(char: str) -> None:
    reason = "x" + char * 200  # the cut falls inside a character for 2-, 3- and 4-byte ones
    frame = encode_close(1008, reason)
    assert frame[0] == 0x88
    assert frame[1] == len(frame) - 2 <= 125
    code, decoded = parse_close(frame[2:])
    assert code == 1008
    assert reason.startswith(decoded)
    assert 123 - len(char.encode()) < len(decoded.encode()) <= 123


def test_encode_close_refuses_codes_that_may_not_be_sent() -> None:
    for code in (1005, 1006, 1015, 999, 5000):
        with pytest.raises(ValueError):
            encode_close(code)


def test_parse_close_empty() -> None:
    assert parse_close(b"") == (1005, "")


def test_parse_close_one_byte() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_close(b"\x03")
    assert caught.value.code == 1002


@pytest.mark.parametrize(
    "code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]
)
def test_parse_close_valid_codes(code: int) -> None:
    payload = code.to_bytes(2, "big") + "fermé".encode()
    assert parse_close(payload) == (code, "fermé")
    assert parse_close(encode_close(code, "fermé")[2:]) == (code, "fermé")


@pytest.mark.parametrize(
    "code", [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]
)
def test_parse_close_invalid_codes(code: int) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_close(code.to_bytes(2, "big"))
    assert caught.value.code == 1002


def test_parse_close_invalid_utf8_reason() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_close(b"\x03\xe8\xc3")  # a truncated two-byte character
    assert caught.value.code == 1007
