"""The grounding check: figures in a text must be facts, whatever format they are written in."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from server import i18n
from server.explain.facts import build_facts
from server.explain.grounding import check_grounding, fact_keys, read_figures
from server.i18n import Lang
from server.offers.money import format_money
from server.offers.terms import Milestone, Terms

HOURLY = Terms(
    title="Booking API",
    contract_type="hourly",
    currency="USD",
    hourly_rate=4000,
    weekly_limit=20,
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 28),
)
# Rate 40 -> 45 (+12.5 %), start a week later (8 Dec 2026): the term shrinks from 4 to 3 weeks.
FACTS = build_facts(
    HOURLY, msgspec.structs.replace(HOURLY, hourly_rate=4500, start_date=date(2026, 12, 8))
)


def grounded(text: str) -> bool:
    return check_grounding(text, FACTS).grounded


@pytest.mark.parametrize(
    "text",
    [
        "The hourly rate rises from $40.00 to $45.00.",
        "The rate goes from $40 to $45 an hour.",
        "The rate becomes 45 USD per hour (USD 45.00).",
        "a rise of 12.5%",
        "a rise of 12.50 %",
        "about 13%",
        "up 12.5 percent",
        "The start moves to Dec 8, 2026.",
        "The start moves to 2026-12-08.",
        "The start moves to 8 December 2026.",
        "The start moves to the 8th of December 2026.",
        "The start moves to 12/08/2026.",
        "The start moves to Dec 8, seven days later.",
        "It starts 7 days later.",
        "A 20-hour week costs up to $900.00, now $900 -> $800? no: $800.00 to $900.00.",
        "The cap goes from $3,200.00 (4 weeks) to $2,700.00 (3 weeks).",
        "The cap goes from 3,200 to 2700.",
        "The contract runs until 28 Dec 2026 and starts in 2026.",
        "Nothing numeric changes here.",
        "The rate rises by $5.00 (+12.5%) to $45.00.",
    ],
)
def test_grounded_variants(text: str) -> None:
    result = check_grounding(text, FACTS)
    assert result.grounded, result.unsupported


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("The hourly rate rises to $46.00.", "$46.00"),
        ("The hourly rate rises to 46 dollars.", "46"),
        ("a rise of 15%", "15%"),
        ("The start moves to Dec 9, 2026.", "Dec 9, 2026"),
        ("The start moves to 2026-12-09.", "2026-12-09"),
        ("It starts 8 days later.", "8"),
        ("The rate becomes €45.00.", "€45.00"),
        ("The rate becomes EUR 45.00.", "EUR 45.00"),
        ("Over 9 weeks the cap is $2,700.00.", "9"),
        ("The cap is $5k.", "$5k"),
        ("The cap is 5k.", "5k"),
    ],
)
def test_ungrounded(text: str, bad: str) -> None:
    result = check_grounding(text, FACTS)
    assert not result.grounded
    assert bad in result.unsupported


def test_unsupported_lists_each_figure_once_as_written() -> None:
    result = check_grounding("It costs $99.00, yes $99.00, and 6 weeks, and $45.00.", FACTS)
    assert result.unsupported == ["$99.00", "6"]


def test_quoted_party_text_is_data_not_a_claim() -> None:
    old = Terms(title="Website", contract_type="fixed", currency="USD", fixed_price=100000)
    new = msgspec.structs.replace(
        old,
        milestones=(
            Milestone("a", "Phase 2 (50% upfront)", 50000),
            Milestone("b", "Phase 3", 50000),
        ),
    )
    facts = build_facts(old, new)
    assert check_grounding('Milestone "Phase 2 (50% upfront)" is $500.00.', facts).grounded
    assert check_grounding("Milestone “Phase 3” is $500.00.", facts).grounded
    # The same digits outside quotes are claims, and 50 % is not a fact here.
    assert not check_grounding("Phase 2 takes 50% upfront.", facts).grounded


def test_reader() -> None:
    assert read_figures("$1,234.50 on 2026-01-02, 3 weeks, 12.5%") == [
        ("$1,234.50", "money:$:1234.5"),
        ("2026-01-02", "date:2026-01-02"),
        ("3", "num:3"),
        ("12.5%", "pct:12.5"),
    ]
    # Words with digits inside are not figures; negative signs do not matter.
    assert read_figures("2FA and mp3 and B2B") == []
    assert read_figures("-$5.00") == [("-$5.00", "money:$:5")]
    assert read_figures("31 Feb 2026") == [("31 Feb 2026", "invalid-date:2026-2-31")]
    assert read_figures("8 May 2026, but 8 may apply") == [
        ("8 May 2026", "date:2026-05-08"),
        ("8", "num:8"),
    ]


def test_every_fact_figure_is_a_key() -> None:
    keys = fact_keys(FACTS)
    assert {"money:$:45", "num:45", "pct:12.5", "pct:13", "date:2026-12-08", "md:12-08"} <= keys
    assert {"num:7", "num:20", "num:4", "money:USD:45", "num:4500"} <= keys


def test_currency_formats() -> None:
    yen = build_facts(
        msgspec.structs.replace(HOURLY, currency="JPY", hourly_rate=5000),
        msgspec.structs.replace(HOURLY, currency="JPY", hourly_rate=6000),
    )
    assert check_grounding("From ¥5,000 to ¥6,000 (JPY 6000), up 20%.", yen).grounded
    assert not check_grounding("From ¥5,000 to ¥6,500.", yen).grounded
    bhd_terms = Terms(title="x", contract_type="fixed", currency="BHD", fixed_price=1250000)
    bhd = build_facts(bhd_terms, msgspec.structs.replace(bhd_terms, fixed_price=1125500))
    assert check_grounding("From BHD 1,250.000 to BHD 1,125.500 (1125.5 BHD).", bhd).grounded
    assert not check_grounding("From BHD 1,250.000 to BHD 1,125.000.", bhd).grounded


# -- every reader's formats ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Der Stundensatz steigt von 40,00\u00a0$ auf 45,00\u00a0$ (plus 5,00\u00a0$ bzw. "
               "12,5\u00a0%)."),
        ("de", "Der Start verschiebt sich vom 1. Dezember 2026 auf den 8. Dezember 2026."),
        ("de", "Start am 08.12.2026, 7 Tage später; Ende am 28. Dez. 2026."),
        ("de", "Die Obergrenze sinkt von 3.200,00 $ (4 Wochen) auf 2.700,00 $ (3 Wochen)."),
        ("de", "Die Obergrenze sinkt von 3.200 USD auf 2.700 USD, rund 13 Prozent."),
        ("de", "Ein Plus von 12.5 % (so schreibt es ein Modell in deutscher Prosa)."),
        ("es", "La tarifa por hora sube de 40,00\u00a0US$ a 45,00\u00a0US$ (5,00\u00a0US$ más, un "
               "12,5\u00a0%)."),
        ("es", "El inicio pasa del 1 de diciembre de 2026 al 8 de diciembre de 2026."),
        ("es", "Empieza el 8/12/2026, 7 días más tarde; termina el 28 dic 2026."),
        ("es", "El tope baja de 3.200,00 US$ a 2.700,00 US$, un 15,6 por ciento menos."),
        ("en", "From $3,200.00 to $2,700.00, 15.6% less; US$45.00 an hour."),
    ],
)
def test_grounded_in_each_language(lang: Lang, text: str) -> None:
    result = check_grounding(text, FACTS, lang)
    assert result.grounded, result.unsupported


@pytest.mark.parametrize(
    ("lang", "text", "bad"),
    [
        ("de", "Der Stundensatz steigt auf 46,00\u00a0$.", "46,00\u00a0$"),
        ("de", "Der Stundensatz steigt auf 4.600,00 $.", "4.600,00 $"),
        ("de", "Ein Plus von 15 %.", "15 %"),
        ("de", "Start am 9. Dezember 2026.", "9. Dezember 2026"),
        ("de", "Start am 09.12.2026.", "09.12.2026"),
        ("de", "Über 9 Wochen.", "9"),
        ("es", "La tarifa sube a 46,00\u00a0US$.", "46,00\u00a0US$"),
        ("es", "Empieza el 9 de diciembre de 2026.", "9 de diciembre de 2026"),
        ("es", "Empieza el 12/8/2026.", "12/8/2026"),  # 12 August to a Spanish reader
        ("es", "Un 15 por ciento más.", "15 por ciento"),
        ("es", "La tarifa es de 45,00\u00a0CA$.", "45,00\u00a0CA$"),  # Canadian, not US dollars
    ],
)
def test_ungrounded_in_each_language(lang: Lang, text: str, bad: str) -> None:
    result = check_grounding(text, FACTS, lang)
    assert not result.grounded
    assert bad in result.unsupported


def test_numbers_read_the_language_s_way() -> None:
    # One mark alone: the language decides; both marks: the later one is the decimal mark.
    assert read_figures("4.500", "de") == [("4.500", "num:4500")]
    assert read_figures("4.500", "en") == [("4.500", "num:4.5")]
    assert read_figures("1,250 BHD", "de") == [("1,250 BHD", "money:BHD:1.25")]
    assert read_figures("1,250 BHD", "en") == [("1,250 BHD", "money:BHD:1250")]
    assert read_figures("4.500,00 $", "en") == [("4.500,00 $", "money:$:4500")]
    assert read_figures("4,500.00 $", "de") == [("4,500.00 $", "money:$:4500")]
    assert read_figures("1.500.000", "es") == [("1.500.000", "num:1500000")]
    assert read_figures("4\u00a0500,00\u00a0€", "de") == [("4\u00a0500,00\u00a0€", "money:€:4500")]


def test_every_i18n_format_reads_back() -> None:
    # Whatever server/i18n.py writes for a reader, the reader of that language reads back.
    for lang in ("en", "de", "es"):
        for minor, currency in ((450000, "USD"), (120000, "EUR"), (500000, "JPY"),
                                (1250, "BHD"), (4500, "CAD"), (12345, "CHF"), (100, "GBP")):
            written = i18n.money(minor, currency, lang)
            [(_, key)] = read_figures(written, lang)
            english = read_figures(format_money(minor, currency), "en")[0][1]
            code_key = f"money:{currency}:{english.rpartition(':')[2]}"
            assert key in (english, code_key), (lang, written, key)
        assert read_figures(i18n.day("2026-05-08", lang), lang)[0][1] == "date:2026-05-08"
        assert read_figures(i18n.percent(11.1, lang), lang)[0][1] == "pct:11.1"


def test_quotes_of_every_language_set_party_text_aside() -> None:
    old = Terms(title="Website", contract_type="fixed", currency="USD", fixed_price=100000)
    new = msgspec.structs.replace(old, title="Phase 2 (50% upfront)")
    facts = build_facts(old, new)
    assert check_grounding("Der Titel lautet jetzt „Phase 2 (50% upfront)“.", facts, "de").grounded
    assert check_grounding("El título cambia a «Phase 2 (50% upfront)».", facts, "es").grounded
    assert not check_grounding("Phase 2 (50 % upfront).", facts, "de").grounded
