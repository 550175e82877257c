"""A live offer room: its document, its connections, presence, locks and the work they may cost.

Everything here runs on the event loop thread (pycrdt holds the GIL and a Doc must stay on one
thread) and ``receive`` never awaits: a frame is priced, parsed, applied through the guard, and
the results are written to every other connection's transport and handed to the persister.

What the layers above may use (docs/ARCHITECTURE.md, "The room's API"):

- ``offer_id``, ``offer``, ``pending``: the negotiation state the room enforces (an open offer,
  a draft frozen while a proposal is pending). The negotiation layer sets ``offer`` and
  ``pending`` after each durable step, and calls ``close_for_edits`` when the offer closed.
- ``command_lock`` serialises a room's commands; ``holds`` keeps it loaded for server work.
- ``draft()`` reads the draft as terms; ``server_write()`` is the one way to change the document.
- ``broadcast_app``, ``send_each``, ``send_to_user`` and ``publish`` reach the participants and
  the other nodes; ``present`` says whether a user has a socket in the room on any node.

The socket uses ``seat_refusal``, ``join``, ``leave`` and ``receive``; the registry
``expire_locks``, ``receive_bus`` and ``revoke``. Nothing is attached to a room after it exists:
its hooks, its link to the cluster and its tasks come with its construction.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from server.auth import Revocation, is_revoked
from server.bus.base import BusMessage, Kind, Leases, Link, PresenceBoard
from server.bus.local import LocalBoard, LocalLink
from server.config import Config
from server.crdt.guard import EditContext, Rejection
from server.crdt.layout import OfferDoc
from server.crdt.updates import TooComplex, read_update
from server.metrics import Metrics
from server.offers.limits import Limits
from server.offers.terms import Terms
from server.presence.awareness import AwarenessLimit, AwarenessTable
from server.presence.locks import LockTable
from server.rooms.budget import CostBudget, bytes_cost, update_cost
from server.rooms.cluster import ClusterSide
from server.rooms.connection import Connection
from server.rooms.document import RoomDocument
from server.rooms.field_locks import FieldLocks
from server.rooms.hooks import NoHooks, RoomHooks
from server.rooms.persister import Persister
from server.store.base import OfferRecord, ProposalRecord
from server.tasks import Tasks
from server.wire import (
    ASSIST_COMMAND_TYPES,
    COMMAND_TYPES,
    THREAD_COMMAND_TYPES,
    CloseCode,
    Error,
    Features,
    Hello,
    Lock,
    MessageType,
    PolicyLimits,
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


def policy_limits(limits: Limits) -> PolicyLimits:
    """What a client needs to check a draft at the field as the server will when it is proposed."""
    return PolicyLimits(
        hourly_rate_min=limits.hourly_rate_min, fixed_price_min=limits.fixed_price_min,
        milestone_min=limits.milestone_min, money_max=limits.money_max,
        weekly_limit_min=limits.weekly_limit_min, weekly_limit_max=limits.weekly_limit_max,
    )


_NO_FIELDS: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=16)
def _lock_fields(names: tuple[str, ...]) -> frozenset[str]:
    """One frozenset for every room with the same setting: one per room cost 216 bytes."""
    return frozenset(names)


class Room:
    def __init__(
        self,
        offer: OfferRecord,
        odoc: OfferDoc,
        config: Config,
        persister: Persister,
        metrics: Metrics,
        *,
        link: Link | None = None,
        leases: Leases | None = None,
        hooks: RoomHooks | None = None,
        tasks: Tasks | None = None,
        board: PresenceBoard | None = None,
    ) -> None:
        self.offer_id = offer.id
        #: The offer as the store last committed it (status, version, agreed terms).
        self.offer = offer
        #: The proposal awaiting an answer; while there is one the draft is frozen.
        self.pending: ProposalRecord | None = None
        #: Serialises this room's negotiation commands (the store's compare-and-set guards the
        #: cluster; this keeps one node from racing itself between its reads and its writes).
        self.command_lock = asyncio.Lock()
        #: Server-side users (a REST command in flight) that keep the room from being evicted.
        self.holds = 0
        self.config = config
        self.persister = persister
        self.metrics = metrics
        self.hooks: RoomHooks = hooks if hooks is not None else NoHooks()
        self.conns: set[Connection] = set()
        self.document = RoomDocument(odoc, config, persister, metrics, self._fan_out)
        self.awareness = AwarenessTable(
            max_entries=config.awareness_entries_per_room,
            max_per_owner=config.awareness_ids_per_connection,
            max_state_bytes=config.awareness_state_bytes,
        )
        self.locks = LockTable(config.lock_ttl_ms, idle_ms=config.lock_idle_ms,
                               fields=_lock_fields(config.lock_fields))
        self.field_locks = FieldLocks(self, self.locks)
        self.cluster = ClusterSide(self, link if link is not None else LocalLink(), leases,
                                   tasks if tasks is not None else Tasks(),
                                   board if board is not None else LocalBoard())
        #: The work each user may still make the room do (all viewers share "viewers").
        self._budgets: dict[str, CostBudget] = {}

    @property
    def odoc(self) -> OfferDoc:
        """The live document (read it; change it only through ``server_write``)."""
        return self.document.odoc

    @property
    def frozen(self) -> bool:
        return self.pending is not None

    # --- the API for the layers above ----------------------------------------------------------

    def draft(self) -> Terms:
        """The draft as terms; raises TermsInvalid when the document does not hold valid ones."""
        return self.document.draft()

    @contextmanager
    def server_write(self) -> Iterator[OfferDoc]:
        """The one way for server code to change the document: everything the block writes is
        one update, sent to every participant and handed to the store when the block ends."""
        with self.document.server_write() as odoc:
            yield odoc

    def broadcast_app(self, frame: bytes, *, skip_user: str | None = None) -> None:
        """Send an app message to everyone in the room, on every node."""
        for conn in self.conns:
            if conn.user.id != skip_user:
                conn.send(frame)
        self.cluster.publish("app", frame, skip=skip_user)

    def send_each(self, frame_for: Callable[[Connection], bytes | None]) -> None:
        """Send each of this node's connections its own frame (or none): what one participant
        may see and another may not, such as risk flags."""
        for conn in self.conns:
            frame = frame_for(conn)
            if frame is not None:
                conn.send(frame)

    def send_to_user(self, user_id: str, frame: bytes) -> None:
        """Send a frame to every connection of one user, on every node (their other tabs)."""
        for conn in self.conns:
            if conn.user.id == user_id:
                conn.send(frame)
        self.cluster.publish("app", frame, target=user_id)

    def publish(self, kind: Kind, data: bytes) -> None:
        """Tell the other nodes holding this room (a hint to re-read state, an explanation)."""
        self.cluster.publish(kind, data)

    async def present(self, user_id: str) -> bool:
        """Whether ``user_id`` has a socket in this room, on this node or another."""
        if any(conn.user.id == user_id for conn in self.conns):
            return True
        return await self.cluster.elsewhere(user_id)

    @property
    def features(self) -> Features:
        """What this offer's experiment variant switches on (server/experiments.py)."""
        return self.config.variants.features(self.offer.variant)

    def close_for_edits(self) -> None:
        """After the offer closed: nobody may hold a field any more."""
        self.field_locks.clear()

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
        conn.send(app_frame(Hello(offer_id=self.offer_id, user=conn.user,
                                  read_only=reason is not None, read_only_reason=reason,
                                  lock_ttl_ms=self.config.lock_ttl_ms,
                                  lock_idle_ms=self.config.lock_idle_ms,
                                  lock_fields=list(self.config.lock_fields),
                                  limits=policy_limits(self.config.limits),
                                  variant=self.offer.variant, features=self.features)))
        conn.send(sync_frame(SyncType.STEP1, self.odoc.doc.get_state()))
        states = self.awareness.full_update()
        if states is not None:
            conn.send(awareness_frame(states))
        conn.send(self.field_locks.frame())
        self.conns.add(conn)
        self.hooks.joined(self, conn)

    def leave(self, conn: Connection) -> None:
        self.conns.discard(conn)
        removal = self.awareness.remove_owner(conn)
        if removal is not None:
            self.broadcast(awareness_frame(removal))
            self.cluster.publish("awareness", removal)
        self.field_locks.release_holder(conn)

    # --- incoming frames ---------------------------------------------------------------------

    def receive(self, conn: Connection, frame: bytes) -> None:
        try:
            size = len(frame)
            if size > 3 and frame[0] == 0 and frame[1] == 2 and frame[2] == size - 3 < 0x80:
                # A sync update whose length is one varint byte (a keystroke, a value set):
                # most messages, read without the general parser (issue 17).
                self._sync_update(conn, frame[3:])
                return
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
            self.metrics.count("bad_frames")
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
            if not self._afford(conn, bytes_cost(self.document.size)):
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
            self._sync_update(conn, payload)
        else:
            raise WireError(f"unknown sync message {sync_type}")

    def _sync_update(self, conn: Connection, payload: bytes) -> None:
        if conn.held is not None:
            # Until the client's step 2 (its answer to our step 1) arrives, its edits may build
            # on items this node has not seen yet (it just moved here from another node);
            # applied now they would wait as pending structs and integrate unchecked inside a
            # later transaction. Step 2 carries every such item, so wait for it.
            conn.held_size += len(payload)
            if conn.held_size > self.config.held_bytes:
                self.metrics.limit_hit("held_bytes")
                conn.close(CloseCode.TOO_MANY_MESSAGES, "too much sent before the sync")
                return
            conn.held.append(payload)
            return
        self._on_update(conn, payload)

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
        full = self.document.would_overflow(info)
        if full:
            self.metrics.limit_hit("doc_bytes")
        ctx = EditContext(
            user_id=conn.user.id,
            role=conn.user.role,
            editable=self.config.field_policy.get(conn.user.role, _NO_FIELDS),
            closed=None if self.offer.status == "open" else self.offer.status,
            frozen=self.pending is not None,
            unavailable=self.persister.failed is not None,
            full=full,
        )

        def announce(rejection: Rejection) -> None:
            if resync and rejection.code == "server_only":
                # A client resyncing after this node crashed replays the server's own writes the
                # dead process never stored (attribution): compensated, nothing to tell it.
                self.metrics.count("replayed_server_writes")
            else:
                self._reject(conn, rejection)

        rejection = self.document.apply_edit(conn, update, info, ctx, self.locks.holder,
                                             announce=announce)
        self.metrics.count("updates")
        if rejection is None or rejection.code == "server_only":
            self.hooks.edited(self)
        if rejection is not None and rejection.code == "out_of_sync":
            log.warning("out-of-order update from %s in offer %s", conn.user.id, self.offer_id)
            conn.send(app_frame(Error(code="out_of_sync", message=rejection.reason)))
            conn.close(CloseCode.EPOCH_CHANGED, "out of sync; reload")

    def _reject(self, conn: Connection, rejection: Rejection) -> None:
        self.metrics.rejected(rejection.code)
        log.info("rejected edit by %s: %s %s", conn.user.id, rejection.code, rejection.fields)
        conn.send(app_frame(Rejected(fields=rejection.fields, reason=rejection.reason,
                                     code=rejection.code)))

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
            self.broadcast(awareness_frame(accepted))
            self.cluster.publish("awareness", accepted)
        if refused:
            self.metrics.count("forged_awareness")
            conn.send(app_frame(Error(code="forbidden",
                                      message="presence for another participant's client was "
                                              "ignored")))

    def _on_app(self, conn: Connection, payload: bytes) -> None:
        msg = decode_client_message(payload)
        if isinstance(msg, (*COMMAND_TYPES, *THREAD_COMMAND_TYPES, *ASSIST_COMMAND_TYPES)):
            self.hooks.command(self, conn, msg)  # type: ignore[arg-type]
        elif isinstance(msg, (Lock, Unlock, RequestRelease)):
            self.field_locks.on_message(conn, msg)

    # --- the registry's and the cluster's side -------------------------------------------------

    def receive_bus(self, msg: BusMessage) -> None:
        self.cluster.receive(msg)

    def apply_trusted(self, update: bytes) -> None:
        """An update another node accepted: applied unchecked, sent to this node's connections."""
        self.document.apply_trusted(update)
        self.hooks.edited(self)

    async def resync(self, msg: BusMessage) -> None:
        """Re-read the document from the store (the bus may have lost messages), then let the
        layers above re-read their state."""
        state = await self.persister.stored()
        for update in ([state.snapshot] if state.snapshot else []) + state.updates:
            self.document.apply_trusted(update)
        self.hooks.remote(self, msg)

    def expire_locks(self) -> None:
        self.field_locks.expire()

    def broadcast_locks(self) -> None:
        self.field_locks.broadcast()

    def broadcast(self, frame: bytes) -> None:
        """Send a frame to every connection on this node."""
        for conn in self.conns:
            conn.send(frame)

    def _fan_out(self, frame: bytes, sender: object | None) -> None:
        for conn in self.conns:
            if conn is not sender:
                conn.send(frame)
