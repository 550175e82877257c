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
    contents: "export * from './src/format.ts'; export { diffAtCaret, transformPosition } from './src/description.ts'",
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
