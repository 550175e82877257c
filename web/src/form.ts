// The terms form: contract basics (title, type, dates) and payment (hourly or fixed price).
// Every control has a visible <label> that is its accessible name (docs/ARCHITECTURE.md, "The
// web app").

import type { OfferDoc } from './doc'
import { type Msg, h, setHidden, setText, tr } from './dom'
import { type FieldRegistry, type FieldView, fieldChrome } from './fields'
import { currencySymbol, formatAmountInput, parseHours, parseMoney } from './format'
import { CURRENCIES, currencyOptions, switchCurrency } from './currency'
import { lang, t } from './i18n'
import type { Highlights } from './highlights'
import { type Binding, type Control, checkboxBinding, dateBinding, parsedBinding, selectBinding, textBinding } from './inputs'
import type { ScalarField } from './types'
import { LIVE_MONEY_MS, currentLimits, moneyTooLarge } from './validate'

export interface FormDeps {
  od: OfferDoc
  fields: FieldRegistry
  highlights: Highlights
}

export interface FieldSpec {
  name: string
  label: string | Msg
  control: Control
  hint?: string | Msg
  prefix?: HTMLElement
  suffix?: string | Msg
  check?: boolean
}

/** A labelled field wrapper, registered for locks, focus rings and change highlights. */
export function makeField (deps: FormDeps, spec: FieldSpec): FieldView {
  const { control } = spec
  const id = control.id
  const chrome = fieldChrome()
  const hintId = `${id}-hint`
  const msgId = `${id}-msg`
  chrome.message.id = msgId
  control.setAttribute('aria-describedby', spec.hint !== undefined ? `${hintId} ${msgId}` : msgId)
  const label = h('label', { for: id }, spec.label)
  const head = h('div', { class: 'field-head' })
  let body: HTMLElement
  if (spec.check === true) {
    head.append(h('span', { class: 'check' }, control, label))
    body = h('div')
  } else {
    head.append(label)
    body = h('div', { class: 'control-wrap' }, spec.prefix ?? null, control,
      spec.suffix !== undefined ? h('span', { class: 'affix' }, spec.suffix) : null)
  }
  const wrapper = h('div', { class: `field${spec.check === true ? ' field-check' : ''}` },
    head, spec.check === true ? null : body,
    spec.hint !== undefined ? h('p', { class: 'hint', id: hintId }, spec.hint) : null,
    chrome.lockNote, chrome.message, chrome.focusTag)
  const view: FieldView = { name: spec.name, wrapper, controls: () => [control], ...chrome }
  deps.fields.register(view)
  deps.highlights.register(spec.name, wrapper, head)
  return view
}

function input (id: string, attrs: Record<string, string | Msg> = {}): HTMLInputElement {
  const el = h('input', { id, name: id, autocomplete: 'off', ...attrs })
  return el
}

export class TermsForm {
  readonly contractCard: HTMLElement
  readonly paymentCard: HTMLElement
  private readonly bindings: Array<[ScalarField, Binding]> = []
  private readonly hourlyGroup: HTMLElement
  private readonly fixedGroup: HTMLElement
  private readonly prefixes: HTMLElement[] = []
  private readonly moneyInputs: HTMLInputElement[] = []
  private readonly currencyNote: HTMLElement
  private readonly currencySelect: HTMLSelectElement
  private readonly deps: FormDeps

  constructor (deps: FormDeps) {
    this.deps = deps
    const { od } = deps
    const report = (name: string) => (error: string | null, restored = false): void => {
      if (error === null) deps.fields.clearMessage(name)
      else deps.fields.showMessage(name, error, restored ? 'info' : 'error', 8000)
    }
    const money = (name: 'hourly_rate' | 'fixed_price'): Binding => {
      const el = input(`f-${name}`, { type: 'text', inputmode: 'decimal', placeholder: formatAmountInput(0, od.currency) })
      this.moneyInputs.push(el)
      return parsedBinding(el, (t) => parseMoney(t, od.currency),
        (v) => formatAmountInput(typeof v === 'number' ? v : null, od.currency),
        (v) => od.setTerm(name, v), report(name),
        // Never over the largest amount (said in money, not "cents"); typed amounts reach the
        // other party live, while the field is locked to them.
        { check: (v) => moneyTooLarge(v, currentLimits(), od.currency), liveMs: LIVE_MONEY_MS })
    }
    const prefix = (): HTMLElement => {
      const el = h('span', { class: 'affix' })
      this.prefixes.push(el)
      return el
    }

    const title = textBinding(input('f-title', { type: 'text', maxlength: '200', placeholder: tr('form.title_placeholder') }),
      (v) => od.setTerm('title', v))
    const typeSelect = h('select', { id: 'f-contract_type', name: 'contract_type' },
      h('option', { value: 'hourly' }, tr('contract.hourly')), h('option', { value: 'fixed' }, tr('contract.fixed')))
    const type = selectBinding(typeSelect, (v) => od.setTerm('contract_type', v))
    // The currency while the offer is a draft (disabled with the other fields otherwise); its
    // options are named in the reader's language (currency.ts), drawn in render().
    this.currencySelect = h('select', { id: 'f-currency', name: 'currency' })
    const currency = selectBinding(this.currencySelect, (v) => {
      if (switchCurrency(od, v)) deps.fields.showMessage('currency', t('form.currency_rounded', { currency: v }), 'info', 8000)
    })
    const start = dateBinding(input('f-start_date', { type: 'date' }), (v) => od.setTerm('start_date', v))
    const end = dateBinding(input('f-end_date', { type: 'date' }), (v) => od.setTerm('end_date', v))
    const rate = money('hourly_rate')
    const fixed = money('fixed_price')
    const limitInput = input('f-weekly_limit', { type: 'text', inputmode: 'numeric', placeholder: tr('form.no_limit') })
    const limit = parsedBinding(limitInput, (t) => parseHours(t),
      (v) => (typeof v === 'number' ? String(v) : ''), (v) => od.setTerm('weekly_limit', v), report('weekly_limit'))
    const manual = checkboxBinding(input('f-manual_time', { type: 'checkbox' }), (v) => od.setTerm('manual_time', v))

    this.bindings.push(['title', title], ['contract_type', type], ['start_date', start], ['end_date', end],
      ['hourly_rate', rate], ['weekly_limit', limit], ['manual_time', manual], ['fixed_price', fixed],
      ['currency', currency])

    // Each label is the field's name from the catalog ("field.<name>").
    const f = (name: ScalarField, b: Binding, more: Partial<FieldSpec> = {}): HTMLElement =>
      makeField(deps, { name, label: tr(`field.${name}`), control: b.control, ...more }).wrapper

    this.contractCard = h('section', { class: 'card', 'aria-labelledby': 'h-contract' },
      h('h2', { id: 'h-contract' }, tr('form.contract')),
      f('title', title),
      h('div', { class: 'grid-3' },
        f('contract_type', type),
        f('start_date', start),
        f('end_date', end, { hint: tr('form.optional') })))

    this.currencyNote = h('span', { class: 'card-note' })
    this.hourlyGroup = h('div', { class: 'grid-2' },
      f('hourly_rate', rate, { prefix: prefix(), suffix: tr('unit.per_hour_suffix') }),
      f('weekly_limit', limit, { suffix: tr('unit.hours_week_suffix'), hint: tr('form.weekly_limit_hint') }),
      h('div', { class: 'span-2' },
        f('manual_time', manual, { check: true, hint: tr('form.manual_time_hint') })))
    this.fixedGroup = h('div', { class: 'grid-2' },
      f('fixed_price', fixed, { prefix: prefix(), hint: tr('form.fixed_price_hint') }))
    this.paymentCard = h('section', { class: 'card', 'aria-labelledby': 'h-payment' },
      h('div', { class: 'card-title' }, h('h2', { id: 'h-payment' }, tr('form.payment')), this.currencyNote),
      h('div', { class: 'grid-2' }, f('currency', currency, { hint: tr('form.currency_hint') })),
      this.hourlyGroup, this.fixedGroup)
  }

  render (): void {
    const { od } = this.deps
    this.renderCurrencies(od.str('currency'))
    for (const [key, binding] of this.bindings) binding.render(od.term(key))
    const fixed = od.contractType === 'fixed'
    setHidden(this.hourlyGroup, fixed)
    setHidden(this.fixedGroup, !fixed)
    const sym = currencySymbol(od.currency)
    for (const p of this.prefixes) setText(p, sym)
    // "0.00" or "0,00": the current language's figures and the offer's currency.
    const zero = formatAmountInput(0, od.currency)
    for (const el of this.moneyInputs) if (el.placeholder !== zero) el.placeholder = zero
    setText(this.currencyNote, t('form.currency_note', { contract: t(fixed ? 'contract.fixed' : 'contract.hourly'), currency: od.currency }))
  }

  /** The currency picker's options, redrawn when the language (their names) or the code changes. */
  private renderCurrencies (current: string | null): void {
    const key = `${lang()}|${current !== null && CURRENCIES.includes(current) ? '' : current ?? ''}`
    if (this.currencySelect.dataset.key === key) return
    this.currencySelect.dataset.key = key
    const options = currencyOptions(current)
    this.currencySelect.replaceChildren(...options.map((o) => h('option', { value: o.code }, o.label)))
    this.currencySelect.value = current ?? ''
  }
}
