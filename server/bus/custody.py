"""The receiver's side of cross-node delivery: another node's updates, held until that node says
they are stored, and stored here if it does not say so in time (docs/ARCHITECTURE.md,
"Cross-node delivery").

Another node publishes an update as soon as it accepted it, before its group commit. This node
shows it to its own connections at once, so if the producer died before committing, people here
would have seen an edit the store never got. So each such update is kept, per producer room, until
that room's durable mark covers it (``confirm``). An update still unconfirmed ``hold_s`` after
it arrived and after its producer's mark last moved — far beyond a healthy group commit: the
producer died, its store writes fail, or the mark was lost with a Redis restart — is handed to
this node's own persister (``adopt``) and dropped here. A producer that is merely slow (its marks
still move) is waited for, so an overloaded store is not handed every update twice. The
same happens at once for everything held when the room closes on this node (eviction,
shutdown), and early when the room holds more than its cap. Storing an update twice is harmless:
Yjs updates are idempotent, and compaction merges the duplicate row away.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from server.bus.base import Accepted

#: Bytes of held updates per room before they are stored early (with the count cap,
#: ``OFFER_ROOM_CLUSTER_HOLD_UPDATES``): a few frames' worth, so a flood never grows memory.
HOLD_BYTES_MAX = 4 * 1024 * 1024


class CustodyMeter(Protocol):
    """Where custody is counted (``server.metrics.Metrics``)."""

    def cluster_held(self, delta: int) -> None:
        """Updates held on this node changed by ``delta``."""

    def cluster_self_persisted(self, reason: str, updates: int) -> None:
        """``updates`` held updates were stored by this node: "timeout", "cap" or "close"."""


class _Held:
    __slots__ = ("at", "seq", "update")

    def __init__(self, seq: int, update: bytes, at: float) -> None:
        self.seq = seq
        self.update = update
        self.at = at


class _Source:
    """What is held of one producer room, in the order it was published."""

    __slots__ = ("moved", "queue")

    def __init__(self) -> None:
        self.queue: deque[_Held] = deque()
        #: When this producer's mark last moved forward: a sign it is alive and committing.
        self.moved = 0.0

    def due_at(self, hold_s: float) -> float:
        return max(self.queue[0].at, self.moved) + hold_s


class Custody:
    def __init__(
        self,
        adopt: Callable[[list[bytes]], None],
        *,
        hold_s: float,
        max_updates: int,
        max_bytes: int = HOLD_BYTES_MAX,
        meter: CustodyMeter | None = None,
    ) -> None:
        #: Stores updates through this node's persister without publishing them again.
        self._adopt = adopt
        self._hold_s = hold_s
        self._max_updates = max_updates
        self._max_bytes = max_bytes
        self._meter = meter
        #: Per producer room (``Accepted.source``).
        self._held: dict[str, _Source] = {}
        self._count = 0
        self._bytes = 0
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    def hold(self, accepted: Accepted) -> None:
        """Keep an update another node accepted (and this node applied) until it is stored."""
        self.confirm(accepted.source, accepted.durable)
        if self._closed:  # a message that arrived while the room was closing
            self._store([accepted.update], "close")
            return
        source = self._held.get(accepted.source)
        if source is None:
            source = self._held[accepted.source] = _Source()
        source.queue.append(_Held(accepted.seq, accepted.update, time.monotonic()))
        self._changed(1, len(accepted.update))
        if self._count > self._max_updates or self._bytes > self._max_bytes:
            self._store(self._take_all(), "cap")
        elif self._timer is None:
            self._schedule()

    def confirm(self, source: str, seq: int) -> None:
        """Every update of ``source`` numbered up to ``seq`` is stored by its producer."""
        held = self._held.get(source)
        if held is None:
            return
        queue = held.queue
        dropped = size = 0
        while queue and queue[0].seq <= seq:
            size += len(queue.popleft().update)
            dropped += 1
        if not queue:
            del self._held[source]
        if dropped:
            held.moved = time.monotonic()
            self._changed(-dropped, -size)

    def close(self) -> None:
        """The room is closing here: store whatever is held now, and anything that still
        arrives."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._store(self._take_all(), "close")

    # --- internals -------------------------------------------------------------------------

    def _schedule(self) -> None:
        due = min((held.due_at(self._hold_s) for held in self._held.values()), default=None)
        if due is not None:
            delay = max(0.0, due - time.monotonic())
            self._timer = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        self._timer = None
        now = time.monotonic()
        due: list[bytes] = []
        size = 0
        for name, held in list(self._held.items()):
            queue = held.queue
            while queue and held.due_at(self._hold_s) <= now:
                update = queue.popleft().update
                due.append(update)
                size += len(update)
            if not queue:
                del self._held[name]
        if due:
            self._changed(-len(due), -size)
            self._store(due, "timeout")
        self._schedule()

    def _take_all(self) -> list[bytes]:
        updates = [one.update for held in self._held.values() for one in held.queue]
        self._held.clear()
        self._changed(-self._count, -self._bytes)
        return updates

    def _store(self, updates: list[bytes], reason: str) -> None:
        if not updates:
            return
        self._adopt(updates)
        if self._meter is not None:
            self._meter.cluster_self_persisted(reason, len(updates))

    def _changed(self, count: int, size: int) -> None:
        self._count += count
        self._bytes += size
        if self._meter is not None and count:
            self._meter.cluster_held(count)
