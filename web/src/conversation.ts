// The conversation panel (issue 13): messages, questions on the terms with their answers threaded
// under them, and the negotiation's events as compact timeline rows, beside the terms. On a wide
// screen it is a column next to the page; narrower, a side panel over it; on a phone a full-screen
// sheet (modal: focus kept inside, Escape and Close close it, focus goes back where it was).
// A floating button opens it and carries the unread badge. Entries are read when they are on screen
// in the open panel while the tab has the focus.

import { type Block, Composer, type TopicGroup, explainThreadError } from './composer'
import type { OfferDoc } from './doc'
import { h, setHidden, setText, slug, toggleClass, tr } from './dom'
import { formatInteger, formatList, initials, messageTime } from './format'
import { lang, t } from './i18n'
import { appendText } from './links'
import type { Notifier } from './notify'
import type { Presence } from './presence'
import { roleName } from './presence'
import { flagTitle } from './proposal'
import { firstName } from './status'
import { type Thread, answersByQuestion, canModify, editableUntil, firstUnread, isOpenQuestion, isOwn } from './thread'
import { type TopicContext, systemProposalId, systemSentence, topicLabel } from './timeline'
import type { FlagOut, PartyRef, ThreadItem, UserInfo } from './types'
import { FIELD_LABELS, SCALAR_FIELDS } from './types'

const PREF_KEY = 'offer-room:conversation'
const PHONE = '(max-width: 600px)'
/** Wide enough for the page (1200 px) and the panel side by side. */
const WIDE = '(min-width: 1600px)'
const NEAR_BOTTOM_PX = 64

const S = {
  get title () { return t('convo.title') },
  get fab () { return t('convo.fab') },
  unreadSpoken: (n: number) => n === 0 ? '' : t('convo.unread_spoken', { n: formatInteger(n) }),
  get close () { return t('convo.close') },
  get closeLabel () { return t('convo.close_label') },
  with: (names: string) => t('convo.with', { names }),
  unread: (n: number) => t('convo.unread', { n: formatInteger(n) }),
  get notify () { return t('convo.notify') },
  get notifyHint () { return t('convo.notify_hint') },
  get log () { return t('convo.log') },
  get loading () { return t('convo.loading') },
  get empty () { return t('convo.empty') },
  get emptyParty () { return t('convo.empty_party') },
  get loadEarlier () { return t('convo.load_earlier') },
  get loadingEarlier () { return t('convo.loading_earlier') },
  get earlierFailed () { return t('convo.earlier_failed') },
  get start () { return t('convo.start') },
  get newDivider () { return t('convo.new_divider') },
  get newDividerSr () { return t('convo.new_divider_sr') },
  get jump () { return t('convo.jump') },
  get question () { return t('convo.question') },
  get answer () { return t('convo.answer') },
  get about () { return t('convo.about') },
  get open () { return t('convo.open') },
  get resolved () { return t('convo.resolved') },
  get edited () { return t('convo.edited') },
  editedAt: (when: string) => t('convo.edited_at', { when }),
  get deleted () { return t('convo.deleted') },
  get answers () { return t('convo.answers') },
  get answerTo () { return t('convo.answer_to') },
  get answerBtn () { return t('convo.answer_btn') },
  get resolveBtn () { return t('convo.resolve_btn') },
  get resolving () { return t('convo.resolving') },
  get editBtn () { return t('convo.edit_btn') },
  get deleteBtn () { return t('convo.delete_btn') },
  get deleteAsk () { return t('convo.delete_ask') },
  get deleteYes () { return t('convo.delete_yes') },
  get cancel () { return t('convo.cancel') },
  get review () { return t('convo.review') },
  get sending () { return t('convo.sending') },
  get flagsHead () { return t('convo.flags_head') },
  get flagsLabel () { return t('convo.flags_label') },
  get openQuestions () { return t('convo.open_questions') },
  typing: (names: string[]) => t('convo.typing', { n: names.length, names: formatList(names) }),
  announce: (who: string, kind: string) => t(kind === 'question' ? 'convo.announce_question' : kind === 'answer' ? 'convo.announce_answer' : 'convo.announce_message', { name: who }),
  get topicTerms () { return t('convo.topic_terms') },
  get topicMilestones () { return t('convo.topic_milestones') },
  get topicProposal () { return t('convo.topic_proposal') },
  get allMilestones () { return t('convo.all_milestones') },
  get failed () { return t('convo.failed') },
  milestoneN: (i: number, title: string) => title.trim() === '' ? t('convo.milestone_untitled', { n: i }) : t('topic.milestone', { title: title.trim() })
}

const SEVERITIES = new Set(['danger', 'warning', 'info'])

export interface ConversationDeps {
  root: HTMLElement
  /** The sticky page header: a side panel opens below it, leaving its controls in reach. */
  topbar: HTMLElement
  thread: Thread
  presence: Presence
  od: OfferDoc
  notifier: Notifier
  me: () => UserInfo | null
  /** Why this person cannot post now (null: they can). */
  block: () => Block | null
  colorOf: (u: UserInfo | PartyRef | null) => string
  nameOf: (userId: string) => string | null
  /** Somewhere on the page shows what a question is about (a field, a milestone, the proposal). */
  canGoTo: (about: string) => boolean
  goTo: (about: string) => void
  reviewProposal: () => void
}

interface Row {
  el: HTMLLIElement
  key: string
  answers: HTMLOListElement | null
  time: HTMLTimeElement | null
  at: string
}

/** What the question picker offers: the terms in use, each milestone, the pending proposal. */
export function topicGroups (od: OfferDoc): TopicGroup[] {
  const fixed = od.contractType === 'fixed'
  const skip = new Set<string>(fixed ? ['hourly_rate', 'weekly_limit', 'manual_time'] : ['fixed_price'])
  const terms = [...SCALAR_FIELDS.filter((f) => !skip.has(f)), 'description']
  const groups: TopicGroup[] = [{ label: S.topicTerms, options: terms.map((f) => ({ value: f, label: FIELD_LABELS[f] ?? f })) }]
  if (fixed) {
    groups.push({
      label: S.topicMilestones,
      options: [{ value: 'milestones', label: S.allMilestones },
        ...od.draftMilestones().filter((m) => m.id !== '').map((m, i) => ({ value: `milestone:${m.id}`, label: S.milestoneN(i + 1, m.title) }))]
    })
  }
  const p = od.pendingProposal()
  if (p !== null) groups.push({ label: S.topicProposal, options: [{ value: `proposal:${p.id}`, label: t('topic.pending_proposal') }] })
  return groups
}

function storage (): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

function focusables (root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
    .filter((el) => !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0)
}

export class Conversation {
  /** The floating button that opens the panel on a phone (with the unread badge). */
  readonly fab: HTMLButtonElement
  /** The header's button that opens and closes it on larger screens (with the unread badge). */
  readonly toggle: HTMLButtonElement
  /** The panel's container: a column, a side panel or a sheet, by the screen's width. */
  readonly el: HTMLElement
  /** Says what arrived while the panel is closed, to screen readers. */
  readonly announcer = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' })
  readonly composer: Composer
  isOpen = false

  private readonly deps: ConversationDeps
  private readonly fabBadge = h('span', { class: 'fab-badge', 'aria-hidden': 'true', hidden: true })
  private readonly toggleBadge = h('span', { class: 'fab-badge', 'aria-hidden': 'true', hidden: true })
  // The count for screen readers, inside the button's own text: an aria-label would no longer
  // contain the visible label (axe: label-content-name-mismatch).
  private readonly fabUnread = h('span', { class: 'sr-only' })
  private readonly toggleUnread = h('span', { class: 'sr-only' })
  private readonly heading = h('h2', { id: 'h-convo', tabindex: '-1' }, tr('convo.title'))
  private readonly sub = h('p', { class: 'convo-sub' })
  private readonly notifyInput: HTMLInputElement
  private readonly notifyWrap: HTMLElement
  private readonly notifyNote = h('p', { class: 'convo-note', id: 'convo-notify-note', hidden: true })
  private readonly questionsBar: HTMLElement
  private readonly questionsList = h('ul', { class: 'convo-qlist', 'aria-labelledby': 'convo-qhead' })
  private readonly log: HTMLElement
  private readonly list = h('ol', { class: 'convo-list' })
  private readonly earlierBtn: HTMLButtonElement
  private readonly earlierNote = h('p', { class: 'convo-state', hidden: true })
  private readonly startNote = h('p', { class: 'convo-start', hidden: true }, tr('convo.start'))
  private readonly emptyNote: HTMLElement
  private readonly typing = h('p', { class: 'convo-typing', hidden: true },
    h('span', { class: 'typing-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), h('span', { class: 'convo-typing-text' }))
  private readonly jumpBtn: HTMLButtonElement
  private readonly actionError = h('p', { class: 'composer-error', role: 'alert', hidden: true })
  private readonly readOnly = h('p', { class: 'convo-readonly', hidden: true })
  private readonly divider = h('li', { class: 'convo-divider' }, h('span', { 'aria-hidden': 'true' }, tr('convo.new_divider')), h('span', { class: 'sr-only' }, tr('convo.new_divider_sr')))
  private readonly rows = new Map<string, Row>()
  private readonly pendingRows = new Map<string, HTMLLIElement>()
  private readonly visible = new Set<number>()
  private readonly io: IntersectionObserver | null
  private readonly phone = window.matchMedia(PHONE)
  private readonly wide = window.matchMedia(WIDE)
  private opener: HTMLElement | null = null
  /** The read position when the panel opened: the "New" divider stays put while reading. */
  private dividerAfter = 0
  private confirmDelete: string | null = null
  private listKey = ''
  private lastLatest = 0
  private newBelow = false
  private readTimer: ReturnType<typeof setTimeout> | null = null
  private windowTimer: ReturnType<typeof setTimeout> | null = null
  private windowTick = 0
  private questionsKey = ''

  constructor (deps: ConversationDeps) {
    this.deps = deps
    const { thread } = deps
    this.fab = h('button', {
      type: 'button', class: 'convo-fab', 'aria-controls': 'conversation', 'aria-expanded': 'false', onclick: () => this.open()
    }, h('span', { class: 'fab-icon', 'aria-hidden': 'true' }), h('span', { class: 'fab-label' }, tr('convo.fab')), this.fabUnread, this.fabBadge)
    this.toggle = h('button', {
      type: 'button', class: 'btn btn-small btn-secondary convo-toggle', 'aria-controls': 'conversation', 'aria-expanded': 'false',
      onclick: () => { if (this.isOpen) this.close(true); else this.open() }
    }, h('span', { class: 'fab-icon', 'aria-hidden': 'true' }), h('span', {}, tr('convo.fab')), this.toggleUnread, this.toggleBadge)

    this.notifyInput = h('input', { type: 'checkbox', id: 'convo-notify', role: 'switch', 'aria-describedby': 'convo-notify-note', onchange: () => { void this.toggleNotify() } })
    this.notifyWrap = h('label', { class: 'toggle convo-notify', for: 'convo-notify', title: tr('convo.notify_hint') },
      this.notifyInput, h('span', { class: 'toggle-ui', 'aria-hidden': 'true' }), tr('convo.notify'))
    const closeBtn = h('button', { type: 'button', class: 'btn btn-small btn-ghost convo-close', 'aria-label': tr('convo.close_label'), onclick: () => this.close(true) },
      h('span', { 'aria-hidden': 'true' }, '✕'), h('span', { class: 'convo-close-text' }, tr('convo.close')))

    this.questionsBar = h('div', { class: 'convo-questions', hidden: true },
      h('span', { class: 'convo-qhead', id: 'convo-qhead' }, tr('convo.open_questions')), this.questionsList)

    this.earlierBtn = h('button', { type: 'button', class: 'btn btn-small btn-secondary convo-earlier', hidden: true, onclick: () => { void thread.loadOlder() } }, S.loadEarlier)
    this.emptyNote = h('div', { class: 'convo-empty', hidden: true })
    this.log = h('div', {
      class: 'convo-log', role: 'log', 'aria-label': tr('convo.log'), 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0'
    }, this.earlierBtn, this.earlierNote, this.startNote, this.list, this.emptyNote)
    this.log.addEventListener('scroll', () => {
      if (this.atBottom()) this.setNewBelow(false)
    }, { passive: true })
    this.log.addEventListener('click', (e) => this.onListClick(e))
    this.jumpBtn = h('button', { type: 'button', class: 'btn btn-small convo-jump', hidden: true, onclick: () => { this.scrollToEnd(true); this.setNewBelow(false) } },
      h('span', { 'aria-hidden': 'true' }, '↓ '), tr('convo.jump'))

    this.composer = new Composer({
      thread,
      presence: deps.presence,
      topics: () => topicGroups(deps.od),
      topicLabel: (about) => topicLabel(about, this.topicContext()),
      block: deps.block,
      sent: () => { this.dividerAfter = Math.max(this.dividerAfter, thread.latestN); this.scrollToEnd(false) }
    })

    const panel = h('section', { class: 'convo-panel', 'aria-labelledby': 'h-convo' },
      h('div', { class: 'convo-head' },
        h('div', { class: 'convo-titles' }, this.heading, this.sub),
        this.notifyWrap, closeBtn),
      this.notifyNote,
      this.questionsBar,
      h('div', { class: 'convo-body' }, this.log, this.jumpBtn),
      this.typing, this.actionError, this.composer.el, this.readOnly)
    this.el = h('div', { class: 'convo', id: 'conversation', hidden: true }, panel)
    this.el.addEventListener('keydown', (e) => this.onKey(e))

    this.io = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver((entries) => {
      for (const e of entries) {
        const n = Number((e.target as HTMLElement).dataset.n)
        if (!Number.isFinite(n)) continue
        if (e.isIntersecting) this.visible.add(n)
        else this.visible.delete(n)
      }
      this.scheduleRead()
    }, { root: this.log, threshold: 0.01 })
    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(() => {
        document.documentElement.style.setProperty('--topbar-h', `${Math.round(deps.topbar.getBoundingClientRect().height)}px`)
      }).observe(deps.topbar)
    }
    window.addEventListener('focus', () => this.scheduleRead())
    document.addEventListener('visibilitychange', () => this.scheduleRead())
    this.phone.addEventListener('change', () => this.applyMode())
    this.wide.addEventListener('change', () => this.applyMode())
    // Every 30 s: "2 min. ago" becomes "3 min. ago".
    setInterval(() => { if (this.isOpen) this.refreshTimes() }, 30_000)

    thread.onNew((item) => this.arrived(item))
  }

  /** On a wide screen the panel starts open (unless it was closed there before), without the focus. */
  restore (): void {
    if (this.wide.matches && storage()?.getItem(PREF_KEY) !== 'closed') this.open({ focus: false })
  }

  get docked (): boolean {
    return this.isOpen && this.wide.matches && !this.phone.matches
  }

  private get modal (): boolean {
    return this.isOpen && this.phone.matches
  }

  // --- opening and closing ---------------------------------------------------------------------

  /** Open the panel; `at` scrolls to an entry and gives it the focus. */
  open (opts: { at?: string, focus?: boolean } = {}): void {
    const wasOpen = this.isOpen
    if (!wasOpen) {
      const active = document.activeElement
      this.opener = active instanceof HTMLElement && active !== document.body && !this.el.contains(active) ? active : null
      this.isOpen = true
      this.dividerAfter = this.deps.thread.lastRead
      this.listKey = ''
      setHidden(this.el, false)
      if (this.wide.matches) storage()?.setItem(PREF_KEY, 'open')
      this.applyMode()
    }
    this.render()
    if (opts.at !== undefined) {
      if (this.showItem(opts.at)) return
      // Not loaded yet (an old question): fetch the pages up to it, then show it.
      const target = this.deps.thread.openQuestions().find((q) => q.id === opts.at)
      if (target !== undefined) {
        const at = opts.at
        void this.deps.thread.loadThrough(target.n).then(() => { this.render(); this.showItem(at) })
      }
    }
    if (!wasOpen) this.scrollToStart()
    if (opts.focus === false) return
    if (this.phone.matches) this.heading.focus()
    else if (this.deps.block()?.hide !== true) this.composer.focus()
    else this.log.focus()
  }

  close (restoreFocus: boolean): void {
    if (!this.isOpen) return
    this.isOpen = false
    this.confirmDelete = null
    setHidden(this.el, true)
    if (this.wide.matches) storage()?.setItem(PREF_KEY, 'closed')
    this.applyMode()
    this.render()
    if (restoreFocus) {
      const visible = (el: HTMLElement | null): el is HTMLElement => el !== null && el.isConnected && el.getClientRects().length > 0 && !el.closest('[inert]')
      const back = [this.opener, this.toggle, this.fab].find(visible)
      back?.focus()
    }
    this.opener = null
  }

  /** Start a question about a topic (from a field or the proposal drawer). */
  ask (about: string): void {
    this.open({ focus: false })
    this.composer.startQuestion(about)
  }

  /** Column, side panel or modal sheet, by the width; the page behind a sheet is inert. */
  private applyMode (): void {
    const root = document.documentElement
    toggleClass(root, 'convo-open', this.isOpen)
    toggleClass(root, 'convo-docked', this.docked)
    toggleClass(root, 'convo-modal', this.modal)
    if (this.modal) {
      this.el.setAttribute('role', 'dialog')
      this.el.setAttribute('aria-modal', 'true')
      this.el.setAttribute('aria-labelledby', 'h-convo')
    } else {
      this.el.removeAttribute('role')
      this.el.removeAttribute('aria-modal')
      this.el.removeAttribute('aria-labelledby')
    }
    for (const child of this.deps.root.children) {
      if (child === this.el || child.classList.contains('toasts') || !(child instanceof HTMLElement)) continue
      if (child.inert !== this.modal) child.inert = this.modal
    }
    this.fab.setAttribute('aria-expanded', String(this.isOpen))
    this.toggle.setAttribute('aria-expanded', String(this.isOpen))
    setHidden(this.fab, this.isOpen)
  }

  private onKey (e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      if (this.confirmDelete !== null) {
        const id = this.confirmDelete
        this.confirmDelete = null
        this.render()
        this.rowButton(id, S.deleteBtn)?.focus()
      } else {
        this.close(true)
      }
      e.preventDefault()
      return
    }
    if (e.key === 'Tab' && this.modal) {
      const list = focusables(this.el)
      if (list.length === 0) return
      const first = list[0]
      const last = list[list.length - 1]
      if (e.shiftKey && document.activeElement === first) { last.focus(); e.preventDefault() } else if (!e.shiftKey && document.activeElement === last) { first.focus(); e.preventDefault() }
    }
  }

  // --- scrolling, reading ----------------------------------------------------------------------

  private atBottom (): boolean {
    const l = this.log
    return l.scrollHeight - l.scrollTop - l.clientHeight < NEAR_BOTTOM_PX
  }

  private scrollToEnd (smooth: boolean): void {
    this.log.scrollTo({ top: this.log.scrollHeight, behavior: smooth ? 'smooth' : 'auto' })
  }

  /** Opening: at the "New" divider when there is one, else at the end. */
  private scrollToStart (): void {
    if (this.divider.isConnected) {
      this.log.scrollTop += this.divider.getBoundingClientRect().top - this.log.getBoundingClientRect().top - 8
    } else {
      this.scrollToEnd(false)
    }
  }

  private setNewBelow (on: boolean): void {
    this.newBelow = on
    setHidden(this.jumpBtn, !on)
  }

  /** Scroll to an entry, focus it and make it blink; false when it is not loaded. */
  showItem (id: string): boolean {
    const row = this.rows.get(id)
    if (row === undefined) return false
    row.el.scrollIntoView({ block: 'center' })
    row.el.focus({ preventScroll: true })
    row.el.classList.remove('flash')
    void row.el.offsetWidth // restart the animation
    row.el.classList.add('flash')
    return true
  }

  private scheduleRead (): void {
    if (this.readTimer !== null) return
    this.readTimer = setTimeout(() => {
      this.readTimer = null
      if (!this.isOpen || document.visibilityState !== 'visible' || !document.hasFocus() || this.visible.size === 0) return
      this.deps.thread.markRead(Math.max(...this.visible))
    }, 400)
  }

  private refreshTimes (): void {
    const now = Date.now()
    for (const row of this.rows.values()) {
      if (row.time === null) continue
      const mt = messageTime(row.at, now)
      setText(row.time, mt.text)
    }
  }

  /** A new entry came live: tell whoever is not looking. */
  private arrived (item: ThreadItem): void {
    const meId = this.deps.me()?.id ?? null
    if (item.kind === 'system' || isOwn(item, meId) || item.author === null || item.author === undefined) return
    const who = item.author.name
    if (!this.isOpen) setText(this.announcer, S.announce(who, item.kind))
    const topic = item.kind === 'question' ? topicLabel(item.about, this.topicContext()) : ''
    this.deps.notifier.maybeNotify(item, topic, () => this.open({ at: item.id }))
  }

  private async toggleNotify (): Promise<void> {
    const want = this.notifyInput.checked
    const state = await this.deps.notifier.setWanted(want)
    this.notifyInput.checked = state === 'on'
    const problem = want && state !== 'on' ? this.deps.notifier.refusal() : null
    setText(this.notifyNote, problem ?? '')
    setHidden(this.notifyNote, problem === null)
  }

  // --- actions in the list ---------------------------------------------------------------------

  private onListClick (e: Event): void {
    const btn = (e.target as Element | null)?.closest<HTMLButtonElement>('button[data-act]')
    if (btn === null || btn === undefined) return
    const id = btn.dataset.id ?? ''
    const item = this.deps.thread.get(id)
    const { thread } = this.deps
    switch (btn.dataset.act) {
      case 'answer':
        if (item !== undefined) this.composer.startAnswer(item)
        break
      case 'resolve':
        void thread.resolve(id).then((r) => { if (!r.ok) this.showActionError(explainThreadError(r.error)) })
        this.render()
        break
      case 'edit':
        if (item !== undefined) this.composer.startEdit(item)
        this.listKey = ''
        this.render()
        break
      case 'delete':
        this.confirmDelete = id
        this.render()
        this.rowButton(id, S.deleteYes)?.focus()
        break
      case 'delete-yes':
        this.confirmDelete = null
        void thread.remove(id).then((r) => { if (!r.ok) this.showActionError(explainThreadError(r.error)) })
        this.render()
        this.rows.get(id)?.el.focus({ preventScroll: true })
        break
      case 'delete-no':
        this.confirmDelete = null
        this.render()
        this.rowButton(id, S.deleteBtn)?.focus()
        break
      case 'topic': {
        const about = btn.dataset.about ?? ''
        if (!this.docked) this.close(false)
        this.deps.goTo(about)
        break
      }
      case 'review':
        if (!this.docked) this.close(false)
        this.deps.reviewProposal()
        break
    }
  }

  private rowButton (id: string, text: string): HTMLButtonElement | null {
    const row = this.rows.get(id)
    if (row === undefined) return null
    return [...row.el.querySelectorAll<HTMLButtonElement>(':scope > .msg-actions button, :scope > .msg-confirm button')]
      .find((b) => b.textContent === text) ?? null
  }

  private showActionError (text: string): void {
    setText(this.actionError, text)
    setHidden(this.actionError, false)
    setTimeout(() => { if (this.actionError.textContent === text) setHidden(this.actionError, true) }, 8000)
  }

  // --- rendering ---------------------------------------------------------------------------------

  topicContext (): TopicContext {
    const { od } = this.deps
    const titles = new Map<string, string>()
    for (const m of od.draftMilestones()) titles.set(m.id, m.title)
    for (const m of od.committedMilestones()) if (!titles.has(m.id)) titles.set(m.id, m.title)
    return { milestoneTitle: (id) => titles.get(id), pendingProposalId: od.pendingProposal()?.id ?? null }
  }

  render (): void {
    const { thread, me, block } = this.deps
    const user = me()
    const meId = user?.id ?? null
    const unread = thread.unread
    // The button and its badge.
    const spoken = S.unreadSpoken(unread)
    for (const [btn, badge, sr] of [[this.fab, this.fabBadge, this.fabUnread], [this.toggle, this.toggleBadge, this.toggleUnread]] as const) {
      setHidden(badge, unread === 0)
      setText(badge, unread > 99 ? '99+' : formatInteger(unread))
      setText(sr, spoken)
      toggleClass(btn, 'has-unread', unread > 0)
    }
    if (!this.isOpen) {
      // The panel's DOM waits until it is opened; the divider follows the read position.
      this.dividerAfter = thread.lastRead
      return
    }
    if (this.announcer.textContent !== '') setText(this.announcer, '')

    const parties = this.deps.od.meta().parties.filter((p) => p.id !== meId && p.role !== 'viewer')
    setText(this.sub, [parties.length > 0 ? S.with(formatList(parties.map((p) => p.name))) : '', unread > 0 ? S.unread(unread) : '']
      .filter((s) => s !== '').join(' · '))
    const notifyState = this.deps.notifier.state
    setHidden(this.notifyWrap, notifyState === 'unsupported')
    this.notifyInput.checked = notifyState === 'on'
    this.notifyInput.disabled = notifyState === 'blocked'
    if (notifyState === 'blocked') {
      setText(this.notifyNote, this.deps.notifier.refusal())
      setHidden(this.notifyNote, false)
    }

    const typingNames = this.deps.presence.typingOthers().map((u) => firstName(u.name))
    setHidden(this.typing, typingNames.length === 0)
    setText(this.typing.lastElementChild as HTMLElement, typingNames.length === 0 ? '' : S.typing(typingNames))

    const blockNow = block()
    setHidden(this.readOnly, blockNow?.hide !== true)
    setText(this.readOnly, blockNow?.hide === true ? blockNow.reason : '')
    this.renderList(meId, blockNow)
    this.renderQuestions()
    this.composer.render()
  }

  private renderQuestions (): void {
    const ctx = this.topicContext()
    const open = this.deps.thread.openQuestions()
    const key = JSON.stringify([lang(), open.map((q) => [q.id, q.about, topicLabel(q.about, ctx), q.body])])
    if (key === this.questionsKey) return
    this.questionsKey = key
    setHidden(this.questionsBar, open.length === 0)
    this.questionsList.replaceChildren(...open.map((q) => h('li', {},
      h('button', { type: 'button', class: 'topic-chip', title: q.body ?? '', onclick: () => this.open({ at: q.id }) },
        topicLabel(q.about, ctx)))))
  }

  private renderList (meId: string | null, blockNow: Block | null): void {
    const { thread } = this.deps
    const canPost = blockNow === null
    const ctx = this.topicContext()
    const key = JSON.stringify([lang(), thread.rev, meId, canPost, blockNow?.hide, ctx.pendingProposalId, this.confirmDelete,
      this.composer.busyWith, this.windowTick, this.dividerAfter, [...this.deps.od.draftMilestones().map((m) => [m.id, m.title])]])
    if (key === this.listKey) return
    this.listKey = key

    // Keep what is on screen where it is (older entries arrive above; answers grow a question).
    const stick = this.atBottom()
    const logTop = this.log.getBoundingClientRect().top
    const anchor = stick ? null : [...this.rows.values()].find((r) => r.el.getBoundingClientRect().bottom > logTop)?.el ?? null
    const anchorTop = anchor?.getBoundingClientRect().top ?? 0

    const items = thread.items
    const answers = answersByQuestion(items)
    const loaded = new Set(items.map((it) => it.id))
    const now = Date.now()
    const seen = new Set<string>()
    const unreadFrom = firstUnread(items, this.dividerAfter, meId)
    const rowFor = (item: ThreadItem): Row => {
      seen.add(item.id)
      const orphan = item.kind === 'answer' && !loaded.has(item.reply_to ?? '')
      const rkey = this.rowKey(item, meId, canPost, ctx, now) + (orphan ? '|orphan' : '')
      let row = this.rows.get(item.id)
      if (row === undefined || row.key !== rkey) {
        const fresh = this.buildRow(item, meId, canPost, ctx, now, rkey, orphan)
        if (row !== undefined) {
          // Keep the answers already placed under a question that was redrawn.
          if (row.answers !== null && fresh.answers !== null) fresh.answers.replaceChildren(...row.answers.children)
          const active = document.activeElement
          const focused = active instanceof HTMLElement && row.el.contains(active) && !(row.answers?.contains(active) ?? false) ? active : null
          row.el.replaceWith(fresh.el)
          this.io?.unobserve(row.el)
          // The focus stays on the entry (on the same action when it is still there).
          if (focused !== null) {
            const act = focused.dataset.act
            const same = act === undefined ? null : fresh.el.querySelector<HTMLElement>(`button[data-act="${act}"]:not(:disabled)`)
            ;(same ?? fresh.el).focus({ preventScroll: true })
          }
        }
        this.io?.observe(fresh.el)
        this.rows.set(item.id, fresh)
        row = fresh
      }
      return row
    }
    const top: HTMLElement[] = []
    for (const item of items) {
      const nested = item.kind === 'answer' && typeof item.reply_to === 'string' && loaded.has(item.reply_to)
      if (nested) continue
      const row = rowFor(item)
      if (unreadFrom?.id === item.id) top.push(this.divider)
      top.push(row.el)
      if (row.answers !== null) {
        const kids: HTMLElement[] = []
        for (const a of answers.get(item.id) ?? []) {
          if (unreadFrom?.id === a.id) kids.push(this.divider)
          kids.push(rowFor(a).el)
        }
        place(row.answers, kids)
        setHidden(row.answers, kids.length === 0)
      }
    }
    // Posts on their way, at the end.
    const pendingSeen = new Set<string>()
    for (const p of thread.pending) {
      pendingSeen.add(p.ref)
      let el = this.pendingRows.get(p.ref)
      if (el === undefined) {
        el = this.buildPending(p.kind, p.body)
        this.pendingRows.set(p.ref, el)
      }
      top.push(el)
    }
    for (const [ref, el] of this.pendingRows) if (!pendingSeen.has(ref)) { el.remove(); this.pendingRows.delete(ref) }
    if (unreadFrom === null) this.divider.remove()
    place(this.list, top)
    for (const [id, row] of this.rows) {
      if (seen.has(id)) continue
      this.io?.unobserve(row.el)
      row.el.remove()
      this.rows.delete(id)
      this.visible.delete(Number(row.el.dataset.n))
    }

    // States around the list.
    const none = thread.loaded && items.length === 0 && thread.pending.length === 0
    setHidden(this.emptyNote, thread.loaded && !none)
    const emptyKey = `${lang()}|${String(thread.loaded)}|${String(thread.failed)}|${String(canPost)}`
    if (this.emptyNote.dataset.key !== emptyKey) {
      this.emptyNote.dataset.key = emptyKey
      this.emptyNote.replaceChildren(...(!thread.loaded
        ? [h('p', {}, thread.failed ? S.failed : S.loading)]
        : [h('p', { class: 'convo-empty-title' }, S.empty), canPost ? h('p', {}, S.emptyParty) : '']))
    }
    setHidden(this.earlierBtn, !thread.more)
    this.earlierBtn.disabled = thread.older === 'loading'
    setText(this.earlierBtn, thread.older === 'loading' ? S.loadingEarlier : S.loadEarlier)
    this.log.setAttribute('aria-busy', String(thread.older === 'loading' || !thread.loaded))
    setText(this.earlierNote, thread.older === 'error' ? S.earlierFailed : '')
    setHidden(this.earlierNote, thread.older !== 'error')
    setHidden(this.startNote, !(thread.loaded && !thread.more && items.length > 0))

    // Scroll: follow the end when there, else keep the anchor still.
    const latest = thread.latestN
    const grew = latest > this.lastLatest
    const fromOthers = grew && items.some((it) => it.n > this.lastLatest && !isOwn(it, meId) && it.kind !== 'system')
    this.lastLatest = latest
    if (stick || thread.pending.length > 0) {
      this.scrollToEnd(false)
    } else if (anchor !== null && anchor.isConnected) {
      this.log.scrollTop += anchor.getBoundingClientRect().top - anchorTop
      if (fromOthers) this.setNewBelow(true)
    }
    if (this.newBelow && this.atBottom()) this.setNewBelow(false)
    this.scheduleWindowEnd(meId)
    this.scheduleRead()
  }

  /** Re-render when the first of my edit windows closes (Edit and Delete go away). */
  private scheduleWindowEnd (meId: string | null): void {
    if (this.windowTimer !== null) clearTimeout(this.windowTimer)
    this.windowTimer = null
    const now = Date.now()
    let next = Infinity
    for (const it of this.deps.thread.items) {
      if (!isOwn(it, meId)) continue
      const until = editableUntil(it)
      if (until !== null && until > now) next = Math.min(next, until)
    }
    if (next === Infinity) return
    this.windowTimer = setTimeout(() => { this.windowTick++; this.render() }, next - now + 250)
  }

  private rowKey (item: ThreadItem, meId: string | null, canPost: boolean, ctx: TopicContext, now: number): string {
    return JSON.stringify([lang(), item, meId, canPost, canModify(item, meId, now), this.confirmDelete === item.id,
      this.composer.busyWith === item.id, this.deps.colorOf(item.author ?? null),
      item.about === null || item.about === undefined ? null : [topicLabel(item.about, ctx), this.deps.canGoTo(item.about)],
      item.kind === 'system' ? ctx.pendingProposalId : null,
      this.deps.thread.busy('resolve_question', item.id)])
  }

  private buildRow (item: ThreadItem, meId: string | null, canPost: boolean, ctx: TopicContext, now: number, key: string, orphan: boolean): Row {
    if (item.kind === 'system') return this.buildSystem(item, meId, ctx, key)
    const mine = isOwn(item, meId)
    const author = item.author ?? null
    const el = h('li', {
      class: `msg msg-${item.kind}${mine ? ' mine' : ''}${item.deleted === true ? ' is-deleted' : ''}${this.composer.busyWith === item.id ? ' is-editing' : ''}`,
      id: `convo-${slug(item.id)}`,
      tabindex: '-1',
      'data-n': String(item.n),
      'data-id': item.id
    })
    el.style.setProperty('--ac', this.deps.colorOf(author))
    const mt = messageTime(item.at, now)
    const time = h('time', { class: 'msg-time', datetime: item.at, title: mt.title }, mt.text)
    const head = h('div', { class: 'msg-head' },
      h('span', { class: 'avatar avatar-xs', 'aria-hidden': 'true' }, initials(author?.name ?? '?')),
      h('span', { class: 'msg-author' }, author?.name ?? t('common.someone'), mine ? h('span', { class: 'muted' }, ` ${t('presence.you_marker')}`) : null),
      author !== null ? h('span', { class: 'msg-role' }, roleName(author.role)) : null,
      item.kind !== 'message' ? h('span', { class: `msg-kind kind-${item.kind}` }, item.kind === 'question' ? S.question : S.answer) : null,
      time,
      item.edited_at != null && item.deleted !== true
        ? h('span', { class: 'msg-edited', title: S.editedAt(messageTime(item.edited_at, now).title) }, S.edited)
        : null)
    el.append(head)
    if (item.kind === 'answer' && orphan) el.append(h('p', { class: 'msg-context' }, S.answerTo))
    if (item.kind === 'question') {
      const open = isOpenQuestion(item)
      const about = item.about ?? ''
      const label = topicLabel(item.about, ctx)
      const chip = about !== '' && this.deps.canGoTo(about)
        ? h('button', { type: 'button', class: 'topic-chip', 'data-act': 'topic', 'data-about': about },
          h('span', { class: 'sr-only' }, `${S.about} `), label)
        : h('span', { class: 'topic-chip static' }, h('span', { class: 'sr-only' }, `${S.about} `), label)
      el.append(h('div', { class: 'msg-topic' }, chip,
        item.deleted === true ? null : h('span', { class: `q-status ${open ? 'q-open' : 'q-resolved'}` }, open ? S.open : S.resolved)))
    }
    if (item.deleted === true) {
      el.append(h('p', { class: 'msg-deleted' }, S.deleted))
    } else {
      const body = h('div', { class: 'msg-body' })
      appendText(body, item.body ?? '')
      el.append(body)
    }
    const flags = item.flags ?? []
    if (flags.length > 0 && item.deleted !== true) el.append(this.buildFlags(flags))

    const actions = h('div', { class: 'msg-actions' })
    const act = (act: string, label: string, cls = 'btn-link'): HTMLButtonElement =>
      h('button', { type: 'button', class: `btn ${cls}`, 'data-act': act, 'data-id': item.id }, label)
    if (item.kind === 'question' && isOpenQuestion(item) && canPost) {
      actions.append(act('answer', S.answerBtn))
      if (mine) {
        const resolving = this.deps.thread.busy('resolve_question', item.id)
        const b = act('resolve', resolving ? S.resolving : S.resolveBtn)
        b.disabled = resolving
        actions.append(b)
      }
    }
    if (canPost && canModify(item, meId, now) && this.confirmDelete !== item.id) {
      actions.append(act('edit', S.editBtn), act('delete', S.deleteBtn))
    }
    if (actions.childElementCount > 0) el.append(actions)
    if (this.confirmDelete === item.id) {
      el.append(h('div', { class: 'msg-confirm', role: 'group', 'aria-label': S.deleteAsk },
        h('p', {}, S.deleteAsk),
        h('div', { class: 'msg-actions' }, act('delete-yes', S.deleteYes, 'btn-small btn-danger'), act('delete-no', S.cancel, 'btn-small btn-ghost'))))
    }
    let answers: HTMLOListElement | null = null
    if (item.kind === 'question') {
      answers = h('ol', { class: 'answers', 'aria-label': S.answers, hidden: true })
      el.append(answers)
    }
    return { el, key, answers, time, at: item.at }
  }

  private buildSystem (item: ThreadItem, meId: string | null, ctx: TopicContext, key: string): Row {
    const mt = messageTime(item.at)
    const time = h('time', { class: 'msg-time', datetime: item.at, title: mt.title }, mt.text)
    const sentence = systemSentence(item, { meId, nameOf: this.deps.nameOf })
    const proposalId = systemProposalId(item)
    const review = item.event === 'proposed' && proposalId !== null && proposalId === ctx.pendingProposalId
    const el = h('li', { class: `sys sys-${slug(item.event ?? 'event')}`, id: `convo-${slug(item.id)}`, tabindex: '-1', 'data-n': String(item.n), 'data-id': item.id },
      h('span', { class: 'sys-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'sys-text' }, sentence),
      time,
      review ? h('button', { type: 'button', class: 'btn btn-link', 'data-act': 'review', 'data-id': item.id }, S.review) : null)
    const flags = item.flags ?? []
    if (flags.length > 0) el.append(this.buildFlags(flags))
    return { el, key, answers: null, time, at: item.at }
  }

  private buildFlags (flags: FlagOut[]): HTMLElement {
    const rank = (s: string): number => s === 'danger' ? 0 : s === 'warning' ? 1 : 2
    return h('div', { class: 'msg-flags', role: 'group', 'aria-label': S.flagsLabel },
      h('p', { class: 'msg-flags-head' }, S.flagsHead),
      ...[...flags].sort((a, b) => rank(a.severity) - rank(b.severity)).map((f) => {
        const sev = SEVERITIES.has(f.severity) ? f.severity : 'info'
        return h('div', { class: `flag flag-${sev}`, 'data-code': f.code },
          h('p', { class: 'flag-title' }, h('span', { class: 'flag-sev' }, t(`severity.${sev}`)), h('span', {}, flagTitle(f.code))),
          h('p', { class: 'flag-msg' }, f.message))
      }))
  }

  private buildPending (kind: string, body: string): HTMLLIElement {
    const user = this.deps.me()
    const el = h('li', { class: `msg msg-${kind} mine is-pending` })
    el.style.setProperty('--ac', this.deps.colorOf(user))
    const text = h('div', { class: 'msg-body' })
    appendText(text, body)
    el.append(h('div', { class: 'msg-head' },
      h('span', { class: 'avatar avatar-xs', 'aria-hidden': 'true' }, initials(user?.name ?? '?')),
      h('span', { class: 'msg-author' }, user?.name ?? '', h('span', { class: 'muted' }, ` ${t('presence.you_marker')}`)),
      h('span', { class: 'msg-time' }, S.sending)), text)
    return el
  }
}

/** Put `els` in `parent` in this order (moving only what is out of place), dropping the rest. */
function place (parent: HTMLElement, els: HTMLElement[]): void {
  els.forEach((el, i) => {
    if (parent.children[i] !== el) parent.insertBefore(el, parent.children[i] ?? null)
  })
  while (parent.children.length > els.length) parent.lastElementChild?.remove()
}
