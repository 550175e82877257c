// y-websocket v3 framing, and the Hocuspocus variant of it, as raw bytes.
//
// y-websocket: every binary frame is varUint(type) followed by the payload; type 0 is sync
// (varUint(step) + varUint8Array), 1 awareness (varUint8Array), 100 is offer-room's app message.
// Hocuspocus: the same, prefixed with varString(documentName); a socket must send an auth message
// ([name, 2, 0, varString(token)]) before the server handles anything else for that document,
// answers sync step1 with a "sync reply" (type 4), and acks each update with a sync status (8).
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export const MSG_SYNC = 0
export const MSG_AWARENESS = 1
export const MSG_AUTH = 2
export const MSG_SYNC_REPLY = 4 // Hocuspocus: a sync message that must not trigger a new step1
export const MSG_APP = 100 // offer-room: varString(JSON), e.g. {"type":"rejected",...}
export const STEP1 = 0
export const STEP2 = 1
export const UPDATE = 2

/** Framing for one document on one socket. */
export class Framing {
  /**
   * @param {'yws'|'hocuspocus'} protocol
   * @param {string} docName only used by the Hocuspocus variant
   */
  constructor (protocol, docName) {
    this.hocuspocus = protocol === 'hocuspocus'
    this.docName = docName
  }

  /** @returns {encoding.Encoder} an encoder positioned after the address prefix, if any */
  begin () {
    const enc = encoding.createEncoder()
    if (this.hocuspocus) encoding.writeVarString(enc, this.docName)
    return enc
  }

  sync (step, payload) {
    const enc = this.begin()
    encoding.writeVarUint(enc, MSG_SYNC)
    encoding.writeVarUint(enc, step)
    encoding.writeVarUint8Array(enc, payload)
    return encoding.toUint8Array(enc)
  }

  /** A one-entry awareness update: [count=1, clientID, clock, JSON state]. */
  awareness (clientId, clock, state) {
    const inner = encoding.createEncoder()
    encoding.writeVarUint(inner, 1)
    encoding.writeVarUint(inner, clientId)
    encoding.writeVarUint(inner, clock)
    encoding.writeVarString(inner, JSON.stringify(state))
    const enc = this.begin()
    encoding.writeVarUint(enc, MSG_AWARENESS)
    encoding.writeVarUint8Array(enc, encoding.toUint8Array(inner))
    return encoding.toUint8Array(enc)
  }

  /** Hocuspocus only: the token message that opens the document on this socket. */
  auth (token) {
    const enc = this.begin()
    encoding.writeVarUint(enc, MSG_AUTH)
    encoding.writeVarUint(enc, 0) // AuthMessageType.Token
    encoding.writeVarString(enc, token)
    return encoding.toUint8Array(enc)
  }

  /** @returns {{type: number, dec: decoding.Decoder}} */
  parse (data) {
    const dec = decoding.createDecoder(data)
    if (this.hocuspocus) decoding.readVarString(dec)
    return { type: decoding.readVarUint(dec), dec }
  }
}
