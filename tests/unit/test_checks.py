"""Shape checks on raw terms as they come out of a Y.Doc (numbers may be floats) or JSON."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from server.offers import money
from server.offers.checks import (
    DATE_MAX,
    DATE_MIN,
    FieldError,
    TermsInvalid,
    as_int,
    check_date_range,
    check_milestone,
    check_scalar,
    check_terms,
    line_problem,
)
from server.offers.currencies import CURRENCIES, WITHOUT_MINOR_UNIT
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


# --- currencies -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["USD", "EUR", "JPY", "BHD", "CLF", "XCG", "ZWG", "SLE", "VED"])
def test_currencies_in_use_are_accepted(code: str) -> None:
    assert scalar("currency", code) == (code, [])


@pytest.mark.parametrize(
    "code",
    [
        "ABC", "QQQ",  # well-formed, but no currency
        "HRK", "BGN", "ANG", "ZWL", "SLL", "CUC", "DEM",  # withdrawn (kuna, lev, guilder, ...)
        "XAU", "XDR", "XTS", "XXX",  # gold, drawing rights, testing, "no currency"
        "usd", "US", "USDD", " USD", 840,
    ],
)  # fmt: skip
def test_codes_that_price_nothing_are_refused(code: Any) -> None:
    assert scalar("currency", code) == (
        None,
        [FieldError("currency", "must be an ISO 4217 currency code, such as USD")],
    )


def test_the_currency_list_is_iso_4217_list_one_with_minor_units() -> None:
    assert len(CURRENCIES) == 165 and len(CURRENCIES | WITHOUT_MINOR_UNIT) == 178
    assert not CURRENCIES & WITHOUT_MINOR_UNIT
    assert all(len(c) == 3 and c.isascii() and c.isupper() for c in CURRENCIES)
    # Every currency money.py knows a special minor unit for can price an offer.
    assert set(money._EXPONENTS) <= CURRENCIES


# --- one-line text: controls, bidi and invisible characters --------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Logo\ndesign", "U+000A"), ("Logo\r\nFAKE LINE", "U+000D"), ("Logo\tdesign", "U+0009"),
        ("\x1b[31mred", "U+001B"), ("Logo\x7f", "U+007F"), ("Logo\x85design", "U+0085"),
        ("Logo\x00", "U+0000"),
    ],
)  # fmt: skip
def test_titles_refuse_control_characters(text: str, code: str) -> None:
    message = f"must be one line, without control characters (found {code})"
    assert scalar("title", text) == (None, [FieldError("title", message)])


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Logo gpj.exe\u202e", "U+202E"),  # RIGHT-TO-LEFT OVERRIDE: shows as "exe.jpg"
        ("a\u202ab", "U+202A"), ("a\u202db", "U+202D"), ("a\u2066b\u2069", "U+2066"),
        ("a\u2069", "U+2069"), ("a\u206ab", "U+206A"), ("one\u2028two", "U+2028"),
        ("one\u2029two", "U+2029"), ("a\ufff9b\ufffbc", "U+FFF9"),
        ("Logo\U000e0069\U000e0067\U000e006e", "U+E0069"),  # tag letters: smuggled "ign..."
        ("\U000e0001lang", "U+E0001"),
    ],
)  # fmt: skip
def test_titles_refuse_invisible_direction_and_format_controls(text: str, code: str) -> None:
    message = f"must not contain invisible formatting or text-direction characters (found {code})"
    assert scalar("title", text) == (None, [FieldError("title", message)])


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "Logo ", " Logo", "Logo  design",  # a title being typed
        "D\u00e9veloppeuse \U0001f469\u200d\U0001f4bb",  # ZERO WIDTH JOINER inside an emoji
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # ZWNJ: Persian spelling needs it
        "\u05e9\u05dc\u05d5\u05dd\u200f (Hebrew)", "\u061c\u0639\u0631\u0628\u064a",  # RLM, ALM
        "abc\u200edef",  # LEFT-TO-RIGHT MARK: only marks a direction
        "10\u00a0000 words", "co\u00adoperate",  # no-break space, soft hyphen
        "\u0e20\u0e32\u0e29\u0e32\u200b\u0e44\u0e17\u0e22",  # ZWSP between Thai words
        "Brand \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
        "\U0001f3f3\ufe0f\u200d\U0001f308 \u2764\ufe0f 1\ufe0f\u20e3",  # selectors, keycap
    ],
)  # fmt: skip
def test_titles_keep_everything_a_person_types(text: str) -> None:
    assert scalar("title", text) == (text, [])
    assert line_problem(text) is None


def test_a_tag_outside_a_flag_is_refused_even_next_to_a_flag() -> None:
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert line_problem(scotland + "\U000e0041") is not None
    assert line_problem("\U000e0067\U000e0062\U000e007f") is not None  # tags without the flag


def test_milestone_titles_are_one_line_too() -> None:
    errors: list[FieldError] = []
    raw = {"id": "m1", "title": "Design\u202e", "amount": 1}
    assert check_milestone(0, raw, LIMITS, errors) is None
    assert [e.field for e in errors] == ["milestones[0].title"]
    errors = []
    assert check_milestone(0, {"id": "m1", "title": "", "amount": 1}, LIMITS, errors) is not None
    assert errors == []  # an empty row, as just added in the room


def test_the_description_stays_free_prose_except_nul() -> None:
    prose = "Scope:\n\t- pages\r\n- logo \u202eetc\u2028"
    assert check_terms(RAW, prose, [], LIMITS).description == prose
    with pytest.raises(TermsInvalid) as info:
        check_terms(RAW, "a\x00b", [], LIMITS)
    assert info.value.errors == [FieldError("description", "must not contain NUL characters")]


def test_every_refused_character_fails_the_printable_fast_path() -> None:
    # line_problem skips its regex for printable text: sound only if nothing it refuses is
    # printable. Checked over the BMP and the planes holding tags.
    refused = [
        chr(c) for c in (*range(0x30000), *range(0xE0000, 0xE1000))
        if not 0xD800 <= c <= 0xDFFF and line_problem(f"a{chr(c)}b") is not None
    ]
    assert len(refused) > 200
    assert [c for c in refused if c.isprintable()] == []


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0002-12-01", "0020-12-01", "0202-12-01", "9999-12-31"])
def test_live_edits_keep_a_half_typed_year(value: str) -> None:
    # A browser's date input reports each keystroke of the year: 0002, 0020, 0202, 2026.
    assert scalar("start_date", value)[1] == []
    errors: list[FieldError] = []
    due = {"id": "m1", "amount": 1, "due_date": value}
    assert check_milestone(0, due, LIMITS, errors) is not None and errors == []


@pytest.mark.parametrize(
    ("day", "ok"),
    [(date(1999, 12, 31), False), (DATE_MIN, True), (date(2026, 12, 1), True), (DATE_MAX, True),
     (date(2101, 1, 1), False), (date(1, 1, 1), False), (date(9999, 12, 31), False)],
)  # fmt: skip
def test_finished_terms_name_dates_from_2000_to_2100(day: date, ok: bool) -> None:
    terms = Terms(title="T", contract_type="fixed", currency="USD", start_date=day, end_date=day,
                  milestones=(Milestone("a", "A", 1), Milestone("b", "B", 1, due_date=day)))
    message = "must be between 2000-01-01 and 2100-12-31"
    span = {"from": "2000-01-01", "to": "2100-12-31"}
    expected = [] if ok else [FieldError(f, message, "out_of_range", span)
                              for f in ("start_date", "end_date", "milestones[1].due_date")]
    assert check_date_range(terms) == expected
