"""Field locks end after an idle time without input, and only the configured fields lock.

docs/PROTOCOL.md, "Locks": a renewal without input (``lock`` without ``active``) never carries a
lease past ``OFFER_ROOM_LOCK_IDLE_MS`` after the holder's last sign of input, and the renewals an
open tab keeps sending do not take the field back; ``OFFER_ROOM_LOCK_FIELDS`` names what locks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.config import Config, ConfigError, load_config
from server.presence.locks import DEFAULT_LOCK_FIELDS, LockTable, valid_lock_field
from server.rooms.room import Room
from tests.support.room_peers import Peer, make_room, of


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_renewals_without_input_end_at_the_idle_limit() -> None:
    clock = FakeClock()
    table = LockTable(10_000, clock, idle_ms=30_000)
    assert table.take("hourly_rate", "tab", "c-1", "Ada", active=True) is None
    for _ in range(9):  # renewed every 3 s for 27 s, never typing
        clock.now += 3
        assert table.take("hourly_rate", "tab", "c-1", "Ada", active=False) is None
    assert table.holder("hourly_rate") == ("c-1", "Ada")
    assert table.remaining_ms(table.leases["hourly_rate"]) == 3000  # 30 s after the last input
    clock.now += 3
    assert table.holder("hourly_rate") is None
    assert [lease.field for lease in table.expire_leases()] == ["hourly_rate"]
    # The tab keeps renewing: that does not take the field back ...
    assert table.idle_out("hourly_rate", "c-1")
    # ... someone else may take it ...
    assert table.take("hourly_rate", "tab-2", "f-1", "Linus", active=True) is None
    assert table.release("hourly_rate", "f-1")
    # ... and typing again takes it back.
    assert table.take("hourly_rate", "tab", "c-1", "Ada", active=True) is None
    assert not table.idle_out("hourly_rate", "c-1")


def test_input_moves_the_idle_limit_on() -> None:
    clock = FakeClock()
    table = LockTable(10_000, clock, idle_ms=5_000)
    table.take("fixed_price", "tab", "c-1", "Ada")
    for _ in range(10):  # 30 s of typing, renewed every 3 s
        clock.now += 3
        assert table.take("fixed_price", "tab", "c-1", "Ada", active=True) is None
    assert table.holder("fixed_price") == ("c-1", "Ada")
    clock.now += 4.9
    assert table.holder("fixed_price") == ("c-1", "Ada")
    clock.now += 0.1
    assert table.holder("fixed_price") is None


def test_a_lease_that_simply_lapses_is_not_an_idle_one() -> None:
    clock = FakeClock()
    table = LockTable(1_000, clock, idle_ms=30_000)
    table.take("fixed_price", "tab", "c-1", "Ada")
    clock.now += 2  # the tab vanished: the ttl ran out, not the idle limit
    assert table.expire()
    assert not table.idle_out("fixed_price", "c-1")


def test_which_fields_lock() -> None:
    money = frozenset(DEFAULT_LOCK_FIELDS)
    assert {"hourly_rate", "fixed_price", "contract_type"} <= money
    assert valid_lock_field("milestone:m-1", money)
    assert not valid_lock_field("title", money) and not valid_lock_field("start_date", money)
    only_title = frozenset({"title"})
    assert valid_lock_field("title", only_title)
    assert not valid_lock_field("milestone:m-1", only_title)
    assert not valid_lock_field("description", frozenset({"description"}))


def test_lock_settings_are_read_and_checked(tmp_path: Path) -> None:
    base = {"OFFER_ROOM_DATA_DIR": str(tmp_path)}
    config = load_config({**base, "OFFER_ROOM_LOCK_FIELDS": "title, milestones",
                          "OFFER_ROOM_LOCK_IDLE_MS": "15000"})
    assert (config.lock_fields, config.lock_idle_ms) == (("title", "milestones"), 15_000)
    assert load_config(base).lock_fields == DEFAULT_LOCK_FIELDS
    with pytest.raises(ConfigError, match="OFFER_ROOM_LOCK_FIELDS: description"):
        load_config({**base, "OFFER_ROOM_LOCK_FIELDS": "description"})
    with pytest.raises(ConfigError, match="OFFER_ROOM_LOCK_IDLE_MS"):
        load_config({**base, "OFFER_ROOM_LOCK_IDLE_MS": "0"})


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    async for opened in make_room(tmp_path, config=Config(lock_ttl_ms=8000, lock_idle_ms=20_000)):
        yield opened


async def test_hello_tells_the_lock_rules_and_the_policy_limits(room: Room) -> None:
    ada = Peer(room, "ada", "client").join()
    [hello] = of(await ada.received(), "hello")
    assert hello["lock_idle_ms"] == 20_000
    assert hello["lock_fields"] == list(DEFAULT_LOCK_FIELDS)
    assert hello["limits"]["hourly_rate_min"] == 300
    assert hello["limits"]["money_max"] == 1_000_000_000


async def test_the_room_releases_an_idle_lease_and_refuses_idle_renewals(room: Room) -> None:
    clock = FakeClock()
    room.locks._clock = clock  # the room's table on a clock the test moves
    ada = Peer(room, "ada", "client").join()
    linus = Peer(room, "linus", "freelancer").join()
    await ada.received(), await linus.received()
    linus.app(type="lock", field="hourly_rate", id="l0", active=True)
    [table] = of(await ada.received(), "locks")
    assert [e["field"] for e in table["locks"]] == ["hourly_rate"]
    await linus.received()
    for _ in range(7):  # "request release" ignored: renewals every 3 s, no input
        clock.now += 3
        linus.app(type="lock", field="hourly_rate")
        room.expire_locks()
    assert room.locks.holder("hourly_rate") is None
    [table] = of(await ada.received(), "locks")
    assert table["locks"] == []
    errors = of(await linus.received(), "error")
    assert {e["code"] for e in errors} == {"lock_idle"}
    # Ada takes the field she waited for.
    ada.app(type="lock", field="hourly_rate", id="a0", active=True)
    await ada.received()
    assert room.locks.holder("hourly_rate") == ("ada", "Ada")


async def test_a_field_outside_lock_fields_answers_bad_field(room: Room) -> None:
    ada = Peer(room, "ada", "client").join()
    await ada.received()
    ada.app(type="lock", field="title", id="t")
    [error] = of(await ada.received(), "error")
    assert (error["code"], error["ref"]) == ("bad_field", "t")
    assert room.locks.leases == {}
