// "Suggest a middle ground": for a party whose positions differ from the other's (a rejected
// proposal, a draft that differs from the agreed version). The server answers this socket alone
// with a `suggestion`; it is shown to the asker only — per field the two positions and the value
// between them, with the reason — and "Apply to my draft" writes it into the shared draft through
// the doc's setters, the path a person's own edit takes. It never applies by itself.

import { type AssistError, type DraftWrite, describeMilestone, describeValue, explainAssistError, milestonesValue, planApply } from './assist-logic'
import { LOCAL_ORIGIN, type OfferDoc } from './doc'
import { h, setHidden, setText } from './dom'
import { t } from './i18n'
import type { Notices } from './notices'
import { firstName } from './status'
import { type SuggestionItem, type SuggestionMessage, type UserInfo, fieldLabel } from './types'

export type SuggestOutcome = { ok: true, suggestion: SuggestionMessage } | { ok: false, error: AssistError }

export interface SuggestDeps {
  od: OfferDoc
  notices: Notices
  me: () => UserInfo | null
  /** The other party's name. */
  otherName: () => string | null
  /** The draft takes this person's edits now (not frozen by a pending proposal, not read-only). */
  canEdit: () => boolean
  /** A proposal is pending: the draft is frozen until it is answered. */
  frozen: () => boolean
  /** Who else holds a field's lock, if anyone ("hourly_rate", "milestone:<id>"). */
  lockHolder: (lockName: string) => UserInfo | null
  /** Send `suggest`; resolves with the server's `suggestion` or an error. */
  request: () => Promise<SuggestOutcome>
}

let seq = 0

/** Carry out one planned write through the doc's own setters. */
function write (od: OfferDoc, w: DraftWrite): void {
  switch (w.op) {
    case 'term': od.setTerm(w.field, w.value); break
    case 'ms-set': od.setMilestone(w.id, w.key, w.value); break
    case 'ms-add': od.addMilestone({ title: w.init.title, amount: w.init.amount, due_date: w.init.due_date }); break
    case 'ms-remove': od.removeMilestone(w.id); break
  }
}

export class SuggestPanel {
  /** The button and its hint: for a small card beside the negotiation. */
  readonly el: HTMLElement
  /** The suggestion, shown to the asker alone in a modal dialog. */
  readonly dialog: HTMLDialogElement
  private readonly deps: SuggestDeps
  private readonly button: HTMLButtonElement
  private readonly hint = h('p', { class: 'ax-hint' })
  private readonly note = h('p', { class: 'ax-hint ax-note', role: 'status' })
  private readonly error = h('p', { class: 'ax-error', role: 'alert', hidden: true })
  private readonly title = h('h2', { class: 'ax-dialog-title', tabindex: '-1' })
  private readonly intro = h('p', { class: 'ax-hint' })
  private readonly body = h('div', { class: 'ax-sugg-body' })
  private readonly applyBtn: HTMLButtonElement
  private readonly closeBtn: HTMLButtonElement
  private readonly applyNote = h('p', { class: 'ax-hint ax-apply-note' })
  private asking = false
  private suggestion: SuggestionMessage | null = null
  /** Why there is nothing to suggest (the server's words), shown under the button. */
  private nothing: string | null = null
  private bodyKey = ''
  /** The positions differ (the last render's word), for redraws from within. */
  private offer = false

  constructor (deps: SuggestDeps) {
    this.deps = deps
    const id = `ax-sugg-${++seq}`
    this.title.id = `${id}-title`
    this.intro.id = `${id}-intro`
    this.hint.id = `${id}-hint`
    this.applyNote.id = `${id}-note`
    this.button = h('button', {
      type: 'button',
      class: 'btn btn-secondary ax-suggest-btn',
      'aria-describedby': this.hint.id,
      'aria-haspopup': 'dialog',
      onclick: () => { void this.ask() }
    })
    this.applyBtn = h('button', { type: 'button', class: 'btn ax-apply', 'aria-describedby': this.applyNote.id, onclick: () => this.apply() })
    this.closeBtn = h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => this.close() })
    this.dialog = h('dialog', { class: 'ax-dialog ax-sugg-dialog', 'aria-labelledby': this.title.id, 'aria-describedby': this.intro.id },
      this.title, this.intro, this.body, this.applyNote,
      h('div', { class: 'ax-dialog-actions' }, this.closeBtn, this.applyBtn))
    this.dialog.addEventListener('click', (e) => {
      if (e.target !== this.dialog) return // a click on the backdrop closes it
      const r = this.dialog.getBoundingClientRect()
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) this.close()
    })
    this.el = h('div', { class: 'ax-suggest', hidden: true }, this.button, this.hint, this.note, this.error)
  }

  /** The server's answer (also one that arrives after the request timed out): shown at once. */
  receive (msg: SuggestionMessage): void {
    this.asking = false
    setHidden(this.error, true)
    const items = msg.items ?? []
    if (items.length === 0) {
      this.suggestion = null
      this.nothing = (msg.message ?? '').trim() || t('assist.suggest.nothing')
      this.render()
      return
    }
    this.nothing = null
    this.suggestion = msg
    this.bodyKey = ''
    this.render()
    if (!this.dialog.isConnected) document.body.append(this.dialog)
    if (!this.dialog.open) this.dialog.showModal()
    this.renderDialog()
    this.dialog.scrollTop = 0
    this.title.focus()
  }

  render (offer = this.offer): void {
    this.offer = offer
    const user = this.deps.me()
    const party = user !== null && user.role !== 'viewer'
    setHidden(this.el, !party || !offer)
    if (!party) {
      this.close()
      return
    }
    setText(this.button, this.asking ? t('assist.suggest.asking') : t('assist.suggest.button'))
    // Not `disabled`: the button keeps the focus while it waits, and gets it back when the dialog closes.
    this.button.setAttribute('aria-disabled', String(this.asking))
    this.button.setAttribute('aria-busy', String(this.asking))
    setText(this.hint, t('assist.suggest.hint'))
    setText(this.note, this.nothing ?? '')
    setHidden(this.note, this.nothing === null)
    if (this.dialog.open) this.renderDialog()
  }

  private async ask (): Promise<void> {
    if (this.asking) return
    this.asking = true
    this.nothing = null
    setHidden(this.error, true)
    this.render()
    const r = await this.deps.request()
    this.asking = false
    if (r.ok) {
      this.receive(r.suggestion)
    } else {
      setText(this.error, explainAssistError(r.error))
      setHidden(this.error, false)
      this.render()
    }
  }

  private close (): void {
    if (this.dialog.open) this.dialog.close()
  }

  private renderDialog (): void {
    const s = this.suggestion
    if (s === null) return
    const items = s.items ?? []
    setText(this.title, t('assist.suggest.title'))
    setText(this.intro, t('assist.suggest.private'))
    setText(this.closeBtn, t('assist.suggest.dismiss'))
    const currency = this.deps.od.currency
    const me = this.deps.me()
    const other = this.deps.otherName()
    const key = JSON.stringify([items, currency, me?.role, other, t('assist.suggest.value')])
    if (key !== this.bodyKey) {
      this.bodyKey = key
      this.body.replaceChildren(h('ul', { class: 'ax-sugg-list' }, ...items.map((it) => this.itemView(it, currency, me, other))))
    }
    const canEdit = this.deps.canEdit()
    setText(this.applyBtn, t('assist.suggest.apply'))
    this.applyBtn.disabled = !canEdit
    setText(this.applyNote, !canEdit ? (this.deps.frozen() ? t('assist.suggest.frozen') : t('assist.suggest.readOnly')) : t('assist.suggest.never'))
  }

  private itemView (it: SuggestionItem, currency: string, me: UserInfo | null, other: string | null): HTMLElement {
    const mineRole = me?.role === 'freelancer' ? 'freelancer' : 'client'
    const mine = mineRole === 'client' ? it.client : it.freelancer
    const theirs = mineRole === 'client' ? it.freelancer : it.client
    const value = (v: unknown): HTMLElement => {
      const list = it.field === 'milestones' ? milestonesValue(v) : null
      if (list === null) return h('span', {}, describeValue(it.field, v, currency))
      return h('span', {}, describeValue(it.field, v, currency),
        h('ul', { class: 'ax-ms' }, ...list.map((m) => h('li', {}, describeMilestone(m, currency)))))
    }
    const label = it.kind === 'structure' ? t('assist.suggest.structure', { field: fieldLabel(it.field) }) : fieldLabel(it.field)
    const rows: HTMLElement[] = []
    const pair = (term: string, v: HTMLElement, cls = ''): void => {
      rows.push(h('div', { class: `ax-pos${cls}` }, h('dt', {}, term), h('dd', {}, v)))
    }
    const hasPositions = (it.client !== undefined && it.client !== null) || (it.freelancer !== undefined && it.freelancer !== null)
    if (hasPositions) {
      pair(t('assist.suggest.you'), value(mine))
      pair(other === null ? t('assist.suggest.them') : firstName(other), value(theirs))
    }
    pair(t('assist.suggest.value'), value(it.value), ' ax-pos-new')
    const reason = (it.reason ?? '').trim()
    return h('li', { class: `ax-sugg-item ax-kind-${it.kind}`, 'data-field': it.field },
      h('p', { class: 'ax-sugg-label' }, label),
      h('dl', { class: 'ax-positions' }, ...rows),
      reason === '' ? null : h('p', { class: 'ax-reason' }, reason))
  }

  /** Fill the draft with the suggestion: each field as one change, skipping fields someone else holds. */
  private apply (): void {
    const s = this.suggestion
    if (s === null || !this.deps.canEdit()) return
    const { od } = this.deps
    const plan = planApply(s.items ?? [], { milestones: od.draftMilestones() }, (lock) => this.deps.lockHolder(lock) !== null)
    for (const group of plan.groups) {
      // One transaction per field: the server checks (and may refuse) each on its own.
      od.doc.transact(() => { for (const w of group.writes) write(od, w) }, LOCAL_ORIGIN)
    }
    const skipped = plan.locked.map((field) => {
      const holder = field === 'milestones'
        ? od.draftMilestones().map((m) => this.deps.lockHolder(`milestone:${m.id}`)).find((u) => u !== null) ?? null
        : this.deps.lockHolder(field)
      return t('assist.suggest.skipped', { field: fieldLabel(field), name: holder === null ? t('assist.suggest.them') : firstName(holder.name) })
    })
    if (plan.groups.length > 0) {
      this.deps.notices.toast([t('assist.suggest.toast'), ...skipped].join(' '), { kind: 'success', timeoutMs: 10_000 })
      this.suggestion = null
      this.close()
      this.render()
    } else {
      setText(this.applyNote, skipped.length > 0 ? skipped.join(' ') : t('assist.suggest.unusable'))
    }
  }
}
