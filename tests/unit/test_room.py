"""A real Room driven over in-memory channels: what each participant is sent, and in what order."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc

from server.crdt.layout import OfferDoc
from server.presence.awareness import encode_update
from server.rooms.room import Room
from server.wire import MessageType, SyncType, awareness_frame, sync_frame, var_bytes
from tests.support.room_peers import TERMS, Peer, kinds, make_room, of


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    async for opened in make_room(tmp_path):
        yield opened


async def test_join_sends_hello_step1_then_locks(room: Room) -> None:
    ada = Peer(room, "ada", "client").join()
    got = await ada.received()
    assert kinds(got) == ["hello", "step1", "locks"]
    hello = got[0][1]
    assert hello["offer_id"] == "o1" and hello["read_only"] is False
    assert hello["user"] == {"id": "ada", "name": "Ada", "role": "client", "color": "#2563eb"}
    assert hello["lock_ttl_ms"] == 8000
    assert (got[1][1], got[2][1]["locks"]) == (room.odoc.doc.get_state(), [])


async def test_join_includes_current_presence(room: Room) -> None:
    ada = Peer(room, "ada", "client").join()
    ada.awareness(111, 1, {"focus": "title"})
    linus = Peer(room, "linus", "freelancer").join()
    got = await linus.received()
    assert kinds(got) == ["hello", "step1", "awareness", "locks"]
    [(client_id, _, state)] = got[2][1]
    assert client_id == 111 and json.loads(state)["user"]["name"] == "Ada"


async def test_viewer_hello_is_read_only_with_a_reason(room: Room) -> None:
    grace = Peer(room, "grace", "viewer").join()
    hello = of(await grace.received(), "hello")[0]
    assert hello["read_only"] is True and "viewing" in hello["read_only_reason"]


async def test_closed_offer_is_read_only_for_parties(tmp_path: Path) -> None:
    async for closed in make_room(tmp_path, status="agreed"):
        ada = Peer(closed, "ada", "client").join()
        hello = of(await ada.received(), "hello")[0]
        assert hello["read_only"] is True and "agreed" in hello["read_only_reason"]
        ada.edit(lambda d: d.terms.__setitem__("title", "Late change"))
        assert of(await ada.received(), "rejected")[0]["code"] == "closed"


async def test_valid_edit_reaches_others_not_its_sender(room: Room) -> None:
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    await ada.received(), await linus.received()
    ada.edit(lambda d: d.terms.__setitem__("hourly_rate", 5000))
    # The sender hears only the server's attribution; the peer gets the edit and attribution.
    assert kinds(await ada.received()) == ["update"]
    to_linus = await linus.received()
    assert kinds(to_linus) == ["update", "update"]
    for _, update in to_linus:
        linus.odoc.doc.apply_update(update)
    assert linus.odoc.terms["hourly_rate"] == 5000
    assert (linus.odoc.changed_by.to_py() or {})["hourly_rate"][0]["id"] == "ada"


async def test_rejected_comes_before_the_compensating_update(room: Room) -> None:
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    await ada.received(), await linus.received()
    ada.edit(lambda d: d.terms.__setitem__("hourly_rate", 12.5))
    got = await ada.received()
    assert kinds(got) == ["rejected", "update"]
    assert got[0][1] == {"type": "rejected", "fields": ["hourly_rate"], "code": "invalid",
                         "reason": "Hourly rate must be a whole number of cents."}
    ada.odoc.doc.apply_update(got[1][1])
    assert ada.odoc.terms["hourly_rate"] == 4500
    # The peer gets only the net effect: no trace of the refused value, nothing to undo.
    [(kind, net)] = await linus.received()
    assert kind == "update" and struct.pack(">d", 12.5) not in net
    linus.odoc.doc.apply_update(net)
    assert linus.odoc.terms["hourly_rate"] == 4500
    assert linus.odoc.doc.get_state() == room.odoc.doc.get_state()
    assert room.metrics.value("offer_room_rejected_edits_total", code="invalid") == 1


async def test_lock_is_broadcast_and_a_conflict_answers_locked(room: Room) -> None:
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    await ada.received(), await linus.received()
    linus.app(type="lock", field="hourly_rate", id="l-0")
    for peer in (ada, linus):
        [locks] = of(await peer.received(), "locks")
        assert [(e["field"], e["user"]["id"]) for e in locks["locks"]] == [
            ("hourly_rate", "linus")]
        assert 0 < locks["locks"][0]["expires_in_ms"] <= 8000
    ada.app(type="lock", field="hourly_rate", id="l-1")
    got = await ada.received()
    assert kinds(got) == ["error", "locks"]
    assert (got[0][1]["code"], got[0][1]["ref"]) == ("locked", "l-1")
    assert "Linus" in got[0][1]["message"]
    assert await linus.received() == []
    linus.app(type="lock", field="hourly_rate")  # a renewal is not re-broadcast
    assert await ada.received() == []


async def test_viewer_cannot_lock(room: Room) -> None:
    grace = Peer(room, "grace", "viewer").join()
    await grace.received()
    grace.app(type="lock", field="hourly_rate", id="v-1")
    [error] = of(await grace.received(), "error")
    assert (error["code"], error["ref"]) == ("read_only", "v-1")
    assert room.locks.leases == {}


async def test_request_release_notifies_only_the_holders_connections(room: Room) -> None:
    ada = Peer(room, "ada", "client").join()
    linus = Peer(room, "linus", "freelancer").join()
    linus_tab = Peer(room, "linus", "freelancer").join()
    grace = Peer(room, "grace", "viewer").join()
    linus.app(type="lock", field="milestone:m-1")
    for peer in (ada, linus, linus_tab, grace):
        await peer.received()
    ada.app(type="request_release", field="milestone:m-1")
    for peer in (linus, linus_tab):
        [notice] = of(await peer.received(), "notice")
        assert notice["kind"] == "release_requested" and notice["field"] == "milestone:m-1"
        assert notice["by"]["name"] == "Ada"
    assert await ada.received() == [] and await grace.received() == []


async def test_leave_removes_presence_and_releases_locks(room: Room) -> None:
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    linus.awareness(222, 3, {"focus": "hourly_rate"})
    linus.app(type="lock", field="hourly_rate")
    await ada.received(), await linus.received()
    room.leave(linus.conn)
    got = await ada.received()
    assert kinds(got) == ["awareness", "locks"]
    assert (got[0][1], got[1][1]["locks"]) == ([(222, 4, "null")], [])
    assert room.awareness.states() == {} and room.locks.holder("hourly_rate") is None
    assert await linus.received() == [] and linus.conn not in room.conns


@pytest.mark.parametrize(
    "frame",
    [
        b"\xff\xff\xff",
        bytes([42, 1, 2]),
        b"",
        sync_frame(SyncType.UPDATE, b"\x01\x02\x03garbage"),
        bytes([MessageType.SYNC, 7]) + var_bytes(b""),
        bytes((MessageType.APP,)) + var_bytes(b'{"type":"nope"}'),
        bytes((MessageType.APP,)) + var_bytes(b"{not json"),
        awareness_frame(encode_update([(5, 1, "{oops")])),
        bytes([MessageType.SYNC, SyncType.UPDATE, 5, 1, 2]),
        bytes([MessageType.SYNC, SyncType.UPDATE]),
        bytes([MessageType.SYNC, SyncType.UPDATE, 0]),
    ],
    ids=["varint", "type", "empty", "yjs", "sync-type", "app-type", "app-json", "awareness",
         "truncated-update", "no-length", "empty-update"],
)
async def test_garbage_frame_answers_bad_frame(room: Room, frame: bytes) -> None:
    ada = Peer(room, "ada", "client").join()
    await ada.received()
    room.receive(ada.conn, frame)
    [(kind, error)] = await ada.received()
    assert (kind, error["code"]) == ("error", "bad_frame")
    assert room.metrics.value("offer_room_room_events_total", kind="bad_frames") == 1
    ada.edit(lambda d: d.terms.__setitem__("title", "Still works"))
    assert room.odoc.terms["title"] == "Still works"


async def test_unknown_lock_field_answers_bad_field(room: Room) -> None:
    ada = Peer(room, "ada", "client").join()
    await ada.received()
    ada.app(type="lock", field="offer", id="x")
    [error] = of(await ada.received(), "error")
    assert (error["code"], error["ref"]) == ("bad_field", "x")


async def test_step1_is_answered_with_the_missing_updates(room: Room) -> None:
    ada = Peer(room, "ada", "client").join()
    await ada.received()
    fresh: Doc[Any] = Doc()
    room.receive(ada.conn, sync_frame(SyncType.STEP1, fresh.get_state()))
    [(kind, diff)] = await ada.received()
    fresh.apply_update(diff)
    assert kind == "step2" and OfferDoc(fresh).read_terms(room.config.limits) == TERMS


async def test_edits_before_the_sync_handshake_wait_for_step2(room: Room) -> None:
    ada = Peer(room, "ada", "client").join(handshake=False)
    linus = Peer(room, "linus", "freelancer").join()
    await linus.received()
    ada.edit(lambda d: d.terms.__setitem__("title", "Early"))
    assert room.odoc.terms["title"] == "Landing page"  # held, not applied
    ada.step2()
    assert room.odoc.terms["title"] == "Early"
    assert "update" in kinds(await linus.received())


async def test_a_busy_room_sheds_overwritten_values_and_keeps_guarding(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.rooms.document.REFRESH_EVERY", 50)
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    await ada.received(), await linus.received()
    first = room.odoc
    for i in range(120):
        ada.edit(lambda d, i=i: d.terms.__setitem__("title", f"Title {i:04d} " + "x" * 60))
    assert room.odoc is not first
    # Kept forever, 120 dead titles would take over 9 KB; only those since the last rebuild stay.
    assert len(room.odoc.doc.get_update()) < 3000
    ada.edit(lambda d: d.terms.__setitem__("hourly_rate", 12.5))  # still checked after a rebuild
    assert kinds(await ada.received())[-2:] == ["rejected", "update"]
    for _, update in await linus.received():
        linus.odoc.doc.apply_update(update)
    assert linus.odoc.terms["title"] == f"Title 0119 {'x' * 60}"
    assert linus.odoc.terms["hourly_rate"] == 4500
    assert (linus.odoc.changed_by.to_py() or {})["title"][0]["id"] == "ada"
    assert linus.odoc.doc.get_state() == room.odoc.doc.get_state()
