// The offer check and the draft's private flags (the server's `advice`, one per reader, recomputed
// as the draft changes): "What this offer still lacks" lists each prompt — the reader's own ones
// take them to the field, the other party's ones send that party a question in one click — with a
// small marker on each field a prompt is about; the risk flags of the draft's text that concern
// this reader show in a box only they see.

import { checkKey, checkRelation, checksByField, sortChecks } from './assist-logic'
import { explainThreadError } from './composer'
import { h, setHidden, setText, toggleClass } from './dom'
import type { FieldRegistry } from './fields'
import { t } from './i18n'
import { flagTitle } from './proposal'
import { isOwn, type Thread } from './thread'
import { type CheckItem, type FlagOut, type UserInfo, fieldLabel } from './types'

export interface CheckDeps {
  thread: Thread
  fields: FieldRegistry
  me: () => UserInfo | null
  /** The other party's name, for "For Linus to add" and the ask button's label. */
  otherName: () => string | null
  /** A question can be posted now (a party, connected, the offer open). */
  canAsk: () => boolean
  /** Take the reader to a field to fill it in. */
  focusField: (field: string) => void
  /** Where a field's marker goes when it is not a field wrapper ("milestones": its card's title). */
  extraHost: (field: string) => HTMLElement | null
}

interface Row {
  li: HTMLLIElement
  item: CheckItem
  key: string
  drawn: string
}

type AskState = 'asking' | 'asked'

let seq = 0

export class CheckPanel {
  readonly el: HTMLElement
  private readonly head = h('h3', { class: 'ax-head' })
  private readonly list = h('ul', { class: 'ax-list' })
  private readonly deps: CheckDeps
  private items: CheckItem[] = []
  private readonly rows = new Map<string, Row>()
  private readonly asks = new Map<string, AskState>()
  private readonly errors = new Map<string, string>()
  private readonly markers = new Map<string, HTMLButtonElement>()
  private readonly id = `ax-check-${++seq}`
  private show = false

  constructor (deps: CheckDeps) {
    this.deps = deps
    this.head.id = `${this.id}-h`
    this.el = h('section', { class: 'ax-check', 'aria-labelledby': this.head.id, hidden: true }, this.head, this.list)
  }

  /** The latest `advice.check`. */
  setItems (items: readonly CheckItem[]): void {
    this.items = sortChecks(items)
  }

  get count (): number {
    return this.items.length
  }

  /** Draw the list (hidden when `show` is false or nothing is missing) and the field markers. */
  render (show = this.show): void {
    this.show = show
    const user = this.deps.me()
    const visible = show && user !== null && user.role !== 'viewer' && this.items.length > 0
    setHidden(this.el, !visible)
    setText(this.head, t('assist.check.title'))
    if (!visible || user === null) {
      this.dropRows(new Set())
      this.renderMarkers(new Map())
      return
    }
    const keep = new Set<string>()
    this.items.forEach((item, i) => {
      const key = checkKey(item)
      keep.add(key)
      let row = this.rows.get(key)
      if (row === undefined) {
        const li = h('li', { class: 'ax-item', id: `${this.id}-${++seq}`, tabindex: '-1' })
        row = { li, item, key, drawn: '' }
        this.rows.set(key, row)
      }
      row.item = item
      this.drawRow(row, user)
      if (this.list.children[i] !== row.li) this.list.insertBefore(row.li, this.list.children[i] ?? null)
    })
    this.dropRows(keep)
    this.renderMarkers(checksByField(this.items))
  }

  /** Scroll to the first prompt about `field` and give it the focus (from a field's marker). */
  reveal (field: string): void {
    const item = this.items.find((it) => it.field === field)
    const row = item === undefined ? undefined : this.rows.get(checkKey(item))
    if (row === undefined) return
    row.li.scrollIntoView({ behavior: 'smooth', block: 'center' })
    row.li.focus({ preventScroll: true })
    row.li.classList.remove('ax-flash')
    void row.li.offsetWidth
    row.li.classList.add('ax-flash')
  }

  private dropRows (keep: Set<string>): void {
    for (const [key, row] of this.rows) {
      if (keep.has(key)) continue
      row.li.remove()
      this.rows.delete(key)
    }
  }

  /** The reader already asked this (here, or an open question of theirs with these words). */
  private asked (item: CheckItem, meId: string): boolean {
    if (this.asks.get(checkKey(item)) === 'asked') return true
    return this.deps.thread.openQuestions(item.field).some((q) => isOwn(q, meId) && q.body === item.question)
  }

  private drawRow (row: Row, user: UserInfo): void {
    const { item, key } = row
    const rel = checkRelation(item, user.role)
    const other = this.deps.otherName()
    const askState = this.asked(item, user.id) ? 'asked' : this.asks.get(key) ?? null
    const canAsk = this.deps.canAsk()
    const error = this.errors.get(key) ?? null
    const drawn = JSON.stringify([item, rel, other, askState, canAsk, error, t('assist.check.ask')])
    if (drawn === row.drawn) return
    // Keep the focus where it was when a row is redrawn under it (Ask -> Asked).
    const hadFocus = row.li.contains(document.activeElement) && document.activeElement !== row.li
    row.drawn = drawn
    row.li.className = `ax-item ax-${item.severity === 'warning' ? 'warning' : 'info'}`
    row.li.dataset.code = item.code
    row.li.dataset.field = item.field
    const field = fieldLabel(item.field)
    const whose = rel === 'mine' ? t('assist.check.owner.mine')
      : rel === 'both' ? t('assist.check.owner.both')
        : other === null ? t('assist.check.owner.theirs') : t('assist.check.owner.named', { name: other })
    const sev = h('span', { class: 'sr-only' }, `${t(item.severity === 'warning' ? 'assist.check.sev.warning' : 'assist.check.sev.info')}: `)
    const text = rel === 'theirs'
      ? h('p', { class: 'ax-text' }, sev, item.text)
      : h('p', { class: 'ax-text' }, sev, h('button', {
        type: 'button',
        class: 'btn-link ax-fix',
        title: t('assist.check.fix', { field }),
        onclick: () => this.deps.focusField(item.field)
      }, item.text))
    const meta = h('p', { class: 'ax-meta' }, h('span', { class: 'ax-field' }, field), h('span', { 'aria-hidden': 'true' }, ' · '), h('span', { class: 'sr-only' }, ', '), whose)
    let action: HTMLElement | null = null
    if (rel !== 'mine' && item.question.trim() !== '') {
      if (askState === 'asked') {
        action = h('span', { class: 'ax-asked', role: 'status' }, h('span', { 'aria-hidden': 'true' }, '✓ '), t('assist.check.asked'))
      } else {
        const label = other === null ? t('assist.check.askLabel', { question: item.question }) : t('assist.check.askLabelNamed', { name: other, question: item.question })
        action = h('button', {
          type: 'button',
          class: 'btn btn-small btn-secondary ax-ask',
          // The name stays the visible words; what will be sent is its description.
          title: label,
          disabled: askState === 'asking' || !canAsk,
          onclick: () => { void this.ask(item) }
        }, askState === 'asking' ? t('assist.check.asking') : t('assist.check.ask'))
      }
    }
    const err = error === null ? null : h('p', { class: 'ax-error', role: 'alert' }, error)
    row.li.replaceChildren(h('span', { class: 'ax-dot', 'aria-hidden': 'true' }), h('div', { class: 'ax-body' }, text,
      h('div', { class: 'ax-foot' }, meta, action), err))
    if (hadFocus) (row.li.querySelector<HTMLElement>('button:not(:disabled)') ?? row.li).focus({ preventScroll: true })
  }

  /** Send the item's question to the other party, through the thread like any question. */
  private async ask (item: CheckItem): Promise<void> {
    const key = checkKey(item)
    if (this.asks.has(key) || !this.deps.canAsk()) return
    this.asks.set(key, 'asking')
    this.errors.delete(key)
    this.render()
    const r = await this.deps.thread.post('question', item.question, item.field)
    if (r.ok) {
      this.asks.set(key, 'asked')
    } else {
      this.asks.delete(key)
      this.errors.set(key, explainThreadError(r.error))
    }
    this.render()
  }

  // --- markers on the fields --------------------------------------------------------------------

  private host (field: string): HTMLElement | null {
    const view = this.deps.fields.get(field)
    if (view !== undefined) {
      if (view.wrapper.getClientRects().length === 0) return null
      return view.wrapper.querySelector<HTMLElement>(':scope > .field-head') ?? view.wrapper
    }
    return this.deps.extraHost(field)
  }

  private renderMarkers (byField: Map<string, CheckItem[]>): void {
    for (const [field, items] of byField) {
      const host = this.host(field)
      let m = this.markers.get(field)
      if (host === null) {
        m?.remove()
        continue
      }
      if (m === undefined) {
        m = h('button', {
          type: 'button',
          class: 'ax-marker',
          'data-lock-ignore': '',
          'data-field': field,
          onclick: () => this.reveal(field)
        }, h('span', { class: 'ax-marker-icon', 'aria-hidden': 'true' }, '!'))
        this.markers.set(field, m)
      }
      const warn = items.some((it) => it.severity === 'warning')
      toggleClass(m, 'ax-marker-info', !warn)
      const label = items.length === 1
        ? t('assist.marker.one', { text: items[0].text })
        : t('assist.marker.many', { n: items.length, field: fieldLabel(field) })
      if (m.getAttribute('aria-label') !== label) {
        m.setAttribute('aria-label', label)
        m.title = label
      }
      if (!host.contains(m)) {
        if (host.classList.contains('field-head') && host.firstElementChild !== null) host.firstElementChild.after(m)
        else host.append(m)
      }
    }
    for (const [field, m] of this.markers) {
      if (byField.has(field) && m.isConnected) continue
      m.remove()
      this.markers.delete(field)
    }
  }
}

// --- the draft's private flags --------------------------------------------------------------------

const SEVERITIES = new Set(['danger', 'warning', 'info'])

function flagWhere (source: string): string {
  if (source === '' || source === 'terms') return ''
  const m = /^milestones\[(\d+)\]/.exec(source)
  if (m !== null) return t('assist.flags.milestone', { n: Number(m[1]) + 1 })
  return fieldLabel(source)
}

export class DraftFlags {
  readonly el: HTMLElement
  private readonly head = h('p', { class: 'neg-flags-head ax-flags-head' })
  private readonly body = h('div', { class: 'ax-flags-list' })
  private readonly foot = h('p', { class: 'flag-foot' })
  private flags: FlagOut[] = []
  private key = ''

  constructor () {
    this.head.id = `ax-flags-${++seq}`
    this.el = h('div', { class: 'ax-flags', role: 'group', 'aria-labelledby': this.head.id, hidden: true }, this.head, this.body, this.foot)
  }

  setFlags (flags: readonly FlagOut[]): void {
    this.flags = [...flags]
  }

  get count (): number {
    return this.flags.length
  }

  render (show: boolean): void {
    const visible = show && this.flags.length > 0
    setHidden(this.el, !visible)
    if (!visible) return
    const rank = (s: string): number => s === 'danger' ? 0 : s === 'warning' ? 1 : 2
    const sorted = [...this.flags].sort((a, b) => rank(a.severity) - rank(b.severity))
    const key = JSON.stringify([sorted, t('assist.flags.head')])
    if (key === this.key) return
    this.key = key
    this.head.replaceChildren(t('assist.flags.head'),
      h('span', { class: 'neg-flags-sub' }, ` · ${t('assist.flags.sub', { n: sorted.length })}`))
    this.body.replaceChildren(...sorted.map((f) => {
      const sev = SEVERITIES.has(f.severity) ? f.severity : 'info'
      const where = flagWhere(f.source)
      return h('div', { class: `flag flag-${sev}`, role: 'note', 'data-code': f.code },
        h('p', { class: 'flag-title' }, h('span', { class: 'flag-sev' }, t(`assist.flags.sev.${sev}`)), h('span', {}, flagTitle(f.code))),
        h('p', { class: 'flag-msg' }, f.message),
        f.evidence !== ''
          ? h('p', { class: 'flag-evidence' }, h('q', {}, f.evidence), where !== '' ? h('span', { class: 'flag-where' }, ` — ${where}`) : null)
          : null)
    }))
    setText(this.foot, t('assist.flags.foot'))
  }
}
