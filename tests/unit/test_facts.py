"""Facts of a proposed change: field changes, derived figures, hashing, display forms."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from server.explain.facts import (
    CUT,
    FRAGMENT_CHARS,
    FRAGMENT_WORDS,
    MAX_FRAGMENTS,
    Comparison,
    ValueChange,
    build_facts,
    duration,
    scope_fragments,
)
from server.explain.grounding import check_grounding
from server.explain.offline import duration_text, offline_text
from server.offers.money import format_money, format_percent, money_forms, to_major
from server.offers.terms import Milestone, Terms

HOURLY = Terms(
    title="API work",
    contract_type="hourly",
    currency="USD",
    hourly_rate=4500,
    weekly_limit=20,
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 28),
    description="Build the API. Write tests.",
)
FIXED = Terms(
    title="API work",
    contract_type="fixed",
    currency="USD",
    fixed_price=300000,
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 28),
    description="Build the API. Write tests.",
    milestones=(
        Milestone("a", "Design", 100000, date(2026, 12, 10)),
        Milestone("b", "Build", 200000, date(2026, 12, 20)),
    ),
)


def change(terms: Terms, **fields: object) -> Terms:
    return msgspec.structs.replace(terms, **fields)


def test_rate_change() -> None:
    f = build_facts(HOURLY, change(HOURLY, hourly_rate=5000))
    assert f.changes == (ValueChange("hourly_rate", "money", 4500, 5000, change=500, percent=11.1),)
    assert f.weekly_cost == Comparison(90000, 100000, 10000, 11.1)
    assert (f.before.weeks, f.after.weeks) == (4, 4)
    assert f.total_value == Comparison(360000, 400000, 40000, 11.1)
    assert f.milestones == () and f.description is None and f.milestone_gap is None


def test_percent_rounds_half_up_to_one_decimal() -> None:
    f = build_facts(HOURLY, change(HOURLY, hourly_rate=4000))
    assert f.changes[0].percent == -11.1
    f = build_facts(change(HOURLY, hourly_rate=800), change(HOURLY, hourly_rate=801))
    assert f.changes[0].percent == 0.1  # 1/800 is 0.125 %


def test_weeks_round_up_and_need_both_dates() -> None:
    f = build_facts(HOURLY, change(HOURLY, end_date=date(2026, 12, 29)))
    assert (f.before.weeks, f.after.weeks) == (4, 5)
    assert f.changes == (ValueChange("end_date", "date", "2026-12-28", "2026-12-29", days=1),)
    f = build_facts(HOURLY, change(HOURLY, end_date=None))
    assert f.after.weeks is None and f.after.total_value is None
    assert f.total_value == Comparison(360000, None, None, None)


def test_weekly_limit_to_no_limit() -> None:
    f = build_facts(HOURLY, change(HOURLY, weekly_limit=None))
    assert f.changes == (ValueChange("weekly_limit", "hours", 20, None),)
    assert f.weekly_cost == Comparison(90000, None, None, None)


def test_switch_hourly_to_fixed_compares_totals() -> None:
    f = build_facts(HOURLY, FIXED)
    assert [c.field for c in f.changes] == [
        "contract_type",
        "hourly_rate",
        "weekly_limit",
        "fixed_price",
    ]
    assert f.total_value == Comparison(360000, 300000, -60000, -16.7)
    assert [m.op for m in f.milestones] == ["added", "added"]
    assert f.milestone_gap == 0
    assert f.after.weekly_cost is None


def test_fields_the_type_does_not_use_are_not_facts() -> None:
    leftover = change(HOURLY, fixed_price=999, milestones=FIXED.milestones)
    assert build_facts(HOURLY, leftover).is_empty()


def test_milestone_changes() -> None:
    moved = Milestone("b", "Build v2", 250000, date(2026, 12, 27))
    new = Milestone("c", "Launch", 50000, None)
    f = build_facts(FIXED, change(FIXED, fixed_price=300000, milestones=(moved, new)))
    by_id = {m.id: m for m in f.milestones}
    b = by_id["b"]
    assert (b.op, b.title, b.old_title) == ("changed", "Build v2", "Build")
    assert (b.old_amount, b.new_amount, b.amount_change, b.percent) == (200000, 250000, 50000, 25.0)
    assert (b.old_due, b.new_due, b.due_days) == ("2026-12-20", "2026-12-27", 7)
    assert by_id["c"].op == "added" and by_id["a"].op == "removed"
    assert f.after.milestone_total == 300000 and f.milestone_gap == 0


def test_milestone_gap() -> None:
    f = build_facts(FIXED, change(FIXED, fixed_price=350000))
    assert f.milestone_gap == -50000


def test_description_fact() -> None:
    f = build_facts(
        HOURLY, change(HOURLY, description="Build the API quickly. Write tests. Deploy.")
    )
    assert f.description is not None
    assert (f.description.old_words, f.description.new_words) == (5, 7)
    assert f.description.reworded == (("Build the API.", "Build the API quickly."),)
    assert f.description.added == ("Deploy.",)


def test_currency_change_is_not_compared() -> None:
    f = build_facts(HOURLY, change(HOURLY, currency="EUR", hourly_rate=4200))
    rate = next(c for c in f.changes if c.field == "hourly_rate")
    assert rate.change is None and rate.percent is None
    assert f.weekly_cost == Comparison(90000, 84000, None, None)


def test_hash_is_stable_and_sensitive() -> None:
    a = build_facts(HOURLY, change(HOURLY, hourly_rate=5000))
    b = build_facts(HOURLY, change(HOURLY, hourly_rate=5000))
    c = build_facts(HOURLY, change(HOURLY, hourly_rate=5001))
    assert a.facts_hash() == b.facts_hash() != c.facts_hash()
    assert len(a.facts_hash()) == 64
    # Canonical: keys sorted, so the bytes do not depend on struct field order.
    raw = msgspec.json.decode(a.canonical_json())
    assert list(raw) == sorted(raw)


def test_facts_round_trip_as_json() -> None:
    f = build_facts(HOURLY, FIXED)
    assert msgspec.json.decode(msgspec.json.encode(f), type=type(f)) == f


def test_figures_in_several_forms() -> None:
    figures = build_facts(HOURLY, change(HOURLY, hourly_rate=5000)).figures()
    for form in ("$45.00", "$50.00", "$5.00", "4500", "45", "11.1%", "11%", "1 Dec 2026",
                 "Dec 1, 2026", "2026-12-01", "$3,600.00", "3600", "20", "4"):  # fmt: skip
        assert form in figures, form


def test_texts_are_party_written_strings() -> None:
    f = build_facts(FIXED, change(FIXED, title="API v2"))
    assert set(f.texts()) == {"API work", "API v2"}


def test_money_formats() -> None:
    assert format_money(450000, "USD") == "$4,500.00"
    assert format_money(-500, "USD") == "-$5.00"
    assert format_money(500000, "JPY") == "¥500,000"
    assert format_money(120000, "EUR") == "€1,200.00"
    assert format_money(1250, "BHD") == "BHD 1.250"
    assert format_money(4500, "CAD") == "CAD 45.00"
    assert str(to_major(1250, "BHD")) == "1.250"
    assert "CAD 45.00" in money_forms(4500, "CAD") and "$45.00" in money_forms(4500, "CAD")
    assert format_percent(25.0) == "25%" and format_percent(-16.7) == "-16.7%"


# -- the one duration rule ----------------------------------------------------------------------

#: (start, end) -> (days, weeks, shown): what the summary, the facts and the web app all say.
#: The web app copies this table (web/src), so a change here is a change there.
DURATIONS: list[tuple[date, date, int, int, str]] = [
    (date(2026, 12, 1), date(2026, 12, 1), 1, 1, "1 day"),
    (date(2026, 12, 1), date(2026, 12, 7), 7, 1, "7 days"),
    (date(2026, 12, 1), date(2026, 12, 8), 8, 2, "8 days"),
    (date(2026, 12, 1), date(2026, 12, 13), 13, 2, "13 days"),
    (date(2026, 12, 1), date(2026, 12, 14), 14, 2, "2 weeks"),
    (date(2026, 12, 1), date(2026, 12, 15), 15, 3, "3 weeks"),
    (date(2026, 12, 1), date(2026, 12, 28), 28, 4, "4 weeks"),
    (date(2026, 12, 1), date(2026, 12, 29), 29, 5, "5 weeks"),
    (date(2026, 12, 1), date(2027, 1, 25), 56, 8, "8 weeks"),
    (date(2026, 12, 1), date(2027, 1, 26), 57, 9, "9 weeks"),
    (date(2026, 12, 1), date(2027, 1, 31), 62, 9, "9 weeks"),
    (date(2028, 2, 1), date(2028, 2, 29), 29, 5, "5 weeks"),  # a leap day counts
    (date(2026, 12, 1), date(2027, 11, 30), 365, 53, "53 weeks"),
]


@pytest.mark.parametrize(("start", "end", "days", "weeks", "shown"), DURATIONS)
def test_duration_rule(start: date, end: date, days: int, weeks: int, shown: str) -> None:
    term = duration(start, end)
    assert term is not None
    assert (term.days, term.weeks) == (days, weeks)
    assert duration_text(term) == shown
    # The facts use the same rule for both sides, and it is what the explanation says.
    f = build_facts(change(HOURLY, start_date=start, end_date=end),
                    change(HOURLY, start_date=start, end_date=end, hourly_rate=5000))
    assert (f.after.days, f.after.weeks, f.after.duration) == (days, weeks, term)
    assert f.after.total_value == 5000 * 20 * weeks


def test_duration_needs_both_dates_in_order() -> None:
    assert duration(None, date(2026, 12, 1)) is None
    assert duration(date(2026, 12, 1), None) is None
    assert duration(date(2026, 12, 2), date(2026, 12, 1)) is None
    f = build_facts(HOURLY, change(HOURLY, end_date=None))
    assert (f.after.days, f.after.weeks, f.after.duration) == (None, None, None)


def test_duration_in_every_language() -> None:
    term = duration(date(2026, 12, 1), date(2027, 1, 25))
    short = duration(date(2026, 12, 1), date(2026, 12, 10))
    assert term is not None and short is not None
    assert [duration_text(term, lang) for lang in ("en", "de", "es")] == [
        "8 weeks", "8 Wochen", "8 semanas"]  # fmt: skip
    assert [duration_text(short, lang) for lang in ("en", "de", "es")] == [
        "10 days", "10 Tage", "10 días"]  # fmt: skip


def test_the_explanation_and_the_facts_agree_on_weeks() -> None:
    # The defect: "9 weeks" in the explanation where the summary said 8 (1 Dec - 25 Jan).
    old = change(HOURLY, end_date=date(2027, 1, 25))
    f = build_facts(old, change(old, hourly_rate=5000))
    assert f.after.weeks == 8
    assert "8 weeks" in offline_text(f) and "9 weeks" not in offline_text(f)


# -- scope fragments ----------------------------------------------------------------------------


def test_fragments_say_what_a_scope_change_adds_and_removes() -> None:
    old = "We meet daily for standups. Build the booking app."
    new = "We hold a weekly status call on Mondays. Build the booking app and the admin screen."
    added, removed, more = scope_fragments(old, new)
    assert added == ("hold a weekly status call on Mondays", "and the admin screen")
    assert removed == ("meet daily for standups",)
    assert more is False


def test_fragments_ignore_punctuation_and_split_at_sentences() -> None:
    assert scope_fragments("Write tests.", "Write tests") == ((), (), False)
    added, removed, _ = scope_fragments("Build it.", "Build it. Deploy it. Then monitor it!")
    assert added == ("Deploy it", "Then monitor it") and removed == ()


def test_fragments_are_bounded() -> None:
    long_run = " ".join(f"word{i}" for i in range(40))
    added, _, _ = scope_fragments("Start.", "Start. " + long_run)
    assert added == (" ".join(f"word{i}" for i in range(FRAGMENT_WORDS)) + CUT,)
    assert len(added[0].split()) == FRAGMENT_WORDS
    huge = "x" * 500
    added, _, _ = scope_fragments("a", "a " + huge)
    assert len(added[0]) <= FRAGMENT_CHARS + 1 and added[0].endswith(CUT)
    many = " ".join(f"New item {i}." for i in range(6))
    added, _, more = scope_fragments("Old.", "Old. " + many)
    assert len(added) == MAX_FRAGMENTS and more is True


def test_fragments_are_facts_and_party_text() -> None:
    scope = "Build the API. Write tests. Add 17 reports."
    f = build_facts(HOURLY, change(HOURLY, description=scope))
    assert f.description is not None
    assert f.description.added_fragments == ("Add 17 reports",)
    assert "Add 17 reports" in f.texts()  # quoted verbatim, its digits are data, not claims
    assert check_grounding("It adds “Add 17 reports”.", f).grounded
    assert not check_grounding("It adds 17 reports.", f).grounded
