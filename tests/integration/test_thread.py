"""The thread over real sockets and REST: chat, questions, the timeline, limits, two nodes."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import httpx

from tests.support.postgres import create_database, drop_database
from tests.support.redis import RedisServer
from tests.support.server import API_KEY, ServerProcess
from tests.support.yclient import YClient, connected

_ids = itertools.count(1)


async def command(client: YClient, msg: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
    """Send an app command and return its answer (the ``ack`` or ``error`` naming its id)."""
    ref = msg.setdefault("id", f"t-{next(_ids)}")
    await client.send_app(msg)
    await client.wait_for(lambda: any(m.get("ref") == ref for m in client.app
                                      if m["type"] in ("ack", "error")), timeout)
    return next(m for m in client.app if m.get("ref") == ref and m["type"] in ("ack", "error"))


def updates(client: YClient) -> list[dict[str, Any]]:
    return [m["item"] for m in client.messages("thread_update")]


async def pair(server: ServerProcess, **overrides: Any) -> tuple[dict[str, Any], YClient, YClient]:
    offer = server.create_offer(**overrides)
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await client.wait_for(lambda: bool(client.messages("thread")))
    await freelancer.wait_for(lambda: bool(freelancer.messages("thread")))
    return offer, client, freelancer


async def test_two_parties_chat_and_read(server: ServerProcess) -> None:
    offer, client, freelancer = await pair(server)
    assert client.messages("thread")[0] == {"type": "thread", "items": [], "unread": 0,
                                            "last_read": 0}
    ack = await command(client, {"type": "post", "body": "  Hi Linus, when can you start?  "})
    assert ack["type"] == "ack" and ack["command"] == "post" and ack["message_id"]
    await freelancer.wait_for(lambda: bool(updates(freelancer)))
    [item] = updates(freelancer)
    assert (item["n"], item["kind"]) == (1, "message")
    assert item["body"] == "Hi Linus, when can you start?"
    assert item["author"]["name"] == "Ada" and item["author"]["role"] == "client"
    await command(freelancer, {"type": "post", "body": "Monday."})
    assert server.metric("offer_room_response_seconds_count", role="freelancer",
                         first="true") == 1
    assert server.metric("offer_room_thread_entries_total", kind="message", role="client") == 1
    # A second tab of the freelancer joins: the thread and its unread count come with hello.
    tab = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await tab.wait_for(lambda: bool(tab.messages("thread")))
    first = tab.messages("thread")[0]
    assert [i["body"] for i in first["items"]] == ["Hi Linus, when can you start?", "Monday."]
    assert (first["unread"], first["last_read"]) == (1, 0)  # his own message is not unread
    await command(freelancer, {"type": "mark_read", "upto": 2})
    await tab.wait_for(lambda: bool(tab.messages("unread")))  # every tab hears it
    assert tab.messages("unread")[-1] == {"type": "unread", "unread": 0, "last_read": 2}
    for ws in (client, freelancer, tab):
        await ws.close()


async def test_a_question_on_a_field_is_answered_in_place_and_resolved_by_the_asker(
    server: ServerProcess,
) -> None:
    _offer, client, freelancer = await pair(server)
    asked = await command(freelancer, {"type": "post", "kind": "question", "about": "weekly_limit",
                                       "body": "What does the weekly limit cover?"})
    question_id = asked["message_id"]
    answer = await command(client, {"type": "post", "kind": "answer", "reply_to": question_id,
                                    "body": "Design and build; meetings too."})
    assert answer["type"] == "ack"
    not_asker = await command(client, {"type": "resolve_question", "message_id": question_id})
    assert (not_asker["type"], not_asker["code"]) == ("error", "forbidden")
    await command(freelancer, {"type": "resolve_question", "message_id": question_id})
    await client.wait_for(lambda: any(u["id"] == question_id and u["status"] == "resolved"
                                      for u in updates(client)))
    nowhere = await command(freelancer, {"type": "post", "kind": "question", "about": "bonus",
                                         "body": "And the bonus?"})
    assert (nowhere["type"], nowhere["code"]) == ("error", "invalid")
    orphan = await command(client, {"type": "post", "kind": "answer", "reply_to": "m-nope",
                                    "body": "An answer to nothing"})
    assert (orphan["type"], orphan["code"]) == ("error", "not_found")
    for ws in (client, freelancer):
        await ws.close()


async def test_authors_edit_and_delete_their_own_messages_and_the_audit_log_keeps_them(
    server: ServerProcess,
) -> None:
    offer, client, freelancer = await pair(server)
    posted = await command(client, {"type": "post", "body": "Rate is 45 USD"})
    mid = posted["message_id"]
    theirs = await command(freelancer, {"type": "edit_message", "message_id": mid, "body": "x"})
    assert (theirs["type"], theirs["code"]) == ("error", "forbidden")
    await command(client, {"type": "edit_message", "message_id": mid, "body": "Rate is 50 USD"})
    await freelancer.wait_for(lambda: any(u["id"] == mid and u.get("edited_at")
                                          for u in updates(freelancer)))
    await command(client, {"type": "delete_message", "message_id": mid})
    await freelancer.wait_for(lambda: any(u["id"] == mid and u.get("deleted")
                                          for u in updates(freelancer)))
    deleted = next(u for u in reversed(updates(freelancer)) if u["id"] == mid)
    assert deleted.get("body", "") == "" and deleted["deleted"] is True
    with server.api() as http:
        events = http.get(f"/api/offers/{offer['id']}/events").json()
    said = [(e["kind"], e["payload"]["body"]) for e in events
            if e["kind"] in ("message_edited", "message_deleted")]
    assert said == [("message_edited", "Rate is 45 USD"), ("message_deleted", "Rate is 50 USD")]
    # The words taken back are the marketplace's record, not the other party's to read.
    async with httpx.AsyncClient(timeout=10) as http_as_party:
        their_events = (await http_as_party.get(
            f"{server.url}/api/offers/{offer['id']}/events",
            params={"token": offer["tokens"]["freelancer"]})).json()
    assert {e["kind"] for e in their_events}.isdisjoint({"message_edited", "message_deleted"})
    for ws in (client, freelancer):
        await ws.close()


async def test_edits_after_the_window_are_refused(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", env={"OFFER_ROOM_MESSAGE_EDIT_SECONDS": "1"})
    server.start()
    try:
        _offer, client, freelancer = await pair(server)
        posted = await command(client, {"type": "post", "body": "Quick note"})
        await asyncio.sleep(1.5)
        late = await command(client, {"type": "edit_message", "message_id": posted["message_id"],
                                      "body": "Changed my mind"})
        assert (late["type"], late["code"]) == ("error", "too_late")
        for ws in (client, freelancer):
            await ws.close()
    finally:
        server.stop()


async def test_proposals_and_answers_appear_in_the_thread_between_the_messages(
    server: ServerProcess,
) -> None:
    offer, client, freelancer = await pair(server)
    await command(client, {"type": "post", "body": "Could you do 50?"})
    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = 5000
    await client.wait_for(lambda: client.terms().get("hourly_rate") == 5000)
    made = await command(freelancer, {"type": "propose", "base_version": 1, "note": "50 it is"})
    assert made["type"] == "ack"
    await client.wait_for(lambda: any(u["kind"] == "system" for u in updates(client)))
    system = next(u for u in updates(client) if u["kind"] == "system")
    assert system["event"] == "proposed" and system["author"]["role"] == "freelancer"
    assert system["payload"]["proposal_id"] == made["proposal_id"]
    with httpx.Client(base_url=server.url) as http:
        page = http.get(f"/api/offers/{offer['id']}/messages",
                        params={"token": offer["tokens"]["client"]}).json()
    assert [i["kind"] for i in page["items"]] == ["message", "system"]
    assert page["unread"] == 1  # the proposal entry; her own message is not unread
    for ws in (client, freelancer):
        await ws.close()


async def test_a_message_with_a_risk_signal_is_flagged_for_the_other_party_only(
    server: ServerProcess,
) -> None:
    _offer, client, freelancer = await pair(server)
    await command(client, {"type": "post",
                           "body": "Let's move this to WhatsApp, my number is +1 555 0100"})
    await freelancer.wait_for(lambda: bool(updates(freelancer)))
    await client.wait_for(lambda: bool(updates(client)))
    assert updates(freelancer)[0]["flags"] and updates(freelancer)[0]["flags"][0]["code"]
    assert updates(client)[0].get("flags", []) == []
    for ws in (client, freelancer):
        await ws.close()


async def test_viewers_read_but_do_not_post_and_bad_messages_are_refused(
    server: ServerProcess,
) -> None:
    offer, client, freelancer = await pair(server)
    viewer = await connected(server.ws_base, offer["id"],
                             server.mint(offer["id"], "viewer", "v-1", "Vera"))
    refused = await command(viewer, {"type": "post", "body": "hello"})
    assert (refused["type"], refused["code"]) == ("error", "read_only")
    await command(client, {"type": "post", "body": "For everyone"})
    await viewer.wait_for(lambda: bool(updates(viewer)))
    for body, code in (("", "invalid"), ("x" * 2001, "too_long"), ("ring\x07", "invalid")):
        answer = await command(client, {"type": "post", "body": body})
        assert (answer["type"], answer["code"]) == ("error", code)
    for ws in (client, freelancer, viewer):
        await ws.close()


async def test_a_flood_of_messages_is_rate_limited_and_loses_nothing_accepted(
    server: ServerProcess,
) -> None:
    _offer, client, freelancer = await pair(server)
    answers = [await command(client, {"type": "post", "body": f"spam {i}"}) for i in range(30)]
    accepted = [a for a in answers if a["type"] == "ack"]
    limited = [a for a in answers if a["type"] == "error"]
    assert 8 <= len(accepted) <= 14 and limited
    assert {a["code"] for a in limited} == {"rate_limited"} and limited[0]["retry_after_s"] >= 1
    await freelancer.wait_for(lambda: len(updates(freelancer)) == len(accepted))
    assert server.limit_hits("messages_per_minute") == len(limited)
    for ws in (client, freelancer):
        await ws.close()


async def test_rest_posts_for_a_party_with_the_api_key_and_pages_the_thread(
    server: ServerProcess,
) -> None:
    offer, client, freelancer = await pair(server)
    base = f"/api/offers/{offer['id']}/messages"
    with server.api() as http:
        for i in range(5):
            made = http.post(base, params={"as": "freelancer"}, json={"body": f"note {i}"})
            assert made.status_code == 201, made.text
        assert made.json()["author"]["role"] == "freelancer" and made.json()["n"] == 5
        page = http.get(base, params={"before": 4, "limit": 2}).json()
        assert [i["n"] for i in page["items"]] == [2, 3] and page["more"] is True
        viewer_token = server.mint(offer["id"], "viewer", "v-2", "Val")
    with httpx.Client(base_url=server.url) as http:
        refused = http.post(base, params={"token": viewer_token}, json={"body": "hi"})
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "read_only")
    await client.wait_for(lambda: len(updates(client)) == 5)  # REST posts reach the sockets
    for ws in (client, freelancer):
        await ws.close()


async def test_a_closed_offer_keeps_its_thread_readable_but_closed(server: ServerProcess) -> None:
    _offer, client, freelancer = await pair(server)
    await command(client, {"type": "post", "body": "Last words"})
    closed = await command(client, {"type": "withdraw_offer", "base_version": 1,
                                    "reason": "Hired elsewhere"})
    assert closed["type"] == "ack"
    late = await command(client, {"type": "post", "body": "After"})
    assert (late["type"], late["code"]) == ("error", "not_open")
    await freelancer.wait_for(lambda: any(u.get("event") == "offer_withdrawn"
                                          for u in updates(freelancer)))
    for ws in (client, freelancer):
        await ws.close()


async def test_messages_reach_a_party_on_another_node(tmp_path: Path, redis: RedisServer) -> None:
    database = create_database("thread")
    nodes: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            node = ServerProcess(tmp_path / name, env={
                "OFFER_ROOM_DATABASE_URL": database, "OFFER_ROOM_REDIS_URL": redis.url,
                "OFFER_ROOM_NODE_ID": f"node-{name}"})
            node.start()
            nodes.append(node)
        a, b = nodes
        offer = a.create_offer()
        client = await connected(a.ws_base, offer["id"], offer["tokens"]["client"])
        freelancer = await connected(b.ws_base, offer["id"], offer["tokens"]["freelancer"])
        await client.wait_for(lambda: bool(client.messages("thread")))
        await freelancer.wait_for(lambda: bool(freelancer.messages("thread")))
        await command(client, {"type": "post",
                               "body": "Pay me by gift card first, then we start"})
        await freelancer.wait_for(lambda: bool(updates(freelancer)))
        [item] = updates(freelancer)
        assert item["body"].startswith("Pay me by gift card") and item["n"] == 1
        reply = await command(freelancer, {"type": "post", "body": "No, thanks."})
        assert reply["type"] == "ack"
        await client.wait_for(lambda: len(updates(client)) == 2)
        assert [u["n"] for u in updates(client)] == [1, 2]
        with httpx.Client(base_url=b.url, headers={"Authorization": f"Bearer {API_KEY}"}) as http:
            assert len(http.get(f"/api/offers/{offer['id']}/messages").json()["items"]) == 2
        for ws in (client, freelancer):
            await ws.close()
    finally:
        for node in nodes:
            node.stop()
        drop_database(database)
