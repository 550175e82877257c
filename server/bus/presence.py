"""Which users have a socket in an offer's room on some node: for "is this party away?".

A single node knows its own sockets (``bus.local.LocalBoard`` says nothing is elsewhere). In a
cluster each node keeps, in one Redis hash per offer, a field ``<user>\\x00<node>`` holding an
expiry time for every user it has a socket of, refreshed every ``HEARTBEAT_S`` and deleted when
that user's last socket on the node leaves; a node that dies stops refreshing and its fields
lapse after ``TTL_S``. Reads are one HGETALL of a small hash (a room has two parties and a few
viewers).
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.tasks import Tasks

log = logging.getLogger("offer_room.presence")

_PREFIX = "offer-room:present:"
#: How often a node re-announces its users, and how long an announcement lasts without it: a
#: node killed with kill -9 stops counting its users present within a minute.
HEARTBEAT_S = 20.0
TTL_S = 3 * HEARTBEAT_S


class RedisBoard:
    def __init__(self, redis: Redis, node_id: str, tasks: Tasks) -> None:
        self._redis = redis
        self._node = node_id
        self._tasks = tasks
        #: (offer, user) pairs with a socket on this node, re-announced by the heartbeat.
        self._here: set[tuple[str, str]] = set()
        #: Writes reach Redis in the order they happened (a fair lock taken in spawn order): a
        #: withdraw overtaking its announce on another pooled connection would leave a user
        #: "present" for TTL_S, and their digests skipped meanwhile.
        self._writes = asyncio.Lock()

    def start(self) -> None:
        self._tasks.spawn("bus", self._heartbeat(), "presence-heartbeat")

    def arrived(self, offer_id: str, user_id: str) -> None:
        self._here.add((offer_id, user_id))
        self._tasks.spawn("bus", self._announce([(offer_id, user_id)]), "presence-arrived")

    def departed(self, offer_id: str, user_id: str) -> None:
        self._here.discard((offer_id, user_id))
        self._tasks.spawn("bus", self._withdraw(offer_id, user_id), "presence-departed")

    async def elsewhere(self, offer_id: str, user_id: str) -> bool:
        """Whether another node announced a socket of ``user_id`` that has not lapsed. When Redis
        cannot answer, the user counts as away: a notification too many beats one lost."""
        try:
            fields = await self._redis.hgetall(_PREFIX + offer_id)
        except RedisError as exc:
            log.warning("presence lookup failed: %s", exc)
            return False
        now = time.time()
        for raw, expiry in fields.items():
            field = raw.decode() if isinstance(raw, bytes) else str(raw)
            user, _, node = field.partition("\x00")
            if user == user_id and node != self._node and float(expiry) > now:
                return True
        return False

    async def _announce(self, pairs: list[tuple[str, str]]) -> None:
        try:
            async with self._writes, self._redis.pipeline(transaction=False) as pipe:
                expiry = str(time.time() + TTL_S)
                for offer_id, user_id in pairs:
                    pipe.hset(_PREFIX + offer_id, f"{user_id}\x00{self._node}", expiry)
                    pipe.expire(_PREFIX + offer_id, int(TTL_S) * 2)
                await pipe.execute()
        except RedisError as exc:
            log.warning("presence announce failed: %s", exc)

    async def _withdraw(self, offer_id: str, user_id: str) -> None:
        try:
            async with self._writes:
                await self._redis.hdel(_PREFIX + offer_id, f"{user_id}\x00{self._node}")
        except RedisError as exc:  # lapses by itself after TTL_S
            log.warning("presence withdraw failed: %s", exc)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            if self._here:
                await self._announce(sorted(self._here))
