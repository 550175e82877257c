// The assistant in the room (docs/PROTOCOL.md, "App messages"; docs/RULES.md, "The assistant"):
// a card after the terms with the offer check ("What this offer still lacks") and the draft's
// private risk flags, a small card beside the negotiation with "Suggest a middle ground" (its
// answer in a dialog), and "Report" beside the parties in the header.
// It owns its socket requests (`suggest`, `report`: a fresh id each, answered by `ack`/`error` with
// that `ref`, or by `suggestion`) and takes the `advice` and `suggestion` messages. Viewers see
// none of it. main.ts builds it, routes app messages to `handle` and calls `render`.

import { CheckPanel, DraftFlags } from './assist-advice'
import { type AssistError, lastNegotiationEvent, positionsDiffer } from './assist-logic'
import { ReportDialog, type ReportCategory, type ReportOutcome } from './assist-report'
import { SuggestPanel, type SuggestOutcome } from './assist-suggest'
import type { Connection } from './connection'
import type { OfferDoc } from './doc'
import { middleGroundShown } from './features'
import { h, setHidden, setText } from './dom'
import type { FieldRegistry } from './fields'
import { t } from './i18n'
import type { Locks } from './locks'
import type { MilestonesPanel } from './milestones'
import type { Notices } from './notices'
import type { Thread } from './thread'
import type { AdviceMessage, SuggestionMessage, UserInfo } from './types'

const TIMEOUT_MS = 20_000

export interface AssistantDeps {
  conn: Connection
  od: OfferDoc
  thread: Thread
  fields: FieldRegistry
  notices: Notices
  locks: Locks
  milestones: MilestonesPanel
  me: () => UserInfo | null
  /** Synced, hello received, the socket open. */
  canAct: () => boolean
  /** The draft takes this person's edits now. */
  canEdit: () => boolean
}

interface InFlight {
  type: string
  resolve: (r: { ok: true, msg: Record<string, unknown> } | { ok: false, error: AssistError }) => void
  timer: ReturnType<typeof setTimeout>
}

function newRef (prefix: string): string {
  const b = new Uint8Array(6)
  crypto.getRandomValues(b)
  return `${prefix}-` + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

type Msg = { type: string, [k: string]: unknown }

export class Assistant {
  /** The offer check and the draft's private flags: goes after the terms. */
  readonly card: HTMLElement
  /** "Suggest a middle ground": goes beside the negotiation. */
  readonly suggestCard: HTMLElement
  /** "Report…": for the header, beside the parties. */
  readonly reportButton: HTMLButtonElement
  readonly check: CheckPanel
  readonly flags: DraftFlags
  readonly suggest: SuggestPanel
  readonly report: ReportDialog
  private readonly deps: AssistantDeps
  private readonly title = h('h2', { id: 'h-assist' })
  private readonly inflight = new Map<string, InFlight>()
  /** Advice arrived on this page at least once. */
  private advised = false

  constructor (deps: AssistantDeps) {
    this.deps = deps
    const { od, thread, fields, milestones, notices, locks, me } = deps
    const otherName = (): string | null => this.otherParty()?.name ?? null
    this.check = new CheckPanel({
      thread,
      fields,
      me,
      otherName,
      canAsk: () => this.isParty() && this.isOpen() && deps.canAct() && thread.loaded,
      focusField: (field) => this.focusField(field),
      extraHost: (field) => field === 'milestones' && !milestones.card.hidden
        ? milestones.card.querySelector<HTMLElement>('.card-title') ?? null
        : null
    })
    this.flags = new DraftFlags()
    this.suggest = new SuggestPanel({
      od,
      notices,
      me,
      otherName,
      canEdit: deps.canEdit,
      frozen: () => od.pendingProposal() !== null,
      lockHolder: (lock) => locks.heldByOther(lock),
      request: () => this.requestSuggestion()
    })
    this.report = new ReportDialog({
      otherName: () => this.isParty() ? otherName() : null,
      canReport: () => this.isParty() && deps.canAct(),
      send: (category, reason) => this.sendReport(category, reason)
    })
    this.reportButton = this.report.opener
    this.card = h('section', { class: 'card card-assist', 'aria-labelledby': 'h-assist', hidden: true },
      this.title, this.flags.el, this.check.el)
    this.suggestCard = h('div', { class: 'card card-assist-suggest', hidden: true }, this.suggest.el)
    deps.conn.onOpen(() => {
      // Requests do not survive a dropped socket: the server answers on the one they came by.
      for (const [ref, f] of this.inflight) this.settle(ref, { ok: false, error: { code: 'offline' } }, f)
    })
  }

  private isParty (): boolean {
    const role = this.deps.me()?.role
    return role === 'client' || role === 'freelancer'
  }

  private isOpen (): boolean {
    const status = this.deps.od.meta().status
    return status === null || status === 'open'
  }

  /** The party on the other side of the reader. */
  private otherParty (): { id: string, name: string } | null {
    const user = this.deps.me()
    if (user === null || user.role === 'viewer') return null
    const other = this.deps.od.meta().parties.find((p) => p.id !== user.id && (p.role === 'client' || p.role === 'freelancer'))
    return other === undefined ? null : { id: other.id, name: other.name }
  }

  /** Take a server message meant for the assistant; true when consumed. */
  handle (msg: Msg): boolean {
    switch (msg.type) {
      case 'advice': {
        const advice = msg as unknown as AdviceMessage
        this.check.setItems(Array.isArray(advice.check) ? advice.check : [])
        this.flags.setFlags(Array.isArray(advice.flags) ? advice.flags : [])
        this.advised = true
        return true
      }
      case 'suggestion': {
        const s = msg as unknown as SuggestionMessage
        const waiting = [...this.inflight].find(([, f]) => f.type === 'suggest')
        if (waiting !== undefined) this.settle(waiting[0], { ok: true, msg }, waiting[1])
        else this.suggest.receive({ ...s, items: Array.isArray(s.items) ? s.items : [] })
        return true
      }
      case 'ack':
      case 'error': {
        const ref = typeof msg.ref === 'string' ? msg.ref : null
        const f = ref === null ? undefined : this.inflight.get(ref)
        if (ref === null || f === undefined) return false
        // A suggestion is answered by `suggestion`, not by an ack.
        if (msg.type === 'ack' && f.type === 'suggest') return true
        this.settle(ref, msg.type === 'ack' ? { ok: true, msg } : { ok: false, error: msg as unknown as AssistError }, f)
        return true
      }
      default:
        return false
    }
  }

  /** Redraw; `changed` is how many draft fields differ from the agreed version. */
  render (changed: number): void {
    const { od, thread } = this.deps
    const user = this.deps.me()
    const party = this.isParty()
    const open = this.isOpen() && this.deps.conn.fatal === null
    const differ = positionsDiffer({ role: user?.role ?? null, status: od.meta().status, changed, lastEvent: lastNegotiationEvent(thread.items) })
    this.check.render(party && open && this.advised)
    this.flags.render(party && open && this.advised)
    // Off in some experiment variants (hello `features.middle_ground`): then it never shows.
    this.suggest.render(middleGroundShown(differ, open) && this.deps.conn.everSynced)
    this.report.render()
    setText(this.title, t('assist.title'))
    setHidden(this.card, !party || (this.check.el.hidden === true && this.flags.el.hidden === true))
    setHidden(this.suggestCard, !party || this.suggest.el.hidden === true)
  }

  // --- requests -------------------------------------------------------------------------------

  private request (type: string, fields: Record<string, unknown>): Promise<{ ok: true, msg: Record<string, unknown> } | { ok: false, error: AssistError }> {
    const ref = newRef(type)
    if (!this.deps.canAct() || !this.deps.conn.sendRaw({ type, ...fields, id: ref })) {
      return Promise.resolve({ ok: false, error: { code: 'offline' } })
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const f = this.inflight.get(ref)
        if (f !== undefined) this.settle(ref, { ok: false, error: { code: 'timeout' } }, f)
      }, TIMEOUT_MS)
      this.inflight.set(ref, { type, resolve, timer })
    })
  }

  private settle (ref: string, r: Parameters<InFlight['resolve']>[0], f: InFlight): void {
    clearTimeout(f.timer)
    this.inflight.delete(ref)
    f.resolve(r)
  }

  private async requestSuggestion (): Promise<SuggestOutcome> {
    const r = await this.request('suggest', {})
    if (!r.ok) return r
    const s = r.msg as unknown as SuggestionMessage
    return { ok: true, suggestion: { ...s, items: Array.isArray(s.items) ? s.items : [] } }
  }

  private async sendReport (category: ReportCategory, reason: string): Promise<ReportOutcome> {
    const r = await this.request('report', { category, reason })
    return r.ok ? { ok: true } : r
  }

  // --- going to a field -----------------------------------------------------------------------

  /** Put the focus in the field a prompt is about (the milestones: the first row, or "Add"). */
  focusField (field: string): void {
    const { fields, milestones } = this.deps
    let target: HTMLElement | null = null
    let place: HTMLElement | null = null
    if (field === 'milestones' || field.startsWith('milestone:')) {
      place = milestones.card
      const first = milestones.card.querySelector<HTMLElement>('.ms-row input:not(:disabled)')
      target = first ?? (milestones.addButton.disabled ? null : milestones.addButton)
    } else {
      const view = fields.get(field)
      if (view !== undefined) {
        place = view.wrapper
        target = view.controls().find((c) => !c.disabled) ?? null
      }
    }
    if (place === null || place.getClientRects().length === 0) return
    place.scrollIntoView({ behavior: 'smooth', block: 'center' })
    if (target !== null) target.focus({ preventScroll: true })
    place.classList.remove('q-flash')
    void place.offsetWidth
    place.classList.add('q-flash')
    setTimeout(() => place?.classList.remove('q-flash'), 1800)
  }
}
