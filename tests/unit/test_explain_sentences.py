"""The sentence gate: a model's text is released sentence by checked sentence, or not at all.

What the room relies on: a sentence is released only when it is complete and every figure in it is
a fact (in the reader's language) and it is in that language; the first sentence that fails stops
the stream before it is shown; released sentences join back to the text; a decimal mark, an
abbreviation, a German date or a quoted fragment never cuts a sentence in two.
"""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from server.explain.facts import build_facts
from server.explain.grounding import Grounding
from server.explain.offline import offline_chunks
from server.explain.sentences import (
    SentenceGate,
    Ungrounded,
    WrongLanguage,
    split_sentences,
    wrong_language,
)
from server.i18n import LANGS, Lang
from server.offers.terms import Terms

HOURLY = Terms(
    title="Booking API",
    contract_type="hourly",
    currency="USD",
    hourly_rate=450000,
    weekly_limit=20,
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 28),
    description="Build the API. Write tests.",
)
#: Rate $4,500.00 -> $5,000.00 (up $500.00, 11.1%); a scope fragment with a full stop and digits.
FACTS = build_facts(
    HOURLY,
    msgspec.structs.replace(
        HOURLY, hourly_rate=500000, description="Build the API. Write tests. Add 17 reports."
    ),
)


def gate(lang: Lang = "en") -> SentenceGate:
    return SentenceGate(Grounding(FACTS), lang)


def feed_all(g: SentenceGate, pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        out += g.feed(piece)
    return out + g.finish()


# -- cutting sentences --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "sentences"),
    [
        ("en", "The rate is $4,500.00. It rises. ", ["The rate is $4,500.00. "]),
        ("en", "Starts Dec. 8, 2026, e.g. later. Next.", ["Starts Dec. 8, 2026, e.g. later. "]),
        ("en", "It adds “Deploy. Then test.” Next.", ["It adds “Deploy. Then test.” "]),
        ("en", "Is it? Yes! Done… Then.", ["Is it? ", "Yes! ", "Done… "]),
        ("en", "Over 3. weeks", []),  # lower case after the point: not a new sentence
        ("de", "Ab dem 1. Dezember 2026 gilt es. Der 3. Meilenstein entfällt. Ende.",
         ["Ab dem 1. Dezember 2026 gilt es. ", "Der 3. Meilenstein entfällt. "]),
        ("de", "Der Satz beträgt 4.500,00 $. Z. B. so. Ende.",
         ["Der Satz beträgt 4.500,00 $. ", "Z. B. so. "]),
        ("de", "Neu ist „Build. Test“ im Text. Ende.", ["Neu ist „Build. Test“ im Text. "]),
        ("es", "Empieza el 1 de dic. de 2026. ¿Qué cambia? Nada.",
         ["Empieza el 1 de dic. de 2026. ", "¿Qué cambia? "]),
        ("es", "Añade «Fase 1. Diseño» y más.\n\nOtro.", ["Añade «Fase 1. Diseño» y más.\n\n"]),
        ("en", "Paragraph one\n\nParagraph two", ["Paragraph one\n\n"]),
    ],
)  # fmt: skip
def test_split(lang: Lang, text: str, sentences: list[str]) -> None:
    done, rest = split_sentences(text, lang)
    assert done == sentences
    assert "".join(done) + rest == text


def test_the_last_sentence_waits_for_what_follows() -> None:
    # "4." may be the start of "4.500,00": nothing is cut before the next character is known.
    assert split_sentences("Der Satz beträgt 4.", "de") == ([], "Der Satz beträgt 4.")
    assert split_sentences("It rises.", "en") == ([], "It rises.")
    assert split_sentences("It rises. ", "en") == ([], "It rises. ")


# -- the gate -----------------------------------------------------------------------------------


def test_grounded_sentences_are_released_as_they_complete() -> None:
    g = gate()
    assert g.feed("The hourly rate increases from $4,") == []
    assert g.feed("500.00 to $5,000.00") == []
    assert g.feed(". It adds “Add 17 reports”. Every") == [
        "The hourly rate increases from $4,500.00 to $5,000.00. ",
        "It adds “Add 17 reports”. ",
    ]
    assert g.finish() == ["Every"]  # the rest is checked when the stream ends
    assert g.released.startswith("The hourly rate increases")


def test_released_sentences_join_back_to_the_text() -> None:
    text = "This proposal changes the hourly rate. It goes from $4,500.00 to $5,000.00, up " \
           "11.1%. Both parties should read it."  # fmt: skip
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    assert "".join(feed_all(gate(), pieces)) == text


def test_the_first_ungrounded_sentence_stops_the_stream() -> None:
    g = gate()
    released = g.feed("The hourly rate increases from $4,500.00 to $5,000.00. T")
    assert released == ["The hourly rate increases from $4,500.00 to $5,000.00. "]
    with pytest.raises(Ungrounded) as info:
        g.feed("hat is $99.00 more a week. Everything else stays. ")
    assert info.value.unsupported == ["$99.00"]
    assert info.value.reason == "ungrounded"
    assert "$99.00" not in g.released


def test_a_wrong_figure_in_the_last_sentence_is_caught_at_the_end() -> None:
    g = gate()
    assert g.feed("The rate goes to $45.00") == []
    with pytest.raises(Ungrounded):
        g.finish()
    assert g.released == ""


def test_figures_are_read_in_the_reader_s_language() -> None:
    g = gate("de")
    ok = "Der Stundensatz steigt von 4.500,00\u00a0$ auf 5.000,00\u00a0$ (plus 11,1\u00a0%). "
    assert g.feed(ok + "Der") == [ok]
    with pytest.raises(Ungrounded):
        g.feed(" Wochenbetrag beträgt 99,00\u00a0$. Ende")


def test_digits_inside_a_quoted_fragment_are_data() -> None:
    g = gate("de")
    sentence = "Hinzugefügt wird „Add 17 reports“ im Umfang. "
    assert g.feed(sentence + "Ende") == [sentence]


@pytest.mark.parametrize("lang", ["de", "es"])
def test_an_answer_in_english_is_the_wrong_language(lang: Lang) -> None:
    g = gate(lang)
    with pytest.raises(WrongLanguage) as info:
        g.feed("The hourly rate increases from $4,500.00 to $5,000.00 for the work. Next")
    assert info.value.detected == "en" and info.value.reason == "wrong_language"
    assert g.released == ""


def test_short_sentences_in_the_wrong_language_add_up() -> None:
    g = gate("de")
    with pytest.raises(WrongLanguage):
        feed_all(g, ["It is the rate. ", "It is now higher. ", "That is all. "])


def test_quoted_english_fragments_do_not_make_german_text_english() -> None:
    text = ("Die Beschreibung wird geändert: Hinzugefügt wird „send the report to the client "
            "at the end of the week“; der Text umfasst jetzt 9 statt 5 Wörter.")
    assert wrong_language(text, "de") is None
    spanish = "La tarifa por hora sube de 45,00 US$ a 50,00 US$ y el tope pasa con el límite."
    assert wrong_language(spanish, "de") == "es"


@pytest.mark.parametrize("lang", LANGS)
def test_the_offline_text_passes_its_own_gate(lang: Lang) -> None:
    chunks = offline_chunks(FACTS, lang)
    g = gate(lang)
    assert "".join(feed_all(g, chunks)) == "".join(chunks)
