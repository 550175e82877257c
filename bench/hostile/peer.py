"""A participant's socket on the websockets client: reads everything in the background, so its
close code is always seen, and keeps what the tables need (bytes in, app messages, the size of
the sync and the first awareness message it got).

With ``doc=True`` it is an honest y-websocket client on a pycrdt Y.Doc: it syncs, applies what
it receives and sends its own edits (``edit``). Otherwise it holds no document: it answers the
server's sync step 1 with an empty update (``answer``) or, as an attacker, not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from pycrdt import Doc, Map, TransactionEvent
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hostile import wire


class Peer:
    def __init__(self, url: str, *, doc: bool = False, answer: bool = True,
                 fetch: bool = False) -> None:
        self.url = url
        self.answer = answer
        #: Send sync step 1 with an empty state vector on open: download the whole document, as
        #: a new browser tab does (a doc peer always sends its own state vector).
        self.fetch = fetch
        self.doc: Doc[Any] | None = Doc() if doc else None
        self.terms: Map[Any] | None = self.doc.get("terms", type=Map) if self.doc else None
        self.changed_by: Map[Any] | None = (self.doc.get("changed_by", type=Map) if self.doc
                                            else None)
        self.ws: ClientConnection | None = None
        self.app: list[dict[str, Any]] = []
        self.bytes_in = 0
        self.step2_bytes: int | None = None
        self.first_awareness_bytes: int | None = None
        self.answered = False
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = asyncio.Event()
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._applying = False
        if self.doc is not None:
            self._sub = self.doc.observe(self._on_local)

    async def open(self, seconds: float = 10.0) -> None:
        """Connect; raises what websockets raises for a refused handshake."""
        self.closed.clear()
        self.close_code = None
        self.answered = False
        self.step2_bytes = self.first_awareness_bytes = None
        self.ws = await connect(self.url, max_size=None, max_queue=None, compression=None,
                                proxy=None, ping_interval=None, open_timeout=seconds,
                                close_timeout=2)
        self._reader = asyncio.create_task(self._read())
        if self.doc is not None:
            await self.send(wire.sync_message(wire.STEP1, self.doc.get_state()))
        elif self.fetch:
            await self.send(wire.sync_message(wire.STEP1, b"\x00"))

    async def joined(self, seconds: float = 10.0) -> bool:
        """Open and wait for the server's hello (the socket was admitted to the room) and, unless
        this peer stays silent, for its answer to the server's sync step 1."""
        await self.open(seconds)
        silent = self.doc is None and not self.answer
        return await self.wait(lambda: bool(self.messages("hello")) and (silent or self.answered),
                               seconds)

    async def send(self, data: bytes | str, seconds: float = 30.0) -> bool:
        """False when the socket is closed or the send did not finish in ``seconds``."""
        if self.ws is None:
            return False
        try:
            await asyncio.wait_for(self.ws.send(data), seconds)
        except (ConnectionClosed, TimeoutError):
            return False
        return True

    async def ping_rtt(self, seconds: float) -> float | None:
        """Seconds for a ping's pong, None if it never came (closed or ``seconds``)."""
        if self.ws is None:
            return None
        started = time.monotonic()
        try:
            waiter = await asyncio.wait_for(self.ws.ping(), seconds)
            await asyncio.wait_for(waiter, max(0.01, seconds - (time.monotonic() - started)))
        except (ConnectionClosed, TimeoutError):
            return None
        return time.monotonic() - started

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 3)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    # --- editing (doc mode) --------------------------------------------------------------------

    @contextlib.contextmanager
    def edit(self) -> Iterator[Map[Any]]:
        assert self.doc is not None and self.terms is not None
        with self.doc.transaction():
            yield self.terms

    def _on_local(self, event: TransactionEvent) -> None:
        if not self._applying and self.ws is not None:
            message = wire.sync_message(wire.UPDATE, event.update)
            asyncio.get_running_loop().create_task(self.send(message))

    # --- reading --------------------------------------------------------------------------------

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for message in self.ws:
                self.bytes_in += len(message)
                if isinstance(message, bytes) and message:
                    await self._handle(message)
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason or ""
            self.closed.set()
            self._changed.set()

    async def _handle(self, message: bytes) -> None:
        kind, pos = wire.read_var_uint(message, 0)
        if kind == wire.SYNC:
            sync_type, pos = wire.read_var_uint(message, pos)
            size, pos = wire.read_var_uint(message, pos)
            payload = message[pos:pos + size]
            if sync_type == wire.STEP1:
                if self.doc is not None:
                    await self.send(wire.sync_message(wire.STEP2, self.doc.get_update(payload)))
                elif self.answer:
                    await self.send(wire.EMPTY_STEP2)
                self.answered = True
                return
            if sync_type == wire.STEP2 and self.step2_bytes is None:
                self.step2_bytes = size
            if self.doc is not None:
                self._applying = True
                try:
                    self.doc.apply_update(payload)
                finally:
                    self._applying = False
        elif kind == wire.AWARENESS:
            if self.first_awareness_bytes is None:
                self.first_awareness_bytes = len(message)
        elif kind == wire.APP:
            size, pos = wire.read_var_uint(message, pos)
            with contextlib.suppress(ValueError):
                self.app.append(json.loads(message[pos:pos + size]))

    # --- waiting ----------------------------------------------------------------------------------

    async def wait(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait until ``predicate()`` holds; False after ``seconds`` or once the socket closed."""
        deadline = time.monotonic() + seconds
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed.is_set():
                return predicate()
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))
        return True

    def messages(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.app if m.get("type") == kind]

    def ending(self) -> str:
        """How this socket ended, for a table cell."""
        if not self.closed.is_set():
            return "open"
        if self.close_code in (None, 1006):
            return "dropped (no close frame)"
        reason = f" {self.close_reason}" if self.close_reason else ""
        return f"closed {self.close_code}{reason}"
