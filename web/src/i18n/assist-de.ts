// The assistant's de catalog (assist*.ts): merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'assist.title': 'Assistent',

  // the offer check
  'assist.check.title': 'Was diesem Angebot noch fehlt',
  'assist.check.owner.mine': 'Von Ihnen zu ergänzen',
  'assist.check.owner.both': 'Kann jede Seite ergänzen',
  'assist.check.owner.named': 'Von {name} zu ergänzen',
  'assist.check.owner.theirs': 'Von der anderen Seite zu ergänzen',
  'assist.check.sev.warning': 'Wichtig',
  'assist.check.sev.info': 'Vorschlag',
  'assist.check.fix': 'Zu „{field}“',
  'assist.check.ask': 'Danach fragen',
  'assist.check.asking': 'Wird gefragt…',
  'assist.check.asked': 'Gefragt',
  'assist.check.askLabel': 'Die andere Seite fragen: „{question}“',
  'assist.check.askLabelNamed': '{name} fragen: „{question}“',
  'assist.marker.one': 'Angebotscheck: {text}',
  'assist.marker.many': { one: '{n} Punkt des Angebotschecks betrifft „{field}“', other: '{n} Punkte des Angebotschecks betreffen „{field}“' },

  // the draft's private flags
  'assist.flags.head': 'Nur Sie sehen das',
  'assist.flags.sub': { one: '{n} Risikohinweis im Entwurf', other: '{n} Risikohinweise im Entwurf' },
  'assist.flags.sev.danger': 'Hohes Risiko',
  'assist.flags.sev.warning': 'Vorsicht',
  'assist.flags.sev.info': 'Hinweis',
  'assist.flags.milestone': 'Meilenstein {n}',
  'assist.flags.foot': 'Die andere Seite sieht diese Hinweise nicht, und sie blockieren nichts.',

  // a middle ground
  'assist.suggest.button': 'Einen Mittelweg vorschlagen',
  'assist.suggest.asking': 'Mittelweg wird gesucht…',
  'assist.suggest.hint': 'Bedingungen zwischen Ihrer Position und der der anderen Seite – nur für Sie, zum Prüfen.',
  'assist.suggest.title': 'Ein Mittelweg',
  'assist.suggest.private': 'Nur Sie sehen diesen Vorschlag. Es ändert sich nichts, bis Sie ihn übernehmen.',
  'assist.suggest.nothing': 'Im Moment gibt es nichts vorzuschlagen.',
  'assist.suggest.dismiss': 'Schließen',
  'assist.suggest.you': 'Sie',
  'assist.suggest.them': 'Die andere Seite',
  'assist.suggest.value': 'Mittelweg',
  'assist.suggest.structure': '{field}: anders aufgeteilt',
  'assist.suggest.apply': 'In meinen Entwurf übernehmen',
  'assist.suggest.never': 'Das Übernehmen füllt nur Ihren Entwurf; vorgeschlagen wird erst, wenn Sie es tun.',
  'assist.suggest.frozen': 'Ein Vorschlag ist offen: Der Entwurf lässt sich ändern, sobald er beantwortet ist.',
  'assist.suggest.readOnly': 'Der Entwurf kann gerade nicht geändert werden.',
  'assist.suggest.toast': 'Ihr Entwurf wurde mit dem Mittelweg gefüllt. Prüfen Sie ihn und schlagen Sie ihn vor, wenn Sie so weit sind.',
  'assist.suggest.skipped': '„{field}“ blieb unverändert: {name} bearbeitet das Feld gerade.',
  'assist.suggest.unusable': 'Dieser Vorschlag ließ sich nicht in den Entwurf übernehmen.',

  // values
  'assist.value.notSet': 'nicht festgelegt',
  'assist.value.noLimit': 'keine Begrenzung',
  'assist.value.perHour': '{amount}/Std.',
  'assist.value.hoursPerWeek': { one: '{n} Std./Woche', other: '{n} Std./Woche' },
  'assist.value.milestones': { one: '{n} Meilenstein, insgesamt {total}', other: '{n} Meilensteine, insgesamt {total}' },
  'assist.value.milestone': '{title}: {amount}',
  'assist.value.milestoneDue': '{title}: {amount}, fällig am {date}',
  'assist.value.untitled': 'Ohne Titel',

  // reports
  'assist.report.open': 'Melden…',
  'assist.report.openLabel': '{name} beim Marktplatz melden',
  'assist.report.title': '{name} melden',
  'assist.report.intro': 'Ihre Meldung geht an das Trust-&-Safety-Team des Marktplatzes, nicht an {name}.',
  'assist.report.category': 'Was ist passiert?',
  'assist.report.choose': 'Bitte wählen…',
  'assist.report.cat.scam': 'Betrug oder Betrugsversuch',
  'assist.report.cat.off_platform': 'Will außerhalb der Plattform kommunizieren oder zahlen',
  'assist.report.cat.personal_data': 'Fragt nach persönlichen Daten',
  'assist.report.cat.harassment': 'Belästigung oder Beleidigung',
  'assist.report.cat.spam': 'Spam',
  'assist.report.cat.other': 'Etwas anderes',
  'assist.report.needCategory': 'Bitte wählen Sie aus, was passiert ist.',
  'assist.report.reason': 'Was sollte das Team wissen? (optional)',
  'assist.report.counter': '{n} / {max} Zeichen',
  'assist.report.send': 'Meldung senden',
  'assist.report.sending': 'Wird gesendet…',
  'assist.report.cancel': 'Abbrechen',
  'assist.report.close': 'Schließen',
  'assist.report.done': 'Danke – das Trust-&-Safety-Team des Marktplatzes ist informiert.',

  // errors
  'assist.error.rateLimitedSoon': 'Das war gerade etwas oft. Versuchen Sie es gleich noch einmal.',
  'assist.error.rateLimitedSeconds': { one: 'Das war gerade etwas oft. Versuchen Sie es in {n} Sekunde noch einmal.', other: 'Das war gerade etwas oft. Versuchen Sie es in {n} Sekunden noch einmal.' },
  'assist.error.rateLimitedMinutes': { one: 'Das war gerade etwas oft. Versuchen Sie es in {n} Minute noch einmal.', other: 'Das war gerade etwas oft. Versuchen Sie es in {n} Minuten noch einmal.' },
  'assist.error.offline': 'Keine Verbindung. Versuchen Sie es erneut, sobald die Verbindung wieder steht.',
  'assist.error.timeout': 'Der Server hat nicht geantwortet. Versuchen Sie es noch einmal.',
  'assist.error.failed': 'Das hat nicht geklappt. Versuchen Sie es noch einmal.',

  // explanations
  'assist.explain.fallback.ungrounded': 'Die Antwort der KI ließ sich nicht anhand der Bedingungen prüfen, deshalb folgt die Standarderklärung.',
  'assist.explain.fallback.timeout': 'Die KI hat zu lange für ihre Antwort gebraucht, deshalb folgt die Standarderklärung.',
  'assist.explain.fallback.error': 'Bei der Antwort der KI ist ein Fehler aufgetreten, deshalb folgt die Standarderklärung.',
  'assist.explain.fallback.wrong_language': 'Die KI hat in einer anderen Sprache geantwortet, deshalb folgt die Standarderklärung.',
  'assist.explain.fallback.other': 'Die Antwort der KI war nicht verwendbar, deshalb folgt die Standarderklärung.',
  'assist.explain.asOther': 'So sieht es die andere Seite:'
}

export default catalog
