"""A y-websocket client built on pycrdt, speaking the raw protocol (like a browser would).

Local changes made in ``with client.edit():`` are sent as sync updates; remote updates are applied
with a "remote" origin so they are not sent back. App messages and close codes are recorded so
tests can assert exactly what the server answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from pycrdt import TransactionEvent
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.crdt.layout import OfferDoc
from server.presence.awareness import decode_update, encode_update
from server.wire import (
    MessageType,
    SyncType,
    read_var_bytes,
    read_var_uint,
    sync_frame,
    var_bytes,
)

_REMOTE = "remote"


class YClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.odoc = OfferDoc()
        self.doc = self.odoc.doc
        self.ws: ClientConnection | None = None
        self.app: list[dict[str, Any]] = []
        self.awareness: dict[int, dict[str, Any] | None] = {}
        self.close_code: int | None = None
        self.close_reason: str = ""
        self.synced = asyncio.Event()
        self.updates_received = 0
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._clock = 0
        self._applying_remote = False
        self._sub = self.doc.observe(self._on_local)

    # --- connection -----------------------------------------------------------------------

    async def connect(self) -> YClient:
        self.synced.clear()
        self.close_code = None
        self.ws = await connect(self.url, max_size=None)
        self._reader = asyncio.create_task(self._read())
        # The server may already have closed us (bad token): the close code tells the test.
        await self._send_quietly(sync_frame(SyncType.STEP1, self.doc.get_state()))
        return self

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def send_raw(self, data: bytes | str) -> None:
        assert self.ws is not None
        await self.ws.send(data)

    async def send_app(self, msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        await self.send_raw(bytes((MessageType.APP,)) + var_bytes(body))

    async def set_awareness(
        self, state: dict[str, Any] | None, client_id: int | None = None
    ) -> None:
        self._clock += 1
        cid = client_id if client_id is not None else self.doc.client_id
        update = encode_update([(cid, self._clock, json.dumps(state))])
        await self.send_raw(bytes((MessageType.AWARENESS,)) + var_bytes(update))

    # --- editing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def edit(self) -> Iterator[OfferDoc]:
        with self.doc.transaction():
            yield self.odoc

    def _on_local(self, event: TransactionEvent) -> None:
        if self._applying_remote or self.ws is None:
            return
        frame = sync_frame(SyncType.UPDATE, event.update)
        asyncio.get_running_loop().create_task(self._send_quietly(frame))

    async def _send_quietly(self, frame: bytes | str) -> None:
        with contextlib.suppress(ConnectionClosed):
            assert self.ws is not None
            await self.ws.send(frame)

    # --- reading ------------------------------------------------------------------------------

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                if isinstance(frame, bytes):
                    await self._handle(frame)
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            if self.ws.close_code is not None:
                self.close_code = self.ws.close_code
                self.close_reason = self.ws.close_reason or ""
            self._changed.set()

    async def _handle(self, frame: bytes) -> None:
        kind, pos = read_var_uint(frame, 0)
        if kind == MessageType.SYNC:
            sync_type, pos = read_var_uint(frame, pos)
            payload, _ = read_var_bytes(frame, pos)
            if sync_type == SyncType.STEP1:
                assert self.ws is not None
                await self.ws.send(sync_frame(SyncType.STEP2, self.doc.get_update(payload)))
                return
            self._apply_remote(payload)
            self.updates_received += 1
            if sync_type == SyncType.STEP2:
                self.synced.set()
        elif kind == MessageType.AWARENESS:
            payload, _ = read_var_bytes(frame, pos)
            for cid, _clock, state in decode_update(payload):
                self.awareness[cid] = json.loads(state)
        elif kind == MessageType.APP:
            payload, _ = read_var_bytes(frame, pos)
            self.app.append(json.loads(payload))

    def _apply_remote(self, update: bytes) -> None:
        self._applying_remote = True
        try:
            self.doc.apply_update(update)
        finally:
            self._applying_remote = False

    # --- waiting ------------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("condition not met in time")
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))

    async def wait_closed(self, timeout: float = 5.0) -> int | None:
        await self.wait_for(lambda: self._reader is not None and self._reader.done(), timeout)
        return self.close_code

    def messages(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.app if m.get("type") == kind]

    def terms(self) -> dict[str, Any]:
        raw: dict[str, Any] = self.odoc.terms.to_py() or {}
        return raw


async def connected(ws_base: str, offer_id: str, token: str) -> YClient:
    client = YClient(f"{ws_base}/{offer_id}?token={token}")
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 5)
    return client
