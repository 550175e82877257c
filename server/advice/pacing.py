"""When a room's next advice check may run: bounded per room and for the whole node.

A check costs a fraction of a millisecond to a few tens (a long description full of
near-misses); it runs ``advice_delay_s`` after the first change of a burst. Two shares bound it:

* per room, ``room_share`` of a core: a check that took ``c`` seconds is followed by the next no
  sooner than ``c / room_share`` later, so one party cannot make their own room's advice costly;
* per node, ``node_share`` of a core for every room together: each check reserves a slot of
  ``c / node_share`` seconds on one node-wide timeline, first come first served, so 200 busy
  rooms wait their turn (a few hundred ms more) instead of spending a third of the node on
  advice (issue 17 measured 29 % of server CPU in the 200-room benchmark without this bound).

An idle node answers after the base delay; only under load does advice slow down, and the
``offer_room_advice_delay_seconds`` histogram shows by how much.
"""

from __future__ import annotations

#: Assumed cost of a room's first check, before one was measured (a typical offer: ~0.3 ms).
FIRST_COST_S = 0.0005


class AdvicePacer:
    __slots__ = ("_base", "_next", "_node_share", "_room_share")

    def __init__(self, base_delay_s: float, room_share: float, node_share: float) -> None:
        self._base = base_delay_s
        self._room_share = room_share
        self._node_share = node_share
        #: The end of the last reserved slot on the node's timeline (loop time, seconds).
        self._next = 0.0

    def slot(self, now: float, last_cost_s: float) -> float:
        """Reserve the time at which a room whose last check took ``last_cost_s`` may check
        again, asked at ``now``; returns that time (same clock as ``now``)."""
        cost = last_cost_s or FIRST_COST_S
        earliest = now + max(self._base, cost / self._room_share)
        start = max(earliest, self._next)
        self._next = start + cost / self._node_share
        return start
