"""Field locks: short leases that keep two people out of the same field (docs/PROTOCOL.md, "Locks").

A lease is taken on focus, renewed by the holder every few seconds, released on blur or disconnect,
and expires after ``ttl`` of silence so a vanished browser never holds a field forever. Locks are
server state, not awareness: awareness is client-written and cannot be trusted to exclude anyone.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from server.offers.terms import SCALAR_FIELDS

_MILESTONE_LOCK = re.compile(r"milestone:[A-Za-z0-9_-]{1,64}")
#: The description is collaborative text both parties type into at once: never locked.
_SCALAR_LOCKS = frozenset(SCALAR_FIELDS)


def valid_lock_field(field: str) -> bool:
    return field in _SCALAR_LOCKS or bool(_MILESTONE_LOCK.fullmatch(field))


class Lease:
    __slots__ = ("expires_at", "field", "holder", "token", "user_id", "user_name")

    def __init__(
        self,
        field: str,
        holder: object,
        user_id: str,
        user_name: str,
        expires_at: float,
        token: int = 0,
    ) -> None:
        self.field = field
        self.holder = holder  # the connection (or, in a cluster, a holder on another node)
        self.user_id = user_id
        self.user_name = user_name
        self.expires_at = expires_at
        #: The cluster lease's fencing token (0 on a single node): orders grants across nodes.
        self.token = token


class LockTable:
    def __init__(self, ttl_ms: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_ms / 1000
        self._clock = clock
        self.leases: dict[str, Lease] = {}

    def now(self) -> float:
        return self._clock()

    def holder(self, field: str) -> tuple[str, str] | None:
        lease = self.leases.get(field)
        if lease is None or lease.expires_at <= self._clock():
            return None
        return lease.user_id, lease.user_name

    def take(self, field: str, holder: object, user_id: str, user_name: str) -> Lease | None:
        """Take or renew a lease; returns the blocking lease when someone else holds it."""
        now = self._clock()
        lease = self.leases.get(field)
        if lease is not None and lease.expires_at > now and lease.user_id != user_id:
            return lease
        self.leases[field] = Lease(field, holder, user_id, user_name, now + self._ttl)
        return None

    def release(self, field: str, user_id: str) -> bool:
        lease = self.leases.get(field)
        if lease is None or lease.user_id != user_id:
            return False
        del self.leases[field]
        return True

    def release_holder(self, holder: object) -> list[str]:
        """Drop every lease ``holder`` has; returns the fields released."""
        gone = [f for f, lease in self.leases.items() if lease.holder is holder]
        for field in gone:
            del self.leases[field]
        return gone

    def expire(self) -> bool:
        now = self._clock()
        gone = [f for f, lease in self.leases.items() if lease.expires_at <= now]
        for field in gone:
            del self.leases[field]
        return bool(gone)

    def remaining_ms(self, lease: Lease) -> int:
        return max(0, int((lease.expires_at - self._clock()) * 1000))
