"""The cluster bus on Redis Streams: one stream per offer, read from the last id each node saw.

Streams rather than pub/sub because a subscriber that reconnects resumes from its last id
instead of silently missing what was said meanwhile. Each entry names the node that produced
it; a node skips its own. Publishing is batched into pipelined XADDs by one task per node, so a
room never awaits Redis; a failed batch is kept and retried in order, and when Redis comes back
every attached room is sent a "resync" message to re-read the store (a Redis restart loses
streams).

Streams are trimmed by age on every XADD (``MINID ~ now - retention``): an entry is applied by its
readers within milliseconds and durable in PostgreSQL once its producer's group commit lands,
so a retention of a minute keeps only what a reconnecting reader could still need.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.bus.base import BusMessage, Handler, Kind, Link
from server.tasks import Tasks

log = logging.getLogger("offer_room.bus")

_PREFIX = "offer-room:offer:"
_READ_BLOCK_MS = 100  # also how long a newly attached room may wait for its first read
_READ_COUNT = 1000
_RETENTION_MS = 60_000
_RETRY_MAX_S = 2.0


class RedisLink:
    clustered = True

    def __init__(self, bus: RedisBus, offer_id: str) -> None:
        self._bus = bus
        self._offer_id = offer_id

    def publish(
        self, kind: Kind, data: bytes, target: str | None = None, skip: str | None = None
    ) -> None:
        self._bus.enqueue(self._offer_id, kind, data, target, skip)


class RedisBus:
    clustered = True

    def __init__(
        self,
        url: str,
        node_id: str,
        tasks: Tasks,
    ) -> None:
        self.node_id = node_id
        self._url = url
        self._writer: Redis = Redis.from_url(url)
        self._reader: Redis = Redis.from_url(url)
        self._handlers: dict[str, Handler] = {}
        self._positions: dict[str, bytes | str] = {}
        self._outgoing: list[tuple[str, dict[Any, Any]]] = []
        self._wake_writer = asyncio.Event()
        self._tasks = tasks

    async def start(self) -> None:
        self._tasks.spawn("bus", self._read_loop(), "bus-reader")
        self._tasks.spawn("bus", self._write_loop(), "bus-writer")

    async def close(self) -> None:
        await self._flush_outgoing()
        await self._tasks.cancel("bus")
        await self._writer.aclose()
        await self._reader.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._writer.ping())
        except RedisError:
            return False

    async def attach(self, offer_id: str, handler: Handler) -> Link:
        key = _PREFIX + offer_id
        # The position is fixed before the caller loads the doc from the store, so anything
        # accepted elsewhere after that load is read (again, harmlessly) rather than missed.
        last: Any = await self._writer.xrevrange(key, count=1)
        self._positions[key] = last[0][0] if last else "0-0"
        self._handlers[key] = handler
        return RedisLink(self, offer_id)

    async def detach(self, offer_id: str) -> None:
        key = _PREFIX + offer_id
        self._handlers.pop(key, None)
        self._positions.pop(key, None)

    # --- writing -------------------------------------------------------------------------

    def announce(
        self, offer_id: str, kind: Kind, data: bytes, target: str | None = None
    ) -> None:
        self.enqueue(offer_id, kind, data, target, None)

    def enqueue(
        self, offer_id: str, kind: Kind, data: bytes, target: str | None, skip: str | None
    ) -> None:
        fields: dict[Any, Any] = {"n": self.node_id, "k": kind, "d": data}
        if target is not None:
            fields["t"] = target
        if skip is not None:
            fields["s"] = skip
        self._outgoing.append((_PREFIX + offer_id, fields))
        self._wake_writer.set()

    async def _write_loop(self) -> None:
        delay = 0.05
        while True:
            await self._wake_writer.wait()
            self._wake_writer.clear()
            try:
                await self._flush_outgoing()
                delay = 0.05
            except RedisError as exc:
                log.warning("bus publish failed (%s); retrying in %.2fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(_RETRY_MAX_S, delay * 2)
                self._wake_writer.set()

    async def _flush_outgoing(self) -> None:
        while self._outgoing:
            batch = self._outgoing[:500]
            minid = f"{int(time.time() * 1000) - _RETENTION_MS}-0"
            async with self._writer.pipeline(transaction=False) as pipe:
                for key, fields in batch:
                    pipe.xadd(key, fields, minid=minid, approximate=True)
                await pipe.execute()
            # Only now: a failed batch stays queued, in order, for the retry.
            del self._outgoing[: len(batch)]

    # --- reading -------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        failed = False
        delay = 0.05
        while True:
            if not self._positions:
                await asyncio.sleep(_READ_BLOCK_MS / 1000)
                continue
            try:
                streams: dict[Any, Any] = dict(self._positions)
                response: Any = await self._reader.xread(
                    streams, count=_READ_COUNT, block=_READ_BLOCK_MS
                )
            except RedisError as exc:
                if not failed:
                    log.warning("bus read failed (%s); reconnecting", exc)
                failed = True
                await asyncio.sleep(delay)
                delay = min(_RETRY_MAX_S, delay * 2)
                continue
            if failed:
                failed, delay = False, 0.05
                self._resync_all()
            for key, entries in response or []:
                self._deliver(key.decode() if isinstance(key, bytes) else key, entries)

    def _deliver(self, key: str, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        handler = self._handlers.get(key)
        if handler is None:
            return
        offer_id = key[len(_PREFIX) :]
        for entry_id, fields in entries:
            self._positions[key] = entry_id
            node = fields.get(b"n", b"").decode()
            if node == self.node_id:
                continue
            target = fields.get(b"t")
            skip = fields.get(b"s")
            self._deliver_one(key, BusMessage(
                offer_id=offer_id,
                node=node,
                kind=fields[b"k"].decode(),  # type: ignore[arg-type]
                data=fields.get(b"d", b""),
                target=target.decode() if target else None,
                skip=skip.decode() if skip else None,
            ))

    def _resync_all(self) -> None:
        # Whatever the streams held before Redis came back may be gone: each room re-reads the
        # store (the authority), on the bus's own "resync" message.
        for key in list(self._handlers):
            self._deliver_one(key, BusMessage(offer_id=key[len(_PREFIX):], node=self.node_id,
                                              kind="resync", data=b""))

    def _deliver_one(self, key: str, message: BusMessage) -> None:
        handler = self._handlers.get(key)
        if handler is None:
            return
        try:
            handler(message)
        except Exception:
            log.exception("applying a bus message for offer %s failed", message.offer_id)
