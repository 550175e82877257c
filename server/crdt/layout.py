"""The Y.Doc of an offer (docs/PROTOCOL.md, "The document"): roots, seeding, reading terms back.

| root        | type         | writers | content                                                 |
|-------------|--------------|---------|---------------------------------------------------------|
| terms       | Map          | parties | scalar fields of Terms (money in minor units, ISO dates)|
| description | Text         | parties | scope of work                                           |
| milestones  | Array of Map | parties | id, title, amount, due_date                             |
| offer       | Map          | server  | status, version, expires_at, parties, closed{at,by,reason}|
| committed   | Map          | server  | the terms of the current version (plain JSON values)    |
| changed_by  | Map          | server  | field -> [{id,name,role,color}] who changed it, in order  |
| proposal    | Map          | server  | the pending proposal, empty when none                   |

``changed_by`` lists everyone who changed a field since the last commit, in the order they first
did, and is cleared on every commit; docs from before hold one ``{id, …}`` object per field, which
reads the same (``server/crdt/attribution.py``).

The doc is seeded once when the offer is created; its binary state is the source of truth from
then on and is never rebuilt from JSON (clients holding the old doc would merge both copies).
"""

from __future__ import annotations

import sys
from types import MappingProxyType
from typing import Any

import msgspec
from pycrdt import Array, Doc, Map, Text

from server.offers.checks import as_int, check_terms
from server.offers.limits import Limits
from server.offers.terms import SCALAR_FIELDS, Terms, terms_to_builtins

PARTY_ROOTS: tuple[str, ...] = ("terms", "description", "milestones")
SERVER_ROOTS: tuple[str, ...] = ("offer", "committed", "changed_by", "proposal")

#: pycrdt gives every doc and shared type two empty sets and two dicts for its async ``events()``
#: streams: ~0.8 KB each, ~6 KB per room, a quarter of an idle connection's memory. Nothing here
#: uses ``events()``; handles share these read-only stand-ins, so a use would fail loudly.
_NO_STREAMS: MappingProxyType[bool, frozenset[Any]] = MappingProxyType(
    {False: frozenset(), True: frozenset()}
)
_NO_SUBSCRIPTIONS: MappingProxyType[bool, Any] = MappingProxyType({})


class _NoAsyncTransactions:
    """Stands in for a doc's ``anyio.Lock``, which only ``async with doc.new_transaction()``
    takes: its waiters deque cost every room ~820 bytes (tracemalloc, 2,000 idle rooms), and
    the server only ever uses synchronous transactions (a doc stays on the loop thread)."""

    __slots__ = ()

    async def acquire(self) -> None:
        raise RuntimeError("offer docs have no async transactions")

    def release(self) -> None:
        raise RuntimeError("offer docs have no async transactions")


_NO_ASYNC_LOCK = _NoAsyncTransactions()


def _lean(handle: object) -> None:
    for name, stand_in in (("_send_streams", _NO_STREAMS),
                           ("_event_subscription", _NO_SUBSCRIPTIONS),
                           ("_txn_async_lock", _NO_ASYNC_LOCK)):
        if hasattr(handle, name):
            setattr(handle, name, stand_in)
    # pycrdt lower-cases the class name per handle: one shared string, not 7 a room (~360 B).
    type_name = getattr(handle, "_type_name", None)
    if isinstance(type_name, str):
        handle._type_name = sys.intern(type_name)  # type: ignore[attr-defined]


_JSON = msgspec.json.Decoder()


def _plain(values: dict[str, Any]) -> bool:
    """Whether JSON read these values as they are: none null, nested, or a list."""
    return all(v is not None and type(v) is not dict and type(v) is not list
               for v in values.values())


class OfferDoc:
    """A Y.Doc with typed handles on every root.

    pycrdt stops firing observers on roots nobody references, so the handles live as long as
    the doc.
    """

    def __init__(self, doc: Doc[Any] | None = None) -> None:
        self.doc: Doc[Any] = doc if doc is not None else Doc()
        self.terms: Map[Any] = self.doc.get("terms", type=Map)
        self.description: Text = self.doc.get("description", type=Text)
        self.milestones: Array[Any] = self.doc.get("milestones", type=Array)
        self.offer: Map[Any] = self.doc.get("offer", type=Map)
        self.committed: Map[Any] = self.doc.get("committed", type=Map)
        self.changed_by: Map[Any] = self.doc.get("changed_by", type=Map)
        self.proposal: Map[Any] = self.doc.get("proposal", type=Map)
        for handle in (self.doc, *self.roots().values()):
            _lean(handle)

    def roots(self) -> dict[str, Map[Any] | Text | Array[Any]]:
        return {
            "terms": self.terms,
            "description": self.description,
            "milestones": self.milestones,
            "offer": self.offer,
            "committed": self.committed,
            "changed_by": self.changed_by,
            "proposal": self.proposal,
        }

    # --- reading ------------------------------------------------------------------------

    def raw_terms(self) -> tuple[dict[str, Any], str, list[Any]]:
        """The party-written roots as plain values (numbers as Yjs left them, or as the integers
        they are)."""
        # One transaction for every read below; the maps come out as yrs's JSON, decoded in C:
        # pycrdt's to_py() reads them key by key in Python (27 -> 11 µs for a typical draft;
        # the advice reads the draft of every busy room a few times a second, issue 17).
        with self.doc.transaction() as txn:
            raw = txn._txn
            terms = _JSON.decode(self.terms.integrated.to_json(raw))
            milestones = _JSON.decode(self.milestones.integrated.to_json(raw))
            if _plain(terms) and all(type(row) is dict and _plain(row) for row in milestones):
                return terms, str(self.description), milestones
            # JSON has no NaN, infinity or undefined (yrs writes null) and no bytes (a list of
            # numbers): where one could hide, the values are read as they are.
            return self.terms.to_py() or {}, str(self.description), self.milestones.to_py() or []

    def read_terms(self, limits: Limits) -> Terms:
        """The draft as Terms; raises TermsInvalid when the doc does not hold valid terms."""
        raw, description, milestones = self.raw_terms()
        return check_terms(raw, description, milestones, limits)

    def offer_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.offer.to_py() or {}
        if "version" in meta:
            meta["version"] = as_int(meta["version"])
        return meta

    # --- writing (server origin only) -------------------------------------------------------

    def seed(self, terms: Terms, offer_meta: dict[str, Any]) -> None:
        """Fill a fresh doc from the offer's initial terms; call exactly once per offer."""
        with self.doc.transaction(origin="seed"):
            self.write_terms(terms)
            for key, value in offer_meta.items():
                self.offer[key] = value
            self.set_committed(terms)

    def write_terms(self, terms: Terms) -> None:
        """Replace the draft with ``terms`` (inside the caller's transaction)."""
        plain = terms_to_builtins(terms)
        for key in SCALAR_FIELDS:
            value = plain.get(key)
            if value is None and key not in ("title", "contract_type", "currency", "manual_time"):
                if key in self.terms:
                    del self.terms[key]
                continue
            if self.terms.get(key) != value:
                self.terms[key] = value
        current = str(self.description)
        if current != terms.description:
            _replace_text(self.description, current, terms.description)
        wanted = [{k: v for k, v in m.items() if v is not None} for m in plain["milestones"]]
        rows: list[dict[str, Any]] = [
            {k: as_int(v) if isinstance(v, float) else v for k, v in m.items()}
            for m in (self.milestones.to_py() or [])
        ]
        if rows != wanted:
            del self.milestones[:]
            for m in wanted:
                self.milestones.append(Map(m))

    def set_committed(self, terms: Terms) -> None:
        plain = terms_to_builtins(terms)
        for key, value in plain.items():
            self.committed[key] = value


def _replace_text(text: Text, old: str, new: str) -> None:
    """Edit ``text`` from ``old`` to ``new`` touching only the differing middle."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    if len(old) - suffix > prefix:
        del text[prefix : len(old) - suffix]
    inserted = new[prefix : len(new) - suffix]
    if inserted:
        text.insert(prefix, inserted)
