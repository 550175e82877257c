// Types the web app shares. The socket's app messages are generated from the server's schema
// (server/wire.py -> wire.gen.ts, by web/tools/wire_types.py; tests/unit/test_wire_schema.py
// fails when they drift apart): import them from here. docs/PROTOCOL.md describes the protocol.

import type { UserInfo } from './wire.gen'

export type * from './wire.gen'

export type Role = UserInfo['role']

/** A party as the server-only `offer` and `changed_by` roots carry it (no colour). */
export interface PartyRef {
  id: string
  name: string
  role: Role
  color?: string
}

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
