"""WebSocketProtocol on a fake transport: handshake in pieces, refusals, the close handshake,
the linger that drops a peer who stopped reading, keep-alive, framing errors."""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from typing import Any

import pytest

from server.ws.frames import FrameReader, Opcode, encode_frame
from server.ws.handshake import HandshakeError, Request
from server.ws.protocol import WebSocketProtocol


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.closed = False
        self.aborted = False
        self.backlog = 0  # bytes the peer has not read

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "wrote after close"
        self.out += data

    def get_write_buffer_size(self) -> int:
        return self.backlog

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = self.aborted = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class FakeState:
    def __init__(self) -> None:
        self.connections: set[Any] = set()
        self.tasks: set[Any] = set()


class Echo(WebSocketProtocol):
    """Records messages; refuses paths other than /ok."""

    __slots__ = ("lost_calls", "messages", "opened_with")
    ping_seconds = 0.05
    close_timeout = 0.05
    max_message_bytes = 1000

    def __init__(self) -> None:
        super().__init__(None, FakeState(), {})  # type: ignore[arg-type]
        self.messages: list[tuple[int, bytes]] = []
        self.lost_calls = 0
        self.opened_with: Request | None = None

    def route(self, request: Request) -> None:
        if request.path != "/ok":
            raise HandshakeError(404, "no such endpoint")

    def opened(self, request: Request) -> None:
        self.opened_with = request

    def message(self, opcode: int, payload: bytes) -> None:
        self.messages.append((opcode, payload))

    def lost(self) -> None:
        self.lost_calls += 1


def request(path: str = "/ok?token=t") -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            f"sec-websocket-key: {key}\r\nsec-websocket-version: 13\r\n\r\n").encode()


def client_frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        head += bytes([0x80 | len(payload)])
    else:
        head += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def server_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Parse what the server wrote after its 101 response (unmasked frames)."""
    body = data.split(b"\r\n\r\n", 1)[1]
    frames = []
    pos = 0
    while pos < len(body):
        opcode, length = body[pos] & 0x0F, body[pos + 1] & 0x7F
        pos += 2
        if length == 126:
            (length,) = struct.unpack_from("!H", body, pos)
            pos += 2
        frames.append((opcode, bytes(body[pos:pos + length])))
        pos += length
    return frames


def opened() -> tuple[Echo, FakeTransport]:
    proto, transport = Echo(), FakeTransport()
    proto.connection_made(transport)
    proto.data_received(request())
    assert transport.out.startswith(b"HTTP/1.1 101")
    return proto, transport


async def test_a_handshake_in_pieces_with_a_frame_behind_it() -> None:
    proto, transport = Echo(), FakeTransport()
    proto.connection_made(transport)
    data = request() + client_frame(Opcode.BINARY, b"first")
    for i in range(0, len(data), 7):
        proto.data_received(data[i:i + 7])
    assert transport.out.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert proto.opened_with is not None and proto.opened_with.query == {"token": "t"}
    assert proto.messages == [(Opcode.BINARY, b"first")]
    assert proto in proto.server_state.connections


async def test_a_refused_path_gets_an_http_answer_and_no_lost_call() -> None:
    proto, transport = Echo(), FakeTransport()
    proto.connection_made(transport)
    proto.data_received(request("/elsewhere"))
    assert transport.out.startswith(b"HTTP/1.1 404") and transport.closed
    proto.connection_lost(None)
    assert proto.lost_calls == 0 and not proto.server_state.connections


async def test_a_head_that_never_ends_is_refused_with_431() -> None:
    proto, transport = Echo(), FakeTransport()
    proto.connection_made(transport)
    proto.data_received(b"GET /ok HTTP/1.1\r\n")
    proto.data_received(b"x-filler: " + b"a" * 20_000 + b"\r\n")
    assert transport.out.startswith(b"HTTP/1.1 431") and transport.closed


async def test_writes_are_framed_and_a_shared_payload_is_encoded_once() -> None:
    proto, transport = opened()
    payload = b"update"
    proto.write(payload)
    proto.write(payload)
    assert server_frames(bytes(transport.out)) == [(Opcode.BINARY, payload)] * 2


async def test_the_peers_close_is_echoed_and_the_socket_hung_up() -> None:
    proto, transport = opened()
    proto.data_received(client_frame(Opcode.CLOSE, struct.pack("!H", 4000) + b"bye"))
    assert server_frames(bytes(transport.out))[-1] == (Opcode.CLOSE, struct.pack("!H", 4000))
    assert transport.closed
    proto.write(b"late")  # ignored: closing
    assert server_frames(bytes(transport.out))[-1][0] == Opcode.CLOSE


async def test_our_close_waits_for_theirs_then_hangs_up() -> None:
    proto, transport = opened()
    proto.close(4401, "bad token")
    assert server_frames(bytes(transport.out))[-1] == (Opcode.CLOSE,
                                                       struct.pack("!H", 4401) + b"bad token")
    proto.data_received(client_frame(Opcode.BINARY, b"ignored"))  # closing: not delivered
    assert proto.messages == []
    proto.data_received(client_frame(Opcode.CLOSE, struct.pack("!H", 4401)))
    assert transport.closed and not transport.aborted


async def test_a_peer_that_stopped_reading_is_dropped_after_the_linger() -> None:
    proto, transport = opened()
    transport.backlog = 5000
    proto.close(1013, "too slow to keep up")
    await asyncio.sleep(0.08)  # one linger: still 5000 bytes waiting, nothing moved
    assert transport.aborted


async def test_a_peer_that_is_still_reading_gets_its_bytes_before_the_hang_up() -> None:
    proto, transport = opened()
    transport.backlog = 5000
    proto.close(1013, "too slow to keep up")
    await asyncio.sleep(0.03)
    transport.backlog = 2000  # draining
    await asyncio.sleep(0.05)
    assert not transport.closed
    transport.backlog = 0
    await asyncio.sleep(0.06)
    assert transport.closed and not transport.aborted


async def test_pings_are_answered_with_the_same_payload() -> None:
    proto, transport = opened()
    proto.data_received(client_frame(Opcode.PING, b"are you there"))
    assert server_frames(bytes(transport.out))[-1] == (Opcode.PONG, b"are you there")


async def test_a_silent_peer_is_pinged_then_dropped_and_a_talking_one_is_not() -> None:
    proto, transport = opened()
    talker, talker_transport = opened()
    for _ in range(4):
        await asyncio.sleep(0.03)
        talker.data_received(client_frame(Opcode.BINARY, b"x"))
    assert (Opcode.PING, b"") in server_frames(bytes(transport.out))
    assert transport.closed
    assert not talker_transport.closed
    proto.connection_lost(None)
    talker.connection_lost(None)
    assert proto.lost_calls == 1 and talker.lost_calls == 1


@pytest.mark.parametrize(("data", "code"), [
    (bytes([0x82, 0x01]) + b"x", 1002),  # unmasked client frame
    (client_frame(0x3, b""), 1002),  # reserved opcode
])
async def test_framing_errors_close_with_their_code(data: bytes, code: int) -> None:
    proto, transport = opened()
    proto.data_received(data)
    close = server_frames(bytes(transport.out))[-1]
    assert close[0] == Opcode.CLOSE and struct.unpack("!H", close[1][:2])[0] == code
    proto.data_received(client_frame(Opcode.BINARY, b"after"))  # not parsed any more
    assert proto.messages == []


async def test_a_message_over_the_limit_calls_too_big_before_its_payload() -> None:
    proto, transport = opened()
    frame = client_frame(Opcode.BINARY, b"a" * 2000)
    proto.data_received(frame[:8])  # the header only
    close = server_frames(bytes(transport.out))[-1]
    assert close[0] == Opcode.CLOSE and struct.unpack("!H", close[1][:2])[0] == 1009


async def test_shutdown_says_restarting() -> None:
    proto, transport = opened()
    proto.shutdown()
    assert server_frames(bytes(transport.out))[-1] == (Opcode.CLOSE,
                                                       struct.pack("!H", 1012)
                                                       + b"server restarting")
    assert transport.closed


def test_server_frames_parse_with_our_reader_when_masked_by_a_client() -> None:
    # The helper above is only trusted because both directions agree on the format.
    reader = FrameReader(1 << 20)
    assert reader.feed(client_frame(Opcode.BINARY, b"abc")) == [(Opcode.BINARY, b"abc")]
    assert encode_frame(Opcode.BINARY, b"abc") == b"\x82\x03abc"
