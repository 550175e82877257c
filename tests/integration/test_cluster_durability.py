"""Cross-node delivery ahead of the group commit, and the promise that nothing another node
showed is lost (docs/ARCHITECTURE.md, "Cluster").

Real servers throughout: a private redis-server, a PostgreSQL database of its own per test, and
offer-room processes. The producer's group commit is made long (``OFFER_ROOM_FLUSH_MS``) so "before
its commit" is a state the test can look at, not a race: the store is read directly to show what
is and is not durable yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from server.rooms.registry import load_offer_doc
from server.store.open import store_from_url
from tests.support.postgres import create_database, drop_database
from tests.support.redis import RedisServer
from tests.support.server import ServerProcess
from tests.support.yclient import YClient, connected

HELD = "offer_room_cluster_held_updates"
SELF_PERSISTED = "offer_room_cluster_self_persisted_total"


@pytest.fixture
def database() -> Iterator[str]:
    url = create_database("durability")
    yield url
    drop_database(url)


class Nodes:
    """Cluster nodes started on demand, each with settings of its own; all stopped at the end."""

    def __init__(self, tmp: Path, database: str, redis: RedisServer) -> None:
        self._tmp = tmp
        self._env = {"OFFER_ROOM_DATABASE_URL": database, "OFFER_ROOM_REDIS_URL": redis.url}
        self.started: list[ServerProcess] = []

    def start(self, name: str, **settings: str) -> ServerProcess:
        env = {**self._env, "OFFER_ROOM_NODE_ID": f"node-{name}",
               **{f"OFFER_ROOM_{key.upper()}": value for key, value in settings.items()}}
        node = ServerProcess(self._tmp / name, env=env)
        node.start()
        self.started.append(node)
        return node

    async def split(self, a: dict[str, str], b: dict[str, str]) -> Split:
        """Nodes A and B with these settings, and an offer whose client is connected to A and
        whose freelancer is connected to B."""
        node_a, node_b = self.start("a", **a), self.start("b", **b)
        offer = node_a.create_offer()
        client = await connected(node_a.ws_base, offer["id"], offer["tokens"]["client"])
        freelancer = await connected(node_b.ws_base, offer["id"], offer["tokens"]["freelancer"])
        return Split(node_a, node_b, offer, client, freelancer)

    def close(self) -> None:
        for node in self.started:
            node.stop()


class Split(NamedTuple):
    a: ServerProcess
    b: ServerProcess
    offer: dict[str, Any]
    client: YClient
    freelancer: YClient


@pytest.fixture
def nodes(tmp_path: Path, database: str, redis: RedisServer) -> Iterator[Nodes]:
    started = Nodes(tmp_path, database, redis)
    yield started
    started.close()


async def _stored_description(database: str, offer_id: str, tmp: Path) -> str:
    """The draft's description as the store holds it (snapshot and log), read afresh."""
    store = store_from_url(database, tmp)
    await store.open()
    try:
        odoc, _backlog = await load_offer_doc(store, offer_id)
        return str(odoc.description)
    finally:
        await store.close()


async def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def _until_stored(database: str, offer_id: str, tmp: Path, text: str,
                        timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while text not in await _stored_description(database, offer_id, tmp):
        assert time.monotonic() < deadline, f"{text!r} never reached the store"
        await asyncio.sleep(0.2)


def _append(client: YClient, text: str) -> None:
    with client.edit() as doc:
        doc.description.insert(len(str(doc.description).encode()), text)


async def test_an_update_reaches_the_other_node_before_its_producer_stores_it(
    nodes: Nodes, database: str, tmp_path: Path
) -> None:
    # Node A commits every 10 s; node B would wait a minute before storing A's updates itself.
    _, b, offer, client, freelancer = await nodes.split({"flush_ms": "10000"},
                                                   {"cluster_hold_ms": "60000"})
    _append(client, " Sent from node A.")
    await freelancer.wait_for(lambda: "Sent from node A." in str(freelancer.odoc.description), 5)
    # Shown on node B while the store does not have it: delivery did not wait for the commit.
    assert "Sent from node A." not in await _stored_description(database, offer["id"], tmp_path)
    assert b.metric(HELD) > 0
    # A's commit lands, its durable mark follows, and node B lets go without storing anything.
    await _until_stored(database, offer["id"], tmp_path, "Sent from node A.")
    await _until(lambda: b.metric(HELD) == 0, 10, "node B to drop the confirmed updates")
    assert b.metric(SELF_PERSISTED, reason="timeout") == 0
    assert b.metric(SELF_PERSISTED, reason="cap") == 0
    await client.close()
    await freelancer.close()


async def test_kill9_of_the_producer_before_its_commit_loses_nothing_another_node_showed(
    nodes: Nodes, database: str, tmp_path: Path
) -> None:
    # Node A never commits in this test's lifetime; node B gives up on A's word after 1 s.
    a, b, offer, client, freelancer = await nodes.split({"flush_ms": "60000"},
                                                   {"cluster_hold_ms": "1000"})
    _append(client, " Seen on node B.")
    await freelancer.wait_for(lambda: "Seen on node B." in str(freelancer.odoc.description), 5)
    a.kill9()
    await client.wait_closed()
    # Nobody reconnects: node B stores what it showed, since A will never say it did.
    await _until_stored(database, offer["id"], tmp_path, "Seen on node B.")
    assert b.metric(SELF_PERSISTED, reason="timeout") >= 1
    await _until(lambda: b.metric(HELD) == 0, 10, "node B to hold nothing")
    # A third node, started afterwards, loads it from the store with the rest of the draft.
    c = nodes.start("c")
    fresh = await connected(c.ws_base, offer["id"], offer["tokens"]["client"])
    assert "Seen on node B." in str(fresh.odoc.description)
    await fresh.close()
    await freelancer.close()


async def test_held_updates_past_the_cap_or_at_eviction_are_stored_and_counted(
    nodes: Nodes, database: str, tmp_path: Path
) -> None:
    # Node A never commits in this test's lifetime; node B holds at most 5 of its updates and
    # would wait a minute for its word.
    _, b, offer, client, freelancer = await nodes.split(
        {"flush_ms": "60000"}, {"cluster_hold_ms": "60000", "cluster_hold_updates": "5"})
    for i in range(8):
        _append(client, f" edit-{i}.")
        await asyncio.sleep(0.05)  # one update each, not one merged frame
    await freelancer.wait_for(lambda: "edit-7." in str(freelancer.odoc.description), 5)
    await _until(lambda: b.metric(SELF_PERSISTED, reason="cap") >= 6, 10,
                 "node B to store its held updates past the cap")
    assert b.metric(HELD) <= 5
    # Whatever was held when the cap was passed went to the store, the first edit with it.
    await _until_stored(database, offer["id"], tmp_path, "edit-0.")
    # The last party leaves node B: the room is evicted and what it still held is stored.
    _append(client, " last-edit.")
    await freelancer.wait_for(lambda: "last-edit." in str(freelancer.odoc.description), 5)
    await freelancer.close()
    await _until(lambda: b.metric(SELF_PERSISTED, reason="close") >= 1, 10,
                 "node B to store what it held when the room closed")
    assert b.metric(HELD) == 0
    await _until_stored(database, offer["id"], tmp_path, "last-edit.")
    assert b.metric(SELF_PERSISTED, reason="timeout") == 0
    await client.close()


async def test_a_node_that_loads_the_room_after_an_unstored_update_still_gets_it(
    nodes: Nodes, database: str, tmp_path: Path
) -> None:
    # Node A commits every 10 s, so its update is on the bus, not in the store, when B loads
    # (and B waits a minute before storing A's updates itself).
    a = nodes.start("a", flush_ms="10000")
    b = nodes.start("b", cluster_hold_ms="60000")
    offer = a.create_offer()
    client = await connected(a.ws_base, offer["id"], offer["tokens"]["client"])
    _append(client, " Before node B loaded the room.")
    await asyncio.sleep(0.3)  # on the stream before node B attaches
    freelancer = await connected(b.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await freelancer.wait_for(
        lambda: "Before node B loaded the room." in str(freelancer.odoc.description), 5)
    stored = await _stored_description(database, offer["id"], tmp_path)
    assert "Before node B loaded the room." not in stored  # it came by the bus's replay
    # Edits on top of it keep converging both ways.
    _append(freelancer, " From B.")
    await client.wait_for(lambda: str(client.odoc.description).endswith(" From B."), 5)
    assert str(client.odoc.description) == str(freelancer.odoc.description)
    await client.close()
    await freelancer.close()
