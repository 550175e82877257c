// Answering a proposal change by change (docs/RULES.md, "Negotiation": partial decisions;
// docs/PROTOCOL.md, `decide`). In the proposal drawer the receiving party picks, for each change,
// Accept, Counter (with their own value, typed like the field itself) or Decline, and sends it
// all as one command: the accepted changes become the next version at once, the countered ones a
// counter-proposal by them. Whole Accept / Reject stay as they are.

import type { ProposalInfo, VersionInfo } from './api'
import { type CommandResult, type Commands, explainError } from './commands'
import type { Proposal } from './doc'
import { h, setHidden, setText, toggleClass, tr } from './dom'
import { formatAmountInput, parseHours, parseMoney, type Parsed } from './format'
import { t } from './i18n'
import { ReasonPicker } from './outcomes'
import { fieldLabel } from './types'

export type Outcome = 'accepted' | 'countered' | 'declined'
const OUTCOMES: Outcome[] = ['accepted', 'countered', 'declined']

type Change = Record<string, unknown>

/** A change's stable key, as the server names it (server/offers/partial.py `change_key`). */
export function changeKey (c: Change): string {
  return c.field === 'milestones' ? `milestone:${String(c.id)}` : String(c.field)
}

/** What a counter input holds for a change: which kind of value, and what it starts with. */
type Kind = 'money' | 'hours' | 'date' | 'text' | 'long_text' | 'contract' | 'bool' | 'amount' | 'none'

function kindOf (c: Change): Kind {
  switch (c.field) {
    case 'hourly_rate': case 'fixed_price': return 'money'
    case 'weekly_limit': return 'hours'
    case 'start_date': case 'end_date': return 'date'
    case 'title': case 'currency': return 'text'
    case 'description': return 'long_text'
    case 'contract_type': return 'contract'
    case 'manual_time': return 'bool'
    case 'milestones': return c.op === 'moved' ? 'none' : 'amount'
    default: return 'text'
  }
}

/** The receiver's value typed into a counter input, as the command carries it. */
export function parseCounter (kind: Kind, text: string, currency: string, row: Record<string, unknown> | null): Parsed<unknown> {
  switch (kind) {
    case 'money': return parseMoney(text, currency)
    case 'hours': return parseHours(text)
    case 'date': {
      const s = text.trim()
      if (s === '') return { ok: true, value: null }
      return /^\d{4}-\d{2}-\d{2}$/.test(s) ? { ok: true, value: s } : { ok: false, error: t('decide.bad_date') }
    }
    case 'amount': {
      const parsed = parseMoney(text, currency)
      if (!parsed.ok) return parsed
      if (parsed.value === null) return { ok: false, error: t('decide.amount_required') }
      const { title, due_date: due } = row ?? {}
      return { ok: true, value: { title: typeof title === 'string' ? title : '', amount: parsed.value, due_date: typeof due === 'string' ? due : null } }
    }
    case 'bool': return { ok: true, value: text === 'true' }
    default: return { ok: true, value: text }
  }
}

/** The text a counter input starts with: the proposed value, written like the field. */
function startText (kind: Kind, c: Change, currency: string): string {
  const v = c.new ?? c.old
  switch (kind) {
    case 'money': return typeof v === 'number' ? formatAmountInput(v, currency) : ''
    case 'hours': return typeof v === 'number' ? String(v) : ''
    case 'amount': {
      const row = (v ?? {}) as Record<string, unknown>
      return typeof row.amount === 'number' ? formatAmountInput(row.amount, currency) : ''
    }
    case 'bool': return String(v === true)
    default: return typeof v === 'string' ? v : ''
  }
}

/** One change's answer: three radios and, for Counter, an input with the receiver's value. */
class ChangeControl {
  readonly el: HTMLElement
  readonly kind: Kind
  choice: Outcome | null = null
  private readonly input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | null
  private readonly counterWrap: HTMLElement
  private readonly error = h('p', { class: 'dec-error', role: 'alert' })
  private readonly radios: Partial<Record<Outcome, HTMLInputElement>> = {}

  constructor (readonly key: string, readonly change: Change, private readonly currency: string, name: string, onChange: () => void) {
    this.kind = kindOf(change)
    const id = `dec-${name}`
    const group = h('div', { class: 'dec-choices', role: 'radiogroup', 'aria-label': tr('decide.group', { change: labelOf(change) }) })
    for (const o of OUTCOMES) {
      if (o === 'countered' && this.kind === 'none') continue
      const radio = h('input', { type: 'radio', name: id, id: `${id}-${o}`, value: o, onchange: () => { this.pick(o); onChange() } })
      this.radios[o] = radio
      group.append(h('span', { class: `dec-choice dec-${o}` }, radio, h('label', { for: `${id}-${o}` }, tr(`decide.${o}`))))
    }
    const inputId = `${id}-value`
    this.input = this.makeInput(inputId, onChange)
    this.counterWrap = h('div', { class: 'dec-counter', hidden: true },
      h('label', { for: inputId, class: 'dec-counter-label' }, tr(this.kind === 'amount' ? 'decide.your_amount' : 'decide.your_value')),
      h('div', { class: 'control-wrap' }, this.input), this.error)
    setHidden(this.error, true)
    this.el = h('div', { class: 'dec-row' }, group, this.counterWrap)
  }

  private makeInput (id: string, onChange: () => void): HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | null {
    const start = startText(this.kind, this.change, this.currency)
    const changed = (): void => { this.validate(); onChange() }
    switch (this.kind) {
      case 'none': return null
      case 'long_text': {
        const ta = h('textarea', { id, rows: '4', oninput: changed })
        ta.value = start
        return ta
      }
      case 'contract': case 'bool': {
        const options = this.kind === 'contract' ? [['hourly', 'contract.hourly'], ['fixed', 'contract.fixed']] : [['true', 'decide.yes'], ['false', 'decide.no']]
        const sel = h('select', { id, onchange: changed }, ...options.map(([v, k]) => h('option', { value: v }, tr(k))))
        sel.value = start
        return sel
      }
      default: {
        const input = h('input', { id, type: this.kind === 'date' ? 'date' : 'text', autocomplete: 'off', oninput: changed, inputmode: this.kind === 'money' || this.kind === 'amount' ? 'decimal' : this.kind === 'hours' ? 'numeric' : null })
        input.value = start
        return input
      }
    }
  }

  private pick (o: Outcome): void {
    this.choice = o
    setHidden(this.counterWrap, o !== 'countered')
    toggleClass(this.el, 'dec-picked', true)
    this.el.dataset.choice = o
    if (o === 'countered') this.validate()
  }

  /** The countered value, or null (and the reason shown) when what is typed cannot be read. */
  value (): Parsed<unknown> {
    if (this.input === null) return { ok: false, error: '' }
    const row = (this.change.new ?? this.change.old ?? null) as Record<string, unknown> | null
    return parseCounter(this.kind, this.input.value, this.currency, row)
  }

  validate (): boolean {
    const v = this.choice === 'countered' ? this.value() : { ok: true as const, value: null }
    setText(this.error, v.ok ? '' : v.error)
    setHidden(this.error, v.ok)
    this.input?.setAttribute('aria-invalid', String(!v.ok))
    return v.ok
  }

  showProblem (message: string): void {
    setText(this.error, message)
    setHidden(this.error, false)
  }

  setDisabled (disabled: boolean): void {
    for (const r of Object.values(this.radios)) r.disabled = disabled
    if (this.input !== null) this.input.disabled = disabled
  }
}

function labelOf (c: Change): string {
  if (c.field === 'milestones') {
    const row = (c.new ?? c.old ?? {}) as Record<string, unknown>
    return typeof row.title === 'string' && row.title !== '' ? t('change.milestone', { title: row.title }) : t('change.milestone_untitled')
  }
  return fieldLabel(String(c.field))
}

export interface DecideDeps {
  commands: Commands
  /** The agreed version the drawer is looking at. */
  version: () => number
  /** The decision went through: say so (a toast). Refusals are shown in the box. */
  done: (r: CommandResult) => void
}

/** State for the drawer's "Answer change by change" mode. */
export class DecideBox {
  /** The button that opens the mode (next to Accept / Reject). */
  readonly toggle: HTMLButtonElement
  /** The footer: what is left to choose, an optional reason, Send decision, Cancel. */
  readonly el: HTMLElement
  private open = false
  private proposalId: string | null = null
  private controls = new Map<string, ChangeControl>()
  private readonly left = h('p', { class: 'dec-left', role: 'status' })
  private readonly reason = h('input', { id: 'dec-reason', type: 'text', maxlength: '1000', autocomplete: 'off' })
  private readonly sendBtn: HTMLButtonElement
  private readonly message = h('p', { class: 'neg-msg', role: 'alert' })
  /** Declining every change is a reject: its category is required then (outcomes.ts). */
  private readonly reasonPicker = new ReasonPicker()
  private readonly reasonHint = h('p', { class: 'hint dec-reason-hint' }, tr('decide.reason_code_hint'))
  private readonly reasonBox = h('div', { class: 'dec-reason-code', hidden: true }, this.reasonHint, this.reasonPicker.el)
  private busy = false

  constructor (private readonly deps: DecideDeps) {
    this.toggle = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-expanded': 'false', onclick: () => this.setOpen(!this.open) }, tr('decide.open'))
    this.sendBtn = h('button', { type: 'button', class: 'btn btn-primary', onclick: () => this.send() }, tr('decide.send'))
    this.el = h('div', { class: 'dec-foot', hidden: true, role: 'group', 'aria-label': tr('decide.foot') },
      h('p', { class: 'hint dec-intro' }, tr('decide.intro')),
      this.left,
      this.reasonBox,
      h('label', { for: 'dec-reason', class: 'neg-label' }, tr('decide.reason')), h('div', { class: 'control-wrap' }, this.reason),
      this.message,
      h('div', { class: 'neg-actions' }, this.sendBtn,
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => this.setOpen(false) }, tr('common.cancel'))))
  }

  /** The control for one change of the drawer's list (kept across redraws of the list). */
  control (p: Proposal, c: Change, currency: string): HTMLElement | null {
    this.forProposal(p.id)
    const key = changeKey(c)
    let ctl = this.controls.get(key)
    if (ctl === undefined) {
      ctl = new ChangeControl(key, c, currency, `${this.controls.size}`, () => this.refresh())
      this.controls.set(key, ctl)
    }
    setHidden(ctl.el, !this.open)
    return ctl.el
  }

  private forProposal (id: string): void {
    if (id === this.proposalId) return
    this.proposalId = id
    this.controls = new Map()
    this.reason.value = ''
    this.reasonPicker.reset('reject')
    setText(this.message, '')
    this.setOpen(false)
  }

  private setOpen (open: boolean): void {
    this.open = open
    this.toggle.setAttribute('aria-expanded', String(open))
    setText(this.toggle, t(open ? 'decide.close' : 'decide.open'))
    setHidden(this.el, !open)
    for (const ctl of this.controls.values()) setHidden(ctl.el, !open)
    const list = this.toggle.closest('.card')?.querySelector('.neg-changes')
    if (list instanceof HTMLElement) toggleClass(list, 'deciding', open)
    if (open) this.controls.values().next().value?.el.querySelector('input')?.focus()
    this.refresh()
  }

  /** Show or hide the mode with the drawer; disable it while a command is on its way. */
  render (p: Proposal | null, canDecide: boolean, busy: boolean): void {
    if (p === null || !canDecide) {
      if (this.open) this.setOpen(false)
      setHidden(this.toggle, true)
      return
    }
    this.forProposal(p.id)
    setHidden(this.toggle, false)
    this.busy = busy
    this.toggle.disabled = busy && !this.open
    for (const ctl of this.controls.values()) ctl.setDisabled(busy)
    this.refresh()
  }

  private refresh (): void {
    const ctls = [...this.controls.values()]
    const missing = ctls.filter((c) => c.choice === null).length
    const counts = OUTCOMES.map((o) => ctls.filter((c) => c.choice === o).length)
    setText(this.left, missing > 0 ? t('decide.left', { n: missing })
      : t('decide.summary', { accepted: counts[0], countered: counts[1], declined: counts[2] }))
    setHidden(this.reasonBox, !allDeclined(ctls.map((c) => c.choice)))
    this.reasonPicker.setDisabled(this.busy)
    const invalid = ctls.some((c) => c.choice === 'countered' && !c.value().ok)
    this.sendBtn.disabled = this.busy || missing > 0 || invalid || ctls.length === 0
    setText(this.sendBtn, this.deps.commands.inFlight === 'decide' ? t('decide.sending') : t('decide.send'))
  }

  private send (): void {
    if (this.proposalId === null || this.deps.commands.busy) return
    const accept: string[] = []
    const decline: string[] = []
    const counter: Record<string, unknown> = {}
    for (const ctl of this.controls.values()) {
      if (ctl.choice === 'accepted') accept.push(ctl.key)
      else if (ctl.choice === 'declined') decline.push(ctl.key)
      else if (ctl.choice === 'countered') {
        const v = ctl.value()
        if (!v.ok) { ctl.validate(); return }
        counter[ctl.key] = v.value
      } else return
    }
    const rejecting = allDeclined([...this.controls.values()].map((c) => c.choice))
    const code = rejecting ? this.reasonPicker.require() : null
    if (rejecting && code === null) return
    setText(this.message, '')
    const reason = this.reason.value.trim()
    void this.deps.commands.send('decide', decideFields({
      proposalId: this.proposalId, version: this.deps.version(), accept, counter, decline, reason, reasonCode: code
    })).then((r) => {
      if (r.ok) {
        this.setOpen(false)
        this.deps.done(r)
        return
      }
      for (const f of r.error.fields ?? []) this.controls.get(f.field)?.showProblem(f.message)
      setText(this.message, explainError(r.error))
      this.refresh()
    })
  }
}

/** Every change is declined: the decision is a reject, and takes a reason category. */
export function allDeclined (choices: Array<Outcome | null>): boolean {
  return choices.length > 0 && choices.every((c) => c === 'declined')
}

/** The `decide` command's fields; `reason_code` only when every change is declined. */
export function decideFields (d: { proposalId: string, version: number, accept: string[], counter: Record<string, unknown>, decline: string[], reason: string, reasonCode: string | null }): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    proposal_id: d.proposalId, base_version: d.version, accept: d.accept, counter: d.counter, decline: d.decline, reason: d.reason === '' ? null : d.reason
  }
  if (d.reasonCode !== null && d.accept.length === 0 && Object.keys(d.counter).length === 0) fields.reason_code = d.reasonCode
  return fields
}

/** A decided proposal's outcomes in words, one line per outcome that has changes:
 *  "Accepted: Hourly rate", "Countered: Start date, End date". */
export function outcomeLines (outcomes: Record<string, string> | undefined, milestoneTitle: (id: string) => string | null): string[] {
  if (outcomes === undefined) return []
  const label = (key: string): string => {
    if (!key.startsWith('milestone:')) return fieldLabel(key)
    const title = milestoneTitle(key.slice('milestone:'.length))
    return title !== null && title !== '' ? t('change.milestone', { title }) : t('change.milestone_untitled')
  }
  return OUTCOMES.flatMap((o) => {
    const keys = Object.entries(outcomes).filter(([, v]) => v === o).map(([k]) => label(k))
    return keys.length === 0 ? [] : [t(`decide.history.${o}`, { changes: keys.join(', ') })]
  })
}

/** Under a version: which changes of the proposal it took part of were accepted, countered and
 *  declined, and likewise for the proposals made on it that were countered without accepting
 *  anything (history.ts); null when there are none. */
export function versionOutcomes (v: VersionInfo, proposals: ProposalInfo[]): HTMLElement | null {
  const decided = proposals.filter((p) => (p.id === v.proposal_id && p.status === 'partially_accepted') ||
    (p.base_version === v.number && p.status === 'countered'))
  const lists = decided.flatMap((p) => {
    const titles = new Map([...p.terms.milestones, ...v.terms.milestones].map((m) => [m.id, m.title]))
    const lines = outcomeLines(p.outcomes, (id) => titles.get(id) ?? null)
    return lines.length === 0 ? [] : [h('ul', { class: 'ver-outcomes', 'data-proposal': p.id, 'data-status': p.status }, ...lines.map((line) => h('li', {}, line)))]
  })
  return lists.length === 0 ? null : h('div', { class: 'ver-decisions' }, ...lists)
}
