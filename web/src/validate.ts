// What a draft must meet to be proposed, checked in the browser as it is edited: the same rules,
// in the same order and with the same codes, as the server's `check_proposal`
// (server/offers/policy.py; docs/RULES.md, "Policy at proposal time"), so a problem shows at its
// field the moment the draft breaks it and Propose lists every one. tests/data/policy_cases.json
// holds cases both implementations must answer alike (tests/unit/test_policy_cases.py, web
// test/validate.test.mjs). The limits come from the server (`hello.limits`).
//
// Everything here is pure except the wording at the end, which reads the catalogs (validate-*.ts)
// and formats money and dates in the viewer's language.

import { formatDate, formatMoney } from './format'
import { t } from './i18n'
import type { PolicyLimits } from './wire.gen'

export interface MilestoneTerms {
  id: string
  title: string
  amount: number | null
  due_date: string | null
}

/** Terms as the draft holds them (money in minor units, dates "YYYY-MM-DD"). */
export interface DraftTerms {
  title: string
  contract_type: string
  currency: string
  hourly_rate: number | null
  weekly_limit: number | null
  manual_time: boolean
  fixed_price: number | null
  start_date: string | null
  end_date: string | null
  description: string
  milestones: MilestoneTerms[]
}

/** One reason a draft cannot be proposed: the server's field path, code and figures. */
export interface Problem {
  field: string
  code: string
  params?: Record<string, number | string>
}

/** The server's defaults (server/offers/limits.py), until `hello` says otherwise. */
export const DEFAULT_LIMITS: PolicyLimits = {
  hourly_rate_min: 300,
  fixed_price_min: 500,
  milestone_min: 500,
  money_max: 1_000_000_000,
  weekly_limit_min: 1,
  weekly_limit_max: 168
}

/** server/offers/checks.py DATE_MIN, DATE_MAX: the dates finished terms may name. */
export const DATE_MIN = '2000-01-01'
export const DATE_MAX = '2100-12-31'

/** Today as the server counts it (its clock's date, UTC). */
export function todayUtc (now = new Date()): string {
  return now.toISOString().slice(0, 10)
}

/** The terms the contract type uses (policy.applicable_terms): the other type's values cleared. */
export function applicableTerms (terms: DraftTerms): DraftTerms {
  if (terms.contract_type === 'hourly') return { ...terms, fixed_price: null, milestones: [] }
  return { ...terms, hourly_rate: null, weekly_limit: null, manual_time: false }
}

function sameTerms (a: DraftTerms, b: DraftTerms): boolean {
  const key = (x: DraftTerms): string => JSON.stringify([x.title, x.contract_type, x.currency, x.hourly_rate, x.weekly_limit,
    x.manual_time, x.fixed_price, x.start_date, x.end_date, x.description,
    x.milestones.map((m) => [m.id, m.title, m.amount ?? 0, m.due_date])])
  return key(a) === key(b)
}

const blank = (s: string): boolean => s.trim() === ''

/** Every reason `terms` cannot be proposed against `committed` (policy.check_proposal). */
export function checkProposal (terms: DraftTerms, committed: DraftTerms, limits: PolicyLimits, today: string): Problem[] {
  const draft = applicableTerms(terms)
  const base = applicableTerms(committed)
  const out: Problem[] = []
  if (sameTerms(draft, base)) out.push({ field: 'terms', code: 'unchanged' })
  if (blank(draft.title)) out.push({ field: 'title', code: 'required' })
  if (draft.contract_type === 'hourly') {
    if (draft.hourly_rate === null) out.push({ field: 'hourly_rate', code: 'required' })
    else if (draft.hourly_rate < limits.hourly_rate_min) out.push({ field: 'hourly_rate', code: 'below_min', params: { min: limits.hourly_rate_min } })
  } else {
    checkFixed(draft, limits, out)
  }
  checkDates(draft, base, today, out)
  const dated: Array<[string, string | null]> = [['start_date', draft.start_date], ['end_date', draft.end_date],
    ...draft.milestones.map((m, i): [string, string | null] => [`milestones[${i}].due_date`, m.due_date])]
  for (const [field, day] of dated) {
    if (day !== null && (day < DATE_MIN || day > DATE_MAX)) out.push({ field, code: 'out_of_range', params: { from: DATE_MIN, to: DATE_MAX } })
  }
  return out
}

function checkFixed (draft: DraftTerms, limits: PolicyLimits, out: Problem[]): void {
  if (draft.fixed_price === null) out.push({ field: 'fixed_price', code: 'required' })
  else if (draft.fixed_price < limits.fixed_price_min) out.push({ field: 'fixed_price', code: 'below_min', params: { min: limits.fixed_price_min } })
  draft.milestones.forEach((m, i) => {
    if (blank(m.title)) out.push({ field: `milestones[${i}].title`, code: 'required' })
    if ((m.amount ?? 0) < limits.milestone_min) out.push({ field: `milestones[${i}].amount`, code: 'below_min', params: { min: limits.milestone_min } })
  })
  if (draft.milestones.length > 0 && draft.fixed_price !== null) {
    const total = draft.milestones.reduce((s, m) => s + (m.amount ?? 0), 0)
    if (total !== draft.fixed_price) out.push({ field: 'milestones', code: 'sum_mismatch', params: { total, price: draft.fixed_price } })
  }
}

function checkDates (draft: DraftTerms, base: DraftTerms, today: string, out: Problem[]): void {
  const start = draft.start_date
  const end = draft.end_date
  if (start !== null && start !== base.start_date && start < today) out.push({ field: 'start_date', code: 'past' })
  if (end !== null && end !== base.end_date && end < today) out.push({ field: 'end_date', code: 'past' })
  if (start !== null && end !== null && end < start) out.push({ field: 'end_date', code: 'before_start' })
  const oldDue = new Map(base.milestones.map((m) => [m.id, m.due_date]))
  let previous: MilestoneTerms | null = null
  draft.milestones.forEach((m, i) => {
    const due = m.due_date
    if (due === null) return
    const field = `milestones[${i}].due_date`
    if (start !== null && due < start) out.push({ field, code: 'before_start' })
    else if (due < today && oldDue.get(m.id) !== due) out.push({ field, code: 'past' })
    if (end !== null && due > end) out.push({ field, code: 'after_end' })
    if (previous?.due_date != null && due < previous.due_date) out.push({ field, code: 'before_previous' })
    previous = m
  })
}

/**
 * Where a problem shows: the field view's lock name ("hourly_rate", "milestone:<id>"), the
 * fixed price for the milestones' sum, null for the whole draft.
 */
export function problemTarget (field: string, milestones: MilestoneTerms[]): string | null {
  const m = /^milestones\[(\d+)\]/.exec(field)
  if (m !== null) {
    const id = milestones[Number(m[1])]?.id
    return id === undefined ? null : `milestone:${id}`
  }
  if (field === 'milestones') return 'fixed_price'
  if (field === 'terms') return null
  return field
}

// --- in the reader's words ------------------------------------------------------------------

/** The field's part in a problem's path: "hourly_rate", "milestones[1].amount" -> "amount". */
function part (field: string): string {
  const m = /^milestones\[\d+\]\.(\w+)$/.exec(field)
  return m !== null ? `milestone_${m[1]}` : field
}

/** The field's name as the form labels it ("Hourly rate", "Milestone 2: amount"). */
export function problemFieldName (field: string): string {
  const m = /^milestones\[(\d+)\]\.(\w+)$/.exec(field)
  if (m !== null) return t(`validate.name.milestone_${m[2]}`, { n: Number(m[1]) + 1 })
  if (field === 'terms') return t('validate.name.terms')
  return t(`field.${field}`)
}

/**
 * What is wrong, in plain words with the viewer's money and date formats. `message` is the
 * server's English text, used (capitalised) only for a code the app has no words for.
 */
export function problemText (p: Problem, draft: Pick<DraftTerms, 'currency' | 'start_date' | 'end_date' | 'milestones'>, message?: string): string {
  const money = (key: string): string => {
    const v = p.params?.[key]
    return typeof v === 'number' ? formatMoney(v, draft.currency) : ''
  }
  const day = (v: unknown): string => (typeof v === 'string' ? formatDate(v) : '')
  const at = part(p.field)
  switch (p.code) {
    case 'unchanged': return t('validate.unchanged')
    case 'required': return t(`validate.required.${at}`)
    case 'below_min': return t(`validate.below_min.${at}`, { min: money('min') })
    case 'sum_mismatch': return t('validate.sum_mismatch', { total: money('total'), price: money('price') })
    case 'past': return t('validate.past')
    case 'before_start': return t(at === 'end_date' ? 'validate.end_before_start' : 'validate.due_before_start', { date: day(draft.start_date) })
    case 'after_end': return t('validate.due_after_end', { date: day(draft.end_date) })
    case 'before_previous': {
      const i = Number(/^milestones\[(\d+)\]/.exec(p.field)?.[1] ?? 0)
      return t('validate.due_before_previous', { date: day(draft.milestones[i - 1]?.due_date) })
    }
    case 'out_of_range': return t('validate.out_of_range', { from: day(p.params?.from), to: day(p.params?.to) })
    case 'too_large': return t('validate.too_large', { max: money('max') })
  }
  const text = (message ?? '').trim()
  return text === '' ? t('validate.invalid') : text[0].toUpperCase() + text.slice(1)
}

/** An amount over the largest any money field takes, worded for the field (null: fine). */
export function moneyTooLarge (minor: number | null, limits: PolicyLimits, currency: string): string | null {
  if (minor === null || minor <= limits.money_max) return null
  return problemText({ field: '', code: 'too_large', params: { max: limits.money_max } }, { currency, start_date: null, end_date: null, milestones: [] })
}

/** The limits this room holds drafts to: the server's defaults until `hello` brings its own. */
let roomLimits: PolicyLimits = DEFAULT_LIMITS
export function setRoomLimits (limits: PolicyLimits | null | undefined): void {
  roomLimits = limits ?? DEFAULT_LIMITS
}
export function currentLimits (): PolicyLimits {
  return roomLimits
}

/** How long typing in a money field waits before the other party sees the amount. */
export const LIVE_MONEY_MS = 250
