"""Two nodes, one Redis, one PostgreSQL: the client on one node, the freelancer on the other.

Real servers throughout: a private redis-server, a PostgreSQL database of its own per test, and
two offer-room processes. Every single-node guarantee must hold across nodes.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.postgres import create_database, drop_database
from tests.support.redis import RedisServer
from tests.support.server import API_KEY, ServerProcess
from tests.support.tcpproxy import TcpProxy
from tests.support.yclient import YClient, connected


@pytest.fixture
def database() -> Iterator[str]:
    url = create_database("cluster")
    yield url
    drop_database(url)


class Cluster:
    def __init__(self, tmp: Path, database: str, redis: RedisServer) -> None:
        self.nodes: list[ServerProcess] = []
        for name in ("a", "b"):
            env = {"OFFER_ROOM_DATABASE_URL": database, "OFFER_ROOM_REDIS_URL": redis.url,
                   "OFFER_ROOM_NODE_ID": f"node-{name}"}
            node = ServerProcess(tmp / name, env=env)
            node.start()
            self.nodes.append(node)

    def close(self) -> None:
        for node in self.nodes:
            node.stop()


@pytest.fixture
def cluster(tmp_path: Path, database: str, redis: RedisServer) -> Iterator[Cluster]:
    nodes = Cluster(tmp_path, database, redis)
    yield nodes
    nodes.close()


async def _pair(cluster: Cluster) -> tuple[dict[str, Any], YClient, YClient]:
    a, b = cluster.nodes
    offer = a.create_offer()
    client = await connected(a.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(b.ws_base, offer["id"], offer["tokens"]["freelancer"])
    return offer, client, freelancer


async def _command(client: YClient, msg: dict[str, Any]) -> dict[str, Any]:
    await client.send_app(msg)
    await client.wait_for(lambda: any(m.get("ref") == msg["id"] for m in client.app
                                      if m["type"] in ("ack", "error")), 10)
    return next(m for m in client.app if m.get("ref") == msg["id"] and m["type"] in ("ack",
                                                                                      "error"))


async def test_coediting_presence_locks_and_the_guard_across_nodes(cluster: Cluster) -> None:
    _offer, client, freelancer = await _pair(cluster)
    with client.edit() as doc:
        doc.terms["hourly_rate"] = 5100
    await freelancer.wait_for(lambda: freelancer.terms()["hourly_rate"] == 5100)
    with freelancer.edit() as doc:
        doc.description.insert(0, "From node B. ")
    await client.wait_for(lambda: str(client.odoc.description).startswith("From node B. "))

    await client.set_awareness({"focus": "title"})
    await freelancer.wait_for(lambda: any(
        s and s["focus"] == "title" and s["user"]["name"] == "Ada"
        for s in freelancer.awareness.values()))

    await freelancer.send_app({"type": "lock", "field": "hourly_rate"})
    await client.wait_for(lambda: any(m["locks"] for m in client.messages("locks")))
    assert client.messages("locks")[-1]["locks"][0]["user"]["name"] == "Linus"
    await client.send_app({"type": "lock", "field": "hourly_rate", "id": "l1"})
    await client.wait_for(lambda: any(e.get("ref") == "l1" for e in client.messages("error")))
    with client.edit() as doc:  # node A's guard honours a lease taken on node B
        doc.terms["hourly_rate"] = 1
    await client.wait_for(lambda: any(r["code"] == "locked" for r in client.messages("rejected")))
    await client.wait_for(lambda: client.terms()["hourly_rate"] == 5100)
    await freelancer.wait_for(lambda: freelancer.terms()["hourly_rate"] == 5100)

    with client.edit() as doc:  # an ill-typed edit is undone on both nodes
        doc.terms["weekly_limit"] = 12.5
    await client.wait_for(lambda: any(r["code"] == "invalid" for r in client.messages("rejected")))
    await freelancer.wait_for(lambda: freelancer.terms()["weekly_limit"] == 20)
    await client.wait_for(lambda: client.terms()["weekly_limit"] == 20)

    await freelancer.close()  # presence and locks go with the connection, on every node
    await client.wait_for(lambda: client.messages("locks")[-1]["locks"] == [])
    await client.close()


async def test_a_whole_negotiation_across_nodes(cluster: Cluster) -> None:
    _offer, client, freelancer = await _pair(cluster)
    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = 6000
    await client.wait_for(lambda: client.terms()["hourly_rate"] == 6000)
    made = await _command(freelancer, {"type": "propose", "id": "p1", "base_version": 1,
                                       "note": "Happy to move this to WhatsApp."})
    assert made["type"] == "ack"
    # The explanation is written on node B and streams to the client on node A, with the
    # client's private flag; the freelancer (the proposer) sees no flag.
    await client.wait_for(lambda: bool(client.messages("explain_done")), 10)
    await freelancer.wait_for(lambda: bool(freelancer.messages("explain_done")), 10)
    done_a, done_b = client.messages("explain_done")[0], freelancer.messages("explain_done")[0]
    assert done_a["text"] == done_b["text"]
    assert [f["code"] for f in done_a["flags"]] == ["off_platform_contact"]
    assert done_b.get("flags", []) == []  # empty lists are left out on the wire
    accepted = await _command(client, {"type": "accept", "id": "a1", "base_version": 1,
                                       "proposal_id": made["proposal_id"]})
    assert accepted["version"] == 2
    await freelancer.wait_for(lambda: freelancer.odoc.offer.to_py()["version"] == 2)
    stale = await _command(freelancer, {"type": "accept_offer", "id": "o0", "base_version": 1})
    assert stale["code"] == "stale"
    agreed = await _command(freelancer, {"type": "accept_offer", "id": "o1", "base_version": 2})
    assert agreed["status"] == "agreed"
    await client.wait_for(lambda: client.odoc.offer.to_py()["status"] == "agreed")
    with client.edit() as doc:  # node A learnt the offer closed on node B
        doc.terms["hourly_rate"] = 7000
    await client.wait_for(lambda: any(r["code"] == "closed" for r in client.messages("rejected")))
    await client.close()
    await freelancer.close()


async def test_kill9_of_a_node_loses_nothing_and_its_clients_resume_elsewhere(
    cluster: Cluster,
) -> None:
    a, b = cluster.nodes
    offer, client, freelancer = await _pair(cluster)
    for i in range(150):
        with client.edit() as doc:
            doc.description.insert(len(str(doc.description)), f" {i}")
        if i == 75:
            a.kill9()
        await asyncio.sleep(0)
    await client.wait_closed()
    # The client's load balancer sends it to the surviving node.
    client.url = f"{b.ws_base}/{offer['id']}?token={offer['tokens']['client']}"
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 5)
    await freelancer.wait_for(lambda: str(freelancer.odoc.description).endswith(" 149"))
    assert str(freelancer.odoc.description) == str(client.odoc.description)
    await client.close()
    await freelancer.close()
    b.stop()
    b.start()  # everything is durable in PostgreSQL, whichever node accepted it
    fresh = await connected(b.ws_base, offer["id"], offer["tokens"]["client"])
    assert str(fresh.odoc.description).endswith(" 149")
    await fresh.close()


async def test_a_redis_restart_is_survived(cluster: Cluster, redis: RedisServer) -> None:
    _offer, client, freelancer = await _pair(cluster)
    with client.edit() as doc:
        doc.terms["title"] = "Before"
    await freelancer.wait_for(lambda: freelancer.terms()["title"] == "Before")
    redis.stop()
    with client.edit() as doc:  # accepted and stored on node A while the bus is down
        doc.terms["title"] = "During"
    await asyncio.sleep(0.5)
    redis.start()
    await freelancer.wait_for(lambda: freelancer.terms()["title"] == "During", 10)
    with freelancer.edit() as doc:
        doc.terms["title"] = "After"
    await client.wait_for(lambda: client.terms()["title"] == "After", 10)
    await client.close()
    await freelancer.close()


async def test_database_unavailable_refuses_edits_and_loses_none(
    tmp_path: Path, database: str, redis: RedisServer
) -> None:
    parts = urlsplit(database)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    via_proxy = database.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}")
    node = ServerProcess(tmp_path / "n", env={"OFFER_ROOM_DATABASE_URL": via_proxy,
                                              "OFFER_ROOM_REDIS_URL": redis.url})
    node.start()
    try:
        offer = node.create_offer()
        client = await connected(node.ws_base, offer["id"], offer["tokens"]["client"])
        proxy.cut()
        with client.edit() as doc:  # accepted before anyone knows; kept until it is stored
            doc.terms["hourly_rate"] = 5500
        refused = False
        for i in range(100):
            with client.edit() as doc:
                doc.terms["weekly_limit"] = 21 + i % 50
            await asyncio.sleep(0.1)
            if any(r["code"] == "unavailable" for r in client.messages("rejected")):
                refused = True
                break
        assert refused, "edits were not refused while the database was away"
        reason = next(r for r in client.messages("rejected") if r["code"] == "unavailable")
        assert "can't be saved" in reason["reason"]
        async with httpx.AsyncClient(base_url=node.url) as http:
            health = await http.get("/healthz")
        assert health.status_code == 503 and health.json()["store"] is False
        proxy.restore()
        for _ in range(100):  # the store reconnects and the kept update lands
            async with httpx.AsyncClient(base_url=node.url) as http:
                if (await http.get("/healthz")).status_code == 200:
                    break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        with client.edit() as doc:
            doc.terms["title"] = "Saved again"
        await asyncio.sleep(0.5)
        await client.close()
        node.stop()
        node.start()
        async with httpx.AsyncClient(base_url=node.url,
                                     headers={"Authorization": f"Bearer {API_KEY}"}) as http:
            draft = (await http.get(f"/api/offers/{offer['id']}")).json()["draft"]
        assert draft["hourly_rate"] == 5500 and draft["title"] == "Saved again"
    finally:
        node.stop()
        proxy.close()


def _random_edit(rng: random.Random, client: YClient) -> None:
    with client.edit() as doc:
        roll = rng.random()
        if roll < 0.3:
            doc.terms["hourly_rate"] = rng.randrange(300, 20_000)
        elif roll < 0.45:
            doc.terms["weekly_limit"] = rng.randrange(1, 169)
        elif roll < 0.65:
            text = str(doc.description)
            cut = rng.randrange(len(text) + 1)
            doc.description.insert(len(text[:cut].encode()), rng.choice("abc "))
        elif roll < 0.75:
            doc.terms["hourly_rate"] = 12.5  # invalid: undone on every replica
        elif roll < 0.85:
            doc.offer["status"] = "agreed"  # server-only: undone
        else:
            doc.terms["title"] = f"Title {rng.randrange(100)}"


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_seeded_random_edits_converge_across_real_nodes(cluster: Cluster, seed: int) -> None:
    """Random valid and invalid edits from clients hopping between two real nodes converge."""
    rng = random.Random(seed)
    offer = cluster.nodes[0].create_offer()
    tokens = [offer["tokens"]["client"], offer["tokens"]["freelancer"], offer["tokens"]["client"]]
    clients = [await connected(rng.choice(cluster.nodes).ws_base, offer["id"], t) for t in tokens]
    for _ in range(60):
        i = rng.randrange(len(clients))
        if rng.random() < 0.1:  # reconnect, possibly to the other node, with its doc kept
            await clients[i].close()
            node = rng.choice(cluster.nodes)
            clients[i].url = f"{node.ws_base}/{offer['id']}?token={tokens[i]}"
            await clients[i].connect()
            await asyncio.wait_for(clients[i].synced.wait(), 5)
        else:
            _random_edit(rng, clients[i])
        await asyncio.sleep(rng.choice([0, 0, 0.01, 0.05]))

    def state(c: YClient) -> dict[str, Any]:
        return {"terms": c.terms(), "description": str(c.odoc.description),
                "offer": c.odoc.offer.to_py()}

    first = clients[0]
    for c in clients[1:]:
        await c.wait_for(lambda c=c: state(c) == state(first), 15)
    terms = first.terms()
    assert terms["hourly_rate"] == int(terms["hourly_rate"]), f"seed {seed}: {terms}"
    assert first.odoc.offer.to_py()["status"] == "open", f"seed {seed}"
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {API_KEY}"}) as http:
        for node in cluster.nodes:  # and both nodes agree with the clients
            draft = (await http.get(f"{node.url}/api/offers/{offer['id']}")).json()["draft"]
            assert draft["hourly_rate"] == terms["hourly_rate"], f"seed {seed}"
            assert draft["description"] == str(first.odoc.description), f"seed {seed}"
    for c in clients:
        await c.close()
