"""A room's Y.Doc and every way it changes, each change sent and stored exactly once.

Three kinds of change reach a document: a participant's edit, checked by the guard; the server's
own write (negotiation steps, attribution); and another node's update, already checked there.
Each produces updates in the guard's outbox, and ``_flush`` drains it at the end of the change
itself — fan-out to the connections (never back to the sender) and hand-over to the persister
(never for another node's update: that node stores it) — so no caller can forget to. A rejected
edit is the exception: only its net effect is sent and stored (``_settle_rejected``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import msgspec
from pycrdt import Doc

from server.bus.base import BUS_ORIGIN
from server.config import Config
from server.crdt.attribution import changer_ids, with_changer
from server.crdt.guard import EditContext, Guard, LockLookup, Rejection
from server.crdt.layout import OfferDoc
from server.crdt.updates import UpdateInfo
from server.metrics import Metrics
from server.offers.terms import Terms
from server.rooms.connection import Connection
from server.rooms.persister import Persister
from server.wire import SyncType, WireError, sync_frame

log = logging.getLogger("offer_room.document")

#: Client updates between two rebuilds of the doc (see RoomDocument._rebuild): rare enough to
#: cost nothing per update, often enough that dead values never outweigh the live ones for long.
REFRESH_EVERY = 1000

_NOBODY: frozenset[str] = frozenset()

#: Read per update: a module constant is a dict lookup, an IntEnum member ~60 ns (issue 17).
_UPDATE = SyncType.UPDATE

#: Sends one update frame to every connection but ``sender`` (None: to every connection).
FanOut = Callable[[bytes, object | None], None]


class RoomDocument:
    def __init__(
        self,
        odoc: OfferDoc,
        config: Config,
        persister: Persister,
        metrics: Metrics,
        fan_out: FanOut,
    ) -> None:
        self._odoc = odoc
        self._config = config
        self._persister = persister
        self._metrics = metrics
        self._fan_out = fan_out
        self._guard = Guard(odoc, config.limits)
        #: The encoded document's size: exact after a load or a rebuild, estimated in between
        #: (every accepted update's bytes added).
        self.size = len(odoc.doc.get_update())
        #: Client updates applied since the doc was last rebuilt.
        self._since_rebuild = 0
        #: The draft as last read (None: read it in full next time); see ``draft``.
        self._draft: Terms | None = None
        #: Who changed each field since the last commit (a cache of the changed_by root's ids).
        self._changers: dict[str, frozenset[str]] = {}
        self._changers_generation = -1

    @property
    def odoc(self) -> OfferDoc:
        """The live document with every accepted edit in it (the guard applies the ones it
        deferred first: see server/crdt/guard.py)."""
        self._guard.settle()
        return self._odoc

    def draft(self) -> Terms:
        """The draft as terms; raises TermsInvalid when the document does not hold valid ones.

        Read in full only when the doc changed in a way the guard did not check value by value;
        after checked edits alone (one value set, the commonest edit), the last copy is patched
        with the values the guard checked, and the edits stay unapplied (the doc is not read).
        The assistant reads the draft about once a second in every busy room (issue 17: a full
        read was a third of its check, and applying the edits it waited for a fifth).
        """
        if self._draft is not None:
            values = self._guard.take_checked()
            if values is not None:
                if values:
                    self._draft = msgspec.structs.replace(self._draft, **values)
                return self._draft
            self._draft = None  # first: should settling or reading fail, the next read is whole
        odoc = self.odoc  # settled: every edit is in what is read below
        self._guard.take_checked()  # the full read covers them
        self._draft = odoc.read_terms(self._config.limits)
        return self._draft

    # --- the server's writes ---------------------------------------------------------------

    @contextmanager
    def server_write(self) -> Iterator[OfferDoc]:
        """One transaction by the server itself: never checked, sent to everyone and stored when
        the block ends."""
        with self._guard.server_write() as odoc:
            yield odoc
        self._flush()

    def apply_trusted(self, update: bytes) -> None:
        """An update another node's guard accepted (or the store holds): applied unchecked, sent
        to this node's connections, never stored or published again."""
        self._guard.apply_trusted(update, BUS_ORIGIN)
        self._flush()

    # --- a participant's edit --------------------------------------------------------------

    def would_overflow(self, info: UpdateInfo) -> bool:
        """Whether an update adding content would take the doc past its size limit (measured
        exactly, by a rebuild, before anyone is refused: the estimate only grows)."""
        if not info.structs or self.size + info.size <= self._config.doc_bytes_max:
            return False
        self._rebuild()
        return self.size + info.size > self._config.doc_bytes_max

    def apply_edit(
        self,
        conn: Connection,
        update: bytes,
        info: UpdateInfo,
        ctx: EditContext,
        lock_holder: LockLookup,
        *,
        announce: Callable[[Rejection], None],
    ) -> Rejection | None:
        """Apply ``conn``'s update through the guard; on a rejection ``announce`` tells the
        sender why (or not) before its compensation goes out. Raises WireError for bytes that
        are not an update pycrdt can apply."""
        try:
            rejection = self._guard.apply(update, conn, ctx, lock_holder, info)
        except BaseException as exc:  # a malformed update makes pycrdt raise or panic
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            self._guard.outbox.clear()
            raise WireError("malformed Yjs update") from exc
        if rejection is None:
            self._attribute(conn)
            self.size += info.size
            self._flush()
            self._since_rebuild += 1
            if self._since_rebuild >= REFRESH_EVERY:
                self._rebuild()
            return None
        if rejection.code == "out_of_sync":  # refused unapplied: nothing to undo or send
            return rejection
        announce(rejection)
        if rejection.code == "server_only":  # only server roots were undone: the rest stands
            self._attribute(conn)
        self._settle_rejected(self._guard.state_before(info))
        return rejection

    def _settle_rejected(self, before: bytes) -> None:
        """Send and store only the net effect of a rejected edit, never its rejected content.

        The raw update and its compensation stay here: relayed, every peer would receive (and
        briefly show) whatever was refused, and the log would keep it. The undo managers keep
        the refused items alive, so the document is rebuilt (which lets Yjs collect them) and
        the difference from before the edit is what everyone, the sender included, receives:
        the sender's refused items as empty ranges, the restored values, the deletions.
        """
        self._guard.outbox = []
        self._rebuild()
        net = self.odoc.doc.get_update(before)
        self._fan_out(sync_frame(SyncType.UPDATE, net), None)
        self._persister.add(net)

    def touched_fields(self) -> list[str]:
        return self._guard.touched_fields()

    # --- internals -------------------------------------------------------------------------

    def _flush(self) -> None:
        """Send and store every update the doc produced since the last flush."""
        outbox = self._guard.outbox
        if not outbox:
            return
        self._guard.outbox = []
        for sender, update in outbox:
            self._fan_out(sync_frame(_UPDATE, update), sender)
            if sender is not BUS_ORIGIN:  # another node's update: it stores and publishes it
                self._persister.add(update)

    def _rebuild(self) -> None:
        """Rebuild the live doc from its own state, so what was overwritten can be collected.

        The guard's undo managers must see every client transaction, and yrs never garbage
        collects an item deleted under an undo manager's watch, even after the stack is cleared:
        a field overwritten 10,000 times would keep 10,000 dead values, in memory and in every
        joiner's sync. A fresh doc applying the same state drops them (same items, same ids, and
        the server keeps its client id: the clients notice nothing). Safe here: nothing holds
        the doc across an await, and the guard's outbox is empty.
        """
        self._since_rebuild = 0
        state = self.odoc.doc.get_update()
        fresh = OfferDoc(Doc(client_id=self.odoc.doc.client_id))
        fresh.doc.apply_update(state)
        self._odoc = fresh
        self._guard = Guard(fresh, self._config.limits)
        self._changers_generation = -1  # re-read changed_by from the new doc
        self.size = len(fresh.doc.get_update())

    def _attribute(self, conn: Connection) -> None:
        """Name ``conn`` among those who changed each touched field since the last commit (only
        the first time they do: one server write per field and party per commit window)."""
        guard = self._guard
        me = conn.user.id
        key = guard.checked_key
        if (key is not None and self._changers_generation == guard.server_writes
                and me in self._changers.get(key, _NOBODY)):
            return  # the commonest case, decided without listing the fields (issue 17)
        fields = guard.touched_fields()
        if self._changers_generation != guard.server_writes:
            # Someone else wrote server roots (a commit cleared changed_by): re-read once.
            raw = self.odoc.changed_by.to_py() or {}
            self._changers = {k: changer_ids(v) for k, v in raw.items()}
            self._changers_generation = guard.server_writes
        stale = [f for f in fields if me not in self._changers.get(f, _NOBODY)]
        if stale:
            with guard.server_write() as odoc:
                for field in stale:
                    entry = with_changer(odoc.changed_by.get(field), conn.identity)
                    if entry is not None:
                        odoc.changed_by[field] = entry
            for field in stale:
                self._changers[field] = self._changers.get(field, _NOBODY) | {me}
            self._changers_generation = guard.server_writes
