"""The sentence gate: a model's text reaches a screen only sentence by checked sentence.

A model streams text in arbitrary pieces, and a figure it gets wrong must never be shown, not even
for the moment before the whole answer has been checked. So the gate buffers the stream, cuts it
into complete sentences, and releases a sentence only once every figure in it is one of the facts
(``grounding.py``, in the reader's language) and the sentence is in that language. The first
sentence that fails stops the stream: the gate raises ``Ungrounded`` or ``WrongLanguage`` and the
caller streams the offline text instead. Released sentences concatenate back to exactly what the
model wrote (whitespace included), so the deltas a client appends are the text.

Cutting sentences is conservative, since a cut in the wrong place would check half a figure: a
sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by whitespace and then a capital, a digit or
an opening mark, and never

- inside quotation marks (a quoted scope fragment may hold a full stop; quotes are tracked as
  English “…”, German „…“ and »…«, Spanish «…» and straight "…");
- after an abbreviation ("e.g.", "z. B.", "ca.", "aprox.", "Dez.") or a single letter;
- after a day number followed by a month ("1. Dezember 2026"), nor in German after any number of
  one or two digits, which is an ordinal there ("der 3. Meilenstein");
- between the digits of a number: "4.500,00" has no whitespace after its marks.

A text that never ends a sentence is checked whole at the end of the stream.

The language check is deliberately small: it counts common function words of each language
(quoted text set aside, since party text may be in any language) and calls a sentence wrong
when another language's words clearly outnumber the reader's.
"""

from __future__ import annotations

import re

from server.explain.grounding import Grounding, mask_quotes
from server.i18n import LANGS, Lang

_ENDS = ".!?\u2026"
#: Closing marks that may follow a sentence's final punctuation: `.”`, `.)`, `.»`.
_CLOSERS = ")]\"'\u201d\u2019\u00bb\u201c\u00ab"
#: Opening quotation mark -> the mark that closes it.
_PAIRS = {"\u201e": "\u201c", "\u201c": "\u201d", "\u00ab": "\u00bb", "\u00bb": "\u00ab", '"': '"'}
_OPENERS = frozenset(_PAIRS)
_QUOTE_MARKS = frozenset((*_PAIRS, *_PAIRS.values()))
#: What may start the next sentence (besides a capital letter or a digit).
_STARTERS = "\"'(\u201c\u201e\u00ab\u00bb\u2018\u00bf\u00a1"
#: Words that end in a point without ending a sentence (lower case, without the point).
ABBREVIATIONS = frozenset((
    # English
    "e.g", "i.e", "etc", "vs", "approx", "incl", "excl", "no", "nos", "mr", "mrs", "ms", "dr",
    "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    # German
    "z.b", "d.h", "u.a", "bzw", "ca", "usw", "inkl", "zzgl", "ggf", "evtl", "nr", "std", "min",
    "max", "vgl", "mio", "mrd", "tsd", "mär", "mrz", "okt", "dez", "abs", "bzgl", "sog",
    # Spanish
    "p.ej", "ej", "aprox", "núm", "pág", "sr", "sra", "srta", "ud", "uds", "ene", "abr", "ago",
    "dic", "aprox", "máx", "mín",
))  # fmt: skip
_MONTH_WORDS = frozenset((
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "januar", "jänner", "februar", "märz", "mai", "juni",
    "juli", "oktober", "dezember", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
    "agosto", "septiembre", "setiembre", "octubre", "noviembre", "diciembre",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mär",
    "mrz", "okt", "dez", "ene", "abr", "ago", "dic",
))  # fmt: skip
#: Function words that are common in one language and rare or absent in the other two.
STOP_WORDS: dict[Lang, frozenset[str]] = {
    "en": frozenset((
        "the", "and", "of", "to", "is", "are", "from", "this", "that", "with", "for", "by", "it",
        "will", "be", "its", "now", "which", "at", "as", "not", "than", "or", "on", "has",
        "have", "goes", "stays", "changes", "there", "would", "can", "each", "week", "weeks",
    )),
    "de": frozenset((
        "der", "die", "das", "und", "ist", "sind", "von", "zu", "mit", "für", "den", "dem",
        "des", "ein", "eine", "einen", "wird", "werden", "auf", "nicht", "nun", "jetzt", "sich",
        "bis", "um", "im", "vom", "zum", "zur", "bei", "auch", "oder", "als", "statt", "kein",
        "keine", "bleibt", "alles", "dieser", "diese", "wochen", "pro", "höchstens",
    )),
    "es": frozenset((
        "el", "la", "los", "las", "y", "del", "son", "con", "para", "por", "un", "una", "que",
        "se", "al", "su", "sus", "lo", "ahora", "pasa", "todo", "más", "menos", "sin", "como",
        "ya", "era", "esta", "este", "semanas", "cambia", "queda",
    )),
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
_QUOTED = re.compile(
    "\u201c[^\u201d]*\u201d|\u201e[^\u201c]*\u201c|\u00ab[^\u00bb]*\u00bb|\u00bb[^\u00ab]*\u00ab"
    '|"[^"]*"'
)
#: How many more function words of another language than of the reader's make a text wrong:
#: at least this many, and more than twice the reader's.
WRONG_LANGUAGE_MIN = 3


class GateStop(Exception):
    """The model's answer must not be shown from here on; the caller falls back."""

    reason: str = "error"

    def __init__(self, sentence: str, detail: str) -> None:
        super().__init__(f"{self.reason}: {detail} in {sentence!r}")
        self.sentence = sentence


class Ungrounded(GateStop):
    """A sentence cites figures that are not facts (``unsupported``, as written)."""

    reason = "ungrounded"

    def __init__(self, sentence: str, unsupported: list[str]) -> None:
        super().__init__(sentence, f"figures {unsupported}")
        self.unsupported = unsupported


class WrongLanguage(GateStop):
    """A sentence (or the whole answer) is in another language than the reader's."""

    reason = "wrong_language"

    def __init__(self, sentence: str, detected: Lang) -> None:
        super().__init__(sentence, f"language {detected}")
        self.detected = detected


class SentenceGate:
    """Buffers a model's stream and releases it sentence by checked sentence (module docstring).

    ``feed`` takes the next piece and returns the sentences it completed; ``finish`` returns the
    rest once the stream has ended. Both raise ``GateStop`` at the first sentence that may not be
    shown; nothing after it is released.
    """

    def __init__(self, grounding: Grounding, lang: Lang) -> None:
        self._grounding = grounding
        self._lang = lang
        self._buffer = ""
        self._released: list[str] = []

    @property
    def released(self) -> str:
        """Everything released so far."""
        return "".join(self._released)

    def feed(self, chunk: str) -> list[str]:
        self._buffer += chunk
        done, self._buffer = split_sentences(self._buffer, self._lang)
        return [self._check(s) for s in done]

    def finish(self) -> list[str]:
        done, rest = split_sentences(self._buffer, self._lang)
        self._buffer = ""
        if rest.strip():
            done.append(rest)
        return [self._check(s) for s in done]

    def _quoted(self) -> list[str]:
        return self._grounding.facts.texts()

    def _check(self, sentence: str) -> str:
        if not self._released:
            sentence = sentence.lstrip()
        # The sentence alone, and with what came before: sentences each too short to tell may
        # still add up to another language.
        detected = wrong_language(sentence, self._lang, self._quoted()) or wrong_language(
            self.released + sentence, self._lang, self._quoted()
        )
        if detected is not None:
            raise WrongLanguage(sentence, detected)
        result = self._grounding.check(sentence, self._lang)
        if not result.grounded:
            raise Ungrounded(sentence, result.unsupported)
        self._released.append(sentence)
        return sentence


def split_sentences(text: str, lang: Lang) -> tuple[list[str], str]:
    """The complete sentences at the start of ``text`` (each with the whitespace after it, so
    they join back to the text) and the incomplete rest."""
    out: list[str] = []
    start = 0
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _QUOTE_MARKS:
            if stack and ch == _PAIRS[stack[-1]]:
                stack.pop()
            elif ch in _OPENERS:
                stack.append(ch)
            i += 1
            continue
        if not ch.isspace() or i == 0 or text[i - 1].isspace():
            i += 1
            continue
        # The start of a run of whitespace: does a sentence end just before it?
        end = i
        while end < n and text[end].isspace():
            end += 1
        paragraph = "\n\n" in text[i:end] or "\n\r\n" in text[i:end]
        if end == n:
            break  # what follows decides; wait for it
        if (paragraph and not stack) or (not stack and _ends_sentence(text, i, end, lang)):
            out.append(text[start:end])
            start = end
        i = end
    return out, text[start:]


def _ends_sentence(text: str, space: int, following: int, lang: Lang) -> bool:
    """Whether the whitespace at ``space`` (up to ``following``) ends a sentence."""
    j = space - 1
    while j >= 0 and text[j] in _CLOSERS:
        j -= 1
    if j < 0 or text[j] not in _ENDS:
        return False
    nxt = text[following]
    if not (nxt.isupper() or nxt.isdigit() or nxt in _STARTERS):
        return False
    if text[j] != ".":
        return True
    word_start = j
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:j].lower().lstrip(_STARTERS)
    if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return False
    if word.isdigit() and len(word) <= 2:
        if lang == "de":
            return False  # "der 3. Meilenstein", "am 8. Dezember"
        next_word = _WORD.match(text, following)
        if next_word is not None and next_word.group(0).lower() in _MONTH_WORDS:
            return False
    return True


def wrong_language(text: str, lang: Lang, quoted: list[str] | None = None) -> Lang | None:
    """The language ``text`` is clearly written in, if that is not ``lang``; else None.

    Party text it quotes (``quoted``, and anything between quotation marks) is set aside first:
    a German explanation may quote an English scope fragment.
    """
    plain = _QUOTED.sub(" ", mask_quotes(text, quoted or []))
    counts = dict.fromkeys(LANGS, 0)
    for word in _WORD.findall(plain.lower()):
        for code in LANGS:
            if word in STOP_WORDS[code]:
                counts[code] += 1
    own = counts[lang]
    other = max((code for code in LANGS if code != lang), key=lambda code: counts[code])
    if counts[other] >= WRONG_LANGUAGE_MIN and counts[other] > 2 * own:
        return other
    return None
