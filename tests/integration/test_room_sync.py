"""Two parties co-edit one offer over real WebSockets against a real server."""

from __future__ import annotations

import asyncio

from pycrdt import Map

from tests.support.server import ServerProcess
from tests.support.yclient import connected


async def test_two_parties_see_each_others_edits(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    assert client.terms()["title"] == "Landing page for a coffee roaster"

    with client.edit() as doc:
        doc.terms["hourly_rate"] = 5000
    await freelancer.wait_for(lambda: freelancer.terms().get("hourly_rate") == 5000)

    with freelancer.edit() as doc:
        doc.description.insert(0, "Urgent: ")
        doc.milestones.append(Map({"id": "m1", "title": "Mockups", "amount": 20000}))
    await client.wait_for(lambda: str(client.odoc.description).startswith("Urgent: "))
    await client.wait_for(lambda: len(client.odoc.milestones) == 1)
    await client.close()
    await freelancer.close()


async def test_updates_are_not_echoed_to_their_sender(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    before = client.updates_received
    with client.edit() as doc:
        doc.terms["title"] = "Renamed"
    await freelancer.wait_for(lambda: freelancer.terms()["title"] == "Renamed")
    # The server also records attribution (changed_by), which comes back as a server update;
    # the client's own update must not: at most the one attribution update arrives.
    await asyncio.sleep(0.2)
    assert client.updates_received - before <= 1
    assert client.odoc.changed_by.to_py()["title"][0]["id"] == "c-1"
    await client.close()
    await freelancer.close()


async def test_late_joiner_gets_full_state(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    with client.edit() as doc:
        doc.terms["weekly_limit"] = 30
        doc.description.insert(len(str(doc.description)), " With a blog.")
    await asyncio.sleep(0.2)
    late = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    assert late.terms()["weekly_limit"] == 30
    assert str(late.odoc.description).endswith("With a blog.")
    assert late.odoc.offer.to_py()["status"] == "open"
    await client.close()
    await late.close()


async def test_hello_says_who_you_are(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    hello = client.messages("hello")[0]
    assert hello["user"] == {"id": "f-1", "name": "Linus", "role": "freelancer",
                             "color": hello["user"]["color"]}
    assert hello["read_only"] is False
    await client.close()


async def test_awareness_is_stamped_echoed_and_removed_on_close(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    # The client claims to be the freelancer; the server stamps its real identity.
    await client.set_awareness({"focus": "hourly_rate", "user": {"name": "Linus", "role": "x"}})
    cid = client.doc.client_id
    await freelancer.wait_for(lambda: bool(freelancer.awareness.get(cid)))
    state = freelancer.awareness[cid]
    assert state is not None
    assert state["user"]["name"] == "Ada" and state["user"]["role"] == "client"
    assert state["focus"] == "hourly_rate"
    await client.wait_for(lambda: bool(client.awareness.get(cid)))  # echoed to its sender
    await client.close()
    await freelancer.wait_for(lambda: freelancer.awareness.get(cid) is None)
    await freelancer.close()


async def test_hidden_focus_is_not_shared(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await client.set_awareness({"focus": "title", "hidden": True})
    cid = client.doc.client_id
    await freelancer.wait_for(lambda: bool(freelancer.awareness.get(cid)))
    state = freelancer.awareness[cid]
    assert state is not None and state["focus"] is None
    await client.close()
    await freelancer.close()


async def test_concurrent_first_joins_share_one_room(server: ServerProcess) -> None:
    offer = server.create_offer()
    clients = await asyncio.wait_for(
        asyncio.gather(
            *[connected(server.ws_base, offer["id"], offer["tokens"][role])
              for role in ("client", "freelancer") * 5]
        ),
        10,
    )
    with clients[0].edit() as doc:
        doc.terms["title"] = "Seen by all"
    for c in clients[1:]:
        await c.wait_for(lambda c=c: c.terms()["title"] == "Seen by all")
    for c in clients:
        await c.close()
