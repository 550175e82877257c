// Begründungskategorien, ihre Hinweise und das Banner, und die Zufriedenheitsfrage (outcomes.ts).
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'reason.legend': 'Hauptgrund (erforderlich)',
  'reason.required': 'Wählen Sie den Hauptgrund.',
  'reason.terms': 'Bedingungen',
  'reason.budget': 'Budget',
  'reason.timeline': 'Zeitplan',
  'reason.scope_unclear': 'Umfang unklar',
  'reason.no_response': 'Keine Antwort',
  'reason.hired_someone_else': 'Jemand anderen beauftragt',
  'reason.not_available': 'Nicht verfügbar',
  'reason.other': 'Sonstiges',
  'reason.note': 'In Ihren Worten (optional)',
  'decide.reason_code_hint': 'Sie lehnen jede Änderung ab: Wählen Sie den Hauptgrund.',
  'closed.title_reason': '{status} — {category}',
  'notice.offer_withdrawn_code': '{name} hat das Angebot zurückgezogen — {category}.',
  'notice.offer_withdrawn_code_reason': '{name} hat das Angebot zurückgezogen — {category}: „{reason}“',
  'notice.offer_declined_code': '{name} hat das Angebot abgelehnt — {category}.',
  'notice.offer_declined_code_reason': '{name} hat das Angebot abgelehnt — {category}: „{reason}“',
  'notice.proposal_rejected_code': '{name} hat den Vorschlag abgelehnt — {category}.',
  'notice.proposal_rejected_code_reason': '{name} hat den Vorschlag abgelehnt — {category}: „{reason}“',
  'survey.title': 'Eine letzte Frage',
  'survey.question': 'Wie wahrscheinlich ist es, dass Sie das Verhandeln von Angeboten auf diese Weise weiterempfehlen?',
  'survey.low': 'Überhaupt nicht wahrscheinlich',
  'survey.high': 'Äußerst wahrscheinlich',
  'survey.comment': 'Kommentar (optional)',
  'survey.send': 'Senden',
  'survey.sending': 'Wird gesendet…',
  'survey.not_now': 'Nicht jetzt',
  'survey.thanks': 'Danke für Ihre Antwort.',
  'survey.error.no_score': 'Wählen Sie eine Zahl von 0 bis 10.',
  'survey.error.not_closed': 'Das Angebot ist noch offen: Sie können antworten, sobald es geschlossen ist.',
  'survey.error.already_rated': 'Sie haben diese Frage bereits beantwortet.',
  'survey.error.forbidden': 'Nur der Auftraggeber und der Freelancer werden das gefragt.',
  'survey.error.bad_request': 'Diese Antwort konnte nicht gelesen werden. Wählen Sie eine Zahl von 0 bis 10 und bleiben Sie unter 1.000 Zeichen.',
  'survey.error.other': 'Ihre Antwort konnte nicht gesendet werden. Versuchen Sie es erneut.'
}

export default catalog
