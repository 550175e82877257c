"""The offer check's wording in English, German and Spanish (docs/RULES.md, "Offer check").

Each finding becomes a prompt for the party who can supply what is missing (``text``) and a
one-sentence question the other party can send (``question``). Every figure comes from the
finding, formatted by ``server.i18n`` for the reader's language, so the three languages state the
same facts. German addresses the reader formally ("Sie"); Spanish uses "usted" or impersonal
forms, avoiding words that differ between Spain and Latin America.

A language's texts sit together in one function so a translator reads and reviews them as a
whole. Codes are spelled out here rather than imported from ``check`` (which imports this
module); the tests phrase every code in every language.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, TypeVar

from server import i18n
from server.i18n import Lang

if TYPE_CHECKING:
    from server.advice.check import Finding

#: A milestone title is the other party's free text (up to 200 characters): quoted up to here.
QUOTE_MAX = 60
#: Quotation marks as each language prints them.
_QUOTES: dict[Lang, tuple[str, str]] = {
    "en": ("\u201c", "\u201d"),
    "de": ("\u201e", "\u201c"),
    "es": ("\u00ab", "\u00bb"),
}

_T = TypeVar("_T")


def _need(value: _T | None) -> _T:
    """A figure the finding's code always carries (``check.check_offer`` sets it)."""
    if value is None:
        raise ValueError("finding lacks a figure its code needs")
    return value


class _Fmt:
    """Figures of one finding, formatted for one reader."""

    __slots__ = ("currency", "lang")

    def __init__(self, lang: Lang, currency: str) -> None:
        self.lang = lang
        self.currency = currency

    def money(self, minor: int | None) -> str:
        return i18n.money(_need(minor), self.currency, self.lang)

    def day(self, d: date | None) -> str:
        return i18n.day(_need(d), self.lang)

    def count(self, n: int | None, one: str, other: str) -> str:
        return i18n.count(_need(n), {"one": one, "other": other}, self.lang)

    def milestone(self, f: Finding, titled: str, untitled: str) -> str:
        """The finding's milestone by its title, quoted and cut to ``QUOTE_MAX`` (``titled``,
        with ``{t}``), or by its position when the title is blank (``untitled``, with ``{n}``)."""
        title = " ".join((f.milestone or "").split())
        if not title:
            return untitled.format(n=_need(f.position))
        if len(title) > QUOTE_MAX:
            title = title[: QUOTE_MAX - 1].rstrip() + "\u2026"
        left, right = _QUOTES[self.lang]
        return titled.format(t=f"{left}{title}{right}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _en(f: Finding, x: _Fmt) -> tuple[str, str]:
    match f.code:
        case "no_deliverables":
            ask = "What exactly should be delivered?"
            if f.words == 0:
                return (
                    "There is no description yet. Say what will be delivered, e.g. the "
                    "pages, features or files.",
                    ask,
                )
            if f.words is not None:
                words = x.count(f.words, "{n} word", "{n} words")
                return (
                    f"The description has only {words} and does not yet say what will be "
                    "delivered. List the deliverables, e.g. the pages, features or files.",
                    ask,
                )
            return (
                "The description does not say what will be delivered. List the "
                "deliverables, e.g. the pages, features or files.",
                ask,
            )
        case "no_acceptance_criteria":
            return (
                "Nothing says what counts as done. Add acceptance criteria, e.g. which tests "
                "must pass or who approves the work.",
                "What counts as done for this work?",
            )
        case "no_timeline" if f.field == "start_date":
            return (
                "There is no start date. Say when the work should start.",
                "When should the work start?",
            )
        case "no_timeline":
            return (
                "There is no end date and no milestone due date. Add a deadline so both "
                "sides know when the work is due.",
                "When should the work be finished?",
            )
        case "end_before_start":
            end, start = x.day(f.day), x.day(f.bound)
            return (
                f"The end date ({end}) is before the start date ({start}). Correct one of them.",
                f"Is the end date of {end} right, given that the work starts on {start}?",
            )
        case "end_in_past":
            end = x.day(f.day)
            return (
                f"The end date ({end}) is in the past. Choose a new end date.",
                f"What should the new end date be, now that {end} has passed?",
            )
        case "start_in_past":
            start = x.day(f.day)
            return (
                f"The start date ({start}) is in the past. Choose today or a later date.",
                f"When should the work start, now that {start} has passed?",
            )
        case "fixed_no_milestones":
            price = x.money(f.price)
            return (
                f"The fixed price of {price} is not split into milestones. Propose "
                "milestones so the work is reviewed and paid in parts.",
                f"Could we split the fixed price of {price} into milestones?",
            )
        case "milestone_sum_mismatch":
            price, total = x.money(f.price), x.money(f.total)
            diff = x.money(abs(_need(f.price) - _need(f.total)))
            return (
                f"The milestones add up to {total}, but the fixed price is {price}, a "
                f"difference of {diff}. Adjust the amounts or the price.",
                f"Should the milestones add up to {price}, or should the price be {total}?",
            )
        case "milestone_before_start" if f.count == 1:
            due, start = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "the milestone {t}", "milestone {n}")
            return (
                f"{_cap(label)} is due on {due}, before the start date ({start}). Move its "
                "due date or the start date.",
                f"Is {label} really due on {due}, before the work starts on {start}?",
            )
        case "milestone_before_start":
            due, start = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "the milestone {t}", "milestone {n}")
            n_milestones = x.count(f.count, "{n} milestone", "{n} milestones")
            return (
                f"{n_milestones} are due before the start date ({start}), starting with "
                f"{label} on {due}. Move their due dates or the start date.",
                f"Are {n_milestones} really due before the work starts on {start}?",
            )
        case "milestone_after_end" if f.count == 1:
            due, end = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "the milestone {t}", "milestone {n}")
            return (
                f"{_cap(label)} is due on {due}, after the end date ({end}). Move its due "
                "date or the end date.",
                f"Is {label} really due on {due}, after the end date of {end}?",
            )
        case "milestone_after_end":
            due, end = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "the milestone {t}", "milestone {n}")
            n_milestones = x.count(f.count, "{n} milestone", "{n} milestones")
            return (
                f"{n_milestones} are due after the end date ({end}), starting with {label} "
                f"on {due}. Move their due dates or the end date.",
                f"Are {n_milestones} really due after the end date of {end}?",
            )
        case "hourly_no_weekly_limit":
            at = "" if f.rate is None else f" at {x.money(f.rate)} an hour"
            return (
                f"There is no weekly limit, so the cost{at} is open-ended. Set a maximum "
                "number of hours per week.",
                "How many hours a week should this take at most?",
            )
        case "no_communication":
            return (
                "Nothing says how you will keep each other updated. Agree on updates or "
                "calls, e.g. a weekly call or a short status update every Friday.",
                "How and how often should we keep each other updated?",
            )
    raise ValueError(f"no wording for {f.code!r}")


def _de(f: Finding, x: _Fmt) -> tuple[str, str]:
    match f.code:
        case "no_deliverables":
            ask = "Was genau soll geliefert werden?"
            if f.words == 0:
                return (
                    "Es gibt noch keine Beschreibung. Geben Sie an, was geliefert werden "
                    "soll, z. B. Seiten, Funktionen oder Dateien.",
                    ask,
                )
            if f.words is not None:
                words = x.count(f.words, "{n} Wort", "{n} Wörter")
                return (
                    f"Die Beschreibung hat nur {words} und sagt noch nicht, was geliefert "
                    "werden soll. Zählen Sie die Ergebnisse auf, z. B. Seiten, Funktionen "
                    "oder Dateien.",
                    ask,
                )
            return (
                "Die Beschreibung sagt nicht, was geliefert werden soll. Zählen Sie die "
                "Ergebnisse auf, z. B. Seiten, Funktionen oder Dateien.",
                ask,
            )
        case "no_acceptance_criteria":
            return (
                "Es ist nicht festgelegt, wann die Arbeit als erledigt gilt. Ergänzen Sie "
                "Abnahmekriterien, z. B. welche Tests bestanden sein müssen oder wer die "
                "Arbeit freigibt.",
                "Wann gilt die Arbeit als erledigt?",
            )
        case "no_timeline" if f.field == "start_date":
            return (
                "Es gibt kein Startdatum. Geben Sie an, wann die Arbeit beginnen soll.",
                "Wann soll die Arbeit beginnen?",
            )
        case "no_timeline":
            return (
                "Es gibt weder ein Enddatum noch ein Fälligkeitsdatum für einen "
                "Meilenstein. Legen Sie eine Frist fest, damit beide Seiten wissen, bis wann "
                "die Arbeit fertig sein soll.",
                "Bis wann soll die Arbeit fertig sein?",
            )
        case "end_before_start":
            end, start = x.day(f.day), x.day(f.bound)
            return (
                f"Das Enddatum ({end}) liegt vor dem Startdatum ({start}). Korrigieren Sie "
                "eines der beiden Daten.",
                f"Ist der {end} als Enddatum richtig, wenn die Arbeit erst am {start} beginnt?",
            )
        case "end_in_past":
            end = x.day(f.day)
            return (
                f"Das Enddatum ({end}) liegt in der Vergangenheit. Wählen Sie ein neues Enddatum.",
                f"Welches Enddatum soll jetzt gelten, da der {end} schon vorbei ist?",
            )
        case "start_in_past":
            start = x.day(f.day)
            return (
                f"Das Startdatum ({start}) liegt in der Vergangenheit. Wählen Sie heute oder "
                "ein späteres Datum.",
                f"Wann soll die Arbeit beginnen, da der {start} schon vorbei ist?",
            )
        case "fixed_no_milestones":
            price = x.money(f.price)
            return (
                f"Der Festpreis von {price} ist nicht in Meilensteine aufgeteilt. Schlagen "
                "Sie Meilensteine vor, damit die Arbeit in Teilen geprüft und bezahlt wird.",
                f"Können wir den Festpreis von {price} auf Meilensteine aufteilen?",
            )
        case "milestone_sum_mismatch":
            price, total = x.money(f.price), x.money(f.total)
            diff = x.money(abs(_need(f.price) - _need(f.total)))
            return (
                f"Die Meilensteine ergeben zusammen {total}, der Festpreis beträgt aber "
                f"{price} \u2013 eine Differenz von {diff}. Passen Sie die Beträge oder den "
                "Preis an.",
                f"Sollen die Meilensteine zusammen {price} ergeben, oder soll der Preis "
                f"{total} betragen?",
            )
        case "milestone_before_start" if f.count == 1:
            due, start = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "der Meilenstein {t}", "Meilenstein {n}")
            return (
                f"{_cap(label)} ist am {due} fällig und damit vor dem Startdatum ({start}). "
                "Verschieben Sie das Fälligkeitsdatum oder das Startdatum.",
                f"Ist {label} wirklich schon am {due} fällig, noch vor dem Start am {start}?",
            )
        case "milestone_before_start":
            due, start = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "der Meilenstein {t}", "Meilenstein {n}")
            n_milestones = x.count(f.count, "{n} Meilenstein", "{n} Meilensteine")
            return (
                f"{n_milestones} sind vor dem Startdatum ({start}) fällig, zuerst {label} "
                f"am {due}. Verschieben Sie die Fälligkeitsdaten oder das Startdatum.",
                f"Sind {n_milestones} wirklich schon vor dem Start am {start} fällig?",
            )
        case "milestone_after_end" if f.count == 1:
            due, end = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "der Meilenstein {t}", "Meilenstein {n}")
            return (
                f"{_cap(label)} ist am {due} fällig und damit nach dem Enddatum ({end}). "
                "Verschieben Sie das Fälligkeitsdatum oder das Enddatum.",
                f"Ist {label} wirklich erst am {due} fällig, nach dem Ende am {end}?",
            )
        case "milestone_after_end":
            due, end = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "der Meilenstein {t}", "Meilenstein {n}")
            n_milestones = x.count(f.count, "{n} Meilenstein", "{n} Meilensteine")
            return (
                f"{n_milestones} sind erst nach dem Enddatum ({end}) fällig, zuerst {label} "
                f"am {due}. Verschieben Sie die Fälligkeitsdaten oder das Enddatum.",
                f"Sind {n_milestones} wirklich erst nach dem Ende am {end} fällig?",
            )
        case "hourly_no_weekly_limit":
            at = "" if f.rate is None else f" bei {x.money(f.rate)} pro Stunde"
            return (
                f"Es gibt kein Wochenlimit, daher sind die Kosten{at} nach oben offen. Legen "
                "Sie eine Höchstzahl an Stunden pro Woche fest.",
                "Wie viele Stunden pro Woche soll die Arbeit höchstens umfassen?",
            )
        case "no_communication":
            return (
                "Es ist nicht festgelegt, wie Sie sich gegenseitig auf dem Laufenden halten. "
                "Vereinbaren Sie Updates oder Termine, z. B. einen wöchentlichen Call oder "
                "ein kurzes Status-Update jeden Freitag.",
                "Wie und wie oft sollen wir uns abstimmen?",
            )
    raise ValueError(f"no wording for {f.code!r}")


def _es(f: Finding, x: _Fmt) -> tuple[str, str]:
    match f.code:
        case "no_deliverables":
            ask = "¿Qué se debe entregar exactamente?"
            if f.words == 0:
                return (
                    "Todavía no hay descripción. Indique qué se entregará, p. ej., páginas, "
                    "funciones o archivos.",
                    ask,
                )
            if f.words is not None:
                words = x.count(f.words, "{n} palabra", "{n} palabras")
                return (
                    f"La descripción solo tiene {words} y aún no dice qué se entregará. "
                    "Enumere los entregables, p. ej., páginas, funciones o archivos.",
                    ask,
                )
            return (
                "La descripción no dice qué se entregará. Enumere los entregables, p. ej., "
                "páginas, funciones o archivos.",
                ask,
            )
        case "no_acceptance_criteria":
            return (
                "No se indica cuándo se considera terminado el trabajo. Añada criterios de "
                "aceptación, p. ej., qué pruebas deben superarse o quién aprueba el trabajo.",
                "¿Cuándo se considera terminado el trabajo?",
            )
        case "no_timeline" if f.field == "start_date":
            return (
                "No hay fecha de inicio. Indique cuándo debe empezar el trabajo.",
                "¿Cuándo debe empezar el trabajo?",
            )
        case "no_timeline":
            return (
                "No hay fecha de finalización ni fechas de entrega de los hitos. Fije un "
                "plazo para que ambas partes sepan cuándo debe estar terminado el trabajo.",
                "¿Para cuándo debe estar terminado el trabajo?",
            )
        case "end_before_start":
            end, start = x.day(f.day), x.day(f.bound)
            return (
                f"La fecha de finalización ({end}) es anterior a la de inicio ({start}). "
                "Corrija una de las dos.",
                f"¿Es correcta la fecha de finalización del {end}, si el trabajo empieza el "
                f"{start}?",
            )
        case "end_in_past":
            end = x.day(f.day)
            return (
                f"La fecha de finalización ({end}) ya ha pasado. Elija una nueva fecha de "
                "finalización.",
                f"¿Cuál debe ser la nueva fecha de finalización, ya que el {end} ya ha pasado?",
            )
        case "start_in_past":
            start = x.day(f.day)
            return (
                f"La fecha de inicio ({start}) ya ha pasado. Elija hoy o una fecha posterior.",
                f"¿Cuándo debe empezar el trabajo, ya que el {start} ya ha pasado?",
            )
        case "fixed_no_milestones":
            price = x.money(f.price)
            return (
                f"El precio fijo de {price} no está dividido en hitos. Proponga hitos para "
                "que el trabajo se revise y se pague por partes.",
                f"¿Podemos dividir el precio fijo de {price} en hitos?",
            )
        case "milestone_sum_mismatch":
            price, total = x.money(f.price), x.money(f.total)
            diff = x.money(abs(_need(f.price) - _need(f.total)))
            return (
                f"Los hitos suman {total}, pero el precio fijo es de {price}: una diferencia "
                f"de {diff}. Ajuste los importes o el precio.",
                f"¿Los hitos deben sumar {price} o el precio debe ser de {total}?",
            )
        case "milestone_before_start" if f.count == 1:
            due, start = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "el hito {t}", "el hito {n}")
            return (
                f"{_cap(label)} vence el {due}, antes de la fecha de inicio ({start}). "
                "Cambie su fecha de entrega o la fecha de inicio.",
                f"¿Es correcto que {label} venza el {due}, antes de que empiece el trabajo "
                f"el {start}?",
            )
        case "milestone_before_start":
            due, start = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "el hito {t}", "el hito {n}")
            n_milestones = x.count(f.count, "{n} hito", "{n} hitos")
            return (
                f"{n_milestones} vencen antes de la fecha de inicio ({start}), empezando por "
                f"{label}, el {due}. Cambie sus fechas de entrega o la fecha de inicio.",
                f"¿Es correcto que {n_milestones} venzan antes de que empiece el trabajo el "
                f"{start}?",
            )
        case "milestone_after_end" if f.count == 1:
            due, end = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "el hito {t}", "el hito {n}")
            return (
                f"{_cap(label)} vence el {due}, después de la fecha de finalización ({end}). "
                "Cambie su fecha de entrega o la fecha de finalización.",
                f"¿Es correcto que {label} venza el {due}, después de la fecha de "
                f"finalización del {end}?",
            )
        case "milestone_after_end":
            due, end = x.day(f.day), x.day(f.bound)
            label = x.milestone(f, "el hito {t}", "el hito {n}")
            n_milestones = x.count(f.count, "{n} hito", "{n} hitos")
            return (
                f"{n_milestones} vencen después de la fecha de finalización ({end}), "
                f"empezando por {label}, el {due}. Cambie sus fechas de entrega o la fecha "
                "de finalización.",
                f"¿Es correcto que {n_milestones} venzan después de la fecha de finalización "
                f"del {end}?",
            )
        case "hourly_no_weekly_limit":
            at = "" if f.rate is None else f", a {x.money(f.rate)} por hora,"
            return (
                f"No hay límite semanal, así que el importe total{at} no tiene tope. Fije un "
                "máximo de horas por semana.",
                "¿Cuántas horas por semana debería llevar el trabajo como máximo?",
            )
        case "no_communication":
            return (
                "No se indica cómo se mantendrán informadas las partes. Acuerde "
                "actualizaciones o llamadas, p. ej., una reunión semanal o un breve informe "
                "de avance cada viernes.",
                "¿Cómo y con qué frecuencia nos mantendremos al tanto?",
            )
    raise ValueError(f"no wording for {f.code!r}")


_BY_LANG = {"en": _en, "de": _de, "es": _es}


def phrase(f: Finding, lang: Lang, currency: str) -> tuple[str, str]:
    """The prompt for the finding's owner and the question the other party may send, in
    ``lang``; money in ``currency`` (the offer's). ValueError for a code with no wording."""
    return _BY_LANG[lang](f, _Fmt(lang, currency))
