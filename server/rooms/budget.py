"""What each message costs the node, and the budget a participant spends it from.

Messages are limited by count elsewhere (Connection.allow_message); this bounds the *work*: one
message can be a 20-byte keystroke or 2 MiB of delete ranges that hold the event loop for half a
second. Each message is priced before the work is done — from its size, and for a Yjs update from
its header (structs and delete ranges, read by ``server.crdt.updates.read_update`` within a
bound) — and refused unapplied when the sender's budget cannot pay for it.

Units are microseconds of event-loop work on the machine the defaults were measured on
(``bench/edit_path.py`` times a small edit's whole path in-process, against which ``BASE`` and
``PER_STRUCT`` can be checked on other hardware). Budgets belong to a user in a room, not to a
socket, so reconnecting does not refill them; all viewers of an offer share one budget, so
handing out viewer links by the thousand does not multiply what they may spend.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from server.crdt.updates import UpdateInfo

#: Every message: framing, dispatch, the rate check (measured ~15-40 µs; rounded up).
BASE = 50.0
#: Applying an update, per struct and per delete range: ~5 µs each when accepted, ~10 µs
#: when the guard must compensate; the decoder's own ~1 µs is included.
PER_STRUCT = 8.0
PER_RANGE = 8.0
#: Per byte of payload a message carries or makes the server encode (copying, hashing,
#: UTF-8 checks, fan-out writes): 2 MiB ≈ 20 ms.
PER_BYTE = 0.01


def update_cost(info: UpdateInfo) -> float:
    return BASE + PER_STRUCT * info.structs + PER_RANGE * info.ranges + PER_BYTE * info.size


def bytes_cost(nbytes: int) -> float:
    """A message whose work grows with the bytes it carries or produces (awareness, step 1)."""
    return BASE + PER_BYTE * nbytes


class CostBudget:
    """A token bucket in microseconds of work: ``rate`` per second, at most ``burst`` saved."""

    __slots__ = ("_clock", "_rate", "_stamp", "burst", "tokens")

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self.burst = burst
        self.tokens = burst
        self._clock = clock
        self._stamp = clock()

    def spend(self, cost: float) -> bool:
        """Take ``cost`` if the budget has it; False (and nothing taken) when it has not."""
        now = self._clock()
        tokens = self.tokens + (now - self._stamp) * self._rate
        if tokens > self.burst:  # not min(): it parses keyword arguments per call (issue 17)
            tokens = self.burst
        self._stamp = now
        if tokens < cost:
            self.tokens = tokens
            return False
        self.tokens = tokens - cost
        return True
