"""Expires open offers whose time ran out, even when nobody opens them (a periodic sweep).

Access expires an offer on the spot too (``Negotiation.loaded`` and every command), so the sweep
only has to catch the offers nobody looks at; anyone in the room gets a notice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from server.negotiation.service import Negotiation
from server.rooms.registry import NoSuchOffer, Registry
from server.store.base import Store
from server.tasks import Tasks

log = logging.getLogger("offer_room.expiry")


class ExpirySweeper:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        negotiation: Negotiation,
        every_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tasks: Tasks | None = None,
    ) -> None:
        self._store = store
        self._registry = registry
        self._negotiation = negotiation
        self._every = every_s
        self._clock = clock
        self._tasks = tasks if tasks is not None else Tasks()

    def start(self) -> None:
        self._tasks.spawn("expiry", self._run(), "expiry-sweeper")

    async def sweep(self) -> int:
        """Expire every due offer now; returns how many were looked at."""
        due = await self._store.due_for_expiry(self._clock())
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
