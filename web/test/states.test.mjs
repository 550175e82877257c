// Unit tests of issue 15's pure parts: the connection indicator's state machine (linkstate.ts)
// and the sideways-overflow hint (overflow.ts): node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle } from '../tools/test-bundle.mjs'

const lib = await bundle("export * from './src/linkstate.ts'; export { overflowOf } from './src/overflow.ts'")
const { nextLink, INITIAL_LINK, RECONNECT_GRACE_MS: GRACE, OFFLINE_AFTER_MS: OFFLINE } = lib

/** Feed a sequence of facts; returns the states and re-check delays seen. */
function run (steps, start = INITIAL_LINK) {
  let s = start
  return steps.map((f) => {
    const r = nextLink(s, { fatal: false, online: true, open: false, ...f })
    s = r.next
    return [r.next.state, r.recheckInMs]
  })
}

test('link: connecting, then live', () => {
  assert.deepEqual(run([{ now: 0 }, { now: 100, open: true }]), [['connecting', GRACE], ['connected', null]])
})

test('link: a short drop stays "Live"; a longer one says reconnecting, then offline after the stated time', () => {
  const states = run([
    { now: 0, open: true },
    { now: 1000 }, // dropped
    { now: 1000 + GRACE - 1 },
    { now: 1000 + GRACE },
    { now: 1000 + OFFLINE - 1 },
    { now: 1000 + OFFLINE },
    { now: 1000 + OFFLINE + 60_000 },
    { now: 1000 + OFFLINE + 60_001, open: true }
  ])
  assert.deepEqual(states, [
    ['connected', null],
    ['connected', GRACE],
    ['connected', 1],
    ['reconnecting', OFFLINE - GRACE],
    ['reconnecting', 1],
    ['offline', null],
    ['offline', null],
    ['connected', null]
  ])
  assert.equal(OFFLINE, 20_000, 'web/README.md and docs/ARCHITECTURE.md state 20 seconds')
})

test('link: a drop that comes back within the grace is never announced', () => {
  assert.deepEqual(run([{ now: 0, open: true }, { now: 10 }, { now: 2000, open: true }]).map(([s]) => s),
    ['connected', 'connected', 'connected'])
})

test('link: the first connection never coming up is reconnecting, then offline', () => {
  const states = run([{ now: 0 }, { now: GRACE }, { now: OFFLINE }]).map(([s]) => s)
  assert.deepEqual(states, ['connecting', 'reconnecting', 'offline'])
})

test('link: the browser offline is "Offline" at once; back online counts afresh', () => {
  const states = run([
    { now: 0, open: true },
    { now: 10, online: false },
    { now: 60_000 }, // network back, socket not yet
    { now: 60_000 + OFFLINE - 1 },
    { now: 60_000 + OFFLINE }
  ])
  assert.deepEqual(states, [
    ['connected', null],
    ['offline', null],
    ['reconnecting', OFFLINE],
    ['reconnecting', 1],
    ['offline', null]
  ])
  // The socket may still look open for a moment after the network went: offline all the same.
  assert.equal(run([{ now: 0, open: true }, { now: 1, open: true, online: false }])[1][0], 'offline')
  const s = nextLink(INITIAL_LINK, { fatal: false, online: false, open: false, now: 5 }).next
  assert.equal(s.browserOffline, true)
  assert.equal(nextLink(s, { fatal: false, online: true, open: false, now: 6 }).next.browserOffline, false)
})

test('link: fatal wins over everything and stays', () => {
  assert.deepEqual(run([{ now: 0, open: true }, { now: 1, fatal: true }, { now: 2, fatal: true, open: true }]).map(([s]) => s),
    ['connected', 'fatal', 'fatal'])
})

test('overflow: more to the right until scrolled to the end', () => {
  assert.deepEqual(lib.overflowOf(0, 520, 330), { right: true, left: false })
  assert.deepEqual(lib.overflowOf(100, 520, 330), { right: true, left: true })
  assert.deepEqual(lib.overflowOf(190, 520, 330), { right: false, left: true })
  assert.deepEqual(lib.overflowOf(189.5, 520, 330), { right: false, left: true }) // rounding
  assert.deepEqual(lib.overflowOf(0, 330, 330), { right: false, left: false })
  assert.deepEqual(lib.overflowOf(0, 0, 0), { right: false, left: false }) // hidden box
})
