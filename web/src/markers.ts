// Question markers: a field with an open question about it shows a small "1 question" button
// that opens the conversation at that question. Markers sit inside field wrappers but never take
// the field's lock or show a focus ring there (data-lock-ignore, fields.ts).

import { h, setText } from './dom'
import type { FieldRegistry } from './fields'
import { t } from './i18n'
import type { ThreadItem } from './types'

const S = {
  text: (n: number) => t('markers.count', { n }),
  label: (n: number, topic: string) => t('markers.label', { n, topic })
}

export interface MarkerDeps {
  fields: FieldRegistry
  /** Places for topics that are not a field wrapper ("milestones": the card's title row). */
  extra: () => Map<string, HTMLElement>
  labelOf: (about: string) => string
  /** Open the conversation at this question. */
  show: (questionId: string) => void
}

interface Marker {
  el: HTMLButtonElement
  text: HTMLElement
  first: string
}

export class QuestionMarkers {
  private readonly deps: MarkerDeps
  private readonly markers = new Map<string, Marker>()

  constructor (deps: MarkerDeps) {
    this.deps = deps
  }

  /** Draw a marker on each field with open questions; drop the others. */
  render (open: readonly ThreadItem[]): void {
    const byTopic = new Map<string, ThreadItem[]>()
    for (const q of open) {
      if (typeof q.about !== 'string' || q.about === '') continue
      const list = byTopic.get(q.about) ?? []
      list.push(q)
      byTopic.set(q.about, list)
    }
    const extra = this.deps.extra()
    for (const [about, qs] of byTopic) {
      const host = this.host(about, extra)
      if (host === null) continue
      let m = this.markers.get(about)
      if (m === undefined) {
        const text = h('span', {})
        const el = h('button', {
          type: 'button',
          class: 'q-marker',
          'data-lock-ignore': '',
          'data-about': about,
          onclick: () => { const cur = this.markers.get(about); if (cur !== undefined) this.deps.show(cur.first) }
        }, h('span', { class: 'q-icon', 'aria-hidden': 'true' }, '?'), text)
        m = { el, text, first: qs[0].id }
        this.markers.set(about, m)
      }
      m.first = qs[0].id
      setText(m.text, S.text(qs.length))
      const label = S.label(qs.length, this.deps.labelOf(about))
      if (m.el.getAttribute('aria-label') !== label) m.el.setAttribute('aria-label', label)
      if (!host.contains(m.el)) this.insert(host, m.el)
    }
    for (const [about, m] of this.markers) {
      if (byTopic.has(about) && m.el.isConnected) continue
      m.el.remove()
      this.markers.delete(about)
    }
  }

  /** Move the focus to a field's marker (after jumping to the field from the conversation). */
  focus (about: string): boolean {
    const m = this.markers.get(about)
    if (m === undefined || !m.el.isConnected) return false
    m.el.focus({ preventScroll: true })
    return true
  }

  private host (about: string, extra: Map<string, HTMLElement>): HTMLElement | null {
    const view = this.deps.fields.get(about)
    if (view !== undefined) return view.wrapper.querySelector<HTMLElement>(':scope > .field-head') ?? view.wrapper
    return extra.get(about) ?? null
  }

  /** After the field's label (its first child) in a field head, else at the end. */
  private insert (host: HTMLElement, el: HTMLElement): void {
    if (host.classList.contains('field-head') && host.firstElementChild !== null) host.firstElementChild.after(el)
    else host.append(el)
  }
}
