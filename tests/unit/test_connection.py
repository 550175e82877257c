"""A participant's connection: ordered delivery, a bounded send buffer, close once, rate budget."""

from __future__ import annotations

import pytest

from server.auth import ROLE_COLORS, Claims
from server.rooms.connection import Connection
from server.wire import CloseCode
from tests.support.channel import MemoryChannel

CLAIMS = Claims(offer="o-1", sub="f-1", name="Linus", role="freelancer", exp=2**40)


def connect(channel: MemoryChannel, limit: int = 100, rate: float = 10.0,
            burst: float = 5.0) -> Connection:
    return Connection(channel, CLAIMS, send_buffer_bytes=limit, rate_per_second=rate,
                      rate_burst=burst)


def test_identity_comes_from_the_token() -> None:
    conn = connect(MemoryChannel())
    assert (conn.user.id, conn.user.name, conn.user.role) == ("f-1", "Linus", "freelancer")
    assert conn.user.color == ROLE_COLORS["freelancer"]
    assert conn.identity == {"id": "f-1", "name": "Linus", "role": "freelancer",
                             "color": ROLE_COLORS["freelancer"]}


def test_frames_are_written_in_order_at_once() -> None:
    channel = MemoryChannel()
    conn = connect(channel)
    frames = [bytes([i]) * (i + 1) for i in range(50)]
    for frame in frames:
        conn.send(frame)
    assert channel.frames == frames
    assert channel.closed_with is None and not conn.closing


def test_close_comes_after_what_was_sent_and_only_once() -> None:
    channel = MemoryChannel()
    conn = connect(channel)
    conn.send(b"a")
    conn.send(b"b")
    conn.close(CloseCode.BAD_TOKEN, "bye")
    conn.send(b"after close")  # dropped: the connection is closing
    conn.close(CloseCode.NORMAL, "second close is ignored")
    assert channel.frames == [b"a", b"b"]
    assert channel.closed_with == (CloseCode.BAD_TOKEN, "bye")
    assert conn.closing


def test_a_peer_that_reads_nothing_is_closed_with_1013() -> None:
    channel = MemoryChannel()
    conn = connect(channel, limit=3)
    channel.backlog = 3  # at the bound: still written
    conn.send(b"1")
    channel.backlog = 4  # one byte past the bound
    conn.send(b"2")
    conn.send(b"3")  # ignored: already closing
    assert channel.frames == [b"1"]
    assert channel.closed_with is not None and channel.closed_with[0] == 1013


def test_a_peer_that_catches_up_keeps_its_connection() -> None:
    channel = MemoryChannel()
    conn = connect(channel, limit=3)
    channel.backlog = 3
    conn.send(b"1")
    channel.backlog = 0
    conn.send(b"2")
    assert channel.frames == [b"1", b"2"] and channel.closed_with is None


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
    conn = connect(MemoryChannel(), rate=10, burst=5)
    assert [conn.allow_message() for _ in range(7)] == [True] * 5 + [False] * 2


def test_rate_budget_refills_over_time(clock: FakeMonotonic) -> None:
    conn = connect(MemoryChannel(), rate=10, burst=5)
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
    conn = connect(MemoryChannel(), rate=10, burst=5)
    clock.now += 3600  # an hour of silence buys no more than the burst
    assert [conn.allow_message() for _ in range(6)] == [True] * 5 + [False]
