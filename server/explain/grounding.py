"""The grounding check: every figure in an explanation must be one of the facts (docs/DOMAIN.md).

Text and facts go through the same reader, which turns each amount, percentage, date and number
into a normalised key (``money:$:4500``, ``pct:12.5``, ``date:2026-12-01``, ``num:7``), so
``$4,500.00``, ``$4,500`` and ``4500`` are one figure and ``Dec 1, 2026`` equals ``2026-12-01``.
The text is grounded when each of its keys is among the facts' keys. Party-written strings quoted
verbatim (titles, milestone names) are set aside first: their digits are data, not claims.

Limits, by design: a bare number ("5 weeks") matches any fact of that value, since prose does not
reliably tie a number to its unit; amounts with a currency, percentages and dates must match a fact
of their own kind (``€45.00`` is not ``$45.00``). Numbers written as words ("two milestones") are
not checked, so a model must be told to write digits.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

import msgspec

from server.explain.facts import Facts

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# "May" only capitalised: "8 may apply" is not a date.
_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|(?-i:May|MAY)|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_ORD = r"(?:st|nd|rd|th)?"
_SYM = "$€£¥₹₩"
_TOKEN = re.compile(
    rf"""
    (?P<iso>\b(?P<y0>\d{{4}})-(?P<m0>\d{{2}})-(?P<d0>\d{{2}})\b)
  | (?P<dmy>\b(?P<d1>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m1>{_MONTH})\b\.?(?:,?\s+(?P<y1>\d{{4}})\b)?)
  | (?P<mdy>\b(?P<m2>{_MONTH})\b\.?\s+(?P<d2>\d{{1,2}}){_ORD}\b(?:,?\s+(?P<y2>\d{{4}})\b)?)
  | (?P<us>\b(?P<m3>\d{{1,2}})/(?P<d3>\d{{1,2}})/(?P<y3>\d{{4}})\b)
  | (?P<sym>(?<![\w{_SYM}])[-+\u2212]?(?-i:[A-Z]{{1,2}})?(?P<s>[{_SYM}])\s?
             (?P<n1>{_NUM})(?P<k1>k\b)?)
  | (?P<code>\b(?P<c1>(?-i:[A-Z]{{3}}))\s?(?P<n2>{_NUM})(?![\w]))
  | (?P<codeafter>(?<![\w.,])(?P<n3>{_NUM})\s?(?P<c2>(?-i:[A-Z]{{3}}))\b)
  | (?P<pct>(?<![\w.,])[-+\u2212]?(?P<n4>{_NUM})\s?(?:%|percent\b|per\s+cent\b))
  | (?P<num>(?<![\w.,])[-+\u2212]?(?P<n5>{_NUM}){_ORD}(?P<k>[kK])?(?![\w]))
    """,
    re.VERBOSE | re.IGNORECASE,
)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip
_QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb"
#: Codes read as a currency in "USD 45" / "45 EUR"; other capitalised words stay words.
_CODES = frozenset((
    "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "CNY", "HKD", "SGD", "INR", "KRW",
    "BRL", "MXN", "ZAR", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RUB", "TRY", "ILS", "AED",
    "SAR", "QAR", "BHD", "KWD", "OMR", "JOD", "IQD", "LYD", "TND", "EGP", "NGN", "KES", "PHP",
    "IDR", "THB", "VND", "MYR", "PKR", "BDT", "UAH", "RON", "BGN", "ISK", "CLP", "COP", "PEN",
))  # fmt: skip


class GroundingResult(msgspec.Struct, frozen=True):
    grounded: bool
    #: Figures in the text that match no fact, as written.
    unsupported: list[str]


def check_grounding(text: str, facts: Facts) -> GroundingResult:
    """Whether every number, amount, percentage and date in ``text`` is one of ``facts``."""
    allowed = fact_keys(facts)
    unsupported: list[str] = []
    for raw, key in read_figures(_mask_quotes(text, facts.texts())):
        if key not in allowed and raw not in unsupported:
            unsupported.append(raw)
    return GroundingResult(not unsupported, unsupported)


def fact_keys(facts: Facts) -> set[str]:
    """The normalised keys of every figure in the facts; an amount also counts as a bare number."""
    keys: set[str] = set()
    for figure in facts.figures():
        for _, key in read_figures(figure):
            keys.add(key)
            kind, _, rest = key.partition(":")
            if kind == "money":
                keys.add("num:" + rest.rpartition(":")[2])
            elif kind == "pct":
                keys.add("num:" + rest)
            elif kind == "date":
                keys.add("md:" + rest[5:])
    return keys


def read_figures(text: str) -> list[tuple[str, str]]:
    """Each figure in ``text`` as (as written, normalised key), in order of appearance."""
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0).strip()
        out.append((raw, _key(m)))
    return out


def _key(m: re.Match[str]) -> str:
    g = m.group
    if g("iso"):
        return _date_key(g("y0"), int(g("m0")), g("d0"))
    if g("dmy"):
        return _date_key(g("y1"), _month(g("m1")), g("d1"))
    if g("mdy"):
        return _date_key(g("y2"), _month(g("m2")), g("d2"))
    if g("us"):
        return _date_key(g("y3"), int(g("m3")), g("d3"))
    if g("sym"):
        return f"money:{g('s')}:{_number(g('n1'), 1000 if g('k1') else 1)}"
    if g("code"):
        code = g("c1").upper()
        return f"money:{code}:{_number(g('n2'))}" if code in _CODES else f"num:{_number(g('n2'))}"
    if g("codeafter"):
        code = g("c2").upper()
        return f"money:{code}:{_number(g('n3'))}" if code in _CODES else f"num:{_number(g('n3'))}"
    if g("pct"):
        return f"pct:{_number(g('n4'))}"
    scale = 1000 if g("k") else 1
    return f"num:{_number(g('n5'), scale)}"


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _date_key(year: str | None, month: int, day: str) -> str:
    try:
        if year is None:
            date(2000, month, int(day))  # a leap year, so 29 Feb is a date
            return f"md:{month:02d}-{int(day):02d}"
        return "date:" + date(int(year), month, int(day)).isoformat()
    except ValueError:
        return f"invalid-date:{year}-{month}-{day}"


def _number(raw: str, scale: int = 1) -> str:
    try:
        value = abs(Decimal(raw.replace(",", ""))) * scale
    except InvalidOperation:
        return "nan"
    return f"{value.normalize():f}"


def _mask_quotes(text: str, quoted: list[str]) -> str:
    """Blank out party-written strings the text quotes verbatim, longest first."""
    for s in sorted(set(quoted), key=len, reverse=True):
        pattern = f"[{_QUOTES}]" + re.escape(s) + f"[{_QUOTES}]"
        text = re.sub(pattern, " ", text)
    return text
