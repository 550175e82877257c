// The assistant's pure parts (no DOM): which offer-check items are the reader's to fix and which to
// ask about, when the parties' positions differ enough to offer a middle ground, how a suggestion
// reads and which draft writes "Apply to my draft" makes. Unit-tested in web/test/assist.test.mjs.

import { wordedError } from './commands'
import { formatDate, formatMoney } from './format'
import { t } from './i18n'
import type { CheckItem, Milestone, Role, SuggestionItem, ThreadItem } from './types'

// --- offer check --------------------------------------------------------------------------------

/** How an item relates to the reader: theirs to fix, the other party's (ask them), or either's. */
export type CheckRelation = 'mine' | 'theirs' | 'both'

export function checkRelation (item: CheckItem, role: Role): CheckRelation {
  if (item.owner === 'both') return 'both'
  return item.owner === role ? 'mine' : 'theirs'
}

/** The reader fixes it themselves (their own item, or anyone's). */
export function canFix (item: CheckItem, role: Role): boolean {
  return role !== 'viewer' && checkRelation(item, role) !== 'theirs'
}

/** The reader may ask the other party about it (the other's item, or anyone's). */
export function canAskAbout (item: CheckItem, role: Role): boolean {
  return role !== 'viewer' && checkRelation(item, role) !== 'mine' && item.question.trim() !== ''
}

/** Warnings first, then in the server's order. */
export function sortChecks (items: readonly CheckItem[]): CheckItem[] {
  return items.map((it, i) => ({ it, i }))
    .sort((a, b) => (a.it.severity === 'warning' ? 0 : 1) - (b.it.severity === 'warning' ? 0 : 1) || a.i - b.i)
    .map((x) => x.it)
}

/** Check items by the field they are about (where a marker goes). */
export function checksByField (items: readonly CheckItem[]): Map<string, CheckItem[]> {
  const out = new Map<string, CheckItem[]>()
  for (const it of items) {
    if (it.field === '') continue
    const list = out.get(it.field) ?? []
    list.push(it)
    out.set(it.field, list)
  }
  return out
}

/** A stable key of an item across advice messages (the "Asked" state hangs on it). */
export function checkKey (item: CheckItem): string {
  return `${item.code}|${item.field}`
}

// --- positions ----------------------------------------------------------------------------------

const NEGOTIATION_EVENTS = new Set(['proposed', 'proposal_accepted', 'proposal_rejected', 'proposal_withdrawn', 'reverted',
  'offer_accepted', 'offer_withdrawn', 'offer_declined', 'offer_expired'])

/** The thread's latest negotiation step ("proposal_rejected", …), or null. */
export function lastNegotiationEvent (items: readonly ThreadItem[]): string | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]
    if (it.kind === 'system' && typeof it.event === 'string' && NEGOTIATION_EVENTS.has(it.event)) return it.event
  }
  return null
}

export interface PositionState {
  role: Role | null
  status: string | null
  /** Fields of the draft that differ from the agreed version. */
  changed: number
  lastEvent: string | null
}

/** "Suggest a middle ground" is offered to a party of an open offer whose positions differ. */
export function positionsDiffer (s: PositionState): boolean {
  if (s.role === null || s.role === 'viewer') return false
  if (s.status !== null && s.status !== 'open') return false
  return s.changed > 0 || s.lastEvent === 'proposal_rejected'
}

// --- suggestion values --------------------------------------------------------------------------

export interface MilestoneValue { title: string, amount: number, due_date: string | null }

const MONEY = new Set(['hourly_rate', 'fixed_price'])
const DATES = new Set(['start_date', 'end_date'])
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

function isMinor (v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/** A milestones value as the server sends it, or null when it is not one. */
export function milestonesValue (v: unknown): MilestoneValue[] | null {
  if (!Array.isArray(v)) return null
  const out: MilestoneValue[] = []
  for (const raw of v) {
    if (raw === null || typeof raw !== 'object') return null
    const o = raw as Record<string, unknown>
    if (!isMinor(o.amount)) return null
    const due = typeof o.due_date === 'string' && ISO_DATE.test(o.due_date) ? o.due_date : null
    out.push({ title: typeof o.title === 'string' ? o.title : '', amount: o.amount, due_date: due })
  }
  return out
}

/** The value is of the kind its field holds (a suggestion never writes anything else). */
export function validValue (field: string, v: unknown): boolean {
  if (MONEY.has(field)) return isMinor(v)
  if (field === 'weekly_limit') return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 168
  if (DATES.has(field)) return typeof v === 'string' && ISO_DATE.test(v)
  if (field === 'milestones') return milestonesValue(v) !== null
  return false
}

/** A value of a suggestion in words: "$52.50/h", "30 h/week", "Mar 3, 2027", a milestones sum-up. */
export function describeValue (field: string, v: unknown, currency: string): string {
  if (v === null || v === undefined) return field === 'weekly_limit' ? t('assist.value.noLimit') : t('assist.value.notSet')
  if (field === 'hourly_rate' && isMinor(v)) return t('assist.value.perHour', { amount: formatMoney(v, currency) })
  if (field === 'fixed_price' && isMinor(v)) return formatMoney(v, currency)
  if (field === 'weekly_limit' && typeof v === 'number') return t('assist.value.hoursPerWeek', { n: v })
  if (DATES.has(field) && typeof v === 'string') return formatDate(v)
  if (field === 'milestones') {
    const list = milestonesValue(v)
    if (list !== null) {
      const total = list.reduce((s, m) => s + m.amount, 0)
      return t('assist.value.milestones', { n: list.length, total: formatMoney(total, currency) })
    }
  }
  return typeof v === 'string' || typeof v === 'number' ? String(v) : t('assist.value.notSet')
}

/** One milestone of a suggestion in a line: "Design: $600.00, due Dec 18, 2026". */
export function describeMilestone (m: MilestoneValue, currency: string): string {
  const title = m.title.trim() === '' ? t('assist.value.untitled') : m.title.trim()
  const amount = formatMoney(m.amount, currency)
  return m.due_date === null
    ? t('assist.value.milestone', { title, amount })
    : t('assist.value.milestoneDue', { title, amount, date: formatDate(m.due_date) })
}

// --- applying -----------------------------------------------------------------------------------

export type TermField = 'hourly_rate' | 'fixed_price' | 'weekly_limit' | 'start_date' | 'end_date'

/** One write into the draft, made through the doc's setters (the path a person's edit takes). */
export type DraftWrite =
  | { op: 'term', field: TermField, value: number | string }
  | { op: 'ms-set', id: string, key: 'title' | 'amount' | 'due_date', value: string | number | null }
  | { op: 'ms-add', init: { title: string, amount: number, due_date: string | null } }
  | { op: 'ms-remove', id: string }

export interface ApplyPlan {
  /** The writes of each field, one group per suggestion item (each applied as one change). */
  groups: Array<{ field: string, writes: DraftWrite[] }>
  /** Fields left alone: someone else is editing them. */
  locked: string[]
  /** Items that could not be applied (a value of the wrong kind, an unknown field). */
  invalid: string[]
}

/** The writes that turn the draft's milestones into `target`: rows kept by position, extra ones added or removed. */
export function milestoneWrites (current: readonly Milestone[], target: readonly MilestoneValue[]): DraftWrite[] {
  const out: DraftWrite[] = []
  target.forEach((m, i) => {
    const row = current[i]
    if (row === undefined) {
      out.push({ op: 'ms-add', init: { title: m.title, amount: m.amount, due_date: m.due_date } })
      return
    }
    if (row.title !== m.title) out.push({ op: 'ms-set', id: row.id, key: 'title', value: m.title })
    if (row.amount !== m.amount) out.push({ op: 'ms-set', id: row.id, key: 'amount', value: m.amount })
    if ((row.due_date ?? null) !== m.due_date) out.push({ op: 'ms-set', id: row.id, key: 'due_date', value: m.due_date })
  })
  for (let i = current.length - 1; i >= target.length; i--) out.push({ op: 'ms-remove', id: current[i].id })
  return out
}

/**
 * What "Apply to my draft" writes: each item's value into its field, skipping fields another
 * person holds (`lockedBy(lockName)` true) and values of the wrong kind. Milestone rows are
 * locked one by one ("milestone:<id>").
 */
export function planApply (items: readonly SuggestionItem[], draft: { milestones: readonly Milestone[] },
  lockedBy: (lockName: string) => boolean): ApplyPlan {
  const plan: ApplyPlan = { groups: [], locked: [], invalid: [] }
  for (const item of items) {
    const field = item.field
    if (!validValue(field, item.value)) {
      plan.invalid.push(field)
      continue
    }
    if (field === 'milestones') {
      const rows = draft.milestones.filter((m) => m.id !== '')
      if (rows.some((m) => lockedBy(`milestone:${m.id}`))) {
        plan.locked.push(field)
        continue
      }
      plan.groups.push({ field, writes: milestoneWrites(rows, milestonesValue(item.value) ?? []) })
      continue
    }
    if (lockedBy(field)) {
      plan.locked.push(field)
      continue
    }
    plan.groups.push({ field, writes: [{ op: 'term', field: field as TermField, value: item.value as number | string }] })
  }
  return plan
}

// --- errors -------------------------------------------------------------------------------------

export interface AssistError { code: string, message?: string, retry_after_s?: number | null }

/** What a refused request means, in words. */
export function explainAssistError (e: AssistError): string {
  switch (e.code) {
    case 'rate_limited': {
      const s = typeof e.retry_after_s === 'number' && e.retry_after_s > 0 ? Math.ceil(e.retry_after_s) : null
      if (s === null) return t('assist.error.rateLimitedSoon')
      return s < 120 ? t('assist.error.rateLimitedSeconds', { n: s }) : t('assist.error.rateLimitedMinutes', { n: Math.ceil(s / 60) })
    }
    case 'offline': return t('assist.error.offline')
    case 'timeout': return t('assist.error.timeout')
    default: return wordedError(e) ?? (e.message !== undefined && e.message.trim() !== '' ? e.message : t('assist.error.failed'))
  }
}
