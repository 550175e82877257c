"""The guard's fast path: one value set after a known item is checked before it is applied.

It must decide exactly as the general path (apply, observe, check, compensate) would, for every
party, state and value; and because nothing is captured for undo, what it overwrote is collected.
It is applied only when the document is next read (or after ``SETTLE_AFTER`` such edits), and
goes out as it came.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc

from server.crdt.guard import SETTLE_AFTER, EditContext, Guard, LockLookup, Rejection
from server.crdt.layout import OfferDoc
from server.crdt.updates import UpdateInfo
from server.offers.limits import Limits
from server.offers.terms import ALL_FIELDS
from tests.unit.test_guard import CLIENT, META, TERMS, no_locks, snapshot

FREELANCER = EditContext(user_id="f-1", role="freelancer",
                         editable=frozenset(ALL_FIELDS) - {"fixed_price"})
VIEWER = EditContext(user_id="v-1", role="viewer", editable=frozenset())


class Room:
    """A server doc behind a guard (fast path on or off) and a replica per party."""

    def __init__(self, fast: bool) -> None:
        self._server = OfferDoc(Doc(client_id=1))
        self._server.seed(TERMS, META)
        self.guard = Guard(self._server, Limits())
        if not fast:
            self.guard._checked_scalar = lambda *args: None  # type: ignore[method-assign]
        self.fast_hits = 0
        self.last_update = b""
        self.last_outbox: list[tuple[object | None, bytes]] = []
        self.replicas = {name: OfferDoc(Doc(client_id=cid))
                         for name, cid in (("client", 2), ("freelancer", 3), ("viewer", 4))}
        for replica in self.replicas.values():
            replica.doc.apply_update(self._server.doc.get_update())

    @property
    def server(self) -> OfferDoc:
        """The server's doc as a reader sees it: with the edits the fast path deferred."""
        self.guard.settle()
        return self._server

    def set(self, who: str, ctx: EditContext, key: str, value: Any,
            holder: LockLookup = no_locks) -> Rejection | None:
        replica = self.replicas[who]
        sent: list[bytes] = []
        # What a Yjs client sends: its transaction's own update (a diff against a state vector
        # would carry the doc's whole delete set, which takes the general path).
        subscription = replica.doc.observe(lambda event: sent.append(event.update))
        replica.terms[key] = value
        replica.doc.unobserve(subscription)
        update = self.last_update = sent[0]
        self.guard.outbox.clear()
        checked = self.guard._defer_checked

        def counted(update: bytes, sender: object, info: UpdateInfo, key: str) -> None:
            self.fast_hits += 1
            checked(update, sender, info, key)

        self.guard._defer_checked = counted  # type: ignore[method-assign]
        try:
            rejection = self.guard.apply(update, who, ctx, holder)
        finally:
            self.guard._defer_checked = checked  # type: ignore[method-assign]
        self.last_outbox = list(self.guard.outbox)
        for name, other in self.replicas.items():  # the room relays to the others, and
            for origin, out in self.guard.outbox:  # compensations go to everyone
                if origin is None or origin != name:
                    other.doc.apply_update(out)
        return rejection


def test_a_repeated_rate_change_is_checked_before_it_is_applied_and_decides_the_same() -> None:
    fast, general = Room(fast=True), Room(fast=False)
    for cents in (5000, 5100, 5150, -3, 5200, 10**15, 5250, 5300):
        answers = [room.set("client", CLIENT, "hourly_rate", cents) for room in (fast, general)]
        assert answers[0] == answers[1]
        assert snapshot(fast.server) == snapshot(general.server)
    assert fast.server.terms["hourly_rate"] == 5300
    # The first set, and the first after each compensation (anchored on the server's item),
    # go the general way; the others named their field themselves.
    assert fast.fast_hits == 3
    assert fast.guard.touched_fields() == ["hourly_rate"]  # attribution sees the field


def test_a_checked_edit_goes_out_as_it_came_and_is_in_the_doc_when_it_is_read() -> None:
    room = Room(fast=True)
    assert room.set("client", CLIENT, "hourly_rate", 5000) is None  # learns the rate's item
    assert room.set("client", CLIENT, "hourly_rate", 5100) is None
    assert room.fast_hits == 1
    # Relayed and stored byte for byte as the client sent it: no second encoding.
    assert room.last_outbox == [("client", room.last_update)]
    assert room._server.terms["hourly_rate"] == 5000  # not applied yet: nobody read the doc
    assert room.server.terms["hourly_rate"] == 5100  # reading it applies what waited
    assert room._server.terms["hourly_rate"] == 5100


def test_at_most_settle_after_checked_edits_wait_unapplied() -> None:
    room = Room(fast=True)
    assert room.set("client", CLIENT, "hourly_rate", 5000) is None
    for cents in range(5001, 5001 + SETTLE_AFTER):
        assert room.set("client", CLIENT, "hourly_rate", cents) is None
    assert room.fast_hits == SETTLE_AFTER
    # The last of them filled the queue, so all were applied without a read.
    assert room._server.terms["hourly_rate"] == 5000 + SETTLE_AFTER
    assert room.set("client", CLIENT, "hourly_rate", 9999) is None
    assert room._server.terms["hourly_rate"] == 5000 + SETTLE_AFTER
    assert room.server.terms["hourly_rate"] == 9999


def test_a_locked_field_stays_with_its_holder_on_the_fast_path() -> None:
    room = Room(fast=True)
    assert room.set("freelancer", FREELANCER, "weekly_limit", 30) is None
    assert room.set("freelancer", FREELANCER, "weekly_limit", 31) is None
    rejection = room.set("freelancer", FREELANCER, "weekly_limit", 32,
                         holder=lambda field: ("c-1", "Carol") if field == "weekly_limit" else None)
    assert rejection is not None and rejection.code == "locked"
    assert room.server.terms["weekly_limit"] == 31
    assert room.replicas["freelancer"].terms["weekly_limit"] == 31  # compensated


def test_what_a_fast_set_overwrote_is_collected() -> None:
    """A rate changed 500 times must not leave 500 dead values for every joiner to download."""
    fast, general = Room(fast=True), Room(fast=False)
    for room in (fast, general):
        for i in range(500):
            assert room.set("client", CLIENT, "hourly_rate", 6000 + i) is None
    fast_size = len(fast.server.doc.get_update())
    general_size = len(general.server.doc.get_update())
    assert fast_size < 1200 < general_size, (fast_size, general_size)


PARTIES = {"client": CLIENT, "freelancer": FREELANCER, "viewer": VIEWER}
KEYS = ("hourly_rate", "fixed_price", "weekly_limit", "title", "start_date", "currency")
VALUES = st.one_of(
    st.integers(-10, 10**13), st.floats(allow_nan=False, width=64), st.booleans(), st.none(),
    st.sampled_from(["2027-01-05", "2027-02-30", "EUR", "XXX", "Site", "", "a\nb", "x" * 300]),
)
STATES = st.sampled_from([{}, {"frozen": True}, {"closed": "agreed"}, {"unavailable": True},
                          {"full": True}])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(PARTIES)), st.sampled_from(KEYS), VALUES,
                          STATES, st.sampled_from([None, "c-1", "f-1"])),
                min_size=1, max_size=25))
def test_the_fast_path_decides_exactly_as_the_general_one(
    edits: list[tuple[str, str, Any, dict[str, Any], str | None]],
) -> None:
    fast, general = Room(fast=True), Room(fast=False)
    for who, key, value, state, lock in edits:
        base = PARTIES[who]
        ctx = EditContext(user_id=base.user_id, role=base.role, editable=base.editable, **state)

        def holder(field: str, lock: str | None = lock) -> tuple[str, str] | None:
            return (lock, "Someone") if lock is not None else None

        answers = [room.set(who, ctx, key, value, holder) for room in (fast, general)]
        assert answers[0] == answers[1], (who, key, value, state, lock)
        assert snapshot(fast.server) == snapshot(general.server)
        for name in PARTIES:
            assert snapshot(fast.replicas[name]) == snapshot(general.replicas[name])


def test_only_the_current_item_of_each_key_is_remembered() -> None:
    """A busy room's fast path must not grow with its history: each set replaces its key's item
    (remembering all of them made the map the largest thing an edit touched)."""
    room = Room(fast=True)
    for i in range(300):
        assert room.set("client", CLIENT, "hourly_rate", 6000 + i) is None
        assert room.set("client", CLIENT, "title", f"Site {i}") is None
    assert room.fast_hits == 2 * 299
    assert sorted(room.guard._term_items.values()) == ["hourly_rate", "title"]


def test_two_parties_setting_one_key_at_once_converge() -> None:
    """Both sets follow the same item; the one that arrives second follows an item the room no
    longer remembers, so it takes the general path, and every copy agrees on the winner."""
    room = Room(fast=True)
    assert room.set("client", CLIENT, "weekly_limit", 30) is None
    # The freelancer sets the limit before the client's next set reaches it.
    freelancer = room.replicas["freelancer"]
    sent: list[bytes] = []
    subscription = freelancer.doc.observe(lambda event: sent.append(event.update))
    freelancer.terms["weekly_limit"] = 25
    freelancer.doc.unobserve(subscription)
    assert room.set("client", CLIENT, "weekly_limit", 35) is None
    assert room.guard.checked_key == "weekly_limit"  # the client's followed the current item
    room.guard.outbox.clear()
    assert room.guard.apply(sent[0], "freelancer", FREELANCER, no_locks) is None
    assert room.guard.checked_key is None  # the freelancer's did not: applied the general way
    for name, replica in room.replicas.items():
        for origin, out in room.guard.outbox:
            if origin != name:
                replica.doc.apply_update(out)
    winner = room.server.terms["weekly_limit"]
    assert winner in (25, 35)
    assert [replica.terms["weekly_limit"] for replica in room.replicas.values()] == [winner] * 3
