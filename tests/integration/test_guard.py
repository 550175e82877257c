"""A raw client attempts every forbidden edit; server, sender and peer end on the valid state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from server.crdt.layout import OfferDoc
from tests.support.server import API_KEY, ServerProcess
from tests.support.yclient import YClient, connected


def _snapshot(odoc: OfferDoc) -> dict[str, Any]:
    return {
        "terms": odoc.terms.to_py(),
        "description": str(odoc.description),
        "milestones": odoc.milestones.to_py(),
        "offer": odoc.offer.to_py(),
        "committed": odoc.committed.to_py(),
    }


def _server_draft(server: ServerProcess, offer_id: str) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/api/offers/{offer_id}",
                         headers={"Authorization": f"Bearer {API_KEY}"})
    draft: dict[str, Any] = response.json()["draft"]
    return draft


FORBIDDEN: dict[str, tuple[Callable[[OfferDoc], None], str]] = {
    "server-only offer root": (lambda d: d.offer.__setitem__("status", "agreed"), "server_only"),
    "server-only committed root": (
        lambda d: d.committed.__setitem__("hourly_rate", 1), "server_only"),
    "string in a money field": (lambda d: d.terms.__setitem__("hourly_rate", "lots"), "invalid"),
    "12.5 cents": (lambda d: d.terms.__setitem__("hourly_rate", 12.5), "invalid"),
    "unknown key": (lambda d: d.terms.__setitem__("bonus", 100), "forbidden"),
    "bad date": (lambda d: d.terms.__setitem__("start_date", "2026-13-45"), "invalid"),
    "title too long": (lambda d: d.terms.__setitem__("title", "x" * 201), "invalid"),
    "description too long": (lambda d: d.description.insert(0, "y" * 20_001), "invalid"),
    "required field deleted": (lambda d: d.terms.__delitem__("currency"), "invalid"),
    "weekly limit out of range": (lambda d: d.terms.__setitem__("weekly_limit", 169), "invalid"),
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN))
async def test_forbidden_edit_is_undone_everywhere(server: ServerProcess, case: str) -> None:
    edit, code = FORBIDDEN[case]
    offer = server.create_offer()
    sender = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    peer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    valid = _snapshot(sender.odoc)
    with sender.edit() as doc:
        edit(doc)
    await sender.wait_for(lambda: bool(sender.messages("rejected")))
    rejected = sender.messages("rejected")[0]
    assert rejected["code"] == code and rejected["reason"]
    await sender.wait_for(lambda: _snapshot(sender.odoc) == valid)
    await asyncio.sleep(0.1)
    assert _snapshot(peer.odoc) == valid
    assert _server_draft(server, offer["id"])["hourly_rate"] == 4500
    # The room goes on working after the rejection.
    with sender.edit() as doc:
        doc.terms["hourly_rate"] = 5000
    await peer.wait_for(lambda: peer.terms()["hourly_rate"] == 5000)
    await sender.close()
    await peer.close()


async def test_edit_under_someone_elses_lock_is_rejected(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await freelancer.send_app({"type": "lock", "field": "hourly_rate"})
    await client.wait_for(lambda: any(m["locks"] for m in client.messages("locks")))
    lock = client.messages("locks")[-1]["locks"][0]
    assert lock["field"] == "hourly_rate" and lock["user"]["name"] == "Linus"

    with client.edit() as doc:
        doc.terms["hourly_rate"] = 9900
    await client.wait_for(lambda: bool(client.messages("rejected")))
    assert client.messages("rejected")[0]["code"] == "locked"
    await client.wait_for(lambda: client.terms()["hourly_rate"] == 4500)
    # The compensation is a new write: an edit made before it arrives is concurrent with it and
    # may lose to it (Yjs orders concurrent map writes by client id), so the holder edits after.
    # Its sync, then the refused edit's net effect (the refused value itself never reaches it).
    await freelancer.wait_for(lambda: freelancer.updates_received >= 2)
    await freelancer.wait_for(lambda: freelancer.terms()["hourly_rate"] == 4500)
    # The holder may edit; another field stays free for the client.
    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = 5200
    with client.edit() as doc:
        doc.terms["weekly_limit"] = 25
    await client.wait_for(lambda: client.terms()["hourly_rate"] == 5200)
    await freelancer.wait_for(lambda: freelancer.terms()["weekly_limit"] == 25)
    # A second lock attempt is refused; release frees the field.
    await client.send_app({"type": "lock", "field": "hourly_rate", "id": "l1"})
    await client.wait_for(lambda: any(m.get("ref") == "l1" for m in client.messages("error")))
    await freelancer.send_app({"type": "unlock", "field": "hourly_rate"})
    await client.wait_for(lambda: client.messages("locks")[-1]["locks"] == [])
    await client.close()
    await freelancer.close()


async def test_lock_is_released_on_disconnect_and_release_can_be_requested(
    server: ServerProcess,
) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await freelancer.send_app({"type": "lock", "field": "milestone:m-9"})
    await client.wait_for(lambda: any(m["locks"] for m in client.messages("locks")))
    await client.send_app({"type": "request_release", "field": "milestone:m-9"})
    await freelancer.wait_for(lambda: bool(freelancer.messages("notice")))
    notice = freelancer.messages("notice")[0]
    assert notice["kind"] == "release_requested" and notice["by"]["name"] == "Ada"
    await freelancer.close()
    await client.wait_for(lambda: client.messages("locks")[-1]["locks"] == [])
    await client.close()


async def test_lock_expires_without_renewal(tmp_path: Any) -> None:
    proc = ServerProcess(tmp_path / "data", env={"OFFER_ROOM_LOCK_TTL_MS": "600"})
    proc.start()
    try:
        offer = proc.create_offer()
        client = await connected(proc.ws_base, offer["id"], offer["tokens"]["client"])
        freelancer = await connected(proc.ws_base, offer["id"], offer["tokens"]["freelancer"])
        await freelancer.send_app({"type": "lock", "field": "hourly_rate"})
        await client.wait_for(lambda: any(m["locks"] for m in client.messages("locks")))
        await client.wait_for(lambda: client.messages("locks")[-1]["locks"] == [], timeout=4)
        with client.edit() as doc:
            doc.terms["hourly_rate"] = 7700
        await freelancer.wait_for(lambda: freelancer.terms()["hourly_rate"] == 7700)
        await client.close()
        await freelancer.close()
    finally:
        proc.stop()


async def test_forged_awareness_for_anothers_client_id_is_ignored(server: ServerProcess) -> None:
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    await freelancer.set_awareness({"focus": "title"})
    fid = freelancer.doc.client_id
    await client.wait_for(lambda: bool(client.awareness.get(fid)))
    # The client tries to overwrite the freelancer's presence with a higher clock.
    client._clock = 100
    await client.set_awareness({"focus": "fixed_price"}, client_id=fid)
    await client.wait_for(lambda: any(m["code"] == "forbidden" for m in client.messages("error")))
    state = client.awareness[fid]
    assert state is not None and state["focus"] == "title" and state["user"]["name"] == "Linus"
    state = freelancer.awareness[fid]
    assert state is not None and state["focus"] == "title"
    await client.close()
    await freelancer.close()


async def test_milestone_rows_are_validated(server: ServerProcess) -> None:
    offer = server.create_offer(contract_type="fixed", hourly_rate=None, weekly_limit=None,
                                fixed_price=100000,
                                milestones=[{"title": "All", "amount": 100000}])
    sender = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    peer: YClient = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    before = sender.odoc.milestones.to_py()
    with sender.edit() as doc:
        doc.milestones[0]["amount"] = -5
    await sender.wait_for(lambda: bool(sender.messages("rejected")))
    assert sender.messages("rejected")[0]["fields"] == ["milestones[0].amount"]
    await sender.wait_for(lambda: sender.odoc.milestones.to_py() == before)
    with sender.edit() as doc:
        del doc.milestones[0]
    await peer.wait_for(lambda: peer.odoc.milestones.to_py() == [])
    await sender.close()
    await peer.close()
