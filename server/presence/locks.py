"""Field locks: short leases that keep two people out of the same field (docs/PROTOCOL.md, "Locks").

A lease is taken on focus, renewed by the holder every few seconds, released on blur or disconnect,
and expires after ``ttl`` of silence so a vanished browser never holds a field forever. It also ends
``idle`` after the holder's last sign of input (taking it, or a renewal flagged ``active``): a
renewal without input never carries it past that, so a person who sits in a field and ignores
"please release" loses it. Whoever lost a field that way gets it back only with a sign of input,
never by the renewals their open tab keeps sending. Which fields lock at all is configurable
(``OFFER_ROOM_LOCK_FIELDS``). Locks are server state, not awareness: awareness is client-written
and cannot be trusted to exclude anyone.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from server.offers.terms import SCALAR_FIELDS

_MILESTONE_LOCK = re.compile(r"milestone:[A-Za-z0-9_-]{1,64}")
#: The description is collaborative text both parties type into at once: never locked.
_SCALAR_LOCKS = frozenset(SCALAR_FIELDS)


#: What ``OFFER_ROOM_LOCK_FIELDS`` may name: a scalar field, or "milestones" for every row.
LOCKABLE = frozenset(_SCALAR_LOCKS | {"milestones"})
#: The default: money and what decides which money applies. Titles, dates and the rest are edited
#: freely (the last write wins and both see it at once): a lock there only gets in the way.
DEFAULT_LOCK_FIELDS = ("contract_type", "hourly_rate", "fixed_price", "milestones")


def valid_lock_field(field: str, lockable: frozenset[str] = LOCKABLE) -> bool:
    """``field`` names a lock (``milestone:<id>`` when "milestones" is in ``lockable``)."""
    if _MILESTONE_LOCK.fullmatch(field):
        return "milestones" in lockable
    return field in _SCALAR_LOCKS and field in lockable


class Lease:
    __slots__ = ("expires_at", "field", "holder", "input_at", "token", "user_id", "user_name")

    def __init__(
        self,
        field: str,
        holder: object,
        user_id: str,
        user_name: str,
        expires_at: float,
        token: int = 0,
        input_at: float | None = None,
    ) -> None:
        self.field = field
        self.holder = holder  # the connection (or, in a cluster, a holder on another node)
        self.user_id = user_id
        self.user_name = user_name
        self.expires_at = expires_at
        #: The cluster lease's fencing token (0 on a single node): orders grants across nodes.
        self.token = token
        #: The holder's last sign of input (None: tracked by the node the holder is on).
        self.input_at = input_at


class LockTable:
    def __init__(
        self,
        ttl_ms: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        idle_ms: int | None = None,
        fields: frozenset[str] = LOCKABLE,
    ) -> None:
        self._ttl = ttl_ms / 1000
        self._idle = None if idle_ms is None else idle_ms / 1000
        self._clock = clock
        #: The names ``valid_lock_field`` accepts here (scalar fields, "milestones" for rows).
        self.fields = fields
        self.leases: dict[str, Lease] = {}
        #: (field, user id) of leases that ended for want of input: a renewal without input from
        #: that user does not take the field again. Made at the first such lease: an empty set
        #: cost every idle room 216 bytes.
        self._idled: set[tuple[str, str]] | None = None

    def now(self) -> float:
        return self._clock()

    def lockable(self, field: str) -> bool:
        return valid_lock_field(field, self.fields)

    def ends_at(self, lease: Lease) -> float:
        """When ``lease`` lapses: its ttl, or its idle limit when that comes first."""
        if self._idle is None or lease.input_at is None:
            return lease.expires_at
        return min(lease.expires_at, lease.input_at + self._idle)

    def holder(self, field: str) -> tuple[str, str] | None:
        lease = self.leases.get(field)
        if lease is None or self.ends_at(lease) <= self._clock():
            return None
        return lease.user_id, lease.user_name

    def idle_out(self, field: str, user_id: str) -> bool:
        """``user_id`` lost ``field`` for want of input and has shown none since."""
        idled = self._idled
        return idled is not None and (field, user_id) in idled and self.holder(field) is None

    def forget_idle(self, field: str, user_id: str) -> None:
        """``user_id`` showed input on ``field`` (or let it go): its renewals count again."""
        if self._idled is not None:
            self._idled.discard((field, user_id))

    def take(
        self, field: str, holder: object, user_id: str, user_name: str, *, active: bool = True
    ) -> Lease | None:
        """Take or renew a lease; returns the blocking lease when someone else holds it.

        ``active``: the holder shows input (focus, typing) with this request. A renewal without
        it keeps the lease only until ``idle`` after the last input; callers check ``idle_out``
        first so that an idle holder's renewals do not take the field back.
        """
        now = self._clock()
        lease = self.leases.get(field)
        live = lease is not None and self.ends_at(lease) > now
        if lease is not None and live and lease.user_id != user_id:
            return lease
        input_at = now
        if lease is not None and live and not active and lease.input_at is not None:
            input_at = lease.input_at  # a renewal without input: the idle clock keeps running
        if active:
            self.forget_idle(field, user_id)
        self.leases[field] = Lease(field, holder, user_id, user_name, now + self._ttl,
                                   input_at=input_at)
        return None

    def release(self, field: str, user_id: str) -> bool:
        self.forget_idle(field, user_id)
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
        return bool(self.expire_leases())

    def expire_leases(self) -> list[Lease]:
        """Drop every lapsed lease; returns them (those that ran out of input are remembered)."""
        now = self._clock()
        gone = [lease for lease in self.leases.values() if self.ends_at(lease) <= now]
        for lease in gone:
            del self.leases[lease.field]
            if lease.expires_at > now:  # the ttl was still running: it ended for want of input
                if self._idled is None:
                    self._idled = set()
                self._idled.add((lease.field, lease.user_id))
        return gone

    def remaining_ms(self, lease: Lease) -> int:
        return max(0, int((self.ends_at(lease) - self._clock()) * 1000))
