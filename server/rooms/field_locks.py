"""A room's field locks as its participants speak of them: lock, unlock, "please release".

The lease table itself is ``presence.locks.LockTable`` (pure); this is the room's side of it:
who may ask, what everyone is told, and, in a cluster, handing the decision to Redis through
the room's ``ClusterSide``. Viewers never take, release or ask for a field, whatever user id
their token names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.presence.locks import LockTable
from server.rooms.cluster import RemoteHolder
from server.rooms.connection import Connection
from server.wire import Error, Lock, LockEntry, Locks, Notice, RequestRelease, Unlock, app_frame

if TYPE_CHECKING:
    from server.rooms.room import Room


class FieldLocks:
    def __init__(self, room: Room, table: LockTable) -> None:
        self._room = room
        self._table = table

    def on_message(self, conn: Connection, msg: Lock | Unlock | RequestRelease) -> None:
        if not self._table.lockable(msg.field):
            # Unknown, or a field this room does not lock (OFFER_ROOM_LOCK_FIELDS).
            conn.send(app_frame(Error(code="bad_field",
                                      message=f"{msg.field!r} is not a field that locks",
                                      ref=msg.id)))
            return
        if conn.user.role == "viewer":
            # An integrator may mint a viewer link with a party's user id: the role decides.
            conn.send(app_frame(Error(code="read_only", message="Viewers can't edit this offer.",
                                      ref=msg.id)))
            return
        if isinstance(msg, Lock):
            self._lock(conn, msg)
        elif isinstance(msg, Unlock):
            if self._table.release(msg.field, conn.user.id):
                self.broadcast()
                if self._room.cluster.leases is not None:
                    self._room.cluster.release(conn.user.id, [msg.field])
        else:
            self._request_release(conn, msg)

    def release_holder(self, conn: Connection) -> None:
        """``conn`` left: what it held is free again, here and cluster-wide."""
        released = self._table.release_holder(conn)
        if released:
            self.broadcast()
            if self._room.cluster.leases is not None:
                self._room.cluster.release(conn.user.id, released)

    def clear(self) -> None:
        """After the offer closed: nobody may hold a field any more."""
        if self._table.leases:
            self._table.leases.clear()
            self.broadcast()

    def expire(self) -> None:
        gone = self._table.expire_leases()
        if not gone:
            return
        self.broadcast()
        if self._room.cluster.leases is not None:
            # A lease held from this node that ran out of input ends cluster-wide now.
            for lease in gone:
                if isinstance(lease.holder, Connection):
                    self._room.cluster.release(lease.user_id, [lease.field])

    def broadcast(self) -> None:
        self._room.broadcast(self.frame())

    def frame(self) -> bytes:
        """The whole lock table, as every participant is sent it."""
        table = self._table
        entries = []
        for lease in table.leases.values():
            holder = lease.holder
            if isinstance(holder, (Connection, RemoteHolder)):
                entries.append(LockEntry(field=lease.field, user=holder.user,
                                         expires_in_ms=table.remaining_ms(lease)))
        return app_frame(Locks(locks=entries))

    def _lock(self, conn: Connection, msg: Lock) -> None:
        reason = self._room.read_only_reason(conn)
        if reason is not None:
            conn.send(app_frame(Error(code="read_only", message=reason, ref=msg.id)))
            return
        self.expire()  # a lease past its idle limit is gone before anyone renews it
        if not msg.active and self._table.idle_out(msg.field, conn.user.id):
            # The lease ended for want of input: the renewals an open tab keeps sending do not
            # take it back; typing (a ``lock`` with ``active``) does.
            conn.send(app_frame(Error(code="lock_idle",
                                      message="This field was released after a while "
                                              "without typing.", ref=msg.id)))
            return
        if self._room.cluster.leases is not None:
            self._room.cluster.take_lease(conn, msg)  # cluster-wide: Redis decides
            return
        renewal = self._table.holder(msg.field) is not None
        blocker = self._table.take(msg.field, conn, conn.user.id, conn.user.name,
                                   active=msg.active)
        if blocker is not None:
            conn.send(app_frame(Error(code="locked",
                                      message=f"{blocker.user_name} is editing this field.",
                                      ref=msg.id)))
            conn.send(self.frame())
        elif not renewal:
            self.broadcast()

    def _request_release(self, conn: Connection, msg: RequestRelease) -> None:
        lease = self._table.leases.get(msg.field)
        if lease is None or self._table.holder(msg.field) is None:
            conn.send(self.frame())
            return
        notice = app_frame(Notice(kind="release_requested",
                                  text=f"{conn.user.name} asks you to release this field.",
                                  field=msg.field, by=conn.user))
        for other in self._room.conns:
            if other.user.id == lease.user_id:
                other.send(notice)
