"""The grounding check: every figure in an explanation must be one of the facts (docs/RULES.md).

Text and facts go through the same reader, which turns each amount, percentage, date and number
into a normalised key (``money:$:4500``, ``pct:12.5``, ``date:2026-12-01``, ``num:7``), so
``$4,500.00``, ``$4,500`` and ``4500`` are one figure and ``Dec 1, 2026`` equals ``2026-12-01``.
The text is grounded when each of its keys is among the facts' keys. Party-written strings quoted
verbatim (titles, milestone names, scope fragments) are set aside first: their digits are data,
not claims.

The reader knows each language's formats (``server/i18n.py``): in German and Spanish the comma is
the decimal mark and the point groups thousands (``4.500,00 $``, ``4.500,00 US$``, ``11,1 %``),
dates read ``1. Dezember 2026`` / ``1 de diciembre de 2026`` / ``01.12.2026`` / ``1/12/2026``
(day first), and the symbol or code may follow the amount. The facts' keys do not depend on the
language, so one set of keys checks a text in any of them. A number with both marks is read with
the later one as the decimal mark, whatever the language; a lone mark is read the language's way
(``4.500`` is 4500 in German, 4.5 in English), except that a lone grouping mark not followed by
exactly three digits can only be a decimal one (``12.5 %`` in German prose).

Limits, by design: a bare number ("5 weeks") matches any fact of that value, since prose does not
reliably tie a number to its unit; amounts with a currency, percentages and dates must match a fact
of their own kind (``€45.00`` is not ``$45.00``). Numbers written as words ("two milestones") are
not checked, so a model must be told to write digits.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal, InvalidOperation

import msgspec

from server.explain.facts import Facts
from server.i18n import DEFAULT, Lang

#: Digits with thousands grouped by a point, comma or (narrow) no-break space, then decimals.
_NUM = r"\d{1,3}(?:[.,\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_ORD = r"(?:st|nd|rd|th)?"
_SYM = "$€£¥₹₩"
#: Month names and abbreviations each language's dates use; a reader of German or Spanish also
#: knows the English ones (a model may slip into them, and they are figures all the same).
_MONTH_NAMES: dict[Lang, dict[int, tuple[str, ...]]] = {
    "en": {
        1: ("january", "jan"), 2: ("february", "feb"), 3: ("march", "mar"),
        4: ("april", "apr"), 5: (), 6: ("june", "jun"), 7: ("july", "jul"),
        8: ("august", "aug"), 9: ("september", "sept", "sep"), 10: ("october", "oct"),
        11: ("november", "nov"), 12: ("december", "dec"),
    },
    "de": {
        1: ("januar", "jänner", "jan"), 2: ("februar", "feb"), 3: ("märz", "mär", "mrz"),
        4: ("april", "apr"), 5: ("mai",), 6: ("juni", "jun"), 7: ("juli", "jul"),
        8: ("august", "aug"), 9: ("september", "sept", "sep"), 10: ("oktober", "okt"),
        11: ("november", "nov"), 12: ("dezember", "dez"),
    },
    "es": {
        1: ("enero", "ene"), 2: ("febrero", "feb"), 3: ("marzo", "mar"), 4: ("abril", "abr"),
        5: ("mayo", "may"), 6: ("junio", "jun"), 7: ("julio", "jul"), 8: ("agosto", "ago"),
        9: ("septiembre", "setiembre", "sept", "sep"), 10: ("octubre", "oct"),
        11: ("noviembre", "nov"), 12: ("diciembre", "dic"),
    },
}  # fmt: skip
#: English "May" only capitalised: "8 may apply" is not a date.
_MAY = "(?-i:May|MAY)"
_QUOTES = "\"'`\u201c\u201d\u201e\u2018\u2019\u201a\u00ab\u00bb\u2039\u203a"
#: Codes read as a currency in "USD 45" / "45 EUR"; other capitalised words stay words.
_CODES = frozenset((
    "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "CNY", "HKD", "SGD", "INR", "KRW",
    "BRL", "MXN", "ZAR", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RUB", "TRY", "ILS", "AED",
    "SAR", "QAR", "BHD", "KWD", "OMR", "JOD", "IQD", "LYD", "TND", "EGP", "NGN", "KES", "PHP",
    "IDR", "THB", "VND", "MYR", "PKR", "BDT", "UAH", "RON", "BGN", "ISK", "CLP", "COP", "PEN",
))  # fmt: skip

#: Dollars named by a prefix (``US$`` in Spanish, ``CA$`` / ``MX$`` in German): the prefix says
#: which currency, so ``45,00 US$`` is not a fact about Canadian dollars.
_DOLLARS = {"US": "USD", "CA": "CAD", "A": "AUD", "AU": "AUD", "NZ": "NZD", "HK": "HKD",
            "S": "SGD", "SG": "SGD", "MX": "MXN"}  # fmt: skip


class GroundingResult(msgspec.Struct, frozen=True):
    grounded: bool
    #: Figures in the text that match no fact, as written.
    unsupported: list[str]


class Grounding:
    """The facts' keys, computed once, to check many texts (a model's answer sentence by
    sentence) against the same facts."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.keys = fact_keys(facts)
        self._quoted = facts.texts()

    def check(self, text: str, lang: Lang = DEFAULT) -> GroundingResult:
        """Whether every number, amount, percentage and date in ``text`` is one of the facts."""
        unsupported: list[str] = []
        for raw, key in read_figures(mask_quotes(text, self._quoted), lang):
            if key not in self.keys and raw not in unsupported:
                unsupported.append(raw)
        return GroundingResult(not unsupported, unsupported)


def check_grounding(text: str, facts: Facts, lang: Lang = DEFAULT) -> GroundingResult:
    """Whether every number, amount, percentage and date in ``text`` (written in ``lang``) is
    one of ``facts``."""
    return Grounding(facts).check(text, lang)


def fact_keys(facts: Facts) -> set[str]:
    """The normalised keys of every figure in the facts; an amount also counts as a bare number."""
    keys: set[str] = set()
    for figure in facts.figures():  # written in English display forms (offers/money.py)
        for _, key in read_figures(figure, "en"):
            keys.add(key)
            kind, _, rest = key.partition(":")
            if kind == "money":
                keys.add("num:" + rest.rpartition(":")[2])
            elif kind == "pct":
                keys.add("num:" + rest)
            elif kind == "date":
                keys.add("md:" + rest[5:])
    return keys


def read_figures(text: str, lang: Lang = DEFAULT) -> list[tuple[str, str]]:
    """Each figure in ``text`` as (as written, normalised key), in order of appearance."""
    reader = _reader(lang)
    return [(m.group(0).strip(), _key(m, lang)) for m in reader.finditer(text)]


@functools.cache
def _reader(lang: Lang) -> re.Pattern[str]:
    # Longest first, so "sept" is not read as "sep" followed by a stray "t".
    names = sorted(_months(lang).keys() - {"may"}, key=len, reverse=True)
    # Spanish abbreviates mayo as "may" in any case; English "May" must be capitalised.
    may = "may" if lang == "es" else _MAY
    month = "|".join([*(re.escape(n) for n in names), may])
    return re.compile(
        rf"""
        (?P<iso>\b(?P<y0>\d{{4}})-(?P<m0>\d{{2}})-(?P<d0>\d{{2}})\b)
      | (?P<dotted>\b(?P<d4>\d{{1,2}})\.(?P<m4>\d{{1,2}})\.(?P<y4>\d{{4}})\b)
      | (?P<slash>\b(?P<a3>\d{{1,2}})/(?P<b3>\d{{1,2}})/(?P<y3>\d{{4}})\b)
      | (?P<dmy>\b(?P<d1>\d{{1,2}})(?:{_ORD}|\.)\s+(?:(?:of|de)\s+)?(?P<m1>{month})\b\.?
                (?:,?\s+(?:(?:de|del)\s+)?(?P<y1>\d{{4}})\b)?)
      | (?P<mdy>\b(?P<m2>{month})\b\.?\s+(?P<d2>\d{{1,2}}){_ORD}\b(?:,?\s+(?P<y2>\d{{4}})\b)?)
      | (?P<sym>(?<![\w{_SYM}])[-+\u2212]?(?P<p1>(?-i:[A-Z]{{1,2}}))?(?P<s>[{_SYM}])\s?
                 (?P<n1>{_NUM})(?P<k1>k\b)?)
      | (?P<code>\b(?P<c1>(?-i:[A-Z]{{3}}))\s?(?P<n2>{_NUM})(?![\w]))
      | (?P<symafter>(?<![\w.,])[-+\u2212]?(?P<n6>{_NUM})\s?(?P<p2>(?-i:[A-Z]{{1,2}}))?
                      (?P<s2>[{_SYM}]))
      | (?P<codeafter>(?<![\w.,])(?P<n3>{_NUM})\s?(?P<c2>(?-i:[A-Z]{{3}}))\b)
      | (?P<pct>(?<![\w.,])[-+\u2212]?(?P<n4>{_NUM})\s?
                 (?:%|percent\b|per\s+cent\b|prozent\b|por\s+ciento\b))
      | (?P<num>(?<![\w.,])[-+\u2212]?(?P<n5>{_NUM}){_ORD}(?P<k>[kK])?(?![\w]))
        """,
        re.VERBOSE | re.IGNORECASE,
    )


@functools.cache
def _months(lang: Lang) -> dict[str, int]:
    out = {"may": 5}
    tables: tuple[Lang, ...] = ("en",) if lang == "en" else ("en", lang)
    for table in tables:
        for number, names in _MONTH_NAMES[table].items():
            out.update((name, number) for name in names)
    return out


def _key(m: re.Match[str], lang: Lang) -> str:
    g = m.group
    if g("iso"):
        return _date_key(g("y0"), int(g("m0")), g("d0"))
    if g("dotted"):
        return _date_key(g("y4"), int(g("m4")), g("d4"))
    if g("slash"):
        # 12/08/2026 is 8 December to an American, 12 August to a German or Spanish reader.
        month, day = (g("a3"), g("b3")) if lang == "en" else (g("b3"), g("a3"))
        return _date_key(g("y3"), int(month), day)
    if g("dmy"):
        return _date_key(g("y1"), _months(lang)[g("m1").lower()], g("d1"))
    if g("mdy"):
        return _date_key(g("y2"), _months(lang)[g("m2").lower()], g("d2"))
    if g("sym"):
        unit = _DOLLARS.get(g("p1") or "", g("s")) if g("s") == "$" else g("s")
        return f"money:{unit}:{_number(g('n1'), lang, 1000 if g('k1') else 1)}"
    if g("symafter"):
        unit = _DOLLARS.get(g("p2") or "", g("s2")) if g("s2") == "$" else g("s2")
        return f"money:{unit}:{_number(g('n6'), lang)}"
    if g("code"):
        code = g("c1").upper()
        value = _number(g("n2"), lang)
        return f"money:{code}:{value}" if code in _CODES else f"num:{value}"
    if g("codeafter"):
        code = g("c2").upper()
        value = _number(g("n3"), lang)
        return f"money:{code}:{value}" if code in _CODES else f"num:{value}"
    if g("pct"):
        return f"pct:{_number(g('n4'), lang)}"
    return f"num:{_number(g('n5'), lang, 1000 if g('k') else 1)}"


def _date_key(year: str | None, month: int, day: str) -> str:
    try:
        if year is None:
            date(2000, month, int(day))  # a leap year, so 29 Feb is a date
            return f"md:{month:02d}-{int(day):02d}"
        return "date:" + date(int(year), month, int(day)).isoformat()
    except ValueError:
        return f"invalid-date:{year}-{month}-{day}"


def _number(raw: str, lang: Lang, scale: int = 1) -> str:
    """The value of ``raw`` as written in ``lang`` (see the module docstring), normalised."""
    s = raw.replace("\u00a0", "").replace("\u202f", "")
    point, comma = s.count("."), s.count(",")
    decimal_mark = "." if lang == "en" else ","
    if point and comma:  # both marks: the later one is the decimal mark
        mark = "." if s.rfind(".") > s.rfind(",") else ","
        whole, _, fraction = s.rpartition(mark)
        s = whole.replace(".", "").replace(",", "") + "." + fraction
    elif point + comma == 1:
        mark = "." if point else ","
        whole, _, fraction = s.partition(mark)
        grouping = mark != decimal_mark and len(fraction) == 3
        s = whole + fraction if grouping else whole + "." + fraction
    elif point + comma > 1:  # the same mark more than once can only group
        s = s.replace(".", "").replace(",", "")
    try:
        value = abs(Decimal(s)) * scale
    except InvalidOperation:
        return "nan"
    return f"{value.normalize():f}"


def mask_quotes(text: str, quoted: list[str]) -> str:
    """Blank out party-written strings the text quotes verbatim, longest first."""
    for s in sorted(set(quoted), key=len, reverse=True):
        pattern = f"[{_QUOTES}]" + re.escape(s) + f"[{_QUOTES}]"
        text = re.sub(pattern, " ", text)
    return text

