"""A live offer room: one Y.Doc, its connections, presence, locks and fan-out.

Everything here runs on the event loop thread (pycrdt holds the GIL and a Doc must stay on one
thread) and ``receive`` never awaits: a frame is parsed, applied through the guard, and the
results are written to every other connection's transport and handed to the persister.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from pycrdt import Doc

from server.auth import Revocation, is_revoked
from server.bus.base import BUS_ORIGIN, BusMessage, Link
from server.bus.local import LocalLink
from server.config import Config
from server.crdt.guard import EditContext, Guard, Rejection
from server.crdt.layout import OfferDoc
from server.crdt.updates import TooComplex, UpdateInfo, read_update
from server.metrics import Metrics
from server.presence.awareness import AwarenessLimit, AwarenessTable
from server.presence.locks import LockTable, valid_lock_field
from server.rooms.budget import CostBudget, bytes_cost, update_cost
from server.rooms.connection import Connection
from server.rooms.persister import Persister
from server.rooms.remote import (
    Leases,
    RemoteHolder,
    apply_bus_message,
    release_leases,
    take_lease,
)
from server.store.base import OfferRecord, ProposalRecord
from server.wire import (
    COMMAND_TYPES,
    CloseCode,
    Command,
    Error,
    Hello,
    Lock,
    LockEntry,
    Locks,
    MessageType,
    Notice,
    Rejected,
    RequestRelease,
    SyncType,
    Unlock,
    WireError,
    app_frame,
    awareness_frame,
    decode_client_message,
    read_var_bytes,
    read_var_uint,
    sync_frame,
)

log = logging.getLogger("offer_room.room")

#: Runs a negotiation command for a connection (the negotiation layer schedules its own task).
CommandHandler = Callable[["Room", Connection, Command], None]
#: Called after a connection joined, e.g. to replay a stored explanation to a late joiner.
JoinHook = Callable[["Room", Connection], None]


#: Client updates between two rebuilds of a room's doc (see Room._rebuild): rare enough to cost
#: nothing per update, often enough that dead values never outweigh the live ones for long.
REFRESH_EVERY = 1000


class Room:
    def __init__(
        self,
        offer: OfferRecord,
        odoc: OfferDoc,
        config: Config,
        persister: Persister,
        metrics: Metrics,
        link: Link | None = None,
    ) -> None:
        self.offer_id = offer.id
        self.offer = offer
        self.odoc = odoc
        self.config = config
        self.persister = persister
        self.metrics = metrics
        self.guard = Guard(odoc, config.limits)
        self.conns: set[Connection] = set()
        self.awareness = AwarenessTable(
            max_entries=config.awareness_entries_per_room,
            max_per_owner=config.awareness_ids_per_connection,
            max_state_bytes=config.awareness_state_bytes,
        )
        #: The work each user may still make the room do (all viewers share "viewers").
        self._budgets: dict[str, CostBudget] = {}
        #: The encoded document's size: exact after a load or a rebuild, estimated in between
        #: (every accepted update's bytes added).
        self.doc_bytes = len(odoc.doc.get_update())
        self.locks = LockTable(config.lock_ttl_ms)
        #: The proposal awaiting an answer; while there is one the draft is frozen.
        self.pending: ProposalRecord | None = None
        #: Serialises this room's negotiation commands (the store's compare-and-set guards the
        #: cluster; this keeps one node from racing itself between its reads and its writes).
        self.command_lock = asyncio.Lock()
        #: Server-side users (a REST command in flight) that keep the room from being evicted.
        self.holds = 0
        #: Who last changed each field (a cache of the server-only changed_by root).
        self._changers: dict[str, str | None] = {}
        self._changers_generation = -1
        #: Client updates applied since the doc was last rebuilt (see _rebuild).
        self._since_refresh = 0
        self.command_handler: CommandHandler | None = None
        self.join_hook: JoinHook | None = None
        #: This room's handle on the cluster bus (a no-op on a single node).
        self.link: Link = link if link is not None else LocalLink()
        #: Cluster-wide field leases (Redis); None on a single node, where ``locks`` decides.
        self.leases: Leases | None = None
        #: Handlers for bus messages the room does not handle itself ("state", "explain_done").
        self.remote_hooks: dict[str, Callable[[Room, BusMessage], None]] = {}
        if self.link.clustered:
            # Other nodes get an update only once it is durable: if this node dies, whatever
            # they hold is in the store, and what is not yet stored is still with this node's
            # own clients, who send it again when they reconnect elsewhere.
            persister.on_durable = self._publish_update

    @property
    def frozen(self) -> bool:
        return self.pending is not None

    # --- membership --------------------------------------------------------------------------

    def read_only_reason(self, conn: Connection) -> str | None:
        if conn.user.role == "viewer":
            return "You are viewing this offer; only the two parties can edit it."
        if self.offer.status != "open":
            return f"This offer is {self.offer.status}; it can no longer be edited."
        return None

    def budget_for(self, conn: Connection) -> CostBudget:
        """The budget this connection's user spends: kept across reconnects while the room
        lives; every viewer of the offer spends from one."""
        key = "viewers" if conn.user.role == "viewer" else f"user:{conn.user.id}"
        budget = self._budgets.get(key)
        if budget is None:
            budget = CostBudget(self.config.cost_per_second, self.config.cost_burst)
            self._budgets[key] = budget
        return budget

    def seat_refusal(self, conn: Connection) -> tuple[str, str] | None:
        """Why ``conn`` may not join now — (limit, reason) — or None.

        A user's sockets are bounded (a few tabs), and all viewers' together; the parties are
        never counted against the viewers, so a crowd of viewer links cannot lock them out.
        """
        config = self.config
        if sum(1 for c in self.conns if c.user.id == conn.user.id) >= config.sockets_per_user:
            return "sockets_per_user", "too many open connections for this user"
        if conn.user.role == "viewer" and sum(
            1 for c in self.conns if c.user.role == "viewer"
        ) >= config.viewer_sockets_per_offer:
            return "viewer_sockets", "too many viewers in this offer right now"
        return None

    def revoke(self, rule: Revocation) -> None:
        """Close every connection whose token ``rule`` revokes (4401: the link is dead)."""
        for conn in list(self.conns):
            if is_revoked(conn.claims, [rule]):
                conn.send(app_frame(Error(code="token_revoked",
                                          message="This link has been revoked.")))
                conn.close(CloseCode.BAD_TOKEN, "this link was revoked")

    def join(self, conn: Connection) -> None:
        conn.budget = self.budget_for(conn)
        reason = self.read_only_reason(conn)
        conn.send(
            app_frame(
                Hello(
                    offer_id=self.offer_id,
                    user=conn.user,
                    read_only=reason is not None,
                    read_only_reason=reason,
                    lock_ttl_ms=self.config.lock_ttl_ms,
                )
            )
        )
        conn.send(sync_frame(SyncType.STEP1, self.odoc.doc.get_state()))
        states = self.awareness.full_update()
        if states is not None:
            conn.send(awareness_frame(states))
        conn.send(self._locks_frame())
        self.conns.add(conn)
        if self.join_hook is not None:
            self.join_hook(self, conn)

    def leave(self, conn: Connection) -> None:
        self.conns.discard(conn)
        removal = self.awareness.remove_owner(conn)
        if removal is not None:
            self._broadcast(awareness_frame(removal))
            self.link.publish("awareness", removal)
        released = self.locks.release_holder(conn)
        if released:
            self._broadcast(self._locks_frame())
            if self.leases is not None:
                release_leases(self, conn.user.id, released)

    # --- incoming frames ---------------------------------------------------------------------

    def receive(self, conn: Connection, frame: bytes) -> None:
        try:
            kind, pos = read_var_uint(frame, 0)
            if kind == MessageType.SYNC:
                self._on_sync(conn, frame, pos)
            elif kind == MessageType.AWARENESS:
                if self._afford(conn, bytes_cost(len(frame))):
                    payload, _ = read_var_bytes(frame, pos)
                    self._on_awareness(conn, payload)
            elif kind == MessageType.QUERY_AWARENESS:
                states = self.awareness.full_update()
                if states is not None and self._afford(conn, bytes_cost(len(states))):
                    conn.send(awareness_frame(states))
            elif kind == MessageType.APP:
                if self._afford(conn, bytes_cost(len(frame))):
                    payload, _ = read_var_bytes(frame, pos)
                    self._on_app(conn, payload)
            else:
                raise WireError(f"unknown message type {kind}")
        except WireError as exc:
            self.metrics.counters["bad_frames"] += 1
            conn.send(app_frame(Error(code="bad_frame", message=str(exc))))

    def _afford(self, conn: Connection, cost: float) -> bool:
        """Charge the work about to be done; past the budget the connection is closed, the
        work not done (4429: the stock client does not reconnect, and a reconnect would find
        the same empty budget)."""
        if conn.budget.spend(cost):
            return True
        self.metrics.limit_hit("cost")
        log.warning("%s in offer %s is over its work budget; closing", conn.user.id,
                    self.offer_id)
        conn.send(app_frame(Error(code="too_much_work",
                                  message="Too many or too large changes; slow down.")))
        conn.close(CloseCode.TOO_MANY_MESSAGES, "too much work")
        return False

    def _on_sync(self, conn: Connection, frame: bytes, pos: int) -> None:
        sync_type, pos = read_var_uint(frame, pos)
        payload, _ = read_var_bytes(frame, pos)
        if sync_type == SyncType.STEP1:
            # The answer is the whole document the client lacks: priced by what it costs.
            if not self._afford(conn, bytes_cost(self.doc_bytes)):
                return
            try:
                diff = self.odoc.doc.get_update(payload)
            except BaseException as exc:  # pyo3 panics are BaseExceptions
                raise WireError("bad state vector") from exc
            conn.send(sync_frame(SyncType.STEP2, diff))
        elif sync_type == SyncType.STEP2:
            held, conn.held = conn.held, None
            conn.held_size = 0
            self._on_update(conn, payload, resync=True)
            for update in held or ():
                if conn.closing:
                    break
                self._on_update(conn, update)
        elif sync_type == SyncType.UPDATE:
            if conn.held is not None:
                # Until the client's step 2 (its answer to our step 1) arrives, its edits may
                # build on items this node has not seen yet (it just moved here from another
                # node); applied now they would wait as pending structs and integrate unchecked
                # inside a later transaction. Step 2 carries every such item, so wait for it.
                conn.held_size += len(payload)
                if conn.held_size > self.config.held_bytes:
                    self.metrics.limit_hit("held_bytes")
                    conn.close(CloseCode.TOO_MANY_MESSAGES, "too much sent before the sync")
                    return
                conn.held.append(payload)
                return
            self._on_update(conn, payload)
        else:
            raise WireError(f"unknown sync message {sync_type}")

    def _on_update(self, conn: Connection, update: bytes, *, resync: bool = False) -> None:
        try:
            info = read_update(update, self.config.update_items_max)
        except TooComplex as exc:
            # Refused unapplied, so the sender's copy now has what the room does not: it must
            # reload (its later edits would build on the refused ones).
            self.metrics.limit_hit("update_items")
            conn.send(app_frame(Error(code="too_complex", message=str(exc))))
            conn.close(CloseCode.EPOCH_CHANGED, "update too complex; reload")
            return
        if not self._afford(conn, update_cost(info)):
            return
        self._apply_update(conn, update, info, resync=resync)

    def _apply_update(
        self, conn: Connection, update: bytes, info: UpdateInfo, *, resync: bool
    ) -> None:
        if self.guard.outbox:  # never mix another write's updates into this one's net effect
            self.flush_outbox()
        full = False
        if info.structs and self.doc_bytes + info.size > self.config.doc_bytes_max:
            self._rebuild()  # the estimate only grows: measure before refusing anyone
            full = self.doc_bytes + info.size > self.config.doc_bytes_max
            if full:
                self.metrics.limit_hit("doc_bytes")
        ctx = EditContext(
            user_id=conn.user.id,
            role=conn.user.role,
            editable=self.config.field_policy.get(conn.user.role, frozenset()),
            closed=None if self.offer.status == "open" else self.offer.status,
            frozen=self.frozen,
            unavailable=self.persister.failed is not None,
            full=full,
        )
        try:
            rejection = self.guard.apply(update, conn, ctx, self.locks.holder, info)
        except BaseException as exc:  # a malformed update makes pycrdt raise or panic
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            self.guard.outbox.clear()
            raise WireError("malformed Yjs update") from exc
        self.metrics.counters["updates"] += 1
        if rejection is None:
            self._attribute(conn)
            self.doc_bytes += info.size
            self.flush_outbox()
            self._since_refresh += 1
            if self._since_refresh >= REFRESH_EVERY:
                self._rebuild()
            return
        if rejection.code == "out_of_sync":  # refused unapplied: nothing to undo or send
            log.warning("out-of-order update from %s in offer %s", conn.user.id, self.offer_id)
            conn.send(app_frame(Error(code="out_of_sync", message=rejection.reason)))
            conn.close(CloseCode.EPOCH_CHANGED, "out of sync; reload")
            return
        if resync and rejection.code == "server_only":
            # A client resyncing after this node crashed replays the server's own writes the
            # dead process never stored (attribution): compensated, but nothing to tell it.
            self.metrics.counters["replayed_server_writes"] += 1
        else:
            # Queued ahead of the compensation: the sender learns why before the snap-back.
            self._reject(conn, rejection)
        if rejection.code == "server_only":  # only server roots were undone: the rest stands
            self._attribute(conn)
        self._settle_rejected(self.guard.state_before(info))

    def _settle_rejected(self, before: bytes) -> None:
        """Send and store only the net effect of a rejected edit, never its rejected content.

        The raw update and its compensation stay here: relayed, every peer would receive (and
        briefly show) whatever was refused, and the log would keep it. The undo managers keep
        the refused items alive, so the document is rebuilt (which lets Yjs collect them) and
        the difference from before the edit is what everyone, the sender included, receives:
        the sender's refused items as empty ranges, the restored values, the deletions.
        """
        self.guard.outbox = []
        self._rebuild()
        net = self.odoc.doc.get_update(before)
        frame = sync_frame(SyncType.UPDATE, net)
        for other in self.conns:
            other.send(frame)
        self.persister.add(net)

    def _rebuild(self) -> None:
        """Rebuild the live doc from its own state, so what was overwritten can be collected.

        The guard's undo managers must see every client transaction, and yrs never garbage
        collects an item deleted under an undo manager's watch, even after the stack is cleared:
        a field overwritten 10,000 times would keep 10,000 dead values, in memory and in every
        joiner's sync. A fresh doc applying the same state drops them (same items, same ids, and
        the server keeps its client id: the clients notice nothing). Safe here: nothing holds
        the doc across an await, and the guard's outbox was just flushed.
        """
        self._since_refresh = 0
        state = self.odoc.doc.get_update()
        fresh = OfferDoc(Doc(client_id=self.odoc.doc.client_id))
        fresh.doc.apply_update(state)
        self.odoc = fresh
        self.guard = Guard(fresh, self.config.limits)
        self._changers_generation = -1  # re-read changed_by from the new doc
        self.doc_bytes = len(fresh.doc.get_update())

    def _attribute(self, conn: Connection) -> None:
        """Record who changed each field since the last commit (only when it changes hands)."""
        fields = self.guard.touched_fields()
        if self._changers_generation != self.guard.server_writes:
            # Someone else wrote server roots (a commit cleared changed_by): re-read once.
            raw = self.odoc.changed_by.to_py() or {}
            self._changers = {k: _changer(v) for k, v in raw.items()}
            self._changers_generation = self.guard.server_writes
        stale = [f for f in fields if self._changers.get(f) != conn.user.id]
        if stale:
            with self.guard.server_write() as odoc:
                for field in stale:
                    odoc.changed_by[field] = dict(conn.identity)
            for field in stale:
                self._changers[field] = conn.user.id
            self._changers_generation = self.guard.server_writes

    def _reject(self, conn: Connection, rejection: Rejection) -> None:
        self.metrics.rejections[rejection.code] += 1
        log.info("rejected edit by %s: %s %s", conn.user.id, rejection.code, rejection.fields)
        conn.send(
            app_frame(
                Rejected(fields=rejection.fields, reason=rejection.reason, code=rejection.code)
            )
        )

    def flush_outbox(self) -> None:
        """Fan out and persist every update the doc produced since the last flush."""
        outbox = self.guard.outbox
        if not outbox:
            return
        self.guard.outbox = []
        for sender, update in outbox:
            frame = sync_frame(SyncType.UPDATE, update)
            for other in self.conns:
                if other is not sender:
                    other.send(frame)
            if sender is not BUS_ORIGIN:  # another node's update: it stores and publishes it
                self.persister.add(update)

    def _on_awareness(self, conn: Connection, payload: bytes) -> None:
        def same_user(other: object) -> bool:
            return isinstance(other, Connection) and other.user.id == conn.user.id

        try:
            accepted, refused = self.awareness.apply(conn, payload, conn.identity, same_user)
        except AwarenessLimit as exc:
            self.metrics.limit_hit(exc.limit)
            conn.send(app_frame(Error(code="limit", message=str(exc))))
            return
        if accepted is not None:
            # Echoed to the sender too: a browser drops a socket that hears nothing for 30 s.
            self._broadcast(awareness_frame(accepted))
            self.link.publish("awareness", accepted)
        if refused:
            self.metrics.counters["forged_awareness"] += 1
            conn.send(
                app_frame(
                    Error(
                        code="forbidden",
                        message="presence for another participant's client was ignored",
                    )
                )
            )

    # --- app messages ------------------------------------------------------------------------

    def _on_app(self, conn: Connection, payload: bytes) -> None:
        msg = decode_client_message(payload)
        if isinstance(msg, COMMAND_TYPES):
            if self.command_handler is None:
                conn.send(app_frame(Error(code="unsupported", message="commands are off here")))
            else:
                self.command_handler(self, conn, msg)  # type: ignore[arg-type]
            return
        if isinstance(msg, (Lock, Unlock, RequestRelease)) and not valid_lock_field(msg.field):
            conn.send(app_frame(Error(code="bad_field", message=f"unknown field {msg.field!r}",
                                      ref=msg.id)))
            return
        if conn.user.role == "viewer":
            # Whatever user id a viewer's token names (an integrator may reuse a party's), a
            # viewer never takes, releases or asks for a field.
            conn.send(app_frame(Error(code="read_only", message="Viewers can't edit this offer.",
                                      ref=msg.id)))
            return
        if isinstance(msg, Lock):
            self._on_lock(conn, msg)
        elif isinstance(msg, Unlock):
            if self.locks.release(msg.field, conn.user.id):
                self._broadcast(self._locks_frame())
                if self.leases is not None:
                    release_leases(self, conn.user.id, [msg.field])
        elif isinstance(msg, RequestRelease):
            self._on_request_release(conn, msg)

    def _on_lock(self, conn: Connection, msg: Lock) -> None:
        reason = self.read_only_reason(conn)
        if reason is not None:
            conn.send(app_frame(Error(code="read_only", message=reason, ref=msg.id)))
            return
        if self.leases is not None:
            take_lease(self, conn, msg)  # cluster-wide: Redis decides, asynchronously
            return
        renewal = self.locks.holder(msg.field) is not None
        blocker = self.locks.take(msg.field, conn, conn.user.id, conn.user.name)
        if blocker is not None:
            conn.send(
                app_frame(
                    Error(code="locked", message=f"{blocker.user_name} is editing this field.",
                          ref=msg.id)
                )
            )
            conn.send(self._locks_frame())
        elif not renewal:
            self._broadcast(self._locks_frame())

    def _on_request_release(self, conn: Connection, msg: RequestRelease) -> None:
        lease = self.locks.leases.get(msg.field)
        if lease is None or self.locks.holder(msg.field) is None:
            conn.send(self._locks_frame())
            return
        notice = app_frame(
            Notice(
                kind="release_requested",
                text=f"{conn.user.name} asks you to release this field.",
                field=msg.field,
                by=conn.user,
            )
        )
        for other in self.conns:
            if other.user.id == lease.user_id:
                other.send(notice)

    # --- helpers -----------------------------------------------------------------------------

    def close_for_edits(self) -> None:
        """After the offer closed: nobody may hold a field any more."""
        if self.locks.leases:
            self.locks.leases.clear()
            self._broadcast(self._locks_frame())

    def broadcast_app(self, frame: bytes, *, skip_user: str | None = None) -> None:
        """Send an app message to everyone in the room, on every node."""
        for conn in self.conns:
            if conn.user.id != skip_user:
                conn.send(frame)
        self.link.publish("app", frame, skip=skip_user)

    def _publish_update(self, update: bytes) -> None:
        self.link.publish("update", update)

    def receive_bus(self, msg: BusMessage) -> None:
        apply_bus_message(self, msg)

    def broadcast_locks(self) -> None:
        self._broadcast(self._locks_frame())

    def expire_locks(self) -> None:
        if self.locks.expire():
            self._broadcast(self._locks_frame())

    def _locks_frame(self) -> bytes:
        entries = []
        for lease in self.locks.leases.values():
            holder = lease.holder
            if isinstance(holder, (Connection, RemoteHolder)):
                entries.append(
                    LockEntry(
                        field=lease.field,
                        user=holder.user,
                        expires_in_ms=self.locks.remaining_ms(lease),
                    )
                )
        return app_frame(Locks(locks=entries))

    def _broadcast(self, frame: bytes) -> None:
        for conn in self.conns:
            conn.send(frame)


def _changer(value: object) -> str | None:
    return value.get("id") if isinstance(value, dict) else None
