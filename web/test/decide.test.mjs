// Answering a proposal change by change (src/decide.ts): the keys the server names, what a counter
// input reads, the history's lines, and the notices and timeline rows in each language: node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle } from '../tools/test-bundle.mjs'

const lib = await bundle("export { changeKey, parseCounter, outcomeLines } from './src/decide.ts'; " +
  "export { noticeText } from './src/notices.ts'; export { systemSentence } from './src/timeline.ts'; " +
  "export { setLang } from './src/i18n.ts'")
lib.setLang('en')

test('a change is keyed as the server keys it', () => {
  assert.equal(lib.changeKey({ field: 'hourly_rate', old: 4500, new: 5500 }), 'hourly_rate')
  assert.equal(lib.changeKey({ field: 'description', old: 'a', new: 'b' }), 'description')
  assert.equal(lib.changeKey({ field: 'milestones', id: 'm-7', op: 'added', old: null, new: {} }), 'milestone:m-7')
})

test('a counter input is read like its field', () => {
  assert.deepEqual(lib.parseCounter('money', '1,234.50', 'USD', null), { ok: true, value: 123450 })
  assert.equal(lib.parseCounter('money', '12.345', 'USD', null).ok, false)
  assert.deepEqual(lib.parseCounter('hours', '30', 'USD', null), { ok: true, value: 30 })
  assert.equal(lib.parseCounter('hours', '500', 'USD', null).ok, false)
  assert.deepEqual(lib.parseCounter('date', '2026-12-10', 'USD', null), { ok: true, value: '2026-12-10' })
  assert.deepEqual(lib.parseCounter('date', '', 'USD', null), { ok: true, value: null })
  assert.equal(lib.parseCounter('date', 'soon', 'USD', null).ok, false)
  assert.deepEqual(lib.parseCounter('bool', 'true', 'USD', null), { ok: true, value: true })
  // A milestone: the receiver's amount, the proposed title and due date.
  assert.deepEqual(lib.parseCounter('amount', '450', 'USD', { id: 'm3', title: 'Guide', amount: 50000, due_date: '2027-01-10' }),
    { ok: true, value: { title: 'Guide', amount: 45000, due_date: '2027-01-10' } })
  assert.equal(lib.parseCounter('amount', '', 'USD', { title: 'Guide' }).ok, false)
})

test('the history says which change went which way', () => {
  const lines = lib.outcomeLines({ hourly_rate: 'accepted', start_date: 'countered', end_date: 'countered', 'milestone:m1': 'declined' },
    (id) => id === 'm1' ? 'Design' : null)
  assert.deepEqual(lines, ['Accepted: Hourly rate', 'Countered: Start date, End date', 'Declined: Milestone “Design”'])
  assert.deepEqual(lib.outcomeLines(undefined, () => null), [])
})

test('notices and timeline rows of a decision, in every language', () => {
  const by = { name: 'Ada' }
  const part = { kind: 'proposal_decided', text: 'EN', by, params: { version: 2, accepted: 1, countered: 2, declined: 0 } }
  const counter = { kind: 'proposal_decided', text: 'EN', by, params: { accepted: 0, countered: 1, declined: 0 } }
  const row = (payload) => lib.systemSentence({ n: 1, id: 's', kind: 'system', at: '2026-12-02T00:00:00Z', author: { id: 'c', name: 'Ada', role: 'client' }, body: '', event: 'proposal_decided', payload }, { meId: 'f' })
  assert.equal(lib.noticeText(part), 'Ada accepted part of the proposal (version 2 is agreed) and countered the rest.')
  assert.equal(lib.noticeText(counter), 'Ada countered the proposal.')
  assert.equal(row({ version: 2 }), 'Ada accepted part of the proposal: version 2 agreed')
  assert.equal(row({}), 'Ada countered the proposal')
  lib.setLang('de')
  try {
    assert.equal(lib.noticeText(counter), 'Ada hat einen Gegenvorschlag gemacht.')
    assert.equal(row({ version: 2 }), 'Ada hat einen Teil des Vorschlags angenommen: Version 2 vereinbart')
  } finally { lib.setLang('en') }
  lib.setLang('es')
  try {
    assert.equal(lib.noticeText(part), 'Ada aceptó parte de la propuesta (la versión 2 queda acordada) y contrapropuso el resto.')
    assert.equal(row({}), 'Ada hizo una contrapropuesta')
  } finally { lib.setLang('en') }
})
