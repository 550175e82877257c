"""The offline explainer: short, neutral prose built from the facts alone, no network.

It is the default explainer and the fallback whenever a model's answer fails, is not grounded or
is in the wrong language, so it must never say anything the facts do not hold: every figure it
writes comes from ``Facts`` in the reader's formats (``server/i18n.py``: ``$4,500.00`` /
``4.500,00 $`` / ``4.500,00 US$``, ``1 Dec 2026`` / ``1. Dezember 2026`` / ``1 de diciembre de
2026``), which the grounding check reads back. It describes and does not advise, and it says the
same thing to both parties, each in their own language: this module decides *what* to say, the
wording tables (``offline_en.py``, ``offline_de.py``, ``offline_es.py``) say it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from server import i18n
from server.explain.facts import (
    Comparison,
    DescriptionFact,
    Duration,
    Facts,
    MilestoneFact,
    Side,
    ValueChange,
)
from server.explain.offline_de import DE
from server.explain.offline_en import EN
from server.explain.offline_es import ES
from server.explain.offline_words import Forms, Words
from server.i18n import DEFAULT, Lang

#: Stored with each offline text; bump it whenever the wording changes meaning.
OFFLINE_VERSION = "offline-2026-12-1"
#: Milestone changes described one by one; past this the list would swamp everything else.
MAX_MILESTONE_SENTENCES = 5
WORDS: dict[Lang, Words] = {"en": EN, "de": DE, "es": ES}
_ORDER = ("currency", "title", "hourly_rate", "weekly_limit", "manual_time", "fixed_price",
          "start_date", "end_date")  # fmt: skip


class OfflineExplainer:
    """Rule-based explanations: the same content for both parties, streamed sentence by
    sentence in the reader's language."""

    name: str = "offline"
    model: str | None = None
    prompt_version: str = OFFLINE_VERSION

    async def stream(
        self, facts: Facts, note: str | None, lang: Lang = DEFAULT
    ) -> AsyncGenerator[str, None]:
        # The note is the proposer's own words; echoing it would let one party's phrasing pass as
        # the neutral explanation, so the room shows it separately.
        del note
        parts = explain_sentences(facts, lang)
        for i, sentence in enumerate(parts):
            yield sentence if i == len(parts) - 1 else sentence + " "
            await asyncio.sleep(0)  # let other rooms' messages through between chunks


def offline_text(facts: Facts, lang: Lang = DEFAULT) -> str:
    """The whole offline explanation as one string (what ``stream`` yields, joined)."""
    return " ".join(explain_sentences(facts, lang))


def offline_chunks(facts: Facts, lang: Lang = DEFAULT) -> list[str]:
    """The explanation as the deltas that stream it: sentences, each but the last followed by a
    space, so they join to ``offline_text``."""
    parts = explain_sentences(facts, lang)
    return [s if i == len(parts) - 1 else s + " " for i, s in enumerate(parts)]


def explain_sentences(facts: Facts, lang: Lang = DEFAULT) -> list[str]:
    """The explanation, one sentence per item, in a fixed order."""
    return _Writer(facts, WORDS[lang]).sentences()


def duration_text(term: Duration, lang: Lang = DEFAULT) -> str:
    """A term as a reader is shown it: "10 days" under 14 days, "8 weeks" from 14 on."""
    words = WORDS[lang]
    amount, unit = term.shown
    return i18n.count(amount, words.weeks if unit == "weeks" else words.days, lang)


class _Writer:
    """One explanation in one language: figures formatted for it, sentences from its table."""

    def __init__(self, facts: Facts, words: Words) -> None:
        self.f = facts
        self.w = words
        self.lang: Lang = words.lang
        self.switched = facts.before.contract_type != facts.after.contract_type

    # --- figures -------------------------------------------------------------------------------

    def money(self, value: int | None, currency: str) -> str:
        return self.w.not_set if value is None else i18n.money(value, currency, self.lang)

    def day(self, iso: str) -> str:
        return i18n.day(iso, self.lang)

    def pct(self, value: float) -> str:
        return i18n.percent(abs(value), self.lang)

    def count(self, n: int, forms: Forms) -> str:
        return i18n.count(n, forms, self.lang)

    def number(self, n: int) -> str:
        return i18n.number(n, self.lang)

    def span(self, side: Side) -> str:
        term = side.duration
        return "" if term is None else duration_text(term, self.lang)

    def shift(self, days: int) -> str:
        return self.count(abs(days), self.w.later if days > 0 else self.w.earlier)

    def diff(self, change: int, currency: str, percent: float | None) -> str:
        amount = i18n.money(abs(change), currency, self.lang)
        text = (self.w.diff_up if change > 0 else self.w.diff_down).format(amount=amount)
        return self.w.diff_pct.format(diff=text, pct=self.pct(percent)) if percent is not None \
            else text  # fmt: skip

    def agree(self, forms: Forms, n: int) -> str:
        """The form agreeing with ``n`` items (verbs, articles): "one" or "other"."""
        return forms["one"] if n == 1 else forms["other"]

    def missing(self, side: Side) -> str:
        """What an hourly side lacks for a maximum total: "weekly limit or end date"."""
        values = {"weekly_limit": side.weekly_limit, "start_date": side.start_date,
                  "end_date": side.end_date}  # fmt: skip
        return self.w.missing_join.join(self.w.missing[k] for k, v in values.items() if v is None)

    # --- sentences -----------------------------------------------------------------------------

    def sentences(self) -> list[str]:
        f, w = self.f, self.w
        if f.is_empty():
            return [w.no_change]
        out = [self.opening()]
        if self.switched:
            out += self.switch()
        by_field = {c.field: c for c in f.changes}
        for field in _ORDER:
            change = by_field.get(field)
            if change is not None and not (self.switched and _follows_switch(change)):
                out.append(self.date(change) if change.kind == "date" else self.scalar(change))
        if f.description is not None:
            out += self.description(f.description)
        out += self.milestones()
        if not self.switched and f.after.contract_type == "hourly":
            out += self.weekly_and_total()
        out.append(w.everything_else)
        return out

    def opening(self) -> str:
        f, w = self.f, self.w
        items = [w.object[c.field] for c in f.changes
                 if not (self.switched and _follows_switch(c))]  # fmt: skip
        if f.description is not None:
            items.append(w.object["description"])
        if f.milestones and not (self.switched and f.after.contract_type == "hourly"):
            items.append(w.object["milestones"])
        return w.opening.format(items=w.join(items))

    def scalar(self, c: ValueChange) -> str:
        f, w = self.f, self.w
        label = w.subject[c.field]
        if c.field == "currency":
            return w.currency.format(old=c.old, new=c.new)
        if c.field == "title":
            return w.title.format(old=w.q(str(c.old)), new=w.q(str(c.new)))
        if c.field == "manual_time":
            return w.manual_on if c.new else w.manual_off
        if c.field == "weekly_limit":
            if c.old is None:
                return w.limit_added.format(new=self.count(int(c.new or 0), w.hours))
            if c.new is None:
                return w.limit_removed.format(old=self.count(int(c.old), w.hours))
            template = w.limit_up if (c.change or 0) > 0 else w.limit_down
            return template.format(old=self.number(int(c.old)),
                                   new=self.count(int(c.new), w.hours))  # fmt: skip
        # hourly_rate or fixed_price
        old = self.money(c.old if isinstance(c.old, int) else None, f.before.currency)
        new = self.money(c.new if isinstance(c.new, int) else None, f.after.currency)
        if c.change is None:
            return w.money_changed.format(label=label, old=old, new=new)
        diff = self.diff(c.change, f.after.currency, c.percent)
        template = w.money_up if c.change > 0 else w.money_down
        return template.format(label=label, old=old, new=new, diff=diff)

    def date(self, c: ValueChange) -> str:
        w = self.w
        names = {"label": w.subject[c.field], "obj": w.object[c.field]}
        if c.old is None:
            return w.date_set.format(new=self.day(str(c.new)), **names)
        if c.new is None:
            return w.date_removed.format(old=self.day(str(c.old)), **names)
        assert c.days is not None
        old, new = self.day(str(c.old)), self.day(str(c.new))
        return w.date_moved.format(old=old, new=new, shift=self.shift(c.days), **names)

    def description(self, d: DescriptionFact) -> list[str]:
        w = self.w
        more = 1 if d.more_fragments else 0

        def listed(fragments: tuple[str, ...]) -> str:
            items = w.join([w.q(s) for s in fragments])
            return w.desc_among.format(items=items) if more else items

        added, removed = d.added_fragments, d.removed_fragments
        if added and removed:
            what = w.desc_both.format(
                added=self.agree(w.desc_added, len(added) + more).format(items=listed(added)),
                removed=self.agree(w.desc_removed_after, len(removed) + more).format(
                    items=listed(removed)),
            )  # fmt: skip
        elif added:
            what = self.agree(w.desc_added, len(added) + more).format(items=listed(added))
        elif removed:
            what = self.agree(w.desc_removed, len(removed) + more).format(items=listed(removed))
        else:
            what = w.desc_layout
        if d.old_words == d.new_words:
            words = w.desc_words_same.format(new=self.count(d.new_words, w.words))
        else:
            # Bare and counted forms of both, so a language can put the unit after either
            # (German ends the sentence on a noun: a number before a point reads as an ordinal).
            words = w.desc_words_changed.format(
                old=self.number(d.old_words), new=self.count(d.new_words, w.words),
                old_unit=self.count(d.old_words, w.words), new_n=self.number(d.new_words))
        return [w.desc.format(what=what, words=words), w.read_in_full]

    def versus(self, comp: Comparison, currency: str, cap_first: bool) -> str:
        """The fixed price against the hourly cap (``cap_first`` False: "the fixed price is $600.00
        less") or the cap against the fixed price ("that is $600.00 more than the fixed price")."""
        w = self.w
        if comp.change is None or comp.new is None:
            return w.vs_cap_currency if cap_first else w.vs_fixed_currency
        if comp.change == 0:
            return w.vs_cap_same if cap_first else w.vs_fixed_same
        up = comp.change > 0
        amount = i18n.money(abs(comp.change), currency, self.lang)
        pct = ""
        if comp.percent is not None:
            pct = (w.pct_higher if up else w.pct_lower).format(pct=self.pct(comp.percent))
        if cap_first:
            template = w.vs_cap_up if up else w.vs_cap_down
        else:
            template = w.vs_fixed_up if up else w.vs_fixed_down
        return template.format(amount=amount, pct=pct)

    def gone(self, items: list[str], head: str) -> str:
        if not items:
            return head
        listed = self.w.after_colon(self.w.join(items))
        return self.agree(self.w.sw_gone, len(items)).format(head=head, items=listed)

    def switch(self) -> list[str]:
        f, w = self.f, self.w
        b, a, total = f.before, f.after, f.total_value
        if a.contract_type == "fixed":
            gone = []
            if b.hourly_rate:
                gone.append(w.gone_rate.format(value=self.money(b.hourly_rate, b.currency)))
            if b.weekly_limit is not None:
                gone.append(w.gone_limit.format(value=self.count(b.weekly_limit, w.hours)))
            head = self.gone(gone, w.sw_to_fixed)
            out = [w.sw_fixed.format(head=head, price=self.money(a.fixed_price, a.currency))]
            if total is None or total.old is None or b.duration is None:
                out.append(w.fixed_no_cap.format(missing=self.missing(b)))
            else:
                out.append(w.fixed_cap_before.format(
                    cap=self.money(total.old, b.currency), span=self.span(b),
                    versus=self.versus(total, a.currency, cap_first=False)))
            return out
        gone = []
        if b.fixed_price:
            gone.append(w.gone_price.format(value=self.money(b.fixed_price, b.currency)))
        if b.milestone_count:
            count = self.count(b.milestone_count, w.milestones)
            gone.append(self.agree(w.gone_milestones, b.milestone_count).format(count=count))
        head = self.gone(gone, w.sw_to_hourly)
        rate = self.money(a.hourly_rate, a.currency)
        if a.weekly_limit is None:
            out = [w.sw_hourly_no_limit.format(head=head, rate=rate)]
        else:
            limit = self.count(a.weekly_limit, w.hours)
            out = [w.sw_hourly.format(head=head, rate=rate, limit=limit)]
        if total is None or total.new is None or a.duration is None:
            out.append(w.hourly_no_cap.format(missing=self.missing(a)))
        else:
            out.append(w.hourly_cap_after.format(
                span=self.span(a), cap=self.money(total.new, a.currency),
                versus=self.versus(total, a.currency, cap_first=True)))
        return out

    def milestones(self) -> list[str]:
        f, w = self.f, self.w
        if self.switched and f.after.contract_type == "hourly":
            return []  # the switch sentence already says the milestones no longer apply
        items = list(f.milestones)
        shown = items if len(items) <= MAX_MILESTONE_SENTENCES \
            else items[: MAX_MILESTONE_SENTENCES - 1]  # fmt: skip
        out = [self.milestone(m) for m in shown]
        if len(shown) < len(items):
            out.append(w.ms_more)
        a, gap = f.after, f.milestone_gap
        if gap is not None and (items or any(c.field == "fixed_price" for c in f.changes)):
            total = self.money(a.milestone_total, a.currency)
            if gap == 0:
                out.append(w.ms_sum_match.format(total=total))
            else:
                template = w.ms_sum_more if gap > 0 else w.ms_sum_less
                out.append(template.format(total=total, gap=self.money(abs(gap), a.currency),
                                           price=self.money(a.fixed_price, a.currency)))
        return out

    def milestone(self, m: MilestoneFact) -> str:
        f, w = self.f, self.w
        cur_old, cur_new = f.before.currency, f.after.currency
        if m.op == "added":
            due = w.ms_due.format(date=self.day(m.new_due)) if m.new_due else w.ms_no_due
            return w.ms_added.format(title=w.q(m.title), amount=self.money(m.new_amount, cur_new),
                                     due=due)  # fmt: skip
        if m.op == "removed":
            was = self.money(m.old_amount, cur_old)
            if m.old_due:
                was += w.ms_was_due.format(date=self.day(m.old_due))
            return w.ms_removed.format(title=w.q(m.title), was=was)
        parts: list[str] = []
        if m.old_title:
            parts.append(w.ms_renamed.format(title=w.q(m.title)))
        if m.old_amount != m.new_amount:
            old, new = self.money(m.old_amount, cur_old), self.money(m.new_amount, cur_new)
            ch = m.amount_change
            if ch:
                diff = f" ({self.diff(ch, cur_new, m.percent)})"
                template = w.ms_amount_up if ch > 0 else w.ms_amount_down
                parts.append(template.format(old=old, new=new, diff=diff))
            else:
                parts.append(w.ms_amount_changed.format(old=old, new=new))
        if m.old_due != m.new_due:
            if m.old_due and m.new_due:
                shift = f", {self.shift(m.due_days)}" if m.due_days else ""
                parts.append(w.ms_due_moved.format(old=self.day(m.old_due),
                                                   new=self.day(m.new_due), shift=shift))
            elif m.new_due:
                parts.append(w.ms_due_set.format(date=self.day(m.new_due)))
            else:
                parts.append(w.ms_due_removed)
        if m.op == "moved" or (m.op == "changed" and not parts):
            parts.append(w.ms_moved)
        title = w.q(m.old_title or m.title)
        return w.ms_changed.format(title=title, parts=w.after_colon(w.join(parts)))

    def weekly_and_total(self) -> list[str]:
        f, w = self.f, self.w
        b, a, out = f.before, f.after, []
        wc, tv = f.weekly_cost, f.total_value
        if wc is not None and wc.old != wc.new:
            old, new = self.money(wc.old, b.currency), self.money(wc.new, a.currency)
            hours = self.count(a.weekly_limit or 0, w.hours)
            if wc.new is None:
                out.append(w.weekly_uncapped.format(old=old))
            elif wc.old is None:
                out.append(w.weekly_new.format(hours=hours, new=new))
            else:
                out.append(w.weekly_change.format(hours=hours, old=old, new=new))
        if tv is not None and tv.old != tv.new:
            old, new = self.money(tv.old, b.currency), self.money(tv.new, a.currency)
            if tv.new is None:
                out.append(w.total_gone.format(missing=self.missing(a), old=old))
            elif tv.old is None:
                out.append(w.total_new.format(span=self.span(a), new=new))
            elif b.weeks == a.weeks and b.start_date == a.start_date and a.start_date \
                    and a.end_date:  # fmt: skip
                out.append(w.total_span.format(span=self.span(a), start=self.day(a.start_date),
                                               end=self.day(a.end_date), old=old, new=new))
            else:
                out.append(w.total_change.format(old=old, span_old=self.span(b), new=new,
                                                 span_new=self.span(a)))
        return out


def _follows_switch(c: ValueChange) -> bool:
    """A change that only reflects the new contract type (fields appearing or dropping away)."""
    if c.field == "manual_time":
        return not c.new
    return c.field in ("hourly_rate", "weekly_limit", "fixed_price") and None in (c.old, c.new)
