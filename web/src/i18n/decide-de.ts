// Answering a proposal change by change (decide.ts) and its notices, timeline rows and history
// lines, in German: merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'decide.open': 'Änderungen einzeln beantworten',
  'decide.close': 'Als Ganzes beantworten',
  'decide.intro': 'Angenommene Änderungen werden sofort zur nächsten Version; Ihre Gegenwerte werden zu Ihrem Gegenvorschlag; abgelehnte Änderungen entfallen.',
  'decide.foot': 'Ihre Antwort, Änderung für Änderung',
  'decide.group': 'Ihre Antwort zu {change}',
  'decide.accepted': 'Annehmen',
  'decide.countered': 'Gegenvorschlag',
  'decide.declined': 'Ablehnen',
  'decide.your_value': 'Ihr Wert',
  'decide.your_amount': 'Ihr Betrag',
  'decide.reason': 'Begründung (optional, für die vorschlagende Seite sichtbar)',
  'decide.send': 'Entscheidung senden',
  'decide.sending': 'Wird gesendet …',
  'decide.left': { one: '{n} Änderung braucht noch eine Antwort', other: '{n} Änderungen brauchen noch eine Antwort' },
  'decide.summary': '{accepted} angenommen, {countered} mit Gegenvorschlag, {declined} abgelehnt',
  'decide.bad_date': 'Bitte geben Sie ein Datum wie 2026-12-31 ein.',
  'decide.amount_required': 'Bitte geben Sie einen Betrag ein.',
  'decide.yes': 'Ja',
  'decide.no': 'Nein',
  'decide.history.accepted': 'Angenommen: {changes}',
  'decide.history.countered': 'Gegenvorschlag: {changes}',
  'decide.history.declined': 'Abgelehnt: {changes}',
  'decide.counter_to': 'Ein Gegenvorschlag: Der übrige Teil des vorigen Vorschlags wurde Änderung für Änderung beantwortet.',
  'neg.done.decide': 'Entscheidung gesendet.',
  'notice.proposal_decided': '{name} hat einen Teil des Vorschlags angenommen: Version {version} ist vereinbart.',
  'notice.proposal_decided_counter': '{name} hat einen Teil des Vorschlags angenommen (Version {version} ist vereinbart) und für den Rest einen Gegenvorschlag gemacht.',
  'notice.proposal_countered': '{name} hat einen Gegenvorschlag gemacht.',
  'timeline.proposal_decided.name': '{name} hat einen Gegenvorschlag gemacht',
  'timeline.proposal_decided.name_more': '{name} hat einen Teil des Vorschlags angenommen: Version {version} vereinbart',
  'timeline.proposal_decided.you': 'Sie haben einen Gegenvorschlag gemacht',
  'timeline.proposal_decided.you_more': 'Sie haben einen Teil des Vorschlags angenommen: Version {version} vereinbart',
  'timeline.proposal_decided.nobody': 'Gegenvorschlag gemacht',
  'timeline.proposal_decided.nobody_more': 'Teil des Vorschlags angenommen: Version {version} vereinbart'
}

export default catalog
