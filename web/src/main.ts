// The offer room page: builds the layout, connects, and re-renders whenever the doc, presence,
// locks or connection change. Each concern lives in its own module; this file only wires them.

import * as Y from 'yjs'
import { ActivityView } from './activity'
import { Api } from './api'
import { Assistant } from './assist'
import { Commands, explainError } from './commands'
import type { Block } from './composer'
import { Connection, roomAddress } from './connection'
import { Conversation } from './conversation'
import { bindTextarea } from './description'
import { OfferDoc } from './doc'
import { h, liveText, setText, toggleClass, tr } from './dom'
import { startEmbed } from './embed'
import { FieldRegistry, setDisabled, showLockNote } from './fields'
import { formatInteger, formatList } from './format'
import { TermsForm, makeField } from './form'
import { Header } from './header'
import { LANGS, type Lang, lang, onLangChange, setLang, t } from './i18n'
import { Highlights, changedFields } from './highlights'
import { HistoryPanel } from './history'
import { Locks } from './locks'
import { QuestionMarkers } from './markers'
import { MilestonesPanel } from './milestones'
import { NegotiationPanel } from './negotiation'
import { Notices, noticeStyle, noticeText } from './notices'
import { SurveyCard } from './outcomes'
import { setFeatures } from './features'
import { Notifier } from './notify'
import { Presence, personLine } from './presence'
import { Problems } from './problems'
import { ExplanationStore } from './proposal'
import { type ClosingEvent, closedInfo, closingEvent, expiryInfo, expiryTick, turnInfo } from './status'
import { Summary } from './summary'
import { Thread } from './thread'
import { topicLabel } from './timeline'
import { Undo } from './undo'
import { type ServerMessage, type UserInfo, fieldLabel } from './types'
import { setRoomLimits } from './validate'

/** Fields everyone types into at once (a Y.Text merges concurrent edits): no lock is taken. */
const SHARED_FIELDS = new Set(['description'])
const DESCRIPTION_MAX = 20_000
const QUIET_ERRORS = new Set(['locked', 'read_only', 'forbidden', 'bad_frame', 'lock_idle'])

type Hello = Extract<ServerMessage, { type: 'hello' }>

function describeReadOnly (hello: Hello, status: string | null): string {
  if (hello.user.role === 'viewer') return t('readonly.viewer', { name: hello.user.name })
  // The app's own words from the offer's status; the server's reason ("closed: agreed", or its
  // English sentence) when the doc has not said yet.
  const reason = (hello.read_only_reason ?? '').trim()
  const closed = status !== null && status !== 'open'
    ? status
    : /^(?:closed:\s*|This offer is )(agreed|withdrawn|declined|expired)\b/.exec(reason)?.[1] ?? null
  if (closed !== null) return closedSentence('readonly', closed)
  if (/\s/.test(reason)) return reason // a sentence the app has no words for
  return reason === '' ? t('readonly.default') : t('readonly.reason', { reason })
}

/** "This offer is agreed, so …" as one catalog sentence per status (`readonly.*`, `convo.closed.*`). */
function closedSentence (prefix: 'readonly' | 'convo.closed', status: string): string {
  return ['agreed', 'withdrawn', 'declined', 'expired'].includes(status)
    ? t(`${prefix}.${status}`)
    : t(`${prefix}.other`, { status })
}

function start (root: HTMLElement): void {
  const skip = document.querySelector('.skip-link')
  if (skip !== null) skip.replaceChildren(liveText(tr('page.skip')))
  const addr = roomAddress(location)
  if (addr === null) {
    root.replaceChildren(h('main', { class: 'layout layout-single' }, h('section', { class: 'card' },
      h('h1', {}, tr('page.incomplete_title')),
      h('p', {}, tr('page.incomplete_text')))))
    return
  }

  const ydoc = new Y.Doc()
  const od = new OfferDoc(ydoc)
  const conn = new Connection(addr, ydoc)
  const api = new Api(addr)
  const commands = new Commands(conn)
  const explanations = new ExplanationStore()
  const presence = new Presence(conn.provider.awareness)
  let hello: Hello | null = null
  const me = (): UserInfo | null => hello?.user ?? null
  const locks = new Locks(conn, me)
  const notices = new Notices()
  const fields = new FieldRegistry(root)
  const highlights = new Highlights()
  // Each field's "Activity" button and panel (who changed it, when, from what to what).
  const activity = new ActivityView({ od, api, me, colorOf: (p) => presence.colorOf(p) })
  highlights.onRegister = (name, wrapper, host) => activity.attach(name, wrapper, host)
  const thread = new Thread({ conn, api, me })
  const notifier = new Notifier(addr.offerId)

  let scheduled = false
  const invalidate = (): void => {
    if (scheduled) return
    scheduled = true
    queueMicrotask(() => { scheduled = false; render() })
  }

  const ready = (): boolean => conn.everSynced && hello !== null
  /** Why this person cannot edit right now, in words for the banner (null: they can). */
  const readOnlyReason = (): string | null => {
    if (conn.fatal !== null) return conn.fatal.title
    if (hello?.read_only === true) return describeReadOnly(hello, od.meta().status)
    if (hello?.user.role === 'viewer') return describeReadOnly(hello, od.meta().status)
    const status = od.meta().status
    if (status !== null && status !== 'open') return closedSentence('readonly', status)
    return null
  }
  const canEdit = (): boolean => ready() && readOnlyReason() === null && od.pendingProposal() === null

  const header = new Header((hidden) => { presence.setHidden(hidden); invalidate() }, () => negotiation.reveal())
  header.hideFocus.checked = presence.hidden
  const hideHelp = header.hideFocus.closest('label') ?? header.hideFocus
  const hideHelpText = h('span', { id: 'hide-focus-help', class: 'sr-only' }, tr('header.hide_focus_help'))
  hideHelp.after(hideHelpText)
  header.hideFocus.setAttribute('aria-describedby', hideHelpText.id)
  const deps = { od, fields, highlights }
  const form = new TermsForm(deps)
  const milestones = new MilestonesPanel({ ...deps, canEdit })
  const summary = new Summary()
  const canAct = (): boolean => ready() && conn.state === 'connected'
  /** Why this person cannot write in the conversation now; `hide` when they never can here. */
  const postBlock = (): Block | null => {
    if (conn.fatal !== null) return { reason: conn.fatal.title, hide: true }
    const user = me()
    if (user?.role === 'viewer') return { reason: t('convo.block.viewer', { name: user.name }), hide: true }
    const status = od.meta().status
    if (conn.everSynced && status !== null && status !== 'open') return { reason: closedSentence('convo.closed', status), hide: true }
    if (hello?.read_only === true) return { reason: describeReadOnly(hello, status), hide: true }
    if (conn.state === 'offline') return { reason: t('convo.block.offline'), hide: false }
    if (conn.state === 'reconnecting') return { reason: t('convo.block.reconnecting'), hide: false }
    if (!ready() || !thread.loaded || conn.state !== 'connected') return { reason: t('conn.connecting'), hide: false }
    return null
  }
  // The draft's problems at their fields, and Propose's list of them (problems.ts, validate.ts).
  const problems = new Problems({ od, fields })
  const negotiation = new NegotiationPanel({
    od, commands, explanations, fields, notices, me, canAct, problems,
    questions: {
      open: () => thread.openQuestions(),
      show: (id) => convo.open({ at: id }),
      ask: (about) => convo.ask(about),
      canAsk: () => postBlock()?.hide !== true
    }
  })
  // The closing question, under the closed banner once the server asks it (`survey`, outcomes.ts).
  const survey = new SurveyCard({
    send: async (cmd) => {
      const r = await commands.send('rate', { ...cmd })
      return r.ok ? { ok: true } : { ok: false, code: r.error.code, message: explainError(r.error) }
    },
    changed: invalidate
  })
  header.banners.append(survey.el)
  const history = new HistoryPanel({
    od, api, commands, notices, me, canAct, colorOf: (p) => presence.colorOf(p), reviewDraft: () => negotiation.reveal()
  })
  commands.onChange(invalidate)
  thread.onChange(invalidate)
  conn.onOpen(() => { explanations.reconnected(); invalidate() })
  // Server notices in the reader's words (notices.ts); the latest reminder is reworded on a switch.
  const noticeContext = { milestoneTitle: (id: string) => od.draftMilestones().find((m) => m.id === id)?.title ?? null }
  let reminder: Extract<ServerMessage, { type: 'notice' }> | null = null
  // The language switch: the server explains in the new language from now on; everything redraws.
  onLangChange((next) => {
    conn.setLanguage(next)
    header.language.value = next // the switch follows a change made elsewhere (the host's set_language)
    if (reminder !== null) header.rewordReminder(noticeText(reminder, noticeContext))
    invalidate()
  })
  const showHistory = (): void => {
    history.card.scrollIntoView({ behavior: 'smooth', block: 'start' })
    history.card.focus({ preventScroll: true })
  }
  // Inside a marketplace's page: its theme, and events to and commands from it (embed.ts).
  const embed = startEmbed({
    focusField: (name) => {
      const control = fields.get(name)?.controls().find((c) => !c.disabled)
      control?.scrollIntoView({ block: 'center' })
      control?.focus()
    },
    openHistory: showHistory,
    setLanguage: (l) => { if ((LANGS as readonly string[]).includes(l)) setLang(l as Lang) }
  })

  const textarea = h('textarea', { id: 'f-description', name: 'description', rows: '9', maxlength: String(DESCRIPTION_MAX), placeholder: tr('scope.placeholder') })
  const counter = h('span', { class: 'card-note' })
  const description = makeField(deps, { name: 'description', label: tr('field.description'), control: textarea, hint: tr('scope.hint') })
  bindTextarea(textarea, od.description)
  const descriptionCard = h('section', { class: 'card', 'aria-labelledby': 'h-scope' },
    h('div', { class: 'card-title' }, h('h2', { id: 'h-scope' }, tr('scope.title')), counter), description.wrapper)
  // Undo and redo of one's own draft edits (undo.ts): shortcuts in the form, buttons above it.
  const undo = new Undo({
    od,
    scopes: [form.contractCard, form.paymentCard, milestones.card, descriptionCard],
    canEdit,
    lockedBy: (names) => names.map((n) => locks.heldByOther(n)?.name ?? null).find((n) => n !== null) ?? null,
    refuse: (text) => notices.toast(text, { kind: 'warn', timeoutMs: 6000 }),
    changed: invalidate
  })

  const peopleList = h('ul', { class: 'people' })
  const peopleCard = h('section', { class: 'card', 'aria-labelledby': 'h-people' }, h('h2', { id: 'h-people' }, tr('people.title')), peopleList,
    h('p', { class: 'hint legend' }, tr('people.legend')))

  // --- the conversation ---------------------------------------------------------------------
  const flash = (el: HTMLElement): void => {
    el.classList.remove('q-flash')
    void el.offsetWidth // restart the animation
    el.classList.add('q-flash')
    setTimeout(() => el.classList.remove('q-flash'), 1800)
  }
  const topicTarget = (about: string): HTMLElement | null => {
    const el = fields.get(about)?.wrapper ?? (about === 'milestones' ? milestones.card : null)
    return el !== null && el.getClientRects().length > 0 ? el : null
  }
  const markers = new QuestionMarkers({
    fields,
    extra: () => new Map([['milestones', milestones.card.querySelector<HTMLElement>('.card-title') ?? milestones.card]]),
    labelOf: (about) => topicLabel(about, convo.topicContext()),
    show: (id) => convo.open({ at: id })
  })
  const convo = new Conversation({
    root,
    topbar: header.el,
    thread,
    presence,
    od,
    notifier,
    me,
    block: postBlock,
    colorOf: (u) => presence.colorOf(u),
    nameOf: (id) => od.meta().parties.find((p) => p.id === id)?.name ?? null,
    canGoTo: (about) => about.startsWith('proposal:') ? od.pendingProposal()?.id === about.slice('proposal:'.length) : topicTarget(about) !== null,
    goTo: (about) => {
      if (about.startsWith('proposal:')) { negotiation.reveal(); return }
      const el = topicTarget(about)
      if (el === null) return
      el.scrollIntoView({ behavior: 'smooth', block: 'center' })
      flash(el)
      // The field's question marker takes the focus: focusing the field itself would take its lock.
      markers.focus(about)
    },
    reviewProposal: () => negotiation.reveal()
  })

  header.addAction(convo.toggle)
  // The assistant: offer check and private draft flags (after the terms), middle ground (beside the negotiation), Report (beside the parties).
  const assistant = new Assistant({ conn, od, thread, fields, notices, locks, milestones, me, canAct, canEdit })
  ;(header.el.querySelector('.parties-row') ?? header.el).append(assistant.reportButton)
  root.replaceChildren(header.el, header.banners, convo.fab,
    h('main', { class: 'layout', id: 'main' },
      h('div', { class: 'col-main' }, undo.bar, form.contractCard, form.paymentCard, milestones.card, descriptionCard, assistant.card),
      h('aside', { class: 'col-side', 'aria-label': tr('page.side') }, negotiation.card, assistant.suggestCard, summary.card, peopleCard),
      // After the side column in the DOM: on a phone, the proposal comes before the history.
      h('div', { class: 'col-history' }, history.card)),
    notices.region, convo.announcer, convo.el)

  // --- focus -> locks and presence ---------------------------------------------------------
  fields.onFocusChange((field, previous) => {
    // Only the fields the room locks (hello.lock_fields; the description never).
    if (previous !== null && !SHARED_FIELDS.has(previous)) locks.release(previous)
    if (field !== null && !SHARED_FIELDS.has(field) && locks.lockable(field) && canEdit()) locks.acquire(field)
    presence.setFocus(field)
    invalidate()
  })
  // Typing in the field we hold is the sign of input that keeps its lease past the idle limit.
  root.addEventListener('input', () => {
    if (fields.current === null || fields.current !== locks.held) return
    if (locks.idled === fields.current) fields.clearMessage(fields.current) // "Released after …" no longer
    locks.touch()
  })
  root.addEventListener('click', (e) => {
    const btn = (e.target as Element | null)?.closest('.lock-note button')
    const field = btn?.closest<HTMLElement>('[data-lock-field]')?.dataset.lockField
    if (field === undefined) return
    const holder = locks.heldByOther(field)
    locks.requestRelease(field)
    notices.toast(holder === null ? t('locks.asked_them', { field: fieldLabel(field) }) : t('locks.asked', { name: holder.name, field: fieldLabel(field) }), { kind: 'info', timeoutMs: 4000 })
  })

  // --- server messages ---------------------------------------------------------------------
  const fieldForRejection = (f: string): string | null => {
    if (fields.get(f) !== undefined) return f
    const m = /^milestones\[(\d+)\]/.exec(f)
    if (m !== null) {
      const id = od.draftMilestones()[Number(m[1])]?.id
      if (id !== undefined && fields.get(`milestone:${id}`) !== undefined) return `milestone:${id}`
    }
    return null
  }
  conn.onApp((msg) => {
    if (msg.type === 'explain_done') embed?.explanationDone(String(msg.proposal_id))
    if (commands.handle(msg) || thread.handle(msg as unknown as { type: string, [k: string]: unknown }) || explanations.handle(msg as unknown as Record<string, unknown> & { type: string }) || assistant.handle(msg as unknown as { type: string, [k: string]: unknown })) {
      invalidate()
      return
    }
    switch (msg.type) {
      case 'hello':
        hello = msg
        presence.setMe(msg.user)
        locks.setTtl(msg.lock_ttl_ms)
        locks.setRules(msg.lock_fields, msg.lock_idle_ms)
        setRoomLimits(msg.limits)
        // The experiment variant's features (features.ts): what is off is hidden, nothing waits for it.
        setFeatures(msg.features, msg.variant ?? null)
        break
      case 'survey':
        if (msg.type === 'survey' && hello?.user.role !== 'viewer') survey.receive(msg)
        break
      case 'locks':
        for (const l of msg.locks) presence.remember(l.user)
        locks.apply(msg.locks)
        break
      case 'rejected': {
        // The field has its valid value back, so this is news, not an error (no red): in plain
        // words for a value the rules refuse, the server's sentence for the other reasons.
        let shown = false
        for (const f of msg.fields) {
          const target = fieldForRejection(f)
          const text = msg.code === 'invalid' ? t('validate.rejected', { field: fieldLabel(f) }) : t('rejected.field', { reason: msg.reason })
          if (target !== null) shown = fields.showMessage(target, text, 'info', 6000) || shown
        }
        if (!shown) {
          const labels = [...new Set(msg.fields.map(fieldLabel))]
          notices.toast(labels.length === 0 ? t('rejected.offer', { reason: msg.reason }) : t('rejected.fields', { fields: formatList(labels), reason: msg.reason }), { kind: 'warn' })
        }
        break
      }
      case 'notice': {
        // In the reader's language from kind, by and params; the server's English text otherwise.
        const text = noticeText(msg, noticeContext)
        if (msg.kind === 'reverted') undo.clear() // the server loaded a version into the draft
        if (msg.kind === 'reminder') {
          reminder = msg
          header.showReminder(text)
        } else if (msg.kind === 'release_requested') {
          const field = msg.field ?? null
          notices.toast(text, {
            kind: 'warn',
            timeoutMs: 12_000,
            action: field !== null && fields.current === field
              ? { label: t('locks.release'), run: () => { (document.activeElement as HTMLElement | null)?.blur() } }
              : undefined
          })
        } else {
          const style = noticeStyle(msg.kind)
          if (msg.kind.startsWith('offer_')) notices.clear() // the banner says it all from now on
          notices.toast(text, {
            kind: style.kind,
            timeoutMs: style.timeoutMs,
            action: style.link === 'proposal' ? { label: t('common.review'), run: () => negotiation.reveal() }
              : style.link === 'history' ? { label: t('common.history'), run: showHistory } : undefined
          })
        }
        break
      }
      case 'error':
        if (msg.code === 'lock_idle' && locks.held !== null) {
          // Our lease ended for want of input; typing takes it back (locks.ts).
          locks.lostToIdle()
          fields.showMessage(locks.held, t('locks.idle_released', { s: Math.round((locks.idleMs ?? 0) / 1000) }), 'info', 8000)
        }
        // "locked" and "read_only" already show at the field and in the banner; protocol-level
        // complaints ("forbidden", "bad_frame") are nothing a person can act on.
        if (QUIET_ERRORS.has(msg.code)) console.warn('offer-room:', msg.code, msg.message)
        // The conversation's load failing (`unavailable` without a ref) says so in its panel's words.
        else notices.toast(msg.code === 'unavailable' && msg.ref == null ? t('convo.failed') : explainError(msg), { kind: 'error' })
        break
    }
    invalidate()
  })

  od.onChange(() => { problems.edited(); invalidate() })
  presence.onChange(invalidate)
  conn.onState(invalidate)
  conn.onSync(invalidate)
  // The expiry countdown: re-render often enough for its text to stay true.
  const tick = (): void => {
    invalidate()
    setTimeout(tick, expiryTick(od.meta().expires_at))
  }
  setTimeout(tick, 5000)

  // Why and when a closed offer closed: from the audit log, once per status.
  let closing: { status: string, event: ClosingEvent | null } | null = null
  const loadClosing = (status: string): void => {
    closing = { status, event: null }
    api.events().then((events) => {
      if (closing?.status === status) { closing = { status, event: closingEvent(status, events) }; invalidate() }
    }).catch((err: unknown) => console.warn('offer-room: events', err))
  }

  /** The closing event with the doc's `offer.closed` category (and reason) over the log's: the
   *  doc has them at once, the log once loaded. */
  const withDocReason = (event: ClosingEvent | null): ClosingEvent | null => {
    const c = od.closed()
    if (c === null) return event
    if (event === null) return c.at === null ? null : { kind: '', at: c.at, actor: c.by?.id ?? null, reason: c.reason, reason_code: c.reason_code }
    return { ...event, reason: event.reason ?? c.reason, reason_code: c.reason_code ?? event.reason_code ?? null }
  }

  // --- render ------------------------------------------------------------------------------
  const render = (): void => {
    const meta = od.meta()
    const user = me()
    const colorOf = presence.colorOf.bind(presence)
    // A link that never worked has nothing to show but why.
    const deadOnArrival = conn.fatal !== null && !conn.everSynced
    toggleClass(root, 'is-fatal', deadOnArrival)
    const changes = changedFields(od)
    const proposal = od.pendingProposal()
    const status = meta.status
    const synced = conn.everSynced
    const turn = synced
      ? turnInfo({ status, proposalBy: proposal?.by ?? null, hasProposal: proposal !== null, me: user, parties: meta.parties, draftChangedBy: changes.flatMap((c) => c.changers) })
      : null
    header.renderOffer(synced ? od.str('title') ?? '' : deadOnArrival ? t('header.offer_room') : t('header.loading'), meta,
      synced ? expiryInfo(meta.expires_at, status) : null, turn, thread.unread)
    header.renderPeople(presence.people(), meta.parties, presence)
    header.renderConnection(conn.state, conn.fatal, conn.browserOffline)
    const closed = synced && status !== null && status !== 'open'
    if (closed && closing?.status !== status && ready()) loadClosing(status)
    header.renderClosed(closed ? closedInfo(status, meta.version, meta.expires_at, withDocReason(closing?.event ?? null), meta.parties, user?.id ?? null) : null, status ?? '')
    const roReason = ready() && conn.fatal === null ? readOnlyReason() : null
    // A closed room says so in its own banner; the read-only one is left for viewers.
    header.renderReadOnly(closed && user?.role !== 'viewer' ? null : roReason)
    header.renderProposal(proposal, user)
    toggleClass(root, 'is-loading', !ready() && conn.fatal === null)
    toggleClass(root, 'is-readonly', roReason !== null || conn.fatal !== null)

    form.render()
    milestones.render()
    undo.render()
    highlights.render(changes, colorOf, user?.id ?? null)
    activity.render()
    summary.render(od, changes, colorOf, user?.id ?? null, meta.version)
    negotiation.render(changes)
    survey.render() // its words follow the language switch
    assistant.render(changes.length)
    history.render(changes.length)
    convo.render()
    markers.render(thread.openQuestions())
    embed?.update({ ready: ready(), role: user?.role ?? null, state: conn.state, proposal: proposal === null ? null : { id: proposal.id, by: proposal.by?.role ?? null, byId: proposal.by?.id ?? null }, myId: user?.id ?? null, version: meta.version, status, unread: thread.unread })
    const len = od.description.length
    setText(counter, `${formatInteger(len)} / ${formatInteger(DESCRIPTION_MAX)}`)

    const editable = canEdit()
    problems.render(editable)
    // "Hide my focus" hides where you are, not a field you hold: the lock (with your name) is what
    // keeps the other party out of it, so it stays, and your own field says so.
    hideHelp.title = t('header.hide_focus_help')
    for (const view of fields.all()) {
      const holder = locks.heldByOther(view.name)
      for (const c of view.controls()) setDisabled(c, !editable || holder !== null)
      const hiddenSelf = holder === null && presence.hidden && locks.held === view.name && locks.idled === null
      showLockNote(view, holder !== null ? t('locks.editing', { name: holder.name }) : hiddenSelf ? t('locks.hidden_self') : null, holder !== null && editable)
      toggleClass(view.wrapper, 'locked', holder !== null)
      if (holder !== null) view.wrapper.style.setProperty('--lock', colorOf(holder))
      else if (hiddenSelf && user !== null) view.wrapper.style.setProperty('--lock', colorOf(user))
      const focused = presence.focusedOn(view.name)
      toggleClass(view.wrapper, 'peer-focus', focused.length > 0)
      if (focused.length > 0) {
        view.wrapper.style.setProperty('--ring', colorOf(focused[0]))
        setText(view.focusTag, focused.map((u) => u.name).join(', '))
      }
      view.focusTag.hidden = focused.length === 0
      if (holder !== null && fields.current === view.name) {
        (document.activeElement as HTMLElement | null)?.blur()
        fields.leave()
      }
    }

    const people = presence.people()
    const offline = meta.parties.filter((p) => !people.some((q) => q.user.id === p.id))
    const where = (field: string | null, userId: string): string | null => {
      if (field === null) return null
      const holding = locks.holder(field)?.id === userId
      return t(holding ? 'people.editing' : 'people.in', { field: fieldLabel(field) })
    }
    const key = JSON.stringify([lang(), people.map((p) => [p.user.id, p.user.name, p.focus, colorOf(p.user)]), offline.map((p) => p.id), locks.entries().map((l) => [l.field, l.user.id])])
    if (peopleList.dataset.key !== key) {
      peopleList.dataset.key = key
      peopleList.replaceChildren(
        ...people.map((p) => personLine(p, colorOf, p.self ? (p.focus === null ? null : where(p.focus, p.user.id)) : where(p.focus, p.user.id) ?? t('presence.here'))),
        ...offline.map((p) => {
          const li = personLine({ user: { ...p, color: colorOf(p) }, self: false, online: false, focus: null }, colorOf, t('presence.away'))
          li.classList.add('away')
          return li
        }))
    }
  }

  // For tests and debugging: the live doc and provider of this page.
  ;(window as unknown as { offerRoom: unknown }).offerRoom = { doc: ydoc, provider: conn.provider, Y, od, locks, presence, explanations, thread, conversation: convo, assistant, undo }
  render()
  convo.restore()
}

start(document.getElementById('app') ?? document.body)
