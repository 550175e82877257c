"""The update guard: the server is the authority over every edit (docs/PROTOCOL.md, "Edits").

A client's update is applied inside a transaction whose origin is its connection, while deep
observers record which roots and fields it touched. Then the rules are checked. A violation is
undone at once by a compensating transaction (pycrdt's UndoManager restores map keys, text and
array items alike) and both updates go out, so every replica — the sender's too — converges on the
valid state. An update is never dropped: the sender would diverge forever.

The commonest edit — one party setting one value (a rate, a date, a title) — is decided before it
is applied (``_checked_scalar``): its field is named by the item it follows, its value read from
its bytes, so it needs no recording, no undo capture and no compensation, and Yjs can collect the
value it overwrote. Anything else, and every rejection, takes the general path above.

Such a checked edit is not even applied at once: its bytes go out as they came, and it waits in
``_deferred`` until something reads the document (``settle``), or ``SETTLE_AFTER`` of them wait.
Applying one update costs a transaction — yrs's commit and clean-up, the update encoded again for
the observer, the Python objects around it — about as much as the rest of the edit's path; a
busy room pays it once per read instead of once per keystroke (issue 17). Reading the draft is
not reading the document: the values the checked edits set are known (``take_checked``). Only
updates whose every id the guard already knows are deferred (see ``_checked_scalar``), so yrs
cannot refuse one later.

Every update the doc produces, whoever caused it, lands in ``outbox`` tagged with the connection
that sent it (or None for the server), for the room to fan out and persist; a deferred edit lands
there as its own bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import msgspec
from pycrdt import Array, Map, TransactionEvent, UndoManager

from server.crdt.layout import PARTY_ROOTS, SERVER_ROOTS, OfferDoc
from server.crdt.updates import UpdateInfo, decode_state_vector, read_update
from server.offers.checks import FieldError, check_milestone, check_scalar
from server.offers.limits import Limits
from server.wire import write_var_uint

_EMPTY_UPDATE = b"\x00\x00"
_REQUIRED = frozenset({"title", "contract_type", "currency"})
#: Transaction origin of every client update (a string: pycrdt hashes origins).
_CLIENT_ORIGIN = "client"
#: JavaScript's largest safe integer: what a Yjs client can send as a number.
_SAFE_INTEGER = float(2**53)
#: Checked edits that may wait unapplied (see the module's docstring): ~60 bytes each, in busy
#: rooms only; at most this many are applied in one transaction.
SETTLE_AFTER = 32
#: Origin of the transaction that applies the deferred edits: no undo manager includes it, and
#: the observer passes it over (its updates were sent and stored as they came).
_SETTLE_HASH = hash("client-settled")
#: What a terms key may hold: JSON scalars (raw observer events show nested types as pyo3 objects).
_PLAIN = (str, int, float, bool, type(None))
_KNOWN_ROOTS = frozenset(PARTY_ROOTS + SERVER_ROOTS)


class EditContext(msgspec.Struct, frozen=True):
    """Who is editing and what the room allows right now."""

    user_id: str
    role: str
    editable: frozenset[str]
    #: None when the offer is open, otherwise why it is closed ("agreed", "expired", …).
    closed: str | None = None
    #: True while a proposal is pending (the draft is frozen).
    frozen: bool = False
    #: True while edits cannot be made durable (the store is failing): refuse, don't pretend.
    unavailable: bool = False
    #: True when the room's document is at its size limit: inserts are refused, deletions pass.
    full: bool = False


class Rejection(msgspec.Struct, frozen=True):
    # server_only | out_of_sync | read_only | forbidden | closed | unavailable | frozen | locked
    # | too_large | invalid
    code: str
    fields: list[str]
    reason: str


#: The empty record every guard starts from and returns to (see Guard._reset_record).
_NOTHING: frozenset[str] = frozenset()
#: No checked values since the last ``take_checked``: shared and never written to (a room whose
#: draft is read but not edited allocates nothing).
_NO_VALUES: dict[str, Any] = {}


def _added(record: set[str] | frozenset[str], item: str) -> set[str]:
    """``record`` with ``item``: the shared empty stand-in becomes a set of the guard's own."""
    if isinstance(record, set):
        record.add(item)
        return record
    return {item}


#: Looks up who holds the lease on a lock field: (user id, display name) or None.
LockLookup = Callable[[str], tuple[str, str] | None]


class Guard:
    def __init__(self, odoc: OfferDoc, limits: Limits) -> None:
        self._odoc = odoc
        self._limits = limits
        self.outbox: list[tuple[object | None, bytes]] = []
        #: Counts server transactions, so caches of server-only roots know when to re-read.
        self.server_writes = 0
        self._sender: object | None = None
        self._recording = False
        #: Checked edits not applied yet, in arrival order (None: none; see ``settle``).
        self._deferred: list[bytes] | None = None
        #: True while ``settle`` applies them: sent and stored already, nothing to record.
        self._settling = False
        #: The terms keys checked edits set since ``take_checked`` was last called, each with
        #: the value it holds now (``check_scalar``'s); None once any other transaction changed
        #: the doc too (``_on_transaction``), so a reader's copy of the draft must be read again
        #: in full. A key's last checked set is its value in the doc, applied or not: each
        #: followed the key's current item, so none can lose to another (see ``_remember_item``).
        self._checked_values: dict[str, Any] | None = None
        #: ``check_scalar``'s value of the update ``_checked_scalar`` last accepted.
        self._checked_value: Any = None
        #: The terms key the last client update set when it took the checked path (then it is
        #: all ``touched_fields`` holds); None after any other.
        self.checked_key: str | None = None
        # The record's sets stay empty stand-ins (_NOTHING) until an observer adds to them:
        # three empty sets cost every room 648 bytes (tracemalloc, 2,000 idle rooms).
        self._terms_keys: set[str] | frozenset[str] = _NOTHING
        #: The general path recorded into the sets below since they were last reset: the fast
        #: path resets them only then (issue 17: most edits follow a fast one, nothing to clear).
        self._recorded = False
        #: key -> (present after the update, its new value), from the terms observer.
        self._terms_new: dict[str, tuple[bool, Any]] = {}
        self._server_roots: set[str] | frozenset[str] = _NOTHING
        self._description = False
        self._description_nul = False
        self._milestone_rows: set[str] | frozenset[str] = _NOTHING
        self._row_maps: dict[str, tuple[int, Map[Any]]] = {}
        self._row_events: list[tuple[int, Any]] = []
        self._milestone_structure = False
        self._milestone_id_changed = False
        self._milestone_ids = self._current_milestone_ids()
        self._foreign: dict[str, tuple[Map[Any], Array[Any]]] = {}
        self._root_count: int | None = None
        self._description_len = 0
        self._inserts = False
        #: The server's own clock before the last client update (see state_before).
        self._server_before = 0
        #: client id -> next clock this doc holds (its state vector, kept up to date here so
        #: the per-update dependency check never decodes the whole vector).
        self._known = decode_state_vector(odoc.doc.get_state())
        #: Item id -> the terms key it holds, for the last scalar set of each key this guard
        #: accepted: an item keeps its key for life, and a new map entry after it goes to the
        #: same key, so an update setting one value after a known item names its field without
        #: being applied. ``_key_items`` is the reverse, to forget the item a set replaced. Only
        #: sets the guard accepted are remembered, so both hold at most one entry per field a
        #: party may edit.
        self._term_items: dict[tuple[int, int], str] = {}
        self._key_items: dict[str, tuple[int, int]] = {}
        # Subscriptions must stay referenced or pycrdt stops calling them.
        self._subs = [odoc.doc.observe(self._on_transaction)]
        #: The general path's recording observers and undo managers, made at its first use:
        #: a room whose edits all take the fast path (or that is only read) never pays their
        #: ~8 KB (measured: 4,000 idle sockets in 2,000 rooms).
        self._undo: tuple[UndoManager, UndoManager] | None = None

    def _instruments(self) -> tuple[UndoManager, UndoManager]:
        """The undo managers (party roots, server roots), with the recording observers."""
        if self._undo is not None:
            return self._undo
        odoc = self._odoc
        # Raw events throughout, not pycrdt's converted ones: conversion computes every field
        # of an event (a text's delta walks the text from its start) and costs most of an
        # update's budget; the guard reads only what it needs.
        self._subs += [
            odoc.terms.integrated.observe(self._on_terms),
            odoc.description.integrated.observe(self._on_description),
            odoc.milestones.integrated.observe_deep(self._on_milestones),
        ]
        for name in SERVER_ROOTS:
            root = odoc.roots()[name]
            self._subs.append(root.integrated.observe_deep(self._server_root_observer(name)))
        # Two undo scopes, so a rejected change to a server root never costs the same update's
        # valid party edits: after a crash, a reconnecting client replays server-written
        # attribution the dead process never persisted, bundled with its own offline edits.
        roots = odoc.roots()
        party = UndoManager(scopes=[roots[n] for n in PARTY_ROOTS], capture_timeout_millis=0)
        server = UndoManager(scopes=[roots[n] for n in SERVER_ROOTS], capture_timeout_millis=0)
        for manager in (party, server):
            manager.include_origin(_CLIENT_ORIGIN)
        self._undo = (party, server)
        return self._undo

    # --- observers: record only, never write (pycrdt forbids writes inside observers) -------

    def _on_transaction(self, event: TransactionEvent) -> None:
        if self._settling:
            return
        update = event.update
        if update != _EMPTY_UPDATE:
            # Any change but the deferred edits' own (a general-path edit, its compensation, a
            # server write, another node's update): a reader's draft must be read in full.
            self._checked_values = None
            self.outbox.append((self._sender, update))
            if self._sender is None or not self._recording:
                # Server writes, compensations and other nodes' updates: a client's own
                # transaction is accounted for in apply(), from the update already parsed.
                read_update(update).advance(self._known)

    def _on_terms(self, event: Any) -> None:
        if self._recording:
            # The event carries the new values: checking them needs no second read of the doc.
            for key, change in event.keys.items():
                self._touch_term(key)
                self._terms_new[key] = (change.get("action") != "delete", change.get("newValue"))

    def _on_description(self, event: Any) -> None:
        if self._recording:
            self._description = True

    def _on_milestones(self, events: list[Any]) -> None:
        if not self._recording:
            return
        for event in events:
            path = event.path
            if not path:
                self._milestone_structure = True
                continue
            keys = getattr(event, "keys", {})
            if "id" in keys:
                self._milestone_id_changed = True
                old = keys["id"].get("oldValue")
                if old is not None:
                    self._touch_row(str(old))
            # Reading the row needs a transaction, which a raw callback (mid-commit) has not:
            # keep the row's map and index, and read it once the transaction is over.
            self._row_events.append((int(path[0]), event.target))

    def _collect_rows(self) -> None:
        for index, raw in self._row_events:
            target: Map[Any] = Map(_integrated=raw, _doc=self._odoc.doc)
            row = str(target.get("id"))
            self._touch_row(row)
            # The row's map and index, so checking it needs no walk over the whole array.
            self._row_maps[row] = (index, target)

    def _server_root_observer(self, name: str) -> Callable[[list[Any]], None]:
        def observer(events: list[Any]) -> None:
            if self._recording:
                self._server_roots = _added(self._server_roots, name)

        return observer

    # --- the public operations -----------------------------------------------------------

    def settle(self) -> None:
        """Apply the deferred edits, in one transaction: call before reading the document."""
        deferred = self._deferred
        if deferred is None:
            return
        self._deferred = None
        doc = self._odoc.doc
        # pycrdt's own transaction object (origin registry, leases, locks) costs about as much
        # as applying an update: the raw one does the same here, where nothing else is open.
        assert doc._txn is None, "the document was read inside a transaction with edits waiting"
        raw = doc._doc.create_transaction_with_origin(_SETTLE_HASH)
        self._settling = True
        try:
            for update in deferred:
                doc._doc.apply_update(raw, update)
            raw.commit()
        finally:
            raw.drop()
            self._settling = False
        if doc._exceptions:  # an observer failed: as pycrdt's transaction would, raise
            errors = tuple(doc._exceptions)
            doc._exceptions.clear()
            raise ExceptionGroup("Observer callback error", errors)

    def take_checked(self) -> Mapping[str, Any] | None:
        """The terms keys that checked edits alone have set since the last call, with the
        values they hold (``check_scalar``'s, read without applying the edits), or None when the
        doc changed in any other way since (a general-path edit, a server write, another node's
        update, a new guard)."""
        values, self._checked_values = self._checked_values, _NO_VALUES
        return values

    @contextmanager
    def server_write(self) -> Iterator[OfferDoc]:
        """A transaction by the server itself (never checked, fanned out to everyone)."""
        self.settle()
        self._sender = None
        with self._odoc.doc.transaction(origin="server"):
            yield self._odoc
        self._milestone_ids = self._current_milestone_ids()
        self.server_writes += 1

    def apply_trusted(self, update: bytes, origin: object) -> None:
        """Apply an update another node's guard already checked (or the store holds)."""
        self.settle()  # it may build on the deferred edits, which that node has seen
        self._sender = origin
        try:
            with self._odoc.doc.transaction(origin=origin):
                self._odoc.doc.apply_update(update)
        finally:
            self._sender = None
        self._milestone_ids = self._current_milestone_ids()

    def apply(
        self,
        update: bytes,
        sender: object,
        ctx: EditContext,
        lock_holder: LockLookup,
        info: UpdateInfo | None = None,
    ) -> Rejection | None:
        """Apply a client's update; undo it and say why when it breaks a rule.

        ``info`` is the update already read by the caller (who priced it); read here otherwise.
        """
        if info is None:
            info = read_update(update)
        if info.missing_dependencies(self._known):
            # Refused unapplied: see server.crdt.updates for why pending items are never let in.
            return Rejection("out_of_sync", ["document"],
                             "Your copy is out of sync with the room; reload the page.")
        if not info.structs and not info.ranges:
            # Nothing to apply: the sync step 2 of a client that brought nothing new.
            self._reset_record()
            self.checked_key = None
            return None
        key = self.checked_key = self._checked_scalar(info, ctx, lock_holder)
        if key is not None:
            self._defer_checked(update, sender, info, key)
            return None
        self.settle()
        managers = self._instruments()
        self._reset_record()
        self._recorded = True
        self._description_nul = info.inserts_nul
        self._inserts = info.structs > 0
        self._server_before = self._known.get(self._odoc.doc.client_id, 0)
        self._sender = sender
        self._recording = True
        try:
            # One origin for every client transaction, included in the undo managers once:
            # which connection sent it is tracked in _sender, not re-registered per update.
            doc = self._odoc.doc
            with doc.transaction(origin=_CLIENT_ORIGIN) as txn:
                # The raw calls under pycrdt's Doc.apply_update and len(Text), on our one
                # transaction: each wrapper would open (and close) a nested transaction object.
                raw = txn._txn
                assert raw is not None
                doc._doc.apply_update(raw, update)
                self._root_count = len(doc._doc.roots(raw))
                self._description_len = self._odoc.description.integrated.len(raw)
        finally:
            self._recording = False
        info.advance(self._known)
        if self._row_events:
            self._collect_rows()
        server_rejection = self._check_server_roots()
        party_rejection = self._check_party(ctx, lock_holder, self._touched_rows())
        self._sender = None
        if server_rejection is not None:
            self._compensate_server()
        if party_rejection is not None:
            # undo() opens its own transaction, so it cannot run inside ours.
            managers[0].undo()
        if self._milestone_structure:  # ids only change with the array's structure
            self._milestone_ids = self._current_milestone_ids()
        for manager in managers:
            manager.clear()
        rejection = party_rejection or server_rejection
        if rejection is None and info.scalar is not None and self._only_terms_key():
            # Its item now names its key: the same party's next set of it takes the fast path.
            self._remember_item(info.scalar.client, info.scalar.clock, next(iter(self._terms_keys)))
        return rejection

    def _checked_scalar(
        self, info: UpdateInfo, ctx: EditContext, lock_holder: LockLookup
    ) -> str | None:
        """The terms key ``info`` sets, when every rule can be checked before applying it and
        none is broken; None sends the update down the general path (apply, observe, check,
        compensate), which is also the one that words every rejection.

        The commonest edit, one party setting one value (a rate, a date, a title), is one
        ContentAny struct whose left origin is the key's current item and a delete set of that
        item. Its key is known from the origin (``_term_items``), its value from the bytes.
        """
        scalar = info.scalar
        # Every range of the delete set must name an item (an empty one may carry any clock,
        # which nothing here checked): a deferred update must be one yrs cannot refuse later.
        if (scalar is None or not info.unit_deletes or info.ranges != len(info.deletes)
                or ctx.full):
            return None
        key = self._term_items.get(scalar.origin)
        if key is None or scalar.clock != self._known.get(scalar.client, 0):
            return None  # an unknown anchor, or a re-sent item (nothing new to attribute)
        items = self._term_items
        for deleted in info.deletes:  # a loop, not any(): no generator per edit
            if items.get(deleted) != key:
                return None
        if (ctx.role == "viewer" or key not in ctx.editable or ctx.closed is not None
                or ctx.unavailable or ctx.frozen):
            return None
        holder = lock_holder(key)
        if holder is not None and holder[0] != ctx.user_id:
            return None
        value = scalar.value
        if isinstance(value, float) and not -_SAFE_INTEGER <= value <= _SAFE_INTEGER:
            return None  # past 2**53 (a varint may say up to 77 bits): yrs decides, applying it
        errors: list[FieldError] = []
        self._checked_value = check_scalar(key, value, self._limits, errors)
        return None if errors else key

    def _defer_checked(self, update: bytes, sender: object, info: UpdateInfo, key: str) -> None:
        """Take an update ``_checked_scalar`` accepted: sent and stored as it came, applied at
        the next ``settle`` (nothing to observe, nothing to undo)."""
        if self._recorded:
            self._reset_record()
        self.outbox.append((sender, update))
        info.advance(self._known)
        scalar = info.scalar
        assert scalar is not None
        self._remember_item(scalar.client, scalar.clock, key)
        values = self._checked_values
        if values is _NO_VALUES:
            self._checked_values = {key: self._checked_value}
        elif values is not None:
            values[key] = self._checked_value
        deferred = self._deferred
        if deferred is None:
            self._deferred = [update]
        else:
            deferred.append(update)
            if len(deferred) >= SETTLE_AFTER:
                self.settle()

    def _only_terms_key(self) -> bool:
        return (len(self._terms_keys) == 1 and not self._description and not self._server_roots
                and not self._milestone_structure and not self._milestone_rows)

    def _remember_item(self, client: int, clock: int, key: str) -> None:
        """Remember ``key``'s new item in place of the one it replaced.

        The next set of a key follows its current item, so older items are not worth keeping:
        remembered for the life of the doc (up to REFRESH_EVERY sets per room), they made the
        map the largest thing an edit touched in a busy room, and in a server whose caches the
        network stack empties between two edits that cost more than the lookups themselves
        (issue 17). An edit after an older item (two parties setting one key at once) takes
        the general path."""
        item = (client, clock)
        items = self._term_items
        old = self._key_items.get(key)
        if old is not None:
            del items[old]
        items[item] = key
        self._key_items[key] = item

    def state_before(self, info: UpdateInfo) -> bytes:
        """A state vector from before the last client update and its compensation, encoded.

        ``doc.get_update(state_before(info))`` is then the net effect of that update: what it
        left in the document, the server's compensation, and (once the rejected content was
        collected) no rejected bytes. A client whose first clock the server already had is
        started at that clock: anything re-sent is harmless to a receiver that has it.
        """
        known = dict(self._known)
        for client, (first, _end) in info.own.items():
            known[client] = min(known.get(client, 0), first)
        server = self._odoc.doc.client_id
        if self._server_before:
            known[server] = self._server_before
        else:
            known.pop(server, None)
        out = bytearray(write_var_uint(len(known)))
        for client, clock in known.items():
            out += write_var_uint(client)
            out += write_var_uint(clock)
        return bytes(out)

    def touched_fields(self) -> list[str]:
        """The terms fields the last applied update changed (for attribution)."""
        if self.checked_key is not None:  # no observer recorded it: its one key
            return [self.checked_key]
        fields = sorted(self._terms_keys)
        if self._description:
            fields.append("description")
        if self._milestone_structure or self._milestone_rows:
            fields.append("milestones")
        return fields

    # --- internals -------------------------------------------------------------------------

    def _reset_record(self) -> None:
        self._recorded = False
        self._terms_keys = _NOTHING
        self._terms_new = {}
        self._server_roots = _NOTHING
        self._description = False
        self._description_nul = False
        self._milestone_rows = _NOTHING
        self._row_maps = {}
        self._row_events = []
        self._milestone_structure = False
        self._milestone_id_changed = False

    def _touch_term(self, key: str) -> None:
        self._terms_keys = _added(self._terms_keys, key)

    def _touch_row(self, row: str) -> None:
        self._milestone_rows = _added(self._milestone_rows, row)

    def _current_milestone_ids(self) -> list[str]:
        ids: list[str] = []
        for item in self._odoc.milestones:
            ids.append(str(item.get("id")) if isinstance(item, Map) else "")
        return ids

    def _touched_rows(self) -> set[str]:
        rows = set(self._milestone_rows)
        if self._milestone_structure:
            after = set(self._current_milestone_ids())
            rows |= set(self._milestone_ids) - after  # deleted rows
        return rows

    def _check_server_roots(self) -> Rejection | None:
        if self._server_roots:
            names = sorted(self._server_roots)
            return Rejection("server_only", names, f"Only the server can change {names[0]}.")
        if self._unknown_roots(self._root_count):
            return Rejection("server_only", ["document"], "Unknown parts of the document.")
        return None

    def _check_party(
        self, ctx: EditContext, lock_holder: LockLookup, rows: set[str]
    ) -> Rejection | None:
        fields = self.touched_fields()
        if not fields:
            return None
        if ctx.role == "viewer":
            return Rejection("read_only", fields, "Viewers can't edit this offer.")
        denied = [f for f in fields if f not in ctx.editable]
        if denied:
            return Rejection("forbidden", denied, f"The {ctx.role} can't edit {denied[0]}.")
        if ctx.closed is not None:
            return Rejection(
                "closed", fields, f"This offer is {ctx.closed}; it can no longer be edited."
            )
        if ctx.unavailable:
            return Rejection(
                "unavailable",
                fields,
                "Changes can't be saved right now, so this one was not applied. Try again shortly.",
            )
        if ctx.frozen:
            return Rejection(
                "frozen",
                fields,
                "A proposal is pending: the draft is frozen until it is answered.",
            )
        if ctx.full and self._inserts:
            return Rejection(
                "too_large",
                fields,
                "This offer's document is as large as it may grow; remove something first.",
            )
        lock_fields = [f for f in fields if f != "milestones"] + [f"milestone:{r}" for r in rows]
        for name in lock_fields:
            holder = lock_holder(name)
            if holder is not None and holder[0] != ctx.user_id:
                field = "milestones" if name.startswith("milestone:") else name
                return Rejection("locked", [field], f"{holder[1]} is editing this field.")
        errors = self._typed_errors()
        if errors:
            return Rejection("invalid", [e.field for e in errors], _sentence(errors[0]))
        return None

    def _typed_errors(self) -> list[FieldError]:
        errors: list[FieldError] = []
        for key in sorted(self._terms_keys):
            present, raw = self._terms_new[key]
            if not present:
                if key in _REQUIRED:
                    errors.append(FieldError(key, "is required"))
                continue
            if not isinstance(raw, _PLAIN):  # a nested shared type, not a value
                errors.append(FieldError(key, "must be a plain value"))
            else:
                check_scalar(key, raw, self._limits, errors)
        if self._description:
            limit = self._limits.description_max
            # len() is the UTF-8 byte count, kept by yrs: never below the character count, so
            # only a text near the limit is materialised to count its characters.
            if self._description_len > limit and len(str(self._odoc.description)) > limit:
                errors.append(FieldError("description", f"must be at most {limit} characters"))
            elif self._description_nul:
                errors.append(FieldError("description", "must not contain NUL characters"))
        if self._milestone_structure:
            self._check_milestones(errors)
        elif self._milestone_rows:
            self._check_rows(errors)
        return errors

    def _check_rows(self, errors: list[FieldError]) -> None:
        """Only rows were edited (the array kept its shape): check just those rows."""
        if self._milestone_id_changed:
            # A row keeps its id for life: locks and attribution hang on it.
            errors.append(FieldError("milestones", "must keep their ids"))
        for index, row in self._row_maps.values():
            check_milestone(index, row.to_py(), self._limits, errors)

    def _check_milestones(self, errors: list[FieldError]) -> None:
        items = list(self._odoc.milestones)
        if len(items) > self._limits.milestones_max:
            errors.append(
                FieldError("milestones", f"at most {self._limits.milestones_max} milestones")
            )
            return
        seen: set[str] = set()
        for i, item in enumerate(items):
            if not isinstance(item, Map):
                errors.append(FieldError(f"milestones[{i}]", "must be a milestone"))
                continue
            ms = check_milestone(i, item.to_py(), self._limits, errors)
            if ms is not None:
                if ms.id in seen:
                    errors.append(FieldError(f"milestones[{i}].id", "duplicate milestone id"))
                seen.add(ms.id)
        if self._milestone_id_changed:
            # A row keeps its id for life: locks and attribution hang on it.
            errors.append(FieldError("milestones", "must keep their ids"))

    def _unknown_roots(self, root_count: int | None = None) -> list[str]:
        """Roots outside the layout that hold anything (a root may exist, but must stay empty).

        ``root_count``, when the caller has it, spares reading the root table: it is read only
        when a foreign root is there at all.
        """
        doc = self._odoc.doc
        if root_count is not None and root_count <= len(_KNOWN_ROOTS) and not self._foreign:
            return []
        # The raw root table is ~10x cheaper than doc.keys(), which wraps every root; wrap a
        # foreign root only the first time it shows up.
        with doc.transaction() as txn:
            assert txn._txn is not None
            roots = doc._doc.roots(txn._txn)
        if len(roots) > len(_KNOWN_ROOTS) + len(self._foreign):
            for name in roots:
                if name not in _KNOWN_ROOTS and name not in self._foreign:
                    # The server never declared this root's type: view it both as a map (keyed
                    # content) and as a sequence (text or array content) to see everything.
                    self._foreign[name] = (doc.get(name, type=Map), doc.get(name, type=Array))
        return [n for n, (m, a) in self._foreign.items() if len(m) or len(a)]

    def _compensate_server(self) -> None:
        if self._server_roots:
            self._instruments()[1].undo()
        foreign = self._unknown_roots()
        if foreign:
            with self._odoc.doc.transaction(origin="server"):
                self._empty_roots(foreign)

    def _empty_roots(self, names: list[str]) -> None:
        # Root names can never be removed from a Y.Doc, only emptied.
        for name in names:
            keyed, sequence = self._foreign[name]
            for key in list(keyed.keys()):
                del keyed[key]
            if len(sequence):
                del sequence[:]


def _sentence(error: FieldError) -> str:
    """'milestones[1].amount' + 'must be …' -> 'Milestone 2 amount must be ….'"""
    field = error.field
    if field.startswith("milestones[") and "]" in field:
        index, _, rest = field[len("milestones[") :].partition("]")
        field = f"milestone {int(index) + 1} {rest.lstrip('.')}".strip()
    label = field.replace("_", " ")
    return f"{label[:1].upper()}{label[1:]} {error.message}."
