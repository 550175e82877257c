// Types the web app shares. The socket's app messages are generated from the server's schema
// (server/wire.py -> wire.gen.ts, by web/tools/wire_types.py; tests/unit/test_wire_schema.py
// fails when they drift apart): import them from here. docs/PROTOCOL.md describes the protocol.

import { t } from './i18n'
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

const LABELLED = [...SCALAR_FIELDS, 'description', 'milestones'] as const

/** Human names of fields, used in notices and messages, in the current language (catalog "field.*"). */
export const FIELD_LABELS: Record<string, string> = {}
for (const key of LABELLED) Object.defineProperty(FIELD_LABELS, key, { get: () => t(`field.${key}`), enumerable: true })

export function fieldLabel (field: string): string {
  if (field.startsWith('milestone:') || field.startsWith('milestones')) return t('field.milestones')
  return FIELD_LABELS[field] ?? field
}
