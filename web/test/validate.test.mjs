// The proposal policy in the browser (src/validate.ts) against the server's: the cases in
// tests/data/policy_cases.json are what server/offers/policy.py finds (tests/unit/
// test_policy_cases.py checks that side); here the web's checkProposal must find the same, in the
// same order. Then the wording: plain words, the viewer's money and dates, no developer terms.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bundle, root } from '../tools/test-bundle.mjs'

const lib = await bundle("export * from './src/validate.ts'; export { setLang, CATALOGS } from './src/i18n.ts'")
const { cases, today } = JSON.parse(await readFile(join(root, '..', 'tests', 'data', 'policy_cases.json'), 'utf8'))

for (const c of cases) {
  test(`policy case: ${c.name}`, () => {
    const limits = { ...lib.DEFAULT_LIMITS, ...(c.limits ?? {}) }
    const got = lib.checkProposal(c.draft, c.committed, limits, today).map((p) => [p.field, p.code, p.params ?? {}])
    assert.deepEqual(got, c.expect)
  })
}

const draft = cases.find((c) => c.name === 'a rate of 0').draft
const words = (p, d = draft) => lib.problemText(p, d)

test('problems read as plain words with the viewer\'s money and dates', () => {
  lib.setLang('en')
  assert.equal(words({ field: 'hourly_rate', code: 'below_min', params: { min: 300 } }), 'The hourly rate must be at least $3.00 an hour')
  assert.equal(words({ field: 'milestones', code: 'sum_mismatch', params: { total: 99900, price: 100000 } }),
    'The milestones add up to $999.00, but the fixed price is $1,000.00')
  assert.equal(words({ field: 'end_date', code: 'before_start' }, { ...draft, start_date: '2026-07-01' }),
    'The end date must be on or after the start date (Jul 1, 2026)')
  assert.equal(lib.moneyTooLarge(2_000_000_000, lib.DEFAULT_LIMITS, 'USD'), 'Enter at most $10,000,000.00')
  assert.equal(lib.moneyTooLarge(1_000_000_000, lib.DEFAULT_LIMITS, 'USD'), null)
  lib.setLang('de')
  try {
    assert.match(words({ field: 'hourly_rate', code: 'below_min', params: { min: 300 } }), /^Der Stundensatz muss mindestens 3,00\s\$ pro Stunde betragen$/)
    assert.match(words({ field: 'end_date', code: 'before_start' }, { ...draft, start_date: '2026-07-01' }), /01\.07\.2026/)
  } finally { lib.setLang('en') }
})

test('every code the cases use is worded in every language, with no developer words', () => {
  for (const l of ['en', 'de', 'es']) {
    lib.setLang(l)
    try {
      for (const c of cases) {
        for (const [field, code, params] of c.expect) {
          const text = lib.problemText({ field, code, params }, c.draft)
          assert.ok(!/validate\.|cents|minor unit|\{|_/.test(text), `${l} ${code}: ${text}`)
          assert.ok(!/validate\./.test(lib.problemFieldName(field)), `${l} ${field}`)
        }
      }
    } finally { lib.setLang('en') }
  }
})

test('a problem shows at its field: milestone rows by id, the sum at the fixed price', () => {
  const ms = [{ id: 'a', title: 'A', amount: 1, due_date: null }, { id: 'b', title: 'B', amount: 1, due_date: null }]
  assert.equal(lib.problemTarget('milestones[1].amount', ms), 'milestone:b')
  assert.equal(lib.problemTarget('milestones', ms), 'fixed_price')
  assert.equal(lib.problemTarget('end_date', ms), 'end_date')
  assert.equal(lib.problemTarget('terms', ms), null)
  assert.equal(lib.problemFieldName('milestones[1].amount'), 'Milestone 2: amount')
})

test('today is the server\'s date (UTC)', () => {
  assert.equal(lib.todayUtc(new Date('2026-06-15T23:30:00-05:00')), '2026-06-16')
})
