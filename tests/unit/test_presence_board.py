"""The presence board in Redis: a party is away only when no node has a socket of theirs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.bus import presence
from server.bus.presence import RedisBoard
from server.tasks import Tasks
from tests.support.redis import RedisServer


async def settle(tasks: Tasks) -> None:
    """Wait for the board's writes to reach Redis."""
    for _ in range(500):
        if not tasks.running("bus"):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("presence writes still running after 5 s")


@pytest.fixture
async def boards(redis: RedisServer) -> AsyncIterator[tuple[RedisBoard, RedisBoard, Tasks]]:
    client = Redis.from_url(redis.url)
    tasks = Tasks()
    yield RedisBoard(client, "node-a", tasks), RedisBoard(client, "node-b", tasks), tasks
    await tasks.close()
    await client.aclose()


async def test_a_socket_on_one_node_is_present_for_the_other(
    boards: tuple[RedisBoard, RedisBoard, Tasks],
) -> None:
    a, b, tasks = boards
    a.arrived("o1", "f-1")
    await settle(tasks)
    assert await b.elsewhere("o1", "f-1")
    assert not await a.elsewhere("o1", "f-1")  # its own sockets the node counts itself
    assert not await b.elsewhere("o1", "c-1") and not await b.elsewhere("o2", "f-1")
    a.departed("o1", "f-1")
    await settle(tasks)
    assert not await b.elsewhere("o1", "f-1")


async def test_a_quick_arrive_and_leave_ends_away(
    boards: tuple[RedisBoard, RedisBoard, Tasks],
) -> None:
    """Reloads and flapping tabs: the writes land in the order they happened."""
    a, b, tasks = boards
    for _ in range(50):
        a.arrived("o1", "f-1")
        a.departed("o1", "f-1")
    await settle(tasks)
    assert not await b.elsewhere("o1", "f-1")


async def test_a_node_that_stops_announcing_lapses(
    boards: tuple[RedisBoard, RedisBoard, Tasks], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(presence, "TTL_S", 1.0)
    a, b, tasks = boards
    a.arrived("o1", "f-1")  # and then node A dies: no heartbeat, no departure
    await settle(tasks)
    assert await b.elsewhere("o1", "f-1")
    await asyncio.sleep(1.2)
    assert not await b.elsewhere("o1", "f-1")


async def test_without_redis_everyone_is_away(redis: RedisServer) -> None:
    """A needless e-mail beats a lost one."""
    client = Redis.from_url(redis.url, socket_timeout=1)
    board = RedisBoard(client, "node-b", Tasks())
    redis.close()
    assert not await board.elsewhere("o1", "f-1")
    await client.aclose()
