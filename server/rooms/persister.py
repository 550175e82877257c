"""Writes a room's updates to the store off the hot path, and compacts the log now and then.

The room hands over updates synchronously; one task per room merges whatever piled up since its
last write into a single update and appends it (the store group-commits across rooms as well).
Every ``compact_every`` log entries, the doc's full state replaces the snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from pycrdt import merge_updates

from server.store.base import Store

log = logging.getLogger("offer_room.persister")


class Persister:
    def __init__(
        self,
        store: Store,
        offer_id: str,
        full_state: Callable[[], bytes],
        *,
        compact_every: int,
        backlog: int = 0,
    ) -> None:
        self._store = store
        self._offer_id = offer_id
        self._full_state = full_state
        self._compact_every = compact_every
        self._pending: list[bytes] = []
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._since_snapshot = backlog
        self._last_seq = 0
        self._task: asyncio.Task[None] | None = None
        self.failed: BaseException | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"persist-{self._offer_id}")

    def add(self, update: bytes) -> None:
        self._pending.append(update)
        self._idle.clear()
        self._wakeup.set()

    async def flush(self) -> None:
        """Wait until everything handed over so far is durable."""
        await self._idle.wait()
        if self.failed is not None:
            raise RuntimeError("persisting updates failed") from self.failed

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch, self._pending = self._pending, []
                update = batch[0] if len(batch) == 1 else merge_updates(*batch)
                try:
                    self._last_seq = await self._store.append_update(self._offer_id, update)
                except Exception as exc:
                    # Keep the updates: the next round retries them before anything newer.
                    log.exception("append failed for offer %s", self._offer_id)
                    self.failed = exc
                    self._pending[:0] = batch
                    await asyncio.sleep(0.5)
                    continue
                self.failed = None
                self._since_snapshot += 1
                if self._since_snapshot >= self._compact_every:
                    await self.compact()
            self._idle.set()

    async def compact(self) -> None:
        # The snapshot is taken from the live doc, so it may already hold updates still queued
        # here; replaying them over it later is harmless (Yjs updates are idempotent).
        if self._last_seq == 0:
            return
        await self._store.compact(self._offer_id, self._full_state(), self._last_seq)
        self._since_snapshot = 0

    async def close(self) -> None:
        await self.flush()
        if self._since_snapshot > 0:
            await self.compact()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
