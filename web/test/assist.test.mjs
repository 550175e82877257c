// Unit tests of the assistant's pure parts (assist-logic.ts, assist-explain.ts) and its catalogs: node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle, root } from '../tools/test-bundle.mjs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'

const lib = await bundle("export * from './src/assist-logic.ts'; " +
      "export { assistDelta, assistDone, assistFallbackNote, otherLanguages, languageName } from './src/assist-explain.ts'; " +
      "export { default as en } from './src/i18n/assist-en.ts'; export { default as de } from './src/i18n/assist-de.ts'; " +
      "export { default as es } from './src/i18n/assist-es.ts'; export { setLang, t } from './src/i18n.ts'")
lib.setLang('en')

const item = (over = {}) => ({ code: 'no_deliverables', field: 'description', owner: 'client', severity: 'warning', text: 'Say what will be delivered.', question: 'What exactly will be delivered?', ...over })

test('offer check: the reader fixes their own items, asks about the other party’s, does both for shared ones', () => {
  assert.equal(lib.checkRelation(item(), 'client'), 'mine')
  assert.equal(lib.checkRelation(item(), 'freelancer'), 'theirs')
  assert.equal(lib.checkRelation(item({ owner: 'both' }), 'freelancer'), 'both')
  assert.equal(lib.canFix(item(), 'client'), true)
  assert.equal(lib.canAskAbout(item(), 'client'), false)
  assert.equal(lib.canFix(item(), 'freelancer'), false)
  assert.equal(lib.canAskAbout(item(), 'freelancer'), true)
  assert.equal(lib.canFix(item({ owner: 'both' }), 'client'), true)
  assert.equal(lib.canAskAbout(item({ owner: 'both' }), 'client'), true)
  assert.equal(lib.canAskAbout(item({ question: '  ' }), 'freelancer'), false)
  for (const f of [lib.canFix, lib.canAskAbout]) assert.equal(f(item({ owner: 'both' }), 'viewer'), false)
})

test('offer check: warnings first, otherwise in the server’s order; grouped by field for markers', () => {
  const list = [item({ code: 'a', severity: 'info' }), item({ code: 'b' }), item({ code: 'c', severity: 'info', field: 'end_date' }), item({ code: 'd' })]
  assert.deepEqual(lib.sortChecks(list).map((i) => i.code), ['b', 'd', 'a', 'c'])
  const by = lib.checksByField(list)
  assert.deepEqual([...by.keys()], ['description', 'end_date'])
  assert.equal(by.get('description').length, 3)
  assert.equal(lib.checkKey(item()), 'no_deliverables|description')
})

test('positions differ after a rejection or with a changed draft, for parties of an open offer only', () => {
  const sys = (event, n) => ({ n, id: `s${n}`, kind: 'system', at: '2026-12-01T10:00:00Z', event })
  const msg = (n) => ({ n, id: `m${n}`, kind: 'message', at: '2026-12-01T10:00:00Z', body: 'hi' })
  assert.equal(lib.lastNegotiationEvent([sys('proposed', 1), sys('proposal_rejected', 2), msg(3)]), 'proposal_rejected')
  assert.equal(lib.lastNegotiationEvent([sys('proposal_rejected', 1), sys('proposed', 2)]), 'proposed')
  assert.equal(lib.lastNegotiationEvent([msg(1)]), null)
  const base = { role: 'client', status: 'open', changed: 0, lastEvent: null }
  assert.equal(lib.positionsDiffer(base), false)
  assert.equal(lib.positionsDiffer({ ...base, changed: 2 }), true)
  assert.equal(lib.positionsDiffer({ ...base, lastEvent: 'proposal_rejected' }), true)
  assert.equal(lib.positionsDiffer({ ...base, lastEvent: 'proposal_accepted' }), false)
  assert.equal(lib.positionsDiffer({ ...base, changed: 2, role: 'viewer' }), false)
  assert.equal(lib.positionsDiffer({ ...base, changed: 2, status: 'agreed' }), false)
  assert.equal(lib.positionsDiffer({ ...base, changed: 2, role: null }), false)
})

test('suggested values are checked against their field’s kind', () => {
  assert.equal(lib.validValue('hourly_rate', 5250), true)
  assert.equal(lib.validValue('hourly_rate', 52.5), false)
  assert.equal(lib.validValue('fixed_price', -1), false)
  assert.equal(lib.validValue('weekly_limit', 30), true)
  assert.equal(lib.validValue('weekly_limit', 0), false)
  assert.equal(lib.validValue('weekly_limit', 169), false)
  assert.equal(lib.validValue('end_date', '2027-03-03'), true)
  assert.equal(lib.validValue('end_date', '03/03/2027'), false)
  assert.equal(lib.validValue('milestones', [{ title: 'A', amount: 100, due_date: '2027-01-01' }]), true)
  assert.equal(lib.validValue('milestones', [{ title: 'A', amount: 'x' }]), false)
  assert.equal(lib.validValue('title', 'x'), false)
  assert.deepEqual(lib.milestonesValue([{ amount: 5 }]), [{ title: '', amount: 5, due_date: null }])
})

test('suggested values in words: money in the offer’s currency, hours, dates, milestones', () => {
  assert.equal(lib.describeValue('hourly_rate', 5250, 'USD'), '$52.50/h')
  assert.equal(lib.describeValue('fixed_price', 240000, 'EUR'), '€2,400.00')
  assert.equal(lib.describeValue('fixed_price', 1500, 'JPY'), '¥1,500')
  assert.equal(lib.describeValue('weekly_limit', 30, 'USD'), '30 h/week')
  assert.equal(lib.describeValue('weekly_limit', null, 'USD'), 'no limit')
  assert.equal(lib.describeValue('end_date', '2027-03-03', 'USD'), 'Mar 3, 2027')
  assert.equal(lib.describeValue('start_date', undefined, 'USD'), 'not set')
  assert.equal(lib.describeValue('milestones', [{ title: 'A', amount: 60000 }, { title: 'B', amount: 40000 }], 'USD'), '2 milestones, $1,000.00 in total')
  assert.equal(lib.describeMilestone({ title: 'Design', amount: 60000, due_date: '2026-12-18' }, 'USD'), 'Design: $600.00, due Dec 18, 2026')
  assert.equal(lib.describeMilestone({ title: ' ', amount: 100, due_date: null }, 'USD'), 'Untitled: $1.00')
})

test('suggestion values in German and Spanish', () => {
  lib.setLang('de')
  try {
    assert.equal(lib.describeValue('hourly_rate', 5250, 'EUR'), '52,50\u00a0€/Std.')
    assert.equal(lib.describeValue('weekly_limit', 30, 'EUR'), '30 Std./Woche')
    assert.equal(lib.describeValue('milestones', [{ title: 'A', amount: 100000 }], 'EUR'), '1 Meilenstein, insgesamt 1.000,00\u00a0€')
    lib.setLang('es')
    assert.equal(lib.describeValue('weekly_limit', null, 'EUR'), 'sin límite')
    assert.match(lib.describeMilestone({ title: 'Diseño', amount: 60000, due_date: '2026-12-18' }, 'EUR'), /^Diseño: 600,00\s€, vence el 18 dic 2026$/)
  } finally {
    lib.setLang('en')
  }
})

test('applying milestones keeps rows by position, adds and removes the rest', () => {
  const cur = [
    { id: 'm-1', title: 'Design', amount: 60000, due_date: '2026-12-18' },
    { id: 'm-2', title: 'Build', amount: 120000, due_date: null },
    { id: 'm-3', title: 'Audit', amount: 60000, due_date: null }
  ]
  const target = [
    { title: 'Design', amount: 70000, due_date: '2026-12-18' },
    { title: 'Build and launch', amount: 130000, due_date: '2027-01-15' }
  ]
  assert.deepEqual(lib.milestoneWrites(cur, target), [
    { op: 'ms-set', id: 'm-1', key: 'amount', value: 70000 },
    { op: 'ms-set', id: 'm-2', key: 'title', value: 'Build and launch' },
    { op: 'ms-set', id: 'm-2', key: 'amount', value: 130000 },
    { op: 'ms-set', id: 'm-2', key: 'due_date', value: '2027-01-15' },
    { op: 'ms-remove', id: 'm-3' }
  ])
  assert.deepEqual(lib.milestoneWrites([], [{ title: 'One', amount: 5, due_date: null }]),
    [{ op: 'ms-add', init: { title: 'One', amount: 5, due_date: null } }])
  assert.deepEqual(lib.milestoneWrites([cur[0]], [{ title: 'Design', amount: 60000, due_date: null }]),
    [{ op: 'ms-set', id: 'm-1', key: 'due_date', value: null }])
  // Two rows removed: the last first, so positions of the others stay put.
  assert.deepEqual(lib.milestoneWrites(cur, []).map((w) => w.id), ['m-3', 'm-2', 'm-1'])
})

test('"Apply to my draft" writes each valid item, skipping fields someone else is editing', () => {
  const items = [
    { field: 'hourly_rate', kind: 'between', value: 5250, client: 4500, freelancer: 6000, reason: 'Halfway.' },
    { field: 'weekly_limit', kind: 'between', value: 30 },
    { field: 'end_date', kind: 'between', value: '2027-03-03' },
    { field: 'fixed_price', kind: 'between', value: 'lots' },
    { field: 'milestones', kind: 'structure', value: [{ title: 'A', amount: 100, due_date: null }] }
  ]
  const draft = { milestones: [{ id: 'm-1', title: 'Old', amount: 100, due_date: null }] }
  const free = lib.planApply(items, draft, () => false)
  assert.deepEqual(free.groups.map((g) => g.field), ['hourly_rate', 'weekly_limit', 'end_date', 'milestones'])
  assert.deepEqual(free.groups[0].writes, [{ op: 'term', field: 'hourly_rate', value: 5250 }])
  assert.deepEqual(free.groups[3].writes, [{ op: 'ms-set', id: 'm-1', key: 'title', value: 'A' }])
  assert.deepEqual(free.invalid, ['fixed_price'])
  assert.deepEqual(free.locked, [])
  const held = lib.planApply(items, draft, (lock) => lock === 'weekly_limit' || lock === 'milestone:m-1')
  assert.deepEqual(held.groups.map((g) => g.field), ['hourly_rate', 'end_date'])
  assert.deepEqual(held.locked, ['weekly_limit', 'milestones'])
})

test('assistant errors in words', () => {
  assert.equal(lib.explainAssistError({ code: 'rate_limited', retry_after_s: 20 }), 'You did that often just now. Try again in 20 seconds.')
  assert.equal(lib.explainAssistError({ code: 'rate_limited', retry_after_s: 1 }), 'You did that often just now. Try again in 1 second.')
  assert.equal(lib.explainAssistError({ code: 'rate_limited', retry_after_s: 1200 }), 'You did that often just now. Try again in 20 minutes.')
  assert.equal(lib.explainAssistError({ code: 'rate_limited' }), 'You did that often just now. Try again in a moment.')
  assert.equal(lib.explainAssistError({ code: 'offline' }), 'Not connected. Try again when the connection is back.')
  // Codes the app words itself (the figures of the server's sentence kept), else the server's text.
  assert.equal(lib.explainAssistError({ code: 'too_long', message: 'A report’s reason is limited to 2,000 characters (this one has 2,100).' }),
    'That text is too long: 2,100 characters, at most 2,000. Shorten it and try again.')
  assert.equal(lib.explainAssistError({ code: 'internal', message: 'That did not work; try again.' }), 'Something went wrong on the server. Try again.')
  assert.equal(lib.explainAssistError({ code: 'invalid', message: 'The reason contains control or direction characters.' }), 'The reason contains control or direction characters.')
  assert.equal(lib.explainAssistError({ code: 'invalid', message: '' }), 'That did not work. Try again.')
})

test('explanation deltas: append, replay replaces, a fallback clears what was shown and leaves a note', () => {
  const e = { text: '', streamed: '', done: false }
  lib.assistDelta(e, { text: 'The AI says ', lang: 'de' })
  lib.assistDelta(e, { text: 'something.' })
  assert.equal(e.text, 'The AI says something.')
  assert.equal(e.lang, 'de')
  assert.equal(lib.assistFallbackNote(e), null)
  lib.assistDelta(e, { text: '', fallback_reason: 'ungrounded' })
  assert.equal(e.text, '')
  assert.equal(e.streamFallback, 'ungrounded')
  assert.equal(lib.assistFallbackNote(e), 'The AI’s answer could not be checked against the terms, so the standard explanation follows.')
  lib.assistDelta(e, { text: 'This proposal ' })
  lib.assistDelta(e, { text: 'changes the rate.' })
  assert.equal(e.text, 'This proposal changes the rate.')
  lib.assistDelta(e, { text: 'This proposal changes', replay: true })
  assert.equal(e.text, 'This proposal changes')
  for (const reason of ['timeout', 'error', 'wrong_language', 'something_new']) {
    const f = { text: 'x', streamed: 'x', done: false }
    lib.assistDelta(f, { text: '', fallback_reason: reason })
    assert.match(lib.assistFallbackNote(f), /standard explanation follows\.$/)
  }
  // Once done, the final state's own note takes over (proposal.ts), but for wrong_language.
  const done = { text: 'final', streamed: '', done: true, fallback: 'ungrounded', ...lib.assistDone({ lang: 'en' }, e) }
  assert.equal(done.streamFallback, 'ungrounded')
  assert.equal(lib.assistFallbackNote(done), null)
  assert.equal(lib.assistFallbackNote({ text: 'x', streamed: '', done: true, fallback: 'timeout' }), null)
  assert.match(lib.assistFallbackNote({ text: 'x', streamed: '', done: true, fallback: 'wrong_language' }), /another language/)
})

test('explanations in other languages: the reader’s own is not offered, names are the languages’ own', () => {
  const done = lib.assistDone({ lang: 'en', texts: { en: 'Hello', de: 'Hallo', es: 'Hola', fr: '' } })
  assert.deepEqual(done.texts, { en: 'Hello', de: 'Hallo', es: 'Hola' })
  assert.deepEqual(lib.otherLanguages(done), ['de', 'es'])
  assert.deepEqual(lib.otherLanguages(lib.assistDone({ lang: 'de', texts: { de: 'Hallo' } })), [])
  assert.deepEqual(lib.otherLanguages(lib.assistDone({})), [])
  assert.equal(lib.assistDone({}).lang, 'en')
  assert.equal(lib.languageName('de'), 'Deutsch')
  assert.equal(lib.languageName('es'), 'Español')
  assert.equal(lib.languageName('en'), 'English')
})

// --- catalogs -----------------------------------------------------------------------------------

const placeholders = (entry) => {
  const texts = typeof entry === 'string' ? [entry] : Object.values(entry)
  return [...new Set(texts.flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort()
}

test('the assistant’s catalogs: the same keys in every language, each prefixed assist., the same placeholders', () => {
  const keys = Object.keys(lib.en).sort()
  for (const [name, cat] of [['de', lib.de], ['es', lib.es]]) {
    assert.deepEqual(Object.keys(cat).sort(), keys, `${name} has other keys than en`)
    for (const k of keys) assert.deepEqual(placeholders(cat[k]), placeholders(lib.en[k]), `${name} ${k}`)
  }
  for (const k of keys) assert.match(k, /^assist\./)
})

test('every assist.* key the code uses is in the catalog', async () => {
  const src = join(root, 'src')
  const files = (await readdir(src)).filter((f) => /^(assist.*|proposal|main)\.ts$/.test(f))
  const used = new Set()
  for (const f of files) {
    const text = await readFile(join(src, f), 'utf8')
    for (const m of text.matchAll(/'(assist\.[A-Za-z_.]+[A-Za-z_])'/g)) used.add(m[1])
    // keys built from a prefix and a value: check every value the code can put there
    for (const m of text.matchAll(/`(assist\.[A-Za-z_.]+)\.\$\{(\w+)\}`/g)) used.add(`${m[1]}.*`)
  }
  assert.ok(used.size > 40, `only ${used.size} keys found`)
  const expand = { 'assist.flags.sev.*': ['danger', 'warning', 'info'], 'assist.report.cat.*': ['scam', 'off_platform', 'personal_data', 'harassment', 'spam', 'other'], 'assist.explain.fallback.*': ['timeout', 'ungrounded', 'error', 'wrong_language'] }
  for (const key of used) {
    const list = key.endsWith('.*') ? (expand[key] ?? assert.fail(`no expansion for ${key}`)).map((v) => key.slice(0, -1) + v) : [key]
    for (const k of list) assert.ok(k in lib.en, `missing catalog key ${k}`)
  }
})
