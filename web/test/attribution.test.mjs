// Attribution (everyone who changed a field since the agreed version, both shapes of the
// changed_by root) and a field's activity derived from proposals, versions and reverts: node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle } from '../tools/test-bundle.mjs'

const lib = await bundle("export { fieldActivity, fieldStatus, fieldText } from './src/activity.ts'; export { changedByText, joinNames, proposalChangers } from './src/attribution.ts'; " +
  "export { OfferDoc } from './src/doc.ts'; export { setLang } from './src/i18n.ts'; export { rejectedOn } from './src/history-notes.ts'; export * as Y from 'yjs'")
const { Y } = lib

const ADA = { id: 'ada', name: 'Ada Lovelace', role: 'client', color: '#2563eb' }
const LINUS = { id: 'linus', name: 'Linus Torvalds', role: 'freelancer', color: '#c2410c' }

test('changersOf reads the list and the single object older docs hold', () => {
  const doc = new Y.Doc()
  const od = new lib.OfferDoc(doc)
  const map = doc.getMap('changed_by')
  map.set('hourly_rate', [ADA, LINUS])
  map.set('title', LINUS) // a doc from before the list
  map.set('weekly_limit', [{ name: 'no id' }, 3, null])
  assert.deepEqual(od.changersOf('hourly_rate').map((p) => p.id), ['ada', 'linus'])
  assert.equal(od.changedByOf('hourly_rate').id, 'linus')
  assert.deepEqual(od.changersOf('title').map((p) => p.id), ['linus'])
  assert.deepEqual(od.changersOf('weekly_limit'), [])
  assert.deepEqual(od.changersOf('end_date'), [])
  assert.equal(od.changedByOf('end_date'), null)
})

test('the chip names everyone, "you" for the reader, in the reader\'s language', () => {
  assert.equal(lib.changedByText([ADA, LINUS], null, true), 'Changed by Ada and Linus')
  assert.equal(lib.changedByText([ADA, LINUS], 'linus', true), 'Changed by Ada and you')
  assert.equal(lib.changedByText([ADA], 'ada', true), 'Changed by you')
  assert.equal(lib.changedByText([LINUS], 'ada', false), 'Changed by Linus Torvalds')
  assert.equal(lib.changedByText([], 'ada', true), 'Changed')
  lib.setLang('de')
  try {
    assert.equal(lib.changedByText([ADA, LINUS], 'ada', true), 'Geändert von Ihnen und Linus')
  } finally { lib.setLang('en') }
})

const terms = (over) => ({
  title: 'Logo', contract_type: 'hourly', currency: 'USD', hourly_rate: 4500, weekly_limit: 20, manual_time: false,
  fixed_price: null, start_date: null, end_date: null, description: 'Scope.', milestones: [], ...over
})

test('a field\'s activity: proposals that changed it, their fate, notes and reasons, reverts; newest first', () => {
  const versions = [
    { number: 1, terms: terms({}), created_at: '2026-12-01T10:00:00Z', author: null, accepted_by: null, proposal_id: null, content_hash: 'a' },
    { number: 2, terms: terms({ hourly_rate: 5500 }), created_at: '2026-12-01T11:00:00Z', author: 'linus', accepted_by: 'ada', proposal_id: 'p2', content_hash: 'b' }
  ]
  const proposals = [
    { id: 'p1', by: 'linus', by_role: 'freelancer', base_version: 1, terms: terms({ hourly_rate: 6000 }), created_at: '2026-12-01T10:10:00Z', note: 'market rate', status: 'rejected', decided_at: '2026-12-01T10:20:00Z', decided_by: 'ada', reason: 'too high' },
    { id: 'p2', by: 'linus', by_role: 'freelancer', base_version: 1, terms: terms({ hourly_rate: 5500 }), created_at: '2026-12-01T10:30:00Z', note: null, status: 'accepted', decided_at: '2026-12-01T11:00:00Z', decided_by: 'ada', reason: null },
    { id: 'p3', by: 'ada', by_role: 'client', base_version: 2, terms: terms({ hourly_rate: 5500, title: 'Logo and brand' }), created_at: '2026-12-01T12:00:00Z', note: null, status: 'pending', decided_at: null, decided_by: null, reason: null }
  ]
  const events = [{ kind: 'reverted', at: '2026-12-01T11:30:00Z', actor: 'ada', reason: null, payload: { version: 1 } }]
  const rate = lib.fieldActivity('hourly_rate', { versions, proposals, events })
  assert.deepEqual(rate.map((i) => [i.kind, i.actor, i.from, i.to, i.status ?? null]), [
    ['reverted', 'ada', '$55.00/h', '$45.00/h', null],
    ['proposed', 'linus', '$45.00/h', '$55.00/h', 'accepted'],
    ['proposed', 'linus', '$45.00/h', '$60.00/h', 'rejected'],
    ['sent', null, null, '$45.00/h', null]
  ])
  assert.equal(rate[1].version, 2)
  assert.deepEqual([rate[2].note, rate[2].reason, rate[2].decidedBy], ['market rate', 'too high', 'ada'])
  const title = lib.fieldActivity('title', { versions, proposals, events })
  assert.deepEqual(title.map((i) => [i.kind, i.status ?? null, i.to]), [['proposed', 'pending', 'Logo and brand'], ['sent', null, 'Logo']])
  assert.deepEqual(lib.fieldActivity('weekly_limit', { versions, proposals, events }).map((i) => i.kind), ['sent'])
  assert.equal(lib.fieldText('fixed_price', terms({})), '—') // does not apply to an hourly contract
  assert.deepEqual(lib.rejectedOn(1, proposals).map((p) => p.id), ['p1'])
  assert.deepEqual(lib.rejectedOn(2, proposals), [])
})

test('a proposal root names who changed each field, either shape', () => {
  const raw = { hourly_rate: [LINUS, ADA], title: ADA, weekly_limit: 'nobody' }
  assert.deepEqual(lib.proposalChangers(raw, 'hourly_rate').map((p) => p.id), ['linus', 'ada'])
  assert.deepEqual(lib.proposalChangers(raw, 'title').map((p) => p.id), ['ada'])
  assert.deepEqual(lib.proposalChangers(raw, 'weekly_limit'), [])
  assert.deepEqual(lib.proposalChangers(undefined, 'title'), [])
})

test('a proposal decided change by change reads per field: accepted, countered or declined', () => {
  const p = { status: 'partially_accepted', outcomes: { hourly_rate: 'accepted', start_date: 'countered', end_date: 'declined', 'milestone:m1': 'declined', 'milestone:m2': 'accepted' } }
  assert.equal(lib.fieldStatus('hourly_rate', p), 'accepted')
  assert.equal(lib.fieldStatus('start_date', p), 'countered')
  assert.equal(lib.fieldStatus('end_date', p), 'declined')
  assert.equal(lib.fieldStatus('milestones', p), 'accepted') // one row accepted: the field moved
  assert.equal(lib.fieldStatus('title', { status: 'rejected' }), 'rejected')
})
