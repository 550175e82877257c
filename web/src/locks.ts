// Field locks: server-side leases (docs/PROTOCOL.md, "Locks"). We ask for the field we focus,
// renew every few seconds while we stay, let go on blur, and mirror the server's full lock table.
// Only the fields the room locks (`hello.lock_fields`) are asked for. A renewal says whether we
// typed since the last one (`active`): the server ends a lease `lock_idle_ms` after the last
// input, and then only typing takes the field back.

import type { Connection } from './connection'
import type { LockEntry, UserInfo } from './types'

/** Renew well inside the server's lease so one lost frame does not drop the lock. */
const RENEW_MS = 3000

export class Locks {
  private table = new Map<string, LockEntry>()
  held: string | null = null
  private ttlMs = 10_000
  private timer: ReturnType<typeof setInterval> | null = null
  /** Typed since the last renewal. */
  private active = false
  /** The field we sit in whose lease the server ended for want of input. */
  idled: string | null = null
  /** What the room locks (null: every field but the description, as before `lock_fields`). */
  private lockFields: Set<string> | null = null
  idleMs: number | null = null
  private readonly conn: Connection
  private readonly me: () => UserInfo | null

  constructor (conn: Connection, me: () => UserInfo | null) {
    this.conn = conn
    this.me = me
    // A new socket knows nothing of our lease: ask again for the field we are in.
    conn.onOpen(() => { if (this.held !== null && this.idled === null) this.renew() })
    // A lock table from a closed socket is stale; the server sends a fresh one after reconnecting.
    conn.provider.on('status', ({ status }) => { if (status === 'disconnected') this.table.clear() })
  }

  setTtl (ms: number | undefined): void {
    if (typeof ms === 'number' && ms > 0) this.ttlMs = ms
  }

  /** The room's rules from `hello`: which fields lock, and the idle limit. */
  setRules (fields: string[] | null | undefined, idleMs: number | null | undefined): void {
    this.lockFields = Array.isArray(fields) ? new Set(fields) : null
    this.idleMs = typeof idleMs === 'number' && idleMs > 0 ? idleMs : null
  }

  /** `field` (a terms key or "milestone:<id>") takes a lease while someone edits it. */
  lockable (field: string): boolean {
    if (field === 'description') return false
    if (this.lockFields === null) return true
    return this.lockFields.has(field.startsWith('milestone:') ? 'milestones' : field)
  }

  /** The person typed in the field they hold: the next renewal says so (at once after an idle release). */
  touch (): void {
    if (this.held === null) return
    this.active = true
    if (this.idled === this.held) {
      this.idled = null
      this.renew()
    }
  }

  /** The server ended our lease for want of input (`error{lock_idle}`). */
  lostToIdle (): void {
    if (this.held !== null) this.idled = this.held
  }

  private renew (): void {
    if (this.held === null) return
    this.conn.send({ type: 'lock', field: this.held, active: this.active })
    this.active = false
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
    this.idled = null
    // Focusing the field is input: the lease's idle time starts now.
    this.conn.send({ type: 'lock', field, active: true })
    this.active = false
    const every = Math.max(500, Math.min(RENEW_MS, Math.floor(this.ttlMs / 3)))
    this.timer = setInterval(() => { if (this.idled === null) this.renew() }, every)
  }

  release (field: string): void {
    if (this.held !== field) return
    this.held = null
    this.idled = null
    this.active = false
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.conn.send({ type: 'unlock', field })
  }

  requestRelease (field: string): void {
    this.conn.send({ type: 'request_release', field })
  }
}
