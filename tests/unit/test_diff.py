"""Field-level diff of two versions of the terms."""

from __future__ import annotations

from datetime import date

import msgspec

from server.offers.diff import (
    FieldChange,
    KeyChange,
    changed_fields,
    diff_terms,
    diff_text,
    sentences,
)
from server.offers.terms import Milestone, Terms

A = Milestone("a", "Design", 40000, date(2026, 12, 10))
B = Milestone("b", "Build", 60000, date(2026, 12, 20))
C = Milestone("c", "Launch", 20000, None)
BASE = Terms(
    title="Website",
    contract_type="fixed",
    currency="USD",
    fixed_price=100000,
    start_date=date(2026, 12, 1),
    description="Design a site. Build it.",
    milestones=(A, B),
)


def change(**fields: object) -> Terms:
    return msgspec.structs.replace(BASE, **fields)


def test_no_changes() -> None:
    assert diff_terms(BASE, BASE) == []
    assert changed_fields(BASE, BASE) == []


def test_scalars_in_display_order_as_json() -> None:
    b = change(fixed_price=120000, title="Site", start_date=date(2026, 12, 8), end_date=None)
    assert diff_terms(BASE, b) == [
        FieldChange("title", "Website", "Site"),
        FieldChange("fixed_price", 100000, 120000),
        FieldChange("start_date", "2026-12-01", "2026-12-08"),
    ]


def test_set_and_cleared_values() -> None:
    b = change(end_date=date(2027, 1, 1), start_date=None)
    assert diff_terms(BASE, b) == [
        FieldChange("start_date", "2026-12-01", None),
        FieldChange("end_date", None, "2027-01-01"),
    ]


def test_description() -> None:
    b = change(description="Design a site.")
    assert diff_terms(BASE, b) == [
        FieldChange("description", "Design a site. Build it.", "Design a site.")
    ]


def test_milestones_matched_by_id() -> None:
    b2 = msgspec.structs.replace(B, amount=50000, due_date=date(2026, 12, 22))
    diff = diff_terms(BASE, change(milestones=(A, b2, C)))
    assert diff == [
        FieldChange(
            "milestones",
            {"id": "b", "title": "Build", "amount": 60000, "due_date": "2026-12-20"},
            {"id": "b", "title": "Build", "amount": 50000, "due_date": "2026-12-22"},
            id="b",
            op="changed",
            keys=(
                KeyChange("amount", 60000, 50000),
                KeyChange("due_date", "2026-12-20", "2026-12-22"),
            ),
        ),
        FieldChange(
            "milestones",
            None,
            {"id": "c", "title": "Launch", "amount": 20000, "due_date": None},
            id="c",
            op="added",
        ),
    ]


def test_removed_milestone() -> None:
    [d] = diff_terms(BASE, change(milestones=(B,)))
    assert (d.id, d.op, d.new) == ("a", "removed", None)
    assert d.old == {"id": "a", "title": "Design", "amount": 40000, "due_date": "2026-12-10"}


def test_insert_before_is_not_a_change_of_later_rows() -> None:
    diff = diff_terms(BASE, change(milestones=(C, A, B)))
    assert [(d.id, d.op) for d in diff] == [("c", "added")]


def test_reorder_is_a_move() -> None:
    # Swapping two rows moves one of them relative to the other; only that one is reported.
    diff = diff_terms(BASE, change(milestones=(B, A)))
    assert [(d.id, d.op, d.moved, d.keys) for d in diff] == [("b", "moved", True, ())]
    renamed = msgspec.structs.replace(A, title="UX")
    diff = diff_terms(BASE, change(milestones=(B, renamed)))
    assert [(d.id, d.op, d.moved) for d in diff] == [("b", "moved", True), ("a", "changed", False)]


def test_json_shape() -> None:
    diff = diff_terms(BASE, change(fixed_price=None, milestones=(A,)))
    raw = msgspec.json.decode(msgspec.json.encode(diff))
    assert raw == [
        {"field": "fixed_price", "old": 100000, "new": None},
        {
            "field": "milestones",
            "old": {"id": "b", "title": "Build", "amount": 60000, "due_date": "2026-12-20"},
            "new": None,
            "id": "b",
            "op": "removed",
        },
    ]
    assert msgspec.convert(raw, list[FieldChange]) == diff


def test_changed_fields_once_each() -> None:
    b = change(title="x", milestones=(C,))
    assert changed_fields(BASE, b) == ["title", "milestones"]


def test_text_diff() -> None:
    assert sentences("One. Two!  Three?\nFour") == ["One.", "Two!", "Three?", "Four"]
    d = diff_text("Alpha. Beta. Gamma.", "Alpha. Beta two. Gamma. Delta.")
    assert d.reworded == (("Beta.", "Beta two."),)
    assert d.added == ("Delta.",)
    assert d.removed == ()
