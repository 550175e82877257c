"""Well-typed checks on raw terms, as they come out of a Y.Doc or a JSON body.

The guard runs these on every edit that touches the terms, so each problem names its field and says
in plain words what is wrong. Numbers from Yjs may arrive as floats: an integral float is accepted
as the integer it is, anything else in a money or count field is an error.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import msgspec

from server.offers.limits import Limits
from server.offers.terms import MILESTONE_FIELDS, SCALAR_FIELDS, Milestone, Terms

_CURRENCY = re.compile(r"[A-Z]{3}")
#: Exactly YYYY-MM-DD: date.fromisoformat also takes ISO week dates like "2026-W01-1".
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KNOWN_SCALARS = frozenset(SCALAR_FIELDS)
_KNOWN_MILESTONE_KEYS = frozenset(MILESTONE_FIELDS)


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


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


def _check_text(field: str, value: Any, max_len: int, errors: list[FieldError]) -> str | None:
    if not isinstance(value, str):
        errors.append(FieldError(field, "must be text"))
        return None
    if "\x00" in value:  # PostgreSQL cannot store NUL in text or jsonb; nobody types one
        errors.append(FieldError(field, "must not contain NUL characters"))
        return None
    if len(value) > max_len:
        errors.append(FieldError(field, f"must be at most {max_len} characters"))
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
        if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
            errors.append(FieldError(field, "must be a three-letter ISO 4217 code"))
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
    desc = _check_text("description", description, limits.description_max, errors)
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
