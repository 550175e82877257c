// What the offer's experiment variant switches on (hello `variant` and `features`, server/experiments.py):
// a feature that is off is hidden, and nothing waits for what it would have sent.

import type { Features } from './wire.gen'

export type FeatureName = 'explanations' | 'offer_check' | 'middle_ground' | 'reminders'

let current: Features | null = null
let variant: string | null = null

/** Take hello's `features` (null or absent: everything on) and `variant`. */
export function setFeatures (features: Features | null | undefined, name: string | null = null): void {
  current = features ?? null
  variant = name
}

/** The feature is on for this offer (unknown or absent: on). */
export function featureOn (name: FeatureName): boolean {
  return current?.[name] !== false
}

/** The offer's variant, for debugging and the embedder (null: none named). */
export function currentVariant (): string | null {
  return variant
}

/** "Suggest a middle ground" shows: the positions differ, the offer is open, and the variant has it. */
export function middleGroundShown (differ: boolean, open: boolean): boolean {
  return differ && open && featureOn('middle_ground')
}
