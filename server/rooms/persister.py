"""Writes a room's updates to the store off the hot path, and compacts the log now and then.

The room hands over updates synchronously; one task per room merges whatever piled up since its
last write into a single update and appends it (the store group-commits across rooms as well).
Every ``compact_every`` log entries a new snapshot replaces the old one and the log it covers. The
snapshot is rebuilt from the store's own snapshot and log, never from the live doc: in a cluster
the live doc may hold another node's updates that are not durable yet, and compaction must only
drop rows its snapshot really contains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from pycrdt import Doc, merge_updates

from server.store.base import Store

log = logging.getLogger("offer_room.persister")


class Persister:
    def __init__(
        self,
        store: Store,
        offer_id: str,
        *,
        compact_every: int,
        backlog: int = 0,
    ) -> None:
        self._store = store
        self._offer_id = offer_id
        self._compact_every = compact_every
        self._pending: list[bytes] = []
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        #: Set after every write attempt, so flush() can notice a failure instead of hanging.
        self._attempted = asyncio.Event()
        self._since_snapshot = backlog
        self._last_seq = 0
        self._task: asyncio.Task[None] | None = None
        self.failed: BaseException | None = None
        #: Called with each update once it is durable (a cluster room publishes it then).
        self.on_durable: Callable[[bytes], None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"persist-{self._offer_id}")

    def add(self, update: bytes) -> None:
        self._pending.append(update)
        self._idle.clear()
        self._wakeup.set()

    async def flush(self) -> None:
        """Wait until everything handed over so far is durable; raise if the store fails."""
        while not self._idle.is_set():
            if self.failed is not None:
                raise RuntimeError("persisting updates failed") from self.failed
            self._attempted.clear()
            await self._attempted.wait()

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
                    self._attempted.set()
                    await asyncio.sleep(0.5)
                    continue
                self.failed = None
                if self.on_durable is not None:
                    self.on_durable(update)
                self._since_snapshot += 1
                if self._since_snapshot >= self._compact_every:
                    try:
                        await self.compact()
                    except Exception:  # the log stays valid; compaction is retried later
                        log.exception("compaction failed for offer %s", self._offer_id)
            self._idle.set()
            self._attempted.set()

    async def compact(self) -> None:
        state = await self._store.load_doc(self._offer_id)
        if state.last_seq == 0 or not state.updates:
            return
        doc: Doc[Any] = Doc()
        if state.snapshot:
            doc.apply_update(state.snapshot)
        for update in state.updates:
            doc.apply_update(update)
        await self._store.compact(self._offer_id, doc.get_update(), state.last_seq)
        self._since_snapshot = 0

    async def close(self) -> None:
        await self.flush()
        if self._since_snapshot > 0:
            await self.compact()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
