"""Every bad input has a defined answer, and the room keeps serving everyone else."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server.auth import mint
from server.wire import CloseCode, MessageType, SyncType, sync_frame, var_bytes
from tests.support.server import SECRET, ServerProcess
from tests.support.yclient import YClient, connected


async def _close_code(server: ServerProcess, path: str) -> int | None:
    client = YClient(f"{server.ws_base}/{path}")
    await client.connect()
    return await client.wait_closed()


async def test_missing_token_closes_4401(server: ServerProcess) -> None:
    offer = server.create_offer()
    assert await _close_code(server, offer["id"]) == CloseCode.BAD_TOKEN


async def test_expired_token_closes_4401(server: ServerProcess) -> None:
    offer = server.create_offer()
    token = mint(SECRET, offer=offer["id"], user="c-1", name="Ada", role="client", ttl=-10)
    assert await _close_code(server, f"{offer['id']}?token={token}") == CloseCode.BAD_TOKEN


async def test_forged_token_closes_4401(server: ServerProcess) -> None:
    offer = server.create_offer()
    token = mint("not-the-server-secret-but-long-enough!", offer=offer["id"], user="c-1",
                 name="Ada", role="client", ttl=600)
    assert await _close_code(server, f"{offer['id']}?token={token}") == CloseCode.BAD_TOKEN
    assert await _close_code(server, f"{offer['id']}?token=garbage") == CloseCode.BAD_TOKEN


async def test_token_for_another_offer_closes_4403(server: ServerProcess) -> None:
    first, second = server.create_offer(), server.create_offer()
    path = f"{second['id']}?token={first['tokens']['client']}"
    assert await _close_code(server, path) == CloseCode.NOT_A_PARTY


async def test_unknown_offer_closes_4404(server: ServerProcess) -> None:
    token = mint(SECRET, offer="no-such-offer", user="c-1", name="Ada", role="client", ttl=600)
    assert await _close_code(server, f"no-such-offer?token={token}") == CloseCode.NO_SUCH_OFFER


async def test_viewer_edit_is_rejected_and_everyone_converges(server: ServerProcess) -> None:
    offer = server.create_offer()
    viewer_token = server.mint(offer["id"], "viewer", "v-1", "Grace")
    viewer = await connected(server.ws_base, offer["id"], viewer_token)
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    assert viewer.messages("hello")[0]["read_only"] is True
    with viewer.edit() as doc:
        doc.terms["hourly_rate"] = 1
    await viewer.wait_for(lambda: bool(viewer.messages("rejected")))
    assert viewer.messages("rejected")[0]["code"] == "read_only"
    await viewer.wait_for(lambda: viewer.terms()["hourly_rate"] == 4500)
    await asyncio.sleep(0.1)
    assert client.terms()["hourly_rate"] == 4500
    await viewer.close()
    await client.close()


async def _room_still_serves(a: YClient, b: YClient, title: str) -> None:
    with b.edit() as doc:
        doc.terms["title"] = title
    await a.wait_for(lambda: a.terms()["title"] == title)


async def test_garbage_frames_get_an_error_and_the_room_keeps_serving(
    server: ServerProcess,
) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await client.send_raw(b"\xff\xff\xff")  # truncated varint
    await client.send_raw(bytes([42, 1, 2]))  # unknown message type
    await client.send_raw(sync_frame(SyncType.UPDATE, b"\x01\x02\x03garbage"))  # bad Yjs
    await client.send_raw(bytes((MessageType.APP,)) + var_bytes(b'{"type":"nope"}'))
    await client.send_raw("a text frame")
    await client.wait_for(lambda: len(client.messages("error")) == 5)
    assert {m["code"] for m in client.messages("error")} == {"bad_frame"}
    await _room_still_serves(client, freelancer, "Still here")
    await _room_still_serves(freelancer, client, "Both ways")
    await client.close()
    await freelancer.close()


async def test_frame_over_the_limit_closes_4413(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await client.send_raw(bytes([MessageType.SYNC, SyncType.UPDATE]) + b"\x00" * (3 * 2**20))
    assert await client.wait_closed() == CloseCode.FRAME_TOO_LARGE
    assert client.messages("error")[-1]["code"] == "too_large"
    other = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    await _room_still_serves(other, freelancer, "After the big frame")
    await other.close()
    await freelancer.close()


@pytest.fixture
def strict_server(tmp_path: Path) -> ServerProcess:
    proc = ServerProcess(tmp_path / "data", env={"OFFER_ROOM_RATE_PER_SECOND": "5",
                                                 "OFFER_ROOM_RATE_BURST": "20"})
    proc.start()
    return proc


async def test_flooding_closes_4429(strict_server: ServerProcess) -> None:
    try:
        offer = strict_server.create_offer()
        client = await connected(strict_server.ws_base, offer["id"], offer["tokens"]["client"])
        for i in range(60):
            await client.set_awareness({"focus": None, "n": i})
        assert await client.wait_closed() == CloseCode.TOO_MANY_MESSAGES
    finally:
        strict_server.stop()


async def test_an_update_with_missing_dependencies_makes_the_client_reload(
    server: ServerProcess,
) -> None:
    from pycrdt import Doc

    from server.crdt.layout import OfferDoc

    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await asyncio.sleep(0.1)  # the handshake (our step 2) is done
    forged = OfferDoc(Doc())
    forged.doc.apply_update(client.doc.get_update())
    forged.terms["title"] = "Never sent"  # the dependency the server will not have
    after_first = forged.doc.get_state()
    forged.terms["hourly_rate"] = 1  # would be rejected, if it were ever checked
    await client.send_raw(sync_frame(SyncType.UPDATE, forged.doc.get_update(after_first)))
    assert await client.wait_closed() == CloseCode.EPOCH_CHANGED
    assert client.messages("error")[-1]["code"] == "out_of_sync"
    await _room_still_serves(freelancer, freelancer, "Still serving")
    assert freelancer.terms()["hourly_rate"] == 4500
    await freelancer.close()
