// Negotiation commands over the socket (docs/PROTOCOL.md, "Negotiation commands"): each carries a
// fresh id; the server answers with an `ack` or an `error` whose `ref` is that id. One command at a
// time per page, so a double click never sends two.

import type { Connection } from './connection'
import { t } from './i18n'

export interface Ack { type: 'ack', command: string, status: string, version: number, ref?: string | null, proposal_id?: string | null }
export interface CommandError {
  type: 'error'
  code: string
  message: string
  ref?: string | null
  fields?: Array<{ field: string, message: string }> | null
  retry_after_s?: number | null
}
export type CommandResult = { ok: true, ack: Ack } | { ok: false, error: CommandError }

const TIMEOUT_MS = 20_000

function newId (): string {
  const b = new Uint8Array(6)
  crypto.getRandomValues(b)
  return 'cmd-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** What a refusal means to the person who clicked, in words (the server's text otherwise). */
export function explainError (e: CommandError): string {
  switch (e.code) {
    case 'stale': return t('command.stale')
    case 'offline': return t('command.offline')
    case 'timeout': return t('command.timeout')
    case 'explanation_pending': return t('command.explanation_pending')
    // The server's sentence stays as sent; the retry hint is ours.
    case 'rate_limited': return typeof e.retry_after_s === 'number'
      ? t('command.rate_limited', { message: e.message, n: Math.max(1, Math.ceil(e.retry_after_s / 60)) })
      : e.message
    default: return e.message || t('command.failed')
  }
}

export class Commands {
  private readonly conn: Connection
  private pending: { id: string, kind: string, resolve: (r: CommandResult) => void, timer: ReturnType<typeof setTimeout> } | null = null
  private readonly listeners: Array<() => void> = []

  constructor (conn: Connection) {
    this.conn = conn
  }

  /** A command is on its way and not answered yet. */
  get busy (): boolean {
    return this.pending !== null
  }

  /** The kind of the command in flight ("propose", "revert", …), if any. */
  get inFlight (): string | null {
    return this.pending?.kind ?? null
  }

  onChange (fn: () => void): void {
    this.listeners.push(fn)
  }

  send (kind: string, fields: Record<string, unknown>): Promise<CommandResult> {
    if (this.pending !== null) {
      return Promise.resolve({ ok: false, error: { type: 'error', code: 'busy', message: t('command.busy') } })
    }
    const id = newId()
    if (!this.conn.sendRaw({ type: kind, id, ...fields })) {
      return Promise.resolve({ ok: false, error: { type: 'error', code: 'offline', message: t('command.not_connected') } })
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id === id) this.finish({ ok: false, error: { type: 'error', code: 'timeout', message: t('command.no_answer') } })
      }, TIMEOUT_MS)
      this.pending = { id, kind, resolve, timer }
      this.emit()
    })
  }

  /** Take an `ack` or `error` answering the command in flight; true when consumed. */
  handle (msg: { type: string, ref?: unknown }): boolean {
    if (this.pending === null || typeof msg.ref !== 'string' || msg.ref !== this.pending.id) return false
    if (msg.type === 'ack') this.finish({ ok: true, ack: msg as unknown as Ack })
    else if (msg.type === 'error') this.finish({ ok: false, error: msg as unknown as CommandError })
    else return false
    return true
  }

  private finish (result: CommandResult): void {
    const p = this.pending
    if (p === null) return
    clearTimeout(p.timer)
    this.pending = null
    p.resolve(result)
    this.emit()
  }

  private emit (): void {
    for (const fn of this.listeners) fn()
  }
}
