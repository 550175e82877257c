"""The room's draft as terms, kept between reads: after edits the guard checked value by value,
it is patched with their values, the edits left unapplied; after anything else, read whole.
Either way a reader gets exactly what a full read of the document gives, whoever wrote what, in
any order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.crdt.guard import Guard
from server.crdt.layout import OfferDoc
from server.offers.terms import Terms
from server.rooms.room import Room
from tests.support.room_peers import Peer, make_room


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    async for r in make_room(tmp_path):
        yield r


def full_read(room: Room) -> Terms:
    return room.odoc.read_terms(room.config.limits)


def client_who_set_the_title(room: Room, title: str) -> Peer:
    """The client, after a first set of the title (the general path: the guard learns its item,
    so the next set of it is checked) and a read of the draft."""
    client = Peer(room, "ada", "client").join()
    client.set_term("title", title)
    assert room.draft().title == title
    return client


async def test_a_checked_edit_is_patched_in_without_reading_the_doc(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_who_set_the_title(room, "Landing page, v2")
    client.set_term("title", "Landing page, v3")  # checked, deferred
    whole: list[int] = []
    read_terms = OfferDoc.read_terms

    def counted(odoc: OfferDoc, limits: Any) -> Terms:
        whole.append(1)
        return read_terms(odoc, limits)

    monkeypatch.setattr(OfferDoc, "read_terms", counted)
    monkeypatch.setattr(Guard, "settle", lambda guard: pytest.fail("the draft applied the edit"))
    assert room.draft().title == "Landing page, v3"
    assert room.draft().hourly_rate == 4500
    assert whole == []  # patched at "title", not read again
    monkeypatch.undo()
    monkeypatch.setattr(OfferDoc, "read_terms", counted)
    # A description edit takes the general path: the next read is whole again.
    client.edit(lambda odoc: odoc.description.insert(0, "More. "))
    assert room.draft().description.startswith("More. ")
    assert whole == [1]


async def test_a_server_write_makes_the_next_read_whole(room: Room) -> None:
    client = Peer(room, "ada", "client").join()
    for title in ("One", "Two"):
        client.set_term("title", title)
    assert room.draft().title == "Two"
    with room.server_write() as odoc:
        odoc.terms["weekly_limit"] = 30
    assert room.draft().weekly_limit == 30


#: (who, key, value): who sets which value, in turn; "read" reads the draft, "server" writes.
_STEP = st.one_of(
    st.tuples(st.sampled_from(["client", "freelancer"]),
              st.sampled_from(["title", "hourly_rate", "weekly_limit", "start_date"]),
              st.integers(0, 3)),
    st.tuples(st.just("read"), st.just(""), st.just(0)),
    st.tuples(st.just("server"), st.just("weekly_limit"), st.integers(0, 3)),
    st.tuples(st.sampled_from(["client", "freelancer"]), st.just("description"), st.just(0)),
)
_VALUES: dict[str, list[Any]] = {
    "title": ["A", "B title", "Café site", "D"],
    "hourly_rate": [4500, 5000.0, 6000, 999_00],
    "weekly_limit": [10, 20, 30, None],
    "start_date": ["2026-12-07", "2027-01-04", None, "2027-02-01"],
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(_STEP, min_size=1, max_size=25))
def test_every_read_is_what_a_full_read_gives(steps: list[tuple[str, str, int]]) -> None:
    """Parties whose copies never hear from each other set the same keys concurrently (which
    value stands is the CRDT's choice, not the order of arrival); reads, server writes and
    general-path edits fall in between."""

    async def run() -> None:
        with TemporaryDirectory() as tmp:
            async for room in make_room(Path(tmp)):
                peers = {"client": Peer(room, "ada", "client").join(),
                         "freelancer": Peer(room, "linus", "freelancer").join()}
                for who, key, i in steps:
                    if who == "read":
                        assert room.draft() == full_read(room)
                    elif who == "server":
                        with room.server_write() as odoc:
                            odoc.terms[key] = _VALUES[key][i]
                    elif key == "description":
                        peers[who].edit(lambda odoc: odoc.description.insert(0, "x"))
                    else:
                        peers[who].set_term(key, _VALUES[key][i])
                assert room.draft() == full_read(room)

    asyncio.run(run())


async def test_a_read_that_fails_is_made_whole_by_the_next(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_who_set_the_title(room, "Before")
    client.edit(lambda odoc: odoc.description.insert(0, "New. "))  # the general path

    def failing(guard: Guard) -> None:
        raise RuntimeError("an observer failed")

    monkeypatch.setattr(Guard, "settle", failing)
    with pytest.raises(RuntimeError):
        room.draft()
    monkeypatch.undo()
    client.set_term("title", "After the failure")  # checked: patched into a whole read only
    assert room.draft() == full_read(room)
    assert room.draft().description.startswith("New. ")
