// The negotiation panel (DESIGN §7, §10): propose the draft, answer a proposal, read its streamed
// explanation and private risk flags, and accept, decline or withdraw the offer. Whose turn it is
// is always stated in words.

import type { Connection } from './connection'
import type { OfferDoc, Proposal } from './doc'
import { h, setHidden, setText, toggleClass } from './dom'
import type { FieldRegistry } from './fields'
import { formatDate, formatMoney } from './format'
import { type Change, describeValue } from './highlights'
import type { Notices } from './notices'
import { type PartyRef, type UserInfo, fieldLabel } from './types'

interface Flag { code: string, severity: string, message: string, evidence?: string }
interface Explanation { text: string, done: boolean, explainer?: string, model?: string | null, grounded?: boolean, fallback?: string | null, flags: Flag[] }
interface InFlight { id: string, kind: string, timer: ReturnType<typeof setTimeout> }
type Msg = Record<string, unknown> & { type: string }

export interface NegotiationDeps {
  od: OfferDoc
  conn: Connection
  fields: FieldRegistry
  notices: Notices
  me: () => UserInfo | null
  canAct: () => boolean
}

const DONE_TEXT: Record<string, string> = {
  propose: 'Proposal sent.',
  accept: 'Proposal accepted: a new version is agreed.',
  reject: 'Proposal rejected: the draft is back to the agreed terms.',
  withdraw_proposal: 'Proposal withdrawn.',
  accept_offer: 'You accepted the offer.',
  decline_offer: 'You declined the offer.',
  withdraw_offer: 'You withdrew the offer.'
}

function newId (): string {
  const b = new Uint8Array(6)
  crypto.getRandomValues(b)
  return 'cmd-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** One proposed change in words: "Hourly rate: $45.00/h → $50.00/h". */
export function describeChange (c: Record<string, unknown>, currency: string): string {
  const field = String(c.field)
  if (field === 'description') return 'Description (scope of work) rewritten'
  if (field === 'milestones') {
    const row = (c.new ?? c.old ?? {}) as Record<string, unknown>
    const title = typeof row.title === 'string' && row.title !== '' ? `“${row.title}”` : 'Untitled'
    const money = (v: unknown): string => typeof v === 'number' ? formatMoney(v, currency) : '—'
    switch (c.op) {
      case 'added': return `Milestone ${title} added: ${money(row.amount)}${typeof row.due_date === 'string' ? `, due ${formatDate(row.due_date)}` : ''}`
      case 'removed': return `Milestone ${title} removed`
      case 'moved': return `Milestone ${title} moved`
      default: {
        const keys = Array.isArray(c.keys) ? c.keys as Array<Record<string, unknown>> : []
        const parts = keys.map((k) => k.key === 'amount'
          ? `amount ${money(k.old)} → ${money(k.new)}`
          : k.key === 'due_date'
            ? `due ${typeof k.old === 'string' ? formatDate(k.old) : 'not set'} → ${typeof k.new === 'string' ? formatDate(k.new) : 'not set'}`
            : `title “${String(k.old)}” → “${String(k.new)}”`)
        return `Milestone ${title}: ${parts.join(', ') || 'changed'}`
      }
    }
  }
  return `${fieldLabel(field)}: ${describeValue(field, c.old, currency)} → ${describeValue(field, c.new, currency)}`
}

export class NegotiationPanel {
  readonly card: HTMLElement
  private readonly headline = h('p', { class: 'neg-headline', role: 'status' })
  private readonly body = h('div', { class: 'neg-body' })
  private readonly message = h('p', { class: 'neg-msg', role: 'alert' })
  private readonly note = h('textarea', { id: 'neg-note', rows: '2', maxlength: '1000', placeholder: 'Why these changes? Both parties see this.' })
  private readonly proposeBox: HTMLElement
  private readonly proposeBtn: HTMLButtonElement
  private readonly answerBox: HTMLElement
  private readonly acceptBtn: HTMLButtonElement
  private readonly rejectBtn: HTMLButtonElement
  private readonly withdrawBtn: HTMLButtonElement
  private readonly offerBox: HTMLElement
  private readonly offerButtons: Record<'accept_offer' | 'decline_offer' | 'withdraw_offer', HTMLButtonElement>
  private readonly confirmBox: HTMLElement
  private readonly confirmText = h('p', { class: 'neg-confirm-text' })
  private readonly reasonWrap: HTMLElement
  private readonly reason = h('input', { id: 'neg-reason', type: 'text', maxlength: '1000', autocomplete: 'off' })
  private readonly confirmBtn: HTMLButtonElement
  private confirming: { kind: string, run: (reason: string) => void } | null = null
  private readonly explanations = new Map<string, Explanation>()
  private inFlight: InFlight | null = null
  private readonly deps: NegotiationDeps

  constructor (deps: NegotiationDeps) {
    this.deps = deps
    const btn = (label: string, cls: string, onclick: () => void): HTMLButtonElement =>
      h('button', { type: 'button', class: `btn ${cls}`, onclick }, label)
    this.proposeBtn = btn('Propose changes', 'btn-primary', () => this.send('propose', { note: this.note.value.trim() || null }))
    this.proposeBox = h('div', { class: 'neg-propose' },
      h('label', { for: 'neg-note', class: 'neg-label' }, 'Note (optional)'),
      h('div', { class: 'control-wrap' }, this.note), h('div', { class: 'neg-actions' }, this.proposeBtn))
    this.acceptBtn = btn('Accept', 'btn-primary', () => this.send('accept', {}))
    this.rejectBtn = btn('Reject', 'btn-secondary', () => this.ask('reject', 'Reject this proposal? The draft goes back to the agreed terms.', 'Reject proposal', true,
      (reason) => this.send('reject', { reason: reason || null })))
    this.withdrawBtn = btn('Withdraw', 'btn-secondary', () => this.send('withdraw_proposal', {}))
    this.answerBox = h('div', { class: 'neg-actions' }, this.acceptBtn, this.rejectBtn, this.withdrawBtn)
    this.offerButtons = {
      accept_offer: btn('Accept offer', 'btn-primary', () => this.ask('accept_offer', `Accept the offer on version ${this.version()}? This agrees the contract${Number(this.card.dataset.changes ?? 0) > 0 ? ' as agreed so far; the draft changes are dropped' : ''}.`, 'Confirm and accept', false,
        () => this.send('accept_offer', {}))),
      decline_offer: btn('Decline offer', 'btn-ghost', () => this.ask('decline_offer', 'Decline this offer? It closes for both of you.', 'Decline for good', true,
        (reason) => this.send('decline_offer', { reason: reason || null }))),
      withdraw_offer: btn('Withdraw offer', 'btn-ghost', () => this.ask('withdraw_offer', 'Withdraw this offer? It closes for both of you.', 'Withdraw for good', true,
        (reason) => this.send('withdraw_offer', { reason: reason || null })))
    }
    this.offerBox = h('div', { class: 'neg-actions neg-offer' }, ...Object.values(this.offerButtons))
    this.confirmBtn = btn('Confirm', 'btn-danger', () => {
      const c = this.confirming
      this.closeConfirm()
      c?.run(this.reason.value.trim())
    })
    this.reasonWrap = h('div', {}, h('label', { for: 'neg-reason', class: 'neg-label' }, 'Reason (optional)'), h('div', { class: 'control-wrap' }, this.reason))
    this.confirmBox = h('div', { class: 'neg-confirm', hidden: true }, this.confirmText, this.reasonWrap,
      h('div', { class: 'neg-actions' }, this.confirmBtn, btn('Cancel', 'btn-ghost', () => this.closeConfirm())))
    this.card = h('section', { class: 'card card-negotiation', 'aria-labelledby': 'h-negotiation' },
      h('h2', { id: 'h-negotiation' }, 'Negotiation'), this.headline, this.body, this.message,
      this.proposeBox, this.answerBox, this.confirmBox, this.offerBox)
  }

  private version (): number {
    return this.deps.od.meta().version ?? 1
  }

  private ask (kind: string, text: string, confirmLabel: string, withReason: boolean, run: (reason: string) => void): void {
    this.confirming = { kind, run }
    setText(this.confirmText, text)
    setText(this.confirmBtn, confirmLabel)
    setHidden(this.reasonWrap, !withReason)
    this.reason.value = ''
    setHidden(this.confirmBox, false)
    ;(withReason ? this.reason : this.confirmBtn).focus()
  }

  private closeConfirm (): void {
    this.confirming = null
    setHidden(this.confirmBox, true)
  }

  private send (kind: string, extra: Record<string, unknown>): void {
    if (this.inFlight !== null) return
    const proposal = this.deps.od.pendingProposal()
    const msg: Msg = { type: kind, id: newId(), base_version: this.version(), ...extra }
    if (kind === 'accept' || kind === 'reject' || kind === 'withdraw_proposal') msg.proposal_id = proposal?.id
    if (kind === 'withdraw_proposal') delete msg.base_version
    setText(this.message, '')
    // The connection's typed send covers locks; commands are plain JSON of the same framing.
    if (!this.deps.conn.sendRaw(msg)) {
      setText(this.message, 'Not connected. Try again when the connection is back.')
      return
    }
    const timer = setTimeout(() => {
      if (this.inFlight?.id === msg.id) { this.inFlight = null; setText(this.message, 'No answer from the server. Try again.'); this.render([]) }
    }, 20_000)
    this.inFlight = { id: String(msg.id), kind, timer }
    this.render(null)
  }

  /** Take the messages that belong to negotiation; true when consumed. */
  handle (msg: Msg): boolean {
    if (msg.type === 'explain_delta') {
      const id = String(msg.proposal_id)
      const e = this.explanations.get(id) ?? { text: '', done: false, flags: [] }
      if (!e.done) e.text += String(msg.text ?? '')
      this.explanations.set(id, e)
      return true
    }
    if (msg.type === 'explain_done') {
      this.explanations.set(String(msg.proposal_id), {
        text: String(msg.text ?? ''), done: true, explainer: msg.explainer as string, model: msg.model as string | null,
        grounded: msg.grounded as boolean, fallback: msg.fallback_reason as string | null,
        flags: Array.isArray(msg.flags) ? msg.flags as Flag[] : []
      })
      return true
    }
    const ref = typeof msg.ref === 'string' ? msg.ref : null
    if (ref === null || this.inFlight === null || this.inFlight.id !== ref) return false
    const kind = this.inFlight.kind
    clearTimeout(this.inFlight.timer)
    this.inFlight = null
    if (msg.type === 'ack') {
      if (kind === 'propose') this.note.value = ''
      this.deps.notices.toast(DONE_TEXT[kind] ?? 'Done.', { kind: 'success', timeoutMs: 4000 })
      return true
    }
    if (msg.type === 'error') {
      let text = String(msg.message ?? 'That did not work.')
      if (Array.isArray(msg.fields)) {
        for (const p of msg.fields as Array<{ field: string, message: string }>) {
          const name = this.deps.fields.get(p.field) !== undefined ? p.field : null
          if (name !== null) this.deps.fields.showMessage(name, p.message, 'error', 10_000)
        }
      }
      if (typeof msg.retry_after_s === 'number') text += ` Try again in ${Math.ceil(msg.retry_after_s / 60)} min.`
      setText(this.message, text)
      return true
    }
    return false
  }

  render (changes: Change[] | null): void {
    const { od, me } = this.deps
    const user = me()
    const meta = od.meta()
    const status = meta.status ?? 'open'
    const proposal = od.pendingProposal()
    const role = user?.role ?? 'viewer'
    const party = role === 'client' || role === 'freelancer'
    const open = status === 'open'
    const busy = this.inFlight !== null || !this.deps.canAct()
    const mine = proposal !== null && proposal.by !== null && user !== null && proposal.by.id === user.id
    const other = meta.parties.find((p) => p.role !== role && p.role !== 'viewer')
    const version = meta.version ?? 1
    const count = changes?.length ?? Number(this.card.dataset.changes ?? 0)
    if (changes !== null) this.card.dataset.changes = String(changes.length)

    let headline: string
    if (!open) headline = `This offer is ${status}${status === 'agreed' ? ` on version ${version}` : ''}. Nothing is waiting on anyone.`
    else if (proposal !== null) {
      const by = proposal.by?.name ?? 'A party'
      headline = mine
        ? `Waiting on ${other?.name ?? 'the other party'}: your proposal is pending.`
        : party ? `${by} proposed changes — waiting on you.` : `${by} proposed changes; waiting on the other party.`
    } else if (count > 0) headline = `The draft has ${count} change${count === 1 ? '' : 's'} from version ${version}. Propose ${count === 1 ? 'it' : 'them'} when you are ready.`
    else headline = `The draft matches version ${version}.${role === 'freelancer' ? ' Accept the offer, or edit a field to counter.' : role === 'client' ? ' Edit a field to change the terms.' : ''}`
    setText(this.headline, headline)
    toggleClass(this.headline, 'your-turn', open && proposal !== null && !mine && party)

    this.renderProposal(proposal, od.currency)
    setHidden(this.proposeBox, !(open && party && proposal === null))
    this.proposeBtn.disabled = busy || count === 0
    setHidden(this.answerBox, !(open && party && proposal !== null))
    setHidden(this.acceptBtn, mine)
    setHidden(this.rejectBtn, mine)
    setHidden(this.withdrawBtn, !mine)
    const explaining = proposal !== null && !(this.explanations.get(proposal.id)?.done ?? proposal.raw.explanation !== undefined)
    this.acceptBtn.disabled = busy || explaining
    this.acceptBtn.title = explaining ? 'Wait for the explanation to finish' : ''
    this.rejectBtn.disabled = busy
    this.withdrawBtn.disabled = busy
    setHidden(this.offerBox, !(open && party))
    setHidden(this.offerButtons.accept_offer, role !== 'freelancer')
    setHidden(this.offerButtons.decline_offer, role !== 'freelancer')
    setHidden(this.offerButtons.withdraw_offer, role !== 'client')
    for (const b of Object.values(this.offerButtons)) b.disabled = busy
    this.confirmBtn.disabled = busy
    if (!open || !party) this.closeConfirm()
  }

  private renderProposal (p: Proposal | null, currency: string): void {
    if (p === null) {
      if (this.body.dataset.key !== '') { this.body.dataset.key = ''; this.body.replaceChildren() }
      return
    }
    const stored = p.raw.explanation as Record<string, unknown> | undefined
    const live = this.explanations.get(p.id)
    const e: Explanation = live ?? (stored !== undefined
      ? { text: String(stored.text ?? ''), done: true, explainer: stored.explainer as string, model: stored.model as string | null, grounded: stored.grounded as boolean, fallback: stored.fallback_reason as string | null, flags: [] }
      : { text: '', done: false, flags: [] })
    const changes = Array.isArray(p.raw.changes) ? p.raw.changes as Array<Record<string, unknown>> : []
    const note = typeof p.raw.note === 'string' ? p.raw.note : ''
    const key = JSON.stringify([p.id, changes.length, note, e])
    if (this.body.dataset.key === key) return
    this.body.dataset.key = key
    const by: PartyRef | null = p.by
    const source = !e.done ? 'Writing the explanation…'
      : e.explainer === 'offline' ? `Explained from the facts by offline rules${e.fallback ? ` (${e.fallback === 'ungrounded' ? 'the AI text cited figures that are not in the offer' : 'the AI explainer was unavailable'})` : ''}.`
        : `Explained by AI${e.model ? ` (${e.model})` : ''}; every figure was checked against the offer.`
    this.body.replaceChildren(
      h('div', { class: 'neg-proposal' },
        h('p', { class: 'neg-by' }, `Proposal by ${by?.name ?? 'a party'}`, p.base_version !== null ? ` on version ${p.base_version}` : ''),
        note !== '' ? h('blockquote', { class: 'neg-note' }, note) : null,
        h('ul', { class: 'neg-changes', 'aria-label': 'Proposed changes' }, ...changes.map((c) => h('li', {}, describeChange(c, currency)))),
        h('div', { class: 'neg-explain', 'aria-live': 'polite', 'aria-busy': String(!e.done) },
          h('p', { class: 'neg-explain-head' }, 'What this means'),
          h('p', { class: 'neg-explain-text' }, e.text === '' ? '…' : e.text),
          h('p', { class: 'neg-source' }, source)),
        e.flags.length === 0
          ? null
          : h('div', { class: 'neg-flags', role: 'note' },
            h('p', { class: 'neg-flags-head' }, 'Only you can see this'),
            h('ul', {}, ...e.flags.map((f) => h('li', { class: `sev-${f.severity}` }, f.message))))))
  }
}
