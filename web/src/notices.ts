// Notices: short toasts in a live region (server notices, errors, confirmations).

import { h } from './dom'

export interface ToastOptions {
  kind?: 'info' | 'warn' | 'error' | 'success'
  action?: { label: string, run: () => void }
  timeoutMs?: number
}

export class Notices {
  readonly region: HTMLElement

  constructor () {
    this.region = h('div', { class: 'toasts', role: 'region', 'aria-label': 'Notifications', 'aria-live': 'polite' })
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
    el.append(h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss', onclick: close }, '×'))
    this.region.append(el)
    while (this.region.children.length > 4) this.region.firstElementChild?.remove()
    setTimeout(close, opts.timeoutMs ?? 7000)
    return el
  }
}
