"""Display formats for money, percentages, dates and counts, shared by explanations and grounding.

One en-US style everywhere, so what the offline explainer writes is exactly what the grounding check
knows how to read back:

- money: grouped thousands, the currency's own number of decimals (ISO 4217 minor-unit exponent:
  USD 2, JPY 0, BHD 3), and a symbol only where it is unambiguous for this audience (``$`` USD,
  ``€`` EUR, ``£`` GBP, ``¥`` JPY); every other currency is prefixed by its code:
  ``$4,500.00``, ``€1,200.00``, ``¥5,000``, ``BHD 1.250``, ``CAD 45.00``;
- percentages: one decimal place, dropped when it is zero: ``11.1%``, ``25%``;
- dates: day, short month, year: ``1 Dec 2026``.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

#: ISO 4217 currencies whose minor unit is not the usual hundredth.
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
         "VND", "VUV", "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}  # fmt: skip
#: Symbols written in place of the code (the en-US reader's reading of each is unambiguous).
DISPLAY_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
#: Symbols a reader might still use for a currency: the grounding check accepts these too.
ALT_SYMBOLS: dict[str, tuple[str, ...]] = {
    "USD": ("$",),
    "EUR": ("€",),
    "GBP": ("£",),
    "JPY": ("¥",),
    "CNY": ("¥",),
    "INR": ("₹",),
    "KRW": ("₩",),
    **dict.fromkeys(("CAD", "AUD", "NZD", "HKD", "SGD", "MXN"), ("$",)),
}
MONTHS: tuple[str, ...] = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (2 unless ISO 4217 says otherwise)."""
    return _EXPONENTS.get(currency.upper(), 2)


def to_major(minor: int, currency: str) -> Decimal:
    """Minor units as an exact decimal amount of major units (450000 USD cents -> 4500.00)."""
    return Decimal(minor).scaleb(-exponent(currency))


def format_amount(minor: int, currency: str) -> str:
    """The number alone, grouped, with the currency's decimals: ``4,500.00``, ``5,000``."""
    places = exponent(currency)
    return f"{abs(to_major(minor, currency)):,.{places}f}"


def format_money(minor: int, currency: str) -> str:
    """Money for display: ``$4,500.00``, ``-$5.00``, ``¥5,000``, ``BHD 1.250``."""
    sign = "-" if minor < 0 else ""
    amount = format_amount(minor, currency)
    symbol = DISPLAY_SYMBOLS.get(currency.upper())
    if symbol is not None:
        return f"{sign}{symbol}{amount}"
    return f"{sign}{currency.upper()} {amount}"


def money_forms(minor: int, currency: str) -> list[str]:
    """Every way a reader may fairly write this amount; the grounding check accepts each."""
    code = currency.upper()
    major = to_major(abs(minor), code)
    grouped = format_amount(minor, code)
    plain = f"{major:f}"
    forms = [format_money(abs(minor), code), f"{code} {grouped}", f"{grouped} {code}", grouped]
    forms += [plain, f"{major.normalize():f}", str(abs(minor))]
    forms += [f"{symbol}{grouped}" for symbol in ALT_SYMBOLS.get(code, ())]
    return forms


def round_percent(value: Decimal) -> Decimal:
    """A percentage rounded half-up to one decimal place, the precision facts keep."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_percent(value: float) -> str:
    """``11.1%``, ``25%``, ``-16.7%`` (the sign is kept; prose decides whether to show it)."""
    d = round_percent(Decimal(str(value)))
    text = f"{d:f}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text}%"


def percent_forms(value: float) -> list[str]:
    """The exact one-decimal percentage and the whole-number rounding a writer may use."""
    d = round_percent(Decimal(str(abs(value))))
    whole = d.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return [format_percent(float(d)), f"{d:f}", f"{whole:f}%"]


def format_date(d: date | str) -> str:
    """``1 Dec 2026`` (from a date or an ISO string): unambiguous in every English locale."""
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def plural(n: int, noun: str) -> str:
    """``1 week``, ``3 weeks``: digits always, so the grounding check can verify every count."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def date_forms(d: date) -> list[str]:
    """ISO and the two common English orders of a date."""
    return [d.isoformat(), format_date(d), f"{MONTHS[d.month - 1]} {d.day}, {d.year}"]
