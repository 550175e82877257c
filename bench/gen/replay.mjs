// The fan-out hot path without a Y.Doc: writes are encoded straight into Yjs v1 update bytes, and
// deliveries are read straight out of the bytes a receiver gets.
//
// Why: a real Y.Doc per sender (a transaction, observers and an update encode per write) and per
// receiver (a decode and an integrate per message, docs growing all run long) added their CPU to
// every write, and one generator core, not the server, was the bound near 10,000 writes/s. What
// is left per write is the transport: one send, two receives (the peer's copy and the echo).
// The bytes below are exactly what Yjs itself sends for the same `map.set` (selfCheck() proves it
// at start-up), so every server still checks and applies a real, valid update.
//
// What one write is, in Yjs terms: `terms.set(key, value)` creates one Item whose content is
// ContentAny([value]) (ref 8). Its left origin is the item that held the key until now (the
// writer's own previous write, or, for the first write, whatever item the synced doc shows —
// e.g. the one offer-room's REST call created); a map item has no right origin. Only an item with
// neither origin carries its parent (root name "terms") and its key (parentSub) in the bytes; the
// parentSub *bit* of the info byte is set either way. The same transaction deletes the item it
// replaced, so the update ends with a delete set naming that item's id range.
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'

const CONTENT_ANY = 8
const BIT_ORIGIN = 0x80 // info bit 8: a left origin follows
const BIT_RIGHT_ORIGIN = 0x40 // info bit 7: a right origin follows
const BIT_PARENT_SUB = 0x20 // info bit 6: the item has a parentSub (a map key)
const ROOT = 'terms'

/** The item that holds `key` in `map` now, as a writer needs it, or null (no such key yet). */
export function currentItem (map, key) {
  const item = map._map.get(key)
  if (item === undefined) return null
  return {
    client: item.id.client,
    clock: item.id.clock,
    length: item.length,
    originClock: item.id.clock + item.length - 1, // item.lastId: what a new item's origin names
    deleted: item.deleted
  }
}

/**
 * Encodes the successive writes of one client to one key of the `terms` map. Each call to
 * update() returns the update `map.set(key, value)` would produce in the writer's own Y.Doc, and
 * advances the writer's clock by one: write i of this writer has clock `firstClock + i`.
 */
export class FieldWriter {
  /**
   * @param {number} clientId the writer's Yjs client id
   * @param {string} key the map key it writes
   * @param {ReturnType<typeof currentItem>} previous the item holding the key before its first write
   * @param {number} clock the writer's next clock (0 for a client that never wrote)
   */
  constructor (clientId, key, previous, clock = 0) {
    this.clientId = clientId
    this.key = key
    this.previous = previous
    this.firstClock = clock
    this.clock = clock
  }

  /** @param {string|number} value @returns {Uint8Array} a Yjs v1 update */
  update (value) {
    const enc = encoding.createEncoder()
    const prev = this.previous
    // Structs: one client block holding one item.
    encoding.writeVarUint(enc, 1) // client blocks
    encoding.writeVarUint(enc, 1) // structs in the block
    encoding.writeVarUint(enc, this.clientId)
    encoding.writeVarUint(enc, this.clock) // clock of the block's first struct
    if (prev === null) {
      encoding.writeUint8(enc, CONTENT_ANY | BIT_PARENT_SUB)
      encoding.writeVarUint(enc, 1) // parent info: a root type, named by its key
      encoding.writeVarString(enc, ROOT)
      encoding.writeVarString(enc, this.key) // parentSub
    } else {
      encoding.writeUint8(enc, CONTENT_ANY | BIT_ORIGIN | BIT_PARENT_SUB)
      encoding.writeVarUint(enc, prev.client)
      encoding.writeVarUint(enc, prev.originClock)
    }
    encoding.writeVarUint(enc, 1) // ContentAny: one value
    encoding.writeAny(enc, value)
    // Delete set: the replaced item (Yjs deletes it whole; an item already deleted adds nothing).
    if (prev === null || prev.deleted) {
      encoding.writeVarUint(enc, 0)
    } else {
      encoding.writeVarUint(enc, 1) // clients
      encoding.writeVarUint(enc, prev.client)
      encoding.writeVarUint(enc, 1) // ranges
      encoding.writeVarUint(enc, prev.clock)
      encoding.writeVarUint(enc, prev.length)
    }
    this.previous = {
      client: this.clientId, clock: this.clock, length: 1, originClock: this.clock, deleted: false
    }
    this.clock++
    return encoding.toUint8Array(enc)
  }
}

// --- reading deliveries out of received updates ----------------------------------------------

/** Skips the rest of an Item (after its info byte); returns how many clocks it spans. */
function skipItem (dec, info) {
  if (info & BIT_ORIGIN) { decoding.readVarUint(dec); decoding.readVarUint(dec) }
  if (info & BIT_RIGHT_ORIGIN) { decoding.readVarUint(dec); decoding.readVarUint(dec) }
  if ((info & (BIT_ORIGIN | BIT_RIGHT_ORIGIN)) === 0) {
    if (decoding.readVarUint(dec) === 1) {
      decoding.readVarString(dec) // parent: a root type's name
    } else {
      decoding.readVarUint(dec); decoding.readVarUint(dec) // parent: an item id
    }
    if (info & BIT_PARENT_SUB) decoding.readVarString(dec)
  }
  switch (info & 0x1f) {
    case 1: // ContentDeleted
      return decoding.readVarUint(dec)
    case 2: { // ContentJSON
      const n = decoding.readVarUint(dec)
      for (let i = 0; i < n; i++) decoding.readVarString(dec)
      return n
    }
    case 3: // ContentBinary
      decoding.readVarUint8Array(dec)
      return 1
    case 4: // ContentString: one clock per UTF-16 code unit, as Yjs counts
      return decoding.readVarString(dec).length
    case 5: // ContentEmbed
      decoding.readVarString(dec)
      return 1
    case 6: // ContentFormat: key, JSON value
      decoding.readVarString(dec)
      decoding.readVarString(dec)
      return 1
    case 7: { // ContentType: type ref; XmlElement (3) and XmlHook (5) carry a name
      const ref = decoding.readVarUint(dec)
      if (ref === 3 || ref === 5) decoding.readVarString(dec)
      return 1
    }
    case 8: { // ContentAny
      const n = decoding.readVarUint(dec)
      for (let i = 0; i < n; i++) decoding.readAny(dec)
      return n
    }
    case 9: // ContentDoc: guid, options
      decoding.readVarString(dec)
      decoding.readAny(dec)
      return 1
    default:
      throw new Error(`unknown struct content ${info & 0x1f}`)
  }
}

/**
 * The clock ranges of `clientId`'s structs in a v1 update, pushed onto `out` as start, end
 * (end exclusive) pairs. Every client block is walked (servers merge updates of several clients
 * into one message), but only as far as needed: the walk stops at the wanted block, or at the
 * last block when it is someone else's (the delete set that follows never matters here). Skip
 * structs (gaps in a merged update) split a range: those clocks are not in the update.
 * @returns {number[]} out
 */
export function clientRanges (update, clientId, out = []) {
  const dec = decoding.createDecoder(update)
  let blocks = decoding.readVarUint(dec)
  while (blocks-- > 0) {
    const structs = decoding.readVarUint(dec)
    const client = decoding.readVarUint(dec)
    let clock = decoding.readVarUint(dec)
    const wanted = client === clientId
    if (!wanted && blocks === 0) break
    let start = clock
    for (let i = 0; i < structs; i++) {
      const info = decoding.readUint8(dec)
      const ref = info & 0x1f
      if (ref === 10) { // Skip: these clocks are missing from the update
        if (wanted && clock > start) out.push(start, clock)
        clock += decoding.readVarUint(dec)
        start = clock
      } else {
        clock += ref === 0 ? decoding.readVarUint(dec) : skipItem(dec, info) // 0 = GC
      }
    }
    if (wanted) {
      if (clock > start) out.push(start, clock)
      break
    }
  }
  return out
}

/**
 * What a receiver holds of one writer, in clocks: like Yjs, it counts a struct only once every
 * earlier clock of that writer is there (a struct after a gap waits), so "holds clock n" means
 * "holds every write up to n", exactly as an integrating Y.Doc would show it.
 */
export class ClockFront {
  constructor (next = 0) {
    this.next = next // every clock below this one is held
    this.pending = [] // [start, end) ranges seen past a gap
  }

  /** Records the ranges clientRanges() found; returns the new front. */
  add (ranges) {
    for (let i = 0; i < ranges.length; i += 2) {
      if (ranges[i] <= this.next) {
        if (ranges[i + 1] > this.next) this.next = ranges[i + 1]
      } else {
        this.pending.push(ranges[i], ranges[i + 1])
      }
    }
    // Rare (a server that reorders): absorb pending ranges the front now reaches.
    for (let moved = this.pending.length > 0; moved;) {
      moved = false
      for (let i = 0; i < this.pending.length; i += 2) {
        if (this.pending[i] <= this.next) {
          if (this.pending[i + 1] > this.next) this.next = this.pending[i + 1]
          this.pending.splice(i, 2)
          moved = true
          break
        }
      }
    }
    return this.next
  }
}

// --- proof that the hand-made bytes are Yjs's bytes ------------------------------------------

function equalBytes (a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * Throws unless FieldWriter produces byte for byte what Yjs produces, both for a key nobody has
 * written (origin-less first item: root name and key in the bytes) and for a key another client
 * already holds (as in an offer created over REST), with values whose encodings change length;
 * and unless clientRanges/ClockFront read the writes back out of single and merged updates.
 * Runs at generator start-up (a few ms), so a Yjs upgrade that changed the encoding fails loudly
 * instead of sending updates the servers would read differently.
 */
export function selfCheck () {
  const server = new Y.Doc()
  server.getMap(ROOT).set('title', 'made over REST')
  for (const [key, values, seeded] of [
    ['title', ['t c 0 17', 't c 9 1700000000000', 't c 10 5', 'ü c 11 0'], true],
    ['hourly_rate', [100_000, 100_001, 2 ** 31, 100_003], false]
  ]) {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(server))
    const map = doc.getMap(ROOT)
    const writer = new FieldWriter(doc.clientID, key, currentItem(map, key))
    if (seeded !== (writer.previous !== null)) throw new Error('selfCheck: unexpected start state')
    const sent = []
    doc.on('update', (u) => sent.push(u))
    for (const value of values) {
      const mine = writer.update(value)
      map.set(key, value)
      if (!equalBytes(mine, sent[sent.length - 1])) {
        throw new Error(`selfCheck: update for ${key}=${value} differs from Yjs's`)
      }
    }
    const merged = Y.mergeUpdates([Y.encodeStateAsUpdate(server), ...sent])
    const front = new ClockFront()
    front.add(clientRanges(sent[1], doc.clientID))
    if (front.next !== 0) throw new Error('selfCheck: a write past a gap was counted')
    front.add(clientRanges(merged, doc.clientID))
    if (front.next !== values.length) throw new Error('selfCheck: merged update misread')
    if (clientRanges(merged, server.clientID + 1).length !== 0) {
      throw new Error('selfCheck: found structs of an absent client')
    }
  }
}
