// Side-by-side comparison of two versions' terms (pure: no DOM). Rows for every field that applies
// to either version, milestones matched by id row by row, and the description split into sentences
// with the changed ones marked — the same sentence rules as the server's diff (server/offers/diff.py).

import { formatDate, formatMoney } from './format'
import { t } from './i18n'
import { FIELD_LABELS, type Milestone } from './types'

/** The terms of a version as the REST API returns them. */
export interface TermsJson {
  title: string
  contract_type: 'hourly' | 'fixed'
  currency: string
  hourly_rate: number | null
  weekly_limit: number | null
  manual_time: boolean
  fixed_price: number | null
  start_date: string | null
  end_date: string | null
  description: string
  milestones: Milestone[]
}

export interface CompareRow {
  key: string
  label: string
  a: string
  b: string
  changed: boolean
  kind: 'field' | 'milestone' | 'total' | 'description'
  /** Milestones only: what happened to the row between a and b. */
  op?: 'added' | 'removed' | 'changed' | 'moved' | 'same'
  /** The field does not apply to that version's contract type. */
  naA?: boolean
  naB?: boolean
}

const HOURLY = ['hourly_rate', 'weekly_limit', 'manual_time'] as const
const ORDER = ['title', 'contract_type', 'currency', 'hourly_rate', 'weekly_limit', 'manual_time', 'fixed_price', 'start_date', 'end_date'] as const
type Key = typeof ORDER[number]

function applies (t: TermsJson, key: Key | 'milestones'): boolean {
  if ((HOURLY as readonly string[]).includes(key)) return t.contract_type === 'hourly'
  if (key === 'fixed_price' || key === 'milestones') return t.contract_type === 'fixed'
  return true
}

/** A field's value as a person reads it, in the viewer's locale. */
export function valueText (key: string, v: unknown, currency: string): string {
  switch (key) {
    case 'hourly_rate': return typeof v === 'number' ? t('unit.per_hour', { amount: formatMoney(v, currency) }) : t('term.not_set')
    case 'fixed_price': return typeof v === 'number' ? formatMoney(v, currency) : t('term.not_set')
    case 'weekly_limit': return typeof v === 'number' ? t('unit.hours_per_week', { n: v }) : t('term.no_limit')
    case 'manual_time': return v === true ? t('term.allowed') : t('term.not_allowed')
    case 'contract_type': return v === 'fixed' ? t('contract.fixed') : t('contract.hourly')
    case 'start_date': return typeof v === 'string' ? formatDate(v) : t('term.not_set')
    case 'end_date': return typeof v === 'string' ? formatDate(v) : t('term.open_ended')
    default: return v === null || v === undefined || v === '' ? t('term.not_set') : String(v)
  }
}

function milestoneText (m: Milestone | undefined, currency: string): string {
  if (m === undefined) return '—'
  const due = m.due_date !== null ? t('compare.due', { date: formatDate(m.due_date) }) : t('compare.no_due')
  return `${m.title === '' ? t('term.untitled') : m.title}\n${formatMoney(m.amount, currency)} · ${due}`
}

function sameMilestone (x: Milestone, y: Milestone): boolean {
  return x.title === y.title && x.amount === y.amount && (x.due_date ?? null) === (y.due_date ?? null)
}

/** Every row of the comparison of version `a` with version `b`, in display order. */
export function compareTerms (a: TermsJson, b: TermsJson): CompareRow[] {
  const rows: CompareRow[] = []
  for (const key of ORDER) {
    const inA = applies(a, key)
    const inB = applies(b, key)
    if (!inA && !inB) continue
    const va = inA ? (a[key] ?? null) : null
    const vb = inB ? (b[key] ?? null) : null
    const changed = inA !== inB || JSON.stringify(va) !== JSON.stringify(vb)
    rows.push({
      key,
      label: FIELD_LABELS[key] ?? key,
      a: inA ? valueText(key, va, a.currency) : '—',
      b: inB ? valueText(key, vb, b.currency) : '—',
      changed,
      kind: 'field',
      naA: !inA,
      naB: !inB
    })
  }
  const msA = applies(a, 'milestones') ? a.milestones : []
  const msB = applies(b, 'milestones') ? b.milestones : []
  if (msA.length > 0 || msB.length > 0) {
    const byIdA = new Map(msA.map((m, i) => [m.id, { m, i }]))
    const idsB = new Set(msB.map((m) => m.id))
    // Rows kept in both, in b's order: a row whose predecessor among them changed is "moved".
    const keptA = msA.filter((m) => idsB.has(m.id)).map((m) => m.id)
    const keptB = msB.filter((m) => byIdA.has(m.id)).map((m) => m.id)
    const stay = new Set(lcs(keptA, keptB).map(([i]) => keptA[i]))
    msB.forEach((m, j) => {
      const old = byIdA.get(m.id)
      const op: CompareRow['op'] = old === undefined ? 'added'
        : !sameMilestone(old.m, m) ? 'changed' : stay.has(m.id) ? 'same' : 'moved'
      rows.push({
        key: `milestone:${m.id}`,
        label: t('compare.milestone', { n: j + 1 }),
        a: milestoneText(old?.m, a.currency),
        b: milestoneText(m, b.currency),
        changed: op !== 'same',
        kind: 'milestone',
        op
      })
    })
    for (const m of msA) {
      if (idsB.has(m.id)) continue
      rows.push({ key: `milestone:${m.id}`, label: t('compare.milestone_removed'), a: milestoneText(m, a.currency), b: '—', changed: true, kind: 'milestone', op: 'removed' })
    }
    const sum = (list: Milestone[]): number => list.reduce((s, m) => s + (m.amount ?? 0), 0)
    rows.push({
      key: 'milestones_total',
      label: t('compare.milestone_total'),
      a: msA.length === 0 ? '—' : formatMoney(sum(msA), a.currency),
      b: msB.length === 0 ? '—' : formatMoney(sum(msB), b.currency),
      changed: sum(msA) !== sum(msB) || a.currency !== b.currency,
      kind: 'total'
    })
  }
  rows.push({
    key: 'description',
    label: FIELD_LABELS.description,
    a: a.description,
    b: b.description,
    changed: a.description !== b.description,
    kind: 'description'
  })
  return rows
}

// --- sentences ---------------------------------------------------------------------------------

export interface Segment {
  /** The text as written, separators included, so the segments join back to the whole text. */
  text: string
  /** Added, removed or reworded between the two texts. */
  marked: boolean
}

export interface SentenceDiff {
  a: Segment[]
  b: Segment[]
  added: number
  removed: number
  reworded: number
}

/** The text cut after each sentence end (". ", "! ", "? ") and at line breaks, nothing lost. */
export function splitSentences (text: string): string[] {
  const out: string[] = []
  const re = /(?<=[.!?])\s+|\n+/g
  let last = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length
    out.push(text.slice(last, end))
    last = end
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}

/** Index pairs of a longest common subsequence of two lists. */
function lcs (a: string[], b: string[]): Array<[number, number]> {
  const n = a.length
  const m = b.length
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1])
    }
  }
  const pairs: Array<[number, number]> = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) { pairs.push([i, j]); i++; j++ } else if (dp[i + 1][j] >= dp[i][j + 1]) i++
    else j++
  }
  return pairs
}

/** Which sentences of `a` and `b` differ: removed and reworded ones in a, added and reworded in b. */
export function diffSentences (a: string, b: string): SentenceDiff {
  const segA = splitSentences(a)
  const segB = splitSentences(b)
  // Only real sentences take part; whitespace-only pieces are never marked.
  const idxA = segA.map((s, i) => [s.trim(), i] as const).filter(([s]) => s !== '')
  const idxB = segB.map((s, i) => [s.trim(), i] as const).filter(([s]) => s !== '')
  const pairs = lcs(idxA.map(([s]) => s), idxB.map(([s]) => s))
  const markedA = new Set<number>()
  const markedB = new Set<number>()
  let added = 0
  let removed = 0
  let reworded = 0
  let pi = 0
  let pj = 0
  for (const [i, j] of [...pairs, [idxA.length, idxB.length] as [number, number]]) {
    const gapA = i - pi
    const gapB = j - pj
    for (let k = pi; k < i; k++) markedA.add(idxA[k][1])
    for (let k = pj; k < j; k++) markedB.add(idxB[k][1])
    const paired = Math.min(gapA, gapB)
    reworded += paired
    removed += gapA - paired
    added += gapB - paired
    pi = i + 1
    pj = j + 1
  }
  return {
    a: segA.flatMap((text, i) => segment(text, markedA.has(i))),
    b: segB.flatMap((text, i) => segment(text, markedB.has(i))),
    added,
    removed,
    reworded
  }
}

/** A marked sentence without the spaces and line breaks around it (they stay unmarked). */
function segment (text: string, marked: boolean): Segment[] {
  if (!marked) return [{ text, marked }]
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(text) as RegExpExecArray
  return [{ text: m[1], marked: false }, { text: m[2], marked: true }, { text: m[3], marked: false }].filter((x) => x.text !== '')
}

/** "2 sentences added, 1 reworded" (empty when nothing changed). */
export function sentenceSummary (d: Pick<SentenceDiff, 'added' | 'removed' | 'reworded'>): string {
  const parts: string[] = []
  // The first count names the sentences ("2 sentences added"), the others follow it ("1 reworded").
  const n = (count: number, what: string): void => {
    if (count > 0) parts.push(t(parts.length === 0 ? `sentences.${what}` : `sentences.${what}_more`, { n: count }))
  }
  n(d.added, 'added')
  n(d.reworded, 'reworded')
  n(d.removed, 'removed')
  return parts.join(', ')
}
