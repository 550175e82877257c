// Milestones of a fixed-price offer: a list of rows, each locked as one unit ("milestone:<id>").

import type { OfferDoc } from './doc'
import { h, setHidden, setText, slug, toggleClass, tr } from './dom'
import { type FieldRegistry, type FieldView, fieldChrome } from './fields'
import { currencySymbol, formatAmountInput, formatMoney, parseMoney } from './format'
import { t } from './i18n'
import type { Highlights } from './highlights'
import { type Binding, dateBinding, parsedBinding, textBinding } from './inputs'
import type { Milestone } from './types'
import { LIVE_MONEY_MS, currentLimits, moneyTooLarge } from './validate'

interface Row {
  id: string
  view: FieldView
  num: HTMLElement
  symbol: HTMLElement
  title: Binding
  amount: Binding
  due: Binding
}

export interface MilestoneDeps {
  od: OfferDoc
  fields: FieldRegistry
  highlights: Highlights
  canEdit: () => boolean
}

export const milestoneField = (id: string): string => `milestone:${id}`

export class MilestonesPanel {
  readonly card: HTMLElement
  readonly addButton: HTMLButtonElement
  private readonly list: HTMLOListElement
  private readonly empty: HTMLElement
  private readonly total: HTMLElement
  private readonly rows = new Map<string, Row>()
  private readonly deps: MilestoneDeps
  private focusNext: string | null = null

  constructor (deps: MilestoneDeps) {
    this.deps = deps
    this.list = h('ol', { class: 'ms-list', 'aria-label': tr('field.milestones') })
    this.empty = h('p', { class: 'muted empty' }, tr('milestones.empty'))
    this.total = h('p', { class: 'ms-total', role: 'status' })
    this.addButton = h('button', {
      type: 'button',
      class: 'btn btn-secondary',
      onclick: () => {
        this.focusNext = deps.od.addMilestone()
      }
    }, h('span', { 'aria-hidden': 'true' }, '+'), ' ', tr('milestones.add'))
    const head = h('div', { class: 'card-title' }, h('h2', { id: 'h-milestones' }, tr('field.milestones')))
    this.card = h('section', { class: 'card', 'aria-labelledby': 'h-milestones' },
      head, this.list, this.empty, h('div', { class: 'ms-foot' }, this.addButton, this.total))
    deps.highlights.register('milestones', this.card, head)
  }

  private makeRow (m: Milestone): Row {
    const { od, fields } = this.deps
    const id = m.id
    const base = `ms-${slug(id)}`
    const name = milestoneField(id)
    const chrome = fieldChrome()
    chrome.message.id = `${base}-msg`
    const titleInput = h('input', { id: `${base}-title`, type: 'text', maxlength: '200', autocomplete: 'off', placeholder: tr('milestones.title_placeholder') })
    const amountInput = h('input', { id: `${base}-amount`, type: 'text', inputmode: 'decimal', autocomplete: 'off' })
    const dueInput = h('input', { id: `${base}-due`, type: 'date' })
    for (const el of [titleInput, amountInput, dueInput]) el.setAttribute('aria-describedby', chrome.message.id)
    const symbol = h('span', { class: 'affix' })
    const remove = h('button', {
      type: 'button',
      class: 'btn btn-ghost btn-remove',
      title: tr('milestones.remove'),
      onclick: () => od.removeMilestone(id)
    }, h('span', { 'aria-hidden': 'true' }, '✕'), h('span', { class: 'remove-text' }, tr('milestones.remove')))
    const title = textBinding(titleInput, (v) => od.setMilestone(id, 'title', v))
    const amount = parsedBinding(amountInput, (t) => parseMoney(t, od.currency),
      (v) => formatAmountInput(typeof v === 'number' ? v : null, od.currency),
      (v) => od.setMilestone(id, 'amount', v ?? 0),
      (err, restored) => { if (err === null) fields.clearMessage(name); else fields.showMessage(name, err, restored === true ? 'info' : 'error', 8000) },
      { check: (v) => moneyTooLarge(v, currentLimits(), od.currency), liveMs: LIVE_MONEY_MS })
    const due = dateBinding(dueInput, (v) => od.setMilestone(id, 'due_date', v))
    const num = h('span', { class: 'ms-num', 'aria-hidden': 'true' })
    const wrapper = h('li', { class: 'ms-row field' },
      num,
      h('div', { class: 'ms-cell ms-title' }, h('label', { for: titleInput.id }, tr('milestones.title')), titleInput),
      h('div', { class: 'ms-cell ms-amount' }, h('label', { for: amountInput.id }, tr('milestones.amount')),
        h('div', { class: 'control-wrap' }, symbol, amountInput)),
      h('div', { class: 'ms-cell ms-due' }, h('label', { for: dueInput.id }, tr('milestones.due')), dueInput),
      h('div', { class: 'ms-cell ms-actions' }, remove),
      chrome.lockNote, chrome.message, chrome.focusTag)
    const view: FieldView = { name, wrapper, controls: () => [titleInput, amountInput, dueInput, remove], ...chrome }
    fields.register(view)
    return { id, view, num, symbol, title, amount, due }
  }

  render (): void {
    const { od, fields } = this.deps
    const items = od.draftMilestones().filter((m) => m.id !== '')
    const seen = new Set<string>()
    const sym = currencySymbol(od.currency)
    items.forEach((m, i) => {
      if (seen.has(m.id)) return
      seen.add(m.id)
      let row = this.rows.get(m.id)
      if (row === undefined) {
        row = this.makeRow(m)
        this.rows.set(m.id, row)
      }
      if (this.list.children[i] !== row.view.wrapper) this.list.insertBefore(row.view.wrapper, this.list.children[i] ?? null)
      setText(row.num, String(i + 1))
      setText(row.symbol, sym)
      row.title.render(m.title)
      row.amount.render(m.amount)
      row.due.render(m.due_date)
    })
    for (const [id, row] of this.rows) {
      if (seen.has(id)) continue
      row.view.wrapper.remove()
      fields.unregister(row.view.name)
      this.rows.delete(id)
    }
    setHidden(this.card, od.contractType !== 'fixed')
    setHidden(this.empty, items.length > 0)
    this.addButton.disabled = !this.deps.canEdit()

    const sum = items.reduce((s, m) => s + (m.amount ?? 0), 0)
    const price = od.num('fixed_price')
    const matches = price !== null && sum === price
    toggleClass(this.total, 'warn', items.length > 0 && !matches)
    const total = formatMoney(sum, od.currency)
    setText(this.total, items.length === 0
      ? ''
      : price === null ? t('milestones.total', { total })
        : t(matches ? 'milestones.total_matches' : 'milestones.total_mismatch', { total, price: formatMoney(price, od.currency) }))

    if (this.focusNext !== null) {
      const row = this.rows.get(this.focusNext)
      this.focusNext = null
      if (row !== undefined) (row.title.control as HTMLInputElement).focus()
    }
  }
}
