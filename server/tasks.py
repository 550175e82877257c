"""Every background task of a node starts here and is cancelled here.

A task belongs to a named group ("explain", "commands", "bus", …). Shutdown (``server/app.py``)
cancels the groups in order — work that writes before the stores it writes to — and ``close``
takes whatever is left, so no task outlives the node and none is forgotten in a set of its own.
A task that fails is logged with its name: nothing awaits a background task's result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger("offer_room.tasks")


class Tasks:
    def __init__(self) -> None:
        self._groups: dict[str, set[asyncio.Task[Any]]] = {}

    def spawn(
        self, group: str, coro: Coroutine[Any, Any, Any], name: str | None = None
    ) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, in ``group``; the task is forgotten once done."""
        task = asyncio.get_running_loop().create_task(coro, name=name or group)
        tasks = self._groups.setdefault(group, set())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(_report)
        return task

    def repeat(
        self, group: str, sweep: Callable[[], Awaitable[int]], every_s: float, *, full: int
    ) -> asyncio.Task[Any]:
        """Run ``sweep`` over and over in ``group``: again at once while it handled ``full`` items
        (more may be due), otherwise after ``every_s``; a failing sweep is logged and retried
        after ``every_s``."""

        async def loop() -> None:
            while True:
                try:
                    handled = await sweep()
                except Exception:
                    log.exception("%s failed", group)
                    handled = 0
                if handled < full:
                    await asyncio.sleep(every_s)

        return self.spawn(group, loop())

    def running(self, group: str) -> int:
        return len(self._groups.get(group, ()))

    async def cancel(self, group: str) -> None:
        """Cancel every task of ``group`` and wait until they have stopped."""
        tasks = list(self._groups.get(group, ()))
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close(self) -> None:
        """Cancel whatever is left, in every group."""
        for group in list(self._groups):
            await self.cancel(group)


def _report(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s failed", task.get_name(), exc_info=task.exception())
