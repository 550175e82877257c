"""The front door (server/http/front.py) on a fake transport: heads in pieces, the head's byte and
time bounds, the pending-head registry, the connection cap, body bounds, pipelining, and the
WebSocket hand-over (pipelined frame bytes delivered, HTTP/1.0 refused)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from uvicorn.server import ServerState

from server.app import create_app
from server.config import load_config
from server.http.front import FrontDoor, front_door_class
from server.http.services import Services
from server.ws.frames import Opcode
from server.ws.handshake import Request
from server.ws.protocol import WebSocketProtocol
from tests.unit.test_ws_protocol import client_frame


class FakeTransport(asyncio.Transport):
    """Records writes; a close reaches the protocol's connection_lost on the next loop turn, as
    with a real transport."""

    def __init__(self, protocol: asyncio.BaseProtocol) -> None:
        super().__init__()
        self.protocol = protocol
        self.out = bytearray()
        self.closed = False
        self.reading = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "wrote after close"
        self.out += data

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.protocol

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class RecordingSocket(WebSocketProtocol):
    """A WebSocket endpoint that accepts any path and keeps the messages it receives."""

    __slots__ = ("messages",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: list[tuple[int, bytes]] = []

    def route(self, request: Request) -> None:
        pass

    def message(self, opcode: int, payload: bytes) -> None:
        self.messages.append((opcode, payload))


class Node:
    """One node's front door with small limits, serving an app that answers
    ``<path> <body length>`` and records what it was asked."""

    def __init__(self, tmp_path: Path, **settings: object) -> None:
        env = {f"OFFER_ROOM_{name.upper()}": str(value) for name, value in settings.items()}
        config = load_config(env, data_dir=tmp_path / "data")
        self.services: Services = create_app(config).state.services
        self.front = front_door_class(self.services)
        self.served: list[tuple[str, int]] = []
        self.gate: asyncio.Event | None = None  # when set, the app waits for it to respond
        self.uvicorn = uvicorn.Config(self.app, http=self.front, ws=RecordingSocket,
                                      interface="asgi3", lifespan="off", log_config=None)
        self.uvicorn.load()
        self.state = ServerState()

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.served.append((scope["path"], len(body)))
        if self.gate is not None:
            await self.gate.wait()
        text = f"{scope['path']} {len(body)}".encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(text)).encode())]})
        await send({"type": "http.response.body", "body": text})

    def connect(self) -> tuple[FrontDoor, FakeTransport]:
        proto = self.front(config=self.uvicorn, server_state=self.state, app_state={})
        transport = FakeTransport(proto)
        proto.connection_made(transport)
        return proto, transport

    def hits(self, limit: str) -> int:
        return self.services.metrics.limit_hits(limit)


async def until(predicate: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def responses(transport: FakeTransport) -> list[bytes]:
    """The status lines written so far (our bodies hold no status line)."""
    return re.findall(rb"HTTP/1\.1 \d{3} [^\r]*", bytes(transport.out))


def json_error(transport: FakeTransport) -> tuple[int, str]:
    """Status and error code of the single JSON error written; it must close the connection."""
    head, _, body = bytes(transport.out).partition(b"\r\n\r\n")
    assert b"\r\nconnection: close" in head and b"content-type: application/json" in head
    assert transport.closed
    return int(head.split(b" ")[1]), json.loads(body)["error"]["code"]


def upgrade_request(version: str = "1.1", path: str = "/ws/offers/o?token=t") -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/{version}\r\nhost: x\r\nupgrade: websocket\r\n"
            f"connection: Upgrade\r\nsec-websocket-key: {key}\r\n"
            "sec-websocket-version: 13\r\n\r\n").encode()


# -- heads -------------------------------------------------------------------------------------


async def test_a_head_and_body_in_pieces_are_served(tmp_path: Path) -> None:
    node = Node(tmp_path)
    proto, transport = node.connect()
    data = b"POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello"
    for i in range(0, len(data), 3):  # the blank line and the body straddle reads
        proto.data_received(data[i:i + 3])
    await until(lambda: bool(responses(transport)))
    assert bytes(transport.out).endswith(b"/a 5")
    assert node.served == [("/a", 5)] and not transport.closed


async def test_a_head_of_exactly_the_limit_is_served_one_byte_more_is_431(tmp_path: Path) -> None:
    node = Node(tmp_path, head_bytes=256)
    start = b"GET /a HTTP/1.1\r\nx-fill: "
    exact = start + b"a" * (256 - len(start) - 4) + b"\r\n\r\n"
    assert len(exact) == 256
    proto, transport = node.connect()
    proto.data_received(exact)
    await until(lambda: bool(responses(transport)))
    assert node.served == [("/a", 0)]

    proto, transport = node.connect()
    proto.data_received(start + b"a" * (256 - len(start)))  # 256 bytes, no blank line yet
    assert transport.out == b"" and not transport.closed
    proto.data_received(b"a")
    assert json_error(transport) == (431, "head_too_large")
    assert node.served == [("/a", 0)] and node.hits("head_bytes") == 1


@pytest.mark.parametrize("opening", [b"GET /a HTTP/1.1\r\n", b"GET /"])  # header lines; an URL
async def test_an_endless_head_is_cut_at_the_limit_whatever_it_is_made_of(
    tmp_path: Path, opening: bytes
) -> None:
    node = Node(tmp_path, head_bytes=1024)
    proto, transport = node.connect()
    proto.data_received(opening)
    filler = b"x-a: b\r\n" if opening.endswith(b"\r\n") else b"a" * 8
    sent = len(opening)
    for _ in range(10_000):  # 80 KB offered, in 8-byte reads
        if transport.closed:
            break
        proto.data_received(filler)
        sent += len(filler)
    assert json_error(transport) == (431, "head_too_large")
    assert sent <= 1024 + len(filler)  # refused at the first read past the limit
    assert node.served == []


async def test_the_head_deadline_answers_408_and_a_trickle_does_not_extend_it(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path, head_timeout_s=0.2)
    _, silent_transport = node.connect()
    trickler, trickle_transport = node.connect()
    started = time.monotonic()
    for byte in b"GET / HTTP/1.1\r\nhost: x\r\n":
        if trickle_transport.closed:
            break
        trickler.data_received(bytes([byte]))
        await asyncio.sleep(0.02)
    await until(lambda: trickle_transport.closed and silent_transport.closed)
    assert time.monotonic() - started < 0.4  # the trickle of 26 bytes over 0.5 s did not help
    assert json_error(trickle_transport) == (408, "head_timeout")
    assert json_error(silent_transport) == (408, "head_timeout")
    assert node.hits("head_timeout_s") == 2


async def test_the_deadline_is_rearmed_after_a_response_and_stopped_by_a_head(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path, head_timeout_s=0.15)
    node.gate = asyncio.Event()
    proto, transport = node.connect()
    proto.data_received(b"GET /slow HTTP/1.1\r\nhost: x\r\n\r\n")
    await asyncio.sleep(0.3)  # the app takes longer than the head deadline: that is not a head
    assert not transport.closed
    node.gate.set()
    await until(lambda: bool(responses(transport)))
    # Idle after its response: closed at the deadline without a word (uvicorn's keep-alive
    # would too), since an unasked 408 could cross the client's next request.
    await until(lambda: transport.closed, timeout=0.5)
    assert responses(transport) == [b"HTTP/1.1 200 OK"]

    node.gate = None
    proto, transport = node.connect()
    proto.data_received(b"GET /a HTTP/1.1\r\nhost: x\r\n\r\nGET /b HTTP/1.1\r\n")
    await until(lambda: transport.closed, timeout=0.5)  # half of the second head: 408
    assert responses(transport) == [b"HTTP/1.1 200 OK", b"HTTP/1.1 408 Request Timeout"]


async def test_a_trickled_body_is_cut_at_its_deadline_and_a_prompt_one_is_served(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path, body_timeout_s=0.2)
    proto, transport = node.connect()
    proto.data_received(b"POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n")
    for _ in range(5):  # a byte every 0.1 s: each one is progress, none extends the deadline
        proto.data_received(b"x")
        await asyncio.sleep(0.1)
    await until(lambda: transport.closed, timeout=0.5)
    assert json_error(transport) == (408, "body_timeout")
    assert node.served == [] and node.hits("body_timeout_s") == 1

    proto, transport = node.connect()
    proto.data_received(b"POST /quick HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\nabc")
    await until(lambda: bool(responses(transport)))
    await asyncio.sleep(0.3)  # past the body deadline: it was stopped when the body ended
    assert responses(transport) == [b"HTTP/1.1 200 OK"] and node.served == [("/quick", 3)]


# -- the node's registry of pending heads and its connection cap --------------------------------


async def test_at_the_pending_cap_the_oldest_waiting_connection_is_dropped(tmp_path: Path) -> None:
    node = Node(tmp_path, max_pending_heads=3)
    first, second, third = (node.connect() for _ in range(3))
    second[0].data_received(b"GET /b HTTP/1.1\r\n")  # partway through: still pending
    _, first_out = first
    fourth = node.connect()
    assert json_error(first_out) == (408, "head_evicted")
    assert not second[1].closed and not third[1].closed and not fourth[1].closed
    second[0].data_received(b"host: x\r\n\r\n")  # complete: no longer pending
    node.connect()
    assert not third[1].closed  # three pending again: third, fourth and the newcomer
    node.connect()
    assert not second[1].closed and third[1].closed  # the oldest still waiting went
    await until(lambda: bool(responses(second[1])))
    # Answered, it waits for its next head again, as the newest: the oldest (fourth) makes room.
    assert fourth[1].closed and not second[1].closed
    assert node.served == [("/b", 0)] and node.hits("max_pending_heads") == 3


async def test_at_the_connection_cap_a_newcomer_replaces_a_pending_head_or_is_refused(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path, max_connections=3)
    sockets = []
    for _ in range(2):
        proto, transport = node.connect()
        proto.data_received(upgrade_request())
        assert transport.out.startswith(b"HTTP/1.1 101")
        sockets.append(transport)
    _, idle = node.connect()
    assert len(node.state.connections) == 3
    newcomer, newcomer_transport = node.connect()  # takes the idle connection's place
    assert json_error(idle) == (408, "head_evicted") and not newcomer_transport.closed
    newcomer.data_received(upgrade_request())
    await asyncio.sleep(0)  # the evicted connection is gone
    assert len(node.state.connections) == 3
    refused, refused_transport = node.connect()  # three sockets open, nothing to drop
    assert refused_transport.closed and refused_transport.out == b""
    await asyncio.sleep(0)
    assert refused not in node.state.connections and len(node.state.connections) == 3
    assert node.hits("max_connections") == 2 and not any(t.closed for t in sockets)


# -- bodies --------------------------------------------------------------------------------------


async def test_a_declared_body_over_the_limit_is_refused_before_the_app_runs(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path, body_bytes=1000)
    proto, transport = node.connect()
    proto.data_received(b"POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 1001\r\n\r\n" + b"a" * 500)
    assert json_error(transport) == (413, "body_too_large")
    await asyncio.sleep(0.01)
    assert node.served == [] and node.hits("body_bytes") == 1


def chunked(body: bytes, size: int) -> bytes:
    chunks = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
              for i in range(0, len(body), size)]
    return b"".join(chunks) + b"0\r\n\r\n"


async def test_a_chunked_body_is_served_under_the_limit_and_cut_past_it(tmp_path: Path) -> None:
    node = Node(tmp_path, body_bytes=1000)
    head = b"POST /a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
    proto, transport = node.connect()
    proto.data_received(head + chunked(b"\r\n\r\n" * 200, 100))  # 800 bytes, blank lines inside
    await until(lambda: bool(responses(transport)))
    assert node.served == [("/a", 800)]

    proto, transport = node.connect()
    proto.data_received(head)
    body = chunked(b"a" * 5000, 100)
    for i in range(0, len(body), 300):
        if transport.closed:
            break
        proto.data_received(body[i:i + 300])
    assert json_error(transport) == (413, "body_too_large")
    await asyncio.sleep(0.01)
    assert node.served == [("/a", 800)] and node.hits("body_bytes") == 1


# -- pipelining ------------------------------------------------------------------------------------


async def test_pipelined_requests_are_answered_in_order_one_queued_at_a_time(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path)
    node.gate = asyncio.Event()
    proto, transport = node.connect()
    proto.data_received(b"".join(b"GET /%d HTTP/1.1\r\nhost: x\r\n\r\n" % i for i in range(50)))
    await asyncio.sleep(0.02)
    assert node.served == [("/0", 0)] and len(proto.pipeline) == 1  # the rest is not parsed
    node.gate.set()
    await until(lambda: len(responses(transport)) == 50)
    assert [path for path, _ in node.served] == [f"/{i}" for i in range(50)]
    assert bytes(transport.out).endswith(b"/49 0") and not transport.closed


async def test_a_client_pipelining_past_one_more_request_is_cut_off(tmp_path: Path) -> None:
    node = Node(tmp_path, head_bytes=1024, body_bytes=1024)
    node.gate = asyncio.Event()
    proto, transport = node.connect()
    proto.data_received(b"GET /0 HTTP/1.1\r\nhost: x\r\n\r\nGET /1 HTTP/1.1\r\nhost: x\r\n\r\n")
    proto.data_received(b"GET /2 HTTP/1.1\r\nhost: x\r\n\r\n" * 60)  # 1,680 bytes: held
    assert not transport.closed
    proto.data_received(b"GET /3 HTTP/1.1\r\nhost: x\r\n\r\n" * 20)  # 2,240 > 1,024 + 1,024
    assert transport.closed and node.hits("pipelined_bytes") == 1


# -- the WebSocket hand-over -----------------------------------------------------------------------


async def test_a_frame_sent_with_the_upgrade_request_reaches_the_socket(tmp_path: Path) -> None:
    node = Node(tmp_path)
    proto, transport = node.connect()
    frame = client_frame(Opcode.BINARY, b"first")
    proto.data_received(upgrade_request() + frame + frame[:4])  # one frame and a half
    assert transport.out.startswith(b"HTTP/1.1 101")
    socket = transport.protocol
    assert isinstance(socket, RecordingSocket)
    assert socket.messages == [(Opcode.BINARY, b"first")]
    socket.data_received(frame[4:])
    assert socket.messages == [(Opcode.BINARY, b"first")] * 2
    open_now: list[object] = list(node.state.connections)  # our socket is not uvicorn's kind
    assert socket in open_now and proto not in open_now


async def test_an_http10_upgrade_is_refused(tmp_path: Path) -> None:
    node = Node(tmp_path)
    proto, transport = node.connect()
    proto.data_received(upgrade_request(version="1.0"))
    assert json_error(transport) == (400, "bad_upgrade")
    assert transport.protocol is proto  # never handed to the WebSocket protocol


async def test_an_upgrade_declaring_a_body_too_large_is_refused_not_handed_over(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path, body_bytes=1000)
    proto, transport = node.connect()
    proto.data_received(upgrade_request()[:-2] + b"content-length: 5000\r\n\r\n")
    assert json_error(transport) == (413, "body_too_large")
    assert transport.protocol is proto


async def test_a_request_the_parser_refuses_gets_a_json_400(tmp_path: Path) -> None:
    node = Node(tmp_path)
    proto, transport = node.connect()
    proto.data_received(b"GET / HTTP/1.1\nhost: x\n\n")  # bare LF line ends (RFC 9112 wants CRLF)
    assert json_error(transport) == (400, "bad_request")
