"""Policy checks at propose time: required fields, minimums, sums, date order, the past."""

from __future__ import annotations

from datetime import date

import msgspec

from server.offers.limits import Limits
from server.offers.policy import applicable_terms, check_proposal
from server.offers.terms import Milestone, Terms

TODAY = date(2026, 11, 20)
LIMITS = Limits()

HOURLY = Terms(
    title="API work",
    contract_type="hourly",
    currency="USD",
    hourly_rate=4500,
    weekly_limit=20,
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 31),
    description="Build the API.",
)
FIXED = Terms(
    title="Website",
    contract_type="fixed",
    currency="USD",
    fixed_price=100000,
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 31),
    milestones=(
        Milestone("a", "Design", 40000, date(2026, 12, 10)),
        Milestone("b", "Build", 60000, date(2026, 12, 20)),
    ),
)


def errors(terms: Terms, committed: Terms = HOURLY, limits: Limits = LIMITS) -> dict[str, str]:
    return {e.field: e.message for e in check_proposal(terms, committed, limits, TODAY)}


def change(terms: Terms, **fields: object) -> Terms:
    return msgspec.structs.replace(terms, **fields)


def test_valid_changes_pass() -> None:
    assert errors(change(HOURLY, hourly_rate=5000)) == {}
    assert errors(change(FIXED, title="Website v2"), FIXED) == {}
    assert errors(FIXED, HOURLY) == {}  # switching type


def test_unchanged_draft_cannot_be_proposed() -> None:
    assert errors(HOURLY) == {"terms": "nothing differs from the current version"}


def test_fields_of_the_other_type_are_ignored() -> None:
    # A leftover fixed price on an hourly draft neither counts as a change nor fails a check.
    leftover = change(HOURLY, fixed_price=1, milestones=(Milestone("x", "", 1),))
    assert errors(leftover) == {"terms": "nothing differs from the current version"}
    assert applicable_terms(leftover) == HOURLY
    assert applicable_terms(change(FIXED, hourly_rate=1, weekly_limit=5)) == FIXED


def test_title_required() -> None:
    assert errors(change(HOURLY, title="  "))["title"] == "is required"


def test_hourly_needs_a_rate_above_minimum() -> None:
    assert errors(change(HOURLY, hourly_rate=None)) == {
        "hourly_rate": "is required for an hourly contract"
    }
    assert errors(change(HOURLY, hourly_rate=299)) == {
        "hourly_rate": "must be at least $3.00 an hour"
    }
    assert errors(change(HOURLY, hourly_rate=300)) == {}


def test_minimums_are_policy() -> None:
    strict = Limits(hourly_rate_min=1000)
    assert "hourly_rate" in errors(change(HOURLY, hourly_rate=900), limits=strict)


def test_minimum_is_formatted_in_the_offers_currency() -> None:
    yen = change(HOURLY, currency="JPY", hourly_rate=200)
    assert errors(yen)["hourly_rate"] == "must be at least ¥300 an hour"


def test_fixed_needs_a_price_above_minimum() -> None:
    assert errors(change(FIXED, fixed_price=None, milestones=()), FIXED) == {
        "fixed_price": "is required for a fixed-price contract"
    }
    assert errors(change(FIXED, fixed_price=499, milestones=()), FIXED) == {
        "fixed_price": "must be at least $5.00"
    }


def test_milestone_minimum_and_title_name_the_row() -> None:
    ms = (Milestone("a", "Design", 99600, None), Milestone("b", " ", 400, None))
    assert errors(change(FIXED, milestones=ms), FIXED) == {
        "milestones[1].title": "is required",
        "milestones[1].amount": "must be at least $5.00",
    }


def test_milestones_must_sum_to_price() -> None:
    ms = (Milestone("a", "Design", 40000), Milestone("b", "Build", 50000))
    assert errors(change(FIXED, milestones=ms), FIXED) == {
        "milestones": "amounts add up to $900.00 but the fixed price is $1,000.00"
    }
    # No milestones at all is fine: the whole price is one payment.
    assert errors(change(FIXED, milestones=()), FIXED) == {}


def test_end_before_start() -> None:
    assert errors(change(HOURLY, end_date=date(2026, 11, 30))) == {
        "end_date": "must be on or after the start date"
    }
    assert errors(change(HOURLY, end_date=date(2026, 12, 1))) == {}


def test_start_in_the_past_only_when_changed() -> None:
    assert errors(change(HOURLY, start_date=date(2026, 11, 19))) == {
        "start_date": "must not be in the past"
    }
    assert errors(change(HOURLY, start_date=TODAY)) == {}
    # An agreed start that time has overtaken does not block other changes.
    old = change(HOURLY, start_date=date(2026, 11, 1))
    assert errors(change(old, hourly_rate=5000), old) == {}


def test_end_in_the_past_when_changed() -> None:
    old = change(HOURLY, start_date=None, end_date=None)
    assert errors(change(old, end_date=date(2026, 11, 1)), old) == {
        "end_date": "must not be in the past"
    }


def test_milestone_dates() -> None:
    ms = (
        Milestone("a", "Design", 30000, date(2026, 11, 30)),  # before start
        Milestone("b", "Build", 30000, date(2026, 12, 20)),
        Milestone("c", "Test", 20000, date(2026, 12, 15)),  # before the previous one
        Milestone("d", "Launch", 20000, date(2027, 1, 5)),  # after the end
    )
    assert errors(change(FIXED, milestones=ms), FIXED) == {
        "milestones[0].due_date": "must not be before the start date",
        "milestones[2].due_date": "must not be before the previous milestone's due date",
        "milestones[3].due_date": "must not be after the end date",
    }


def test_milestone_due_in_the_past_without_a_start() -> None:
    base = change(FIXED, start_date=None, end_date=None)
    ms = (Milestone("a", "Design", 40000, date(2026, 11, 1)), FIXED.milestones[1])
    assert errors(change(base, milestones=ms), base) == {
        "milestones[0].due_date": "must not be in the past"
    }


def test_milestones_without_dates_are_fine() -> None:
    ms = (Milestone("a", "Design", 40000), Milestone("b", "Build", 60000, date(2026, 12, 5)))
    assert errors(change(FIXED, milestones=ms), FIXED) == {}


def test_every_error_is_reported_at_once() -> None:
    bad = change(
        FIXED, title="", fixed_price=400, milestones=(Milestone("a", "x", 100),), start_date=None
    )
    assert set(errors(bad, FIXED)) == {
        "title",
        "fixed_price",
        "milestones[0].amount",
        "milestones",
    }
