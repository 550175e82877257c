"""Expires open offers whose time ran out, even when nobody opens them (a periodic sweep).

Access expires an offer on the spot too (``Negotiation.loaded`` and every command), so the sweep
only has to catch the offers nobody looks at; anyone in the room gets a notice.

The sweep loads the room of each offer it expires (``Registry.use``). A worker of a node
(``server/workers/``) is given ``owns`` and sweeps only the offers it owns: run by another
worker, the sweep would make a second live room for the offer beside the owner's, and on SQLite
two processes appending one offer's CRDT log would take the same sequence numbers. Each worker
sweeps its share; together they sweep them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from server.negotiation.service import Negotiation
from server.rooms.registry import NoSuchOffer, Registry
from server.store.base import OWNED_SCAN, Store
from server.tasks import Tasks

log = logging.getLogger("offer_room.expiry")

#: Offers expired per sweep.
PAGE = 100


class ExpirySweeper:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        negotiation: Negotiation,
        every_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tasks: Tasks | None = None,
        owns: Callable[[str], bool] | None = None,
    ) -> None:
        """``owns``: sweep only the offers it accepts (by id); None, every offer."""
        self._store = store
        self._registry = registry
        self._negotiation = negotiation
        self._every = every_s
        self._clock = clock
        self._tasks = tasks if tasks is not None else Tasks()
        self._owns = owns

    def start(self) -> None:
        self._tasks.spawn("expiry", self._run(), "expiry-sweeper")

    async def sweep(self) -> int:
        """Expire the due offers (up to ``PAGE``, of those it owns) now; returns how many were
        looked at."""
        now = self._clock()
        if self._owns is None:
            due = await self._store.due_for_expiry(now, PAGE)
        else:
            # A wider page, about a whole one of our own: the others' offers leave the list as
            # their owners expire them, so nothing due is skipped for long.
            listed = await self._store.due_for_expiry(now, PAGE * OWNED_SCAN)
            due = [offer_id for offer_id in listed if self._owns(offer_id)][:PAGE]
        for offer_id in due:
            try:
                async with self._registry.use(offer_id) as room:
                    await self._negotiation.expire_if_due(room)
            except NoSuchOffer:
                continue
        return len(due)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.sweep()
            except Exception:
                log.exception("expiry sweep failed")

    async def close(self) -> None:
        await self._tasks.cancel("expiry")
