// One simulated participant behind one socket, speaking the sync protocol by hand (no provider:
// no reconnect logic, timers or broadcast channel per message).
//
// Each client writes one field of the `terms` map and watches the field its peer writes. Role 0
// (the client) writes `title` = "t c <seq> <scheduled ms>"; role 1 (the freelancer) writes
// `hourly_rate` = RATE_BASE + seq. One writer per field, and Yjs integrates a writer's updates in
// order, so seeing write n of the peer means every earlier write of it is held too.
//
// Two ways to be a participant:
// - doc mode (join, idle): a real Y.Doc that integrates everything it receives; the peer's newest
//   write is read from the peer's field.
// - replay mode (fanout): a Y.Doc only until the sync is done (set-up, never measured). From then
//   on writes are hand-encoded Yjs updates (replay.mjs: the same bytes Yjs would send) and a
//   received update is only scanned for the peer's structs: write i of the peer is its clock
//   firstClock + i, so the peer's clock front names its newest delivered write. This keeps the
//   generator far from being the bound (see bench/README.md, "The generator").
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import {
  Framing, MSG_APP, MSG_AUTH, MSG_SYNC, MSG_SYNC_REPLY, STEP1, STEP2, UPDATE
} from './proto.mjs'
import { ClockFront, FieldWriter, clientRanges, currentItem } from './replay.mjs'

export const RATE_BASE = 100_000
const REMOTE = Symbol('remote')
const FIELDS = ['title', 'hourly_rate']
/** An update with nothing in it: a replay client's answer to a late sync step1. */
const EMPTY_UPDATE = new Uint8Array([0, 0])

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
   *   role: 0|1, deflate: boolean, replay?: boolean}} opts
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
    // Replay mode (set once synced): this client's encoder, the seq its first encoded write
    // carries, and what it holds of the peer (the other client of the room, set by the caller).
    this.replay = opts.replay ?? false
    this.writer = null
    this.seqBase = 0
    this.peer = null
    this.front = null // a ClockFront over the peer's clocks, from its first encoded write on
    this._ranges = []
    // Edits the server refused: offer-room answers a refused edit with an app message
    // {"type":"rejected"} (and a broken one with {"type":"error"}); such a write is lost.
    this.rejected = 0
    this.serverErrors = 0
    this.refusals = [] // the first few refusal messages, for the report
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

  /** Writes this client's field: one update message (writes must come in seq order). */
  write (seq, scheduled) {
    const value = this.role === 0 ? `t c ${seq} ${Math.round(scheduled)}` : RATE_BASE + seq
    if (this.writer === null) {
      this.terms.set(this.ownField, value) // doc mode: a local transaction sends the update
      return
    }
    // A receiver maps the peer's clocks back to seqs: write seqBase + i must be clock
    // firstClock + i, which holds as long as writes come in seq order without gaps.
    if (seq - this.seqBase !== this.writer.clock - this.writer.firstClock) {
      throw new Error(`write ${seq} out of order (clock ${this.writer.clock})`)
    }
    const update = this.writer.update(value)
    const enc = this.framing.begin()
    encoding.writeVarUint(enc, MSG_SYNC)
    encoding.writeVarUint(enc, UPDATE)
    encoding.writeVarUint8Array(enc, update)
    this.send(encoding.toUint8Array(enc))
  }

  /** Replay mode: the seq of the peer's newest write this client holds, or -1. */
  _peerSeqFrom (payload) {
    const peer = this.peer
    if (peer === null || peer.writer === null) return -1 // the peer has not written yet
    const ranges = this._ranges // reused: no allocation per message
    ranges.length = 0
    clientRanges(payload, peer.writer.clientId, ranges)
    if (ranges.length === 0) return -1 // echoes of our own writes, server writes: not the peer's
    this.front ??= new ClockFront(peer.writer.firstClock)
    const held = this.front.add(ranges) - peer.writer.firstClock // peer writes held
    return peer.seqBase + held - 1
  }

  /** Once synced, replay mode lets go of the doc: only its client id and the field's item stay. */
  _startReplay () {
    const doc = this.doc
    this.writer = new FieldWriter(doc.clientID, this.ownField,
      currentItem(this.terms, this.ownField), Y.getState(doc.store, doc.clientID))
    this.seqBase = this.nextSeq
    doc.destroy()
    this.doc = null
    this.terms = null
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
        // A replay client's writes all went to the server, which therefore holds them already.
        const state = this.doc === null ? EMPTY_UPDATE : Y.encodeStateAsUpdate(this.doc, payload)
        this.send(this.framing.sync(STEP2, state))
        return
      }
      if (this.doc === null) {
        const seq = this._peerSeqFrom(payload)
        if (seq > this.peerSeq) {
          this.peerSeq = seq
          if (this.onPeerSeq !== null) this.onPeerSeq(seq, performance.now())
        }
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
        if (this.replay) this._startReplay() // lets go of the doc: no field to check below
        this._synced()
        if (this.doc === null) return
      }
      this._checkPeer()
    } else if (type === MSG_AUTH && this.framing.hocuspocus) {
      if (decoding.readVarUint(dec) === 1) this._failed(new Error('hocuspocus: permission denied'))
    } else if (type === MSG_APP && !this.framing.hocuspocus) {
      this._app(decoding.readVarString(dec))
    }
    // Awareness, other app messages (offer-room's hello/locks) and sync statuses need no answer.
  }

  /** offer-room's app messages: counts refusals of this client's edits. */
  _app (text) {
    // Cheap test first: app messages are rare, but hello/presence ones need no JSON parse.
    if (!text.includes('"rejected"') && !text.includes('"error"')) return
    const msg = JSON.parse(text)
    if (msg.type === 'rejected') this.rejected++
    else if (msg.type === 'error') this.serverErrors++
    else return
    if (this.refusals.length < 3) this.refusals.push(text.slice(0, 300))
  }

  _checkPeer () {
    const seq = seqOf(1 - this.role, this.terms.get(this.peerField))
    if (seq > this.peerSeq) {
      this.peerSeq = seq
      if (this.onPeerSeq !== null) this.onPeerSeq(seq, performance.now())
    }
  }
}
