"""A room's resource budget: what one participant may make it do, hold or keep, and the answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.auth import Revocation
from server.config import Config
from server.presence.awareness import encode_update
from server.rooms.room import Room
from server.wire import CloseCode, SyncType, awareness_frame, sync_frame
from server.wire import write_var_uint as uint
from tests.support.room_peers import Peer, kinds, make_room, of


async def room_with(tmp_path: Path, **settings: object) -> AsyncIterator[Room]:
    async for opened in make_room(tmp_path, config=Config(lock_ttl_ms=8000, **settings)):  # type: ignore[arg-type]
        yield opened


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    async for opened in room_with(tmp_path):
        yield opened


def delete_set(client: int, ranges: int) -> bytes:
    """An update that is nothing but ``ranges`` one-item deletions of ``client``'s items."""
    out = bytearray(uint(0) + uint(1) + uint(client) + uint(ranges))
    for i in range(ranges):
        out += uint(i) + uint(1)
    return bytes(out)


# --- the work budget ------------------------------------------------------------------------


async def test_an_update_over_the_item_bound_is_refused_unapplied(tmp_path: Path) -> None:
    async for room in room_with(tmp_path, update_items_max=100):
        grace = Peer(room, "grace", "viewer").join()
        ada = Peer(room, "ada", "client").join()
        await grace.received(), await ada.received()
        before = room.odoc.doc.get_state()
        room.receive(grace.conn, sync_frame(SyncType.UPDATE, delete_set(room.odoc.doc.client_id,
                                                                         5_000)))
        [error] = of(await grace.received(), "error")
        assert error["code"] == "too_complex"
        assert grace.channel.closed_with == (CloseCode.EPOCH_CHANGED,
                                             "update too complex; reload")
        assert room.odoc.doc.get_state() == before and await ada.received() == []
        assert room.metrics.limit_hits("update_items") == 1


async def test_work_past_the_budget_closes_the_sender_and_is_not_done(tmp_path: Path) -> None:
    async for room in room_with(tmp_path, cost_per_second=1.0, cost_burst=2_000.0):
        ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
        await ada.received(), await linus.received()
        ada.edit(lambda d: d.terms.__setitem__("title", "Affordable"))
        assert room.odoc.terms["title"] == "Affordable"
        ada.edit(lambda d: d.description.insert(0, "x" * 400_000))  # ~4,000 units
        assert "x" not in str(room.odoc.description)
        [error] = of(await ada.received(), "error")
        assert error["code"] == "too_much_work"
        assert ada.channel.closed_with == (CloseCode.TOO_MANY_MESSAGES, "too much work")
        assert room.metrics.limit_hits("cost") == 1
        # The budget is the user's, not the socket's: a new socket starts with what was left.
        again = Peer(room, "ada", "client").join()
        assert again.conn.budget is ada.conn.budget
        for update in of(await linus.received(), "update"):  # Linus has seen Ada's title
            linus.odoc.doc.apply_update(update)
        linus.edit(lambda d: d.terms.__setitem__("title", "Linus still edits"))
        assert room.odoc.terms["title"] == "Linus still edits"


async def test_viewers_share_one_budget_and_parties_each_have_their_own(room: Room) -> None:
    grace, vera = Peer(room, "grace", "viewer").join(), Peer(room, "vera", "viewer").join()
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    assert grace.conn.budget is vera.conn.budget
    assert ada.conn.budget is not linus.conn.budget is not grace.conn.budget


# --- what a connection may hold --------------------------------------------------------------


async def test_edits_held_before_step2_are_bounded_in_bytes(tmp_path: Path) -> None:
    async for room in room_with(tmp_path, held_bytes=10_000):
        ada = Peer(room, "ada", "client").join(handshake=False)
        await ada.received()
        for i in range(3):
            ada.edit(lambda d, i=i: d.description.insert(0, f"{i}" * 3_000))
        assert ada.channel.closed_with is None
        ada.edit(lambda d: d.description.insert(0, "y" * 3_000))
        assert ada.channel.closed_with == (CloseCode.TOO_MANY_MESSAGES,
                                           "too much sent before the sync")
        assert room.metrics.limit_hits("held_bytes") == 1
        assert "y" not in str(room.odoc.description)


# --- presence --------------------------------------------------------------------------------


async def test_one_connection_introduces_a_bounded_number_of_presence_states(room: Room) -> None:
    grace = Peer(room, "grace", "viewer").join()
    await grace.received()
    for client_id in range(1, 5):
        grace.awareness(client_id, 1, {"focus": None})
    grace.awareness(5, 1, {"focus": None})
    [error] = of(await grace.received(), "error")
    assert error["code"] == "limit" and "at most 4" in error["message"]
    assert set(room.awareness.entries) == {1, 2, 3, 4}
    assert room.metrics.limit_hits("awareness_ids") == 1
    grace.awareness(4, 2, {"focus": "title"})  # updating its own states still works
    assert json.loads(room.awareness.entries[4].state or "{}")["focus"] == "title"


async def test_a_room_keeps_a_bounded_number_of_presence_states(tmp_path: Path) -> None:
    async for room in room_with(tmp_path, awareness_entries_per_room=6):
        peers = [Peer(room, f"v{i}", "viewer").join() for i in range(4)]
        for i, peer in enumerate(peers[:3]):
            peer.awareness(10 * i + 1, 1, {})
            peer.awareness(10 * i + 2, 1, {})
        peers[3].awareness(99, 1, {})
        assert len(room.awareness.entries) == 6 and 99 not in room.awareness.entries
        assert room.metrics.limit_hits("awareness_entries") == 1


async def test_an_awareness_update_declaring_a_million_states_is_refused_unread(
    room: Room,
) -> None:
    grace = Peer(room, "grace", "viewer").join()
    await grace.received()
    room.receive(grace.conn, awareness_frame(uint(1_000_000) + uint(1) + uint(1)))
    [error] = of(await grace.received(), "error")
    assert error["code"] == "limit" and room.awareness.entries == {}


async def test_a_presence_state_is_bounded_in_size(room: Room) -> None:
    grace = Peer(room, "grace", "viewer").join()
    await grace.received()
    grace.awareness(7, 1, {"cursor": "x" * 5_000})
    [error] = of(await grace.received(), "error")
    assert error["code"] == "limit" and room.awareness.entries == {}
    assert room.metrics.limit_hits("awareness_state_bytes") == 1


async def test_deeply_nested_presence_or_app_json_is_a_bad_frame_not_a_crash(room: Room) -> None:
    grace = Peer(room, "grace", "viewer").join()
    await grace.received()
    deep = "[" * 100_000 + "]" * 100_000
    room.receive(grace.conn, awareness_frame(encode_update([(7, 1, deep)])))
    grace.app(type="lock", field="hourly_rate", extra=json.loads("[" * 500 + "]" * 500))
    raw = '{"type":"lock","field":"title","x":' + "[" * 5_000 + "]" * 5_000 + "}"
    room.receive(grace.conn, bytes((100,)) + uint(len(raw)) + raw.encode())
    errors = of(await grace.received(), "error")
    assert [e["code"] for e in errors] == ["limit", "read_only", "bad_frame"]
    assert grace.channel.closed_with is None


# --- seats -----------------------------------------------------------------------------------


async def test_sockets_per_user_and_viewers_per_offer_are_bounded(tmp_path: Path) -> None:
    async for room in room_with(tmp_path, sockets_per_user=2, viewer_sockets_per_offer=3):
        tabs = [Peer(room, "ada", "client").join() for _ in range(2)]
        assert room.seat_refusal(Peer(room, "ada", "client").conn) == (
            "sockets_per_user", "too many open connections for this user")
        for i in range(3):
            Peer(room, f"viewer-{i}", "viewer").join()
        assert room.seat_refusal(Peer(room, "viewer-9", "viewer").conn) == (
            "viewer_sockets", "too many viewers in this offer right now")
        # Viewers filling their seats never take a party's.
        assert room.seat_refusal(Peer(room, "linus", "freelancer").conn) is None
        assert len(tabs) == 2


# --- rejected edits cost nothing to anyone else ------------------------------------------------


async def test_a_rejected_insert_reaches_no_peer_and_leaves_the_document(room: Room) -> None:
    grace = Peer(room, "grace", "viewer").join()
    ada = Peer(room, "ada", "client").join()
    await grace.received(), await ada.received()
    size = room.document.size
    grace.edit(lambda d: d.description.insert(0, "SPAM" * 100_000))
    got = await grace.received()
    assert kinds(got) == ["rejected", "update"]
    [(kind, net)] = await ada.received()
    assert kind == "update" and len(net) < 1_000 and b"SPAM" not in net
    assert len(room.odoc.doc.get_update()) < size + 1_000  # the 400 KB are gone already
    for peer, update in ((grace, got[1][1]), (ada, net)):
        peer.odoc.doc.apply_update(update)
        assert str(peer.odoc.description) == str(room.odoc.description)
        assert peer.odoc.doc.get_state() == room.odoc.doc.get_state()


async def test_a_resync_replaying_server_writes_is_compensated_quietly(room: Room) -> None:
    ada = Peer(room, "ada", "client").join(handshake=False)
    await ada.received()
    # What a client replays after a crash: server-written attribution the dead node never
    # stored, together with its own offline edit.
    with ada.odoc.doc.transaction():
        ada.odoc.changed_by["title"] = {"id": "ada", "name": "Ada", "role": "client"}
        ada.odoc.terms["title"] = "Offline edit"
    ada.step2()
    got = await ada.received()
    assert "rejected" not in kinds(got)
    assert room.odoc.terms["title"] == "Offline edit"
    assert room.metrics.value("offer_room_room_events_total", kind="replayed_server_writes") == 1
    # A live edit of a server root is still answered.
    ada.edit(lambda d: d.offer.__setitem__("status", "agreed"))
    [rejected] = of(await ada.received(), "rejected")
    assert rejected["code"] == "server_only"


async def test_a_full_document_refuses_inserts_and_takes_deletions(tmp_path: Path) -> None:
    async for room in room_with(tmp_path, doc_bytes_max=6_000):
        ada = Peer(room, "ada", "client").join()
        await ada.received()
        ada.edit(lambda d: d.description.insert(0, "a" * 5_000))
        assert len(str(room.odoc.description)) > 5_000
        ada.edit(lambda d: d.description.insert(0, "b" * 2_000))
        got = await ada.received()
        [rejected] = of(got, "rejected")
        assert rejected["code"] == "too_large" and "b" not in str(room.odoc.description)
        for update in of(got, "update"):
            ada.odoc.doc.apply_update(update)
        assert room.metrics.limit_hits("doc_bytes") >= 1
        ada.edit(lambda d: d.description.__delitem__(slice(0, 4_000)))
        assert len(str(room.odoc.description)) < 2_000


# --- viewers, revocation ---------------------------------------------------------------------


async def test_a_viewer_named_like_a_party_cannot_release_its_lock(room: Room) -> None:
    linus = Peer(room, "linus", "freelancer").join()
    impostor = Peer(room, "linus", "viewer").join()
    linus.app(type="lock", field="hourly_rate")
    await linus.received(), await impostor.received()
    for kind in ("unlock", "request_release", "lock"):
        impostor.app(type=kind, field="hourly_rate", id=kind)
        [error] = of(await impostor.received(), "error")
        assert (error["code"], error["ref"]) == ("read_only", kind)
    assert room.locks.holder("hourly_rate") == ("linus", "Linus")


async def test_revocation_closes_exactly_the_revoked_sockets(room: Room) -> None:
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    grace = Peer(room, "grace", "viewer").join()
    room.revoke(Revocation(offer_id="o1", at_ms=2**62, user="grace"))
    assert grace.channel.closed_with == (CloseCode.BAD_TOKEN, "this link was revoked")
    assert ada.channel.closed_with is None and linus.channel.closed_with is None
    room.revoke(Revocation(offer_id="o1", at_ms=2**62))
    assert ada.channel.closed_with == linus.channel.closed_with == (
        CloseCode.BAD_TOKEN, "this link was revoked")
