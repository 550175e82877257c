// "Report" the other party to the marketplace's trust team: a button beside the parties in the
// header (parties only) opens a modal dialog — a native <dialog> shown modally, so the page behind
// is inert (the focus stays inside) and Escape closes it — with a category, an optional reason and
// a counter. Sent as `report`; an `ack` (command "report") thanks the reporter, an error says why.

import { type AssistError, explainAssistError } from './assist-logic'
import { h, setHidden, setText } from './dom'
import { t } from './i18n'
import { cleanBody } from './thread'
import type { ReportMessage } from './types'

export type ReportCategory = ReportMessage['category']
export const REPORT_CATEGORIES: readonly ReportCategory[] = ['scam', 'off_platform', 'personal_data', 'harassment', 'spam', 'other']
export const REPORT_REASON_MAX = 2000

export type ReportOutcome = { ok: true } | { ok: false, error: AssistError }

export interface ReportDeps {
  /** The other party's name (the one reported); null hides the entry. */
  otherName: () => string | null
  /** A party, connected: a report can be sent. */
  canReport: () => boolean
  send: (category: ReportCategory, reason: string) => Promise<ReportOutcome>
}

let seq = 0

export class ReportDialog {
  /** The entry: goes beside the parties in the header. */
  readonly opener: HTMLButtonElement
  readonly dialog: HTMLDialogElement
  private readonly deps: ReportDeps
  private readonly title = h('h2', { class: 'ax-dialog-title' })
  private readonly intro = h('p', { class: 'ax-hint' })
  private readonly categoryLabel = h('label', { class: 'neg-label' })
  private readonly category: HTMLSelectElement
  private readonly reasonLabel = h('label', { class: 'neg-label' })
  private readonly reason: HTMLTextAreaElement
  private readonly counter = h('p', { class: 'ax-counter' })
  private readonly error = h('p', { class: 'ax-error', role: 'alert', hidden: true })
  private readonly sendBtn: HTMLButtonElement
  private readonly cancelBtn: HTMLButtonElement
  private readonly form: HTMLFormElement
  private readonly done: HTMLElement
  private readonly doneText = h('p', { class: 'ax-done-text', tabindex: '-1' })
  private readonly closeBtn: HTMLButtonElement
  private sending = false

  constructor (deps: ReportDeps) {
    this.deps = deps
    const id = `ax-report-${++seq}`
    this.title.id = `${id}-title`
    this.intro.id = `${id}-intro`
    this.category = h('select', { id: `${id}-category`, name: 'category', required: true, onchange: () => this.clearError() })
    this.categoryLabel.setAttribute('for', this.category.id)
    this.reason = h('textarea', {
      id: `${id}-reason`,
      name: 'reason',
      rows: '4',
      maxlength: String(REPORT_REASON_MAX),
      'aria-describedby': `${id}-counter`,
      oninput: () => this.renderCounter()
    })
    this.counter.id = `${id}-counter`
    this.reasonLabel.setAttribute('for', this.reason.id)
    this.sendBtn = h('button', { type: 'submit', class: 'btn btn-danger' })
    this.cancelBtn = h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => this.close() })
    this.form = h('form', { class: 'ax-report-form', novalidate: true },
      this.categoryLabel, h('div', { class: 'control-wrap' }, this.category),
      this.reasonLabel, h('div', { class: 'control-wrap' }, this.reason), this.counter,
      this.error,
      h('div', { class: 'ax-dialog-actions' }, this.cancelBtn, this.sendBtn))
    this.form.addEventListener('submit', (e) => { e.preventDefault(); void this.submit() })
    this.closeBtn = h('button', { type: 'button', class: 'btn', onclick: () => this.close() })
    this.done = h('div', { class: 'ax-report-done', hidden: true }, this.doneText, h('div', { class: 'ax-dialog-actions' }, this.closeBtn))
    this.dialog = h('dialog', { class: 'ax-dialog', 'aria-labelledby': this.title.id, 'aria-describedby': this.intro.id },
      this.title, this.intro, this.form, this.done)
    // A click on the backdrop (outside the dialog's box) closes it too.
    this.dialog.addEventListener('click', (e) => {
      if (e.target !== this.dialog) return
      const r = this.dialog.getBoundingClientRect()
      const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom
      if (!inside) this.close()
    })
    this.opener = h('button', {
      type: 'button',
      class: 'btn btn-small btn-ghost ax-report-open',
      'aria-haspopup': 'dialog',
      hidden: true,
      onclick: () => this.open()
    })
  }

  /** The entry's visibility and words (every page render). */
  render (): void {
    const name = this.deps.otherName()
    setHidden(this.opener, name === null)
    if (name === null) return
    setText(this.opener, t('assist.report.open'))
    const label = t('assist.report.openLabel', { name })
    if (this.opener.getAttribute('aria-label') !== label) this.opener.setAttribute('aria-label', label)
  }

  open (): void {
    const name = this.deps.otherName() ?? ''
    setText(this.title, t('assist.report.title', { name }))
    setText(this.intro, t('assist.report.intro', { name }))
    setText(this.categoryLabel, t('assist.report.category'))
    setText(this.reasonLabel, t('assist.report.reason'))
    setText(this.cancelBtn, t('assist.report.cancel'))
    setText(this.closeBtn, t('assist.report.close'))
    this.category.replaceChildren(h('option', { value: '' }, t('assist.report.choose')),
      ...REPORT_CATEGORIES.map((c) => h('option', { value: c }, t(`assist.report.cat.${c}`))))
    this.category.value = ''
    this.reason.value = ''
    this.sending = false
    this.clearError()
    this.renderSend()
    this.renderCounter()
    setHidden(this.form, false)
    setHidden(this.done, true)
    if (!this.dialog.isConnected) document.body.append(this.dialog)
    if (!this.dialog.open) this.dialog.showModal()
    this.category.focus()
  }

  close (): void {
    if (this.dialog.open) this.dialog.close()
  }

  private renderSend (): void {
    setText(this.sendBtn, this.sending ? t('assist.report.sending') : t('assist.report.send'))
    // Not `disabled`: the button keeps the focus while the report is on its way.
    this.sendBtn.setAttribute('aria-disabled', String(this.sending))
    this.sendBtn.setAttribute('aria-busy', String(this.sending))
  }

  private renderCounter (): void {
    setText(this.counter, t('assist.report.counter', { n: this.reason.value.length, max: REPORT_REASON_MAX }))
  }

  private clearError (): void {
    setText(this.error, '')
    setHidden(this.error, true)
    this.category.removeAttribute('aria-invalid')
  }

  private showError (text: string): void {
    setText(this.error, text)
    setHidden(this.error, false)
  }

  private async submit (): Promise<void> {
    if (this.sending) return
    const category = this.category.value as ReportCategory | ''
    if (category === '' || !REPORT_CATEGORIES.includes(category)) {
      this.showError(t('assist.report.needCategory'))
      this.category.setAttribute('aria-invalid', 'true')
      this.category.focus()
      return
    }
    if (!this.deps.canReport()) {
      this.showError(t('assist.error.offline'))
      return
    }
    this.clearError()
    this.sending = true
    this.renderSend()
    const r = await this.deps.send(category, cleanBody(this.reason.value))
    this.sending = false
    this.renderSend()
    if (!r.ok) {
      this.showError(explainAssistError(r.error))
      return
    }
    setText(this.doneText, t('assist.report.done'))
    setHidden(this.form, true)
    setHidden(this.done, false)
    this.doneText.focus()
  }
}
