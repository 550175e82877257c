"""Group commit: many awaiting writers, one transaction.

Callers queue an item and await a future. One flusher task at a time hands everything queued so
far to an async commit function (the SQLite store's runs on its writer thread, the PostgreSQL
store's on its connection pool); whatever arrives while that transaction runs forms the next
batch. Under load a batch grows to whatever piled up during one commit, so
the commit rate stays bounded while no caller ever waits for a timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Commits the whole batch, in queue order, in one transaction. Returns one outcome per item: a
#: result, or the exception for that item alone. Raising fails the entire batch.
CommitFn = Callable[[list[Item]], Awaitable[list[Result | Exception]]]


class GroupCommit(Generic[Item, Result]):
    def __init__(self, commit: CommitFn[Item, Result], linger_s: float = 0.0) -> None:
        self._commit = commit
        #: How long a batch waits for company before it is committed. A few milliseconds let
        #: the appends of many rooms share one transaction and one hand-off to the writer
        #: thread (each hand-off and each commit costs more than the whole update it carries);
        #: nobody is told about an edit later for it: peers get it before it is stored.
        self._linger = linger_s
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Queue ``item``; resolves once the transaction holding it has committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None:
            # Started as a task rather than flushed inline, so every submit made in this turn
            # of the event loop lands in the same batch.
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def drain(self) -> None:
        """Wait until everything queued so far is committed (or has failed)."""
        while self._flusher is not None:
            # shield: cancelling the caller of drain() must not abandon a half-done batch.
            await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        try:
            if self._linger:
                await asyncio.sleep(self._linger)
            while self._pending:
                batch, self._pending = self._pending, []
                items = [item for item, _ in batch]
                outcomes: list[Result | Exception]
                try:
                    outcomes = await self._commit(items)
                except Exception as exc:
                    # The transaction rolled back: every caller in it learns why, none is dropped.
                    outcomes = [exc] * len(batch)
                except BaseException:
                    # Cancelled (event loop shutting down): the commit may still finish, but
                    # nobody can be told, so the callers see a cancellation.
                    _cancel(batch)
                    raise
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue  # its caller was cancelled; the item was written regardless
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self._flusher = None
            # Only non-empty when the loop above was cancelled: fail them rather than hang.
            pending, self._pending = self._pending, []
            _cancel(pending)


def _cancel(batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
    for _, future in batch:
        future.cancel()
