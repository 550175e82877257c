"""The offer check: what a complete offer still lacks (docs/RULES.md, "Offer check").

The room runs this on every draft change (debounced) and shows each finding to the party who can
supply what is missing, with a question the other party can send in one click. Two steps, both
pure and deterministic:

- ``check_offer`` looks at the applicable terms and the scope text (title, description, milestone
  titles) and returns ``Finding``s: a stable code, the field, the owner, and every figure the
  wording needs, already computed, so each language says the same facts;
- ``check_items`` phrases them in the reader's language (``check_texts``).

The scope is read for meaning in English, German and Spanish whatever the reader's language, since
either party may write in any of them. Absence is what is reported ("nothing says what counts as
done"), so the patterns are generous: a missed prompt costs less than a nagging one.

Cost: it runs on every draft change, so the patterns are compiled once, at import, and read each
text (lowercased) in a single pass, remembered until the text changes; they are literal stems and
repeats of disjoint character classes (a word, then a space), so nothing backtracks more than
linearly. A typical offer takes tens of microseconds, the largest allowed about a millisecond,
and a draft whose texts did not change far less (``bench/offer_check.py``).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Literal

import msgspec

from server.advice.check_texts import phrase
from server.i18n import Lang
from server.offers.limits import Limits
from server.offers.policy import applicable_terms
from server.offers.terms import Milestone, Terms
from server.wire import CheckItem

Owner = Literal["client", "freelancer", "both"]
Severity = Literal["info", "warning"]

# Stable rule ids: the UI and integrators key on these; never rename one.
NO_DELIVERABLES = "no_deliverables"
NO_ACCEPTANCE_CRITERIA = "no_acceptance_criteria"
NO_TIMELINE = "no_timeline"
END_BEFORE_START = "end_before_start"
END_IN_PAST = "end_in_past"
START_IN_PAST = "start_in_past"
FIXED_NO_MILESTONES = "fixed_no_milestones"
MILESTONE_SUM_MISMATCH = "milestone_sum_mismatch"
MILESTONE_BEFORE_START = "milestone_before_start"
MILESTONE_AFTER_END = "milestone_after_end"
HOURLY_NO_WEEKLY_LIMIT = "hourly_no_weekly_limit"
NO_COMMUNICATION = "no_communication"
#: Every code, in the order findings are listed: what the work is, when, how it is paid, and how
#: the parties keep in touch last (an info, the least pressing).
CODES: tuple[str, ...] = (
    NO_DELIVERABLES, NO_ACCEPTANCE_CRITERIA, NO_TIMELINE, END_BEFORE_START, END_IN_PAST,
    START_IN_PAST, FIXED_NO_MILESTONES, MILESTONE_SUM_MISMATCH, MILESTONE_BEFORE_START,
    MILESTONE_AFTER_END, HOURLY_NO_WEEKLY_LIMIT, NO_COMMUNICATION,
)  # fmt: skip

#: A description shorter than this does not yet say what will be delivered, whatever its words
#: (the brief's threshold: "Build my website" plus a sentence is not a scope of work). A bulleted
#: list is exempt: "- Logo\n- Business card" is short and exact.
MIN_DESCRIPTION_WORDS = 25
#: Lines of a list it takes to count as one: a single dash may just start a sentence.
MIN_LIST_ITEMS = 2


class Finding(msgspec.Struct, frozen=True, omit_defaults=True):
    """One thing the offer lacks, with the facts every language phrases it from."""

    #: Stable rule id (``CODES``).
    code: str
    #: The term it is about, a name of ``Terms`` ("description", "end_date", "milestones", …):
    #: where the prompt is shown and what an "ask about this" question is ``about``.
    field: str
    #: Who can supply it: deliverables, acceptance and timeline are the client's (the client wrote
    #: the offer); milestones and communication either party can propose.
    owner: Owner
    severity: Severity
    #: Words in the description (``no_deliverables``: 0 = no description at all).
    words: int | None = None
    #: The fixed price, the milestones' total, the hourly rate: minor units of the offer's currency.
    price: int | None = None
    total: int | None = None
    rate: int | None = None
    #: The date at fault (an end, a start, a milestone's due date) and the one it crosses.
    day: date | None = None
    bound: date | None = None
    #: The (first) milestone concerned: its title as written, id and 1-based position.
    milestone: str | None = None
    milestone_id: str | None = None
    position: int | None = None
    #: How many milestones the finding covers (one finding per rule, not one per milestone).
    count: int | None = None


# --- reading the scope ---------------------------------------------------------------------------
#
# Each rule is a vocabulary of *word-start* alternatives (regex snippets, lowercase, each opening
# with a plain letter) and a few *inside* stems found anywhere, for German compounds that bury the
# word ("Webseitenerstellung", "Endabnahme"). Written flat as alternatives, the three vocabularies
# cost 16 ms on the largest scope (every alternative retried at every character). Instead they are
# merged into one character trie, so a word start is refused after a letter or two, behind a
# non-word character (\W, the same as \b before a letter, on a scope that opens with a space):
# a leading character class lets the regex engine skip to the next separator in C instead of
# trying every position. One pass over the scope then answers all three rules (``_mentions``):
# about 1 ms for the largest scope that mentions nothing, far less for any real one.

#: The plain-character run an alternative opens with (what the trie merges).
_LITERAL_RUN = re.compile(r"[^\\\[\](){}.*+?^$|]*")
_QUANTIFIERS = frozenset("?*+{")


class _Node:
    __slots__ = ("children", "ends")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        #: What may follow the letters leading here, one regex each ("" = nothing: a match).
        self.ends: list[str] = []


def _trie(alternatives: tuple[str, ...]) -> str:
    """One regex matching exactly what ``a|b|c…`` matches, with shared prefixes merged."""
    root = _Node()
    for alt in alternatives:
        found = _LITERAL_RUN.match(alt)
        lit = found.group() if found is not None else ""
        rest = alt[len(lit) :]
        if rest[:1] in _QUANTIFIERS:  # "deber?": the "?" belongs to the "r"
            lit, rest = lit[:-1], lit[-1:] + rest
        if not lit or _has_top_level_bar(rest):
            raise ValueError(f"{alt!r} must open with a letter and have no top-level '|'")
        node = root
        for ch in lit:
            node = node.children.setdefault(ch, _Node())
        node.ends.append(rest)
    return _emit(root)


def _has_top_level_bar(pattern: str) -> bool:
    """Whether ``pattern`` has an alternation outside any group (it would leak out of the trie)."""
    depth, escaped, in_class = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


def _emit(node: _Node) -> str:
    if "" in node.ends:
        return ""  # a word may end here: anything longer through this node adds no match
    parts = [re.escape(ch) + _emit(child) for ch, child in node.children.items()]
    parts += node.ends
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _each(heads: tuple[str, ...], tail: str) -> tuple[str, ...]:
    return tuple(head + tail for head in heads)


class _Vocabulary(msgspec.Struct, frozen=True):
    #: Word-start alternatives (the trie puts a separator, \W, before them).
    words: tuple[str, ...]
    #: Plain substrings found anywhere (``in``: a C search, no regex).
    inside: tuple[str, ...] = ()


_WHEN_EN = r"\s+(?:when|once|if|after)\b"
_CADENCE_EN = ("daily", "weekly", "bi-?weekly", "biweekly", "fortnightly", "monthly", "regular",
               r"twice[-\s]weekly")  # fmt: skip
_TOUCH_EN = ("calls?", "updates?", "meetings?", "check-?ins?", "syncs?", "stand-?ups?",
             "reports?", "demos?", "e-?mails?")  # fmt: skip
_TOUCH_EN_RX = "(?:" + "|".join(_TOUCH_EN) + ")"
_CADENCE_DE = ("täglich", "taeglich", "wöchentlich", "woechentlich", "zweiwöchentlich",
               "monatlich", "regelmäßig", "regelmaessig")  # fmt: skip
_TOUCH_DE = (r"(?:call|telefonat|termin|update|meeting|abstimmung|bericht|statusbericht"
             r"|jour\s+fixe|besprechung|rücksprache|austausch|demo|status)")  # fmt: skip
_TOUCH_ES = ("reuni[oó]n", "reuniones", "llamadas?", "videollamadas?", "actualizaci[oó]n",
             "actualizaciones", "informes?", "res[uú]menes", "resumen")  # fmt: skip

#: What will be delivered: verbs of making and the artefacts made.
DELIVERABLES = _Vocabulary(
    words=(
        # English
        "deliver", "buil[dt]", "creat", "design", "develop", r"writ(?:e|es|ing|ten)\b",
        "implement", "produc", r"set\s?up\b", "migrat", "integrat", "refactor", "translat",
        "prepar", "configur", "instal", "launch", "deploy", "illustrat", "animat",
        r"edit(?:s|ing|ed)?\b", "draft", r"cod(?:e|ing)\b", "program", "convert", "optimi[sz]",
        r"fix(?:es|ing|ed)?\b", "record", "website", r"web\s+site", r"apps?\b", "application",
        r"pages?\b", "logo", r"reports?\b", "article", r"blog\s+posts?", "document", "prototyp",
        "mock-?ups?", "wireframe", "video", "dashboard", r"api\b", "plugin", r"scripts?\b",
        "template", "spreadsheet", r"files?\b", r"source\s+code", "photograph", "retouch",
        "transcri", "proofread", "render", r"mix(?:es|ing)?\b", r"master(?:s|ing)?\b", "compos",
        "analy[sz]", "research", "audit", "review", "clean", "merge", "scrap(?:e|ing)", "automat",
        "maintain", "maintenance", "support", "manag", "tutor", "teach", "coach", "consult",
        "moderat", "recruit",
        # German
        "liefer", "erstell", "entwickl", "gestalt", "umsetz", "umgesetzt", r"bau(?:en|t|e)\b",
        "aufbau", "schreib", "geschrieben", "verfass", "übersetz", "einricht", "eingerichtet",
        "konfigur", "migrier", "integrier", "überarbeit", r"entw(?:urf|ürfe|erfen)", "anfertig",
        "bereitstell", "ergebnis", "leistungsumfang", "webseite", "bericht", "dokument",
        "konzept", "vorlage", "analysier", "recherch", "betreu", "wartung", "pflege", "schul",
        "berat", "korrigier", "lektor", "fotografier", "bearbeit", "bereinig", "zusammenführ",
        "unterstütz",
        # Spanish
        "entreg", "desarroll", r"crea(?:r|ci[oó]n|d[oa]s?|r[eé]\w*|remos)\b", "diseñ",
        "constru[iy]", "redact", "traduc", "elabor", "maquet", r"sitio\s+web", r"p[aá]ginas?\b",
        "aplicaci[oó]n", r"informes?\b", "plantilla", "art[ií]culo", "analiz", "investig",
        "revis", "mantenimiento", "gestion", "asesor", "enseñ", "fotograf", "correg", "limpi",
        "automatiz", "soporte", r"atenci[oó]n\s+al\s+cliente", r"clases\b",
    ),
    inside=("erstell", "entwickl", "gestalt", "umsetz"),
)  # fmt: skip
#: What counts as done: acceptance, approval, tests that must pass, a definition of done.
ACCEPTANCE = _Vocabulary(
    words=(
        # English
        *_each(("done", "complete", "completed", "finished", "accepted", "approved", "ready",
                "delivered"), _WHEN_EN),
        r"considered\s+(?:done|complete|finished|delivered|accepted)", r"acceptance\b",
        r"definition\s+of\s+done", r"success\s+criteri", r"sign(?:ed|s)?[\s-]?off\b",
        *_each(("your", "my", "our", "client'?s?", "final"), r"\s+approval"),
        r"approved\s+by\s+(?:me|us|you|the\s+client|our\s+team)\b",
        r"until\s+(?:you|i|we|the\s+client)\s+(?:approve|accept|sign)",
        *_each(("must", "should", "shall", "will", "to"), r"\s+pass\b"),
        r"pass(?:es|ing)?\s+(?:all\s+)?(?:the\s+)?(?:tests?|review|qa|checks?|audit)",
        r"tests\b", r"tested\b", r"unit\s+test", r"test\s+(?:cases?|suite|plan|coverage)",
        r"qa\b", r"meets?\s+(?:the|all|these|our)\s+(?:requirements|spec|criteria)",
        # German
        "abnahme", "abgenommen", "abzunehmen", "akzeptanz",
        *_each(("fertig", "erledigt", "abgeschlossen", "erfüllt", "vollständig"),
               r",?\s+(?:wenn|sobald)\b"),
        r"gilt\s+(?:\w+\s+)?als\s+(?:fertig|erledigt|abgeschlossen|erfüllt|geliefert"
        r"|abgenommen)", r"nach\s+(?:der\s+|unserer\s+|ihrer\s+)?freigabe",
        r"freigabe\s+(?:durch|von)\b", *_each(("von", "durch"), r"\s+(?:\w+\s+){0,2}freigegeben"),
        "getestet", "testfälle", "bestanden",
        # Spanish
        *_each(("criterios?", "pruebas?", "acta", "condiciones"), r"\s+de\s+aceptaci[oó]n"),
        r"se\s+considera(?:r[aá])?\s+(?:terminad|complet|finalizad|entregad|aceptad|cerrad)",
        r"se\s+dar[aá]\s+por\s+(?:terminad|complet|finalizad|entregad|aceptad|cerrad|buen)",
        *_each(("terminad[oa]", "completad[oa]", "finalizad[oa]", "list[oa]"),
               r"\s+(?:cuando|una\s+vez)\b"),
        r"pruebas\b", *_each(("su", "tu", "mi", "nuestra"), r"\s+aprobaci[oó]n"),
        r"aprobaci[oó]n\s+(?:final|del\s+cliente|por\s+parte)", r"tras\s+(?:la\s+)?aprobaci[oó]n",
        r"una\s+vez\s+aprobad", r"aprobad[oa]s?\s+por\b", r"apruebe(?:n)?\b", r"visto\s+bueno",
        r"conformidad\s+(?:del|por\s+parte|escrita|final)\b",
        r"deber?[aá]?n?\s+(?:pasar|superar)\b",
        r"super(?:ar|e|en)\s+(?:las\s+|todas\s+las\s+)?pruebas",
    ),
    inside=("abnahme",),  # "Endabnahme", "Teilabnahme"
)  # fmt: skip
#: How the parties keep in touch: a cadence of calls or updates, availability, a time zone.
COMMUNICATION = _Vocabulary(
    words=(
        # English
        *_each(_CADENCE_EN, rf"\s+(?:\w+\s+)?{_TOUCH_EN_RX}\b"),
        *_each(_TOUCH_EN, r"\s+(?:every|each|once|twice|per|a\s+week|weekly|daily)\b"),
        r"check-?ins?\b", r"status\s+(?:updates?|reports?|calls?|meetings?)",
        r"progress\s+(?:updates?|reports?)", r"stand-?ups?\b",
        r"available\s+(?:for\s+(?:calls|meetings|questions|a\s+call)|between|from\s+\d|during"
        r"|on\s+(?:weekdays|slack|zoom|teams)|mon)",
        r"availability\s+(?:for|between|during|hours|window)",
        *_each(("my", "your", "our"), r"\s+availability"),
        r"time\s?zones?\b", r"utc\s?[+-]\s?\d", r"gmt\s?[+-]\s?\d", r"cet\b", r"cest\b",
        r"pst\b", r"pdt\b", r"edt\b", r"responds?\s+within\b", r"response\s+(?:time\s+)?within",
        r"reply\s+within\b", r"answer\s+within\b",
        *_each(("office", "business", "working", "core", "european", "us", "uk", "overlapping"),
               r"\s+hours\b"),
        *_each(("via", "on", "over"), r"\s+(?:slack|zoom|google\s+meet|microsoft\s+teams"
                                      r"|e-?mail)\b"),
        r"keep\s+(?:you|me|us|each\s+other)\s+(?:posted|updated|informed)",
        # German
        *_each(_CADENCE_DE, rf"\w*\s+(?:\w+\s+)?{_TOUCH_DE}"),
        r"status[-\s]?(?:update|bericht|meeting|call|termin)", r"jour\s+fixe", "rücksprache",
        "ruecksprache", "abstimmungstermin", "zeitzone", "videocall", "video-call", "telefonat",
        "besprechung", "geschäftszeiten", "bürozeiten", "kernzeit", "erreichbarkeit",
        # "erreichbar" of a person, not of a web page ("die Seite ist jederzeit erreichbar")
        *_each(("bin", "sind", "bleibe", "bleiben"), r"\s+(?:\w+\s+){0,3}erreichbar"),
        r"erreichbar\s+(?:per|über|via|zwischen|werktags|wochentags|täglich|montags|von\s+\d)",
        *_each(("antwort", "rückmeldung", "reaktion"), r"\w*\s+innerhalb"),
        r"auf\s+dem\s+laufenden",
        *_each(("per", "über"), r"\s+(?:slack|zoom|teams|e-?mail|google\s+meet)\b"),
        # Spanish
        *_each(_TOUCH_ES, r"\s+(?:\w+\s+)?(?:diari|semanal|quincenal|mensual|peri[oó]dic"
                          r"|de\s+(?:seguimiento|avance|progreso|estado)|cada\b)"),
        r"disponible\s+(?:de\s+\d|entre|para\s+(?:llamadas|reuniones|consultas|dudas)"
        r"|en\s+horario|de\s+lunes)", r"disponibilidad\s+(?:horaria|para|de\s+lunes|entre)",
        r"zona\s+horaria", r"husos?\s+horarios?", r"horario\s+(?:de\s+oficina|laboral|comercial)",
        *_each(("respond", "respuesta", "contest"),
               r"\w*\s+(?:en\s+(?:menos\s+de\s+)?\d|dentro\s+de)"),
        *_each(("por", "v[ií]a"), r"\s+(?:slack|zoom|teams|correo|e-?mail|google\s+meet)\b"),
        r"al\s+tanto\b", r"mantener(?:le|lo|la|nos|se)?\s+informad",
    ),
    inside=("besprechung", "telefonat"),
)  # fmt: skip
_VOCABULARIES: dict[str, _Vocabulary] = {
    NO_DELIVERABLES: DELIVERABLES,
    NO_ACCEPTANCE_CRITERIA: ACCEPTANCE,
    NO_COMMUNICATION: COMMUNICATION,
}
#: Each vocabulary alone, to tell which one a match of the union belongs to.
_ONE: dict[str, re.Pattern[str]] = {
    code: re.compile(r"\W" + _trie(v.words)) for code, v in _VOCABULARIES.items()
}
#: The union of every non-empty set of vocabularies (seven patterns), so the scan for what is
#: still unmentioned goes on without re-reading what it has passed.
_ANY: dict[frozenset[str], re.Pattern[str]] = {
    frozenset(codes): re.compile(
        r"\W" + _trie(tuple(w for code in codes for w in _VOCABULARIES[code].words))
    )
    for n in range(1, len(_VOCABULARIES) + 1)
    for codes in itertools.combinations(_VOCABULARIES, n)
}


def _mentions(scope: str) -> set[str]:
    """The codes among ``_VOCABULARIES`` whose vocabulary ``scope`` uses (one pass at most)."""
    missing = set(_VOCABULARIES)
    pos = 0
    while missing:
        m = _ANY[frozenset(missing)].search(scope, pos)
        if m is None:
            break
        start = m.start()
        # The union matched here, so at least one vocabulary does: each turn removes one, and
        # the loop runs at most three times.
        missing -= {code for code in missing if _ONE[code].match(scope, start)}
        pos = start + 1
    for code in tuple(missing):
        if any(stem in scope for stem in _VOCABULARIES[code].inside):
            missing.discard(code)
    return set(_VOCABULARIES) - missing


# A list item: a bullet or a number opening a line, then text. A literal "\n" opens the pattern,
# so the search jumps from line to line; "\n" is prepended so the first line counts too.
_LIST_ITEM = re.compile(
    "\n[ \t]*(?:[-*\u2022\u2013\u00b7\u25aa\u25e6]|\\d{1,3}[.)]|[a-zA-Z][)])[ \t]+\\S"
)


def _texts(t: Terms) -> tuple[str, ...]:
    """What is read for meaning: the title, the description and the milestone titles."""
    return (t.title, t.description, *(m.title for m in t.milestones))


@functools.lru_cache(maxsize=256)
def _text_mentions(text: str) -> frozenset[str]:
    """The codes whose vocabulary one text uses.

    Each text is read on its own, so a draft whose title changed reads only its title again:
    the room checks the whole draft after every burst of edits, usually of one text (or of none:
    a figure), and the largest description takes ~0.3 ms to read (``bench/offer_check.py``), its
    title alone a few microseconds (issue 17). A phrase is never read across two texts ("… done"
    ending the title, "when …" opening the description): neither says it. Remembered for a few
    hundred texts of at most the description's limit each, as ``explain.flags`` remembers its
    scans.
    """
    # The leading newline lets the first word match (every pattern opens on a separator, \W).
    # NFC first: text pasted from macOS may spell "ü" as u + combining diaeresis, which the
    # patterns' "ü" would not match. Nearly free on text that is NFC already (a quick check).
    return frozenset(_mentions("\n" + unicodedata.normalize("NFC", text).lower()))


def _mentioned(t: Terms) -> frozenset[str]:
    """The codes whose vocabulary any of ``t``'s texts uses; the longest text first, and the
    rest only while some code is still unmentioned (fifty milestone titles after a description
    that says everything are never read)."""
    found: frozenset[str] = frozenset()
    for text in sorted(_texts(t), key=len, reverse=True):
        if len(found) == len(_VOCABULARIES) or not text:
            break
        found |= _text_mentions(text)
    return found


def _has_list(description: str) -> bool:
    # Stops at the second item: a long list costs no more than a short one.
    for found, _ in enumerate(_LIST_ITEM.finditer("\n" + description), start=1):
        if found >= MIN_LIST_ITEMS:
            return True
    return False


def _is_short(description: str) -> int | None:
    """The description's word count when under ``MIN_DESCRIPTION_WORDS``, else None.

    ``split`` with a maximum stops after that many words: a 20,000-character description costs
    no more than a 25-word one.
    """
    words = len(description.split(None, MIN_DESCRIPTION_WORDS))
    return words if words < MIN_DESCRIPTION_WORDS else None


def check_offer(terms: Terms, limits: Limits, today: date) -> list[Finding]:
    """What ``terms`` still lack for a complete offer, in ``CODES`` order; empty when nothing.

    Pure: the same terms, limits and day give the same findings. Looks at the applicable terms
    only (an hourly draft's leftover fixed price is not part of the deal).
    """
    t = applicable_terms(terms)
    found: list[Finding] = []
    mentioned = _mentioned(t)
    short = _is_short(t.description)
    if not _has_list(t.description) and (short is not None or NO_DELIVERABLES not in mentioned):
        # The word count is a figure only when it is the reason (too short to say anything).
        found.append(Finding(NO_DELIVERABLES, "description", "client", "warning", words=short))
    if NO_ACCEPTANCE_CRITERIA not in mentioned:
        found.append(Finding(NO_ACCEPTANCE_CRITERIA, "description", "client", "warning"))
    found += _dates(t, today)
    if t.contract_type == "fixed":
        found += _fixed(t, limits)
    elif t.weekly_limit is None:
        # Info, not a warning: an uncapped hourly contract is legitimate, only its cost is open.
        found.append(
            Finding(HOURLY_NO_WEEKLY_LIMIT, "weekly_limit", "client", "info", rate=t.hourly_rate)
        )
    if NO_COMMUNICATION not in mentioned:
        found.append(Finding(NO_COMMUNICATION, "description", "both", "info"))
    return found


def _dates(t: Terms, today: date) -> list[Finding]:
    """The timeline: present at all, in order, not behind us."""
    out: list[Finding] = []
    start, end = t.start_date, t.end_date
    if t.contract_type == "fixed":
        # A fixed price buys a result, so what matters is when it is due: an end date or a due
        # date on any milestone. A start date alone sets no deadline.
        if end is None and all(m.due_date is None for m in t.milestones):
            out.append(Finding(NO_TIMELINE, "end_date", "client", "warning"))
    elif start is None:
        # Hourly work is often open-ended (no end date is normal), but the freelancer needs to
        # know when to keep hours free.
        out.append(Finding(NO_TIMELINE, "start_date", "client", "warning"))
    if start is not None and end is not None and end < start:
        out.append(Finding(END_BEFORE_START, "end_date", "client", "warning", day=end, bound=start))
    elif end is not None and end < today:
        out.append(Finding(END_IN_PAST, "end_date", "client", "warning", day=end, bound=today))
    # A past end already says the whole period is behind us; a past start on top says nothing new.
    if start is not None and start < today and not (end is not None and end < today):
        out.append(
            Finding(START_IN_PAST, "start_date", "client", "warning", day=start, bound=today)
        )
    return out


def _fixed(t: Terms, limits: Limits) -> list[Finding]:
    out: list[Finding] = []
    price = t.fixed_price
    if not t.milestones:
        # Only a price that can be split: two milestones of at least ``milestone_min`` each, or
        # the proposal policy would refuse the split we suggest.
        if price is not None and price >= 2 * limits.milestone_min:
            out.append(Finding(FIXED_NO_MILESTONES, "milestones", "both", "warning", price=price))
        return out
    total = sum(m.amount for m in t.milestones)
    if price is not None and total != price:
        out.append(
            Finding(
                MILESTONE_SUM_MISMATCH, "milestones", "both", "warning", price=price, total=total
            )
        )
    start, end = t.start_date, t.end_date
    early = [
        (i, m)
        for i, m in enumerate(t.milestones)
        if start is not None and m.due_date is not None and m.due_date < start
    ]
    late = [
        (i, m)
        for i, m in enumerate(t.milestones)
        if end is not None and m.due_date is not None and m.due_date > end
    ]
    # One finding per rule, naming the first milestone and how many: fifty prompts would bury the
    # rest of the check, and one fix (moving the start or end) often settles them all.
    if early and start is not None:
        out.append(_milestone_dates(MILESTONE_BEFORE_START, early, start))
    if late and end is not None:
        out.append(_milestone_dates(MILESTONE_AFTER_END, late, end))
    return out


def _milestone_dates(code: str, hits: list[tuple[int, Milestone]], bound: date) -> Finding:
    i, first = hits[0]
    return Finding(
        code,
        "milestones",
        "both",
        "warning",
        day=first.due_date,
        bound=bound,
        milestone=first.title,
        milestone_id=first.id,
        position=i + 1,
        count=len(hits),
    )


def check_items(findings: Sequence[Finding], lang: Lang, currency: str) -> list[CheckItem]:
    """The findings as the room shows them, in ``lang``, money in ``currency`` (the offer's)."""
    items: list[CheckItem] = []
    for f in findings:
        text, question = phrase(f, lang, currency)
        items.append(CheckItem(f.code, f.field, f.owner, f.severity, text, question))
    return items
