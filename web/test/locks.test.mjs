// Field leases in the browser (src/locks.ts): only the room's lock fields are asked for, focus and
// typing are signs of input (`active`), renewals without typing say so, and after the server
// ended a lease for want of input only typing asks for it again (docs/PROTOCOL.md, "Locks").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle } from '../tools/test-bundle.mjs'

const { Locks } = await bundle("export { Locks } from './src/locks.ts'")

function fakeConn () {
  const sent = []
  return { sent, send: (m) => sent.push(m), onOpen: () => {}, provider: { on: () => {} } }
}

test('only the fields the room locks; the description never', () => {
  const locks = new Locks(fakeConn(), () => null)
  assert.equal(locks.lockable('title'), true) // before hello: every field but the description
  assert.equal(locks.lockable('description'), false)
  locks.setRules(['contract_type', 'hourly_rate', 'fixed_price', 'milestones'], 20000)
  assert.equal(locks.lockable('hourly_rate'), true)
  assert.equal(locks.lockable('milestone:m1'), true)
  assert.equal(locks.lockable('title'), false)
  assert.equal(locks.lockable('start_date'), false)
  locks.setRules(['title'], null)
  assert.equal(locks.lockable('milestone:m1'), false)
})

test('focus and typing are input; an idle release is taken back only by typing', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] })
  const conn = fakeConn()
  const locks = new Locks(conn, () => null)
  locks.setTtl(9000)
  locks.acquire('hourly_rate')
  assert.deepEqual(conn.sent, [{ type: 'lock', field: 'hourly_rate', active: true }])
  t.mock.timers.tick(3000)
  assert.deepEqual(conn.sent.at(-1), { type: 'lock', field: 'hourly_rate', active: false })
  locks.touch()
  t.mock.timers.tick(3000)
  assert.deepEqual(conn.sent.at(-1), { type: 'lock', field: 'hourly_rate', active: true })
  t.mock.timers.tick(3000)
  assert.deepEqual(conn.sent.at(-1), { type: 'lock', field: 'hourly_rate', active: false })
  // The server ended the lease for want of input: renewals stop ...
  locks.lostToIdle()
  const before = conn.sent.length
  t.mock.timers.tick(9000)
  assert.equal(conn.sent.length, before)
  // ... and the first keystroke asks again at once.
  locks.touch()
  assert.deepEqual(conn.sent.at(-1), { type: 'lock', field: 'hourly_rate', active: true })
  assert.equal(locks.idled, null)
  locks.release('hourly_rate')
  assert.deepEqual(conn.sent.at(-1), { type: 'unlock', field: 'hourly_rate' })
})
