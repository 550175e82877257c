"""Advice checks are paced per room and for the whole node (server.advice.pacing)."""

from __future__ import annotations

import pytest

from server.advice.pacing import FIRST_COST_S, AdvicePacer


def test_an_idle_node_checks_after_the_base_delay() -> None:
    pacer = AdvicePacer(0.2, room_share=0.05, node_share=0.10)
    assert pacer.slot(100.0, 0.001) == 100.2
    # Much later, the node's timeline has caught up: the base delay again.
    assert pacer.slot(200.0, 0.001) == 200.2


def test_a_costly_check_pushes_its_rooms_next_one_out() -> None:
    pacer = AdvicePacer(0.2, room_share=0.05, node_share=0.10)
    # A 60 ms check may be followed by the next no sooner than 1.2 s later (5 % of a core).
    assert pacer.slot(10.0, 0.060) == 10.0 + 0.060 / 0.05


def test_many_busy_rooms_share_a_tenth_of_a_core_between_them() -> None:
    pacer = AdvicePacer(0.2, room_share=0.05, node_share=0.10)
    cost = 0.001
    # 1,000 rooms all edited at the same moment, each check costing 1 ms.
    slots = [pacer.slot(0.0, cost) for _ in range(1000)]
    assert slots[0] == 0.2  # the first room is not delayed
    assert slots == sorted(slots)
    # However the checks fall, any one-second window holds at most 0.1 s of them (+ one check).
    for start in slots:
        in_window = sum(1 for s in slots if start <= s < start + 1.0)
        assert in_window * cost <= 0.10 + cost
    # And everyone gets a turn: the last room waits about 1,000 x 1 ms / 10 % = 10 s.
    assert 9.0 < slots[-1] < 11.0


def test_a_room_never_checked_counts_a_typical_cost() -> None:
    pacer = AdvicePacer(0.2, room_share=0.05, node_share=0.10)
    first = pacer.slot(0.0, 0.0)
    second = pacer.slot(0.0, 0.0)
    assert second - first == pytest.approx(FIRST_COST_S / 0.10)
