// The interface in the reader's language (src/i18n.ts, src/i18n/*.ts): the catalogs agree with each
// other, plurals and placeholders work, figures and dates follow the chosen language, and the term
// of an offer is counted by the one rule the server uses too: node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle, root } from '../tools/test-bundle.mjs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'

const lib = await bundle("export { CATALOGS, LANGS, t, lang, setLang, pickLang, localeFor, locale as uiLocale } from './src/i18n.ts'; export * from './src/format.ts'; export { expiryInfo, closedInfo, turnInfo } from './src/status.ts'; " +
      "export { systemSentence, topicLabel } from './src/timeline.ts'; export { describeClose } from './src/closes.ts'; " +
      "export { compareTerms } from './src/compare.ts'; export { fieldLabel } from './src/types.ts'; " +
      "export { noticeText } from './src/notices.ts'; export { wordedError, explainError } from './src/commands.ts'")

const { CATALOGS, LANGS } = lib
const placeholders = (entry) => {
  const texts = typeof entry === 'string' ? [entry] : Object.values(entry)
  return [...new Set(texts.flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort()
}
/** Run `fn` with the page in `l`, then back to English. */
const inLang = (l, fn) => {
  lib.setLang(l)
  try { return fn() } finally { lib.setLang('en') }
}

test('the catalogs: English, German and Spanish, each with every key', () => {
  assert.deepEqual([...LANGS], ['en', 'de', 'es'])
  const en = Object.keys(CATALOGS.en).sort()
  assert.ok(en.length > 400, `only ${en.length} keys`)
  for (const l of ['de', 'es']) {
    const keys = Object.keys(CATALOGS[l])
    const missing = en.filter((k) => !(k in CATALOGS[l]))
    const extra = keys.filter((k) => !(k in CATALOGS.en))
    assert.deepEqual(missing, [], `${l} lacks keys`)
    assert.deepEqual(extra, [], `${l} has keys English lacks`)
  }
  for (const k of en) assert.match(k, /^[a-z]\w*(\.\w+)+$/, `key ${k} is not dotted`)
})

test('the catalogs: the same placeholders in every language; no empty text', () => {
  for (const [key, entry] of Object.entries(CATALOGS.en)) {
    for (const l of ['de', 'es']) {
      assert.deepEqual(placeholders(CATALOGS[l][key]), placeholders(entry), `${l} ${key}`)
    }
    for (const l of LANGS) {
      const e = CATALOGS[l][key]
      for (const text of typeof e === 'string' ? [e] : Object.values(e)) assert.ok(text.trim() !== '', `${l} ${key} is empty`)
    }
  }
})

test('the catalogs: plural entries have "other", only the categories of their language, plural everywhere', () => {
  for (const l of LANGS) {
    const categories = new Intl.PluralRules(l).resolvedOptions().pluralCategories
    for (const [key, entry] of Object.entries(CATALOGS[l])) {
      if (typeof entry === 'string') continue
      assert.equal(typeof entry.other, 'string', `${l} ${key} has no "other"`)
      for (const form of Object.keys(entry)) assert.ok(categories.includes(form), `${l} ${key}: "${form}" is no plural category of ${l}`)
    }
  }
  for (const [key, entry] of Object.entries(CATALOGS.en)) {
    for (const l of ['de', 'es']) assert.equal(typeof CATALOGS[l][key], typeof entry, `${l} ${key}: plural in one language, not the other`)
  }
})

test('every key the sources name literally is in the catalog', async () => {
  const src = join(root, 'src')
  const files = (await readdir(src)).filter((f) => f.endsWith('.ts') && f !== 'wire.gen.ts')
  const unknown = []
  for (const f of files) {
    const text = await readFile(join(src, f), 'utf8')
    for (const m of text.matchAll(/\btr?\('([a-z][\w.]*)'/g)) if (!(m[1] in CATALOGS.en)) unknown.push(`${f}: ${m[1]}`)
  }
  assert.deepEqual(unknown, [])
})

test('pickLang: the first supported language of the browser\'s list, English otherwise', () => {
  assert.equal(lib.pickLang(['de-DE', 'en']), 'de')
  assert.equal(lib.pickLang(['fr-FR', 'es-MX']), 'es')
  assert.equal(lib.pickLang(['fr', 'it']), 'en')
  assert.equal(lib.pickLang([]), 'en')
  assert.equal(lib.pickLang(['DE_at']), 'de')
  assert.equal(lib.pickLang(['es;q=0.8']), 'es')
})

test('localeFor: the browser\'s region when it speaks the language, else the language\'s usual one', () => {
  assert.equal(lib.localeFor('de', ['de-AT', 'en-US']), 'de-AT')
  assert.equal(lib.localeFor('de', ['en-US', 'de-CH']), 'de-CH')
  assert.equal(lib.localeFor('de', ['en-US']), 'de-DE')
  assert.equal(lib.localeFor('de', ['de']), 'de-DE')
  assert.equal(lib.localeFor('en', ['en-GB']), 'en-GB')
  assert.equal(lib.localeFor('en', ['de-DE']), 'en-US')
  assert.equal(lib.localeFor('es', ['es-419']), 'es-419')
  assert.equal(lib.localeFor('es', ['es_MX']), 'es-MX')
  assert.equal(lib.localeFor('es', []), 'es-ES')
})

test('t: placeholders, plurals by Intl.PluralRules, numbers in the language, English then the key when missing', () => {
  lib.setLang('en')
  assert.equal(lib.t('unit.weeks', { n: 1 }), '1 week')
  assert.equal(lib.t('unit.weeks', { n: 8 }), '8 weeks')
  assert.equal(lib.t('turn.on', { name: 'Ada' }), 'Waiting on Ada')
  assert.equal(lib.t('no.such.key'), 'no.such.key')
  assert.equal(lib.t('turn.on'), 'Waiting on {name}')
  inLang('de', () => {
    assert.equal(lib.lang(), 'de')
    assert.equal(lib.t('unit.weeks', { n: 1 }), '1 Woche')
    assert.equal(lib.t('unit.days', { n: 30 }), '30 Tage')
    assert.equal(lib.t('unit.days', { n: 1200 }), '1.200 Tage')
    assert.equal(lib.fieldLabel('hourly_rate'), 'Stundensatz')
  })
  inLang('es', () => {
    assert.equal(lib.t('unit.days', { n: 1 }), '1 día')
    assert.equal(lib.t('unit.days', { n: 0 }), '0 días')
  })
  assert.equal(lib.lang(), 'en')
})

test('figures and dates follow the language; typed money is read in it', () => {
  const money = () => lib.formatMoney(450000, 'USD')
  assert.equal(money(), '$4,500.00')
  assert.equal(lib.locale, 'en-US')
  inLang('de', () => {
    assert.equal(lib.locale, 'de-DE')
    assert.equal(lib.uiLocale(), 'de-DE')
    assert.equal(money().replace(/\u00a0/g, ' '), '4.500,00 $')
    assert.deepEqual(lib.parseMoney('4.500,50', 'USD'), { ok: true, value: 450050 })
    assert.equal(lib.formatAmountInput(450050, 'USD'), '4.500,50')
    assert.equal(lib.formatDate('2026-12-01', 'long'), '1. Dezember 2026')
    assert.equal(lib.formatList(['A', 'B', 'C']), 'A, B und C')
    assert.match(lib.parseMoney('abc', 'USD').error, /^Geben Sie einen Betrag ein, z\. B\. 1\.234,50$/)
  })
  inLang('es', () => {
    assert.equal(lib.locale, 'es-ES')
    assert.match(money(), /^4500,00\sUS\$$/)
    assert.deepEqual(lib.parseMoney('4500,5', 'EUR'), { ok: true, value: 450050 })
    assert.equal(lib.formatDate('2026-12-01', 'long'), '1 de diciembre de 2026')
    assert.equal(lib.formatList(['A', 'B']), 'A y B')
  })
  assert.equal(money(), '$4,500.00')
})

test('duration: (end - start) + 1 days, both dates counted; weeks rounded up from 14 days on', () => {
  const d = (a, b) => lib.termDuration(a, b)
  assert.deepEqual(d('2026-12-01', '2027-01-25'), { days: 56, weeks: 8, unit: 'week', count: 8 })
  assert.deepEqual(d('2026-12-01', '2027-01-26'), { days: 57, weeks: 9, unit: 'week', count: 9 })
  assert.deepEqual(d('2026-12-01', '2026-12-01'), { days: 1, weeks: 1, unit: 'day', count: 1 })
  assert.deepEqual(d('2026-12-01', '2026-12-13'), { days: 13, weeks: 2, unit: 'day', count: 13 })
  assert.deepEqual(d('2026-12-01', '2026-12-14'), { days: 14, weeks: 2, unit: 'week', count: 2 })
  assert.deepEqual(d('2026-12-01', '2026-12-15'), { days: 15, weeks: 3, unit: 'week', count: 3 })
  // Across a daylight-saving change, a leap day and a year end, still whole calendar days.
  assert.equal(d('2027-03-20', '2027-04-02').days, 14)
  assert.equal(d('2028-02-28', '2028-03-01').days, 3)
  assert.equal(d('2026-12-10', '2026-12-01'), null)
  assert.equal(d(null, '2026-12-01'), null)
  assert.equal(d('2026-12-01', null), null)
  const words = (a, b) => lib.formatDuration(d(a, b))
  assert.equal(words('2026-12-01', '2027-01-25'), '8 weeks')
  assert.equal(words('2026-12-01', '2026-12-01'), '1 day')
  inLang('de', () => assert.equal(words('2026-12-01', '2027-01-26'), '9 Wochen'))
  inLang('es', () => assert.equal(words('2026-12-01', '2026-12-03'), '3 días'))
})

test('whole sentences per language: the countdown, whose turn, a closed room, a timeline row', () => {
  const now = Date.parse('2026-12-01T12:00:00Z')
  const at = (ms) => new Date(now + ms).toISOString()
  const ada = { id: 'c', name: 'Ada Lovelace', role: 'client' }
  const linus = { id: 'f', name: 'Linus Torvalds', role: 'freelancer' }
  const turn = () => lib.turnInfo({ status: 'open', parties: [ada, linus], draftChangedBy: [], proposalBy: null, hasProposal: false, me: ada }).label
  const row = () => lib.systemSentence({ n: 1, id: 's', kind: 'system', at: at(0), author: linus, body: '', event: 'proposed', payload: { fields: ['hourly_rate', 'end_date'] } }, { meId: 'c' })
  assert.equal(lib.expiryInfo(at(30 * 86400e3), 'open', now).text, 'Expires in 30 days')
  inLang('de', () => {
    assert.equal(lib.expiryInfo(at(30 * 86400e3), 'open', now).text, 'Läuft in 30 Tagen ab')
    assert.equal(lib.expiryInfo(at(86400e3 + 3600e3), 'open', now).text, 'Läuft in 25 Stunden ab')
    assert.equal(turn(), 'Linus ist am Zug')
    assert.equal(row(), 'Linus hat Änderungen an Stundensatz und Enddatum vorgeschlagen')
    assert.equal(lib.describeClose(4404).title, 'Dieses Angebot gibt es nicht')
    assert.match(lib.closedInfo('withdrawn', 2, null, { kind: 'offer_withdrawn', at: at(0), actor: 'c', reason: 'Budget' }, [ada, linus], 'f').text,
      /^Ada Lovelace hat dieses Angebot am .+ zurückgezogen\. Begründung: „Budget“\. Der Raum ist schreibgeschützt\.$/)
  })
  inLang('es', () => {
    assert.equal(lib.expiryInfo(at(3 * 86400e3), 'open', now).text, 'Vence en 3 días')
    assert.equal(turn(), 'Turno de Linus')
    assert.equal(row(), 'Linus propuso cambios en Tarifa por hora y Fecha de fin')
    assert.equal(lib.topicLabel('milestone:m1', { milestoneTitle: () => 'Diseño', pendingProposalId: null }), 'Hito «Diseño»')
  })
  // A close reason read in one language reads in the next after a switch (its words are looked up late).
  const fatal = lib.describeClose(4409)
  assert.equal(fatal.title, 'This offer changed on the server')
  inLang('es', () => assert.equal(fatal.title, 'Esta oferta ha cambiado en el servidor'))
})

test('server notices in the reader\'s language: every kind, its params, the English text otherwise', () => {
  const ada = { id: 'c', name: 'Ada Lovelace', role: 'client', color: '#000' }
  const n = (kind, params = {}, extra = {}) => lib.noticeText({ kind, text: `EN ${kind}`, by: ada, params, ...extra },
    { milestoneTitle: (id) => id === 'm1' ? 'Entwurf' : null })
  const reminder = (params) => lib.noticeText({ kind: 'reminder', text: 'EN reminder', params }, { milestoneTitle: (id) => id === 'm1' ? 'Diseño' : null })
  assert.equal(n('proposed'), 'Ada Lovelace proposed changes.')
  assert.equal(n('proposal_rejected', { reason: 'Too few hours' }), 'Ada Lovelace rejected the proposal: “Too few hours”')
  inLang('de', () => {
    assert.equal(n('proposed'), 'Ada Lovelace hat Änderungen vorgeschlagen.')
    assert.equal(n('proposal_accepted', { version: 3 }), 'Ada Lovelace hat den Vorschlag angenommen: Version 3 ist vereinbart.')
    assert.equal(n('proposal_rejected'), 'Ada Lovelace hat den Vorschlag abgelehnt.')
    assert.equal(n('proposal_rejected', { reason: 'Zu wenig Stunden' }), 'Ada Lovelace hat den Vorschlag abgelehnt: „Zu wenig Stunden“')
    assert.equal(n('proposal_withdrawn', { reason: '' }), 'Ada Lovelace hat den Vorschlag zurückgezogen.')
    assert.equal(n('reverted', { version: 1 }), 'Ada Lovelace hat Version 1 in den Entwurf geladen.')
    assert.equal(n('offer_declined', { reason: 'Budget' }), 'Ada Lovelace hat das Angebot abgelehnt: „Budget“')
    assert.equal(n('offer_expired', {}, { by: null }), 'Dieses Angebot ist abgelaufen.')
    assert.equal(n('release_requested', {}, { field: 'hourly_rate' }), 'Ada Lovelace bittet Sie, Stundensatz freizugeben.')
    assert.equal(reminder({ reminder: 'expires_24h', days: 1 }), 'Dieses Angebot läuft morgen ab')
    assert.equal(reminder({ reminder: 'expires_72h', days: 3 }), 'Dieses Angebot läuft in 3 Tagen ab')
    assert.equal(reminder({ reminder: 'expires_24h', hours: 1 }), 'Dieses Angebot läuft in 1 Stunde ab')
    assert.equal(reminder({ reminder: 'waiting', who: 'Ada', about: 'proposal' }), 'Ada wartet auf Ihre Antwort auf den Vorschlag')
    assert.equal(reminder({ reminder: 'waiting', who: 'Ada', about: 'hourly_rate' }), 'Ada wartet auf Ihre Antwort auf eine Frage zum Feld „Stundensatz“')
    assert.equal(reminder({ reminder: 'waiting', who: 'Ada', about: 'milestone:gone' }), 'Ada wartet auf Ihre Antwort auf eine Frage zu einem Meilenstein')
    // What this app cannot word stays the server's English sentence.
    assert.equal(n('proposal_accepted'), 'EN proposal_accepted')
    assert.equal(n('proposed', {}, { by: null }), 'EN proposed')
    assert.equal(n('something_new'), 'EN something_new')
    assert.equal(reminder({ reminder: 'waiting', who: 'Ada', about: 'no_such_field' }), 'EN reminder')
    assert.equal(reminder({ reminder: 'later' }), 'EN reminder')
    assert.equal(reminder({}), 'EN reminder')
  })
  inLang('es', () => {
    assert.equal(n('proposed'), 'Ada Lovelace propuso cambios.')
    assert.equal(n('proposal_withdrawn', { reason: 'Me equivoqué' }), 'Ada Lovelace retiró la propuesta: «Me equivoqué»')
    assert.equal(n('offer_accepted'), 'Ada Lovelace aceptó la oferta.')
    assert.equal(n('offer_withdrawn'), 'Ada Lovelace retiró la oferta.')
    assert.equal(reminder({ reminder: 'expires_72h', days: 2 }), 'Esta oferta vence en 2 días')
    assert.equal(reminder({ reminder: 'expires_24h', hours: 5 }), 'Esta oferta vence en 5 horas')
    assert.equal(reminder({ reminder: 'waiting', who: 'Linus', about: 'milestone:m1' }), 'Linus espera su respuesta a una pregunta sobre el hito «Diseño»')
    assert.equal(reminder({ reminder: 'waiting', who: 'Linus', about: 'proposal:p-1' }), 'Linus espera su respuesta a una pregunta sobre la propuesta')
    assert.equal(reminder({ reminder: 'waiting', who: 'Linus', about: 'offer' }), 'Linus espera su respuesta a una pregunta sobre la oferta')
  })
})

test('errors in the reader\'s language; the server\'s text for what only it can say', () => {
  const e = (code, message = 'EN message', extra = {}) => lib.explainError({ type: 'error', code, message, ...extra })
  const codes = ['stale', 'not_open', 'proposal_pending', 'no_pending_proposal', 'explanation_pending', 'not_your_turn', 'read_only',
    'locked', 'forbidden', 'not_found', 'too_long', 'too_many_questions', 'thread_full', 'too_late', 'no_changes', 'internal', 'unavailable',
    'expired', 'rate_limited', 'no_such_version']
  for (const l of LANGS) {
    inLang(l, () => {
      for (const code of codes) {
        const text = e(code)
        assert.ok(text !== 'EN message' && !/^error\.|^command\./.test(text) && !text.includes('{'), `${l} ${code}: ${text}`)
      }
    })
  }
  inLang('de', () => {
    assert.equal(e('not_open'), 'Dieses Angebot ist abgeschlossen; daran lässt sich nichts mehr ändern.')
    assert.equal(e('rate_limited', 'at most 5 proposals per hour; try again in 12 min', { retry_after_s: 690 }),
      'Sie haben so viele Vorschläge gemacht, wie eine Stunde erlaubt. Versuchen Sie es in 12 Minuten erneut.')
    // The figures of the server's sentence, in German.
    assert.equal(e('too_long', 'Messages are limited to 2,000 characters (this one has 2,345).'),
      'Der Text ist zu lang: 2.345 Zeichen, höchstens 2.000. Kürzen Sie ihn und versuchen Sie es erneut.')
    // The policy's own sentence (its figures) stays; the fields show theirs.
    assert.equal(e('invalid_terms', 'must be at least $5.00', { fields: [{ field: 'hourly_rate', message: 'must be at least $5.00' }] }),
      'Der Entwurf kann so nicht vorgeschlagen werden: must be at least $5.00')
    // Codes without words of the app's own: the server's text, or "that did not work".
    assert.equal(e('invalid', 'Write something first.'), 'Write something first.')
    assert.equal(e('bad_request', ''), 'Das hat nicht geklappt.')
    assert.equal(lib.wordedError({ code: 'bad_frame' }), null)
  })
  inLang('es', () => {
    assert.equal(e('too_long', "A report's reason is limited to 2,000 characters (this one has 2,001)."),
      'El texto es demasiado largo: 2001 caracteres, como máximo 2000. Acórtelo e inténtelo de nuevo.')
    assert.equal(e('too_long', 'too long'), 'El texto es demasiado largo: acórtelo e inténtelo de nuevo.')
    assert.equal(e('proposal_pending'), 'Hay una propuesta pendiente, así que el borrador está congelado hasta que se responda.')
  })
})
