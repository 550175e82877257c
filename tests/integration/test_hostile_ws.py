"""Hostile viewers against a real server (issue 11): one attack per finding on the WebSocket
framing, each asserting the bound it meets, that the attacker is cut off quickly with the
expected close code, and that an honest pair in another room keeps being served meanwhile.

The attacker holds only a viewer link and speaks raw RFC 6455 over a socket, so it can do what
no client library would: ping without ever reading, split a message into one-byte fragments,
trickle a frame, send text that is not UTF-8. The server runs with small limits (seconds, not
minutes) so that each test takes a few seconds.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.hostile import HonestPair, RssSampler
from tests.support.server import ServerProcess
from tests.support.server_frames import close_code

#: Server memory an attack may add (finding 3 grew it by 850 MB, finding 7 by ~108 MB).
RSS_BUDGET_MB = 30.0
#: The worst round trip of the honest pair while an attack runs.
HONEST_DEADLINE_S = 2.0

PING_SECONDS = 1.0
MESSAGE_TIMEOUT_S = 2.0
MAX_FRAGMENTS = 64  # the default (OFFER_ROOM_MAX_FRAGMENTS)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("data"), env={
        "OFFER_ROOM_WS_PING_SECONDS": str(PING_SECONDS),
        "OFFER_ROOM_MESSAGE_TIMEOUT_S": str(MESSAGE_TIMEOUT_S),
        "OFFER_ROOM_MAX_FRAGMENTS": str(MAX_FRAGMENTS),
    })
    proc.start()
    yield proc
    proc.stop()


# --- a raw attacker -----------------------------------------------------------------------------


def frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """A masked client frame (payloads under 126 bytes)."""
    assert len(payload) < 126
    mask = os.urandom(4)
    return (bytes([(0x80 if fin else 0) | opcode, 0x80 | len(payload)]) + mask
            + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def viewer_socket(server: ServerProcess, rcvbuf: int = 0) -> socket.socket:
    """A viewer of a fresh offer, upgraded (the 101 read), and nothing read after it."""
    offer = server.create_offer()
    token = server.mint(offer["id"], "viewer", "v-1", "Vera")
    port = int(server.url.rsplit(":", 1)[1])
    sock = socket.socket()
    if rcvbuf:  # before connecting, so the window is small from the start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/offers/{offer['id']}?token={token} HTTP/1.1\r\nHost: localhost\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    for _ in range(4096):  # byte by byte: not one byte past the head is read
        byte = sock.recv(1)
        assert byte, "closed during the handshake"
        head += byte
        if head.endswith(b"\r\n\r\n"):
            break
    assert head.startswith(b"HTTP/1.1 101") and head.endswith(b"\r\n\r\n"), head
    return sock


def read_until_closed(sock: socket.socket, seconds: float) -> tuple[bytes, float | None]:
    """Everything the server sends until it hangs up (or ``seconds`` pass): the bytes, and when
    the hang-up came (None if it did not)."""
    started = time.monotonic()
    data = b""
    while time.monotonic() - started < seconds:
        sock.settimeout(max(0.01, seconds - (time.monotonic() - started)))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return data, time.monotonic() - started
        if not chunk:
            return data, time.monotonic() - started
        data += chunk
    return data, None


def send_for(sock: socket.socket, stream: Iterator[bytes], seconds: float) -> float | None:
    """Send ``stream`` for up to ``seconds``, never reading; when the server cut us off (None if
    it did not). A send that cannot progress (the server stopped reading us) is retried."""
    sock.settimeout(0.05)
    started = time.monotonic()
    pending = b""
    while time.monotonic() - started < seconds:
        if not pending:
            pending = next(stream, b"")
            if not pending:
                return None
        try:
            sent = sock.send(pending)
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started
        pending = pending[sent:]  # frames stay whole across partial sends
    return None


def limit_hits(server: ServerProcess) -> dict[str, float]:
    """``offer_room_limit_hits_total`` by limit, from /metrics."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    return {sample.labels["limit"]: sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples
            if sample.name == "offer_room_limit_hits_total"}


# --- the attacks --------------------------------------------------------------------------------


async def test_3_a_viewer_that_floods_pings_and_never_reads_is_cut_off_at_a_small_cost(
    hostile_server: ServerProcess,
) -> None:
    server = hostile_server
    assert server.proc is not None
    before = limit_hits(server)
    sock = viewer_socket(server, rcvbuf=4096)

    def pings() -> Iterator[bytes]:
        batch = frame(0x9, b"p" * 125) * 500  # 65 KB of the largest pings
        for _ in range(100_000):
            yield batch

    async with HonestPair(server) as pair, RssSampler(server.proc.pid) as rss:
        pair.probe()
        cut_after = await asyncio.to_thread(send_for, sock, pings(), 10.0)
        await pair.stop_probe()
        await pair.round_trip(timeout=5)  # the room still works after the attack
    sock.close()
    # Before: every ping got a pong queued for a peer that reads nothing (+850 MB in 7 s).
    assert rss.growth_mb < RSS_BUDGET_MB, f"server grew {rss.growth_mb:.0f} MB"
    # Now a read of pings costs one pong, and over 1000 pings in a keep-alive period close the
    # socket (1008); a peer that does not read even that is aborted after the close linger.
    assert cut_after is not None and cut_after < 8, f"cut off after {cut_after} s"
    after = limit_hits(server)
    assert after.get("max_control_frames", 0) > before.get("max_control_frames", 0)
    assert pair.worst_s < HONEST_DEADLINE_S, f"honest round trip took {pair.worst_s:.2f} s"


async def test_7_one_byte_fragments_are_refused_at_the_fragment_limit(
    hostile_server: ServerProcess,
) -> None:
    server = hostile_server
    assert server.proc is not None
    before = limit_hits(server)
    sock = viewer_socket(server)

    def fragments() -> Iterator[bytes]:
        # 14.7 MB of one-byte fragments of one message (2.1 million frames), in 70 KB sends.
        yield frame(0x2, b"a", fin=False)
        cont = frame(0x0, b"a", fin=False)
        for _ in range(210):
            yield cont * 10_000

    async with HonestPair(server) as pair, RssSampler(server.proc.pid) as rss:
        pair.probe()
        started = time.monotonic()
        await asyncio.to_thread(send_for, sock, fragments(), 10.0)
        data, _ = await asyncio.to_thread(read_until_closed, sock, 5.0)
        elapsed = time.monotonic() - started
        await pair.stop_probe()
        await pair.round_trip(timeout=5)  # the room still works after the attack
    sock.close()
    # Before: each fragment was an object of its own until 2 MiB of them (~108 MB).
    assert rss.growth_mb < RSS_BUDGET_MB, f"server grew {rss.growth_mb:.0f} MB"
    assert close_code(data) == 1008  # policy: a message in more than MAX_FRAGMENTS frames
    assert elapsed < 8
    after = limit_hits(server)
    assert after.get("max_fragments", 0) > before.get("max_fragments", 0)
    assert pair.worst_s < HONEST_DEADLINE_S, f"honest round trip took {pair.worst_s:.2f} s"


async def test_8_a_frame_trickled_byte_by_byte_is_closed_at_its_deadline(
    hostile_server: ServerProcess,
) -> None:
    server = hostile_server
    before = limit_hits(server)
    sock = viewer_socket(server)
    unfinished = frame(0x2, b"t" * 100)  # 106 bytes: at one every 0.3 s it would take 32 s

    def trickle() -> Iterator[bytes]:
        for byte in unfinished:
            yield bytes([byte])
            time.sleep(0.3)  # faster than the keep-alive: every period hears something

    async with HonestPair(server) as pair:
        pair.probe()
        started = time.monotonic()
        await asyncio.to_thread(send_for, sock, trickle(), MESSAGE_TIMEOUT_S + 1.5)
        data, _ = await asyncio.to_thread(read_until_closed, sock, 3.0)
        elapsed = time.monotonic() - started
        await pair.stop_probe()
        await pair.round_trip(timeout=5)  # the room still works after the attack
    sock.close()
    # Before: any byte counted as heard, so the trickle was never dropped.
    assert close_code(data) == 1008
    assert elapsed < MESSAGE_TIMEOUT_S + 4
    after = limit_hits(server)
    assert after.get("message_timeout_s", 0) > before.get("message_timeout_s", 0)
    assert pair.worst_s < HONEST_DEADLINE_S, f"honest round trip took {pair.worst_s:.2f} s"


async def test_9_text_that_is_not_utf8_is_closed_with_1007(
    hostile_server: ServerProcess,
) -> None:
    server = hostile_server
    before = limit_hits(server)
    sock = viewer_socket(server)
    async with HonestPair(server) as pair:
        pair.probe()
        sock.sendall(frame(0x1, b'{"type": "hello"}'))  # valid text: answered, kept
        sock.sendall(frame(0x1, b"caf\xc3"))  # a truncated character
        data, closed_after = await asyncio.to_thread(read_until_closed, sock, 5.0)
        await pair.stop_probe()
        await pair.round_trip(timeout=5)  # the room still works after the attack
    sock.close()
    # Before: text was never checked, the socket stayed open.
    assert close_code(data) == 1007
    assert closed_after is not None and closed_after < 4
    after = limit_hits(server)
    assert after.get("invalid_utf8", 0) > before.get("invalid_utf8", 0)
    assert pair.worst_s < HONEST_DEADLINE_S, f"honest round trip took {pair.worst_s:.2f} s"
