"""Interop: the stock y-websocket provider (Node) and a pycrdt client share one room."""

from __future__ import annotations

from tests.support.nodeclient import NodeClient
from tests.support.server import ServerProcess
from tests.support.yclient import connected


async def test_stock_provider_syncs_both_ways(server: ServerProcess) -> None:
    offer = server.create_offer()
    node = await NodeClient.start(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    try:
        assert (await node.call({"cmd": "wait_synced"}))["ok"]
        state = await node.call({"cmd": "get"})
        assert state["terms"]["title"] == "Landing page for a coffee roaster"
        assert state["offer"]["status"] == "open"

        py = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
        await node.call({"cmd": "set", "field": "hourly_rate", "value": 5200})
        await py.wait_for(lambda: py.terms().get("hourly_rate") == 5200)
        # Yjs in the browser sends integers; the server keeps them integral.
        assert isinstance(py.terms()["hourly_rate"], (int, float))

        with py.edit() as doc:
            doc.terms["title"] = "From Python"
        reply = await node.call({"cmd": "wait_for", "field": "title", "value": "From Python",
                                 "timeout_ms": 5000})
        assert reply["ok"]

        await node.call({"cmd": "insert_text", "index": 0, "text": "Node says hi. "})
        await py.wait_for(lambda: str(py.odoc.description).startswith("Node says hi. "))
        await py.close()
    finally:
        await node.close()


async def test_stock_provider_receives_rejections_and_converges(server: ServerProcess) -> None:
    offer = server.create_offer()
    node = await NodeClient.start(server.ws_base, offer["id"], offer["tokens"]["client"])
    try:
        await node.call({"cmd": "wait_synced"})
        await node.call({"cmd": "set", "field": "hourly_rate", "value": 12.5})
        reply = await node.call({"cmd": "wait_for", "field": "hourly_rate", "value": 4500,
                                 "timeout_ms": 5000})
        assert reply["ok"]
        for _ in range(50):  # events arrive on the same stdout as replies
            if node.app_messages("rejected"):
                break
            await node.call({"cmd": "get"})
        rejected = node.app_messages("rejected")
        assert rejected and rejected[0]["code"] == "invalid"
        assert rejected[0]["fields"] == ["hourly_rate"]
        assert node.app_messages("hello")[0]["user"]["name"] == "Ada"
    finally:
        await node.close()


async def test_stock_provider_stops_on_a_bad_token(server: ServerProcess) -> None:
    offer = server.create_offer()
    node = await NodeClient.start(server.ws_base, offer["id"], "not-a-token")
    try:
        reply = await node.call({"cmd": "wait_synced", "timeout_ms": 1500})
        assert not reply.get("ok")
        closes = [e for e in node.events if e.get("event") == "close"]
        assert closes and closes[0]["code"] == 4401
    finally:
        await node.close()
