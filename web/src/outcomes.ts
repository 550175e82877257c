// How an offer or a proposal ended, and how it felt (docs/RULES.md, "Outcomes", "Satisfaction";
// server/offers/reasons.py): the reason categories a party picks when withdrawing, declining or
// rejecting, and the closing question ("How likely are you to recommend …?", 0 to 10) each party
// answers once after the offer closed. The state of the question is pure (SurveyModel) so it is
// tested without a page; SurveyCard and ReasonPicker draw it.

import { h, setHidden, setText, tr } from './dom'
import { formatInteger } from './format'
import { t } from './i18n'

export type ReasonAction = 'withdraw_offer' | 'decline_offer' | 'reject'

/** The categories each closing answer offers, in the order the picker lists them (as the server). */
export const REASONS: Record<ReasonAction, readonly string[]> = {
  withdraw_offer: ['terms', 'budget', 'timeline', 'scope_unclear', 'no_response', 'hired_someone_else', 'other'],
  decline_offer: ['terms', 'budget', 'timeline', 'scope_unclear', 'no_response', 'not_available', 'other'],
  reject: ['terms', 'budget', 'timeline', 'scope_unclear', 'other']
}

/** The action whose categories a command takes (`decide` declining everything is a reject). */
export function reasonAction (command: string): ReasonAction | null {
  if (command === 'withdraw_offer' || command === 'decline_offer' || command === 'reject') return command
  if (command === 'decide') return 'reject'
  return null
}

/** A category in the reader's language ("Budget"); null for none or one this app does not know. */
export function reasonLabel (code: unknown): string | null {
  if (typeof code !== 'string' || code === '') return null
  const key = `reason.${code}`
  const text = t(key)
  return text === key ? null : text
}

/** The most a satisfaction comment may hold (server RATING_COMMENT_MAX). */
export const COMMENT_MAX = 1000
export const SCORES: readonly number[] = Array.from({ length: 11 }, (_, i) => i)

// --- the reason picker --------------------------------------------------------------------------

let pickers = 0

/** A required radio group of categories (a fieldset with a legend): arrow keys move between them. */
export class ReasonPicker {
  readonly el: HTMLFieldSetElement
  private readonly list = h('div', { class: 'reason-options' })
  private readonly error = h('p', { class: 'reason-error', role: 'alert' })
  private readonly name = `reason-${++pickers}`
  private codes: readonly string[] = []

  constructor () {
    const legend = h('legend', { class: 'neg-label' }, tr('reason.legend'))
    this.el = h('fieldset', { class: 'reason-picker', role: 'radiogroup', 'aria-required': 'true' }, legend, this.list, this.error)
    setHidden(this.error, true)
  }

  /** The categories of `action`, none chosen. */
  reset (action: ReasonAction): void {
    this.codes = REASONS[action]
    this.list.replaceChildren(...this.codes.map((code) => {
      const id = `${this.name}-${code}`
      return h('span', { class: 'reason-option' },
        h('input', { type: 'radio', name: this.name, id, value: code, onchange: () => this.clearError() }),
        h('label', { for: id }, tr(`reason.${code}`)))
    }))
    this.clearError()
  }

  /** The chosen category, or null. */
  value (): string | null {
    const checked = this.list.querySelector<HTMLInputElement>('input:checked')
    return checked?.value ?? null
  }

  /** Null with the error shown and the focus on the group when nothing is chosen. */
  require (): string | null {
    const v = this.value()
    if (v !== null) return v
    setText(this.error, t('reason.required'))
    setHidden(this.error, false)
    this.el.setAttribute('aria-invalid', 'true')
    this.focus()
    return null
  }

  focus (): void {
    (this.list.querySelector<HTMLInputElement>('input:checked') ?? this.list.querySelector<HTMLInputElement>('input'))?.focus()
  }

  setDisabled (disabled: boolean): void {
    for (const r of this.list.querySelectorAll('input')) r.disabled = disabled
  }

  private clearError (): void {
    setText(this.error, '')
    setHidden(this.error, true)
    this.el.removeAttribute('aria-invalid')
  }
}

// --- the closing question -----------------------------------------------------------------------

export type SurveyState = 'hidden' | 'asking' | 'sending' | 'thanks'

export interface RateCommand { score: number, comment?: string }

/** The `rate` command's fields for a score and optional words (blank words are left out). */
export function rateCommand (score: number, comment: string): RateCommand {
  const words = comment.trim().slice(0, COMMENT_MAX)
  return words === '' ? { score } : { score, comment: words }
}

/** A refusal of `rate` in words. */
export function rateError (code: string, fallback: string): string {
  switch (code) {
    case 'not_closed': return t('survey.error.not_closed')
    case 'already_rated': return t('survey.error.already_rated')
    case 'forbidden': return t('survey.error.forbidden')
    case 'bad_request': return t('survey.error.bad_request')
    default: return fallback !== '' ? fallback : t('survey.error.other')
  }
}

/** What the card shows, from the `survey` messages, the person's choices and the answer to `rate`. */
export class SurveyModel {
  state: SurveyState = 'hidden'
  score: number | null = null
  comment = ''
  error: string | null = null
  /** "Not now" on this page view: the question does not come back until a reload. */
  dismissed = false

  /** A `survey` message: asked (not rated yet) or answered. */
  receive (msg: { rated: boolean, score?: number | null }): void {
    if (msg.rated) {
      // Answered (here or on another tab): thanks where the card is showing, nothing otherwise.
      this.state = this.state === 'hidden' ? 'hidden' : 'thanks'
      this.error = null
      return
    }
    if (this.dismissed || this.state === 'sending' || this.state === 'thanks') return
    this.state = 'asking'
  }

  choose (score: number): void {
    if (!SCORES.includes(score) || this.state === 'sending') return
    this.score = score
    this.error = null
  }

  setComment (text: string): void {
    this.comment = text.slice(0, COMMENT_MAX)
  }

  /** The command to send (and the card now waits), or null with the reason shown. */
  submit (): RateCommand | null {
    if (this.state !== 'asking') return null
    if (this.score === null) {
      this.error = t('survey.error.no_score')
      return null
    }
    this.error = null
    this.state = 'sending'
    return rateCommand(this.score, this.comment)
  }

  /** The server's answer to `rate`. */
  answered (r: { ok: true } | { ok: false, code: string, message?: string }): void {
    if (r.ok || r.code === 'already_rated') {
      this.state = 'thanks'
      this.error = null
      return
    }
    this.state = 'asking'
    this.error = rateError(r.code, r.message ?? '')
  }

  dismiss (): void {
    this.dismissed = true
    this.state = 'hidden'
  }
}

export interface SurveyDeps {
  /** Send `rate`; resolves with the server's answer. */
  send: (cmd: RateCommand) => Promise<{ ok: true } | { ok: false, code: string, message?: string }>
  /** Redraw the page around the card (it grew or shrank). */
  changed?: () => void
}

/** The compact card under the closed banner: an 11-point scale, a comment, Send and Not now. */
export class SurveyCard {
  readonly el: HTMLElement
  readonly model = new SurveyModel()
  private readonly form: HTMLElement
  private readonly radios: HTMLInputElement[]
  private readonly comment = h('textarea', { id: 'survey-comment', rows: '2', maxlength: String(COMMENT_MAX), 'aria-describedby': 'survey-count' })
  private readonly count = h('span', { id: 'survey-count', class: 'card-note survey-count' })
  private readonly error = h('p', { class: 'neg-msg survey-error', role: 'alert' })
  private readonly status = h('p', { class: 'survey-thanks', role: 'status', tabindex: '-1' })
  private readonly sendBtn: HTMLButtonElement
  private readonly laterBtn: HTMLButtonElement

  constructor (private readonly deps: SurveyDeps) {
    this.radios = SCORES.map((n) => h('input', {
      type: 'radio', name: 'survey-score', id: `survey-score-${n}`, value: String(n),
      onchange: () => { this.model.choose(n); this.render() }
    }))
    const points = h('div', { class: 'survey-points' }, ...SCORES.map((n, i) =>
      h('span', { class: 'survey-point' }, this.radios[i],
        h('label', { for: `survey-score-${n}` }, String(n),
          n === 0 ? h('span', { class: 'sr-only' }, ' ', tr('survey.low')) : null,
          n === 10 ? h('span', { class: 'sr-only' }, ' ', tr('survey.high')) : null))))
    const ends = h('div', { class: 'survey-ends', 'aria-hidden': 'true' },
      h('span', {}, tr('survey.low')), h('span', {}, tr('survey.high')))
    const scale = h('fieldset', { class: 'survey-scale' },
      h('legend', { class: 'survey-question', id: 'survey-question' }, tr('survey.question')), points, ends)
    this.comment.addEventListener('input', () => { this.model.setComment(this.comment.value); this.renderCount() })
    this.sendBtn = h('button', { type: 'button', class: 'btn btn-primary', onclick: () => this.send() }, tr('survey.send'))
    this.laterBtn = h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => { this.model.dismiss(); this.render() } }, tr('survey.not_now'))
    this.form = h('div', { class: 'survey-form' }, scale,
      h('div', { class: 'survey-comment-head' }, h('label', { for: 'survey-comment', class: 'neg-label' }, tr('survey.comment')), this.count),
      h('div', { class: 'control-wrap' }, this.comment),
      this.error,
      h('div', { class: 'neg-actions' }, this.sendBtn, this.laterBtn))
    this.el = h('section', { class: 'card survey-card', id: 'survey', 'aria-labelledby': 'survey-head', hidden: true },
      h('h2', { class: 'survey-head', id: 'survey-head' }, tr('survey.title')), this.form, this.status)
    this.render()
  }

  /** A `survey` message. */
  receive (msg: { rated: boolean, score?: number | null }): void {
    this.model.receive(msg)
    this.render()
  }

  private send (): void {
    const cmd = this.model.submit()
    this.render()
    if (cmd === null) {
      if (this.model.score === null) this.radios[0].focus()
      return
    }
    void this.deps.send(cmd).then((r) => {
      this.model.answered(r)
      this.render()
      if (this.model.state === 'thanks') this.status.focus()
    })
  }

  private renderCount (): void {
    setText(this.count, `${formatInteger(this.comment.value.length)} / ${formatInteger(COMMENT_MAX)}`)
  }

  render (): void {
    const m = this.model
    const wasHidden = this.el.hidden
    setHidden(this.el, m.state === 'hidden')
    setHidden(this.form, m.state === 'thanks')
    setText(this.status, m.state === 'thanks' ? t('survey.thanks') : '')
    setText(this.error, m.error ?? '')
    const sending = m.state === 'sending'
    for (const r of this.radios) r.disabled = sending
    this.comment.disabled = sending
    this.sendBtn.disabled = sending
    this.laterBtn.disabled = sending
    setText(this.sendBtn, t(sending ? 'survey.sending' : 'survey.send'))
    this.renderCount()
    if (wasHidden !== this.el.hidden) this.deps.changed?.()
  }
}
