"""A participant's connection: ordered delivery, bounded queue, close-after-drain, rate budget."""

from __future__ import annotations

import asyncio

import pytest

from server.auth import ROLE_COLORS, Claims
from server.rooms.connection import Connection
from server.wire import CloseCode

CLAIMS = Claims(offer="o-1", sub="f-1", name="Linus", role="freelancer", exp=2**40)


class MemoryChannel:
    """Records what the writer delivered; ``gate`` lets a test stall the transport."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.closed_with: tuple[int, str] | None = None
        self.gate = asyncio.Event()
        self.gate.set()

    async def send(self, frame: bytes) -> None:
        await self.gate.wait()
        self.frames.append(frame)

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)


class BrokenChannel(MemoryChannel):
    async def send(self, frame: bytes) -> None:
        raise ConnectionResetError("peer went away")


def connect(channel: MemoryChannel, queue_max: int = 100, rate: float = 10.0,
            burst: float = 5.0) -> Connection:
    conn = Connection(channel, CLAIMS, queue_max=queue_max, rate_per_second=rate,
                      rate_burst=burst)
    conn.start()
    return conn


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_identity_comes_from_the_token() -> None:
    conn = Connection(MemoryChannel(), CLAIMS, queue_max=1, rate_per_second=1, rate_burst=1)
    assert (conn.user.id, conn.user.name, conn.user.role) == ("f-1", "Linus", "freelancer")
    assert conn.user.color == ROLE_COLORS["freelancer"]
    assert conn.identity == {"id": "f-1", "name": "Linus", "role": "freelancer",
                             "color": ROLE_COLORS["freelancer"]}


async def test_frames_are_delivered_in_order() -> None:
    channel = MemoryChannel()
    conn = connect(channel)
    frames = [bytes([i]) * (i + 1) for i in range(50)]
    for frame in frames[:20]:
        conn.send(frame)
    await settle()
    for frame in frames[20:]:
        conn.send(frame)
    await settle()
    assert channel.frames == frames
    assert channel.closed_with is None and not conn.closed.is_set()
    await conn.stop()


async def test_close_delivers_queued_frames_first() -> None:
    channel = MemoryChannel()
    conn = connect(channel)
    conn.send(b"a")
    conn.send(b"b")
    conn.close(CloseCode.BAD_TOKEN, "bye")
    conn.send(b"after close")  # dropped: the connection is closing
    conn.close(CloseCode.NORMAL, "second close is ignored")
    await asyncio.wait_for(conn.closed.wait(), 1)
    assert channel.frames == [b"a", b"b"]
    assert channel.closed_with == (CloseCode.BAD_TOKEN, "bye")


async def test_overflow_closes_with_1013_after_what_was_queued() -> None:
    channel = MemoryChannel()
    channel.gate.clear()  # a client that reads nothing
    conn = connect(channel, queue_max=3)
    for i in range(3):
        conn.send(bytes([i]))
    await settle()  # the writer holds frame 0 in send(); 1 and 2 are queued
    conn.send(b"\x03")
    conn.send(b"\x04")  # one past the bound
    conn.send(b"\x05")  # ignored: already closing
    channel.gate.set()
    await asyncio.wait_for(conn.closed.wait(), 1)
    assert channel.frames == [b"\x00", b"\x01", b"\x02", b"\x03"]
    assert channel.closed_with is not None
    assert channel.closed_with[0] == 1013


async def test_overflow_before_the_writer_runs() -> None:
    channel = MemoryChannel()
    conn = connect(channel, queue_max=2)
    for frame in (b"1", b"2", b"3"):
        conn.send(frame)
    await asyncio.wait_for(conn.closed.wait(), 1)
    assert channel.frames == [b"1", b"2"]
    assert channel.closed_with is not None and channel.closed_with[0] == 1013


async def test_a_broken_transport_stops_the_writer() -> None:
    channel = BrokenChannel()
    conn = connect(channel)
    conn.send(b"x")
    await asyncio.wait_for(conn.closed.wait(), 1)
    assert channel.closed_with is None


async def test_stop_cancels_a_stalled_writer() -> None:
    channel = MemoryChannel()
    channel.gate.clear()
    conn = connect(channel)
    conn.send(b"stuck")
    await settle()
    await asyncio.wait_for(conn.stop(), 1)
    assert conn.closed.is_set() and channel.frames == []


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    fake = FakeMonotonic()
    monkeypatch.setattr("server.rooms.connection.time.monotonic", fake)
    return fake


def test_rate_budget_refuses_past_the_burst(clock: FakeMonotonic) -> None:
    conn = Connection(MemoryChannel(), CLAIMS, queue_max=1, rate_per_second=10, rate_burst=5)
    assert [conn.allow_message() for _ in range(7)] == [True] * 5 + [False] * 2


def test_rate_budget_refills_over_time(clock: FakeMonotonic) -> None:
    conn = Connection(MemoryChannel(), CLAIMS, queue_max=1, rate_per_second=10, rate_burst=5)
    for _ in range(5):
        assert conn.allow_message()
    assert not conn.allow_message()
    clock.now += 0.05  # half a token
    assert not conn.allow_message()
    clock.now += 0.05  # one token
    assert conn.allow_message()
    assert not conn.allow_message()
    clock.now += 0.25  # 2.5 tokens
    assert [conn.allow_message() for _ in range(3)] == [True, True, False]


def test_rate_budget_never_exceeds_the_burst(clock: FakeMonotonic) -> None:
    conn = Connection(MemoryChannel(), CLAIMS, queue_max=1, rate_per_second=10, rate_burst=5)
    clock.now += 3600  # an hour of silence buys no more than the burst
    assert [conn.allow_message() for _ in range(6)] == [True] * 5 + [False]
