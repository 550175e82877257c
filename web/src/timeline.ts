// What thread entries say in words: the sentence of a system entry (a negotiation event between the
// messages, built from its event kind, payload and author) and what a question is about. Pure: no
// DOM, so the unit tests read every sentence.

import { firstName } from './status'
import type { ThreadItem } from './types'
import { fieldLabel } from './types'

/** The language of these strings (lists are joined in it: "Hourly rate and End date"). */
const TEXT_LOCALE = 'en'

const S = {
  you: 'You',
  proposed: (who: string, what: string) => `${who} proposed changes${what === '' ? '' : ` to ${what}`}`,
  proposedNobody: (what: string) => what === '' ? 'Changes proposed' : `Changes proposed to ${what}`,
  accepted: (who: string, v: string) => `${who} accepted the proposal${v === '' ? '' : `: version ${v} agreed`}`,
  acceptedNobody: (v: string) => v === '' ? 'Proposal accepted' : `Version ${v} agreed`,
  rejected: (who: string) => `${who} rejected the proposal`,
  rejectedNobody: 'Proposal rejected',
  withdrawn: (who: string) => `${who} withdrew the proposal`,
  withdrawnNobody: 'Proposal withdrawn',
  reverted: (who: string, v: string) => `${who} loaded ${v === '' ? 'an earlier version' : `version ${v}`} into the draft`,
  revertedNobody: (v: string) => `${v === '' ? 'An earlier version' : `Version ${v}`} loaded into the draft`,
  offerAccepted: (who: string, v: string) => `${who} accepted the offer${v === '' ? '' : `: version ${v} agreed`}`,
  offerAcceptedNobody: (v: string) => `Offer accepted${v === '' ? '' : `: version ${v} agreed`}`,
  offerWithdrawn: (who: string) => `${who} withdrew the offer`,
  offerWithdrawnNobody: 'Offer withdrawn',
  offerDeclined: (who: string) => `${who} declined the offer`,
  offerDeclinedNobody: 'Offer declined',
  offerExpired: 'The offer expired',
  other: (who: string | null, event: string) => `${who === null ? '' : `${who}: `}${event.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase())}`,
  quoted: (text: string) => `: “${text}”`,
  // topics
  milestone: (title: string) => `Milestone “${title}”`,
  milestoneGone: 'A removed milestone',
  milestoneUntitled: 'An untitled milestone',
  pendingProposal: 'The pending proposal',
  earlierProposal: 'An earlier proposal',
  theTerms: 'The terms'
}

export interface TimelineContext {
  meId: string | null
  /** A party's name by user id (for a payload that names its actor by id). */
  nameOf?: (userId: string) => string | null
}

function listOf (labels: string[]): string {
  return new Intl.ListFormat(TEXT_LOCALE, { style: 'long', type: 'conjunction' }).format(labels)
}

/** Who did it: "You", a first name, or null when the entry names nobody. */
function actorOf (item: ThreadItem, ctx: TimelineContext): string | null {
  const p = item.payload ?? {}
  const author = item.author ?? null
  const id = author?.id ?? (typeof p.actor === 'string' ? p.actor : null)
  if (id !== null && id === ctx.meId) return S.you
  if (author !== null && author.name.trim() !== '') return firstName(author.name)
  const name = id === null ? null : ctx.nameOf?.(id) ?? null
  return name === null || name.trim() === '' ? null : firstName(name)
}

function versionOf (p: Record<string, unknown>): string {
  return typeof p.version === 'number' && Number.isFinite(p.version) ? String(p.version) : ''
}

/** The fields a proposal changed, by label, each once: "Hourly rate and End date". */
function fieldsOf (p: Record<string, unknown>): string {
  const raw = Array.isArray(p.fields) ? p.fields.filter((f): f is string => typeof f === 'string') : []
  const labels = [...new Set(raw.map(fieldLabel))]
  return labels.length === 0 ? '' : listOf(labels)
}

/** The sentence of a system entry: "Linus proposed changes to Hourly rate and End date". */
export function systemSentence (item: ThreadItem, ctx: TimelineContext): string {
  const p = item.payload ?? {}
  const who = actorOf(item, ctx)
  const reason = (item.body ?? '').trim()
  const why = reason === '' ? '' : S.quoted(reason)
  const v = versionOf(p)
  const event = item.event ?? ''
  switch (event) {
    case 'proposed': {
      const what = fieldsOf(p)
      return (who === null ? S.proposedNobody(what) : S.proposed(who, what)) + why
    }
    case 'proposal_accepted': return who === null ? S.acceptedNobody(v) : S.accepted(who, v)
    case 'proposal_rejected': return (who === null ? S.rejectedNobody : S.rejected(who)) + why
    case 'proposal_withdrawn': return (who === null ? S.withdrawnNobody : S.withdrawn(who)) + why
    case 'reverted': return who === null ? S.revertedNobody(v) : S.reverted(who, v)
    case 'offer_accepted': return (who === null ? S.offerAcceptedNobody(v) : S.offerAccepted(who, v)) + why
    case 'offer_withdrawn': return (who === null ? S.offerWithdrawnNobody : S.offerWithdrawn(who)) + why
    case 'offer_declined': return (who === null ? S.offerDeclinedNobody : S.offerDeclined(who)) + why
    case 'offer_expired': return S.offerExpired
    default: return S.other(who, event === '' ? 'update' : event) + why
  }
}

/** The proposal a system entry is about, if any (for a "Review" link while it is pending). */
export function systemProposalId (item: ThreadItem): string | null {
  const id = item.payload?.proposal_id
  return typeof id === 'string' && id !== '' ? id : null
}

// --- topics --------------------------------------------------------------------------------------

export interface TopicContext {
  /** A milestone's title by id (undefined: no such milestone now; "" untitled). */
  milestoneTitle: (id: string) => string | undefined
  pendingProposalId: string | null
}

/** What a question is about, in words: "Hourly rate", "Milestone “Design”", "The pending proposal". */
export function topicLabel (about: string | null | undefined, ctx: TopicContext): string {
  if (about === null || about === undefined || about === '') return S.theTerms
  if (about.startsWith('milestone:')) {
    const title = ctx.milestoneTitle(about.slice('milestone:'.length))
    if (title === undefined) return S.milestoneGone
    return title.trim() === '' ? S.milestoneUntitled : S.milestone(title.trim())
  }
  if (about.startsWith('proposal:')) {
    return about.slice('proposal:'.length) === ctx.pendingProposalId ? S.pendingProposal : S.earlierProposal
  }
  return fieldLabel(about)
}
