// What a person must always be able to read about the offer (docs/ARCHITECTURE.md, "The web
// app"), in words: how long it stays open, whose turn it is, and — once it is closed — what
// happened, who did it and when.
// Pure functions of the doc's state; header.ts draws them.

import { formatDateTime } from './format'
import { t } from './i18n'
import { reasonLabel } from './outcomes'
import type { PartyRef, Role } from './types'

const HOUR = 3_600_000
const DAY = 24 * HOUR

export interface ExpiryInfo {
  /** "Expires in 3 days", "Expires in 5 hours", "Expired". */
  text: string
  /** The exact moment, in the viewer's locale and time zone. */
  title: string
  /** Less than a day left. */
  urgent: boolean
  past: boolean
}

/** The countdown to `expiresAt` while the offer is open (null when closed or unknown). */
export function expiryInfo (expiresAt: string | null, status: string | null, now = Date.now()): ExpiryInfo | null {
  if (expiresAt === null) return null
  const at = new Date(expiresAt).getTime()
  if (Number.isNaN(at)) return null
  const when = formatDateTime(expiresAt)
  const title = t('expiry.at', { when })
  if (status === 'expired') return { text: t('expiry.expired_at', { when }), title, urgent: false, past: true }
  if (status !== null && status !== 'open') return null
  const left = at - now
  if (left <= 0) return { text: t('expiry.now'), title, urgent: true, past: true }
  let text: string
  if (left < 60_000) text = t('expiry.under_a_minute')
  else if (left < HOUR) text = t('expiry.in_minutes', { n: Math.ceil(left / 60_000) })
  else if (left < 2 * DAY) text = t('expiry.in_hours', { n: Math.round(left / HOUR) })
  else text = t('expiry.in_days', { n: Math.round(left / DAY) })
  return { text, title, urgent: left < DAY, past: false }
}

/** How soon the countdown text can change: re-render at least this often. */
export function expiryTick (expiresAt: string | null, now = Date.now()): number {
  if (expiresAt === null) return 60_000
  const left = new Date(expiresAt).getTime() - now
  return left < 2 * HOUR ? 5_000 : 30_000
}

export interface TurnInfo {
  /** "Waiting on you" or "Waiting on Ada". */
  label: string
  /** What is expected, in a sentence. */
  detail: string
  mine: boolean
}

export function firstName (name: string): string {
  return name.trim().split(/\s+/)[0] || name
}

/**
 * Whose move it is. A pending proposal waits on the party who did not make it. With none, the
 * freelancer can accept the offer as it stands, and whoever wants a change proposes it; a party
 * with unproposed draft changes of their own is the one holding things up.
 */
export function turnInfo (args: {
  status: string | null
  proposalBy: PartyRef | null
  hasProposal: boolean
  me: { id: string, role: Role } | null
  parties: PartyRef[]
  draftChangedBy: Array<PartyRef | null>
}): TurnInfo | null {
  const { status, proposalBy, hasProposal, me, parties } = args
  if (status !== null && status !== 'open') return null
  const client = parties.find((p) => p.role === 'client') ?? null
  const freelancer = parties.find((p) => p.role === 'freelancer') ?? null
  const on = (p: PartyRef | null, detailYou: string, detailOther: string): TurnInfo => {
    const mine = p !== null && me !== null && p.id === me.id
    return mine
      ? { label: t('turn.you'), detail: detailYou, mine: true }
      : { label: p === null ? t('turn.other_party') : t('turn.on', { name: firstName(p.name) }), detail: detailOther, mine: false }
  }
  if (hasProposal) {
    const proposer = proposalBy
    const answerer = proposer?.role === 'client' ? freelancer : proposer?.role === 'freelancer' ? client : null
    const sentByMe = proposer !== null && me?.id === proposer.id
    return on(answerer,
      proposer === null ? t('turn.answer_nobody') : t('turn.answer', { name: firstName(proposer.name) }),
      answerer === null
        ? t(sentByMe ? 'turn.reviews_yours_other' : 'turn.reviews_other')
        : t(sentByMe ? 'turn.reviews_yours' : 'turn.reviews', { name: firstName(answerer.name) }))
  }
  const drafting = args.draftChangedBy.find((p) => p !== null && me !== null && p.id === me.id)
  if (drafting !== undefined && me !== null && me.role !== 'viewer') {
    return { label: t('turn.you'), detail: t('turn.drafting'), mine: true }
  }
  return on(freelancer, t('turn.accept_you'),
    freelancer === null ? t('turn.accept_freelancer') : t('turn.accept_other', { name: firstName(freelancer.name) }))
}

/** A status in words ("Open", "Agreed"); an unknown one as it came. */
export function statusLabel (status: string): string {
  return ['open', 'agreed', 'withdrawn', 'declined', 'expired'].includes(status) ? t(`status.${status}`) : status
}

export interface ClosingEvent {
  kind: string
  at: string
  actor: string | null
  reason: string | null
  /** The category (server/offers/reasons.py): the doc's `offer.closed.reason_code`, or the event's payload. */
  reason_code?: string | null
  payload?: Record<string, unknown> | null
}

export interface ClosedInfo {
  title: string
  text: string
}

const CLOSING_KIND: Record<string, string> = {
  agreed: 'offer_accepted', withdrawn: 'offer_withdrawn', declined: 'offer_declined', expired: 'offer_expired'
}

/** The event that closed the offer, from the audit log (the latest of the right kind). */
export function closingEvent (status: string, events: ClosingEvent[]): ClosingEvent | null {
  const kind = CLOSING_KIND[status]
  if (kind === undefined) return null
  for (let i = events.length - 1; i >= 0; i--) if (events[i].kind === kind) return events[i]
  return null
}

/** The banner of a closed room: what happened, who did it, when and why; it is read-only now. */
export function closedInfo (status: string, version: number | null, expiresAt: string | null,
  event: ClosingEvent | null, parties: PartyRef[], meId: string | null): ClosedInfo | null {
  const meRole = parties.find((p) => p.id === meId)?.role ?? null
  if (status === 'open' || status === '') return null
  const party = event?.actor != null ? parties.find((p) => p.id === event.actor) ?? null : null
  // Who did it: you, a party by name, or (not in the log yet) the role that can.
  const who = party === null ? 'default' : party.id === meId ? 'you' : 'name'
  const name = party?.name ?? ''
  /** "{who} {did} this offer[ on {when}]." as one catalog sentence per case. */
  const did = (kind: string): string => event !== null
    ? t(`closed.${kind}.${who}_at`, { name, when: formatDateTime(event.at) })
    : t(`closed.${kind}.${who}`, { name })
  const reason = event?.reason?.trim() ?? ''
  const why = reason === '' ? [] : [t(/[.!?…]$/.test(reason) ? 'closed.reason_ended' : 'closed.reason', { reason })]
  const sentences = (...list: string[]): string => list.join(' ')
  // "Withdrawn — Budget": the category, in the reader's language, next to the status.
  const category = reasonLabel(event?.reason_code ?? event?.payload?.reason_code)
  const titled = (s: string): string => category === null ? t(`status.${s}`) : t('closed.title_reason', { status: t(`status.${s}`), category })
  switch (status) {
    case 'agreed':
      return {
        title: version === null ? t('status.agreed') : t('closed.agreed_version', { version: String(version) }),
        text: sentences(did('agreed'), t('closed.contract'))
      }
    case 'withdrawn':
      return { title: titled('withdrawn'), text: sentences(did('withdrawn'), ...why, t('closed.read_only')) }
    case 'declined':
      return { title: titled('declined'), text: sentences(did('declined'), ...why, t('closed.read_only')) }
    case 'expired': {
      const at = event !== null ? event.at : expiresAt
      return {
        title: t('status.expired'),
        text: sentences(at !== null ? t('closed.expired_at', { when: formatDateTime(at) }) : t('closed.expired'),
          t(meRole === 'freelancer' ? 'closed.expired_freelancer' : meRole === 'client' ? 'closed.expired_client' : 'closed.read_only'))
      }
    }
    default:
      return { title: statusLabel(status), text: t('closed.other') }
  }
}
