"""Shape checks on raw terms as they come out of a Y.Doc (numbers may be floats) or JSON."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from server.offers.checks import (
    FieldError,
    TermsInvalid,
    as_int,
    check_milestone,
    check_scalar,
    check_terms,
)
from server.offers.limits import Limits
from server.offers.terms import Milestone, Terms

LIMITS = Limits()
RAW: dict[str, Any] = {"title": "Landing page", "contract_type": "fixed", "currency": "USD",
                       "fixed_price": 150_000.0, "manual_time": False,
                       "start_date": "2026-12-01"}


def scalar(field: str, value: Any, limits: Limits = LIMITS) -> tuple[Any, list[FieldError]]:
    errors: list[FieldError] = []
    return check_scalar(field, value, limits, errors), errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (4500, 4500), (4500.0, 4500), (-3.0, -3), (True, None), (False, None),
     (12.5, None), (math.inf, None), (math.nan, None), ("4500", None), (None, None)],
)
def test_as_int(value: Any, expected: int | None) -> None:
    result = as_int(value)
    assert result == expected and (result is None or type(result) is int)


@pytest.mark.parametrize("field", ["hourly_rate", "fixed_price"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [(4500, 4500), (4500.0, 4500), (0, 0), (1_000_000_000, 1_000_000_000), (None, None)],
)
def test_money_accepts_whole_cents_in_range(field: str, value: Any, expected: Any) -> None:
    result, errors = scalar(field, value)
    assert errors == [] and result == expected
    assert result is None or type(result) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [(True, "must be a whole number of cents"), ("4500", "must be a whole number of cents"),
     (45.5, "must be a whole number of cents"), (math.inf, "must be a whole number of cents"),
     (-1, "must be between 0 and 1000000000 cents"),
     (1_000_000_001, "must be between 0 and 1000000000 cents")],
)
def test_money_rejects(value: Any, message: str) -> None:
    result, errors = scalar("hourly_rate", value)
    assert result is None and errors == [FieldError("hourly_rate", message)]


def test_money_max_comes_from_limits() -> None:
    assert scalar("fixed_price", 10_001, Limits(money_max=10_000))[1] != []
    assert scalar("fixed_price", 10_000, Limits(money_max=10_000))[1] == []


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("title", "x" * 200, True), ("title", "x" * 201, False), ("title", "", True),
        ("title", None, False), ("title", 5, False),
        ("contract_type", "hourly", True), ("contract_type", "fixed", True),
        ("contract_type", "Hourly", False), ("contract_type", None, False),
        ("currency", "EUR", True), ("currency", "eur", False), ("currency", "EURO", False),
        ("currency", None, False),
        ("manual_time", True, True), ("manual_time", False, True), ("manual_time", 1, False),
        ("manual_time", None, False),
        ("weekly_limit", 1, True), ("weekly_limit", 168.0, True), ("weekly_limit", None, True),
        ("weekly_limit", 0, False), ("weekly_limit", 169, False), ("weekly_limit", 2.5, False),
        ("weekly_limit", True, False),
        ("start_date", "2026-02-28", True), ("start_date", "2028-02-29", True),
        ("start_date", "2026-02-29", False), ("start_date", "2026-2-28", False),
        ("start_date", "20260228", False), ("end_date", "2026-02-28T00:00", False),
        ("end_date", 20260228, False), ("end_date", None, True),
        ("bonus", 1, False),
    ],
)
def test_scalar_fields(field: str, value: Any, ok: bool) -> None:
    _, errors = scalar(field, value)
    assert (errors == []) is ok
    assert all(e.field == field for e in errors)


def test_scalar_messages_are_plain() -> None:
    assert scalar("bonus", 1)[1] == [FieldError("bonus", "is not a field of an offer")]
    assert scalar("start_date", "2026-13-01")[1] == [
        FieldError("start_date", "'2026-13-01' is not a valid date (YYYY-MM-DD)")
    ]
    assert scalar("title", "x" * 201)[1] == [FieldError("title", "must be at most 200 characters")]


def test_check_milestone_normalises_floats_and_dates() -> None:
    errors: list[FieldError] = []
    ms = check_milestone(0, {"id": "m1", "title": "Design", "amount": 5000.0,
                             "due_date": "2026-12-15"}, LIMITS, errors)
    assert errors == []
    assert ms == Milestone(id="m1", title="Design", amount=5000, due_date=date(2026, 12, 15))
    assert type(ms.amount) is int


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ("not a dict", ["milestones[3]"]),
        ({"id": "m1", "title": "T", "amount": 1, "extra": 1}, ["milestones[3]"]),
        ({"title": "T", "amount": 1}, ["milestones[3].id"]),
        ({"id": "", "title": "T", "amount": 1}, ["milestones[3].id"]),
        ({"id": "x" * 65, "title": "T", "amount": 1}, ["milestones[3].id"]),
        ({"id": "m1", "title": "T"}, ["milestones[3].amount"]),
        ({"id": "m1", "title": "T", "amount": 1.5}, ["milestones[3].amount"]),
        ({"id": "m1", "title": 5, "amount": 1}, ["milestones[3].title"]),
        ({"id": "m1", "title": "T", "amount": 1, "due_date": "soon"}, ["milestones[3].due_date"]),
    ],
)
def test_check_milestone_names_the_bad_key(raw: Any, fields: list[str]) -> None:
    errors: list[FieldError] = []
    assert check_milestone(3, raw, LIMITS, errors) is None
    assert [e.field for e in errors] == fields


def test_check_milestone_title_defaults_to_empty() -> None:
    errors: list[FieldError] = []
    ms = check_milestone(0, {"id": "m1", "amount": 1}, LIMITS, errors)
    assert ms is not None and ms.title == "" and errors == []


def test_check_terms_builds_terms_from_doc_values() -> None:
    milestones = [{"id": "m1", "title": "All", "amount": 150_000.0}]
    terms = check_terms(RAW, "Scope.", milestones, LIMITS)
    assert terms == Terms(title="Landing page", contract_type="fixed", currency="USD",
                          fixed_price=150_000, start_date=date(2026, 12, 1),
                          description="Scope.",
                          milestones=(Milestone(id="m1", title="All", amount=150_000),))
    assert type(terms.fixed_price) is int


def test_check_terms_reports_every_bad_field_at_once() -> None:
    raw = {"contract_type": "fixed", "fixed_price": "lots", "weekly_limit": 0, "bonus": True}
    milestones = [{"id": "a", "amount": 1}, {"id": "a", "amount": 2}]
    with pytest.raises(TermsInvalid) as info:
        check_terms(raw, "d" * 20_001, milestones, LIMITS)
    fields = [e.field for e in info.value.errors]
    assert sorted(fields) == sorted(["fixed_price", "weekly_limit", "bonus", "title", "currency",
                                     "description", "milestones[1].id"])
    assert "fixed_price: must be a whole number of cents" in str(info.value)


@pytest.mark.parametrize(
    ("description", "milestones", "field"),
    [(None, [], "description"), ("", None, "milestones"), ("", {"id": "m"}, "milestones"),
     ("", [{"id": f"m{i}", "amount": 1} for i in range(51)], "milestones")],
)
def test_check_terms_container_shapes(description: Any, milestones: Any, field: str) -> None:
    with pytest.raises(TermsInvalid) as info:
        check_terms(RAW, description, milestones, LIMITS)
    assert [e.field for e in info.value.errors] == [field]


def test_fifty_milestones_are_allowed() -> None:
    milestones = [{"id": f"m{i}", "amount": 1} for i in range(50)]
    assert len(check_terms(RAW, "", milestones, LIMITS).milestones) == 50



@pytest.mark.parametrize("value", ["2026-W01-1", "20261201", "2026-1-01", "2026-12-01\n"])
def test_only_plain_iso_calendar_dates_are_dates(value: str) -> None:
    errors: list[FieldError] = []
    check_scalar("start_date", value, Limits(), errors)
    assert [e.field for e in errors] == ["start_date"]


def test_nul_characters_are_refused_in_text() -> None:
    errors: list[FieldError] = []
    check_scalar("title", "Logo\x00design", Limits(), errors)
    assert [e.field for e in errors] == ["title"]
