// Version history (docs/RULES.md, "What people expect"): every agreed version with who proposed
// and who accepted it, a side-by-side comparison of any two, and "load version N into the draft",
// which only changes the draft — it becomes the agreed terms once proposed and accepted, never
// silently.

import { type Api, ApiError, type ProposalInfo, type VersionInfo } from './api'
import { versionNotes } from './history-notes'
import { versionOutcomes } from './decide'
import { type CommandResult, type Commands, explainError } from './commands'
import { type CompareRow, compareTerms, diffSentences } from './compare'
import type { OfferDoc } from './doc'
import { h, setHidden, setText, toggleClass, tr } from './dom'
import { formatDateTime } from './format'
import { lang, t } from './i18n'
import { watchOverflow } from './overflow'
import type { Notices } from './notices'
import { firstName } from './status'
import type { PartyRef, UserInfo } from './types'

export interface HistoryDeps {
  od: OfferDoc
  api: Api
  commands: Commands
  notices: Notices
  me: () => UserInfo | null
  /** Connected and synced: commands can be sent. */
  canAct: () => boolean
  colorOf: (p: PartyRef | null) => string
  /** After a version was loaded into the draft: show where to propose it. */
  reviewDraft: () => void
}

const LIST_LIMIT = 5

export class HistoryPanel {
  readonly card: HTMLElement
  private versions: VersionInfo[] = []
  /** Every proposal (for each version's note and the rejected ones' reasons); [] if unreadable. */
  private proposals: ProposalInfo[] = []
  private state: 'idle' | 'loading' | 'ready' | 'error' = 'idle'
  private loadedFor: number | null = null
  private pendingFor: string | null = null
  private loadToken = 0
  private picked: [number, number] | null = null
  private showAll = false
  private readonly intro = h('p', { class: 'hint hist-intro' })
  private readonly statusLine = h('p', { class: 'hist-state', role: 'status' })
  private readonly list = h('ol', { class: 'versions', 'aria-label': tr('history.list') })
  private readonly moreBtn: HTMLButtonElement
  private readonly retryBtn: HTMLButtonElement
  private readonly revertNote = h('p', { class: 'hist-note' })
  private readonly confirmBox: HTMLElement
  private readonly confirmText = h('p', { class: 'neg-confirm-text' })
  private readonly confirmBtn: HTMLButtonElement
  private confirming: number | null = null
  private readonly message = h('p', { class: 'neg-msg', role: 'alert' })
  private readonly done = h('p', { class: 'hist-done', role: 'status', hidden: true })
  private readonly compareBox: HTMLElement
  private readonly compareEmpty = h('p', { class: 'muted hist-empty' })
  private readonly pickers: HTMLElement
  private readonly fromSel = h('select', { id: 'cmp-from', name: 'cmp-from' })
  private readonly toSel = h('select', { id: 'cmp-to', name: 'cmp-to' })
  private readonly onlyChanged = h('input', { type: 'checkbox', id: 'cmp-only' })
  private readonly summary = h('p', { class: 'cmp-summary', 'aria-hidden': 'true' })
  private readonly tableHost = h('div', { class: 'cmp-scroll', role: 'region', 'aria-labelledby': 'cmp-caption', tabindex: '0' })
  /** "Scroll sideways to see version N" while the table is wider than its box (issue 15). */
  private readonly scrollHint = h('p', { class: 'cmp-scroll-hint', hidden: true })
  private readonly overflowChanged: () => void
  private listKey = ''
  private tableKey = ''
  private optionsKey = ''
  private readonly deps: HistoryDeps

  constructor (deps: HistoryDeps) {
    this.deps = deps
    this.moreBtn = h('button', { type: 'button', class: 'btn btn-link', onclick: () => { this.showAll = !this.showAll; this.listKey = ''; this.render() } })
    this.retryBtn = h('button', { type: 'button', class: 'btn btn-small btn-secondary', hidden: true, onclick: () => { void this.refresh() } }, tr('history.retry'))
    this.confirmBtn = h('button', { type: 'button', class: 'btn btn-primary', onclick: () => this.revert() })
    this.confirmBox = h('div', { class: 'neg-confirm', hidden: true, onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === 'Escape') this.closeConfirm(true) } }, this.confirmText,
      h('div', { class: 'neg-actions' }, this.confirmBtn,
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => this.closeConfirm(true) }, tr('common.cancel'))))
    const pick = (): void => {
      this.picked = [Number(this.fromSel.value), Number(this.toSel.value)]
      this.renderTable()
    }
    this.fromSel.addEventListener('change', pick)
    this.toSel.addEventListener('change', pick)
    this.onlyChanged.addEventListener('change', () => toggleClass(this.tableHost, 'only-changed', this.onlyChanged.checked))
    this.pickers = h('div', { class: 'cmp-pickers' },
      h('div', { class: 'cmp-pick' }, h('label', { for: 'cmp-from' }, tr('history.from')), h('div', { class: 'control-wrap' }, this.fromSel)),
      h('span', { class: 'cmp-vs', 'aria-hidden': 'true' }, '→'),
      h('div', { class: 'cmp-pick' }, h('label', { for: 'cmp-to' }, tr('history.to')), h('div', { class: 'control-wrap' }, this.toSel)),
      h('span', { class: 'check cmp-only' }, this.onlyChanged, h('label', { for: 'cmp-only' }, tr('history.only_changed'))))
    this.compareBox = h('div', { class: 'cmp', id: 'compare' },
      h('h3', { class: 'hist-sub', id: 'h-compare' }, tr('history.compare')), this.compareEmpty, this.pickers, this.summary, this.scrollHint, this.tableHost)
    this.overflowChanged = watchOverflow(this.tableHost, this.scrollHint)
    this.card = h('section', { class: 'card card-history', id: 'history', 'aria-labelledby': 'h-history', tabindex: '-1' },
      h('div', { class: 'card-title' }, h('h2', { id: 'h-history' }, tr('header.version_history')), this.retryBtn),
      this.intro,
      this.statusLine, this.list, this.moreBtn, this.confirmBox, this.message, this.done, this.revertNote, this.compareBox)
  }

  /** Called on every page render: refetch when the agreed version moves, update what can be done. */
  render (draftChanges = Number(this.card.dataset.changes ?? 0)): void {
    this.card.dataset.changes = String(draftChanges)
    const meta = this.deps.od.meta()
    // Refetched when the agreed version moves, and when a proposal comes or goes (its note, a
    // rejection's reason).
    const pending = this.deps.od.pendingProposal()?.id ?? null
    if (meta.version !== null && (meta.version !== this.loadedFor || pending !== this.pendingFor) && this.deps.canAct()) {
      this.loadedFor = meta.version
      this.pendingFor = pending
      void this.refresh()
    }
    setText(this.intro, t(!this.isOpen() ? 'history.intro_closed' : this.isParty() ? 'history.intro_party' : 'history.intro_viewer'))
    setText(this.statusLine, this.state === 'loading' && this.versions.length === 0 ? t('history.loading')
      : this.state === 'error' ? t('history.failed') : '')
    setHidden(this.statusLine, this.statusLine.textContent === '')
    setHidden(this.retryBtn, this.state !== 'error')
    this.renderList()
    this.renderOptions()
    this.renderTable()
    const why = this.revertBlocked()
    setText(this.revertNote, why ?? '')
    setHidden(this.revertNote, why === null || !this.isParty() || !this.isOpen())
    if (this.confirming !== null && why !== null) this.closeConfirm(false)
    if (draftChanges === 0 || this.deps.od.pendingProposal() !== null || !this.isOpen()) setHidden(this.done, true)
  }

  async refresh (): Promise<void> {
    const token = ++this.loadToken
    this.state = 'loading'
    this.render()
    try {
      const [list, proposals] = await Promise.all([this.deps.api.versions(),
        this.deps.api.proposals().catch((err: unknown) => { console.warn('offer-room: proposals', err); return [] })])
      if (token !== this.loadToken) return
      this.versions = list
      this.proposals = proposals
      this.state = 'ready'
      // A comparison nobody picked follows "previous vs current" as versions are added.
      const known = new Set(list.map((v) => v.number))
      if (this.picked !== null && !(known.has(this.picked[0]) && known.has(this.picked[1]))) this.picked = null
    } catch (err) {
      if (token !== this.loadToken) return
      this.state = 'error'
      console.warn('offer-room: versions', err instanceof ApiError ? err.message : err)
    }
    this.render()
  }

  private isParty (): boolean {
    const role = this.deps.me()?.role
    return role === 'client' || role === 'freelancer'
  }

  private isOpen (): boolean {
    return (this.deps.od.meta().status ?? 'open') === 'open'
  }

  private current (): number {
    return this.deps.od.meta().version ?? this.versions[this.versions.length - 1]?.number ?? 1
  }

  /** Why versions cannot be loaded into the draft right now (null: they can). */
  private revertBlocked (): string | null {
    if (!this.isParty() || !this.isOpen()) return 'closed'
    if (this.deps.od.pendingProposal() !== null) return t('history.blocked_pending')
    if (!this.deps.canAct()) return t('history.blocked_offline')
    return null
  }

  private name (id: string | null, fallbackRole: 'client' | 'freelancer'): PartyRef | null {
    const parties = this.deps.od.meta().parties
    return (id !== null ? parties.find((p) => p.id === id) : parties.find((p) => p.role === fallbackRole)) ?? null
  }

  /** "Proposed by Ada", "… by you", "… by someone": one catalog sentence per case. */
  private by (key: string, p: PartyRef | null): string {
    if (p === null) return t(`${key}_someone`)
    return p.id === this.deps.me()?.id ? t(`${key}_you`) : t(key, { name: p.name })
  }

  private renderList (): void {
    const current = this.current()
    const blocked = this.revertBlocked()
    const changes = Number(this.card.dataset.changes ?? 0)
    const newest = [...this.versions].reverse()
    const shown = this.showAll ? newest : newest.slice(0, LIST_LIMIT)
    const key = JSON.stringify([lang(), shown.map((v) => [v.number, v.created_at, v.author, v.accepted_by]), this.proposals.map((p) => [p.id, p.status, p.note, p.reason]), current, blocked, changes, this.deps.me()?.id, this.deps.od.meta().parties])
    setHidden(this.moreBtn, newest.length <= LIST_LIMIT)
    setText(this.moreBtn, this.showAll ? t('history.show_fewer') : t('history.show_all', { n: newest.length }))
    if (key === this.listKey) return
    this.listKey = key
    const party = this.isParty() && this.isOpen()
    this.list.replaceChildren(...shown.map((v) => {
      const isCurrent = v.number === current
      const author = v.number === 1 ? this.name(null, 'client') : this.name(v.author, 'client')
      const accepter = v.accepted_by !== null ? this.name(v.accepted_by, 'client') : null
      const whoLine = v.number === 1
        ? h('p', { class: 'ver-who' }, h('span', { class: 'ver-dot', style: `--c:${this.deps.colorOf(author)}`, 'aria-hidden': 'true' }), this.by('history.sent_by', author))
        : h('p', { class: 'ver-who' },
          h('span', { class: 'ver-dot', style: `--c:${this.deps.colorOf(author)}`, 'aria-hidden': 'true' }), this.by('history.proposed_by', author),
          h('span', { class: 'ver-arrow', 'aria-hidden': 'true' }, ' → '), h('span', { class: 'sr-only' }, ', '),
          h('span', { class: 'ver-dot', style: `--c:${this.deps.colorOf(accepter)}`, 'aria-hidden': 'true' }), this.by('history.accepted_by', accepter))
      const compareWith = v.number === 1 ? (current > 1 ? current : null) : v.number - 1
      const actions = h('div', { class: 'ver-actions' })
      if (compareWith !== null) {
        actions.append(h('button', {
          type: 'button',
          class: 'btn btn-small btn-secondary',
          onclick: () => this.showCompare(Math.min(v.number, compareWith), Math.max(v.number, compareWith))
        }, t('history.compare_with', { version: String(compareWith) })))
      }
      if (party && (!isCurrent || changes > 0)) {
        const b = h('button', {
          type: 'button',
          class: 'btn btn-small btn-ghost btn-load',
          onclick: () => this.ask(v.number)
        }, t('history.load_into_draft', { version: String(v.number) }))
        b.disabled = blocked !== null
        actions.append(b)
      }
      return h('li', { class: `ver${isCurrent ? ' ver-current' : ''}`, 'data-version': String(v.number) },
        h('div', { class: 'ver-head' },
          h('span', { class: 'ver-num' }, t('header.version', { version: String(v.number) })),
          isCurrent ? h('span', { class: 'ver-badge' }, t('history.current')) : null,
          h('time', { class: 'ver-date', datetime: v.created_at }, formatDateTime(v.created_at))),
        whoLine, versionNotes(v, this.proposals, { name: (id) => this.name(id, 'client'), by: (key, p) => this.by(key, p), colorOf: this.deps.colorOf }),
        versionOutcomes(v, this.proposals),
        actions.childElementCount > 0 ? actions : null)
    }))
  }

  private showCompare (a: number, b: number): void {
    this.picked = [a, b]
    this.renderOptions()
    this.renderTable()
    this.compareBox.scrollIntoView({ behavior: 'smooth', block: 'start' })
    this.fromSel.focus({ preventScroll: true })
  }

  private pair (): [VersionInfo, VersionInfo] | null {
    if (this.versions.length < 2) return null
    const byNum = new Map(this.versions.map((v) => [v.number, v]))
    const cur = byNum.get(this.current()) ?? this.versions[this.versions.length - 1]
    const prev = this.versions[this.versions.indexOf(cur) - 1] ?? this.versions[0]
    const [fa, fb] = this.picked ?? [prev.number, cur.number]
    return [byNum.get(fa) ?? prev, byNum.get(fb) ?? cur]
  }

  private renderOptions (): void {
    const pair = this.pair()
    const key = JSON.stringify([lang(), this.versions.map((v) => v.number), this.current(), pair?.map((v) => v.number)])
    if (key === this.optionsKey) return
    this.optionsKey = key
    const opts = (): HTMLOptionElement[] => this.versions.map((v) =>
      h('option', { value: String(v.number) }, t(v.number === this.current() ? 'history.option_current' : 'header.version', { version: String(v.number) })))
    this.fromSel.replaceChildren(...opts())
    this.toSel.replaceChildren(...opts())
    if (pair !== null) {
      this.fromSel.value = String(pair[0].number)
      this.toSel.value = String(pair[1].number)
    }
  }

  private renderTable (): void {
    const pair = this.pair()
    const ready = this.versions.length > 0
    setHidden(this.compareBox, !ready)
    setHidden(this.pickers, pair === null)
    setHidden(this.tableHost, pair === null)
    setHidden(this.summary, pair === null)
    setText(this.compareEmpty, pair === null ? t('history.only_one') : '')
    setHidden(this.compareEmpty, pair === null ? false : true)
    if (pair === null) return
    const [a, b] = pair
    const key = JSON.stringify([lang(), a.number, b.number, a.content_hash, b.content_hash, this.current()])
    if (key === this.tableKey) return
    this.tableKey = key
    const rows = compareTerms(a.terms, b.terms)
    const changed = rows.filter((r) => r.changed && r.kind !== 'total').length
    const head = (v: VersionInfo): HTMLElement => h('th', { scope: 'col' }, t('header.version', { version: String(v.number) }),
      v.number === this.current() ? h('span', { class: 'ver-badge' }, t('history.current')) : null)
    const caption = a.number === b.number
      ? t('history.caption_same', { version: String(a.number) })
      : changed === 0
        ? t('history.caption_none', { a: String(a.number), b: String(b.number) })
        : t('history.caption', { n: changed, a: String(a.number), b: String(b.number) })
    setText(this.summary, caption)
    setText(this.scrollHint, t('history.scroll_hint', { version: String(b.number) }))
    this.tableHost.replaceChildren(h('table', { class: 'cmp-table' },
      h('caption', { id: 'cmp-caption', class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('history.field')), head(a), head(b))),
      h('tbody', {}, ...rows.map((r) => this.row(r)))))
    this.overflowChanged()
  }

  private row (r: CompareRow): HTMLElement {
    const tag = t(r.kind === 'milestone' && (r.op === 'added' || r.op === 'removed' || r.op === 'moved') ? `history.op.${r.op}` : 'history.op.changed')
    const th = h('th', { scope: 'row' }, r.label, r.changed ? h('span', { class: 'cmp-tag' }, tag) : null)
    let ca: HTMLElement
    let cb: HTMLElement
    if (r.kind === 'description') {
      const d = diffSentences(r.a, r.b)
      ca = h('td', { class: 'cmp-desc' }, ...d.a.map((s) => s.marked ? h('del', {}, s.text) : s.text))
      cb = h('td', { class: 'cmp-desc' }, ...d.b.map((s) => s.marked ? h('ins', {}, s.text) : s.text))
    } else {
      ca = h('td', { class: r.naA === true || r.a === '—' ? 'cmp-na' : '' }, r.a)
      cb = h('td', { class: r.naB === true || r.b === '—' ? 'cmp-na' : '' }, r.b)
    }
    return h('tr', { class: `cmp-${r.kind}${r.changed ? ' changed' : ''}`, 'data-key': r.key, 'data-op': r.op ?? null }, th, ca, cb)
  }

  // --- load a version into the draft ---------------------------------------------------------

  private ask (n: number): void {
    if (this.revertBlocked() !== null) return
    const changes = Number(this.card.dataset.changes ?? 0)
    const other = this.deps.od.meta().parties.find((p) => p.role !== this.deps.me()?.role && p.role !== 'viewer')
    this.confirming = n
    const version = String(n)
    setText(this.confirmText, `${changes > 0 ? t('history.confirm_load_replacing', { version, n: changes }) : t('history.confirm_load', { version })} ` +
      (other === undefined ? t('history.confirm_nothing_other') : t('history.confirm_nothing', { name: firstName(other.name) })))
    setText(this.confirmBtn, t('history.load', { version }))
    setHidden(this.done, true)
    setText(this.message, '')
    setHidden(this.confirmBox, false)
    this.confirmBtn.focus()
  }

  private closeConfirm (restoreFocus: boolean): void {
    const n = this.confirming
    this.confirming = null
    setHidden(this.confirmBox, true)
    if (restoreFocus && n !== null) this.list.querySelector<HTMLButtonElement>(`[data-version="${n}"] .btn-load`)?.focus()
  }

  private revert (): void {
    const n = this.confirming
    if (n === null) return
    this.closeConfirm(false)
    const base = this.current()
    void this.deps.commands.send('revert', { version: n, base_version: base }).then((r) => this.reverted(n, r))
  }

  private reverted (n: number, r: CommandResult): void {
    if (!r.ok) {
      setText(this.message, explainError(r.error))
      return
    }
    const other = this.deps.od.meta().parties.find((p) => p.role !== this.deps.me()?.role && p.role !== 'viewer')
    const version = String(n)
    const current = String(this.current())
    const text = other === undefined
      ? t('history.done_other', { version, current })
      : t('history.done', { version, current, name: firstName(other.name) })
    setText(this.done, text)
    setHidden(this.done, false)
    this.deps.notices.toast(t('history.loaded_toast', { version }), {
      kind: 'success',
      timeoutMs: 8000,
      action: { label: t('common.review'), run: () => this.deps.reviewDraft() }
    })
  }
}
