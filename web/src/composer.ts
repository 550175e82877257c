// The conversation's composer: a textarea (Enter sends, Shift+Enter is a new line), a character
// counter near the limit, "Ask a question" with what it is about, answering a question and editing
// one's own message in place. While the person types, presence says so (cleared after 3 s idle, on
// send and on leaving the box). It never sends what the server would refuse for sure (empty, too
// long, a question about nothing) and says why it cannot send when it cannot.

import { type CommandError, explainError } from './commands'
import { h, setHidden, setText, toggleClass, tr } from './dom'
import { formatInteger } from './format'
import { t } from './i18n'
import type { Presence } from './presence'
import { MESSAGE_MAX_CHARS, type Thread, type ThreadResult, cleanBody } from './thread'
import type { ThreadItem } from './types'

const TYPING_IDLE_MS = 3000
/** The counter shows from here on. */
const COUNTER_FROM = 1500

const S = {
  get label () { return t('composer.label') },
  get placeholder () { return t('composer.placeholder') },
  placeholderQuestion: (topic: string | null) => topic === null ? t('composer.placeholder_question_choose') : t('composer.placeholder_question', { topic }),
  get placeholderAnswer () { return t('composer.placeholder_answer') },
  get send () { return t('composer.send') },
  get save () { return t('composer.save') },
  get saving () { return t('composer.saving') },
  get ask () { return t('composer.ask') },
  get about () { return t('composer.about') },
  get choose () { return t('composer.choose') },
  answering: (name: string | null) => name === null ? t('composer.answering_someone') : t('composer.answering', { name }),
  get answeringOwn () { return t('composer.answering_own') },
  get editing () { return t('composer.editing') },
  get cancel () { return t('composer.cancel') },
  get cancelQuestion () { return t('composer.cancel_question') },
  get cancelAnswer () { return t('composer.cancel_answer') },
  get cancelEdit () { return t('composer.cancel_edit') },
  get keys () { return t('composer.keys') },
  counter: (n: number) => t('composer.counter', { n: formatInteger(n), max: formatInteger(MESSAGE_MAX_CHARS) }),
  get full () { return t('composer.full') },
  get needTopic () { return t('composer.need_topic') },
  rateLimited: (s: number | null) => s === null ? t('composer.rate_limited_moment') : t('composer.rate_limited', { n: Math.max(1, Math.ceil(s)) }),
  get readOnly () { return t('composer.read_only') },
  get notOpen () { return t('composer.not_open') }
}

export interface TopicOption { value: string, label: string }
export interface TopicGroup { label: string, options: TopicOption[] }

/** Why the composer cannot send right now: `hide` removes it (a viewer, a closed offer). */
export interface Block { reason: string, hide: boolean }

export interface ComposerDeps {
  thread: Thread
  presence: Presence
  /** What a question may be about, grouped (terms, milestones, the pending proposal). */
  topics: () => TopicGroup[]
  topicLabel: (about: string) => string
  block: () => Block | null
  /** A post went out: the list scrolls to its end. */
  sent: () => void
}

type Mode =
  | { kind: 'message' }
  | { kind: 'question', about: string | null }
  | { kind: 'answer', question: ThreadItem }
  | { kind: 'edit', item: ThreadItem }

/** What a refused message means to its writer. */
export function explainThreadError (e: CommandError): string {
  switch (e.code) {
    case 'rate_limited': return S.rateLimited(typeof e.retry_after_s === 'number' ? e.retry_after_s : null)
    case 'read_only': return S.readOnly
    case 'not_open': return S.notOpen
    // The rest in the catalog's words (too_late, too_long with its figures, …), else the server's.
    default: return explainError(e)
  }
}

let seq = 0

export class Composer {
  readonly el: HTMLFormElement
  readonly textarea: HTMLTextAreaElement
  private readonly deps: ComposerDeps
  private mode: Mode = { kind: 'message' }
  private readonly context = h('div', { class: 'composer-context', hidden: true })
  private readonly contextText = h('span', { class: 'composer-context-text' })
  private readonly aboutWrap: HTMLElement
  private readonly aboutSelect: HTMLSelectElement
  private readonly cancelBtn: HTMLButtonElement
  private readonly askBtn: HTMLButtonElement
  private readonly sendBtn: HTMLButtonElement
  private readonly counter = h('span', { class: 'composer-counter', hidden: true })
  private readonly keys = h('span', { class: 'composer-keys' }, tr('composer.keys'))
  private readonly status = h('p', { class: 'composer-status', role: 'status' })
  private readonly error = h('p', { class: 'composer-error', role: 'alert', hidden: true })
  private typingTimer: ReturnType<typeof setTimeout> | null = null
  private topicsKey = ''
  private saving = false

  constructor (deps: ComposerDeps) {
    this.deps = deps
    const id = `composer-${++seq}`
    this.textarea = h('textarea', {
      id: `${id}-text`,
      name: 'message',
      rows: '2',
      maxlength: String(MESSAGE_MAX_CHARS),
      placeholder: S.placeholder,
      enterkeyhint: 'send',
      autocomplete: 'off',
      'aria-describedby': `${id}-context ${id}-counter ${id}-keys ${id}-status`
    })
    this.contextText.id = `${id}-context`
    this.counter.id = `${id}-counter`
    this.keys.id = `${id}-keys`
    this.status.id = `${id}-status`
    this.aboutSelect = h('select', { id: `${id}-about`, name: 'about', onchange: () => this.pickTopic() })
    this.aboutWrap = h('span', { class: 'composer-about', hidden: true },
      h('label', { for: this.aboutSelect.id }, tr('composer.about')), h('span', { class: 'control-wrap' }, this.aboutSelect))
    this.cancelBtn = h('button', { type: 'button', class: 'btn btn-link composer-cancel', onclick: () => this.cancel(true) }, tr('common.cancel'))
    this.context.append(this.contextText, this.aboutWrap, this.cancelBtn)
    this.askBtn = h('button', {
      type: 'button',
      class: 'btn btn-small btn-secondary composer-ask',
      'aria-pressed': 'false',
      onclick: () => this.mode.kind === 'question' ? this.cancel(true) : this.startQuestion(null)
    }, h('span', { class: 'q-icon', 'aria-hidden': 'true' }, '?'), tr('composer.ask'))
    this.sendBtn = h('button', { type: 'submit', class: 'btn composer-send' }, S.send)
    this.el = h('form', { class: 'composer', novalidate: true, 'aria-label': tr('composer.form') },
      this.context,
      h('label', { for: this.textarea.id, class: 'sr-only' }, tr('composer.label')),
      h('div', { class: 'control-wrap composer-box' }, this.textarea),
      h('div', { class: 'composer-meta' }, this.keys, this.counter),
      h('div', { class: 'composer-bar' }, this.askBtn, this.sendBtn),
      this.error, this.status)

    this.el.addEventListener('submit', (e) => { e.preventDefault(); this.submit() })
    this.textarea.addEventListener('keydown', (e) => this.onKey(e))
    this.textarea.addEventListener('input', () => this.onInput())
    this.textarea.addEventListener('blur', () => this.stopTyping())
    this.context.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.mode.kind !== 'message') { e.stopPropagation(); this.cancel(true) }
    })
  }

  focus (): void {
    if (!this.textarea.disabled) this.textarea.focus()
  }

  get busyWith (): string | null {
    return this.mode.kind === 'edit' ? this.mode.item.id : null
  }

  /** Ask a question, about `about` if given (else the topic picker gets the focus). */
  startQuestion (about: string | null): void {
    this.mode = { kind: 'question', about }
    this.clearError()
    this.render()
    if (about === null) this.aboutSelect.focus()
    else this.focus()
  }

  startAnswer (question: ThreadItem): void {
    if (this.mode.kind === 'edit') this.textarea.value = ''
    this.mode = { kind: 'answer', question }
    this.clearError()
    this.render()
    this.focus()
  }

  startEdit (item: ThreadItem): void {
    this.mode = { kind: 'edit', item }
    this.textarea.value = item.body ?? ''
    this.clearError()
    this.render()
    this.focus()
    this.textarea.setSelectionRange(this.textarea.value.length, this.textarea.value.length)
  }

  /** Back to a plain message (an edit also drops its text). */
  cancel (refocus: boolean): void {
    if (this.mode.kind === 'edit') this.textarea.value = ''
    this.mode = { kind: 'message' }
    this.clearError()
    this.render()
    if (refocus) this.focus()
  }

  /** The question being answered, or the message being edited, changed: follow it. */
  private followMode (): void {
    const m = this.mode
    if (m.kind === 'answer' || m.kind === 'edit') {
      const now = this.deps.thread.get(m.kind === 'answer' ? m.question.id : m.item.id)
      if (now === undefined || now.deleted === true) this.cancel(false)
      else if (m.kind === 'answer') this.mode = { kind: 'answer', question: now }
    }
  }

  private onKey (e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault()
      this.submit()
    } else if (e.key === 'Escape' && this.mode.kind !== 'message') {
      e.stopPropagation()
      this.cancel(true)
    }
  }

  private onInput (): void {
    this.autosize()
    this.renderCounter()
    this.renderSend()
    if (this.textarea.value.trim() === '') {
      this.stopTyping()
      return
    }
    this.deps.presence.setTyping(true)
    if (this.typingTimer !== null) clearTimeout(this.typingTimer)
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS)
  }

  private stopTyping (): void {
    if (this.typingTimer !== null) clearTimeout(this.typingTimer)
    this.typingTimer = null
    this.deps.presence.setTyping(false)
  }

  /** Grow with the text up to the box's max-height (the CSSOM, not a style attribute: CSP). */
  private autosize (): void {
    const ta = this.textarea
    ta.style.setProperty('height', 'auto')
    ta.style.setProperty('height', `${ta.scrollHeight + 2}px`)
  }

  private pickTopic (): void {
    if (this.mode.kind !== 'question') return
    const v = this.aboutSelect.value
    this.mode = { kind: 'question', about: v === '' ? null : v }
    this.clearError()
    this.render()
  }

  private showError (text: string): void {
    setText(this.error, text)
    setHidden(this.error, false)
  }

  private clearError (): void {
    setText(this.error, '')
    setHidden(this.error, true)
  }

  private submit (): void {
    const block = this.deps.block()
    if (block !== null || this.saving) return
    const body = cleanBody(this.textarea.value)
    if (body === '') return
    const m = this.mode
    const { thread } = this.deps
    this.clearError()
    this.stopTyping()
    if (m.kind === 'question' && m.about === null) {
      this.showError(S.needTopic)
      this.aboutSelect.focus()
      return
    }
    if (m.kind === 'edit') {
      if (body === cleanBody(m.item.body ?? '')) { this.cancel(true); return }
      this.saving = true
      this.render()
      void thread.edit(m.item.id, body).then((r) => {
        this.saving = false
        if (r.ok && this.mode.kind === 'edit' && this.mode.item.id === m.item.id) this.cancel(true)
        else if (!r.ok) this.showError(explainThreadError(r.error))
        this.render()
      })
      return
    }
    const draft = this.textarea.value
    const kind = m.kind
    const promise: Promise<ThreadResult> = kind === 'question'
      ? thread.post('question', body, m.about)
      : kind === 'answer' ? thread.post('answer', body, null, m.question.id) : thread.post('message', body)
    // Sent optimistically: the box is free for the next message while this one is on its way.
    this.textarea.value = ''
    this.mode = { kind: 'message' }
    this.autosize()
    this.render()
    this.deps.sent()
    void promise.then((r) => {
      if (r.ok) return
      // Give the text back, unless something new was typed meanwhile.
      if (this.textarea.value.trim() === '') {
        this.textarea.value = draft
        if (this.mode.kind === 'message') this.mode = m
        this.autosize()
      }
      this.showError(explainThreadError(r.error))
      this.render()
    })
  }

  render (): void {
    this.followMode()
    const block = this.deps.block()
    setHidden(this.el, block?.hide === true)
    const m = this.mode
    // The context line: what this text will be.
    setHidden(this.context, m.kind === 'message')
    toggleClass(this.context, 'is-question', m.kind === 'question')
    setHidden(this.aboutWrap, m.kind !== 'question')
    if (m.kind === 'question') this.renderTopics(m.about)
    setText(this.contextText, m.kind === 'answer'
      ? (m.question.author?.id === this.deps.presence.me?.id ? S.answeringOwn : S.answering(m.question.author?.name ?? null))
      : m.kind === 'edit' ? S.editing : '')
    setHidden(this.contextText, m.kind === 'question')
    this.cancelBtn.setAttribute('aria-label', m.kind === 'question' ? S.cancelQuestion : m.kind === 'answer' ? S.cancelAnswer : S.cancelEdit)
    this.askBtn.setAttribute('aria-pressed', String(m.kind === 'question'))
    setHidden(this.askBtn, m.kind === 'edit' || m.kind === 'answer')
    this.textarea.placeholder = m.kind === 'question'
      ? S.placeholderQuestion(m.about === null ? null : this.deps.topicLabel(m.about))
      : m.kind === 'answer' ? S.placeholderAnswer : S.placeholder
    const closed = block !== null && block.hide
    if (this.textarea.disabled !== closed) this.textarea.disabled = closed
    this.askBtn.disabled = closed
    setText(this.status, block !== null && !block.hide ? block.reason : '')
    setHidden(this.status, this.status.textContent === '')
    this.renderCounter()
    this.renderSend()
  }

  private renderSend (): void {
    const block = this.deps.block()
    const editing = this.mode.kind === 'edit'
    setText(this.sendBtn, this.saving ? S.saving : editing ? S.save : S.send)
    this.sendBtn.disabled = block !== null || this.saving || this.textarea.value.trim() === ''
  }

  private renderCounter (): void {
    const n = this.textarea.value.length
    setHidden(this.counter, n < COUNTER_FROM)
    setText(this.counter, n >= MESSAGE_MAX_CHARS ? `${S.counter(n)}. ${S.full}` : S.counter(n))
    toggleClass(this.counter, 'full', n >= MESSAGE_MAX_CHARS)
  }

  private renderTopics (about: string | null): void {
    const groups = this.deps.topics()
    const key = JSON.stringify(groups)
    if (key !== this.topicsKey) {
      this.topicsKey = key
      this.aboutSelect.replaceChildren(h('option', { value: '' }, S.choose),
        ...groups.filter((g) => g.options.length > 0).map((g) => {
          const group = h('optgroup', { label: g.label })
          for (const o of g.options) group.append(h('option', { value: o.value }, o.label))
          return group
        }))
    }
    // A topic that is not in the list (a removed milestone): keep it, by its words.
    if (about !== null && ![...this.aboutSelect.options].some((o) => o.value === about)) {
      this.aboutSelect.append(h('option', { value: about }, this.deps.topicLabel(about)))
      this.topicsKey = ''
    }
    const want = about ?? ''
    if (this.aboutSelect.value !== want) this.aboutSelect.value = want
  }
}
