"""Our own WebSocket server (server/ws) against real clients: refusals, ping/pong, the close
handshake, keep-alive and the slow-reader bound, each on a real server process."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from server.wire import CloseCode, MessageType, var_bytes
from tests.support.server import ServerProcess
from tests.support.server_frames import server_frames
from tests.support.yclient import YClient, connected


def _handshake(port: int, path: str, version: str = "13", rcvbuf: int = 0) -> socket.socket:
    sock = socket.socket()
    if rcvbuf:  # before connecting, so the window is small from the start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: {version}\r\n\r\n").encode())
    return sock


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """The response head, and whatever frame bytes came with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _port(server: ServerProcess) -> int:
    return int(server.ws_base.rsplit(":", 1)[1].split("/", 1)[0])


def test_a_path_that_is_not_an_offer_socket_is_refused_with_404(server: ServerProcess) -> None:
    sock = _handshake(_port(server), "/ws/elsewhere")
    head, _ = _read_head(sock)
    assert head.startswith(b"HTTP/1.1 404")
    sock.close()


def test_an_old_websocket_version_is_told_which_one_we_speak(server: ServerProcess) -> None:
    offer = server.create_offer()
    sock = _handshake(_port(server), f"/ws/offers/{offer['id']}", version="8")
    head, _ = _read_head(sock)
    assert head.startswith(b"HTTP/1.1 426")
    assert b"sec-websocket-version: 13" in head.lower()
    sock.close()


async def test_ping_is_answered_and_a_close_is_echoed(server: ServerProcess) -> None:
    offer = server.create_offer()
    url = f"{server.ws_base}/{offer['id']}?token={offer['tokens']['client']}"
    async with connect(url) as ws:
        latency = await asyncio.wait_for(await ws.ping(b"are you there"), 5)
        assert latency >= 0
        await ws.close(4000, "leaving")
        assert ws.protocol.close_rcvd is not None
        assert ws.protocol.close_rcvd.code == 4000


async def test_edits_sent_before_admission_are_kept_in_order(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    url = f"{server.ws_base}/{offer['id']}?token={offer['tokens']['freelancer']}"
    async with connect(url) as ws:
        # Sent back to back with the handshake, before the server has even checked the token:
        # only the order lock, unlock, lock ends with fixed_price (and only it) locked.
        for kind, field in (("lock", "hourly_rate"), ("unlock", "hourly_rate"),
                            ("lock", "fixed_price")):
            await ws.send(bytes((MessageType.APP,)) + var_bytes(
                f'{{"type":"{kind}","field":"{field}"}}'.encode()))

        def locked() -> list[str]:
            updates = client.messages("locks")
            return [lock["field"] for lock in updates[-1]["locks"]] if updates else []

        await client.wait_for(lambda: locked() == ["fixed_price"])
    await client.close()


@pytest.fixture
def pinging_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", env={"OFFER_ROOM_WS_PING_SECONDS": "0.3"})
    proc.start()
    yield proc
    proc.stop()


async def test_a_silent_peer_is_pinged_and_then_dropped(pinging_server: ServerProcess) -> None:
    offer = pinging_server.create_offer()
    # A well-behaved client answers pings and stays.
    alive = await connected(pinging_server.ws_base, offer["id"], offer["tokens"]["client"])
    sock = _handshake(_port(pinging_server),
                      f"/ws/offers/{offer['id']}?token={offer['tokens']['freelancer']}")
    head, data = _read_head(sock)
    assert head.startswith(b"HTTP/1.1 101")
    sock.settimeout(5)
    started = time.monotonic()
    while chunk := sock.recv(65536):  # never answers: the server must hang up on its own
        data += chunk
    assert time.monotonic() - started < 4
    assert (0x9, b"") in list(server_frames(data))  # it was pinged first
    await asyncio.sleep(0.8)
    assert alive.close_code is None
    await alive.close()
    sock.close()


@pytest.fixture
def small_buffer_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", env={
        "OFFER_ROOM_SEND_BUFFER_BYTES": str(256 * 1024),
        "OFFER_ROOM_LIMITS": '{"description_max": 2000000}',
    })
    proc.start()
    yield proc
    proc.stop()


async def test_a_peer_that_stops_reading_is_closed_with_1013(
    small_buffer_server: ServerProcess,
) -> None:
    server = small_buffer_server
    offer = server.create_offer()
    writer = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    reader = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    stalled = _handshake(_port(server),
                         f"/ws/offers/{offer['id']}?token={offer['tokens']['freelancer']}",
                         rcvbuf=4096)
    head, data = _read_head(stalled)
    assert head.startswith(b"HTTP/1.1 101")
    # ~16 MB of edits while one peer reads nothing: more than the kernel buffers can hide.
    for i in range(16):
        with writer.edit() as doc:
            text = doc.description
            del text[0:len(text)]
            text += chr(ord("a") + i) * 1_000_000
        await asyncio.sleep(0.05)
    await reader.wait_for(lambda: str(reader.odoc.description)[:1] == "p", timeout=30)
    stalled.settimeout(10)
    while chunk := await asyncio.to_thread(stalled.recv, 1 << 20):
        data += chunk
    closes = [payload for opcode, payload in server_frames(data) if opcode == 0x8]
    assert closes and struct.unpack_from("!H", closes[0])[0] == CloseCode.OVERLOADED
    assert reader.close_code is None and writer.close_code is None  # the others kept going
    stalled.close()
    await writer.close()
    await reader.close()


async def test_a_graceful_stop_tells_clients_to_come_back_and_keeps_their_edits(
    tmp_path: Path,
) -> None:
    proc = ServerProcess(tmp_path / "data")
    proc.start()
    try:
        offer = proc.create_offer()
        client = await connected(proc.ws_base, offer["id"], offer["tokens"]["client"])
        with client.edit() as doc:
            doc.terms["title"] = "Said just before the restart"
        await asyncio.sleep(0.2)  # the edit reached the room
        await asyncio.to_thread(proc.stop)  # SIGTERM: uvicorn's graceful shutdown
        assert await client.wait_closed() == 1012  # service restart: reconnect later
        proc.start()
        again = await connected(proc.ws_base, offer["id"], offer["tokens"]["freelancer"])
        await again.wait_for(lambda: again.terms()["title"] == "Said just before the restart")
        await again.close()
    finally:
        proc.stop()


async def test_the_log_says_who_came_and_went_and_never_shows_a_token(
    server: ServerProcess,
) -> None:
    offer = server.create_offer()
    token = offer["tokens"]["client"]
    client = await connected(server.ws_base, offer["id"], token)
    refused = YClient(f"{server.ws_base}/{offer['id']}?token={token}x")  # a forged signature
    await refused.connect()
    assert await refused.wait_closed() == CloseCode.BAD_TOKEN
    await client.close()
    await asyncio.sleep(0.3)
    log = "".join(server.log)
    assert f"c-1 (client) joined offer {offer['id']}" in log
    assert f"c-1 left offer {offer['id']}" in log
    assert f"refused a socket for offer {offer['id']}" in log
    assert token not in log and token.split(".")[2] not in log
