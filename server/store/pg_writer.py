"""Group commit for an async database driver: many awaiting writers, one transaction.

The same policy as ``server.store.writer.GroupCommit`` (which hands batches to a thread): callers
queue an item and await a future; one flusher task at a time passes everything queued so far to an
async commit function; whatever arrives while that transaction runs forms the next batch. No timer:
under load a batch grows to whatever piled up during one commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Commits the whole batch, in queue order, in one transaction. Returns one outcome per item: a
#: result, or the exception for that item alone. Raising fails the entire batch.
AsyncCommitFn = Callable[[list[Item]], Awaitable[list[Result | Exception]]]


class AsyncGroupCommit(Generic[Item, Result]):
    def __init__(self, commit: AsyncCommitFn[Item, Result]) -> None:
        self._commit = commit
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Queue ``item``; resolves once the transaction holding it has committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None:
            # A task rather than an inline flush, so every submit made in this turn of the event
            # loop lands in the same batch.
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def drain(self) -> None:
        """Wait until everything queued so far is committed (or has failed)."""
        while self._flusher is not None:
            # shield: cancelling the caller of drain() must not abandon a half-done batch.
            await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                outcomes: list[Result | Exception]
                try:
                    outcomes = await self._commit([item for item, _ in batch])
                except Exception as exc:
                    # The transaction rolled back: every caller in it learns why, none is dropped.
                    outcomes = [exc] * len(batch)
                except BaseException:
                    # Cancelled (event loop shutting down): nobody can be told whether the
                    # transaction committed, so the callers see a cancellation.
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
