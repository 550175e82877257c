"""The outcome report as a node serves it: read page by page, computed off the event loop, one
at a time, and kept for a short while.

A report over a large range costs a few hundred milliseconds to seconds of CPU (the bootstrap
intervals, server/reports/stats.py). It is the integrator's (API key), but a dashboard polling
it, or a leaked key, must not take a node's loop: computations run in a worker thread, one per
node at a time, and an identical request within ``CACHE_S`` gets the stored answer.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from server.config import Config
from server.metrics import Metrics
from server.reports.outcomes import Tally, offer_outcome
from server.store.base import Store

#: Offers read per store call: one page of offers and their outcome events in memory at once.
PAGE = 1000
#: How long a computed report is served again for the same range.
CACHE_S = 30.0
#: Ranges remembered at once (each a few KB of JSON).
CACHE_ENTRIES = 16


class Reports:
    def __init__(self, store: Store, config: Config, metrics: Metrics | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._config = config
        self._metrics = metrics if metrics is not None else Metrics()
        self._clock = clock
        self._lock = asyncio.Lock()
        self._cache: OrderedDict[tuple[datetime, datetime], tuple[float, bytes]] = OrderedDict()

    async def outcomes(self, start: datetime, end: datetime) -> bytes:
        """The report of offers created in ``[start, end)`` as JSON."""
        key = (start, end)
        async with self._lock:  # one computation per node; the next caller finds it cached
            hit = self._cache.get(key)
            if hit is not None and time.monotonic() - hit[0] < CACHE_S:
                return hit[1]
            body = await self._compute(start, end)
            self._cache[key] = (time.monotonic(), body)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
            return body

    async def _compute(self, start: datetime, end: datetime) -> bytes:
        tally = Tally(self._config.variants, self._clock())
        cap = self._config.report_offers_max
        after: tuple[datetime, str] | None = None
        truncated = False
        while not truncated:
            # One offer past the bound is asked for: its presence is what "truncated" says.
            want = min(PAGE, cap + 1 - tally.offers)
            page = await self._store.outcome_page(start, end, after, want)
            truncated = tally.offers + len(page) > cap
            for offer, events in page[:cap - tally.offers]:
                tally.add(offer_outcome(offer, events))
            if len(page) < want:
                break
            after = (page[-1][0].created_at, page[-1][0].id)
        if truncated:
            self._metrics.limit_hit("report_offers_max")
        return await asyncio.to_thread(_encode, tally, start, end, truncated)


def _encode(tally: Tally, start: datetime, end: datetime, truncated: bool) -> bytes:
    # Imported here, in the worker thread: the report needs scipy (~2 s to import), which a
    # node loads only when it first computes one, and never on its event loop.
    from server.reports.report import build_report

    return msgspec.json.encode(build_report(tally, start, end, truncated))
