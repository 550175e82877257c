// One simulated participant: a real Y.Doc behind one socket, speaking the sync protocol by hand
// (no provider: no reconnect logic, timers or broadcast channel per message).
//
// Each client writes one field of the `terms` map and watches the field its peer writes. Role 0
// (the client) writes `title` = "t c <seq> <scheduled ms>"; role 1 (the freelancer) writes
// `hourly_rate` = RATE_BASE + seq. One writer per field, so the value a peer reads after
// integrating an update names the newest write it holds, and Yjs integrates a writer's updates in
// order, so every earlier write of that writer is held too.
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import WebSocket from 'ws'
import { Framing, MSG_AUTH, MSG_SYNC, MSG_SYNC_REPLY, STEP1, STEP2, UPDATE } from './proto.mjs'

export const RATE_BASE = 100_000
const REMOTE = Symbol('remote')
const FIELDS = ['title', 'hourly_rate']

/** The write sequence number a field value carries, or -1. */
export function seqOf (role, value) {
  if (role === 0) {
    if (typeof value !== 'string' || !value.startsWith('t c ')) return -1
    return parseInt(value.slice(4), 10)
  }
  return typeof value === 'number' && value >= RATE_BASE ? value - RATE_BASE : -1
}

/**
 * True when a v1 update holds structs of `clientId` only: one struct group, ours. Such an update
 * is an echo of this client's own writes (its deletions can only be of items it replaced in the
 * same writes), so the doc already holds all of it.
 */
function ownOnly (update, clientId) {
  const dec = decoding.createDecoder(update)
  if (decoding.readVarUint(dec) !== 1) return false
  decoding.readVarUint(dec) // number of structs in the group
  return decoding.readVarUint(dec) === clientId
}

export class BenchClient {
  /**
   * @param {{url: string, doc: string, token?: string, protocol: 'yws'|'hocuspocus',
   *   role: 0|1, deflate: boolean}} opts
   */
  constructor (opts) {
    this.opts = opts
    this.role = opts.role
    this.framing = new Framing(opts.protocol, opts.doc)
    this.doc = new Y.Doc()
    this.terms = this.doc.getMap('terms')
    this.ownField = FIELDS[opts.role]
    this.peerField = FIELDS[1 - opts.role]
    this.ws = null
    this.synced = false
    this.syncBytes = 0
    this.closeCode = null
    this.sendFailures = 0
    /** Called with (peerSeq, now) whenever the peer's field shows a newer write. */
    this.onPeerSeq = null
    this.peerSeq = -1
    this.nextSeq = 0
    this.doc.on('update', (update, origin) => {
      if (origin !== REMOTE) this.send(this.framing.sync(UPDATE, update))
    })
  }

  /** Connects and resolves once the server's state is integrated (sync step2 received). */
  open (timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sync timeout ${this.opts.doc}`)), timeoutMs)
      this._synced = () => { clearTimeout(timer); resolve() }
      this._failed = (err) => { clearTimeout(timer); reject(err) }
      const ws = new WebSocket(this.opts.url, { perMessageDeflate: this.opts.deflate })
      this.ws = ws
      ws.binaryType = 'nodebuffer'
      ws.on('open', () => {
        const f = this.framing
        if (f.hocuspocus) ws.send(f.auth(this.opts.token ?? 'bench'))
        ws.send(f.sync(STEP1, Y.encodeStateVector(this.doc)))
        ws.send(f.awareness(this.doc.clientID, 1, { focus: null, bench: true }))
      })
      ws.on('message', (data) => this._receive(data))
      ws.on('close', (code) => {
        this.closeCode = code
        if (!this.synced) this._failed(new Error(`closed ${code} before sync`))
      })
      ws.on('error', (err) => { if (!this.synced) this._failed(err) })
    })
  }

  send (frame) {
    const ws = this.ws
    if (ws === null || ws.readyState !== WebSocket.OPEN) {
      this.sendFailures++
      return
    }
    ws.send(frame)
  }

  /** Writes this client's field: one local transaction, one update message. */
  write (seq, scheduled) {
    const value = this.role === 0 ? `t c ${seq} ${Math.round(scheduled)}` : RATE_BASE + seq
    this.terms.set(this.ownField, value)
  }

  /** Writes `count` edits of three kinds (title, rate, description text) to build history. */
  writeHistory (count) {
    const text = this.doc.getText('description')
    for (let i = 0; i < count; i++) {
      const kind = i % 3
      if (kind === 0) this.terms.set('title', `t c ${i} 0`)
      else if (kind === 1) this.terms.set('hourly_rate', RATE_BASE + i)
      else text.insert((i * 7919) % (text.length + 1), 'ab ')
    }
  }

  close () {
    if (this.ws !== null && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000)
  }

  _receive (data) {
    const { type, dec } = this.framing.parse(data)
    if (type === MSG_SYNC || type === MSG_SYNC_REPLY) {
      const step = decoding.readVarUint(dec)
      const payload = decoding.readVarUint8Array(dec)
      if (step === STEP1) {
        this.send(this.framing.sync(STEP2, Y.encodeStateAsUpdate(this.doc, payload)))
        return
      }
      // Servers that echo a client's update back to it (all three peers do) would make it pay
      // for integrating what it already holds; an update made only of this client's structs
      // is exactly that, so it is skipped. Everything else is integrated for real.
      if (step !== UPDATE || !ownOnly(payload, this.doc.clientID)) {
        Y.applyUpdate(this.doc, payload, REMOTE)
      }
      if (step === STEP2 && !this.synced) {
        this.synced = true
        // A room may hold writes of an earlier run: continue numbering after them.
        this.nextSeq = seqOf(this.role, this.terms.get(this.ownField)) + 1
        this.syncBytes = payload.length
        this._synced()
      }
      this._checkPeer()
    } else if (type === MSG_AUTH && this.framing.hocuspocus) {
      if (decoding.readVarUint(dec) === 1) this._failed(new Error('hocuspocus: permission denied'))
    }
    // Awareness, app messages (offer-room's hello/locks) and sync statuses need no answer.
  }

  _checkPeer () {
    const seq = seqOf(1 - this.role, this.terms.get(this.peerField))
    if (seq > this.peerSeq) {
      this.peerSeq = seq
      if (this.onPeerSeq !== null) this.onPeerSeq(seq, performance.now())
    }
  }
}
