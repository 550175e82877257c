// What a person must always be able to read about the offer (docs/ARCHITECTURE.md, "The web
// app"), in words: how long it stays open, whose turn it is, and — once it is closed — what
// happened, who did it and when.
// Pure functions of the doc's state; header.ts draws them.

import { formatDateTime, locale } from './format'
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
  const t = new Date(expiresAt).getTime()
  if (Number.isNaN(t)) return null
  const title = `Expires ${formatDateTime(expiresAt)}`
  if (status === 'expired') return { text: `Expired ${formatDateTime(expiresAt)}`, title, urgent: false, past: true }
  if (status !== null && status !== 'open') return null
  const left = t - now
  if (left <= 0) return { text: 'Expiring now', title, urgent: true, past: true }
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'always' })
  let rel: string
  if (left < 60_000) rel = 'in less than a minute'
  else if (left < HOUR) rel = rtf.format(Math.ceil(left / 60_000), 'minute')
  else if (left < 2 * DAY) rel = rtf.format(Math.round(left / HOUR), 'hour')
  else rel = rtf.format(Math.round(left / DAY), 'day')
  return { text: `Expires ${rel}`, title, urgent: left < DAY, past: false }
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
      ? { label: 'Waiting on you', detail: detailYou, mine: true }
      : { label: `Waiting on ${p === null ? 'the other party' : firstName(p.name)}`, detail: detailOther, mine: false }
  }
  if (hasProposal) {
    const proposer = proposalBy
    const answerer = proposer?.role === 'client' ? freelancer : proposer?.role === 'freelancer' ? client : null
    const who = proposer === null ? 'A party' : firstName(proposer.name)
    return on(answerer, `${who} proposed changes: accept or reject them.`,
      `${answerer === null ? 'The other party' : firstName(answerer.name)} reviews the proposal${proposer !== null && me?.id === proposer.id ? ' you sent' : ''}.`)
  }
  const drafting = args.draftChangedBy.find((p) => p !== null && me !== null && p.id === me.id)
  if (drafting !== undefined && me !== null && me.role !== 'viewer') {
    return { label: 'Waiting on you', detail: 'Your draft changes are not proposed yet: propose them, or undo them.', mine: true }
  }
  return on(freelancer, 'Accept the offer as it stands, or change a field and propose it.',
    `${freelancer === null ? 'The freelancer' : firstName(freelancer.name)} can accept the offer as it stands; either of you can propose changes.`)
}

export interface ClosingEvent {
  kind: string
  at: string
  actor: string | null
  reason: string | null
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
  const who = party === null ? null : party.id === meId ? 'You' : party.name
  const when = event !== null ? ` on ${formatDateTime(event.at)}` : ''
  const reason = event?.reason?.trim() ?? ''
  const why = reason === '' ? '' : ` Reason: “${reason}”${/[.!?…]$/.test(reason) ? '' : '.'}`
  const v = version === null ? '' : ` on version ${version}`
  switch (status) {
    case 'agreed':
      return {
        title: `Agreed${v}`,
        text: `${who ?? 'The freelancer'} accepted the offer${when}. These terms are the contract; the room is read-only.`
      }
    case 'withdrawn':
      return { title: 'Withdrawn', text: `${who ?? 'The client'} withdrew this offer${when}.${why} The room is read-only.` }
    case 'declined':
      return { title: 'Declined', text: `${who ?? 'The freelancer'} declined this offer${when}.${why} The room is read-only.` }
    case 'expired': {
      const at = event !== null ? event.at : expiresAt
      return {
        title: 'Expired',
        text: `Nobody accepted this offer before it expired${at !== null ? ` on ${formatDateTime(at)}` : ''}. The room is read-only` +
          (meRole === 'freelancer' ? '; ask the client for a new offer if you still want the job.' : meRole === 'client' ? '; send a new offer if you still want to hire.' : '.')
      }
    }
    default:
      return { title: status, text: 'This offer is closed; the room is read-only.' }
  }
}
