"""The assistant keeps one advice state per live room, and lets it go with the room."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, cast

from server.advice.service import Assistant
from server.config import Config
from server.metrics import Metrics
from server.rooms.room import Room
from server.store.sqlite import SQLiteStore


class _Room:
    """What the advice state is kept for: an object with an identity, as a room is."""


def test_a_rooms_advice_state_lives_as_long_as_the_room(tmp_path: Path) -> None:
    assistant = Assistant(SQLiteStore(tmp_path / "advice.db"), Config(data_dir=tmp_path),
                          Metrics())
    drafts: dict[int, Any] = assistant._drafts
    rooms = [_Room() for _ in range(3)]
    states = [assistant._state(cast(Room, room)) for room in rooms]
    assert [assistant._state(cast(Room, room)) for room in rooms] == states  # one per room
    assert len(drafts) == 3
    del rooms[1]
    gc.collect()
    assert len(drafts) == 2  # an evicted room's state does not outlive it
    # A new room, perhaps at the freed room's address, starts from a fresh state.
    newcomer = _Room()
    assert assistant._state(cast(Room, newcomer)) not in states
    rooms.clear()
    del newcomer
    gc.collect()
    assert drafts == {}
