// The REST reads a participant may make with their own token (docs/PROTOCOL.md, "REST"): the
// versions of the offer, its audit log and older pages of its thread. The token goes in the
// Authorization header, never in a logged query string.

import type { TermsJson } from './compare'
import type { RoomAddress } from './connection'
import { t } from './i18n'
import type { ClosingEvent } from './status'
import type { ThreadItem } from './types'

/** A page of the thread, older than a position (GET /api/offers/{id}/messages?before=n). */
export interface MessagesPage {
  items: ThreadItem[]
  unread: number
  last_read: number
  more: boolean
}

export interface VersionInfo {
  number: number
  terms: TermsJson
  created_at: string
  /** User id of the party whose proposal this was (null for version 1, the offer as sent). */
  author: string | null
  accepted_by: string | null
  proposal_id: string | null
  content_hash: string
}

/** A proposal as GET /api/offers/{id}/proposals returns it (the fields the app reads). */
export interface ProposalInfo {
  id: string
  by: string
  by_role: string
  base_version: number
  terms: TermsJson
  created_at: string
  note: string | null
  status: 'pending' | 'accepted' | 'partially_accepted' | 'countered' | 'rejected' | 'withdrawn' | 'closed'
  decided_at: string | null
  decided_by: string | null
  reason: string | null
  /** A decision change by change: change key -> accepted | countered | declined (decide.ts). */
  outcomes?: Record<string, string>
}

export class ApiError extends Error {
  readonly status: number
  constructor (status: number, message: string) {
    super(message)
    this.status = status
  }
}

export class Api {
  private readonly base: string
  private readonly token: string

  constructor (addr: RoomAddress) {
    this.base = `/api/offers/${encodeURIComponent(addr.offerId)}`
    this.token = addr.token
  }

  private async get<T> (path: string): Promise<T> {
    let res: Response
    try {
      res = await fetch(this.base + path, { headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' }, cache: 'no-store' })
    } catch {
      throw new ApiError(0, t('api.unreachable'))
    }
    if (!res.ok) {
      let message = t('api.status', { status: String(res.status) })
      try {
        const body = await res.json() as { error?: { message?: string } }
        if (typeof body.error?.message === 'string') message = body.error.message
      } catch { /* not JSON */ }
      throw new ApiError(res.status, message)
    }
    return await res.json() as T
  }

  async versions (): Promise<VersionInfo[]> {
    const list = await this.get<VersionInfo[]>('/versions')
    return [...list].sort((a, b) => a.number - b.number)
  }

  /** The `limit` entries before position `before`, oldest first. */
  async messages (before: number, limit: number): Promise<MessagesPage> {
    return await this.get<MessagesPage>(`/messages?before=${encodeURIComponent(String(before))}&limit=${encodeURIComponent(String(limit))}`)
  }

  /** Every proposal, oldest first. */
  async proposals (): Promise<ProposalInfo[]> {
    return await this.get<ProposalInfo[]>('/proposals')
  }

  async events (): Promise<ClosingEvent[]> {
    return await this.get<ClosingEvent[]>('/events')
  }
}
