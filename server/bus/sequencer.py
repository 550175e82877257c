"""The producer's side of cross-node delivery: updates go out at once, numbered, and the other
nodes are told how far they are durable (docs/ARCHITECTURE.md, "Cross-node delivery").

A room's persister hands each update it is given to ``publish`` the moment the room accepted it,
so another node shows it after a Redis round trip instead of after the group commit. The update
carries this room incarnation's name and number and the durable mark so far. When a group commit
covering number n lands (``durable``), the other nodes must learn it before they give up waiting
(``OFFER_ROOM_CLUSTER_HOLD_MS``) and store the update themselves; in a busy room the next update
carries the mark for free, so a separate "durable" message goes out only if none did within
``mark_delay_s``. Marks only ever move forward, and a mark is never sent for an update that is
not stored: a node that dies leaves its last updates unmarked, which is what the other nodes'
custody is for.
"""

from __future__ import annotations

import asyncio
import secrets

import msgspec

from server.bus.base import Accepted, Durable, Link

#: How long a durable mark waits for an update to ride on before it goes out on its own: far
#: below the other nodes' hold (2.5 s by default), long enough that a room edited several times
#: a second sends few marks of their own.
MARK_DELAY_S = 0.5

_encoder = msgspec.msgpack.Encoder()


class Sequencer:
    def __init__(self, link: Link, *, mark_delay_s: float = MARK_DELAY_S) -> None:
        self._link = link
        self._mark_delay = mark_delay_s
        #: This room incarnation's name: a room loaded again starts numbering from 1 under a
        #: new one, so a mark of the new room never covers an unstored update of the old.
        self.source = secrets.token_hex(8)
        #: The number of the last update published.
        self.seq = 0
        #: Every update numbered up to this is stored.
        self._durable = 0
        #: The highest mark the other nodes have been sent (on an update or on its own).
        self._told = 0
        self._timer: asyncio.TimerHandle | None = None

    def publish(self, update: bytes) -> None:
        """Send an update this node accepted, numbered, with the durable mark so far."""
        self.seq += 1
        message = Accepted(source=self.source, seq=self.seq, durable=self._durable, update=update)
        self._link.publish("accepted", _encoder.encode(message))
        self._told = self._durable

    def durable(self, seq: int) -> None:
        """Every update numbered up to ``seq`` is stored: tell the other nodes, soon."""
        if seq <= self._durable:
            return
        self._durable = seq
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._mark_delay, self._mark)

    def _mark(self) -> None:
        self._timer = None
        if self._durable > self._told:
            self._told = self._durable
            self._link.publish("durable", _encoder.encode(Durable(source=self.source,
                                                                   seq=self._durable)))

    def close(self) -> None:
        """The room is going: the last mark goes out now, not after the delay."""
        if self._timer is not None:
            self._timer.cancel()
        self._mark()
