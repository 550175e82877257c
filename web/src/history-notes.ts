// What the version history shows under each version (history.ts): the note of the proposal that
// became it, and the proposals made on it that were rejected, each with its note and the reason
// given (GET …/proposals).

import type { ProposalInfo, VersionInfo } from './api'
import { h } from './dom'
import { formatDateTime } from './format'
import { t } from './i18n'
import type { PartyRef } from './types'

export interface NoteDeps {
  name: (id: string | null) => PartyRef | null
  /** "Proposed by Ada" / "… by you" / "… by someone" from one catalog key. */
  by: (key: string, p: PartyRef | null) => string
  colorOf: (p: PartyRef | null) => string
}

/** The rejected proposals made on version `n`, oldest first. */
export function rejectedOn (n: number, proposals: ProposalInfo[]): ProposalInfo[] {
  return proposals.filter((p) => p.base_version === n && p.status === 'rejected')
}

export function versionNotes (v: VersionInfo, proposals: ProposalInfo[], deps: NoteDeps): HTMLElement | null {
  const own = v.proposal_id !== null ? proposals.find((p) => p.id === v.proposal_id) : undefined
  const note = own?.note != null && own.note.trim() !== '' ? h('p', { class: 'ver-note' }, t('history.note', { note: own.note })) : null
  const rejected = rejectedOn(v.number, proposals)
  if (note === null && rejected.length === 0) return null
  return h('div', { class: 'ver-notes' }, note,
    rejected.length === 0
      ? null
      : h('ul', { class: 'ver-rejected' }, ...rejected.map((p) => {
        const author = deps.name(p.by)
        return h('li', { class: 'ver-rej', 'data-proposal': p.id },
          h('p', { class: 'ver-who' },
            h('span', { class: 'ver-dot', style: `--c:${deps.colorOf(author)}`, 'aria-hidden': 'true' }),
            deps.by('history.rejected_proposal', author),
            p.decided_at !== null ? h('time', { class: 'ver-date', datetime: p.decided_at }, ' · ', formatDateTime(p.decided_at)) : null),
          p.note != null && p.note.trim() !== '' ? h('p', { class: 'ver-note' }, t('history.note', { note: p.note })) : null,
          h('p', { class: 'ver-reason' }, p.reason != null && p.reason.trim() !== '' ? t('history.reason', { reason: p.reason }) : t('history.no_reason')))
      })))
}
