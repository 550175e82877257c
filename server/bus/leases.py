"""Cluster-wide field leases in Redis: SET NX PX, with a fencing token from INCR.

The token orders grants across nodes: a node's mirror of the lock table never lets an older grant
replace a newer one, so a holder whose lease lapsed (a stalled node) cannot win back a field
someone else has since taken. Release and renewal are compare-and-delete/-expire scripts so a
node can only touch a lease its own user holds.
"""

from __future__ import annotations

import msgspec
from redis.asyncio import Redis

from server.bus.base import LeaseGrant
from server.wire import UserInfo

_KEY = "offer-room:lease:{offer}:{field}"
_FENCE = "offer-room:lease-fence"

# KEYS[1] lease key; ARGV[1] user id; ARGV[2] ttl ms. Renews only the caller's own lease.
_RENEW = """
local v = redis.call('GET', KEYS[1])
if not v then return nil end
if cjson.decode(v)['user']['id'] ~= ARGV[1] then return v end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 'OK'
"""
# KEYS[1] lease key; ARGV[1] user id. Deletes only the caller's own lease.
_RELEASE = """
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v)['user']['id'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLeases:
    def __init__(self, redis: Redis, ttl_ms: int) -> None:
        self._redis = redis
        self._ttl = ttl_ms
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def take(self, offer_id: str, field: str, user: UserInfo) -> LeaseGrant | UserInfo:
        key = _KEY.format(offer=offer_id, field=field)
        token = int(await self._redis.incr(_FENCE))
        grant = LeaseGrant(field=field, user=user, token=token, ttl_ms=self._ttl)
        if await self._redis.set(key, msgspec.json.encode(grant), nx=True, px=self._ttl):
            return grant
        renewed = await self._renew(keys=[key], args=[user.id, self._ttl])
        if renewed == b"OK":
            raw = await self._redis.get(key)
            if raw is not None:
                return msgspec.json.decode(raw, type=LeaseGrant)
            return grant
        if renewed is None:  # it lapsed between our SET and the script: try once more
            if await self._redis.set(key, msgspec.json.encode(grant), nx=True, px=self._ttl):
                return grant
            raw = await self._redis.get(key)
            if raw is None:
                return grant
            renewed = raw
        return msgspec.json.decode(renewed, type=LeaseGrant).user

    async def release(self, offer_id: str, field: str, user_id: str) -> bool:
        key = _KEY.format(offer=offer_id, field=field)
        return bool(await self._release(keys=[key], args=[user_id]))
