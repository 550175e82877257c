// The wire schema as the browser sees it (server/wire.py is the source of truth).

export type Role = 'client' | 'freelancer' | 'viewer'

export interface UserInfo {
  id: string
  name: string
  role: Role
  color: string
}

/** A party as the server-only `offer` and `changed_by` roots carry it (no colour). */
export interface PartyRef {
  id: string
  name: string
  role: Role
  color?: string
}

export interface LockEntry {
  field: string
  user: UserInfo
  expires_in_ms: number
}

export type ServerMessage =
  | { type: 'hello', offer_id: string, user: UserInfo, read_only: boolean, read_only_reason?: string | null, lock_ttl_ms?: number }
  | { type: 'locks', locks: LockEntry[] }
  | { type: 'rejected', fields: string[], reason: string, code: string }
  | { type: 'notice', kind: string, text: string, field?: string | null, by?: UserInfo | null }
  | { type: 'error', code: string, message: string, ref?: string | null, fields?: Array<{ field: string, message: string }> | null, retry_after_s?: number | null }
  | { type: 'ack', command: string, status: string, version: number, ref?: string | null, proposal_id?: string | null }
  | { type: 'explain_delta', proposal_id: string, text: string }
  | { type: 'explain_done', proposal_id: string, explainer: string, grounded: boolean, text: string, model?: string | null, fallback_reason?: string | null, flags?: Array<{ code: string, severity: string, evidence: string, message: string, source: string }> }

export type ClientMessage =
  | { type: 'lock', field: string }
  | { type: 'unlock', field: string }
  | { type: 'request_release', field: string }

export type ContractType = 'hourly' | 'fixed'

export interface Milestone {
  id: string
  title: string
  amount: number | null
  due_date: string | null
}

/** Scalar keys of the `terms` map, in display order (server/offers/terms.py SCALAR_FIELDS). */
export const SCALAR_FIELDS = [
  'title', 'contract_type', 'currency', 'hourly_rate', 'weekly_limit',
  'manual_time', 'fixed_price', 'start_date', 'end_date'
] as const
export type ScalarField = typeof SCALAR_FIELDS[number]

/** Human names of fields, used in notices and messages. */
export const FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  contract_type: 'Contract type',
  currency: 'Currency',
  hourly_rate: 'Hourly rate',
  weekly_limit: 'Weekly limit',
  manual_time: 'Manual time',
  fixed_price: 'Fixed price',
  start_date: 'Start date',
  end_date: 'End date',
  description: 'Description',
  milestones: 'Milestones'
}

export function fieldLabel (field: string): string {
  if (field.startsWith('milestone:') || field.startsWith('milestones')) return 'Milestones'
  return FIELD_LABELS[field] ?? field
}
