// Change highlights: a field whose draft differs from the agreed (committed) version is tinted in
// the colour of whoever changed it, and shows the agreed value on hover, focus or tap.

import { changedByText } from './attribution'
import type { OfferDoc } from './doc'
import { h, setHidden, setText, toggleClass } from './dom'
import { formatDate, formatMoney } from './format'
import { t } from './i18n'
import type { Milestone, PartyRef, ScalarField } from './types'

interface Target {
  name: string
  wrapper: HTMLElement
  chip: HTMLButtonElement
  agreed: HTMLElement
}

export interface Change {
  field: string
  /** The last of `changers` (the most recent party to start changing the field), or null. */
  by: PartyRef | null
  /** Everyone who changed the field since the agreed version, in the order they first did. */
  changers: PartyRef[]
  agreed: string
}

const HOURLY_ONLY = new Set(['hourly_rate', 'weekly_limit', 'manual_time'])
const FIXED_ONLY = new Set(['fixed_price', 'milestones'])

function normalise (field: string, v: unknown): unknown {
  if (v === undefined || v === null || v === '') return field === 'manual_time' ? false : null
  return v
}

function sameMilestones (a: Milestone[], b: Milestone[]): boolean {
  if (a.length !== b.length) return false
  return a.every((m, i) => m.id === b[i].id && m.title === b[i].title && m.amount === b[i].amount &&
    (m.due_date ?? null) === (b[i].due_date ?? null))
}

/** A field's value in words a person reads ("$45.00/h", "no limit", "Fixed price"). */
export function describeValue (field: string, v: unknown, currency: string): string {
  switch (field) {
    case 'hourly_rate': return typeof v === 'number' ? t('unit.per_hour', { amount: formatMoney(v, currency) }) : t('value.not_set')
    case 'fixed_price': return typeof v === 'number' ? formatMoney(v, currency) : t('value.not_set')
    case 'weekly_limit': return typeof v === 'number' ? t('unit.hours_per_week', { n: v }) : t('value.no_limit')
    case 'manual_time': return v === true ? t('value.allowed') : t('value.not_allowed')
    case 'contract_type': return v === 'fixed' ? t('contract.fixed') : t('contract.hourly')
    case 'start_date':
    case 'end_date': return typeof v === 'string' ? formatDate(v) : t('value.not_set')
    case 'description': {
      const text = typeof v === 'string' ? v.trim() : ''
      return text === '' ? t('value.empty') : t('value.quoted', { text: text.length > 140 ? text.slice(0, 140) + '…' : text })
    }
    default: return v === null || v === undefined ? t('value.not_set') : t('value.quoted', { text: String(v) })
  }
}

/** The agreed value of a field, in words a person reads ("$45.00/h"). */
export function describeAgreed (od: OfferDoc, field: string): string {
  const currency = (od.committedValue('currency') as string | null) ?? od.currency
  if (field === 'milestones') {
    const list = od.committedMilestones()
    if (list.length === 0) return t('value.no_milestones')
    const total = list.reduce((s, m) => s + (m.amount ?? 0), 0)
    return t('value.milestones_total', { n: list.length, total: formatMoney(total, currency) })
  }
  return describeValue(field, od.committedValue(field), currency)
}

/** Fields of the draft that differ from the committed version (only those that apply). */
export function changedFields (od: OfferDoc): Change[] {
  if (!od.hasCommitted()) return []
  const type = od.contractType
  const out: Change[] = []
  const fields: string[] = ['title', 'contract_type', 'hourly_rate', 'weekly_limit', 'manual_time',
    'fixed_price', 'start_date', 'end_date', 'description', 'milestones']
  for (const field of fields) {
    if (type === 'fixed' && HOURLY_ONLY.has(field)) continue
    if (type === 'hourly' && FIXED_ONLY.has(field)) continue
    let differs: boolean
    if (field === 'milestones') {
      differs = !sameMilestones(od.draftMilestones(), od.committedMilestones())
    } else if (field === 'description') {
      differs = od.description.toString() !== ((od.committedValue('description') as string | null) ?? '')
    } else {
      differs = normalise(field, od.term(field as ScalarField)) !== normalise(field, od.committedValue(field))
    }
    if (differs) {
      const changers = od.changersOf(field)
      out.push({ field, by: changers[changers.length - 1] ?? null, changers, agreed: describeAgreed(od, field) })
    }
  }
  return out
}

export class Highlights {
  private readonly targets = new Map<string, Target>()

  /** Called for every registered field too (the activity view adds its button to `chipHost`). */
  onRegister: ((name: string, wrapper: HTMLElement, chipHost: HTMLElement) => void) | null = null

  /** Mark `wrapper` as the place where changes of `name` show; the chip goes into `chipHost`. */
  register (name: string, wrapper: HTMLElement, chipHost: HTMLElement): void {
    const agreed = h('div', { class: 'agreed', role: 'tooltip', id: `agreed-${name}` })
    const chip = h('button', {
      type: 'button',
      class: 'chg-chip',
      hidden: true,
      'aria-expanded': 'false',
      'aria-describedby': agreed.id,
      onclick: () => {
        const open = !wrapper.classList.contains('show-agreed')
        toggleClass(wrapper, 'show-agreed', open)
        chip.setAttribute('aria-expanded', String(open))
      }
    })
    wrapper.dataset.field = name
    chipHost.append(chip)
    wrapper.append(agreed)
    this.targets.set(name, { name, wrapper, chip, agreed })
    this.onRegister?.(name, wrapper, chipHost)
  }

  render (changes: Change[], colorOf: (p: PartyRef | null) => string, me: string | null): void {
    const byField = new Map(changes.map((c) => [c.field, c]))
    for (const tg of this.targets.values()) {
      const c = byField.get(tg.name)
      toggleClass(tg.wrapper, 'changed', c !== undefined)
      setHidden(tg.chip, c === undefined)
      if (c === undefined) {
        toggleClass(tg.wrapper, 'show-agreed', false)
        tg.wrapper.style.removeProperty('--chg')
        continue
      }
      tg.wrapper.style.setProperty('--chg', colorOf(c.by))
      // Everyone who changed it, each in their colour (a dot apiece when more than one).
      const text = changedByText(c.changers, me, true)
      const dots = c.changers.length > 1 ? c.changers.map((p) => colorOf(p)) : []
      const chipKey = JSON.stringify([text, dots])
      if (tg.chip.dataset.key !== chipKey) {
        tg.chip.dataset.key = chipKey
        toggleClass(tg.chip, 'multi', dots.length > 0)
        tg.chip.replaceChildren(...dots.map((color) => h('span', { class: 'chg-dot', style: `--c:${color}`, 'aria-hidden': 'true' })), text)
      }
      const agreed = t('highlight.agreed', { value: c.agreed })
      const title = `${changedByText(c.changers, me, false)}. ${agreed}`
      if (tg.chip.title !== title) tg.chip.title = title
      setText(tg.agreed, agreed)
    }
  }
}
