"""Attribution (the changed_by root): everyone who changed a field since the last commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.advice.service import _changer_role
from server.crdt.attribution import MAX_CHANGERS, changer_ids, changers, with_changer
from server.crdt.layout import OfferDoc
from server.negotiation import effects
from server.rooms.room import Room
from tests.support.room_peers import Peer, kinds, make_room

ADA = {"id": "ada", "name": "Ada", "role": "client", "color": "#2563eb"}
LINUS = {"id": "linus", "name": "Linus", "role": "freelancer", "color": "#db2777"}


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    async for opened in make_room(tmp_path):
        yield opened


async def synced(*peers: Peer) -> None:
    """Let the room handle what was sent; each peer applies what it received, as a client does."""
    for peer in peers:
        for kind, update in await peer.received():
            if kind == "update":
                peer.odoc.doc.apply_update(update)


def attribution(room: Room) -> dict[str, Any]:
    return room.odoc.changed_by.to_py() or {}


def test_both_shapes_read_the_same() -> None:
    assert changers(ADA) == [ADA]  # a doc from before the list: one object
    assert changers([ADA, LINUS]) == [ADA, LINUS]
    assert changers(None) == [] and changers("ada") == [] and changers([{"name": "x"}, 3]) == []
    assert changer_ids([ADA, LINUS]) == {"ada", "linus"} and changer_ids(ADA) == {"ada"}


def test_with_changer_appends_once_in_order_of_first_change() -> None:
    assert with_changer(None, ADA) == [ADA]
    assert with_changer(ADA, LINUS) == [ADA, LINUS]  # the old shape becomes a list
    assert with_changer([ADA, LINUS], ADA) is None  # already named: nothing to write
    full = [{"id": f"u{i}"} for i in range(MAX_CHANGERS)]
    grown = with_changer(full, ADA)
    assert grown is not None and len(grown) == MAX_CHANGERS and grown[-1] == ADA


async def test_two_parties_typing_into_one_field_are_both_named(room: Room) -> None:
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    await synced(ada, linus)
    ada.edit(lambda d: d.terms.__setitem__("hourly_rate", 5000))
    await synced(ada, linus)
    linus.edit(lambda d: d.terms.__setitem__("hourly_rate", 6000))
    await synced(ada, linus)
    ada.edit(lambda d: d.terms.__setitem__("hourly_rate", 5500))  # Ada again: no new write
    await synced(ada, linus)
    named = attribution(room)["hourly_rate"]
    assert [who["id"] for who in named] == ["ada", "linus"]  # order of first change
    assert named[1]["name"] == "Linus" and named[1]["role"] == "freelancer"
    assert "weekly_limit" not in attribution(room)
    assert _changer_role(room) is None  # two parties changed the draft: nobody's stance alone


async def test_a_party_typing_again_writes_nothing(room: Room) -> None:
    ada = Peer(room, "ada", "client").join()
    await ada.received()
    ada.edit(lambda d: d.terms.__setitem__("title", "One"))
    assert kinds(await ada.received()) == ["update"]  # the attribution
    ada.edit(lambda d: d.terms.__setitem__("title", "Two"))
    assert await ada.received() == []  # already named: no server write at all


async def test_a_commit_clears_everyone(room: Room) -> None:
    ada, linus = Peer(room, "ada", "client").join(), Peer(room, "linus", "freelancer").join()
    await synced(ada, linus)
    ada.edit(lambda d: d.terms.__setitem__("title", "Ada's"))
    await synced(ada, linus)
    linus.edit(lambda d: d.terms.__setitem__("title", "Linus's"))
    await synced(ada, linus)
    assert len(attribution(room)["title"]) == 2
    with room.server_write() as odoc:  # what accept / reject / close do
        effects.clear_changed_by(odoc)
    assert attribution(room) == {}
    linus.edit(lambda d: d.terms.__setitem__("title", "After the commit"))
    await synced(ada, linus)
    assert [who["id"] for who in attribution(room)["title"]] == ["linus"]


async def test_an_old_single_object_entry_still_reads_and_grows(room: Room) -> None:
    with room.server_write() as odoc:  # a doc written before the list
        odoc.changed_by["title"] = dict(LINUS)
    assert _changer_role(room) == "freelancer"
    linus, ada = Peer(room, "linus", "freelancer").join(), Peer(room, "ada", "client").join()
    await synced(ada, linus)
    linus.edit(lambda d: d.terms.__setitem__("title", "Linus again"))
    await synced(ada, linus)
    assert attribution(room)["title"] == LINUS  # already named: left as it was
    ada.edit(lambda d: d.terms.__setitem__("title", "Ada now"))
    await synced(ada, linus)
    assert [who["id"] for who in attribution(room)["title"]] == ["linus", "ada"]


def test_a_pending_proposal_names_who_changed_each_of_its_fields() -> None:
    odoc = OfferDoc()
    odoc.changed_by["hourly_rate"] = [dict(LINUS), dict(ADA)]
    odoc.changed_by["title"] = dict(ADA)  # the old shape reads the same
    odoc.changed_by["weekly_limit"] = [dict(LINUS)]  # changed, then typed back: not proposed
    changes = [{"field": "hourly_rate", "old": 4500, "new": 5000},
               {"field": "title", "old": "A", "new": "B"}]
    effects.write_proposal(odoc, {"id": "p1", "changes": changes})
    assert odoc.proposal.to_py()["changed_by"] == {"hourly_rate": [LINUS, ADA], "title": [ADA]}
    effects.write_proposal(odoc, None)
    assert odoc.proposal.to_py() == {}
