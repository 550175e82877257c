"""Per-change decisions against real servers: one node on SQLite (socket and REST), and two nodes
on PostgreSQL + Redis with the parties on different nodes, racing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.postgres import create_database, drop_database
from tests.support.redis import RedisServer
from tests.support.server import API_KEY, ServerProcess
from tests.support.yclient import YClient, connected

DATES = {"start_date": "2026-12-14", "end_date": "2027-02-28"}
MINE = {"start_date": "2026-12-10", "end_date": "2027-02-15"}


async def _command(client: YClient, msg: dict[str, Any]) -> dict[str, Any]:
    await client.send_app(msg)

    def answered() -> bool:
        return any(m.get("ref") == msg["id"] for m in client.app if m["type"] in ("ack", "error"))

    await client.wait_for(answered, 10)
    return next(m for m in client.app
                if m.get("ref") == msg["id"] and m["type"] in ("ack", "error"))


def _api(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"})


async def _rate_and_dates(freelancer: YClient, client: YClient) -> str:
    """The freelancer proposes a higher rate and other dates; returns the proposal id once the
    client has its explanation."""
    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = 5200
        for key, value in DATES.items():
            doc.terms[key] = value
    await client.wait_for(lambda: client.terms().get("end_date") == DATES["end_date"], 10)
    made = await _command(freelancer, {"type": "propose", "id": "p1", "base_version": 1})
    assert made["type"] == "ack", made
    pid: str = made["proposal_id"]
    await client.wait_for(lambda: any(m["proposal_id"] == pid
                                      for m in client.messages("explain_done")), 10)
    return pid


def _decide(pid: str, ref: str = "d1", **fields: Any) -> dict[str, Any]:
    return {"type": "decide", "id": ref, "proposal_id": pid, "base_version": 1, **fields}


async def test_accept_the_rate_and_counter_the_dates(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    pid = await _rate_and_dates(freelancer, client)

    # The proposer cannot decide their own proposal; every change must be named.
    mine = await _command(freelancer, _decide(pid, "x0", accept=["hourly_rate"],
                                              counter=MINE))
    assert mine["code"] == "not_your_turn"
    partial = await _command(client, _decide(pid, "x1", accept=["hourly_rate"]))
    assert partial["code"] == "bad_request" and "missing" in partial["message"]
    wrong = await _command(client, _decide(pid, "x2", accept=["hourly_rate"],
                                           counter={"start_date": "someday",
                                                    "end_date": MINE["end_date"]}))
    assert wrong["code"] == "invalid_terms" and wrong["fields"][0]["field"] == "start_date"

    decided = await _command(client, _decide(pid, accept=["hourly_rate"], counter=MINE,
                                             reason="The rate is fine; the dates are tight.",
                                             note="I can start a little earlier."))
    assert decided["type"] == "ack" and decided["version"] == 2, decided
    assert decided["proposal_id"] == pid

    # Both see version 2 with the new rate, and a pending counter with the client's dates.
    for who in (client, freelancer):
        await who.wait_for(lambda who=who: who.odoc.offer.to_py()["version"] == 2, 10)
        await who.wait_for(lambda who=who: who.odoc.proposal.to_py().get("id") not in (None, pid))
        committed = who.odoc.committed.to_py()
        assert committed["hourly_rate"] == 5200
        assert committed["start_date"] == "2026-12-07" and committed.get("end_date") is None
        root = who.odoc.proposal.to_py()
        assert root["by"]["id"] == "c-1" and root["base_version"] == 2
        assert root["counter_to"] == pid and root["note"] == "I can start a little earlier."
        assert [c["field"] for c in root["changes"]] == ["start_date", "end_date"]
        assert who.terms()["start_date"] == MINE["start_date"]  # the draft shows the counter
    notice = next(n for n in freelancer.messages("notice") if n["kind"] == "proposal_decided")
    assert notice["params"]["version"] == 2 and "tight" in notice["text"]
    counter_id = client.odoc.proposal.to_py()["id"]
    # The counter is explained like any proposal, to both parties.
    await freelancer.wait_for(lambda: any(m["proposal_id"] == counter_id
                                          for m in freelancer.messages("explain_done")), 10)
    await freelancer.wait_for(lambda: "explanation" in freelancer.odoc.proposal.to_py())
    assert freelancer.odoc.proposal.to_py()["counter_to"] == pid  # it stays a counter

    # A retry gets the same answer and has no second effect.
    again = await _command(client, _decide(pid, accept=["hourly_rate"], counter=MINE))
    assert again == {**decided}
    # The freelancer accepts the counter: version 3 has the rate and the client's dates.
    done = await _command(freelancer, {"type": "accept", "id": "a1", "base_version": 2,
                                       "proposal_id": counter_id})
    assert done["version"] == 3, done
    with _api(server) as api:
        base = f"/api/offers/{offer['id']}"
        proposals = api.get(f"{base}/proposals").json()
        events = api.get(f"{base}/events").json()
        versions = api.get(f"{base}/versions").json()
    assert [p["status"] for p in proposals] == ["partially_accepted", "accepted"]
    assert proposals[1]["counter_to"] == pid and proposals[0]["counter_to"] is None
    assert proposals[0]["outcomes"] == {"hourly_rate": "accepted", "start_date": "countered",
                                        "end_date": "countered"}
    assert [e["kind"] for e in events] == ["created", "proposed", "proposal_decided", "proposed",
                                           "proposal_accepted"]
    assert events[2]["payload"] == {"proposal_id": pid, "version": 2,
                                    "counter_proposal_id": counter_id,
                                    "outcomes": proposals[0]["outcomes"]}
    assert events[2]["reason"] == "The rate is fine; the dates are tight."
    assert events[3]["payload"]["counter_to"] == pid
    assert [v["terms"]["hourly_rate"] for v in versions] == [4500, 5200, 5200]
    assert versions[2]["terms"]["start_date"] == MINE["start_date"]
    await client.close()
    await freelancer.close()


async def test_a_direct_counter_over_rest(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    pid = await _rate_and_dates(freelancer, client)
    with _api(server) as api:
        url = f"/api/offers/{offer['id']}/commands"
        body = _decide(pid, "r1", counter={"hourly_rate": 4800}, decline=list(DATES))
        refused = api.post(url, params={"as": "freelancer"}, json=body)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_turn"
        same = api.post(url, params={"as": "client"},
                        json=_decide(pid, "r0", counter={"hourly_rate": 4500},
                                     decline=list(DATES)))
        assert same.status_code == 422 and same.json()["error"]["code"] == "no_changes"
        answered = api.post(url, params={"as": "client"}, json=body)
        assert answered.status_code == 200, answered.text
        assert answered.json()["version"] == 1  # nothing accepted: no new version
        proposals = api.get(f"/api/offers/{offer['id']}/proposals").json()
    assert [p["status"] for p in proposals] == ["countered", "pending"]
    assert proposals[1]["by"] == "c-1" and proposals[1]["terms"]["hourly_rate"] == 4800
    assert proposals[1]["terms"]["start_date"] == "2026-12-07"  # the declined dates dropped
    await freelancer.wait_for(lambda: freelancer.odoc.proposal.to_py().get("by", {}).get("id")
                              == "c-1", 10)
    assert freelancer.terms()["hourly_rate"] == 4800
    await client.close()
    await freelancer.close()


async def test_accepted_changes_must_make_valid_terms(server: ServerProcess) -> None:
    offer = server.create_offer(
        contract_type="fixed", hourly_rate=None, weekly_limit=None, fixed_price=100_000,
        milestones=[{"id": "m1", "title": "Concepts", "amount": 100_000}])
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    with freelancer.edit() as doc:
        doc.terms["fixed_price"] = 150_000
        doc.milestones[0]["amount"] = 150_000
    await client.wait_for(lambda: client.terms()["fixed_price"] == 150_000, 10)
    await asyncio.sleep(0.1)
    made = await _command(freelancer, {"type": "propose", "id": "p1", "base_version": 1})
    assert made["type"] == "ack", made
    pid = made["proposal_id"]
    await client.wait_for(lambda: bool(client.messages("explain_done")), 10)
    # The price alone would leave milestones adding up to less than the price.
    half = await _command(client, _decide(pid, accept=["fixed_price"],
                                          decline=["milestone:m1"]))
    assert half["code"] == "invalid_terms", half
    assert any(f["field"] == "milestones" for f in half["fields"])
    assert client.odoc.proposal.to_py()["id"] == pid  # nothing happened
    await client.close()
    await freelancer.close()


# --- two nodes, one PostgreSQL, one Redis -----------------------------------------------------


@pytest.fixture
def cluster(tmp_path: Path, redis: RedisServer) -> Iterator[list[ServerProcess]]:
    database = create_database("decide")
    nodes: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            node = ServerProcess(tmp_path / name, env={
                "OFFER_ROOM_DATABASE_URL": database, "OFFER_ROOM_REDIS_URL": redis.url,
                "OFFER_ROOM_NODE_ID": f"node-{name}"})
            node.start()
            nodes.append(node)
        yield nodes
    finally:
        for node in nodes:
            node.stop()
        drop_database(database)


async def test_a_partial_decision_across_nodes(cluster: list[ServerProcess]) -> None:
    a, b = cluster
    offer = a.create_offer()
    client = await connected(a.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(b.ws_base, offer["id"], offer["tokens"]["freelancer"])
    pid = await _rate_and_dates(freelancer, client)  # proposed and explained on node B
    decided = await _command(client, _decide(pid, accept=["hourly_rate"], counter=MINE))
    assert decided["type"] == "ack" and decided["version"] == 2, decided
    await freelancer.wait_for(lambda: freelancer.odoc.offer.to_py()["version"] == 2, 10)
    await freelancer.wait_for(lambda: freelancer.odoc.proposal.to_py().get("counter_to") == pid)
    assert freelancer.odoc.committed.to_py()["hourly_rate"] == 5200
    counter_id = freelancer.odoc.proposal.to_py()["id"]
    # Node B learnt the new pending proposal: its proposer (the client) cannot accept it, the
    # freelancer can once it is explained (written on node A, read on node B).
    await freelancer.wait_for(lambda: any(m["proposal_id"] == counter_id
                                          for m in freelancer.messages("explain_done")), 10)
    own = await _command(client, {"type": "accept", "id": "a0", "base_version": 2,
                                  "proposal_id": counter_id})
    assert own["code"] == "not_your_turn"
    accepted = await _command(freelancer, {"type": "accept", "id": "a1", "base_version": 2,
                                           "proposal_id": counter_id})
    assert accepted["version"] == 3, accepted
    await client.wait_for(lambda: client.odoc.offer.to_py()["version"] == 3, 10)
    assert client.odoc.committed.to_py()["start_date"] == MINE["start_date"]
    await client.close()
    await freelancer.close()


async def test_a_decision_racing_a_withdrawal_across_nodes(cluster: list[ServerProcess]) -> None:
    a, b = cluster
    offer = a.create_offer()
    client = await connected(a.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(b.ws_base, offer["id"], offer["tokens"]["freelancer"])
    pid = await _rate_and_dates(freelancer, client)
    decided, withdrawn = await asyncio.gather(
        _command(client, _decide(pid, accept=["hourly_rate"], counter=MINE)),
        _command(freelancer, {"type": "withdraw_proposal", "id": "w1", "proposal_id": pid}))
    answers = sorted([decided.get("code", "ack"), withdrawn.get("code", "ack")])
    assert answers in (["ack", "stale"], ["ack", "no_pending_proposal"]), (decided, withdrawn)
    with httpx.Client(base_url=b.url, headers={"Authorization": f"Bearer {API_KEY}"}) as api:
        proposals = api.get(f"/api/offers/{offer['id']}/proposals").json()
        current = api.get(f"/api/offers/{offer['id']}").json()
    if decided["type"] == "ack":
        assert [p["status"] for p in proposals] == ["partially_accepted", "pending"]
        assert current["version"] == 2
    else:
        assert [p["status"] for p in proposals] == ["withdrawn"]
        assert current["version"] == 1
    # Whoever lost, both rooms end up agreeing on what the store holds.
    for who in (client, freelancer):
        await who.wait_for(lambda who=who: who.odoc.offer.to_py()["version"]
                           == current["version"], 10)
    await client.close()
    await freelancer.close()
