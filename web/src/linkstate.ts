// What the connection indicator says, as a pure state machine (issue 15): a drop shorter than
// RECONNECT_GRACE_MS is not worth telling anyone about; after it the page says "Reconnecting…";
// after OFFLINE_AFTER_MS without a connection it says "Offline" (the provider keeps trying, and
// the first open socket makes it "Live" again). The browser reporting no network is "Offline" at
// once. connection.ts feeds it the facts and re-asks after `recheckInMs`.

/** A dropped link that comes back within this long is not worth telling anyone about. */
export const RECONNECT_GRACE_MS = 5000
/** This long without a connection (counted from the drop) and the page says "Offline". */
export const OFFLINE_AFTER_MS = 20_000

export type ConnState = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'fatal'

export interface LinkState {
  state: ConnState
  /** When the link went down (ms), or null while it is up. */
  downSince: number | null
  /** The browser itself reported no network (navigator.onLine false). */
  browserOffline: boolean
}

export interface LinkFacts {
  fatal: boolean
  /** navigator.onLine */
  online: boolean
  /** A socket is open. */
  open: boolean
  now: number
}

export const INITIAL_LINK: LinkState = { state: 'connecting', downSince: null, browserOffline: false }

/** The next state, and in how many ms to ask again (null: nothing changes until a fact does). */
export function nextLink (prev: LinkState, f: LinkFacts): { next: LinkState, recheckInMs: number | null } {
  if (f.fatal) return { next: { ...prev, state: 'fatal', browserOffline: !f.online }, recheckInMs: null }
  // The browser says there is no network: offline at once, even while a dead socket still looks open.
  if (!f.online) return { next: { state: 'offline', downSince: prev.downSince ?? f.now, browserOffline: true }, recheckInMs: null }
  if (f.open) return { next: { state: 'connected', downSince: null, browserOffline: false }, recheckInMs: null }
  // Online but no socket. The network just came back: count afresh, and say we are on it.
  const fresh = prev.downSince === null || prev.browserOffline
  const downSince = fresh ? f.now : prev.downSince ?? f.now
  const elapsed = f.now - downSince
  const base = { downSince, browserOffline: false }
  if (elapsed >= OFFLINE_AFTER_MS) return { next: { ...base, state: 'offline' }, recheckInMs: null }
  if (elapsed >= RECONNECT_GRACE_MS || prev.state === 'reconnecting' || prev.state === 'offline' || prev.state === 'fatal') {
    return { next: { ...base, state: 'reconnecting' }, recheckInMs: OFFLINE_AFTER_MS - elapsed }
  }
  return { next: { ...base, state: prev.state }, recheckInMs: RECONNECT_GRACE_MS - elapsed }
}
