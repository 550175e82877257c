// A field's activity: who changed it, when, from what to what, and what became of it. Derived from
// what the server already keeps (docs/RULES.md, "Negotiation"): every proposal's terms against the
// version it was made on (GET …/proposals, …/versions), the reverts in the audit log (…/events),
// and who changed it in the draft since the agreed version (the changed_by root). Nothing extra is
// written per edit. One button per field opens it as a small non-modal panel (Escape closes it).

import { type Api, type ProposalInfo, type VersionInfo } from './api'
import { changedByText, joinNames } from './attribution'
import { type TermsJson, valueText } from './compare'
import type { OfferDoc } from './doc'
import { h, setHidden, setText } from './dom'
import { formatDateTime, formatMoney } from './format'
import { lang, t } from './i18n'
import { describeValue } from './highlights'
import type { Milestone, PartyRef, ScalarField, UserInfo } from './types'
import { fieldLabel } from './types'

/** An audit event as GET …/events returns it (the fields read here). */
export interface AuditEvent {
  kind: string
  at: string
  actor: string | null
  reason: string | null
  payload?: Record<string, unknown> | null
}

export interface ActivityData {
  versions: VersionInfo[]
  proposals: ProposalInfo[]
  events: AuditEvent[]
}

export interface ActivityItem {
  kind: 'proposed' | 'reverted' | 'sent'
  at: string
  /** User id of who did it (null: the offer as sent, by its client). */
  actor: string | null
  from: string | null
  to: string
  status?: ProposalInfo['status'] | 'declined'
  decidedBy?: string | null
  reason?: string | null
  note?: string | null
  /** The version an accepted proposal became, or the version a revert loaded. */
  version?: number
}

const HOURLY_ONLY = new Set(['hourly_rate', 'weekly_limit', 'manual_time'])
const FIXED_ONLY = new Set(['fixed_price', 'milestones'])

function applies (terms: Pick<TermsJson, 'contract_type'>, field: string): boolean {
  if (HOURLY_ONLY.has(field)) return terms.contract_type !== 'fixed'
  if (FIXED_ONLY.has(field)) return terms.contract_type === 'fixed'
  return true
}

function milestonesText (list: Milestone[], currency: string): string {
  if (list.length === 0) return t('activity.no_milestones')
  const total = list.reduce((s, m) => s + (m.amount ?? 0), 0)
  return t('activity.milestones', { n: list.length, total: formatMoney(total, currency) })
}

/** A field's value in a version's terms, as a person reads it ("—" where it does not apply). */
export function fieldText (field: string, terms: TermsJson): string {
  if (!applies(terms, field)) return '—'
  if (field === 'milestones') return milestonesText(terms.milestones ?? [], terms.currency)
  if (field === 'description') return describeValue('description', terms.description, terms.currency)
  return valueText(field, (terms as unknown as Record<string, unknown>)[field], terms.currency)
}

function fieldKey (field: string, terms: TermsJson): string {
  if (!applies(terms, field)) return 'n/a'
  if (field === 'milestones') {
    return JSON.stringify((terms.milestones ?? []).map((m) => [m.id, m.title, m.amount, m.due_date ?? null]))
  }
  const v = (terms as unknown as Record<string, unknown>)[field]
  return JSON.stringify(v === undefined || v === '' ? null : v)
}

/** How a proposal ended for `field`: a decision change by change has an outcome per change
 * (a field, or "milestone:<id>" rows, which the milestones field sums up). */
export function fieldStatus (field: string, p: ProposalInfo): ActivityItem['status'] {
  if (p.status !== 'partially_accepted' && p.status !== 'countered') return p.status
  const outcomes = Object.entries(p.outcomes ?? {})
    .filter(([key]) => key === field || (field === 'milestones' && key.startsWith('milestone:')))
    .map(([, outcome]) => outcome)
  const outcome = outcomes.includes('accepted') ? 'accepted' : outcomes.includes('countered') ? 'countered' : outcomes.length > 0 ? 'declined' : p.status
  return outcome as ActivityItem['status']
}

/** Every recorded change of `field`, newest first; the offer as sent comes last. */
export function fieldActivity (field: string, data: ActivityData): ActivityItem[] {
  const versions = [...data.versions].sort((a, b) => a.number - b.number)
  const byNumber = new Map(versions.map((v) => [v.number, v]))
  const items: ActivityItem[] = []
  for (const p of data.proposals) {
    const base = byNumber.get(p.base_version)
    if (base === undefined || fieldKey(field, base.terms) === fieldKey(field, p.terms)) continue
    const became = versions.find((v) => v.proposal_id === p.id)
    items.push({
      kind: 'proposed',
      at: p.created_at,
      actor: p.by,
      from: fieldText(field, base.terms),
      to: fieldText(field, p.terms),
      status: fieldStatus(field, p),
      decidedBy: p.decided_by,
      reason: p.reason,
      note: p.note,
      version: became?.number
    })
  }
  for (const e of data.events) {
    const n = e.kind === 'reverted' ? e.payload?.version : undefined
    const target = typeof n === 'number' ? byNumber.get(n) : undefined
    if (target === undefined) continue
    // The agreed version at the time of the revert: the newest one created before it.
    const agreed = [...versions].reverse().find((v) => v.created_at <= e.at) ?? versions[0]
    if (agreed === undefined || fieldKey(field, agreed.terms) === fieldKey(field, target.terms)) continue
    items.push({ kind: 'reverted', at: e.at, actor: e.actor, from: fieldText(field, agreed.terms), to: fieldText(field, target.terms), version: target.number })
  }
  items.sort((a, b) => a.at < b.at ? 1 : a.at > b.at ? -1 : 0)
  const first = byNumber.get(1)
  if (first !== undefined) items.push({ kind: 'sent', at: first.created_at, actor: first.author, from: null, to: fieldText(field, first.terms) })
  return items
}

export interface ActivityDeps {
  od: OfferDoc
  api: Api
  me: () => UserInfo | null
  colorOf: (p: PartyRef | null) => string
}

interface Slot {
  name: string
  button: HTMLButtonElement
  panel: HTMLElement
  body: HTMLElement
}

export class ActivityView {
  private readonly slots = new Map<string, Slot>()
  private openSlot: Slot | null = null
  /** The open panel's recorded activity, and the draft facts it was last drawn with. */
  private loaded: ActivityData | null = null
  private drawnKey = ''
  private loadToken = 0
  private readonly deps: ActivityDeps

  constructor (deps: ActivityDeps) {
    this.deps = deps
    document.addEventListener('pointerdown', (e) => {
      const open = this.openSlot
      if (open !== null && e.target instanceof Node && !open.panel.contains(e.target) && !open.button.contains(e.target)) this.close(false)
    })
  }

  /** Add the field's "Activity" button to `host` and its panel to `wrapper`. */
  attach (name: string, wrapper: HTMLElement, host: HTMLElement): void {
    if (this.slots.has(name)) return
    const id = `activity-${name}`
    const button = h('button', {
      type: 'button',
      class: 'act-btn',
      'aria-expanded': 'false',
      'aria-controls': id,
      'aria-label': t('activity.open_label', { field: fieldLabel(name) }),
      title: t('activity.open_label', { field: fieldLabel(name) }),
      onclick: () => { if (this.openSlot?.name === name) this.close(true); else void this.open(name) }
    }, h('span', { class: 'act-icon', 'aria-hidden': 'true' }), h('span', { class: 'act-label' }, t('activity.open')))
    const heading = h('h3', { class: 'act-title', id: `${id}-title`, tabindex: '-1' })
    const body = h('div', { class: 'act-body' })
    const panel = h('div', {
      class: 'act-pop',
      id,
      role: 'dialog',
      'aria-labelledby': heading.id,
      hidden: true,
      onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === 'Escape') { e.stopPropagation(); this.close(true) } }
    }, h('div', { class: 'act-head' }, heading,
      h('button', { type: 'button', class: 'btn btn-ghost btn-small act-close', 'aria-label': t('activity.close'), onclick: () => this.close(true) }, '×')),
    body)
    host.append(button)
    wrapper.append(panel)
    this.slots.set(name, { name, button, panel, body })
  }

  /** Labels follow the language; an open panel follows the draft. */
  render (): void {
    const open = this.openSlot
    if (open !== null && this.loaded !== null && this.draftKey(open.name) !== this.drawnKey) {
      setText(open.panel.querySelector('.act-title') as HTMLElement, t('activity.title', { field: fieldLabel(open.name) }))
      this.fill(open, this.loaded)
    }
    for (const s of this.slots.values()) {
      const label = t('activity.open_label', { field: fieldLabel(s.name) })
      if (s.button.getAttribute('aria-label') !== label) {
        s.button.setAttribute('aria-label', label)
        s.button.title = label
        setText(s.button.querySelector('.act-label') as HTMLElement, t('activity.open'))
      }
    }
  }

  async open (name: string): Promise<void> {
    const slot = this.slots.get(name)
    if (slot === undefined) return
    if (this.openSlot !== null && this.openSlot !== slot) this.close(false)
    this.openSlot = slot
    this.loaded = null
    slot.button.setAttribute('aria-expanded', 'true')
    setText(slot.panel.querySelector('.act-title') as HTMLElement, t('activity.title', { field: fieldLabel(name) }))
    setHidden(slot.panel, false)
    slot.body.replaceChildren(h('p', { class: 'muted act-state', role: 'status' }, t('activity.loading')))
    ;(slot.panel.querySelector('.act-title') as HTMLElement).focus()
    const token = ++this.loadToken
    try {
      const [versions, proposals, events] = await Promise.all([this.deps.api.versions(), this.deps.api.proposals(), this.deps.api.events()])
      if (token !== this.loadToken || this.openSlot !== slot) return
      this.loaded = { versions, proposals, events: events as AuditEvent[] }
      this.fill(slot, this.loaded)
    } catch (err) {
      if (token !== this.loadToken || this.openSlot !== slot) return
      console.warn('offer-room: activity', err)
      slot.body.replaceChildren(h('p', { class: 'act-state', role: 'alert' }, t('activity.failed'), ' ',
        h('button', { type: 'button', class: 'btn btn-link', onclick: () => { void this.open(name) } }, t('activity.retry'))))
    }
  }

  close (restoreFocus: boolean): void {
    const slot = this.openSlot
    if (slot === null) return
    this.openSlot = null
    this.loaded = null
    this.loadToken++
    setHidden(slot.panel, true)
    slot.button.setAttribute('aria-expanded', 'false')
    if (restoreFocus) slot.button.focus()
  }

  private party (id: string | null, fallbackRole: 'client' | 'freelancer'): PartyRef | null {
    const parties = this.deps.od.meta().parties
    return (id !== null ? parties.find((p) => p.id === id) : parties.find((p) => p.role === fallbackRole)) ?? null
  }

  private who (p: PartyRef | null): string {
    if (p === null) return t('activity.someone')
    return p.id === this.deps.me()?.id ? t('activity.you') : p.name
  }

  /** "Ada" or "you" inside a sentence. */
  private whoIn (p: PartyRef | null): string {
    if (p === null) return t('activity.someone')
    return p.id === this.deps.me()?.id ? t('attribution.you') : p.name
  }

  private draftKey (name: string): string {
    const f = this.draftFacts(name)
    return JSON.stringify([lang(), this.deps.me()?.id, f === null ? null : [f.agreed, f.now, f.changers.map((p) => [p.id, p.name, this.deps.colorOf(p)])]])
  }

  /** The field in the draft against the agreed version, and who changed it since (null: same). */
  private draftFacts (name: string): { agreed: string, now: string, changers: PartyRef[] } | null {
    const od = this.deps.od
    if (!od.hasCommitted()) return null
    const cur = od.currency
    const committed = od.committedValue.bind(od)
    const type = od.contractType
    if ((type === 'fixed' && HOURLY_ONLY.has(name)) || (type === 'hourly' && FIXED_ONLY.has(name))) return null
    let now: string
    let agreed: string
    const agreedCur = (committed('currency') as string | null) ?? cur
    if (name === 'milestones') {
      now = milestonesText(od.draftMilestones(), cur)
      agreed = milestonesText(od.committedMilestones(), agreedCur)
    } else if (name === 'description') {
      now = describeValue('description', od.description.toString(), cur)
      agreed = describeValue('description', committed('description') ?? '', agreedCur)
    } else {
      now = valueText(name, od.term(name as ScalarField), cur)
      agreed = valueText(name, committed(name), agreedCur)
    }
    const changers = od.changersOf(name)
    if (now === agreed && changers.length === 0) return null
    return { agreed, now, changers }
  }

  private draftItem (name: string): HTMLElement | null {
    const facts = this.draftFacts(name)
    if (facts === null) return null
    const { agreed, now, changers } = facts
    const me = this.deps.me()?.id ?? null
    const names = changers.length === 0 ? '' : joinNames(changers.map((p) => this.whoIn(p)))
    return h('li', { class: 'act-item act-draft' },
      h('p', { class: 'act-who' }, ...changers.map((p) => h('span', { class: 'act-dot', style: `--c:${this.deps.colorOf(p)}`, 'aria-hidden': 'true' })),
        h('strong', {}, t('activity.draft'))),
      changers.length > 0 ? h('p', { class: 'act-outcome' }, names === '' ? '' : changers.length === 1 && changers[0].id === me ? changedByText(changers, me, false) : t('activity.draft_by', { names })) : null,
      h('p', { class: 'act-change' }, t('activity.from_to', { from: agreed, to: now })))
  }

  private fill (slot: Slot, data: ActivityData): void {
    const items = fieldActivity(slot.name, data) // worded now: in the current language
    const rows: HTMLElement[] = []
    this.drawnKey = this.draftKey(slot.name)
    const draft = this.draftItem(slot.name)
    if (draft !== null) rows.push(draft)
    for (const it of items) {
      const actor = it.kind === 'sent' ? this.party(it.actor, 'client') : this.party(it.actor, 'client')
      const what = it.kind === 'proposed' ? t('activity.proposed')
        : it.kind === 'reverted' ? t('activity.reverted', { version: String(it.version ?? '') })
          : t('activity.sent')
      const decider = it.decidedBy != null ? this.party(it.decidedBy, 'client') : null
      const outcome = it.kind !== 'proposed' ? null
        : it.status === 'accepted' ? t('activity.accepted', { name: this.whoIn(decider), version: String(it.version ?? '') })
          : it.status === 'rejected' ? (it.reason != null && it.reason !== '' ? t('activity.rejected_reason', { name: this.whoIn(decider), reason: it.reason }) : t('activity.rejected', { name: this.whoIn(decider) }))
            : it.status === 'countered' ? t('activity.countered', { name: this.whoIn(decider) })
              : it.status === 'declined' ? t('activity.declined', { name: this.whoIn(decider) })
                : it.status === 'withdrawn' ? t('activity.withdrawn')
                  : it.status === 'closed' ? t('activity.closed')
                    : t('activity.pending')
      rows.push(h('li', { class: `act-item act-${it.kind}${it.status !== undefined ? ` act-${it.status}` : ''}` },
        h('p', { class: 'act-who' },
          h('span', { class: 'act-dot', style: `--c:${this.deps.colorOf(actor)}`, 'aria-hidden': 'true' }),
          h('strong', {}, this.who(actor)), ' · ', what, ' · ',
          h('time', { datetime: it.at }, formatDateTime(it.at))),
        h('p', { class: 'act-change' }, it.from === null ? it.to : t('activity.from_to', { from: it.from, to: it.to })),
        it.note != null && it.note !== '' ? h('p', { class: 'act-note' }, t('activity.note', { note: it.note })) : null,
        outcome !== null ? h('p', { class: 'act-outcome' }, outcome) : null))
    }
    const onlySent = items.length === 1 && draft === null
    slot.body.replaceChildren(
      h('p', { class: 'hint act-source' }, onlySent ? t('activity.empty') : t('activity.source')),
      h('ol', { class: 'act-list' }, ...rows))
  }
}
