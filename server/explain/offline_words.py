"""The wording of the offline explainer in one language: a table of sentence templates.

``offline.py`` decides what to say from the facts and formats every figure for the language
(``server/i18n.py``); a ``Words`` table says how. Each language has its own table
(``offline_en.py``, ``offline_de.py``, ``offline_es.py``), so a translator edits sentences, not
logic, and mypy checks that no table lacks a sentence.

Templates use ``str.format`` fields: ``{label}`` is the field's name as a sentence's subject
("The hourly rate", "Der Stundensatz", "La tarifa por hora"), ``{obj}`` as an object ("the hourly
rate", "den Stundensatz"); ``{old}`` / ``{new}`` are figures already formatted, party text already
quoted. ``Forms`` are chosen by CLDR plural category (``i18n.count``), or by "one" / "other" for
agreement with a number of items.

Every sentence describes; none advises, judges or addresses the reader (no "you", no "Sie", no
"usted"), since both parties read the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.i18n import Lang

#: Templates by plural category: ``{"one": "{n} week", "other": "{n} weeks"}``.
Forms = dict[str, str]


@dataclass(frozen=True)
class Words:
    lang: Lang
    #: Opening and closing quotation marks around party-written text.
    quotes: tuple[str, str]
    #: The last joint of a list: "a, b and c".
    and_: str
    #: The joint before a word starting with an /i/ sound, if the language has one (Spanish
    #: "e": "la moneda e «Instalar…»").
    and_before_i: str | None
    #: Whether a clause after a colon starts with a capital (German: "…: Er heißt jetzt …").
    colon_capitalises: bool
    #: Field name (and "description", "milestones") as a sentence's subject / as an object.
    subject: dict[str, str]
    object: dict[str, str]
    #: What an hourly contract may lack for a cap ("weekly limit", "start date", "end date"),
    #: joined by ``missing_join`` into a template's ``{missing}``.
    missing: dict[str, str]
    missing_join: str
    hours: Forms
    milestones: Forms
    days: Forms
    weeks: Forms
    words: Forms
    later: Forms
    earlier: Forms
    not_set: str

    no_change: str
    opening: str
    everything_else: str

    currency: str
    title: str
    manual_on: str
    manual_off: str
    limit_added: str
    limit_removed: str
    limit_up: str
    limit_down: str
    money_changed: str
    money_up: str
    money_down: str
    diff_up: str
    diff_down: str
    diff_pct: str
    date_set: str
    date_removed: str
    date_moved: str

    desc: str
    desc_added: Forms
    desc_removed: Forms
    desc_removed_after: Forms
    desc_both: str
    desc_layout: str
    desc_among: str
    desc_words_changed: str
    desc_words_same: str
    read_in_full: str

    ms_added: str
    ms_due: str
    ms_no_due: str
    ms_removed: str
    ms_was_due: str
    ms_changed: str
    ms_renamed: str
    ms_amount_up: str
    ms_amount_down: str
    ms_amount_changed: str
    ms_due_moved: str
    ms_due_set: str
    ms_due_removed: str
    ms_moved: str
    ms_more: str
    ms_sum_match: str
    ms_sum_more: str
    ms_sum_less: str

    sw_to_fixed: str
    sw_to_hourly: str
    sw_gone: Forms
    sw_fixed: str
    sw_hourly: str
    sw_hourly_no_limit: str
    gone_rate: str
    gone_limit: str
    gone_price: str
    gone_milestones: Forms
    fixed_no_cap: str
    fixed_cap_before: str
    vs_fixed_up: str
    vs_fixed_down: str
    vs_fixed_same: str
    vs_fixed_currency: str
    pct_higher: str
    pct_lower: str
    hourly_no_cap: str
    hourly_cap_after: str
    vs_cap_up: str
    vs_cap_down: str
    vs_cap_same: str
    vs_cap_currency: str

    weekly_uncapped: str
    weekly_new: str
    weekly_change: str
    total_gone: str
    total_new: str
    total_span: str
    total_change: str

    def q(self, text: str) -> str:
        """``text`` quoted as this language quotes."""
        return f"{self.quotes[0]}{text}{self.quotes[1]}"

    def join(self, items: list[str]) -> str:
        """``a``, ``a and b``, ``a, b and c`` (in this language)."""
        if len(items) == 1:
            return items[0]
        joint = self.and_
        if self.and_before_i is not None and _sounds_like_i(items[-1]):
            joint = self.and_before_i
        return ", ".join(items[:-1]) + f" {joint} " + items[-1]

    def after_colon(self, clause: str) -> str:
        """A clause following a colon, capitalised where the language wants it."""
        return clause[:1].upper() + clause[1:] if self.colon_capitalises else clause


def _sounds_like_i(text: str) -> bool:
    """Whether ``text`` starts with an /i/ sound: "i…", "í…", "hi…" but not "hie…" / "hia…"."""
    word = text.lstrip("\"'\u00ab\u201c\u201e\u2018 ").lower()
    if word[:1] in ("i", "\u00ed"):
        return True
    return word.startswith("hi") and word[2:3] not in ("a", "e", "o", "u")
