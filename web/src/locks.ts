// Field locks: server-side leases (docs/PROTOCOL.md, "Locks"). We ask for the field we focus,
// renew every few seconds while we stay, let go on blur, and mirror the server's full lock table.

import type { Connection } from './connection'
import type { LockEntry, UserInfo } from './types'

/** Renew well inside the server's lease so one lost frame does not drop the lock. */
const RENEW_MS = 3000

export class Locks {
  private table = new Map<string, LockEntry>()
  held: string | null = null
  private ttlMs = 10_000
  private timer: ReturnType<typeof setInterval> | null = null
  private readonly conn: Connection
  private readonly me: () => UserInfo | null

  constructor (conn: Connection, me: () => UserInfo | null) {
    this.conn = conn
    this.me = me
    // A new socket knows nothing of our lease: ask again for the field we are in.
    conn.onOpen(() => { if (this.held !== null) this.conn.send({ type: 'lock', field: this.held }) })
    // A lock table from a closed socket is stale; the server sends a fresh one after reconnecting.
    conn.provider.on('status', ({ status }) => { if (status === 'disconnected') this.table.clear() })
  }

  setTtl (ms: number | undefined): void {
    if (typeof ms === 'number' && ms > 0) this.ttlMs = ms
  }

  apply (entries: LockEntry[]): void {
    this.table = new Map(entries.map((e) => [e.field, e]))
  }

  holder (field: string): UserInfo | null {
    return this.table.get(field)?.user ?? null
  }

  /** The person holding `field`, when it is not us. */
  heldByOther (field: string): UserInfo | null {
    const u = this.holder(field)
    const me = this.me()
    if (u === null || (me !== null && u.id === me.id)) return null
    return u
  }

  entries (): LockEntry[] {
    return [...this.table.values()]
  }

  acquire (field: string): void {
    if (this.held === field) return
    if (this.held !== null) this.release(this.held)
    this.held = field
    this.conn.send({ type: 'lock', field })
    const every = Math.max(500, Math.min(RENEW_MS, Math.floor(this.ttlMs / 3)))
    this.timer = setInterval(() => { if (this.held !== null) this.conn.send({ type: 'lock', field: this.held }) }, every)
  }

  release (field: string): void {
    if (this.held !== field) return
    this.held = null
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.conn.send({ type: 'unlock', field })
  }

  requestRelease (field: string): void {
    this.conn.send({ type: 'request_release', field })
  }
}
