// Unit tests of the app's pure parts (money parsing, text diff, caret transform): node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { build } from 'esbuild'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = await mkdtemp(join(tmpdir(), 'offer-room-web-'))
await build({
  stdin: {
    contents: "export * from './src/format.ts'; export { diffAtCaret, transformPosition } from './src/description.ts'; " +
      "export * from './src/compare.ts'; export * from './src/status.ts'; export * from './src/closes.ts'",
    resolveDir: root,
    loader: 'ts'
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  outfile: join(dir, 'lib.mjs'),
  logLevel: 'error'
})
const lib = await import(join(dir, 'lib.mjs'))
await rm(dir, { recursive: true })

test('money in en-US: grouping, decimals, symbol, empty', () => {
  const ok = (text, value) => assert.deepEqual(lib.parseMoney(text, 'USD', 'en-US'), { ok: true, value })
  ok('1,234.50', 123450)
  ok('$45', 4500)
  ok('45.5', 4550)
  ok(' 0.07 ', 7)
  ok('', null)
  for (const bad of ['12.345', '1,23.00', 'abc', '1.2.3', '-5']) assert.equal(lib.parseMoney(bad, 'USD', 'en-US').ok, false, bad)
})

test('money in de-DE: comma decimals, dot grouping, lone dot as decimal', () => {
  const ok = (text, value) => assert.deepEqual(lib.parseMoney(text, 'EUR', 'de-DE'), { ok: true, value })
  ok('1.234,50', 123450)
  ok('45,5', 4550)
  ok('45.5', 4550)
  ok('1.234', 123400)
  assert.equal(lib.parseMoney('12.34.5', 'EUR', 'de-DE').ok, false)
})

test('money in currencies with 0 and 3 minor digits', () => {
  assert.equal(lib.currencyDigits('JPY'), 0)
  assert.deepEqual(lib.parseMoney('1,500', 'JPY', 'en-US'), { ok: true, value: 1500 })
  assert.equal(lib.parseMoney('1,500.5', 'JPY', 'en-US').ok, false)
  assert.equal(lib.currencyDigits('KWD'), 3)
  assert.deepEqual(lib.parseMoney('2.125', 'KWD', 'en-US'), { ok: true, value: 2125 })
  assert.equal(lib.formatAmountInput(2125, 'KWD', 'en-US'), '2.125')
})

test('hours: empty is no limit, 1..168 whole hours', () => {
  assert.deepEqual(lib.parseHours(''), { ok: true, value: null })
  assert.deepEqual(lib.parseHours('40'), { ok: true, value: 40 })
  for (const bad of ['0', '169', '2.5', 'x']) assert.equal(lib.parseHours(bad).ok, false, bad)
})

test('diffAtCaret places edits inside runs of equal characters at the caret', () => {
  assert.deepEqual(lib.diffAtCaret('aa', 'aaa', 2), { index: 1, remove: 0, insert: 'a' })
  assert.deepEqual(lib.diffAtCaret('aa', 'aaa', 3), { index: 2, remove: 0, insert: 'a' })
  assert.deepEqual(lib.diffAtCaret('hello', 'help', 4), { index: 3, remove: 2, insert: 'p' })
  assert.deepEqual(lib.diffAtCaret('abc', 'ac', 1), { index: 1, remove: 1, insert: '' })
  assert.deepEqual(lib.diffAtCaret('', 'x', 1), { index: 0, remove: 0, insert: 'x' })
})

test('transformPosition moves a caret through remote inserts and deletes', () => {
  assert.equal(lib.transformPosition(5, [{ insert: 'abc' }]), 8)
  assert.equal(lib.transformPosition(5, [{ retain: 5 }, { insert: 'abc' }]), 5)
  assert.equal(lib.transformPosition(5, [{ retain: 6 }, { insert: 'abc' }]), 5)
  assert.equal(lib.transformPosition(5, [{ retain: 1 }, { delete: 2 }]), 3)
  assert.equal(lib.transformPosition(5, [{ retain: 3 }, { delete: 10 }]), 3)
})

test('dates format without shifting across time zones', () => {
  assert.equal(lib.daysBetween('2026-12-01', '2026-12-15'), 14)
  assert.match(lib.formatDate('2026-12-01'), /2026/)
})

const terms = (over = {}) => ({
  title: 'Checkout', contract_type: 'hourly', currency: 'USD', hourly_rate: 4500, weekly_limit: 20, manual_time: false,
  fixed_price: null, start_date: '2026-12-07', end_date: null, description: 'One. Two.', milestones: [], ...over
})

test('compare: scalar rows in order, changed ones marked, values in words', () => {
  const rows = lib.compareTerms(terms(), terms({ hourly_rate: 5500 }))
  assert.deepEqual(rows.map((r) => r.key), ['title', 'contract_type', 'currency', 'hourly_rate', 'weekly_limit', 'manual_time', 'start_date', 'end_date', 'description'])
  const rate = rows.find((r) => r.key === 'hourly_rate')
  assert.equal(rate.changed, true)
  assert.match(rate.a, /45\.00\/h$/)
  assert.match(rate.b, /55\.00\/h$/)
  assert.deepEqual(rows.filter((r) => r.changed).map((r) => r.key), ['hourly_rate'])
  assert.equal(rows.find((r) => r.key === 'end_date').a, 'Open-ended')
})

test('compare: a switch to fixed price shows both sets, milestones row by row with a total', () => {
  const ms = [{ id: 'm1', title: 'Design', amount: 50000, due_date: '2026-12-15' }, { id: 'm2', title: 'Build', amount: 70000, due_date: null }]
  const rows = lib.compareTerms(terms(), terms({ contract_type: 'fixed', hourly_rate: null, fixed_price: 120000, milestones: ms }))
  const rate = rows.find((r) => r.key === 'hourly_rate')
  assert.equal(rate.naB, true)
  assert.equal(rate.b, '—')
  assert.equal(rows.filter((r) => r.kind === 'milestone').map((r) => r.op).join(), 'added,added')
  assert.match(rows.find((r) => r.key === 'milestones_total').b, /1,200\.00/)
  const moved = lib.compareTerms(terms({ contract_type: 'fixed', milestones: ms }), terms({ contract_type: 'fixed', milestones: [ms[1], { ...ms[0], amount: 1 }] }))
  assert.deepEqual(moved.filter((r) => r.kind === 'milestone').map((r) => [r.label, r.op]), [['Milestone 1', 'same'], ['Milestone 2', 'changed']])
  const removed = lib.compareTerms(terms({ contract_type: 'fixed', milestones: ms }), terms({ contract_type: 'fixed', milestones: [ms[1]] }))
  assert.deepEqual(removed.filter((r) => r.kind === 'milestone').map((r) => r.op), ['same', 'removed'])
})

test('sentences: split keeps every character; changed ones are marked', () => {
  const text = 'One. Two!  Three?\n\nFour'
  assert.equal(lib.splitSentences(text).join(''), text)
  const d = lib.diffSentences('Build the cart. Add tests. Deploy.', 'Build the cart. Add more tests. Deploy. Write docs.')
  assert.deepEqual([d.added, d.removed, d.reworded], [1, 0, 1])
  assert.deepEqual(d.a.filter((s) => s.marked).map((s) => s.text.trim()), ['Add tests.'])
  assert.deepEqual(d.b.filter((s) => s.marked).map((s) => s.text.trim()), ['Add more tests.', 'Write docs.'])
  assert.equal(d.b.map((s) => s.text).join(''), 'Build the cart. Add more tests. Deploy. Write docs.')
  assert.equal(lib.sentenceSummary(d), '1 sentence added, 1 reworded')
  assert.equal(lib.sentenceSummary(lib.diffSentences('Same.', 'Same.')), '')
})

test('expiry: days, hours under two days, urgent under a day, closed offers have none', () => {
  const now = Date.parse('2026-12-01T12:00:00Z')
  const at = (ms) => new Date(now + ms).toISOString()
  assert.equal(lib.expiryInfo(at(3 * 86400e3), 'open', now).text, 'Expires in 3 days')
  assert.equal(lib.expiryInfo(at(3 * 86400e3), 'open', now).urgent, false)
  assert.equal(lib.expiryInfo(at(30 * 3600e3), 'open', now).text, 'Expires in 30 hours')
  const soon = lib.expiryInfo(at(5 * 3600e3), 'open', now)
  assert.deepEqual([soon.text, soon.urgent], ['Expires in 5 hours', true])
  assert.equal(lib.expiryInfo(at(42 * 60e3), 'open', now).text, 'Expires in 42 minutes')
  assert.equal(lib.expiryInfo(at(20e3), 'open', now).text, 'Expires in less than a minute')
  assert.equal(lib.expiryInfo(at(-1000), 'open', now).text, 'Expiring now')
  assert.equal(lib.expiryInfo(at(86400e3), 'agreed', now), null)
  assert.match(lib.expiryInfo(at(-1000), 'expired', now).text, /^Expired /)
})

test('turn: a proposal waits on the other party; otherwise on the freelancer or a drafting party', () => {
  const ada = { id: 'c', name: 'Ada Lovelace', role: 'client' }
  const linus = { id: 'f', name: 'Linus Torvalds', role: 'freelancer' }
  const base = { status: 'open', parties: [ada, linus], draftChangedBy: [] }
  const t = (over) => lib.turnInfo({ ...base, proposalBy: null, hasProposal: false, ...over })
  assert.equal(t({ proposalBy: linus, hasProposal: true, me: ada }).label, 'Waiting on you')
  assert.equal(t({ proposalBy: linus, hasProposal: true, me: linus }).label, 'Waiting on Ada')
  assert.equal(t({ me: ada }).label, 'Waiting on Linus')
  assert.equal(t({ me: linus }).label, 'Waiting on you')
  assert.equal(t({ me: ada, draftChangedBy: [ada] }).label, 'Waiting on you')
  assert.equal(t({ me: { id: 'v', name: 'Grace', role: 'viewer' }, proposalBy: ada, hasProposal: true }).label, 'Waiting on Linus')
  assert.equal(t({ status: 'agreed', me: ada }), null)
})

test('closed: says what happened, who, when and why', () => {
  const parties = [{ id: 'c', name: 'Ada Lovelace', role: 'client' }, { id: 'f', name: 'Linus Torvalds', role: 'freelancer' }]
  const ev = { kind: 'offer_withdrawn', at: '2026-12-01T12:00:00Z', actor: 'c', reason: 'Budget cut' }
  assert.equal(lib.closingEvent('withdrawn', [{ kind: 'created', at: '', actor: null, reason: null }, ev]), ev)
  const info = lib.closedInfo('withdrawn', 2, null, ev, parties, 'f')
  assert.equal(info.title, 'Withdrawn')
  assert.match(info.text, /^Ada Lovelace withdrew this offer on .*2026.*Reason: “Budget cut”\. The room/)
  assert.match(lib.closedInfo('withdrawn', 2, null, { ...ev, reason: 'Too late!' }, parties, 'f').text, /“Too late!” The room/)
  assert.match(lib.closedInfo('expired', 2, '2026-12-01T12:00:00Z', null, parties, 'f').text, /ask the client for a new offer/)
  assert.match(lib.closedInfo('expired', 2, '2026-12-01T12:00:00Z', null, parties, 'c').text, /send a new offer/)
  assert.match(lib.closedInfo('agreed', 3, null, { ...ev, kind: 'offer_accepted', actor: 'f', reason: null }, parties, 'f').text, /^You accepted/)
  assert.equal(lib.closedInfo('agreed', 3, null, null, parties, 'f').title, 'Agreed on version 3')
  assert.equal(lib.closedInfo('open', 1, null, null, parties, 'f'), null)
})

test('close codes read as what happened, the reason telling apart codes that are shared', () => {
  assert.equal(lib.describeClose(4401, 'this link was revoked').title, 'This link was revoked')
  assert.equal(lib.describeClose(4401, 'this link has expired').title, 'This link has expired or is invalid')
  assert.equal(lib.describeClose(4429, 'too many open connections for this user').title, 'This offer is open in too many windows')
  assert.equal(lib.describeClose(4429, 'too much work').title, 'Too many changes too quickly')
  assert.equal(lib.describeClose(4401).reload, false)
  assert.match(lib.describeClose(4999).message, /code 4999/)
})
