// The proposal drawer's content (docs/DOMAIN.md, "Negotiation", "Explanations"): who proposed
// what — every change old → new in
// the viewer's locale — the note, the explanation as it streams (the same words to both parties),
// its attribution, and the risk flags only this reader receives.

import { diffSentences, sentenceSummary } from './compare'
import type { Proposal } from './doc'
import { h, setHidden, setText, toggleClass } from './dom'
import { daysBetween, formatDate, formatMoney, formatMoneyDelta, formatPercentDelta, plural } from './format'
import { describeValue } from './highlights'
import { firstName } from './status'
import { fieldLabel } from './types'

export interface Flag { code: string, severity: string, message: string, evidence?: string, source?: string }

export interface ExplanationState {
  text: string
  /** What arrived as deltas, to tell when the final text replaced it. */
  streamed: string
  done: boolean
  explainer?: string
  model?: string | null
  grounded?: boolean
  fallback?: string | null
  flags: Flag[]
}

type Msg = Record<string, unknown> & { type: string }

/** Explanations by proposal id, as the socket delivers them (deltas, then the final text). */
export class ExplanationStore {
  private readonly map = new Map<string, ExplanationState>()

  handle (msg: Msg): boolean {
    if (msg.type === 'explain_delta') {
      const id = String(msg.proposal_id)
      const e = this.map.get(id) ?? { text: '', streamed: '', done: false, flags: [] }
      if (!e.done) {
        e.streamed += String(msg.text ?? '')
        e.text = e.streamed
      }
      this.map.set(id, e)
      return true
    }
    if (msg.type === 'explain_done') {
      const id = String(msg.proposal_id)
      const prev = this.map.get(id)
      this.map.set(id, {
        text: String(msg.text ?? ''),
        streamed: prev?.streamed ?? '',
        done: true,
        explainer: typeof msg.explainer === 'string' ? msg.explainer : undefined,
        model: typeof msg.model === 'string' ? msg.model : null,
        grounded: msg.grounded !== false,
        fallback: typeof msg.fallback_reason === 'string' ? msg.fallback_reason : null,
        flags: Array.isArray(msg.flags) ? msg.flags as Flag[] : []
      })
      return true
    }
    return false
  }

  /**
   * A new socket: the server replays a running explanation from its start as one delta (and a
   * finished one as `explain_done`), so whatever streamed before the drop is forgotten here.
   */
  reconnected (): void {
    for (const [id, e] of this.map) if (!e.done) this.map.delete(id)
  }

  /** The live state, or what the proposal root stores once done (late joiners, reloads). */
  of (p: Proposal): ExplanationState {
    const live = this.map.get(p.id)
    if (live?.done === true) return live
    const stored = p.raw.explanation
    if (stored !== null && typeof stored === 'object') {
      const s = stored as Record<string, unknown>
      return {
        text: String(s.text ?? ''),
        streamed: live?.streamed ?? '',
        done: true,
        explainer: typeof s.explainer === 'string' ? s.explainer : undefined,
        model: typeof s.model === 'string' ? s.model : null,
        grounded: s.grounded !== false,
        fallback: typeof s.fallback_reason === 'string' ? s.fallback_reason : null,
        flags: [] // private: they come only in this reader's own explain_done
      }
    }
    return live ?? { text: '', streamed: '', done: false, flags: [] }
  }
}

// --- changes -----------------------------------------------------------------------------------

export interface ChangeParts {
  label: string
  from?: string
  to?: string
  /** Words instead of old → new (milestone added/removed, description summary). */
  text?: string
  /** The size of the change: "+$10.00 (+22.2%)", "14 days later". */
  delta?: string
}

function money (v: unknown, currency: string): string {
  return typeof v === 'number' ? formatMoney(v, currency) : 'not set'
}

function dateShift (a: unknown, b: unknown): string | undefined {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined
  const d = daysBetween(a, b)
  if (d === null || d === 0) return undefined
  return `${plural(Math.abs(d), 'day', 'days')} ${d > 0 ? 'later' : 'earlier'}`
}

/** One FieldChange (server/offers/diff.py) in parts a person reads. */
export function changeParts (c: Record<string, unknown>, currency: string): ChangeParts {
  const field = String(c.field)
  if (field === 'description') {
    const d = diffSentences(String(c.old ?? ''), String(c.new ?? ''))
    return { label: 'Description', text: sentenceSummary(d) || 'Reworded' }
  }
  if (field === 'milestones') {
    const row = (c.new ?? c.old ?? {}) as Record<string, unknown>
    const title = typeof row.title === 'string' && row.title !== '' ? `“${row.title}”` : 'Untitled'
    const label = `Milestone ${title}`
    switch (c.op) {
      case 'added': return { label, text: `added: ${money(row.amount, currency)}${typeof row.due_date === 'string' ? `, due ${formatDate(row.due_date)}` : ''}` }
      case 'removed': return { label, text: `removed (was ${money(row.amount, currency)})` }
      case 'moved': return { label, text: 'moved to another position' }
      default: {
        const keys = Array.isArray(c.keys) ? c.keys as Array<Record<string, unknown>> : []
        const parts = keys.map((k) => k.key === 'amount'
          ? `amount ${money(k.old, currency)} → ${money(k.new, currency)}`
          : k.key === 'due_date'
            ? `due ${typeof k.old === 'string' ? formatDate(k.old) : 'not set'} → ${typeof k.new === 'string' ? formatDate(k.new) : 'not set'}`
            : `title “${String(k.old)}” → “${String(k.new)}”`)
        return { label, text: (parts.join('; ') || 'changed') + (c.moved === true ? '; moved' : '') }
      }
    }
  }
  const parts: ChangeParts = { label: fieldLabel(field), from: describeValue(field, c.old, currency), to: describeValue(field, c.new, currency) }
  if ((field === 'hourly_rate' || field === 'fixed_price') && typeof c.old === 'number' && typeof c.new === 'number') {
    const diff = c.new - c.old
    parts.delta = formatMoneyDelta(diff, currency) + (c.old > 0 ? ` (${formatPercentDelta(diff / c.old)})` : '')
  } else if (field === 'weekly_limit' && typeof c.old === 'number' && typeof c.new === 'number') {
    parts.delta = `${c.new > c.old ? '+' : '−'}${Math.abs(c.new - c.old)} h/week`
  } else if (field === 'start_date' || field === 'end_date') {
    parts.delta = dateShift(c.old, c.new)
  }
  return parts
}

/** One proposed change in a line: "Hourly rate: $45.00/h → $50.00/h". */
export function describeChange (c: Record<string, unknown>, currency: string): string {
  const p = changeParts(c, currency)
  return p.text !== undefined ? `${p.label}: ${p.text}` : `${p.label}: ${p.from ?? ''} → ${p.to ?? ''}`
}

// --- flags and attribution -----------------------------------------------------------------

const FLAG_TITLES: Record<string, string> = {
  off_platform_contact: 'Contact outside the platform',
  off_platform_payment: 'Payment outside the platform',
  crypto: 'Cryptocurrency',
  overpayment: 'Overpayment to send back',
  equipment_reimbursement: 'Equipment to buy and be reimbursed for',
  gift_cards: 'Gift cards or money transfers',
  upfront_fee: 'Fee before starting',
  personal_data: 'Request for personal data',
  unpaid_test: 'Unpaid test work',
  pressure: 'Pressure to decide quickly',
  rate_below_policy: 'Below the platform minimum',
  high_pay_vague_task: 'High pay for a vague task',
  milestone_sum_mismatch: 'Milestones do not add up',
  supplies_no_milestones: 'Supplies without milestones',
  large_upfront_milestone: 'Large payment up front'
}

const SEVERITY: Record<string, string> = { danger: 'High risk', warning: 'Caution', info: 'Note' }

function flagSource (source: string | undefined): string {
  if (source === undefined || source === '' || source === 'terms') return ''
  if (source === 'note') return 'in the proposal’s note'
  const m = /^milestones\[(\d+)\]/.exec(source)
  if (m !== null) return `in milestone ${Number(m[1]) + 1}`
  return `in the ${fieldLabel(source).toLowerCase()}`
}

export function flagTitle (code: string): string {
  return FLAG_TITLES[code] ?? code.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase())
}

/** "AI: claude-…" or "Offline explainer". */
export function attribution (e: ExplanationState): string {
  if (!e.done) return 'Writing…'
  if (e.explainer === 'offline' || e.explainer === undefined) return 'Offline explainer'
  return `AI: ${e.model ?? e.explainer}`
}

/** Why the text is not (or not only) what an AI wrote, when that is the case. */
export function fallbackNote (e: ExplanationState): string | null {
  if (!e.done) return null
  const offline = 'This is the offline explanation, built from the facts alone.'
  switch (e.fallback) {
    case null: case undefined: break
    case 'ungrounded': return `The AI’s explanation cited figures that are not in the offer, so it was replaced. ${offline}`
    case 'timeout': return `The AI explainer took too long to answer. ${offline}`
    case 'error': return `The AI explainer failed while writing. ${offline}`
    case 'empty': return `The AI explainer returned nothing. ${offline}`
    default: return `The AI explanation could not be used (${e.fallback}). ${offline}`
  }
  if (e.grounded === false) return 'Some figures in this explanation could not be checked against the offer.'
  return null
}

// --- the view ----------------------------------------------------------------------------------

export class ProposalView {
  readonly el: HTMLElement
  private readonly by = h('p', { class: 'neg-by' })
  private readonly note = h('blockquote', { class: 'neg-note' })
  private readonly changes = h('ul', { class: 'neg-changes', 'aria-label': 'Proposed changes' })
  private readonly explain: HTMLElement
  private readonly attrib = h('span', { class: 'neg-attrib' })
  private readonly typing = h('p', { class: 'neg-typing' },
    h('span', { class: 'typing-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), h('span', {}, 'Writing the explanation…'))
  private readonly text = h('p', { class: 'neg-explain-text' })
  private readonly fallback = h('p', { class: 'neg-fallback', role: 'note' })
  private readonly source = h('p', { class: 'neg-source' })
  private readonly flags = h('div', { class: 'neg-flags', role: 'group', 'aria-labelledby': 'neg-flags-head' })
  private changesKey = ''
  private flagsKey = ''

  constructor () {
    this.explain = h('div', { class: 'neg-explain', 'aria-live': 'polite', 'aria-busy': 'false' },
      h('p', { class: 'neg-explain-head' }, 'What this means'),
      this.typing, this.text, this.fallback, h('div', { class: 'neg-foot' }, this.attrib, this.source))
    this.el = h('div', { class: 'neg-proposal' }, this.by, this.note, this.changes, this.explain, this.flags)
  }

  render (p: Proposal, e: ExplanationState, currency: string, meId: string | null): void {
    const mine = p.by !== null && p.by.id === meId
    setText(this.by, `${mine ? 'Your proposal' : `Proposal by ${p.by?.name ?? 'a party'}`}${p.base_version !== null ? ` to change version\u00a0${p.base_version}` : ''}`)
    const note = typeof p.raw.note === 'string' ? p.raw.note.trim() : ''
    setHidden(this.note, note === '')
    setText(this.note, note)
    if (note !== '') this.note.setAttribute('aria-label', `Note from ${mine ? 'you' : firstName(p.by?.name ?? 'the proposer')}`)

    const list = Array.isArray(p.raw.changes) ? p.raw.changes as Array<Record<string, unknown>> : []
    const key = JSON.stringify([p.id, list, currency])
    if (key !== this.changesKey) {
      this.changesKey = key
      this.changes.replaceChildren(...list.map((c) => this.changeItem(c, currency)))
    }

    this.explain.setAttribute('aria-busy', String(!e.done))
    toggleClass(this.explain, 'streaming', !e.done)
    setText(this.attrib, attribution(e))
    toggleClass(this.attrib, 'ai', e.done && e.explainer !== 'offline' && e.explainer !== undefined)
    setHidden(this.typing, e.done || e.text !== '')
    setHidden(this.text, e.text === '')
    setText(this.text, e.text)
    const fb = fallbackNote(e)
    setHidden(this.fallback, fb === null)
    setText(this.fallback, fb ?? '')
    setText(this.source, !e.done ? 'Both of you see the same words as they are written.'
      : e.explainer === 'offline' || e.explainer === undefined ? 'Written from the facts of the offer by fixed rules; both of you see the same text.'
        : 'Every figure was checked against the offer; both of you see the same text.')

    const fkey = JSON.stringify(e.flags)
    if (fkey !== this.flagsKey) {
      this.flagsKey = fkey
      this.renderFlags(e.flags)
    }
  }

  private changeItem (c: Record<string, unknown>, currency: string): HTMLElement {
    const p = changeParts(c, currency)
    const li = h('li', { class: 'neg-change' }, h('span', { class: 'chg-label' }, p.label, h('span', { class: 'sr-only' }, ': ')))
    if (p.text !== undefined) li.append(h('span', { class: 'chg-text' }, p.text))
    else {
      li.append(h('span', { class: 'chg-values' },
        h('span', { class: 'chg-old' }, p.from ?? ''), h('span', { class: 'chg-arrow', 'aria-label': 'to' }, ' → '), h('span', { class: 'chg-new' }, p.to ?? '')))
    }
    if (p.delta !== undefined) li.append(h('span', { class: 'chg-delta' }, p.delta))
    if (c.field === 'description') {
      const d = diffSentences(String(c.old ?? ''), String(c.new ?? ''))
      const marked = (segs: typeof d.b, tag: 'ins' | 'del'): HTMLElement =>
        h('p', { class: 'desc-text' }, ...segs.map((s) => s.marked ? h(tag, {}, s.text) : s.text))
      li.append(h('details', { class: 'chg-details' }, h('summary', {}, 'Show the new description'),
        marked(d.b, 'ins'),
        d.removed + d.reworded > 0 ? h('p', { class: 'hint' }, 'Removed or reworded:') : null,
        d.removed + d.reworded > 0 ? h('p', { class: 'desc-text desc-old' }, ...d.a.filter((s) => s.marked).map((s) => h('del', {}, s.text.trim() + ' '))) : null))
    }
    return li
  }

  private renderFlags (flags: Flag[]): void {
    if (flags.length === 0) {
      this.flags.replaceChildren()
      setHidden(this.flags, true)
      return
    }
    setHidden(this.flags, false)
    const rank = (s: string): number => s === 'danger' ? 0 : s === 'warning' ? 1 : 2
    const sorted = [...flags].sort((a, b) => rank(a.severity) - rank(b.severity))
    this.flags.replaceChildren(
      h('p', { class: 'neg-flags-head', id: 'neg-flags-head' }, `Only you can see ${flags.length === 1 ? 'this' : 'these'}`,
        h('span', { class: 'neg-flags-sub' }, ` · ${plural(flags.length, 'risk signal', 'risk signals')}`)),
      ...sorted.map((f) => {
        const sev = SEVERITY[f.severity] !== undefined ? f.severity : 'info'
        const where = flagSource(f.source)
        return h('div', { class: `flag flag-${sev}`, role: 'note', 'data-code': f.code },
          h('p', { class: 'flag-title' }, h('span', { class: 'flag-sev' }, SEVERITY[sev]), h('span', {}, flagTitle(f.code))),
          h('p', { class: 'flag-msg' }, f.message),
          f.evidence !== undefined && f.evidence !== ''
            ? h('p', { class: 'flag-evidence' }, h('q', {}, f.evidence), where !== '' ? h('span', { class: 'flag-where' }, ` ${where}`) : null)
            : null)
      }),
      h('p', { class: 'flag-foot' }, 'These signals are shown to you alone and never block anything. The other party does not see them.'))
  }
}
