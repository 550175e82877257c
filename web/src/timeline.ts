// What thread entries say in words: the sentence of a system entry (a negotiation event between the
// messages, built from its event kind, payload and author) and what a question is about. Pure: no
// DOM, so the unit tests read every sentence.

import { formatList } from './format'
import { type Params, t } from './i18n'
import { firstName } from './status'
import type { ThreadItem } from './types'
import { fieldLabel } from './types'

export interface TimelineContext {
  meId: string | null
  /** A party's name by user id (for a payload that names its actor by id). */
  nameOf?: (userId: string) => string | null
}

/** Who did it: you, a first name, or null when the entry names nobody. */
type Actor = { you: true } | { you: false, name: string } | null

function actorOf (item: ThreadItem, ctx: TimelineContext): Actor {
  const p = item.payload ?? {}
  const author = item.author ?? null
  const id = author?.id ?? (typeof p.actor === 'string' ? p.actor : null)
  if (id !== null && id === ctx.meId) return { you: true }
  if (author !== null && author.name.trim() !== '') return { you: false, name: firstName(author.name) }
  const name = id === null ? null : ctx.nameOf?.(id) ?? null
  return name === null || name.trim() === '' ? null : { you: false, name: firstName(name) }
}

function versionOf (p: Record<string, unknown>): string {
  return typeof p.version === 'number' && Number.isFinite(p.version) ? String(p.version) : ''
}

/** The fields a proposal changed, by label, each once: "Hourly rate and End date". */
function fieldsOf (p: Record<string, unknown>): string {
  const raw = Array.isArray(p.fields) ? p.fields.filter((f): f is string => typeof f === 'string') : []
  const labels = [...new Set(raw.map(fieldLabel))]
  return labels.length === 0 ? '' : formatList(labels)
}

/**
 * One catalog sentence per event, actor (`.name`, `.you`, `.nobody`) and whether it names more
 * (`_more`: the fields or the version): "timeline.proposed.name_more" = "{name} proposed changes to {fields}".
 */
function say (event: string, who: Actor, more: Params | null): string {
  const form = who === null ? 'nobody' : who.you ? 'you' : 'name'
  return t(`timeline.${event}.${form}${more === null ? '' : '_more'}`, { name: who !== null && !who.you ? who.name : '', ...more })
}

/** The sentence of a system entry: "Linus proposed changes to Hourly rate and End date". */
export function systemSentence (item: ThreadItem, ctx: TimelineContext): string {
  const p = item.payload ?? {}
  const who = actorOf(item, ctx)
  const reason = (item.body ?? '').trim()
  const quoted = (sentence: string): string => reason === '' ? sentence : t('timeline.quoted', { sentence, text: reason })
  const v = versionOf(p)
  const version = v === '' ? null : { version: v }
  const event = item.event ?? ''
  switch (event) {
    case 'proposed': {
      const fields = fieldsOf(p)
      return quoted(say(event, who, fields === '' ? null : { fields }))
    }
    case 'proposal_accepted': case 'reverted': return say(event, who, version)
    // A per-change decision: with a version, part was accepted; without, it was countered.
    case 'proposal_decided': return quoted(say(event, who, version))
    case 'offer_accepted': return quoted(say(event, who, version))
    case 'proposal_rejected': case 'proposal_withdrawn': case 'offer_withdrawn': case 'offer_declined':
      return quoted(say(event, who, null))
    case 'offer_expired': return t('timeline.offer_expired')
    default: {
      const what = (event === '' ? 'update' : event).replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase())
      return quoted(who === null ? what : who.you ? t('timeline.other_you', { event: what }) : t('timeline.other', { name: who.name, event: what }))
    }
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
  if (about === null || about === undefined || about === '') return t('topic.terms')
  if (about.startsWith('milestone:')) {
    const title = ctx.milestoneTitle(about.slice('milestone:'.length))
    if (title === undefined) return t('topic.milestone_gone')
    return title.trim() === '' ? t('topic.milestone_untitled') : t('topic.milestone', { title: title.trim() })
  }
  if (about.startsWith('proposal:')) {
    return about.slice('proposal:'.length) === ctx.pendingProposalId ? t('topic.pending_proposal') : t('topic.earlier_proposal')
  }
  return fieldLabel(about)
}
