// The outcome report's JSON (GET /api/reports/outcomes): every figure may be null when there is
// too little data to give it.

export interface Rate { count: number, n: number, rate: number | null, low: number | null, high: number | null }
export interface Summary {
  n: number
  mean: number | null
  median: number | null
  low: number | null
  high: number | null
  p25: number | null
  p75: number | null
}
export interface Nps {
  n: number
  promoters: number
  passives: number
  detractors: number
  score: number | null
  low: number | null
  high: number | null
}
export type Role = 'client' | 'freelancer'
export type ReasonGroup = 'withdrawn' | 'declined' | 'rejected'
export const REASON_GROUPS: readonly ReasonGroup[] = ['withdrawn', 'declined', 'rejected']
export const REASONS = ['terms', 'budget', 'timeline', 'scope_unclear', 'no_response', 'hired_someone_else',
  'not_available', 'other', 'unspecified'] as const
export const STATUSES = ['open', 'agreed', 'withdrawn', 'declined', 'expired'] as const

export interface Variant {
  variant: string
  features?: Record<string, boolean>
  offers: number
  status: Partial<Record<typeof STATUSES[number], number>>
  accepted_7d: Rate
  agreed: Rate
  agreed_after_counter: Rate
  time_to_agreement_h: Summary
  time_to_start_d: Summary
  rounds: Summary
  proposals: Record<Role, Summary>
  response_h: Record<Role, Summary>
  reasons: Partial<Record<ReasonGroup, Record<string, number>>>
  expired_turn: { client?: number, freelancer?: number, none?: number }
  nps: { client: Nps, freelancer: Nps, all: Nps }
}

export type Metric = 'accepted_7d' | 'agreed_after_counter' | 'time_to_agreement_h' | 'time_to_start_d' | 'rounds' | 'nps'

export interface Comparison {
  metric: Metric | string
  baseline: string
  variant: string
  difference: number | null
  low: number | null
  high: number | null
  p_value: number | null
  test: string
  significant: boolean | null
}

export interface Report {
  from: string
  to: string
  generated_at: string
  confidence: number
  offers: number
  truncated: boolean
  baseline: string | null
  variants: Variant[]
  comparisons: Comparison[]
}
