// The connection: the stock y-websocket provider plus offer-room's application messages (type 100)
// and a connection state a person can read (connected / reconnecting / offline / fatal).

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import type { ClientMessage, ServerMessage } from './types'
import { describeClose, type Fatal } from './closes'
import { lang } from './i18n'
import { type ConnState, INITIAL_LINK, type LinkState, nextLink } from './linkstate'

export type { Fatal } from './closes'
export type { ConnState } from './linkstate'

export const MESSAGE_APP = 100

/**
 * The stock provider re-sends every awareness change it applies, other people's included; the
 * server refuses states this connection did not introduce (and says so). Send only our own.
 */
function filterAwarenessEcho (provider: WebsocketProvider): void {
  const awareness = provider.awareness
  const own = awareness.clientID
  const original = (provider as unknown as { _awarenessUpdateHandler: AwarenessHandler })._awarenessUpdateHandler
  const filtered: AwarenessHandler = (changes, origin) => {
    const mine = (ids: number[]): number[] => ids.filter((id) => id === own)
    const next = { added: mine(changes.added), updated: mine(changes.updated), removed: mine(changes.removed) }
    if (next.added.length + next.updated.length + next.removed.length > 0) original(next, origin)
  }
  awareness.off('update', original)
  awareness.on('update', filtered)
  ;(provider as unknown as { _awarenessUpdateHandler: AwarenessHandler })._awarenessUpdateHandler = filtered
}

/**
 * On disconnect the provider drops everyone else's presence but keeps their clocks, so after a
 * reconnect the server's replay (same clocks) would be ignored until each peer's next 15 s renewal.
 */
function forgetRemoteClocks (provider: WebsocketProvider): void {
  const awareness = provider.awareness
  for (const id of [...awareness.meta.keys()]) {
    if (id !== awareness.clientID && !awareness.states.has(id)) awareness.meta.delete(id)
  }
}

type AwarenessHandler = (changes: { added: number[], updated: number[], removed: number[] }, origin: unknown) => void

export interface RoomAddress {
  offerId: string
  token: string
  wsBase: string
}

/** `/offers/{id}?token=…` -> where to connect. */
export function roomAddress (loc: Location): RoomAddress | null {
  const m = /^\/offers\/([^/]+)\/?$/.exec(loc.pathname)
  const token = new URLSearchParams(loc.search).get('token')
  if (m === null || token === null || token === '') return null
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws'
  return { offerId: decodeURIComponent(m[1]), token, wsBase: `${scheme}://${loc.host}/ws/offers` }
}

type Listener<T> = (value: T) => void

export class Connection {
  readonly provider: WebsocketProvider
  state: ConnState = 'connecting'
  fatal: Fatal | null = null
  /** True once the first full sync finished: from then on the local doc is worth editing offline. */
  everSynced = false

  private wsOpen = false
  /** The indicator's state machine (linkstate.ts) and its pending re-check. */
  private link: LinkState = INITIAL_LINK
  private recheck: ReturnType<typeof setTimeout> | null = null
  private readonly appListeners: Array<Listener<ServerMessage>> = []
  private readonly stateListeners: Array<Listener<ConnState>> = []
  private readonly openListeners: Array<() => void> = []
  private readonly syncListeners: Array<Listener<boolean>> = []

  constructor (addr: RoomAddress, doc: Y.Doc) {
    this.provider = new WebsocketProvider(addr.wsBase, addr.offerId, doc, {
      // The reader's language: the server explains and advises in it (then `set_language`).
      params: { token: addr.token, lang: lang() },
      disableBc: true
    })
    filterAwarenessEcho(this.provider)
    this.provider.messageHandlers[MESSAGE_APP] = (_encoder, decoder) => {
      const text = decoding.readVarString(decoder)
      let msg: ServerMessage
      try {
        msg = JSON.parse(text) as ServerMessage
      } catch {
        console.warn('offer-room: unreadable app message', text)
        return
      }
      for (const fn of this.appListeners) fn(msg)
    }
    this.provider.on('status', ({ status }) => {
      if (status === 'disconnected') forgetRemoteClocks(this.provider)
      const open = status === 'connected'
      this.wsOpen = open
      if (open) for (const fn of this.openListeners) fn()
      this.update()
    })
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.everSynced = true
      for (const fn of this.syncListeners) fn(synced)
      this.update()
    })
    this.provider.on('connection-close', (event) => {
      // `event` is null when the provider closed the socket itself (watchdog or disconnect()).
      if (event !== null && event.code >= 4400 && event.code < 4500) {
        this.fatal = describeClose(event.code, event.reason)
        this.update()
      }
    })
    window.addEventListener('online', () => this.update())
    window.addEventListener('offline', () => this.update())
    this.update()
  }

  get synced (): boolean {
    return this.provider.synced
  }

  onApp (fn: Listener<ServerMessage>): void { this.appListeners.push(fn) }
  onState (fn: Listener<ConnState>): void { this.stateListeners.push(fn) }
  /** Called each time a socket opens (first connect and every reconnect). */
  onOpen (fn: () => void): void { this.openListeners.push(fn) }
  onSync (fn: Listener<boolean>): void { this.syncListeners.push(fn) }

  /** Send an application message; false when there is no open socket (the caller re-sends on open). */
  send (msg: ClientMessage): boolean {
    return this.sendRaw(msg)
  }

  /**
   * The reader switched language: tell the open socket (`set_language`), and reconnect with it
   * in the URL (the provider reads its params at every connect).
   */
  setLanguage (next: string): void {
    this.provider.params.lang = next
    this.send({ type: 'set_language', lang: next })
  }

  /** Send any app message object (negotiation commands carry more fields than locks do). */
  sendRaw (msg: object): boolean {
    const ws = this.provider.ws
    if (ws === null || !this.provider.wsconnected || ws.readyState !== WebSocket.OPEN) return false
    const enc = encoding.createEncoder()
    encoding.writeVarUint(enc, MESSAGE_APP)
    encoding.writeVarString(enc, JSON.stringify(msg))
    ws.send(encoding.toUint8Array(enc))
    return true
  }

  /** The browser reported no network (rather than the server being out of reach). */
  get browserOffline (): boolean {
    return this.link.browserOffline
  }

  private update (): void {
    const { next, recheckInMs } = nextLink(this.link, { fatal: this.fatal !== null, online: navigator.onLine, open: this.wsOpen, now: Date.now() })
    this.link = next
    if (this.recheck !== null) clearTimeout(this.recheck)
    this.recheck = recheckInMs === null ? null : setTimeout(() => { this.recheck = null; this.update() }, recheckInMs)
    this.set(next.state)
  }

  private set (state: ConnState): void {
    if (state === this.state) return
    this.state = state
    for (const fn of this.stateListeners) fn(state)
  }
}
