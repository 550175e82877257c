"""A whole negotiation, over the socket and over REST, and its races and crashes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.server import API_KEY, ServerProcess
from tests.support.yclient import YClient, connected


async def _command(client: YClient, msg: dict[str, Any]) -> dict[str, Any]:
    await client.send_app(msg)
    ref = msg["id"]

    def answered() -> bool:
        return any(m.get("ref") == ref for m in client.app if m["type"] in ("ack", "error"))

    await client.wait_for(answered)
    return next(m for m in client.app if m.get("ref") == ref and m["type"] in ("ack", "error"))


def _api(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"})


async def test_whole_negotiation_over_the_socket(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])

    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = 5200
    await client.wait_for(lambda: client.terms()["hourly_rate"] == 5200)
    ack = await _command(freelancer, {"type": "propose", "id": "p1", "base_version": 1,
                                      "note": "Closer to my usual rate."})
    assert ack["type"] == "ack" and ack["proposal_id"]
    # Both parties get the same explanation; the draft is frozen meanwhile.
    await client.wait_for(lambda: bool(client.messages("explain_done")))
    await freelancer.wait_for(lambda: bool(freelancer.messages("explain_done")))
    text = client.messages("explain_done")[0]["text"]
    assert text == freelancer.messages("explain_done")[0]["text"]
    assert "$45.00" in text and "$52.00" in text
    assert "".join(m["text"] for m in client.messages("explain_delta")).strip() == text
    assert client.odoc.proposal.to_py()["explanation"]["text"] == text
    with client.edit() as doc:
        doc.terms["weekly_limit"] = 10
    await client.wait_for(lambda: any(r["code"] == "frozen" for r in client.messages("rejected")))

    # The proposer cannot accept their own proposal; the other party can.
    mine = await _command(freelancer, {"type": "accept", "id": "a0", "base_version": 1,
                                       "proposal_id": ack["proposal_id"]})
    assert mine["code"] == "not_your_turn"
    accepted = await _command(client, {"type": "accept", "id": "a1", "base_version": 1,
                                       "proposal_id": ack["proposal_id"]})
    assert accepted["version"] == 2
    await freelancer.wait_for(lambda: freelancer.odoc.offer.to_py()["version"] == 2)
    assert freelancer.odoc.committed.to_py()["hourly_rate"] == 5200
    assert freelancer.odoc.proposal.to_py() == {}
    assert any(n["kind"] == "proposal_accepted" for n in freelancer.messages("notice"))

    # A retry with the same command id gets the same answer, not a second effect.
    again = await _command(client, {"type": "accept", "id": "a1", "base_version": 1,
                                    "proposal_id": ack["proposal_id"]})
    assert again["type"] == "ack" and again["version"] == 2
    stale = await _command(freelancer, {"type": "accept_offer", "id": "o0", "base_version": 1})
    assert stale["code"] == "stale"
    done = await _command(freelancer, {"type": "accept_offer", "id": "o1", "base_version": 2})
    assert done["status"] == "agreed"
    await client.wait_for(lambda: client.odoc.offer.to_py()["status"] == "agreed")
    with _api(server) as api:
        versions = api.get(f"/api/offers/{offer['id']}/versions").json()
        kinds = [e["kind"] for e in api.get(f"/api/offers/{offer['id']}/events").json()]
        diff = api.get(f"/api/offers/{offer['id']}/diff", params={"from": 1, "to": 2}).json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["accepted_by"] == "c-1" and versions[1]["author"] == "f-1"
    assert kinds == ["created", "proposed", "proposal_accepted", "offer_accepted"]
    assert diff["changes"] == [{"field": "hourly_rate", "old": 4500, "new": 5200}]
    await client.close()
    await freelancer.close()


async def test_reject_returns_the_draft_and_withdraw_keeps_it(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    with client.edit() as doc:
        doc.terms["weekly_limit"] = 10
    await freelancer.wait_for(lambda: freelancer.terms()["weekly_limit"] == 10)
    first = await _command(client, {"type": "propose", "id": "p1", "base_version": 1})
    await freelancer.wait_for(lambda: bool(freelancer.messages("explain_done")))
    rejected = await _command(freelancer, {"type": "reject", "id": "r1", "base_version": 1,
                                           "proposal_id": first["proposal_id"],
                                           "reason": "I need 20 hours"})
    assert rejected["type"] == "ack"
    await client.wait_for(lambda: client.terms()["weekly_limit"] == 20)
    assert any("I need 20 hours" in n["text"] for n in client.messages("notice"))

    with client.edit() as doc:
        doc.terms["weekly_limit"] = 15
    await freelancer.wait_for(lambda: freelancer.terms()["weekly_limit"] == 15)
    second = await _command(client, {"type": "propose", "id": "p2", "base_version": 1})
    withdrawn = await _command(client, {"type": "withdraw_proposal", "id": "w1",
                                        "proposal_id": second["proposal_id"]})
    assert withdrawn["type"] == "ack"
    await freelancer.wait_for(lambda: freelancer.odoc.proposal.to_py() == {})
    assert freelancer.terms()["weekly_limit"] == 15
    with _api(server) as api:
        proposals = api.get(f"/api/offers/{offer['id']}/proposals").json()
    assert [p["status"] for p in proposals] == ["rejected", "withdrawn"]
    await client.close()
    await freelancer.close()


async def test_policy_and_rate_limit_answers_name_the_problem(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    same = await _command(client, {"type": "propose", "id": "p0", "base_version": 1})
    assert same["code"] == "no_changes"
    with client.edit() as doc:
        doc.terms["hourly_rate"] = 100  # $1/h: below the platform minimum
    await asyncio.sleep(0.1)
    low = await _command(client, {"type": "propose", "id": "p1", "base_version": 1})
    assert low["code"] == "invalid_terms"
    assert low["fields"][0]["field"] == "hourly_rate"
    for i, rate in enumerate((5000, 5100, 5200)):
        with client.edit() as doc:
            doc.terms["hourly_rate"] = rate
        await asyncio.sleep(0.05)
        made = await _command(client, {"type": "propose", "id": f"q{i}", "base_version": 1})
        assert made["type"] == "ack", made
        await client.wait_for(lambda made=made: any(
            m["proposal_id"] == made["proposal_id"] for m in client.messages("explain_done")))
        await _command(client, {"type": "withdraw_proposal", "id": f"w{i}",
                                "proposal_id": made["proposal_id"]})
    with client.edit() as doc:
        doc.terms["hourly_rate"] = 5300
    await asyncio.sleep(0.05)
    limited = await _command(client, {"type": "propose", "id": "q9", "base_version": 1})
    assert limited["code"] == "rate_limited" and limited["retry_after_s"] > 0
    await client.close()


async def test_the_same_negotiation_over_rest(server: ServerProcess) -> None:
    offer = server.create_offer()
    oid, tokens = offer["id"], offer["tokens"]
    client = await connected(server.ws_base, oid, tokens["client"])
    with client.edit() as doc:
        doc.terms["weekly_limit"] = 30
    await asyncio.sleep(0.3)
    await client.close()
    await asyncio.sleep(0.3)  # the room is evicted; REST loads it again
    with httpx.Client(base_url=server.url, timeout=10) as http:
        def cmd(token: str, body: dict[str, Any]) -> httpx.Response:
            return http.post(f"/api/offers/{oid}/commands", json=body,
                             headers={"Authorization": f"Bearer {token}"})

        proposed = cmd(tokens["client"], {"type": "propose", "id": "r1", "base_version": 1})
        assert proposed.status_code == 200, proposed.text
        pid = proposed.json()["proposal_id"]
        for _ in range(50):
            listed = http.get(f"/api/offers/{oid}/proposals",
                              headers={"Authorization": f"Bearer {tokens['freelancer']}"}).json()
            if listed[0]["explanation"]:
                break
            await asyncio.sleep(0.1)
        assert "20 to 30" in listed[0]["explanation"]["text"] or "30" in \
            listed[0]["explanation"]["text"]
        own = cmd(tokens["client"], {"type": "accept", "base_version": 1, "proposal_id": pid})
        assert own.status_code == 403 and own.json()["error"]["code"] == "not_your_turn"
        accepted = http.post(f"/api/offers/{oid}/commands?as=freelancer",
                             json={"type": "accept", "base_version": 1, "proposal_id": pid},
                             headers={"Authorization": f"Bearer {API_KEY}"})
        assert accepted.status_code == 200 and accepted.json()["version"] == 2
        stale = cmd(tokens["freelancer"], {"type": "accept_offer", "base_version": 1})
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
        withdrawn = cmd(tokens["client"], {"type": "withdraw_offer", "base_version": 2,
                                           "reason": "Budget cut"})
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
        state = http.get(f"/api/offers/{oid}", headers={"Authorization": f"Bearer {API_KEY}"})
        assert state.json()["status"] == "withdrawn" and state.json()["version"] == 2
        late = cmd(tokens["freelancer"], {"type": "accept_offer", "base_version": 2})
        assert late.status_code == 409 and late.json()["error"]["code"] == "not_open"


async def test_accept_racing_withdraw_exactly_one_wins(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = 6000
    await client.wait_for(lambda: client.terms()["hourly_rate"] == 6000)
    made = await _command(freelancer, {"type": "propose", "id": "p1", "base_version": 1})
    await client.wait_for(lambda: bool(client.messages("explain_done")))
    pid = made["proposal_id"]
    accept, withdraw = await asyncio.gather(
        _command(client, {"type": "accept", "id": "x1", "base_version": 1, "proposal_id": pid}),
        _command(freelancer, {"type": "withdraw_proposal", "id": "x2", "proposal_id": pid}),
    )
    outcomes = sorted([accept["type"], withdraw["type"]])
    assert outcomes == ["ack", "error"]
    loser = accept if accept["type"] == "error" else withdraw
    assert loser["code"] in ("stale", "no_pending_proposal")
    await client.close()
    await freelancer.close()


async def test_kill9_between_durable_accept_and_broadcast_loses_nothing(tmp_path: Any) -> None:
    proc = ServerProcess(tmp_path / "data",
                         env={"OFFER_ROOM_FAULT": "crash_after_commit:proposal_accepted"})
    proc.start()
    try:
        offer = proc.create_offer()
        client = await connected(proc.ws_base, offer["id"], offer["tokens"]["client"])
        freelancer = await connected(proc.ws_base, offer["id"], offer["tokens"]["freelancer"])
        with freelancer.edit() as doc:
            doc.terms["hourly_rate"] = 7000
        await client.wait_for(lambda: client.terms()["hourly_rate"] == 7000)
        made = await _command(freelancer, {"type": "propose", "id": "p1", "base_version": 1})
        await client.wait_for(lambda: bool(client.messages("explain_done")))
        await client.send_app({"type": "accept", "id": "a1", "base_version": 1,
                               "proposal_id": made["proposal_id"]})
        await client.wait_closed()  # the server died after the durable write, before telling
        assert client.odoc.offer.to_py()["version"] == 1
        proc.extra_env = {}
        proc.start()
        await client.connect()  # a reconnecting client sees the new version
        await asyncio.wait_for(client.synced.wait(), 5)
        await client.wait_for(lambda: client.odoc.offer.to_py().get("version") == 2)
        assert client.odoc.committed.to_py()["hourly_rate"] == 7000
        # Server writes the crash lost come back in the client's sync step 2; the guard undoes
        # them (server-only roots) and the compensation follows shortly.
        await client.wait_for(lambda: client.odoc.proposal.to_py() == {})
        again = await _command(client, {"type": "accept", "id": "a1", "base_version": 1,
                                        "proposal_id": made["proposal_id"]})
        assert again["type"] == "ack" and again["version"] == 2  # the retry is answered
        await client.close()
        await freelancer.close()
    finally:
        proc.stop()
