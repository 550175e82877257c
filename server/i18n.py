"""The languages the server writes in, and figures formatted for each (docs/RULES.md, "Languages").

Every party reads explanations, offer-check prompts, suggestions and risk flags in their own
language, written from the same facts. English keeps the formats of ``offers.money`` (``$4,500.00``,
``1 Dec 2026``), which every English reader reads the same way; German and Spanish use CLDR's
(through Babel): ``4.500,00 $`` and ``1. Dezember 2026``, ``4.500,00 US$`` and
``1 de diciembre de 2026``. The grounding check reads each of these back.
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_currency as _babel_currency
from babel.numbers import format_decimal as _babel_decimal

from server.offers.money import format_date, format_money, format_percent, round_percent, to_major

Lang = Literal["en", "de", "es"]
#: Supported languages, the default first.
LANGS: tuple[Lang, ...] = get_args(Lang)
DEFAULT: Lang = "en"
#: The CLDR locale each language is formatted in.
LOCALES: dict[Lang, str] = {"en": "en_US", "de": "de_DE", "es": "es_ES"}
#: A language tag is at most this long ("de-DE", "es-419"); anything longer is not one.
TAG_MAX = 35


def pick_lang(tags: str | None) -> Lang:
    """The first supported language of a tag or an Accept-Language list; English otherwise.

    ``"de-DE"`` → ``de``; ``"fr-FR,es;q=0.8"`` → ``es``; ``None``, ``""`` or junk → ``en``.
    Weights are not sorted: browsers already list languages by preference.
    """
    if not tags:
        return DEFAULT
    for part in tags[: TAG_MAX * 8].split(","):
        primary = part.split(";", 1)[0].strip().split("-", 1)[0].split("_", 1)[0].lower()
        if primary in LANGS:
            return primary
    return DEFAULT


# Formatting is pure and Babel's costs ~20 µs a figure: the same figures are formatted for
# every reader, every advice check and every explanation, so the recent ones are remembered.
@functools.lru_cache(maxsize=4096)
def money(minor: int, currency: str, lang: Lang) -> str:
    """``$4,500.00`` / ``4.500,00 $`` / ``4.500,00 US$``."""
    if lang == "en":
        return format_money(minor, currency)
    return str(_babel_currency(to_major(minor, currency), currency.upper(), locale=LOCALES[lang]))


@functools.lru_cache(maxsize=4096)
def day(d: date | str, lang: Lang) -> str:
    """``1 Dec 2026`` / ``1. Dezember 2026`` / ``1 de diciembre de 2026``."""
    if lang == "en":
        return format_date(d)
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return str(_babel_date(d, "long", locale=LOCALES[lang]))


@functools.lru_cache(maxsize=4096)
def percent(value: float, lang: Lang) -> str:
    """``11.1%`` / ``11,1 %`` / ``11,1 %`` (one decimal, dropped when zero)."""
    if lang == "en":
        return format_percent(value)
    d = round_percent(Decimal(str(value)))
    text = str(_babel_decimal(d, "#,##0.#", locale=LOCALES[lang]))
    return f"{text}\u00a0%"


@functools.lru_cache(maxsize=4096)
def number(value: int | Decimal, lang: Lang) -> str:
    """A plain count or quantity in the language's digits: ``1,500`` / ``1.500``."""
    return str(_babel_decimal(value, locale=LOCALES[lang]))


@functools.cache
def _locale(lang: Lang) -> Locale:
    return Locale.parse(LOCALES[lang])  # ~10 µs a parse: once per language


def plural_form(n: int, lang: Lang) -> str:
    """CLDR's plural category of ``n`` in ``lang``: ``one``, ``many`` or ``other``."""
    return str(_locale(lang).plural_form(abs(n)))


def count(n: int, forms: dict[str, str], lang: Lang) -> str:
    """``n`` with its noun, from ``{"one": "{n} week", "other": "{n} weeks"}``; digits always,
    so the grounding check can verify every count."""
    form = forms.get(plural_form(n, lang), forms["other"])
    return form.format(n=number(n, lang))


def warm() -> None:
    """Load every language's formatting data now: Babel reads ~6 MB of CLDR data on first use,
    which would otherwise land on the first reader of each language (and look like that
    connection's memory)."""
    for lang in LANGS:
        money(100, "USD", lang)
        day(date(2026, 1, 1), lang)
        plural_form(2, lang)
