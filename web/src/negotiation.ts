// The negotiation panel (docs/RULES.md, "Negotiation"; docs/ARCHITECTURE.md, "The web app"):
// propose the draft, answer a proposal, read its streamed explanation and private risk flags, and
// accept, decline or withdraw the offer. Whose turn it is is always stated in words.

import { type CommandResult, type Commands, explainError } from './commands'
import { DecideBox } from './decide'
import type { OfferDoc } from './doc'
import { type Msg, h, setHidden, setTemplate, setText, toggleClass, tr } from './dom'
import { featureOn } from './features'
import type { FieldRegistry } from './fields'
import type { Change } from './highlights'
import { lang, t } from './i18n'
import type { Notices } from './notices'
import { ReasonPicker, type ReasonAction } from './outcomes'
import { type ExplanationStore, ProposalView } from './proposal'
import { firstName } from './status'
import type { Problems } from './problems'
import type { ThreadItem, UserInfo } from './types'

/** The conversation's open questions, as the negotiation panel shows them (never blocking). */
export interface NegotiationQuestions {
  /** Open questions, oldest first. */
  open: () => ThreadItem[]
  /** Open the conversation at a question. */
  show: (questionId: string) => void
  /** Start a question about a topic ("proposal:<id>"). */
  ask: (about: string) => void
  /** This person can post in the conversation now. */
  canAsk: () => boolean
}

const Q = {
  item: (name: string, body: string) => t('neg.q_item', { name, text: body.length > 90 ? body.slice(0, 89).trimEnd() + '…' : body }),
  count: (n: number) => t('neg.q_count', { n }),
  confirm: (n: number) => t('neg.q_confirm', { n })
}

export interface NegotiationDeps {
  od: OfferDoc
  commands: Commands
  explanations: ExplanationStore
  fields: FieldRegistry
  notices: Notices
  me: () => UserInfo | null
  canAct: () => boolean
  questions?: NegotiationQuestions
  /** The draft's problems: Propose lists them instead of sending (problems.ts). */
  problems?: Problems
}

/** What a command that went through did, in words (catalog "neg.done.<command>"). */
const DONE = new Set(['propose', 'accept', 'reject', 'withdraw_proposal', 'accept_offer', 'decline_offer', 'withdraw_offer', 'decide'])

export class NegotiationPanel {
  readonly card: HTMLElement
  private readonly headline = h('p', { class: 'neg-headline', role: 'status' })
  private readonly view = new ProposalView()
  private readonly message = h('p', { class: 'neg-msg', role: 'alert' })
  private readonly note = h('textarea', { id: 'neg-note', rows: '2', maxlength: '1000', placeholder: tr('neg.note_placeholder') })
  private readonly proposeBox: HTMLElement
  private readonly proposeBtn: HTMLButtonElement
  private readonly answerBox: HTMLElement
  private readonly acceptBtn: HTMLButtonElement
  private readonly rejectBtn: HTMLButtonElement
  private readonly withdrawBtn: HTMLButtonElement
  /** Accept / Counter / Decline per change, sent as one `decide` (decide.ts). */
  private readonly decide: DecideBox
  private readonly acceptHint = h('p', { class: 'neg-hint', id: 'neg-accept-hint' })
  private readonly offerBox: HTMLElement
  /** The offer-level actions, apart from the proposal's: own heading, and while a proposal
   *  waits, "Accept version N unchanged" with a visible hint (issue 15). */
  private readonly offerGroup: HTMLElement
  private readonly offerHint = h('p', { class: 'neg-hint neg-offer-hint', id: 'neg-offer-hint' })
  private readonly offerButtons: Record<'accept_offer' | 'decline_offer' | 'withdraw_offer', HTMLButtonElement>
  private readonly confirmBox: HTMLElement
  private readonly confirmText = h('p', { class: 'neg-confirm-text' })
  private readonly reasonWrap: HTMLElement
  private readonly reason = h('input', { id: 'neg-reason', type: 'text', maxlength: '1000', autocomplete: 'off' })
  /** The required category of a withdraw, decline or reject (outcomes.ts), above the words. */
  private readonly reasonPicker = new ReasonPicker()
  private readonly confirmBtn: HTMLButtonElement
  private confirming: { kind: string, text: () => string, label: Msg, run: (reason: string, code: string | null) => void, from: HTMLElement | null, action: ReasonAction | null } | null = null
  private readonly deps: NegotiationDeps
  private readonly qBox = h('div', { class: 'neg-questions', hidden: true })
  private readonly qList = h('ul', { class: 'neg-qlist', 'aria-labelledby': 'neg-qhead' })
  private readonly qHead = h('p', { class: 'neg-qhead', id: 'neg-qhead' }, tr('neg.q_head'))
  private readonly qAsk: HTMLButtonElement
  private readonly qNote = h('p', { class: 'neg-qnote', hidden: true })
  private readonly qNoteBtn: HTMLButtonElement
  private qKey = ''

  constructor (deps: NegotiationDeps) {
    this.deps = deps
    const btn = (label: string | Msg, cls: string, onclick: () => void): HTMLButtonElement =>
      h('button', { type: 'button', class: `btn ${cls}`, onclick }, label)
    this.proposeBtn = btn(tr('neg.propose'), 'btn-primary', () => this.send('propose', { note: this.note.value.trim() || null }))
    this.proposeBox = h('div', { class: 'neg-propose' },
      h('label', { for: 'neg-note', class: 'neg-label' }, tr('neg.note')),
      h('div', { class: 'control-wrap' }, this.note), h('div', { class: 'neg-actions' }, this.proposeBtn))
    this.acceptBtn = btn(tr('neg.accept'), 'btn-primary', () => this.send('accept', {}))
    this.acceptBtn.setAttribute('aria-describedby', this.acceptHint.id)
    this.rejectBtn = btn(tr('neg.reject'), 'btn-secondary', () => this.ask('reject', () => t('neg.confirm_reject'), tr('neg.reject_proposal'), 'reject',
      (reason, code) => this.send('reject', { reason: reason || null, reason_code: code })))
    this.withdrawBtn = btn(tr('neg.withdraw'), 'btn-secondary', () => this.send('withdraw_proposal', {}))
    this.decide = new DecideBox({ commands: deps.commands, version: () => this.version(), done: (r) => this.answered('decide', r) })
    this.view.extras = (p, c, currency) => this.decide.control(p, c, currency)
    this.answerBox = h('div', {}, h('div', { class: 'neg-actions' }, this.acceptBtn, this.rejectBtn, this.decide.toggle, this.withdrawBtn), this.acceptHint, this.decide.el)
    const acceptText = (): string => {
      const version = String(this.version())
      const agree = Number(this.card.dataset.changes ?? 0) > 0 ? t('neg.confirm_accept_dropping', { version }) : t('neg.confirm_accept', { version })
      return this.openCount() > 0 ? `${agree} ${Q.confirm(this.openCount())}` : agree
    }
    this.offerButtons = {
      accept_offer: btn(tr('neg.accept_offer'), 'btn-primary', () => this.ask('accept_offer', acceptText, tr('neg.confirm_and_accept'), null,
        () => this.send('accept_offer', {}))),
      decline_offer: btn(tr('neg.decline_offer'), 'btn-ghost', () => this.ask('decline_offer', () => t('neg.confirm_decline'), tr('neg.decline_for_good'), 'decline_offer',
        (reason, code) => this.send('decline_offer', { reason: reason || null, reason_code: code }))),
      withdraw_offer: btn(tr('neg.withdraw_offer'), 'btn-ghost', () => this.ask('withdraw_offer', () => t('neg.confirm_withdraw'), tr('neg.withdraw_for_good'), 'withdraw_offer',
        (reason, code) => this.send('withdraw_offer', { reason: reason || null, reason_code: code })))
    }
    this.offerBox = h('div', { class: 'neg-actions neg-offer' }, ...Object.values(this.offerButtons))
    this.offerButtons.accept_offer.setAttribute('aria-describedby', this.offerHint.id)
    this.offerGroup = h('div', { class: 'neg-offer-group', role: 'group', 'aria-labelledby': 'neg-offer-head' },
      h('p', { class: 'neg-offer-head', id: 'neg-offer-head' }, tr('neg.offer_head')), this.offerBox, this.offerHint)
    this.confirmBtn = btn(tr('neg.confirm'), 'btn-danger', () => {
      const c = this.confirming
      if (c === null) return
      // The category is required where there is one: nothing is sent without it.
      const code = c.action === null ? null : this.reasonPicker.require()
      if (c.action !== null && code === null) return
      this.closeConfirm()
      c.run(this.reason.value.trim(), code)
    })
    this.reasonWrap = h('div', {}, h('label', { for: 'neg-reason', class: 'neg-label' }, tr('neg.reason')), h('div', { class: 'control-wrap' }, this.reason))
    this.confirmBox = h('div', { class: 'neg-confirm', hidden: true, onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === 'Escape') this.closeConfirm(true) } }, this.confirmText, this.reasonPicker.el, this.reasonWrap,
      h('div', { class: 'neg-actions' }, this.confirmBtn, btn(tr('common.cancel'), 'btn-ghost', () => this.closeConfirm(true))))
    this.qAsk = btn(tr('neg.q_ask'), 'btn-small btn-secondary', () => {
      const p = deps.od.pendingProposal()
      if (p !== null) deps.questions?.ask(`proposal:${p.id}`)
    })
    this.qBox.append(this.qHead, this.qList, h('div', { class: 'neg-actions' }, this.qAsk))
    this.qNoteBtn = btn('', 'btn-link', () => {
      const first = deps.questions?.open()[0]
      if (first !== undefined) deps.questions?.show(first.id)
    })
    this.card = h('section', { class: 'card card-negotiation', id: 'negotiation', 'aria-labelledby': 'h-negotiation', tabindex: '-1' },
      h('h2', { id: 'h-negotiation' }, tr('neg.title')), this.headline, this.view.el, this.qBox, this.message,
      deps.problems?.el ?? null, this.proposeBox, this.qNote, this.answerBox, this.confirmBox, this.offerGroup)
  }

  /** Bring the panel into view and move focus to it (from a banner or a notice). */
  reveal (): void {
    this.card.scrollIntoView({ behavior: 'smooth', block: 'start' })
    this.card.focus({ preventScroll: true })
  }

  private openCount (): number {
    return this.deps.questions?.open().length ?? 0
  }

  /** Open questions about the pending proposal, in the drawer; "N questions" next to Accept. */
  private renderQuestions (proposalId: string | null, accepting: boolean, canAsk: boolean): void {
    const qs = this.deps.questions
    const open = qs?.open() ?? []
    const mine = proposalId === null ? [] : open.filter((q) => q.about === `proposal:${proposalId}`)
    const key = JSON.stringify([lang(), proposalId, canAsk, mine.map((q) => [q.id, q.author?.name, q.body])])
    if (key !== this.qKey) {
      this.qKey = key
      this.qList.replaceChildren(...mine.map((q) => h('li', {},
        h('button', { type: 'button', class: 'btn btn-link', onclick: () => qs?.show(q.id) },
          Q.item(q.author?.name != null ? firstName(q.author.name) : t('common.someone'), (q.body ?? '').replace(/\s+/g, ' ').trim())))))
      // "Still open: [N questions] in the conversation. …": the count is a button inside the sentence.
      setTemplate(this.qNote, t('neg.q_note'), { questions: this.qNoteBtn })
    }
    setHidden(this.qHead, mine.length === 0)
    setHidden(this.qList, mine.length === 0)
    setHidden(this.qAsk, !canAsk)
    setHidden(this.qBox, qs === undefined || proposalId === null || (mine.length === 0 && !canAsk))
    setText(this.qNoteBtn, Q.count(open.length))
    setHidden(this.qNote, !accepting || open.length === 0)
  }

  private version (): number {
    return this.deps.od.meta().version ?? 1
  }

  private ask (kind: string, text: () => string, label: Msg, action: ReasonAction | null, run: (reason: string, code: string | null) => void): void {
    const withReason = action !== null
    this.confirming = { kind, text, label, run, action, from: document.activeElement instanceof HTMLElement ? document.activeElement : null }
    if (action !== null) this.reasonPicker.reset(action)
    setHidden(this.reasonPicker.el, !withReason)
    setText(this.confirmText, text())
    setText(this.confirmBtn, t(label.i18nKey))
    this.confirmBtn.className = `btn ${kind === 'accept_offer' ? 'btn-primary' : 'btn-danger'}`
    setHidden(this.reasonWrap, !withReason)
    this.reason.value = ''
    setHidden(this.confirmBox, false)
    if (withReason) this.reasonPicker.focus()
    else this.confirmBtn.focus()
  }

  private closeConfirm (restoreFocus = false): void {
    const from = this.confirming?.from ?? null
    this.confirming = null
    setHidden(this.confirmBox, true)
    if (restoreFocus && from !== null && from.isConnected && !from.hidden) from.focus()
  }

  private send (kind: string, extra: Record<string, unknown>): void {
    const { commands, od } = this.deps
    if (commands.busy) return
    const proposal = od.pendingProposal()
    const fields: Record<string, unknown> = { base_version: this.version(), ...extra }
    if (kind === 'accept' || kind === 'reject' || kind === 'withdraw_proposal') fields.proposal_id = proposal?.id
    if (kind === 'withdraw_proposal') delete fields.base_version
    setText(this.message, '')
    // Every problem, each with its field's name and a link to it, instead of a refusal.
    if (kind === 'propose' && this.deps.problems?.blockPropose() === true) return
    void commands.send(kind, fields).then((r) => this.answered(kind, r))
  }

  private answered (kind: string, r: CommandResult): void {
    if (r.ok) {
      if (kind === 'propose') this.note.value = ''
      if (kind.endsWith('_offer')) this.deps.notices.clear()
      this.deps.notices.toast(t(DONE.has(kind) ? `neg.done.${kind}` : 'neg.done.other'), { kind: 'success', timeoutMs: 4000 })
      return
    }
    const e = r.error
    if (e.code === 'invalid_terms' && Array.isArray(e.fields) && e.fields.length > 0 && this.deps.problems !== undefined) {
      this.deps.problems.showServer(e.fields)
      return
    }
    if (Array.isArray(e.fields)) {
      for (const p of e.fields) {
        if (this.deps.fields.get(p.field) !== undefined) this.deps.fields.showMessage(p.field, p.message, 'error', 10_000)
      }
    }
    setText(this.message, explainError(e))
  }

  render (changes: Change[] | null): void {
    const { od, me, commands, explanations } = this.deps
    const user = me()
    const meta = od.meta()
    const status = meta.status ?? 'open'
    const proposal = od.pendingProposal()
    const role = user?.role ?? 'viewer'
    const party = role === 'client' || role === 'freelancer'
    const open = status === 'open'
    const busy = commands.busy || !this.deps.canAct()
    const mine = proposal !== null && proposal.by !== null && user !== null && proposal.by.id === user.id
    const other = meta.parties.find((p) => p.role !== role && p.role !== 'viewer')
    const version = meta.version ?? 1
    const count = changes?.length ?? Number(this.card.dataset.changes ?? 0)
    if (changes !== null) this.card.dataset.changes = String(changes.length)

    let headline: string
    const v = String(version)
    if (!open) {
      headline = ['agreed', 'withdrawn', 'declined', 'expired'].includes(status)
        ? t(`neg.closed.${status}`, { version: v })
        : t('neg.closed.other', { status })
    } else if (proposal !== null) {
      const by = proposal.by?.name ?? null
      headline = mine
        ? (other === undefined ? t('neg.mine_pending_other') : t('neg.mine_pending', { name: other.name }))
        : party
          ? (by === null ? t('neg.proposed_you_nobody') : t('neg.proposed_you', { name: by }))
          : (by === null ? t('neg.proposed_viewer_nobody') : t('neg.proposed_viewer', { name: by }))
    } else if (count > 0) headline = t('neg.draft_changes', { n: count, version: v })
    else headline = t(role === 'freelancer' ? 'neg.matches_freelancer' : role === 'client' ? 'neg.matches_client' : 'neg.matches', { version: v })
    setText(this.headline, headline)
    if (this.confirming !== null) {
      setText(this.confirmText, this.confirming.text())
      setText(this.confirmBtn, t(this.confirming.label.i18nKey))
    }
    toggleClass(this.headline, 'your-turn', open && proposal !== null && !mine && party)

    const e = proposal === null ? null : explanations.of(proposal)
    setHidden(this.view.el, proposal === null)
    // A variant without explanations (features.ts): none arrives, so nothing shows or waits for one.
    const explain = featureOn('explanations')
    if (proposal !== null && e !== null) this.view.render(proposal, e, od.currency, user?.id ?? null, explain)
    setHidden(this.proposeBox, !(open && party && proposal === null))
    this.proposeBtn.disabled = busy || count === 0
    setText(this.proposeBtn, commands.inFlight === 'propose' ? t('neg.proposing') : t('neg.propose'))
    setHidden(this.answerBox, !(open && party && proposal !== null))
    setHidden(this.acceptBtn, mine)
    setHidden(this.rejectBtn, mine)
    setHidden(this.withdrawBtn, !mine)
    const explaining = explain && e !== null && !e.done
    this.acceptBtn.disabled = busy || explaining
    setText(this.acceptHint, mine ? t('neg.hint_mine') : explaining ? t('neg.hint_explaining') : '')
    setHidden(this.acceptHint, this.acceptHint.textContent === '')
    this.rejectBtn.disabled = busy
    this.withdrawBtn.disabled = busy
    this.decide.render(proposal, open && party && proposal !== null && !mine, busy)
    setHidden(this.offerGroup, !(open && party))
    setHidden(this.offerButtons.accept_offer, role !== 'freelancer')
    // While a proposal waits, "Accept" (in the drawer) answers it; accepting the offer as it stands
    // is the lesser path, under its own heading and in other words: "Accept version N unchanged".
    this.offerButtons.accept_offer.className = `btn ${proposal === null ? 'btn-primary' : 'btn-secondary'}`
    setText(this.offerButtons.accept_offer, proposal === null ? t('neg.accept_offer') : t('neg.accept_offer_as_is', { version: v }))
    setText(this.offerHint, proposal === null || role !== 'freelancer' ? '' : t('neg.accept_offer_title', { version: v }) + '.')
    setHidden(this.offerHint, this.offerHint.textContent === '')
    setHidden(this.offerButtons.decline_offer, role !== 'freelancer')
    setHidden(this.offerButtons.withdraw_offer, role !== 'client')
    for (const b of Object.values(this.offerButtons)) b.disabled = busy
    this.confirmBtn.disabled = busy
    this.reasonPicker.setDisabled(busy)
    const accepting = open && party && ((proposal !== null && !mine) || role === 'freelancer')
    this.renderQuestions(proposal?.id ?? null, accepting, open && party && (this.deps.questions?.canAsk() ?? false))
    if (!open || !party) this.closeConfirm()
  }
}
