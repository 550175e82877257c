// Field problems, the Propose checklist and the lock notes (validate.ts, problems.ts, locks.ts), in
// German: merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'validate.unchanged': 'Noch unterscheidet sich nichts von der vereinbarten Fassung',
  'validate.required.title': 'Geben Sie dem Angebot einen Titel',
  'validate.required.hourly_rate': 'Geben Sie einen Stundensatz ein',
  'validate.required.fixed_price': 'Geben Sie einen Festpreis ein',
  'validate.required.milestone_title': 'Geben Sie diesem Meilenstein einen Titel',
  'validate.below_min.hourly_rate': 'Der Stundensatz muss mindestens {min} pro Stunde betragen',
  'validate.below_min.fixed_price': 'Der Festpreis muss mindestens {min} betragen',
  'validate.below_min.milestone_amount': 'Jeder Meilenstein muss mindestens {min} betragen',
  'validate.sum_mismatch': 'Die Meilensteine ergeben {total}, der Festpreis ist aber {price}',
  'validate.past': 'Dieses Datum liegt in der Vergangenheit: Wählen Sie heute oder später',
  'validate.end_before_start': 'Das Enddatum darf nicht vor dem Startdatum ({date}) liegen',
  'validate.due_before_start': 'Fällig vor dem Startdatum ({date})',
  'validate.due_after_end': 'Fällig nach dem Enddatum ({date})',
  'validate.due_before_previous': 'Fällig vor dem vorigen Meilenstein ({date})',
  'validate.out_of_range': 'Wählen Sie ein Datum zwischen {from} und {to}',
  'validate.too_large': 'Höchstens {max}',
  'validate.invalid': 'Dieser Wert ist hier nicht möglich',
  'validate.name.terms': 'Das Angebot',
  'validate.name.milestone_title': 'Meilenstein {n}: Titel',
  'validate.name.milestone_amount': 'Meilenstein {n}: Betrag',
  'validate.name.milestone_due_date': 'Meilenstein {n}: Fälligkeit',
  'validate.list_head': { one: 'Vor dem Vorschlagen bitte beheben:', other: 'Vor dem Vorschlagen bitte diese {n} Punkte beheben:' },
  'validate.go_to': 'Zu {field}',
  'validate.rejected': 'Nicht gespeichert — {field} kann diesen Wert nicht annehmen. Der vorige Wert gilt wieder.',
  'locks.idle_released': 'Nach {s} Sekunden ohne Eingabe freigegeben. Tippen Sie, um weiterzuarbeiten.',
  'locks.hidden_self': 'Ihr Fokus ist verborgen, aber die andere Seite sieht, dass Sie dieses Feld bearbeiten.',
  'locks.someone': 'Jemand',
  'header.hide_focus_help': 'Verbirgt, in welchem Feld Sie sind. Ein Geldfeld, das Sie bearbeiten, bleibt gesperrt und zeigt Ihren Namen.'
}

export default catalog
