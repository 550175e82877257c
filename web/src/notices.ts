// Notices: short toasts in a live region (server notices, errors, confirmations).

import { h, tr } from './dom'
import { t } from './i18n'
import { reasonLabel } from './outcomes'
import { FIELD_LABELS, fieldLabel } from './types'

export interface ToastOptions {
  kind?: 'info' | 'warn' | 'error' | 'success'
  action?: { label: string, run: () => void }
  timeoutMs?: number
}

export class Notices {
  readonly region: HTMLElement

  constructor () {
    this.region = h('div', { class: 'toasts', role: 'region', 'aria-label': tr('notices.region'), 'aria-live': 'polite' })
  }

  /** Drop every toast (the news they carried is out of date, e.g. the offer just closed). */
  clear (): void {
    this.region.replaceChildren()
  }

  toast (text: string, opts: ToastOptions = {}): HTMLElement {
    const kind = opts.kind ?? 'info'
    const close = (): void => {
      el.classList.add('leaving')
      setTimeout(() => el.remove(), 180)
    }
    const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
      h('span', { class: 'toast-text' }, text))
    if (opts.action !== undefined) {
      const { label, run } = opts.action
      el.append(h('button', { type: 'button', class: 'btn btn-small', onclick: () => { run(); close() } }, label))
    }
    el.append(h('button', { type: 'button', class: 'toast-close', 'aria-label': tr('common.dismiss'), onclick: close }, '×'))
    this.region.append(el)
    while (this.region.children.length > 3) this.region.firstElementChild?.remove()
    setTimeout(close, opts.timeoutMs ?? 7000)
    return el
  }
}

/** How a server `notice` of each kind is shown: its tone, how long it stays, what it links to. */
export function noticeStyle (kind: string): { kind: NonNullable<ToastOptions['kind']>, timeoutMs: number, link: 'proposal' | 'history' | null } {
  switch (kind) {
    case 'proposed': return { kind: 'info', timeoutMs: 10_000, link: 'proposal' }
    case 'proposal_accepted': return { kind: 'success', timeoutMs: 8000, link: 'history' }
    case 'proposal_decided': return { kind: 'info', timeoutMs: 10_000, link: 'proposal' }
    case 'proposal_rejected': case 'proposal_withdrawn': return { kind: 'warn', timeoutMs: 10_000, link: null }
    case 'reverted': return { kind: 'info', timeoutMs: 10_000, link: 'history' }
    case 'offer_agreed': case 'offer_accepted': return { kind: 'success', timeoutMs: 12_000, link: null }
    case 'offer_withdrawn': case 'offer_declined': case 'offer_expired': return { kind: 'warn', timeoutMs: 12_000, link: null }
    default: return { kind: 'info', timeoutMs: 7000, link: null }
  }
}

/** A `notice` as it arrives (docs/PROTOCOL.md, "Server → client"). */
export interface NoticeLike {
  kind: string
  text: string
  field?: string | null
  by?: { name: string } | null
  params?: Record<string, unknown>
}

export interface NoticeContext {
  /** A draft milestone's title by id (a reminder about a question on it), null when unknown. */
  milestoneTitle?: (id: string) => string | null
}

const str = (v: unknown): string | null => typeof v === 'string' && v.trim() !== '' ? v.trim() : null
const count = (v: unknown): number | null => typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null

/**
 * A notice in the reader's language, from its kind, `by`, `field` and `params`; the server's
 * English `text` for a kind or figures this app does not know.
 */
export function noticeText (n: NoticeLike, ctx: NoticeContext = {}): string {
  const p = n.params ?? {}
  if (n.kind === 'reminder') return reminderText(p, ctx) ?? n.text
  if (n.kind === 'offer_expired') return t('notice.offer_expired')
  const name = str(n.by?.name)
  if (name === null) return n.text
  const reason = str(p.reason)
  const version = count(p.version)
  // The category (offer_withdrawn, offer_declined, proposal_rejected), in the reader's words.
  const category = reasonLabel(p.reason_code)
  const coded = (kind: string): string => reason === null ? t(`notice.${kind}_code`, { name, category: category ?? '' }) : t(`notice.${kind}_code_reason`, { name, category: category ?? '', reason })
  if (category !== null && (n.kind === 'offer_withdrawn' || n.kind === 'offer_declined' || n.kind === 'proposal_rejected')) return coded(n.kind)
  switch (n.kind) {
    case 'proposed': return t('notice.proposed', { name })
    case 'proposal_accepted': return version === null ? n.text : t('notice.proposal_accepted', { name, version: String(version) })
    case 'proposal_rejected': return reason === null ? t('notice.proposal_rejected', { name }) : t('notice.proposal_rejected_reason', { name, reason })
    case 'proposal_decided': return version === null ? t('notice.proposal_countered', { name })
      : t(count(p.countered) !== null ? 'notice.proposal_decided_counter' : 'notice.proposal_decided', { name, version: String(version) })
    case 'proposal_withdrawn': return reason === null ? t('notice.proposal_withdrawn', { name }) : t('notice.proposal_withdrawn_reason', { name, reason })
    case 'reverted': return version === null ? n.text : t('notice.reverted', { name, version: String(version) })
    case 'offer_accepted': return t('notice.offer_accepted', { name })
    case 'offer_withdrawn': return reason === null ? t('notice.offer_withdrawn', { name }) : t('notice.offer_withdrawn_reason', { name, reason })
    case 'offer_declined': return reason === null ? t('notice.offer_declined', { name }) : t('notice.offer_declined_reason', { name, reason })
    case 'release_requested': return n.field == null ? n.text : t('locks.release_requested', { name, field: fieldLabel(n.field) })
    default: return n.text
  }
}

/** A reminder's sentence (params `reminder`, `days`/`hours`, `who`, `about`), null when unknown. */
function reminderText (p: Record<string, unknown>, ctx: NoticeContext): string | null {
  switch (p.reminder) {
    case 'expires_72h': case 'expires_24h': {
      const days = count(p.days)
      const hours = count(p.hours)
      if (days === 1) return t('reminder.expires_tomorrow')
      if (days !== null) return t('reminder.expires_days', { n: days })
      if (hours !== null) return t('reminder.expires_hours', { n: hours })
      return null
    }
    case 'waiting': {
      const name = str(p.who)
      const about = str(p.about)
      if (name === null || about === null) return null
      if (about === 'proposal') return t('reminder.waiting_proposal', { name })
      if (about === 'offer') return t('reminder.waiting_offer', { name })
      if (about.startsWith('proposal:')) return t('reminder.waiting_question_proposal', { name })
      if (about.startsWith('milestone:')) {
        const title = str(ctx.milestoneTitle?.(about.slice('milestone:'.length)))
        return title === null ? t('reminder.waiting_a_milestone', { name }) : t('reminder.waiting_milestone', { name, title })
      }
      return about in FIELD_LABELS ? t('reminder.waiting_field', { name, field: fieldLabel(about) }) : null
    }
    default: return null
  }
}
