"""The cluster bus on Redis Streams: one stream per offer, read from the last id each node saw.

Streams rather than pub/sub because a subscriber that reconnects resumes from its last id
instead of silently missing what was said meanwhile. Each entry names the node that produced
it; a node skips its own. Publishing is batched into pipelined XADDs by one task per node, so a
room never awaits Redis; a failed batch is kept and retried in order, and when Redis comes back
every attached room is sent a "resync" message to re-read the store (a Redis restart loses
streams).

Streams are trimmed by age on every XADD (``MINID ~ now - retention``): an entry is applied by its
readers within milliseconds, and an accepted update is in PostgreSQL once its producer's group
commit lands or, failing the producer's word, once a reader stores it itself (a few seconds,
``server/bus/custody.py``). The stream is never the only copy of anything the store needs: a
retention of a minute keeps what a reconnecting reader, or a room loading with a replay of the
last few seconds, could still need, and Redis needs no persistence of its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.bus.base import REPLAYED, BusMessage, Handler, Kind, Link
from server.tasks import Tasks

log = logging.getLogger("offer_room.bus")

_PREFIX = "offer-room:offer:"
_READ_BLOCK_MS = 100  # also how long a newly attached room may wait for its first read
_READ_COUNT = 1000
_RETENTION_MS = 60_000
_RETRY_MAX_S = 2.0
#: Updates are published the moment a room accepts them, one at a time: without a pause, a busy
#: node would make one pipelined XADD round trip per update and its peers one XREAD (naming
#: every attached stream) per entry. A round trip at most this often batches what arrives
#: meanwhile; an idle node still sends and reads at once (the pause only follows a round trip).
_GATHER_S = 0.002


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
        #: Per stream being replayed: the last id before it was attached. Up to there only the
        #: REPLAYED kinds are delivered, from every node (see ``attach``).
        self._replay_until: dict[str, tuple[int, int]] = {}
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

    async def attach(self, offer_id: str, handler: Handler, replay_ms: int = 0) -> Link:
        key = _PREFIX + offer_id
        # The position is fixed before the caller loads the doc from the store, so anything
        # accepted elsewhere after that load is read (again, harmlessly) rather than missed.
        # Updates go out before they are stored, so the position starts ``replay_ms`` before
        # now (Redis's clock, the one entry ids are made of): an update accepted just before
        # and not yet in the store when the caller reads it still arrives.
        self._replay_until.pop(key, None)
        async with self._writer.pipeline(transaction=False) as pipe:
            pipe.xrevrange(key, count=1)
            pipe.time()
            replies: Any = await pipe.execute()
        last, (seconds, micros) = replies
        since = int(seconds) * 1000 + int(micros) // 1000 - replay_ms
        if not last:
            self._positions[key] = "0-0"
        elif replay_ms <= 0 or _entry_id(last[0][0])[0] < since:
            self._positions[key] = last[0][0]
        else:
            self._positions[key] = f"{since}-0"
            self._replay_until[key] = _entry_id(last[0][0])
        self._handlers[key] = handler
        return RedisLink(self, offer_id)

    async def detach(self, offer_id: str) -> None:
        key = _PREFIX + offer_id
        self._handlers.pop(key, None)
        self._positions.pop(key, None)
        self._replay_until.pop(key, None)

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
        last = 0.0
        while True:
            await self._wake_writer.wait()
            await _gather_since(last)
            last = time.monotonic()
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
        last = 0.0
        while True:
            if not self._positions:
                await asyncio.sleep(_READ_BLOCK_MS / 1000)
                continue
            await _gather_since(last)
            last = time.monotonic()
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
        replay_until = self._replay_until.get(key)
        for entry_id, fields in entries:
            self._positions[key] = entry_id
            node = fields.get(b"n", b"").decode()
            kind = fields.get(b"k", b"").decode()
            # A node skips what it published itself, except durable marks: the last mark of
            # this node's previous room of the offer may land after the new room's replay.
            mine = node == self.node_id and kind != "durable"
            if replay_until is not None:
                if _entry_id(entry_id) > replay_until:
                    replay_until = None
                    del self._replay_until[key]
                elif kind not in REPLAYED:
                    continue
                else:
                    mine = False  # this node's earlier room of the offer published it
            if mine:
                continue
            target = fields.get(b"t")
            skip = fields.get(b"s")
            self._deliver_one(key, BusMessage(
                offer_id=offer_id,
                node=node,
                kind=kind,  # type: ignore[arg-type]
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


def _entry_id(raw: bytes | str) -> tuple[int, int]:
    """A stream entry id ("<ms>-<seq>") as a pair that orders like Redis orders them."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


async def _gather_since(last: float) -> None:
    """Pause until ``_GATHER_S`` after ``last`` (no pause if that is past)."""
    wait = last + _GATHER_S - time.monotonic()
    if wait > 0:
        await asyncio.sleep(wait)
