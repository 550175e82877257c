"""Field locks as leases, driven by a fake clock."""

from __future__ import annotations

import pytest

from server.presence.locks import LockTable, valid_lock_field


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def table(clock: FakeClock) -> LockTable:
    return LockTable(ttl_ms=10_000, clock=clock)


def test_take_gives_the_field_to_the_holder(table: LockTable) -> None:
    assert table.holder("hourly_rate") is None
    assert table.take("hourly_rate", "conn-a", "c-1", "Ada") is None
    assert table.holder("hourly_rate") == ("c-1", "Ada")
    assert table.holder("fixed_price") is None


def test_someone_else_is_blocked_by_a_live_lease(table: LockTable) -> None:
    table.take("hourly_rate", "conn-a", "c-1", "Ada")
    blocker = table.take("hourly_rate", "conn-b", "f-1", "Linus")
    assert blocker is not None and (blocker.user_id, blocker.user_name) == ("c-1", "Ada")
    assert table.holder("hourly_rate") == ("c-1", "Ada")


def test_renewal_extends_the_lease(table: LockTable, clock: FakeClock) -> None:
    table.take("title", "conn-a", "c-1", "Ada")
    clock.advance(8)
    assert table.take("title", "conn-a", "c-1", "Ada") is None
    clock.advance(8)  # 16 s after taking, 8 s after renewing
    assert table.holder("title") == ("c-1", "Ada")
    assert table.remaining_ms(table.leases["title"]) == 2000


def test_same_user_from_another_tab_takes_over(table: LockTable) -> None:
    table.take("title", "tab-1", "c-1", "Ada")
    assert table.take("title", "tab-2", "c-1", "Ada") is None
    assert table.leases["title"].holder == "tab-2"


def test_lease_lapses_after_ttl_of_silence(table: LockTable, clock: FakeClock) -> None:
    table.take("title", "conn-a", "c-1", "Ada")
    clock.advance(9.999)
    assert table.holder("title") == ("c-1", "Ada")
    clock.advance(0.001)
    assert table.holder("title") is None
    assert table.remaining_ms(table.leases["title"]) == 0
    # An expired lease no longer blocks anyone, even before expire() sweeps it.
    assert table.take("title", "conn-b", "f-1", "Linus") is None
    assert table.holder("title") == ("f-1", "Linus")


def test_expire_sweeps_only_lapsed_leases(table: LockTable, clock: FakeClock) -> None:
    table.take("title", "conn-a", "c-1", "Ada")
    clock.advance(5)
    table.take("fixed_price", "conn-b", "f-1", "Linus")
    assert table.expire() is False
    clock.advance(5)
    assert table.expire() is True
    assert set(table.leases) == {"fixed_price"}
    assert table.expire() is False


def test_release_only_by_the_holding_user(table: LockTable) -> None:
    table.take("title", "conn-a", "c-1", "Ada")
    assert table.release("title", "f-1") is False
    assert table.holder("title") == ("c-1", "Ada")
    assert table.release("title", "c-1") is True
    assert table.holder("title") is None
    assert table.release("title", "c-1") is False


def test_release_holder_drops_every_lease_of_that_connection(table: LockTable) -> None:
    table.take("title", "conn-a", "c-1", "Ada")
    table.take("milestone:m1", "conn-a", "c-1", "Ada")
    table.take("fixed_price", "conn-b", "f-1", "Linus")
    released = table.release_holder("conn-a")
    assert released  # truthy: something was released
    assert set(table.leases) == {"fixed_price"}
    assert not table.release_holder("conn-a")


def test_ttl_comes_from_the_constructor(clock: FakeClock) -> None:
    short = LockTable(ttl_ms=600, clock=clock)
    short.take("title", "conn-a", "c-1", "Ada")
    clock.advance(0.7)
    assert short.holder("title") is None


@pytest.mark.parametrize(
    ("field", "ok"),
    [
        ("title", True),
        ("hourly_rate", True),
        ("end_date", True),
        ("description", False),  # collaborative text: never locked
        ("milestone:m-1_a", True),
        ("milestone:" + "x" * 64, True),
        ("milestone:" + "x" * 65, False),
        ("milestone:", False),
        ("milestone:a b", False),
        ("milestones", False),
        ("offer", False),
        ("bonus", False),
        ("", False),
    ],
)
def test_valid_lock_field(field: str, ok: bool) -> None:
    assert valid_lock_field(field) is ok


def test_a_trailing_newline_is_not_a_lock_field() -> None:
    assert not valid_lock_field("milestone:m1\n")
    assert not valid_lock_field("title\n")
