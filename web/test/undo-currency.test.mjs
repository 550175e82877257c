// Undo shortcuts and word steps (src/undo.ts), own-edit tracking with Yjs' UndoManager as the app
// configures it, and the currency picker's options (src/currency.ts): node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle } from '../tools/test-bundle.mjs'

const lib = await bundle("export { shortcutOf, endsWord, CAPTURE_MS } from './src/undo.ts'; " +
  "export { CURRENCIES, currencyName, currencyOptions, rescale } from './src/currency.ts'; export { setLang } from './src/i18n.ts'; " +
  "export { LOCAL_ORIGIN } from './src/doc.ts'; export * as Y from 'yjs'")
lib.setLang('en')

const key = (k, mods = {}) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods })

test('shortcuts: Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z and Ctrl+Y redo, nothing else does', () => {
  assert.equal(lib.shortcutOf(key('z', { ctrlKey: true })), 'undo')
  assert.equal(lib.shortcutOf(key('z', { metaKey: true })), 'undo')
  assert.equal(lib.shortcutOf(key('Z', { ctrlKey: true, shiftKey: true })), 'redo')
  assert.equal(lib.shortcutOf(key('Z', { metaKey: true, shiftKey: true })), 'redo')
  assert.equal(lib.shortcutOf(key('y', { ctrlKey: true })), 'redo')
  assert.equal(lib.shortcutOf(key('z')), null)
  assert.equal(lib.shortcutOf(key('z', { ctrlKey: true, altKey: true })), null)
  assert.equal(lib.shortcutOf(key('a', { ctrlKey: true })), null)
})

test('a space or punctuation ends a word; letters do not', () => {
  for (const d of [' ', '.', ',', '\n', 'word ']) assert.equal(lib.endsWord(d), true, JSON.stringify(d))
  for (const d of ['a', 'é', null, '']) assert.equal(lib.endsWord(d), false, JSON.stringify(d))
})

test('the undo manager tracks only this page\'s edits: undo leaves the other party\'s alone', () => {
  const { Y, LOCAL_ORIGIN } = lib
  const mine = new Y.Doc()
  const theirs = new Y.Doc()
  const peer = { peer: true }
  mine.on('update', (u, origin) => { if (origin !== peer) Y.applyUpdate(theirs, u, peer) })
  theirs.on('update', (u, origin) => { if (origin !== peer) Y.applyUpdate(mine, u, peer) })
  const um = new Y.UndoManager([mine.getMap('terms'), mine.getText('description')], { trackedOrigins: new Set([LOCAL_ORIGIN]), captureTimeout: lib.CAPTURE_MS })
  mine.transact(() => mine.getMap('terms').set('title', 'Mine'), LOCAL_ORIGIN)
  theirs.transact(() => theirs.getMap('terms').set('hourly_rate', 5000), LOCAL_ORIGIN)
  // The server's compensation or commit arrives with the provider's origin: not a step.
  mine.transact(() => mine.getText('description').insert(0, 'Server text'), { server: true })
  assert.equal(um.undoStack.length, 1)
  um.undo()
  assert.equal(mine.getMap('terms').get('title'), undefined)
  assert.equal(mine.getMap('terms').get('hourly_rate'), 5000)
  assert.equal(theirs.getMap('terms').get('hourly_rate'), 5000)
  assert.equal(mine.getText('description').toString(), 'Server text')
  um.redo()
  assert.equal(theirs.getMap('terms').get('title'), 'Mine')
})

test('currencies: the server\'s list, named in the reader\'s language and sorted by name', () => {
  assert.equal(lib.CURRENCIES.length, 165)
  assert.ok(lib.CURRENCIES.includes('EUR') && lib.CURRENCIES.includes('JPY') && !lib.CURRENCIES.includes('XAU'))
  assert.equal(lib.currencyName('EUR', 'en-US'), 'Euro')
  assert.equal(lib.currencyName('USD', 'de-DE'), 'US-Dollar')
  const en = lib.currencyOptions('USD', 'en-US')
  assert.equal(en.length, lib.CURRENCIES.length)
  assert.deepEqual(en.find((o) => o.code === 'USD'), { code: 'USD', label: 'US Dollar (USD)' })
  const labels = en.map((o) => o.label)
  assert.deepEqual(labels, [...labels].sort((a, b) => new Intl.Collator('en-US').compare(a, b)))
  // A code withdrawn after the offer was made stays choosable as it is.
  const old = lib.currencyOptions('HRK', 'en-US')
  assert.ok(old.some((o) => o.code === 'HRK'))
})

test('a new currency keeps the figures: $45.00 is ¥45 and 45.000 KWD; fractions are rounded', () => {
  assert.equal(lib.rescale(4500, 'USD', 'EUR'), 4500)
  assert.equal(lib.rescale(4500, 'USD', 'JPY'), 45)
  assert.equal(lib.rescale(4550, 'USD', 'JPY'), 46)
  assert.equal(lib.rescale(45, 'JPY', 'USD'), 4500)
  assert.equal(lib.rescale(4500, 'USD', 'KWD'), 45000)
})
