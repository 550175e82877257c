// The proposal drawer's content (docs/RULES.md, "Negotiation", "Explanations"): who proposed
// what — every change old → new in
// the viewer's locale — the note, the explanation as it streams (the same words to both parties),
// its attribution, and the risk flags only this reader receives.

import { type AssistExplain, ExplainLanguages, assistDelta, assistDone, assistFallbackNote } from './assist-explain'
import { diffSentences, sentenceSummary } from './compare'
import { changeKey } from './decide'
import type { Proposal } from './doc'
import { changersLine, proposalChangers } from './attribution'
import { h, setHidden, setText, toggleClass, tr } from './dom'
import { daysBetween, formatDate, formatMoney, formatMoneyDelta, formatPercentDelta } from './format'
import { describeValue } from './highlights'
import { lang, t } from './i18n'
import { firstName } from './status'
import { fieldLabel } from './types'

export interface Flag { code: string, severity: string, message: string, evidence?: string, source?: string }

export interface ExplanationState extends AssistExplain {
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
      if (!e.done) assistDelta(e, msg) // appends; `replay` replaces; a fallback clears first
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
        flags: Array.isArray(msg.flags) ? msg.flags as Flag[] : [],
        ...assistDone(msg, prev)
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
        flags: [], // private: they come only in this reader's own explain_done
        ...assistDone(s, live)
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
  return typeof v === 'number' ? formatMoney(v, currency) : t('value.not_set')
}

function dateShift (a: unknown, b: unknown): string | undefined {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined
  const d = daysBetween(a, b)
  if (d === null || d === 0) return undefined
  return t(d > 0 ? 'change.days_later' : 'change.days_earlier', { n: Math.abs(d) })
}

/** One FieldChange (server/offers/diff.py) in parts a person reads. */
export function changeParts (c: Record<string, unknown>, currency: string): ChangeParts {
  const field = String(c.field)
  if (field === 'description') {
    const d = diffSentences(String(c.old ?? ''), String(c.new ?? ''))
    return { label: t('field.description'), text: sentenceSummary(d) || t('change.reworded') }
  }
  if (field === 'milestones') {
    const row = (c.new ?? c.old ?? {}) as Record<string, unknown>
    const label = typeof row.title === 'string' && row.title !== '' ? t('change.milestone', { title: row.title }) : t('change.milestone_untitled')
    const date = (v: unknown): string => typeof v === 'string' ? formatDate(v) : t('value.not_set')
    switch (c.op) {
      case 'added': return {
        label,
        text: typeof row.due_date === 'string'
          ? t('change.ms_added_due', { amount: money(row.amount, currency), due: formatDate(row.due_date) })
          : t('change.ms_added', { amount: money(row.amount, currency) })
      }
      case 'removed': return { label, text: t('change.ms_removed', { amount: money(row.amount, currency) }) }
      case 'moved': return { label, text: t('change.ms_moved') }
      default: {
        const keys = Array.isArray(c.keys) ? c.keys as Array<Record<string, unknown>> : []
        const parts = keys.map((k) => k.key === 'amount'
          ? t('change.ms_amount', { from: money(k.old, currency), to: money(k.new, currency) })
          : k.key === 'due_date'
            ? t('change.ms_due', { from: date(k.old), to: date(k.new) })
            : t('change.ms_title', { from: String(k.old), to: String(k.new) }))
        if (parts.length === 0) parts.push(t('change.ms_changed'))
        if (c.moved === true) parts.push(t('change.ms_moved_short'))
        return { label, text: parts.join('; ') }
      }
    }
  }
  const parts: ChangeParts = { label: fieldLabel(field), from: describeValue(field, c.old, currency), to: describeValue(field, c.new, currency) }
  if ((field === 'hourly_rate' || field === 'fixed_price') && typeof c.old === 'number' && typeof c.new === 'number') {
    const diff = c.new - c.old
    parts.delta = formatMoneyDelta(diff, currency) + (c.old > 0 ? ` (${formatPercentDelta(diff / c.old)})` : '')
  } else if (field === 'weekly_limit' && typeof c.old === 'number' && typeof c.new === 'number') {
    parts.delta = t(c.new > c.old ? 'change.hours_more' : 'change.hours_less', { n: Math.abs(c.new - c.old) })
  } else if (field === 'start_date' || field === 'end_date') {
    parts.delta = dateShift(c.old, c.new)
  }
  return parts
}

/** One proposed change in a line: "Hourly rate: $45.00/h → $50.00/h". */
export function describeChange (c: Record<string, unknown>, currency: string): string {
  const p = changeParts(c, currency)
  return p.text !== undefined ? t('change.line_text', { label: p.label, text: p.text }) : t('change.line', { label: p.label, from: p.from ?? '', to: p.to ?? '' })
}

// --- flags and attribution -----------------------------------------------------------------

/** Risk signals with a title in the catalog ("flag.<code>"); others read as their code. */
const FLAG_CODES = new Set(['off_platform_contact', 'off_platform_payment', 'off_platform_contract', 'crypto', 'overpayment', 'equipment_reimbursement',
  'gift_cards', 'upfront_fee', 'personal_data', 'unpaid_test', 'pressure', 'rate_below_policy', 'high_pay_vague_task',
  'milestone_sum_mismatch', 'supplies_no_milestones', 'large_upfront_milestone'])

const SEVERITIES = new Set(['danger', 'warning', 'info'])
/** "High risk", "Caution", "Note". */
const severityLabel = (sev: string): string => t(`severity.${SEVERITIES.has(sev) ? sev : 'info'}`)

function flagSource (source: string | undefined): string {
  if (source === undefined || source === '' || source === 'terms') return ''
  if (source === 'note') return t('flag.in_note')
  const m = /^milestones\[(\d+)\]/.exec(source)
  if (m !== null) return t('flag.in_milestone', { n: Number(m[1]) + 1 })
  // English reads "in the hourly rate"; the other languages name the field as its label.
  const label = fieldLabel(source)
  return t('flag.in_field', { field: lang() === 'en' ? label.toLowerCase() : label })
}

export function flagTitle (code: string): string {
  return FLAG_CODES.has(code) ? t(`flag.${code}`) : code.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase())
}

/** "AI: claude-…" or "Offline explainer". */
export function attribution (e: ExplanationState): string {
  if (!e.done) return t('explain.writing')
  if (e.explainer === 'offline' || e.explainer === undefined) return t('explain.offline')
  return t('explain.ai', { model: e.model ?? e.explainer })
}

/** Why the text is not (or not only) what an AI wrote, when that is the case. */
export function fallbackNote (e: ExplanationState): string | null {
  if (!e.done) return null
  const offline = t('explain.offline_note')
  switch (e.fallback) {
    case null: case undefined: break
    case 'ungrounded': case 'timeout': case 'error': case 'empty': case 'wrong_language':
      return `${t(`explain.fallback.${e.fallback}`)} ${offline}`
    default: return `${t('explain.fallback.other', { reason: e.fallback })} ${offline}`
  }
  if (e.grounded === false) return t('explain.unchecked')
  return null
}

// --- the view ----------------------------------------------------------------------------------

export class ProposalView {
  readonly el: HTMLElement
  private readonly by = h('p', { class: 'neg-by' })
  private readonly note = h('blockquote', { class: 'neg-note' })
  private readonly changes = h('ul', { class: 'neg-changes', 'aria-label': tr('proposal.changes') })
  private readonly explain: HTMLElement
  private readonly attrib = h('span', { class: 'neg-attrib' })
  private readonly typing = h('p', { class: 'neg-typing' },
    h('span', { class: 'typing-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), h('span', {}, tr('explain.writing_long')))
  private readonly text = h('p', { class: 'neg-explain-text' })
  private readonly fallback = h('p', { class: 'neg-fallback', role: 'note' })
  private readonly source = h('p', { class: 'neg-source' })
  private readonly flags = h('div', { class: 'neg-flags', role: 'group', 'aria-labelledby': 'neg-flags-head' })
  private changesKey = ''
  private flagsKey = ''
  private readonly langs = new ExplainLanguages()
  /** A counter-proposal says so (decide.ts). */
  private readonly counterNote = h('p', { class: 'hint neg-counter-note', hidden: true }, tr('decide.counter_to'))
  /** What each change's row carries besides the change (decide.ts: Accept / Counter / Decline). */
  extras: ((p: Proposal, c: Record<string, unknown>, currency: string) => HTMLElement | null) | null = null

  constructor () {
    this.explain = h('div', { class: 'neg-explain', 'aria-live': 'polite', 'aria-busy': 'false' },
      h('p', { class: 'neg-explain-head' }, tr('explain.head')),
      this.typing, this.text, this.fallback, h('div', { class: 'neg-foot' }, this.attrib, this.source))
    this.el = h('div', { class: 'neg-proposal' }, this.by, this.counterNote, this.note, this.changes, this.explain, this.flags)
  }

  /** `explain` false: the offer's variant has no explanations (features.ts), so none is shown
   *  or waited for. */
  render (p: Proposal, e: ExplanationState, currency: string, meId: string | null, explain = true): void {
    const mine = p.by !== null && p.by.id === meId
    const who = mine ? 'yours' : p.by === null ? 'nobody' : 'by'
    setText(this.by, p.base_version !== null
      ? t(`proposal.${who}_version`, { name: p.by?.name ?? '', version: String(p.base_version) })
      : t(`proposal.${who}`, { name: p.by?.name ?? '' }))
    const note = typeof p.raw.note === 'string' ? p.raw.note.trim() : ''
    setHidden(this.note, note === '')
    setText(this.note, note)
    if (note !== '') {
      this.note.setAttribute('aria-label', mine ? t('proposal.note_from_you')
        : p.by === null ? t('proposal.note_from_proposer') : t('proposal.note_from', { name: firstName(p.by.name) }))
    }

    setHidden(this.counterNote, typeof p.raw.counter_to !== 'string')
    const list = Array.isArray(p.raw.changes) ? p.raw.changes as Array<Record<string, unknown>> : []
    const key = JSON.stringify([lang(), p.id, list, currency, p.raw.changed_by, meId])
    if (key !== this.changesKey) {
      this.changesKey = key
      const named = new Set<unknown>() // who changed a field: once, on its first row
      this.changes.replaceChildren(...list.map((c) => {
        const li = this.changeItem(c, currency)
        if (!named.has(c.field)) li.append(changersLine(proposalChangers(p.raw.changed_by, String(c.field)), meId) ?? '')
        named.add(c.field)
        li.dataset.key = changeKey(c)
        const extra = this.extras?.(p, c, currency) ?? null
        if (extra !== null) li.append(extra)
        return li
      }))
    }

    setHidden(this.explain, !explain)
    if (!explain) {
      this.explain.setAttribute('aria-busy', 'false')
      toggleClass(this.explain, 'streaming', false)
      return
    }
    this.explain.setAttribute('aria-busy', String(!e.done))
    toggleClass(this.explain, 'streaming', !e.done)
    setText(this.attrib, attribution(e))
    toggleClass(this.attrib, 'ai', e.done && e.explainer !== 'offline' && e.explainer !== undefined)
    setHidden(this.typing, e.done || e.text !== '')
    setHidden(this.text, e.text === '')
    setText(this.text, this.langs.render(e, p.id, this.text, this.fallback))
    const fb = assistFallbackNote(e) ?? fallbackNote(e)
    setHidden(this.fallback, fb === null)
    setText(this.fallback, fb ?? '')
    setText(this.source, !e.done ? t('explain.source_streaming')
      : e.explainer === 'offline' || e.explainer === undefined ? t('explain.source_offline')
        : t('explain.source_ai'))

    const fkey = JSON.stringify([lang(), e.flags])
    if (fkey !== this.flagsKey) {
      this.flagsKey = fkey
      this.renderFlags(e.flags)
    }
  }

  private changeItem (c: Record<string, unknown>, currency: string): HTMLElement {
    const p = changeParts(c, currency)
    const li = h('li', { class: 'neg-change' }, h('span', { class: 'chg-label' }, p.label, h('span', { class: 'sr-only' }, t('proposal.label_sep'))))
    if (p.text !== undefined) li.append(h('span', { class: 'chg-text' }, p.text))
    else {
      li.append(h('span', { class: 'chg-values' },
        h('span', { class: 'chg-old' }, p.from ?? ''), h('span', { class: 'chg-arrow', 'aria-label': t('proposal.to') }, ' → '), h('span', { class: 'chg-new' }, p.to ?? '')))
    }
    if (p.delta !== undefined) li.append(h('span', { class: 'chg-delta' }, p.delta))
    if (c.field === 'description') {
      const d = diffSentences(String(c.old ?? ''), String(c.new ?? ''))
      const marked = (segs: typeof d.b, tag: 'ins' | 'del'): HTMLElement =>
        h('p', { class: 'desc-text' }, ...segs.map((s) => s.marked ? h(tag, {}, s.text) : s.text))
      li.append(h('details', { class: 'chg-details' }, h('summary', {}, t('proposal.show_description')),
        marked(d.b, 'ins'),
        d.removed + d.reworded > 0 ? h('p', { class: 'hint' }, t('proposal.removed_or_reworded')) : null,
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
      h('p', { class: 'neg-flags-head', id: 'neg-flags-head' }, t('flags.only_you', { n: flags.length }),
        h('span', { class: 'neg-flags-sub' }, ` · ${t('flags.count', { n: flags.length })}`)),
      ...sorted.map((f) => {
        const sev = SEVERITIES.has(f.severity) ? f.severity : 'info'
        const where = flagSource(f.source)
        return h('div', { class: `flag flag-${sev}`, role: 'note', 'data-code': f.code },
          h('p', { class: 'flag-title' }, h('span', { class: 'flag-sev' }, severityLabel(sev)), h('span', {}, flagTitle(f.code))),
          h('p', { class: 'flag-msg' }, f.message),
          f.evidence !== undefined && f.evidence !== ''
            ? h('p', { class: 'flag-evidence' }, h('q', {}, f.evidence), where !== '' ? h('span', { class: 'flag-where' }, ` ${where}`) : null)
            : null)
      }),
      h('p', { class: 'flag-foot' }, t('flags.foot')))
  }
}
