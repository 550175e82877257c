"""A tick of the assistant checks rooms for a bounded time, then lets the loop relay edits."""

from __future__ import annotations

import asyncio
import time
import weakref
from pathlib import Path
from typing import Any, cast

import pytest

from server.advice import service
from server.advice.service import Assistant
from server.config import Config
from server.metrics import Metrics
from server.rooms.room import Room
from server.store.sqlite import SQLiteStore


class _Room:
    """What a check is run for: an object with an identity, as a room is."""


async def test_due_rooms_are_checked_in_slices_with_the_loop_running_between(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant(SQLiteStore(tmp_path / "advice.db"), Config(data_dir=tmp_path),
                          Metrics())
    monkeypatch.setattr(service, "_TICK_BUDGET_S", 0.002)
    events: list[str] = []

    def check(room: Any, state: Any) -> None:  # each check takes 1 ms
        events.append("check")
        until = time.perf_counter() + 0.001
        while time.perf_counter() < until:
            pass

    monkeypatch.setattr(assistant, "_check", check)
    rooms = [_Room() for _ in range(12)]
    for room in rooms:
        assistant.edited(cast(Room, room))
        state = assistant._state(cast(Room, room))
        state.first_change = state.last_change = state.checked_at = -100.0  # long still
    assistant._queue[:] = [(0.0, i, weakref.ref(room)) for i, room in enumerate(rooms)]

    assistant._tick()
    first = len(events)
    assert 1 <= first < len(rooms)  # stopped at its budget, not at the end of the queue
    asyncio.get_running_loop().call_soon(events.append, "edit relayed")
    for _ in range(100):
        if events.count("check") == len(rooms):
            break
        await asyncio.sleep(0.001)
    assert events.count("check") == len(rooms)  # every due room is checked in the end
    # What arrived after the first slice ran before the second.
    assert events[first] == "edit relayed"
