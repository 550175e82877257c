"""Restarts, including kill -9 in the middle of editing, lose no persisted edit."""

from __future__ import annotations

import asyncio

from tests.support.server import ServerProcess
from tests.support.yclient import connected


async def test_graceful_restart_keeps_every_edit(own_server: ServerProcess) -> None:
    offer = own_server.create_offer()
    client = await connected(own_server.ws_base, offer["id"], offer["tokens"]["client"])
    with client.edit() as doc:
        doc.terms["hourly_rate"] = 6100
        doc.description.insert(0, "Kept: ")
    await asyncio.sleep(0.3)
    await client.close()
    own_server.stop()
    own_server.start()
    again = await connected(own_server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    assert again.terms()["hourly_rate"] == 6100
    assert str(again.odoc.description).startswith("Kept: ")
    await again.close()


async def test_kill9_after_edits_settle_loses_nothing(own_server: ServerProcess) -> None:
    offer = own_server.create_offer()
    client = await connected(own_server.ws_base, offer["id"], offer["tokens"]["client"])
    peer = await connected(own_server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    for i in range(120):
        with client.edit() as doc:
            doc.terms["weekly_limit"] = 1 + i % 100
            doc.description.insert(len(str(doc.description)), f" {i}")
    # Once the peer has everything the server applied it; group commit follows within ms.
    await peer.wait_for(lambda: str(peer.odoc.description).endswith(" 119"))
    await asyncio.sleep(0.3)
    expected = str(peer.odoc.description)
    own_server.kill9()
    await client.wait_closed()
    await peer.wait_closed()
    own_server.start()
    fresh = await connected(own_server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    assert str(fresh.odoc.description) == expected
    assert fresh.terms()["weekly_limit"] == 20
    await fresh.close()


async def test_kill9_mid_stream_then_reconnect_converges(own_server: ServerProcess) -> None:
    """Edits the server never persisted are still in the client's doc and sync on reconnect."""
    offer = own_server.create_offer()
    client = await connected(own_server.ws_base, offer["id"], offer["tokens"]["client"])
    for i in range(200):
        with client.edit() as doc:
            doc.description.insert(len(str(doc.description)), f" {i}")
        if i == 100:
            own_server.kill9()
        await asyncio.sleep(0)
    await client.wait_closed()
    own_server.start()
    await client.connect()  # the same doc reconnects, as y-websocket does
    await asyncio.wait_for(client.synced.wait(), 5)
    fresh = await connected(own_server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await fresh.wait_for(lambda: str(fresh.odoc.description).endswith(" 199"))
    assert str(fresh.odoc.description) == str(client.odoc.description)
    await client.close()
    await fresh.close()
