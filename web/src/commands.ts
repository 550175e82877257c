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

/** A figure written in an English server message ("2,000"), as a number. */
function figure (text: string): number | null {
  const n = Number(text.replace(/,/g, ''))
  return Number.isFinite(n) ? n : null
}

/**
 * The catalog's sentence for an error code a person can meet (docs/PROTOCOL.md, "Error codes on
 * the socket", command and thread codes); null for one whose specifics only the server's text has.
 */
export function wordedError (e: { code: string, message?: string, retry_after_s?: number | null }): string | null {
  switch (e.code) {
    case 'stale': return t('command.stale')
    case 'offline': return t('command.offline')
    case 'timeout': return t('command.timeout')
    case 'explanation_pending': return t('command.explanation_pending')
    // Only `propose` is limited among the commands (per hour).
    case 'rate_limited': return typeof e.retry_after_s === 'number' && e.retry_after_s > 0
      ? t('command.rate_limited', { n: Math.max(1, Math.ceil(e.retry_after_s / 60)) })
      : t('error.rate_limited')
    case 'not_open': return t('error.not_open')
    case 'expired': return t('error.expired')
    case 'proposal_pending': return t('error.proposal_pending')
    case 'no_pending_proposal': return t('error.no_pending_proposal')
    case 'not_your_turn': return t('error.not_your_turn')
    case 'no_changes': return t('error.no_changes')
    case 'no_such_version': return t('error.no_such_version')
    case 'read_only': return t('error.read_only')
    case 'locked': return t('error.locked')
    case 'forbidden': return t('error.forbidden')
    case 'not_found': return t('error.not_found')
    case 'too_many_questions': return t('error.too_many_questions')
    case 'thread_full': return t('error.thread_full')
    case 'too_late': return t('error.too_late')
    case 'internal': return t('error.internal')
    case 'unavailable': return t('error.unavailable')
    case 'too_long': {
      // "… limited to 2,000 characters (this one has 2,345)": the figures, in the reader's words.
      const [max, n] = [...(e.message ?? '').matchAll(/\d[\d,]*/g)].map((m) => figure(m[0]))
      if (max != null && n != null) return t('error.too_long_counts', { max, n })
      if (max != null) return t('error.too_long_max', { max })
      return t('error.too_long')
    }
    // The field problems show at their fields; the server's sentence carries the figures.
    case 'invalid_terms': return e.message !== undefined && e.message.trim() !== '' ? t('error.invalid_terms', { reason: e.message }) : null
    default: return null
  }
}

/** What a refusal means to the person who clicked, in words (the server's text otherwise). */
export function explainError (e: CommandError): string {
  return wordedError(e) ?? (e.message || t('command.failed'))
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
