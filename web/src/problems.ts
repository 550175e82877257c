// The draft's problems in the room: each at its field while it lasts (FieldRegistry.setProblem),
// and, when Propose is pressed, all of them in the negotiation panel, each with its field's name
// as a link that takes the cursor there. The rules are validate.ts's (the server's, mirrored);
// what the server still refuses (`error{invalid_terms, fields}`) is listed the same way.

import type { OfferDoc } from './doc'
import { h, setHidden, setText } from './dom'
import type { FieldRegistry } from './fields'
import { t } from './i18n'
import type { FieldProblem, Milestone } from './types'
import { type DraftTerms, type MilestoneTerms, type Problem, checkProposal, currentLimits, problemFieldName, problemTarget, problemText, todayUtc } from './validate'

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const rows = (ms: Milestone[]): MilestoneTerms[] => ms.map((m) => ({ id: m.id, title: m.title, amount: m.amount, due_date: m.due_date }))

/** The live draft as terms. */
export function draftOf (od: OfferDoc): DraftTerms {
  return {
    title: od.str('title') ?? '',
    contract_type: od.contractType,
    currency: od.currency,
    hourly_rate: od.num('hourly_rate'),
    weekly_limit: od.num('weekly_limit'),
    manual_time: od.term('manual_time') === true,
    fixed_price: od.num('fixed_price'),
    start_date: od.str('start_date'),
    end_date: od.str('end_date'),
    description: od.description.toString(),
    milestones: rows(od.draftMilestones())
  }
}

/** The agreed version as terms (what "changed" and "in the past" are measured against). */
export function committedOf (od: OfferDoc): DraftTerms {
  const v = (k: string): unknown => od.committedValue(k)
  return {
    title: str(v('title')) ?? '',
    contract_type: v('contract_type') === 'fixed' ? 'fixed' : 'hourly',
    currency: str(v('currency')) ?? od.currency,
    hourly_rate: num(v('hourly_rate')),
    weekly_limit: num(v('weekly_limit')),
    manual_time: v('manual_time') === true,
    fixed_price: num(v('fixed_price')),
    start_date: str(v('start_date')),
    end_date: str(v('end_date')),
    description: str(v('description')) ?? '',
    milestones: rows(od.committedMilestones())
  }
}

/** What the draft breaks now, the whole-draft "nothing changed" left out (Propose is off then). */
export function draftProblems (od: OfferDoc): Problem[] {
  if (!od.hasCommitted()) return []
  return checkProposal(draftOf(od), committedOf(od), currentLimits(), todayUtc()).filter((p) => p.field !== 'terms')
}

export interface ProblemDeps {
  od: OfferDoc
  fields: FieldRegistry
}

export class Problems {
  /** The checklist under Propose (hidden until Propose finds something). */
  readonly el: HTMLElement
  private readonly head = h('p', { class: 'neg-problems-head', id: 'neg-problems-head' })
  private readonly list = h('ul', { class: 'neg-problems-list', 'aria-labelledby': 'neg-problems-head' })
  private readonly deps: ProblemDeps
  /** Listing: after Propose found problems, until none is left. */
  private listing = false
  /** What the server refused that the app's own check did not find (shown until the next edit). */
  private server: Problem[] = []
  private serverMessages = new Map<string, string>()
  private key = ''
  private marked = new Set<string>()

  constructor (deps: ProblemDeps) {
    this.deps = deps
    this.el = h('div', { class: 'neg-problems', role: 'alert', hidden: true }, this.head, this.list)
  }

  /** Propose was pressed: true (and the list shown) when the draft cannot be proposed. */
  blockPropose (): boolean {
    this.server = []
    const found = draftProblems(this.deps.od)
    this.listing = found.length > 0
    this.render()
    return this.listing
  }

  /** The server refused the proposal with `invalid_terms`: list what it found. */
  showServer (fields: FieldProblem[]): void {
    this.server = fields.filter((f) => f.field !== 'terms').map((f) => ({ field: f.field, code: f.code ?? '', params: f.params ?? undefined }))
    this.serverMessages = new Map(fields.map((f) => [`${f.field}|${f.code ?? ''}`, f.message]))
    this.listing = true
    this.render()
  }

  /** The draft changed: the server's list is stale. */
  edited (): void {
    this.server = []
  }

  /** Each field's problem at the field (when `active`); the list, while it is shown. */
  render (active = true): void {
    const { od, fields } = this.deps
    const draft = draftOf(od)
    const local = active ? draftProblems(od) : []
    // At the fields: one line per field, its problems joined.
    const at = new Map<string, string[]>()
    for (const p of local) {
      const target = problemTarget(p.field, draft.milestones)
      if (target === null) continue
      at.set(target, [...(at.get(target) ?? []), problemText(p, draft)])
    }
    for (const name of this.marked) if (!at.has(name)) fields.setProblem(name, null)
    for (const [name, texts] of at) fields.setProblem(name, texts.join(' · '))
    this.marked = new Set(at.keys())

    const shown = local.length > 0 ? local : this.server
    if (this.listing && shown.length === 0) this.listing = false
    setHidden(this.el, !this.listing)
    if (!this.listing) return
    const key = JSON.stringify([t('validate.go_to', { field: '' }), shown, draft.currency, draft.start_date, draft.end_date])
    if (key === this.key) return
    this.key = key
    setText(this.head, t('validate.list_head', { n: shown.length }))
    this.list.replaceChildren(...shown.map((p) => {
      const name = problemFieldName(p.field)
      const control = this.controlOf(p.field, draft)
      const link = h('a', {
        href: control !== null ? `#${control.id}` : '#negotiation',
        class: 'problem-link',
        onclick: (e: Event) => {
          e.preventDefault()
          const target = this.controlOf(p.field, draftOf(od))
          if (target === null) return
          target.scrollIntoView({ block: 'center' })
          target.focus()
        }
      }, name)
      return h('li', {}, link, ': ', problemText(p, draft, this.serverMessages.get(`${p.field}|${p.code}`)))
    }))
  }

  /** The control a problem is about: a milestone row's title, amount or due date by its path. */
  private controlOf (field: string, draft: DraftTerms): HTMLElement | null {
    const target = problemTarget(field, draft.milestones)
    const view = target === null ? undefined : this.deps.fields.get(target)
    if (view === undefined) return null
    const controls = view.controls()
    const part = /^milestones\[\d+\]\.(\w+)$/.exec(field)?.[1]
    const index = part === 'amount' ? 1 : part === 'due_date' ? 2 : 0
    return controls[index] ?? controls[0] ?? null
  }
}
