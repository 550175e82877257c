"""Well-typed checks on raw terms, as they come out of a Y.Doc or a JSON body.

The guard runs these on every edit that touches the terms, so each problem names its field and says
in plain words what is wrong. Numbers from Yjs may arrive as floats: an integral float is accepted
as the integer it is, anything else in a money or count field is an error.

Everything here must accept every state a person passes through while typing: an empty title, a
trailing space, a date whose year is half typed (a browser's date input reports "0002-12-01" while
the year 2026 is being keyed in). Rules that only a finished value can meet (a title that is not
blank, dates within ``DATE_MIN``..``DATE_MAX``) are checked on finished terms: ``check_date_range``
and the creation checks in ``server.negotiation.creation``.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import msgspec

from server.offers.currencies import CURRENCIES
from server.offers.limits import Limits
from server.offers.terms import MILESTONE_FIELDS, SCALAR_FIELDS, Milestone, Terms

#: Exactly YYYY-MM-DD: date.fromisoformat also takes ISO week dates like "2026-W01-1".
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The dates a finished offer may name (start, end, milestone due dates). An offer is work about to
#: be done: 2000 leaves room for importing a long-running contract, 2100 is beyond any plan, and
#: both keep date arithmetic (durations, schedule shifts) far from year 1 and year 9999, where
#: Python's dates overflow. A fixed range, not one relative to today: a draft valid today must not
#: turn invalid tomorrow without anyone touching it.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)

#: What a one-line text (a title, a party's name or id) must not contain, found in one C-level
#: scan. Each is something nobody types into one line, and each misleads a reader or a program:
_UNSAFE_IN_LINE = re.compile(
    "["
    # C0 and C1 controls, DEL among them: CR, LF and NEL forge extra lines in logs, CSV exports,
    # e-mails and webhook consumers; ESC starts terminal escape sequences; tab is refused too (a
    # title is one line of words, and a pasted tab is a spreadsheet cell boundary).
    "\x00-\x1f\x7f-\x9f"
    # LINE and PARAGRAPH SEPARATOR: line breaks to browsers, JavaScript and many log viewers.
    "\u2028\u2029"
    # Bidi embeddings and overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI): they
    # reorder the text around them on the other party's screen ("Trojan Source", CVE-2021-42574;
    # "Logo gpj.exe" shown as "Logo exe.jpg"). LRM, RLM and ALM stay allowed: they only mark a
    # direction, and Arabic and Hebrew keyboards type them.
    "\u202a-\u202e\u2066-\u2069"
    # Deprecated format controls (inhibit symmetric swapping, digit shapes, ...): no keyboard
    # types them, and they change how the text is drawn.
    "\u206a-\u206f"
    # Interlinear annotation controls: mark text as hidden ruby annotations.
    "\ufff9-\ufffb"
    # Tag characters: invisible, yet read as ASCII by programs, and by the language model that
    # explains proposals ("ASCII smuggling" of instructions). Flag emoji made of tags (England,
    # Scotland, Wales) are the one legitimate use, allowed by _FLAG_TAGS.
    "\U000e0000-\U000e007f"
    "]"
)
#: A subdivision flag: WAVING BLACK FLAG, tag letters, CANCEL TAG.
_FLAG_TAGS = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_TAGS = range(0xE0000, 0xE0080)
_KNOWN_SCALARS = frozenset(SCALAR_FIELDS)
_KNOWN_MILESTONE_KEYS = frozenset(MILESTONE_FIELDS)


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str
    #: What is wrong, for a client to word itself (policy checks set it; "" elsewhere).
    code: str = ""
    #: The figures in the message (minor units, ISO dates), for that wording.
    params: dict[str, int | str] | None = None


class TermsInvalid(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def as_int(value: Any) -> int | None:
    """The integer a Yjs number stands for, or None when it is not integral."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _check_money(field: str, value: Any, limits: Limits, errors: list[FieldError]) -> int | None:
    n = as_int(value)
    if n is None:
        errors.append(FieldError(field, "must be a whole number of cents"))
        return None
    if not 0 <= n <= limits.money_max:
        errors.append(FieldError(field, f"must be between 0 and {limits.money_max} cents"))
        return None
    return n


def _check_date(field: str, value: Any, errors: list[FieldError]) -> date | None:
    if not isinstance(value, str):
        errors.append(FieldError(field, "must be a date (YYYY-MM-DD)"))
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(field, f"{value!r} is not a valid date (YYYY-MM-DD)"))
        return None


def line_problem(text: str) -> str | None:
    """What makes ``text`` unfit for a one-line field (see ``_UNSAFE_IN_LINE``), or None."""
    # Fast path, one C-level pass: every refused character is of a category isprintable() rejects
    # (Cc, Cf, Zl, Zp), so printable text, which is nearly every title, needs no regex at all.
    if text.isprintable():
        return None
    found = _UNSAFE_IN_LINE.search(text)
    if found is not None and ord(found.group()) in _TAGS:
        found = _UNSAFE_IN_LINE.search(_FLAG_TAGS.sub("", text))
    if found is None:
        return None  # a joiner, a soft hyphen, a no-break space, a direction mark: all fine
    char = found.group()
    code = f"U+{ord(char):04X}"
    if char <= "\x9f":
        return f"must be one line, without control characters (found {code})"
    return f"must not contain invisible formatting or text-direction characters (found {code})"


def _check_text(
    field: str, value: Any, max_len: int, errors: list[FieldError], *, one_line: bool = True
) -> str | None:
    if not isinstance(value, str):
        errors.append(FieldError(field, "must be text"))
        return None
    if len(value) > max_len:
        errors.append(FieldError(field, f"must be at most {max_len} characters"))
        return None
    if one_line:
        problem = line_problem(value)
        if problem is not None:
            errors.append(FieldError(field, problem))
            return None
    elif "\x00" in value:  # PostgreSQL cannot store NUL in text or jsonb; nobody types one
        errors.append(FieldError(field, "must not contain NUL characters"))
        return None
    return value


def check_scalar(field: str, value: Any, limits: Limits, errors: list[FieldError]) -> Any:
    """Check one scalar field of the ``terms`` map; returns its normalised value."""
    if field not in _KNOWN_SCALARS:
        errors.append(FieldError(field, "is not a field of an offer"))
        return None
    if field == "title":
        return _check_text(field, value, limits.title_max, errors)
    if field == "contract_type":
        if value not in ("hourly", "fixed"):
            errors.append(FieldError(field, "must be 'hourly' or 'fixed'"))
            return None
        return value
    if field == "currency":
        if not isinstance(value, str) or value not in CURRENCIES:
            errors.append(FieldError(field, "must be an ISO 4217 currency code, such as USD"))
            return None
        return value
    if field == "manual_time":
        if not isinstance(value, bool):
            errors.append(FieldError(field, "must be true or false"))
            return None
        return value
    if value is None:
        return None  # every remaining field is optional
    if field in ("hourly_rate", "fixed_price"):
        return _check_money(field, value, limits, errors)
    if field == "weekly_limit":
        n = as_int(value)
        if n is None or not limits.weekly_limit_min <= n <= limits.weekly_limit_max:
            errors.append(
                FieldError(
                    field,
                    f"must be whole hours from {limits.weekly_limit_min} to "
                    f"{limits.weekly_limit_max}, or no limit",
                )
            )
            return None
        return n
    return _check_date(field, value, errors)  # start_date, end_date


def check_milestone(
    index: int, raw: Any, limits: Limits, errors: list[FieldError]
) -> Milestone | None:
    field = f"milestones[{index}]"
    if not isinstance(raw, dict):
        errors.append(FieldError(field, "must be a milestone"))
        return None
    unknown = set(raw) - _KNOWN_MILESTONE_KEYS
    if unknown:
        errors.append(FieldError(field, f"unknown key {sorted(unknown)[0]!r}"))
    before = len(errors)
    mid = raw.get("id")
    if not isinstance(mid, str) or not 0 < len(mid) <= 64:
        errors.append(FieldError(f"{field}.id", "must be a short text id"))
    title = _check_text(f"{field}.title", raw.get("title", ""), limits.milestone_title_max, errors)
    amount = _check_money(f"{field}.amount", raw.get("amount"), limits, errors)
    due_raw = raw.get("due_date")
    due = None if due_raw is None else _check_date(f"{field}.due_date", due_raw, errors)
    if len(errors) > before or unknown:
        return None
    assert title is not None and amount is not None and isinstance(mid, str)
    return Milestone(id=mid, title=title, amount=amount, due_date=due)


def check_terms(raw: dict[str, Any], description: Any, milestones: Any, limits: Limits) -> Terms:
    """Build Terms from raw doc values, or raise TermsInvalid naming every bad field."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        values[key] = check_scalar(key, value, limits, errors)
    for required in ("title", "contract_type", "currency"):
        if required not in raw:
            errors.append(FieldError(required, "is required"))
    # Multi-line prose (the guard checks live edits of its Y.Text on its own): NUL only.
    desc = _check_text("description", description, limits.description_max, errors, one_line=False)
    items: list[Milestone] = []
    if not isinstance(milestones, list):
        errors.append(FieldError("milestones", "must be a list"))
    elif len(milestones) > limits.milestones_max:
        errors.append(FieldError("milestones", f"at most {limits.milestones_max} milestones"))
    else:
        seen: set[str] = set()
        for i, m in enumerate(milestones):
            ms = check_milestone(i, m, limits, errors)
            if ms is not None:
                if ms.id in seen:
                    errors.append(FieldError(f"milestones[{i}].id", "duplicate milestone id"))
                seen.add(ms.id)
                items.append(ms)
    if errors:
        raise TermsInvalid(errors)
    return Terms(description=desc or "", milestones=tuple(items), **values)


def check_date_range(terms: Terms) -> list[FieldError]:
    """Every date of finished ``terms`` outside ``DATE_MIN``..``DATE_MAX``, named by its field.

    Not part of the live checks above: a date being typed passes through years like 0002.
    """
    dated = [("start_date", terms.start_date), ("end_date", terms.end_date)]
    dated += [(f"milestones[{i}].due_date", m.due_date) for i, m in enumerate(terms.milestones)]
    return [
        FieldError(field, f"must be between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}",
                   "out_of_range", {"from": DATE_MIN.isoformat(), "to": DATE_MAX.isoformat()})
        for field, day in dated
        if day is not None and not DATE_MIN <= day <= DATE_MAX
    ]
