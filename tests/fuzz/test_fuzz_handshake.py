"""Property-based tests of the opening handshake.

Any request head is either accepted or refused with ``HandshakeError`` (whose answer can always
be written), never another exception; and every valid upgrade request, however its headers are
spelled and ordered and however the head is chunked (with a first frame pipelined behind it),
is accepted with the right key.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import given
from hypothesis import strategies as st
from websockets.utils import accept_key

from server.ws.frames import Opcode
from server.ws.handshake import (
    MAX_HEAD_BYTES,
    HandshakeError,
    Request,
    accept_response,
    error_response,
    parse_request,
)
from server.ws.protocol import WebSocketProtocol


def parse_or_refuse(head: bytes) -> Request | None:
    """Parse ``head``; a refusal must carry an answer that can be written."""
    try:
        return parse_request(head)
    except HandshakeError as exc:
        assert exc.status in (400, 405, 426, 431)
        answer = error_response(exc.status, exc.message, exc.headers)
        assert answer.startswith(b"HTTP/1.1 %d " % exc.status)
        return None


# --- anything ---------------------------------------------------------------------------------

_latin1 = st.characters(max_codepoint=255)
# Pieces a head is made of, so random heads get past the first checks often enough.
_pieces = st.sampled_from([
    "GET", "POST", " ", "/", "/ws/offers/x", "?token=t&a=%ff", "HTTP/1.1", "HTTP/1.0", "\r\n",
    "\r", "\n", ":", ": ", "\t", "upgrade", "Upgrade: websocket", "connection: keep-alive, Upgrade",
    "sec-websocket-version: 13", "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-key: ", "é", "\x00", "\x7f", "%", ",", "host: x",
])
_heads = st.one_of(
    st.binary(max_size=600),
    st.lists(st.one_of(_pieces, st.text(_latin1, max_size=12)), max_size=40).map(
        lambda parts: "".join(parts).encode("latin-1")
    ),
)


@given(_heads)
def test_any_head_is_accepted_or_refused_with_a_handshake_error(head: bytes) -> None:
    request = parse_or_refuse(head)
    if request is not None:
        # What is accepted is an upgrade we can answer.
        assert len(base64.b64decode(request.key)) == 16
        assert accept_response(request.key).startswith(b"HTTP/1.1 101 ")


@given(st.binary(max_size=64), st.integers(0, 3))
def test_a_head_too_large_is_refused_with_431(filler: bytes, extra: int) -> None:
    head = (b"GET / HTTP/1.1\r\nx-filler: " + b"a" * MAX_HEAD_BYTES + filler.replace(b"\r", b"")
            + b"\r\n" * extra)
    try:
        parse_request(head)
    except HandshakeError as exc:
        assert exc.status == 431
    else:
        raise AssertionError("a head over the limit was accepted")


# --- valid requests ---------------------------------------------------------------------------

# Characters that need percent-encoding in a target, and some that do not.
_any_chars = st.sampled_from("aZ09-._~ !$&'()*+,;=:@/?#[]%\"<>\\^`{|}\t\x00\x7féß€😀")
_path_segments = st.lists(st.text(_any_chars, max_size=10), min_size=1, max_size=4)
_query = st.dictionaries(
    st.text("abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=8),
    st.text(_any_chars, max_size=10),
    max_size=4,
)
_token_chars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_special = {"upgrade", "connection", "sec-websocket-key", "sec-websocket-version"}
_extra_headers = st.lists(
    st.tuples(
        st.text(_token_chars, min_size=1, max_size=16).filter(lambda n: n.lower() not in _special),
        # Visible latin-1 and inner spaces/tabs: what RFC 9110 allows in a field value.
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                              blacklist_characters="\x7f"), max_size=30),
    ),
    max_size=5,
)


_case_bits = st.integers(0, 2**21 - 1)
_ows = st.sampled_from(["", " ", "  ", "\t", " \t"])
_other_tokens = st.lists(st.sampled_from(["keep-alive", "close", "x-thing"]), max_size=2)
_keys = st.binary(min_size=16, max_size=16)
_orders = st.randoms(use_true_random=False)


def _spell(draw: st.DrawFn, word: str) -> str:
    """``word`` in random case: header names and these tokens are case-insensitive."""
    bits = draw(_case_bits)
    return "".join(c.upper() if bits >> i & 1 else c.lower() for i, c in enumerate(word))


@st.composite
def valid_request(draw: st.DrawFn) -> tuple[bytes, str, dict[str, str], str]:
    """A valid upgrade head, and the path, query and key it must parse to."""
    segments = draw(_path_segments)
    query = draw(_query)
    target = "/" + "/".join(quote(s, safe="") for s in segments)
    if draw(st.booleans()) or query:  # "?" with an empty query too
        target += "?" + urlencode(query)
    key = base64.b64encode(draw(_keys)).decode()
    order = draw(_orders)
    tokens = [*draw(_other_tokens), _spell(draw, "upgrade")]
    order.shuffle(tokens)
    connection = ", ".join(tokens)
    lines = [
        (_spell(draw, "upgrade"), _spell(draw, "websocket")),
        (_spell(draw, "connection"), connection),
        (_spell(draw, "sec-websocket-key"), key),
        (_spell(draw, "sec-websocket-version"), "13"),
        *draw(_extra_headers),
    ]
    order.shuffle(lines)
    head = f"GET {target} HTTP/1.1\r\n" + "".join(
        f"{name}:{draw(_ows)}{value}{draw(_ows)}\r\n" for name, value in lines
    ) + "\r\n"
    return head.encode("latin-1"), "/" + "/".join(segments), query, key


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.out += data

    def get_write_buffer_size(self) -> int:
        return 0

    def close(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class _State:
    def __init__(self) -> None:
        self.connections: set[Any] = set()


class _Recorder(WebSocketProtocol):
    __slots__ = ("messages",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(None, _State(), {}, _loop=loop)  # type: ignore[arg-type]
        self.messages: list[tuple[int, bytes]] = []

    def message(self, opcode: int, payload: bytes) -> None:
        self.messages.append((opcode, payload))


# BINARY "hello", masked with 01 02 03 04.
_FRAME = bytes([0x82, 0x85, 1, 2, 3, 4]) + bytes(
    b ^ (i % 4 + 1) for i, b in enumerate(b"hello")
)


@given(valid_request(), st.lists(st.integers(1, 40), min_size=1, max_size=6))
def test_a_valid_request_in_any_chunks_is_accepted_and_its_first_frame_read(
    case: tuple[bytes, str, dict[str, str], str], sizes: list[int]
) -> None:
    head, path, query, key = case
    request = parse_request(head)
    assert request.path == path
    assert request.query == query
    assert request.key == key
    assert accept_key(key).encode() in accept_response(request.key)
    # Through the protocol, in chunks, with a frame in the same segment as the end of the head.
    data = head + _FRAME  # a client may send its first frame in the same segment as the head
    loop = asyncio.new_event_loop()
    try:
        proto, transport = _Recorder(loop), _Transport()
        proto.connection_made(transport)
        pos = turn = 0
        while pos < len(data):
            size = sizes[turn % len(sizes)]
            proto.data_received(data[pos:pos + size])
            pos += size
            turn += 1
        assert bytes(transport.out) == accept_response(key)
        assert proto.messages == [(Opcode.BINARY, b"hello")]
        proto.connection_lost(None)
    finally:
        loop.close()
