"""The update guard, rule by rule: a server doc, a client doc synced from it, real Yjs updates.

Every rejected edit must come back as a compensation the client can apply to land on exactly the
state it had before; every accepted edit must go out unchanged, tagged with its sender.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pycrdt import Array, Doc, Map

from server.crdt.guard import EditContext, Guard, LockLookup, Rejection
from server.crdt.layout import OfferDoc
from server.offers.limits import Limits
from server.offers.terms import ALL_FIELDS, Milestone, Terms

TERMS = Terms(
    title="Landing page",
    contract_type="hourly",
    currency="USD",
    hourly_rate=4500,
    weekly_limit=20,
    start_date=date(2026, 12, 1),
    description="Build the page.",
    milestones=(
        Milestone(id="m1", title="Design", amount=50_000, due_date=date(2026, 12, 15)),
        Milestone(id="m2", title="Build", amount=70_000, due_date=date(2026, 12, 30)),
    ),
)
META: dict[str, Any] = {"status": "open", "version": 1}
CLIENT = EditContext(user_id="c-1", role="client", editable=frozenset(ALL_FIELDS))
Edit = Callable[[OfferDoc], None]


def no_locks(field: str) -> tuple[str, str] | None:
    return None


def snapshot(odoc: OfferDoc) -> dict[str, Any]:
    state: dict[str, Any] = {name: root.to_py() for name, root in odoc.roots().items()}
    state["description"] = str(odoc.description)
    return state


class Pair:
    """The server's doc behind a guard, and one client replica in sync with it."""

    def __init__(self) -> None:
        self.server = OfferDoc(Doc(client_id=1))
        self.server.seed(TERMS, META)
        self.guard = Guard(self.server, Limits())
        self.client = OfferDoc(Doc(client_id=2))
        self.client.doc.apply_update(self.server.doc.get_update())
        self.outbox: list[tuple[object | None, bytes]] = []
        self.update = b""

    def edit(self, fn: Edit, ctx: EditContext = CLIENT, holder: LockLookup = no_locks,
             sender: object = "conn-a") -> Rejection | None:
        before = self.client.doc.get_state()
        with self.client.doc.transaction():
            fn(self.client)
        self.update = self.client.doc.get_update(before)
        self.guard.outbox.clear()
        rejection = self.guard.apply(self.update, sender, ctx, holder)
        self.outbox = list(self.guard.outbox)
        for origin, update in self.outbox:
            if origin is None:  # the room sends compensations to the sender as well
                self.client.doc.apply_update(update)
        return rejection


def assert_undone(pair: Pair, fn: Edit, ctx: EditContext = CLIENT,
                  holder: LockLookup = no_locks) -> Rejection:
    before = snapshot(pair.server)
    rejection = pair.edit(fn, ctx, holder)
    assert rejection is not None
    assert snapshot(pair.server) == snapshot(pair.client) == before
    origins = [origin for origin, _ in pair.outbox]
    assert origins[0] == "conn-a" and origins[1:] and set(origins[1:]) == {None}
    return rejection


def test_valid_edit_goes_out_unchanged_tagged_with_its_sender() -> None:
    pair = Pair()
    assert pair.edit(lambda d: d.terms.__setitem__("hourly_rate", 5200)) is None
    assert pair.outbox == [("conn-a", pair.update)]
    assert pair.server.terms["hourly_rate"] == 5200
    assert snapshot(pair.client) == snapshot(pair.server)
    # Yjs numbers are floats: an integral one is a whole number of cents.
    assert pair.edit(lambda d: d.terms.__setitem__("fixed_price", 4600.0)) is None


SERVER_EDITS: dict[str, Edit] = {
    "offer": lambda d: d.offer.__setitem__("status", "agreed"),
    "committed": lambda d: d.committed.__delitem__("hourly_rate"),
    "changed_by": lambda d: d.changed_by.__setitem__("title", {"id": "c-1"}),
    "proposal": lambda d: d.proposal.__setitem__("id", "p-1"),
}


@pytest.mark.parametrize("root", sorted(SERVER_EDITS))
def test_server_only_roots_are_restored(root: str) -> None:
    rejection = assert_undone(Pair(), SERVER_EDITS[root])
    assert (rejection.code, rejection.fields) == ("server_only", [root])
    assert root in rejection.reason


def test_viewer_cannot_edit_and_deleted_rows_come_back() -> None:
    viewer = EditContext(user_id="v-1", role="viewer", editable=frozenset())
    pair = Pair()
    rejection = assert_undone(pair, lambda d: d.milestones.__delitem__(0), viewer)
    assert (rejection.code, rejection.fields) == ("read_only", ["milestones"])
    assert [m["id"] for m in pair.client.milestones.to_py() or []] == ["m1", "m2"]
    rejection = assert_undone(pair, lambda d: d.description.insert(0, "Hi "), viewer)
    assert rejection.code == "read_only"


def test_field_policy_limits_a_role() -> None:
    freelancer = EditContext(user_id="f-1", role="freelancer",
                             editable=frozenset(ALL_FIELDS) - {"fixed_price"})
    pair = Pair()
    rejection = assert_undone(pair, lambda d: d.terms.__setitem__("fixed_price", 90_000),
                              freelancer)
    assert (rejection.code, rejection.fields) == ("forbidden", ["fixed_price"])
    assert "freelancer" in rejection.reason and "fixed_price" in rejection.reason
    assert pair.edit(lambda d: d.terms.__setitem__("hourly_rate", 4800), freelancer) is None
    assert pair.edit(lambda d: d.terms.__setitem__("fixed_price", 90_000)) is None


def test_closed_offer_rejects_every_edit() -> None:
    closed = EditContext(user_id="c-1", role="client", editable=CLIENT.editable, closed="agreed")
    rejection = assert_undone(Pair(), lambda d: d.terms.__setitem__("title", "New"), closed)
    assert (rejection.code, rejection.fields) == ("closed", ["title"])
    assert "agreed" in rejection.reason


def test_pending_proposal_freezes_the_draft() -> None:
    frozen = EditContext(user_id="c-1", role="client", editable=CLIENT.editable, frozen=True)
    rejection = assert_undone(Pair(), lambda d: d.description.insert(0, "x"), frozen)
    assert (rejection.code, rejection.fields) == ("frozen", ["description"])


def held_by(user: str, *fields: str) -> LockLookup:
    return lambda field: (user, user.title()) if field in fields else None


def test_lock_held_by_someone_else_blocks_the_field_only() -> None:
    pair = Pair()
    holder = held_by("linus", "hourly_rate", "milestone:m1")
    rejection = assert_undone(pair, lambda d: d.terms.__setitem__("hourly_rate", 1), CLIENT,
                              holder)
    assert (rejection.code, rejection.fields) == ("locked", ["hourly_rate"])
    assert "Linus" in rejection.reason
    rejection = assert_undone(pair, lambda d: d.milestones[0].__setitem__("amount", 1), CLIENT,
                              holder)
    assert (rejection.code, rejection.fields) == ("locked", ["milestones"])
    assert assert_undone(pair, lambda d: d.milestones.__delitem__(0), CLIENT, holder).code == (
        "locked")
    assert pair.edit(lambda d: d.milestones[1].__setitem__("amount", 1000), CLIENT, holder) is None
    assert pair.edit(lambda d: d.terms.__setitem__("weekly_limit", 30), CLIENT, holder) is None


def test_lock_held_by_the_same_user_does_not_block() -> None:
    pair = Pair()
    holder = held_by("c-1", "hourly_rate")
    assert pair.edit(lambda d: d.terms.__setitem__("hourly_rate", 6000), CLIENT, holder,
                     sender="other-tab") is None
    assert pair.server.terms["hourly_rate"] == 6000


def _many_milestones(d: OfferDoc) -> None:
    for i in range(49):
        d.milestones.append(Map({"id": f"x{i}", "title": "Step", "amount": 1000}))


INVALID: dict[str, tuple[Edit, list[str]]] = {
    "string money": (lambda d: d.terms.__setitem__("hourly_rate", "lots"), ["hourly_rate"]),
    "bool money": (lambda d: d.terms.__setitem__("fixed_price", True), ["fixed_price"]),
    "12.5 cents": (lambda d: d.terms.__setitem__("hourly_rate", 12.5), ["hourly_rate"]),
    "negative money": (lambda d: d.terms.__setitem__("fixed_price", -1), ["fixed_price"]),
    "too much money": (lambda d: d.terms.__setitem__("fixed_price", 10**9 + 1), ["fixed_price"]),
    "impossible date": (lambda d: d.terms.__setitem__("start_date", "2026-13-45"), ["start_date"]),
    "short date": (lambda d: d.terms.__setitem__("end_date", "2026-1-5"), ["end_date"]),
    "numeric date": (lambda d: d.terms.__setitem__("end_date", 20261201), ["end_date"]),
    "long title": (lambda d: d.terms.__setitem__("title", "x" * 201), ["title"]),
    "title not text": (lambda d: d.terms.__setitem__("title", 7), ["title"]),
    "nested value": (lambda d: d.terms.__setitem__("title", Map({"a": 1})), ["title"]),
    "long description": (lambda d: d.description.insert(0, "y" * 20_000), ["description"]),
    "required deleted": (lambda d: d.terms.__delitem__("currency"), ["currency"]),
    "bad currency": (lambda d: d.terms.__setitem__("currency", "usd"), ["currency"]),
    "bad contract": (lambda d: d.terms.__setitem__("contract_type", "daily"), ["contract_type"]),
    "manual_time": (lambda d: d.terms.__setitem__("manual_time", "yes"), ["manual_time"]),
    "weekly 0": (lambda d: d.terms.__setitem__("weekly_limit", 0), ["weekly_limit"]),
    "weekly 169": (lambda d: d.terms.__setitem__("weekly_limit", 169), ["weekly_limit"]),
    "weekly 2.5": (lambda d: d.terms.__setitem__("weekly_limit", 2.5), ["weekly_limit"]),
    "milestone amount": (lambda d: d.milestones[0].__setitem__("amount", -5),
                         ["milestones[0].amount"]),
    "milestone amount text": (lambda d: d.milestones[1].__setitem__("amount", "5"),
                              ["milestones[1].amount"]),
    "milestone key": (lambda d: d.milestones[0].__setitem__("bonus", 1), ["milestones[0]"]),
    "duplicate id": (lambda d: d.milestones.append(Map({"id": "m1", "title": "B", "amount": 9})),
                     ["milestones[2].id"]),
    "id change": (lambda d: d.milestones[0].__setitem__("id", "m9"), ["milestones"]),
    "51 milestones": (_many_milestones, ["milestones"]),
    "not a map": (lambda d: d.milestones.append("oops"), ["milestones[2]"]),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_ill_typed_edit_is_undone(case: str) -> None:
    edit, fields = INVALID[case]
    rejection = assert_undone(Pair(), edit)
    assert (rejection.code, rejection.fields) == ("invalid", fields)


def test_unknown_key_is_refused() -> None:
    rejection = assert_undone(Pair(), lambda d: d.terms.__setitem__("bonus", 100))
    assert rejection.fields == ["bonus"] and rejection.code in ("forbidden", "invalid")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d.terms.__setitem__("hourly_rate", 12.5),
         "Hourly rate must be a whole number of cents."),
        (lambda d: d.terms.__delitem__("title"), "Title is required."),
        (lambda d: d.milestones[1].__setitem__("amount", -1),
         "Milestone 2 amount must be between 0 and 1000000000 cents."),
        (lambda d: d.terms.__setitem__("weekly_limit", 500),
         "Weekly limit must be whole hours from 1 to 168, or no limit."),
    ],
)
def test_rejection_reason_is_a_sentence_naming_the_field(edit: Edit, reason: str) -> None:
    assert assert_undone(Pair(), edit).reason == reason


def test_unknown_root_with_content_is_emptied() -> None:
    pair = Pair()
    before = snapshot(pair.server)
    rejection = pair.edit(lambda d: d.doc.get("extra", type=Map).__setitem__("k", "v"))
    assert rejection is not None
    assert (rejection.code, rejection.fields) == ("server_only", ["document"])
    assert pair.client.doc.get("extra", type=Map).to_py() == {}
    assert snapshot(pair.client) == snapshot(pair.server) == before


def test_mixed_update_keeps_the_party_edit_and_reverts_the_server_root() -> None:
    # A client reconnecting after kill -9 replays attribution the server never persisted,
    # bundled with its own offline edit: only the attribution may go.
    pair = Pair()

    def edit(d: OfferDoc) -> None:
        d.terms["hourly_rate"] = 5100
        d.changed_by["hourly_rate"] = {"id": "c-1"}

    rejection = pair.edit(edit)
    assert rejection is not None and rejection.code == "server_only"
    assert rejection.fields == ["changed_by"]
    assert pair.server.terms["hourly_rate"] == 5100
    assert pair.server.changed_by.to_py() == {}
    assert snapshot(pair.client) == snapshot(pair.server)


def test_mixed_update_with_a_bad_party_edit_reverts_both() -> None:
    def edit(d: OfferDoc) -> None:
        d.terms["hourly_rate"] = 1.5
        d.committed["title"] = "X"

    rejection = assert_undone(Pair(), edit)
    assert rejection.code == "invalid"


def test_touched_fields_reports_what_changed() -> None:
    pair = Pair()

    def edit(d: OfferDoc) -> None:
        d.terms["title"] = "New"
        d.terms["hourly_rate"] = 5000
        d.description.insert(0, "Please ")
        d.milestones[0]["title"] = "Wireframes"

    assert pair.edit(edit) is None
    assert pair.guard.touched_fields() == ["hourly_rate", "title", "description", "milestones"]
    assert pair.edit(lambda d: d.terms.__setitem__("weekly_limit", 10)) is None
    assert pair.guard.touched_fields() == ["weekly_limit"]


def test_server_write_is_broadcast_to_everyone_and_not_checked() -> None:
    pair = Pair()
    with pair.guard.server_write() as odoc:
        odoc.offer["status"] = "agreed"
    assert [origin for origin, _ in pair.guard.outbox] == [None]



def test_a_foreign_root_is_refused_every_time_and_after_a_reload() -> None:
    pair = Pair()
    extra: Edit = lambda d: d.doc.get("extra", type=Map).__setitem__("k", "v")  # noqa: E731
    assert pair.edit(extra) is not None
    again = pair.edit(lambda d: d.doc.get("extra", type=Map).__setitem__("k2", "x" * 1000))
    assert again is not None and again.code == "server_only"
    assert pair.server.doc.get("extra", type=Map).to_py() == {}
    # Sequence content in an undeclared root is found too.
    listed = pair.edit(lambda d: d.doc.get("listed", type=Array).append("junk"))
    assert listed is not None and len(pair.server.doc.get("listed", type=Array)) == 0
    # A fresh guard on the reloaded doc neither trusts the old roots nor blames a valid edit.
    reloaded = OfferDoc(Doc(client_id=3))
    reloaded.doc.apply_update(pair.server.doc.get_update())
    pair.server, pair.guard = reloaded, Guard(reloaded, Limits())
    assert pair.edit(lambda d: d.terms.__setitem__("hourly_rate", 5300)) is None
    assert pair.server.terms["hourly_rate"] == 5300
