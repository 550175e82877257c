#!/usr/bin/env node
// A Node interop client on the stock y-websocket provider, driven by newline-delimited JSON on
// stdin, answering with one JSON line per command on stdout (see the commands below).
//
//   node web/tools/yclient.mjs ws://127.0.0.1:PORT/ws/offers <offerId> <token>
//
// {"cmd":"wait_synced"}                           -> {"ok":true}
// {"cmd":"set","field":"hourly_rate","value":5000} -> {"ok":true}     (value null deletes)
// {"cmd":"insert_text","index":0,"text":"hi"}      -> {"ok":true}     (on description)
// {"cmd":"delete_text","index":0,"length":2}       -> {"ok":true}
// {"cmd":"get"}                                    -> {"ok":true,"terms":{},"description":"","milestones":[],"offer":{},...}
// {"cmd":"wait_for","field":"title","value":"X","timeout_ms":5000} -> {"ok":true|false}
// {"cmd":"app","msg":{...}}                        -> {"ok":true}     (sends an app message)
// {"cmd":"awareness","state":{...}}                -> {"ok":true}     (sets the local awareness state)
// {"cmd":"close"}                                  -> {"ok":true} and exits
// Events: {"event":"app","msg":{...}} for each app message, {"event":"close","code":N} on close.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import WebSocket from 'ws'
import { createInterface } from 'node:readline'

const MESSAGE_APP = 100
const [base, offerId, token] = process.argv.slice(2)
if (!base || !offerId || !token) {
  process.stderr.write('usage: yclient.mjs <ws-base-url> <offerId> <token>\n')
  process.exit(2)
}

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const doc = new Y.Doc()
const provider = new WebsocketProvider(base, offerId, doc, {
  params: { token }, disableBc: true, WebSocketPolyfill: WebSocket
})
provider.messageHandlers[MESSAGE_APP] = (_encoder, decoder) => {
  const text = decoding.readVarString(decoder)
  try {
    out({ event: 'app', msg: JSON.parse(text) })
  } catch {
    out({ event: 'app', raw: text })
  }
}
provider.on('connection-close', (event) => out({ event: 'close', code: event ? event.code : null }))

const snapshot = () => ({
  terms: doc.getMap('terms').toJSON(),
  description: doc.getText('description').toString(),
  milestones: doc.getArray('milestones').toJSON(),
  offer: doc.getMap('offer').toJSON(),
  committed: doc.getMap('committed').toJSON(),
  changed_by: doc.getMap('changed_by').toJSON(),
  proposal: doc.getMap('proposal').toJSON()
})

const until = (check, timeoutMs) => new Promise((resolve) => {
  if (check()) return resolve(true)
  const done = (ok) => {
    clearTimeout(timer)
    doc.off('update', onUpdate)
    provider.off('sync', onUpdate)
    resolve(ok)
  }
  const onUpdate = () => { if (check()) done(true) }
  const timer = setTimeout(() => done(check()), timeoutMs)
  doc.on('update', onUpdate)
  provider.on('sync', onUpdate)
})

const sameValue = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

async function handle (cmd) {
  switch (cmd.cmd) {
    case 'wait_synced':
      return { ok: await until(() => provider.synced, cmd.timeout_ms ?? 10000) }
    case 'set': {
      const terms = doc.getMap('terms')
      if (cmd.value === null) terms.delete(cmd.field)
      else terms.set(cmd.field, cmd.value)
      return { ok: true }
    }
    case 'insert_text':
      doc.getText('description').insert(cmd.index, cmd.text)
      return { ok: true }
    case 'delete_text':
      doc.getText('description').delete(cmd.index, cmd.length)
      return { ok: true }
    case 'get':
      return { ok: true, synced: provider.synced, ...snapshot() }
    case 'wait_for': {
      const read = () => cmd.field === 'description'
        ? doc.getText('description').toString()
        : doc.getMap(cmd.root ?? 'terms').get(cmd.field)
      return { ok: await until(() => sameValue(read(), cmd.value), cmd.timeout_ms ?? 5000) }
    }
    case 'app': {
      const ws = provider.ws
      if (!ws || ws.readyState !== WebSocket.OPEN) return { ok: false, error: 'not connected' }
      const enc = encoding.createEncoder()
      encoding.writeVarUint(enc, MESSAGE_APP)
      encoding.writeVarString(enc, JSON.stringify(cmd.msg))
      ws.send(encoding.toUint8Array(enc))
      return { ok: true }
    }
    case 'awareness':
      provider.awareness.setLocalState(cmd.state)
      return { ok: true }
    case 'close':
      provider.destroy()
      out({ ok: true })
      setTimeout(() => process.exit(0), 50)
      return null
    default:
      return { ok: false, error: `unknown command ${JSON.stringify(cmd.cmd)}` }
  }
}

// Commands run one after another, so answers come back in order.
let chain = Promise.resolve()
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return
  chain = chain.then(async () => {
    let cmd
    try {
      cmd = JSON.parse(line)
    } catch {
      return out({ ok: false, error: 'bad json' })
    }
    try {
      const res = await handle(cmd)
      if (res !== null) out(res)
    } catch (err) {
      out({ ok: false, error: String(err && err.message ? err.message : err) })
    }
  })
}).on('close', () => chain.then(() => { provider.destroy(); process.exit(0) }))
