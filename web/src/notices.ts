// Notices: short toasts in a live region (server notices, errors, confirmations).

import { h, tr } from './dom'

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
    case 'proposal_rejected': case 'proposal_withdrawn': return { kind: 'warn', timeoutMs: 10_000, link: null }
    case 'reverted': return { kind: 'info', timeoutMs: 10_000, link: 'history' }
    case 'offer_agreed': case 'offer_accepted': return { kind: 'success', timeoutMs: 12_000, link: null }
    case 'offer_withdrawn': case 'offer_declined': case 'offer_expired': return { kind: 'warn', timeoutMs: 12_000, link: null }
    default: return { kind: 'info', timeoutMs: 7000, link: null }
  }
}
