"""WebSocketProtocol on a fake transport: handshake in pieces, refusals, the close handshake,
the linger that drops a peer who stopped reading, keep-alive, framing errors, and the bounds a
hostile peer meets (send buffer, pause, message deadline, fragments, UTF-8)."""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from typing import Any

import pytest

from server.ws.frames import FrameReader, Opcode, encode_frame
from server.ws.handshake import HandshakeError, Request
from server.ws.protocol import _SWEEPS, WebSocketProtocol


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.closed = False
        self.aborted = False
        self.backlog = 0  # bytes the peer has not read
        self.reading = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "wrote after close"
        self.out += data

    def get_write_buffer_size(self) -> int:
        return self.backlog

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = self.aborted = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class FakeState:
    def __init__(self) -> None:
        self.connections: set[Any] = set()
        self.tasks: set[Any] = set()


class Echo(WebSocketProtocol):
    """Records messages; refuses paths other than /ok."""

    __slots__ = ("limits", "lost_calls", "messages", "opened_with")
    ping_seconds = 0.05
    close_timeout = 0.05
    max_message_bytes = 1000
    max_fragments = 4
    send_buffer_bytes = 4096
    max_control_frames = 1000

    def __init__(self) -> None:
        super().__init__(None, FakeState(), {})  # type: ignore[arg-type]
        self.messages: list[tuple[int, bytes]] = []
        self.lost_calls = 0
        self.opened_with: Request | None = None
        self.limits: list[str] = []

    def route(self, request: Request) -> None:
        if request.path != "/ok":
            raise HandshakeError(404, "no such endpoint")

    def opened(self, request: Request) -> None:
        self.opened_with = request

    def message(self, opcode: int, payload: bytes) -> None:
        self.messages.append((opcode, payload))

    def lost(self) -> None:
        self.lost_calls += 1

    def limit_hit(self, name: str) -> None:
        self.limits.append(name)


class Patient(Echo):
    """Pinged as often as Echo, but a frame may take 0.15 s (three ping periods)."""

    __slots__ = ()
    message_timeout = 0.15


def request(path: str = "/ok?token=t") -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            f"sec-websocket-key: {key}\r\nsec-websocket-version: 13\r\n\r\n").encode()


def client_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    mask = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | opcode])
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


def opened(kind: type[Echo] = Echo) -> tuple[Echo, FakeTransport]:
    proto, transport = kind(), FakeTransport()
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


async def test_a_head_sent_a_byte_at_a_time_is_accepted_once() -> None:
    # Only what each chunk added (and the 3 bytes before it) is searched for the blank line: it
    # must still be found when "\r\n\r\n" straddles chunks, and only once.
    proto, transport = Echo(), FakeTransport()
    proto.connection_made(transport)
    data = request() + client_frame(Opcode.BINARY, b"after")
    for i in range(len(data)):
        proto.data_received(data[i:i + 1])
    assert transport.out.count(b"HTTP/1.1 101") == 1
    assert proto.messages == [(Opcode.BINARY, b"after")]


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


async def test_keepalive_is_one_timer_for_every_socket_and_none_once_they_are_gone() -> None:
    # A timer per socket cost each idle connection ~600 bytes; one per loop and period serves all.
    key = (asyncio.get_running_loop(), Echo.ping_seconds)
    sockets = [opened() for _ in range(30)]
    assert key in _SWEEPS
    assert all(proto._timer is None and proto._deadline is None for proto, _ in sockets)
    for _ in range(20):  # silent: pinged after a period, dropped after the next (~0.1 s)
        await asyncio.sleep(Echo.ping_seconds / 2)
        if all(transport.closed for _, transport in sockets):
            break
    for proto, transport in sockets:
        assert transport.closed and (Opcode.PING, b"") in server_frames(bytes(transport.out))
        assert proto.limits == ["ws_ping_seconds"]
        proto.connection_lost(None)
    await asyncio.sleep(Echo.ping_seconds / 5)  # the next tick finds nobody and stops
    assert key not in _SWEEPS


async def test_a_socket_opened_between_ticks_is_first_pinged_a_period_after_it_opened() -> None:
    loop = asyncio.get_running_loop()
    first, _ = opened()  # starts the ticks
    await asyncio.sleep(Echo.ping_seconds * 0.45)
    late, transport = opened()
    since = loop.time()
    while (Opcode.PING, b"") not in server_frames(bytes(transport.out)):
        assert loop.time() - since < Echo.ping_seconds * 3, "never pinged"
        await asyncio.sleep(Echo.ping_seconds / 20)
    # Checked once a period in one of ten slices: not sooner than nine tenths of a period.
    assert loop.time() - since >= Echo.ping_seconds * 0.9
    first.connection_lost(None)
    late.connection_lost(None)


class TimedTransport(FakeTransport):
    """Notes when it was asked to send a ping and to close."""

    def __init__(self) -> None:
        super().__init__()
        self.pinged_at: list[float] = []
        self.closed_at: float | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        super().write(data)
        if bytes(data[:2]) == bytes((0x80 | Opcode.PING, 0)):
            self.pinged_at.append(asyncio.get_running_loop().time())

    def close(self) -> None:
        super().close()
        self.closed_at = asyncio.get_running_loop().time()


async def test_after_a_stall_a_pinged_peer_still_has_a_period_to_answer() -> None:
    loop = asyncio.get_running_loop()
    proto, transport = Echo(), TimedTransport()
    proto.connection_made(transport)
    proto.data_received(request())
    # The loop stalls (blocking it is the point): the keep-alive check is overdue.
    time.sleep(Echo.ping_seconds * 2.5)  # noqa: ASYNC251
    deadline = loop.time() + Echo.ping_seconds * 10
    while not transport.closed:
        assert loop.time() < deadline, "a silent peer was never dropped"
        await asyncio.sleep(Echo.ping_seconds / 10)
    # Overdue checks do not run back to back: the one that pinged is not followed at once by
    # one that drops the peer before it could answer.
    assert transport.pinged_at and transport.closed_at is not None
    assert transport.closed_at - transport.pinged_at[-1] >= Echo.ping_seconds * 0.95
    assert proto.limits == ["ws_ping_seconds"]
    proto.connection_lost(None)


class Broken(Echo):
    """Its keep-alive check raises (a bug of ours, say in a metrics hook)."""

    __slots__ = ()

    def limit_hit(self, name: str) -> None:
        raise RuntimeError("broken hook")


async def test_a_failing_check_drops_its_socket_and_keeps_the_others_alive() -> None:
    broken, broken_transport = opened(Broken)
    proto, transport = opened()
    for _ in range(40):  # broken: pinged, then its drop raises; the other one stays checked
        await asyncio.sleep(Echo.ping_seconds / 2)
        if broken_transport.aborted and transport.closed:
            break
    assert broken_transport.aborted
    assert transport.closed and proto.limits == ["ws_ping_seconds"]
    broken.connection_lost(None)
    proto.connection_lost(None)


async def test_a_closing_socket_leaves_keepalive_at_once() -> None:
    proto, transport = opened()
    proto.close(1000, "bye")
    assert proto._bucket is None
    await asyncio.sleep(Echo.ping_seconds * 1.5)
    assert (Opcode.PING, b"") not in server_frames(bytes(transport.out))
    proto.connection_lost(None)


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
    assert proto.limits == ["max_frame_bytes"]


async def test_shutdown_says_restarting() -> None:
    proto, transport = opened()
    proto.shutdown()
    assert server_frames(bytes(transport.out))[-1] == (Opcode.CLOSE,
                                                       struct.pack("!H", 1012)
                                                       + b"server restarting")
    assert transport.closed


def close_code(transport: FakeTransport) -> int | None:
    """The code of the close frame the server wrote, if it wrote one."""
    for opcode, payload in server_frames(bytes(transport.out)):
        if opcode == Opcode.CLOSE:
            code: int = struct.unpack("!H", payload[:2])[0]
            return code
    return None


# --- what the protocol writes on its own is bounded --------------------------------------------


async def test_pings_read_in_one_chunk_cost_one_pong() -> None:
    proto, transport = opened()
    proto.data_received(b"".join(client_frame(Opcode.PING, b"%d" % i) for i in range(500)))
    pongs = [f for f in server_frames(bytes(transport.out)) if f[0] == Opcode.PONG]
    assert pongs == [(Opcode.PONG, b"499")]  # the latest, as RFC 6455 §5.5.3 allows
    assert not transport.closed


async def test_a_flood_of_pings_and_pongs_is_closed_with_1008() -> None:
    proto, transport = opened()
    budget = Echo.max_control_frames
    half = budget // 2
    proto.data_received(b"".join(client_frame(Opcode.PING, b"") for _ in range(half)))
    proto.data_received(b"".join(client_frame(Opcode.PONG, b"") for _ in range(budget - half)))
    assert close_code(transport) is None  # the budget of one keep-alive period, exactly
    proto.data_received(client_frame(Opcode.PING, b"one too many"))
    assert close_code(transport) == 1008
    assert (Opcode.PONG, b"one too many") not in server_frames(bytes(transport.out))
    assert proto.limits == ["max_control_frames"]


async def test_the_ping_budget_is_per_keepalive_period() -> None:
    proto, transport = opened()
    for _ in range(4):  # 0.8 budgets a period, over four periods
        proto.data_received(b"".join(
            client_frame(Opcode.PING, b"") for _ in range(Echo.max_control_frames * 4 // 5)
        ))
        await asyncio.sleep(Echo.ping_seconds * 1.3)
    assert close_code(transport) is None and not transport.closed


async def test_a_peer_that_pings_and_never_reads_is_closed_with_1013_then_aborted() -> None:
    proto, transport = opened()
    proto.data_received(client_frame(Opcode.PING, b"1"))
    transport.backlog = Echo.send_buffer_bytes  # at the bound: still answered
    proto.data_received(client_frame(Opcode.PING, b"2"))
    assert [f for f in server_frames(bytes(transport.out)) if f[0] == Opcode.PONG] == [
        (Opcode.PONG, b"1"), (Opcode.PONG, b"2")
    ]
    transport.backlog = Echo.send_buffer_bytes + 1  # past it: no pong, a 1013 instead
    proto.data_received(client_frame(Opcode.PING, b"3"))
    frames = server_frames(bytes(transport.out))
    assert (Opcode.PONG, b"3") not in frames
    assert close_code(transport) == 1013
    assert proto.limits == ["send_buffer_bytes"]
    proto.data_received(client_frame(Opcode.PING, b"4"))  # closing: nothing more is written
    assert server_frames(bytes(transport.out)) == frames
    await asyncio.sleep(0.08)  # a linger without reading a byte
    assert transport.aborted


async def test_no_keepalive_ping_is_queued_behind_a_full_send_buffer() -> None:
    proto, transport = opened()
    transport.backlog = Echo.send_buffer_bytes + 1
    await asyncio.sleep(0.08)  # one keep-alive tick
    assert (Opcode.PING, b"") not in server_frames(bytes(transport.out))
    assert close_code(transport) == 1013
    assert proto.limits == ["send_buffer_bytes"]
    await asyncio.sleep(0.08)
    assert transport.aborted


async def test_reading_stops_while_the_transport_holds_back_our_writes() -> None:
    proto, transport = opened()
    proto.pause_writing()  # the transport's buffer passed its high-water mark
    assert not transport.reading
    proto.resume_writing()
    assert transport.reading


async def test_a_peer_that_closes_and_never_reads_the_echo_is_aborted() -> None:
    proto, transport = opened()
    transport.backlog = 5000
    proto.data_received(client_frame(Opcode.CLOSE, struct.pack("!H", 1000)))
    assert transport.closed and not transport.aborted  # closing after what is written
    await asyncio.sleep(0.08)  # nothing drained in a linger: close alone would wait forever
    assert transport.aborted


async def test_a_peer_that_never_answers_and_never_reads_is_aborted() -> None:
    proto, transport = opened()
    transport.backlog = 100  # our pings sit unread, but under the send-buffer bound
    for _ in range(8):  # two keep-alive periods to give up, one linger to abort: ~0.15 s
        await asyncio.sleep(0.05)
        if transport.aborted:
            break
    assert transport.aborted
    assert proto.limits == ["ws_ping_seconds"]


# --- a frame or message has a deadline from its first byte --------------------------------------


async def test_a_frame_trickled_a_byte_at_a_time_is_closed_with_1008_at_its_deadline() -> None:
    proto, transport = opened(Patient)
    loop = asyncio.get_running_loop()
    frame = client_frame(Opcode.BINARY, b"x" * 200)
    started = loop.time()
    for i in range(40):  # 40 bytes in 0.4 s: far from the end of the frame
        proto.data_received(frame[i:i + 1])
        if close_code(transport) is not None:
            break
        await asyncio.sleep(0.01)
    elapsed = loop.time() - started
    assert close_code(transport) == 1008
    assert Patient.message_timeout <= elapsed < Patient.message_timeout + 0.1
    assert proto.limits == ["message_timeout_s"]
    assert proto.messages == []


async def test_a_fragmented_message_kept_open_with_pings_is_closed_at_its_deadline() -> None:
    proto, transport = opened(Patient)
    proto.data_received(client_frame(Opcode.BINARY, b"a", fin=False))
    for _ in range(40):  # complete frames keep coming, none ends the message
        await asyncio.sleep(0.01)
        proto.data_received(client_frame(Opcode.PING, b"") + client_frame(Opcode.PONG, b""))
        if close_code(transport) is not None:
            break
    assert close_code(transport) == 1008
    assert proto.limits == ["message_timeout_s"]


async def test_a_slow_frame_that_ends_in_time_is_delivered_and_not_dropped_by_keepalive() -> None:
    # 0.12 s in pieces is more than two ping periods without a complete frame (so no pong is
    # possible), but within the frame's deadline: the peer is slow, not dead.
    proto, transport = opened(Patient)
    frame = client_frame(Opcode.BINARY, b"y" * 120)
    for i in range(0, 120, 10):
        proto.data_received(frame[i:i + 10])
        await asyncio.sleep(0.01)
    proto.data_received(frame[120:])
    assert proto.messages == [(Opcode.BINARY, b"y" * 120)]
    for _ in range(5):  # past the deadline the frame had (it was cancelled), talking
        proto.data_received(client_frame(Opcode.PONG, b""))
        await asyncio.sleep(0.04)
    assert close_code(transport) is None and not transport.closed
    assert proto.limits == []


async def test_each_frame_gets_its_own_deadline() -> None:
    # A peer whose frames straddle chunks all the time (each chunk ends one frame and starts the
    # next) is busy for ever, but every frame completes quickly.
    proto, transport = opened(Patient)
    frames = b"".join(client_frame(Opcode.BINARY, b"%03d" % i) for i in range(30))
    for i in range(0, len(frames), 7):  # frames are 10 bytes: every chunk splits one
        proto.data_received(frames[i:i + 7])
        await asyncio.sleep(0.01)
    assert len(proto.messages) == 30
    assert close_code(transport) is None


# --- fragments and text -----------------------------------------------------------------------


async def test_too_many_fragments_close_with_1008() -> None:
    proto, transport = opened()
    proto.data_received(b"".join(
        [client_frame(Opcode.BINARY, b"a", fin=False)]
        + [client_frame(Opcode.CONT, b"", fin=False)] * 3
    ))
    assert close_code(transport) is None  # four frames so far: the limit
    proto.data_received(client_frame(Opcode.CONT, b"", fin=False))
    assert close_code(transport) == 1008
    assert proto.limits == ["max_fragments"]
    assert proto.messages == []


async def test_text_that_is_not_utf8_closes_with_1007() -> None:
    proto, transport = opened()
    text = "prix: 50 € ✓".encode()
    # Valid text, a character split between two fragments, still reaches the application.
    proto.data_received(client_frame(Opcode.TEXT, text[:11], fin=False)
                        + client_frame(Opcode.CONT, text[11:]))
    assert proto.messages == [(Opcode.TEXT, text)]
    proto.data_received(client_frame(Opcode.TEXT, b"caf\xc3"))  # a truncated character
    assert close_code(transport) == 1007
    assert proto.limits == ["invalid_utf8"]
    assert proto.messages == [(Opcode.TEXT, text)]
    # The framing is intact: the close handshake still completes.
    proto.data_received(client_frame(Opcode.CLOSE, struct.pack("!H", 1007)))
    assert transport.closed and not transport.aborted


def test_server_frames_parse_with_our_reader_when_masked_by_a_client() -> None:
    # The helper above is only trusted because both directions agree on the format.
    reader = FrameReader(1 << 20)
    assert reader.feed(client_frame(Opcode.BINARY, b"abc")) == [(Opcode.BINARY, b"abc")]
    assert encode_frame(Opcode.BINARY, b"abc") == b"\x82\x03abc"
