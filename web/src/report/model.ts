// The report's pure parts: figures in words (never "NaN": a missing figure is "—"), the
// comparison sentences, axis scales and ticks, and the stacking of reasons. No DOM here.

import { type Lang, type Params, translator } from './texts'
import { type Comparison, type Nps, type Rate, REASONS, type Report, type Summary, type Variant } from './types'

export const DASH = '—'

export function isNum (x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x)
}

/** The kind of figure a metric is, and which way is better (+1 higher, -1 lower, 0 neither). */
export const METRICS: Record<string, { kind: 'rate' | 'hours' | 'days' | 'count' | 'score', better: 1 | -1 | 0 }> = {
  accepted_7d: { kind: 'rate', better: 1 },
  agreed_after_counter: { kind: 'rate', better: 1 },
  time_to_agreement_h: { kind: 'hours', better: -1 },
  time_to_start_d: { kind: 'days', better: -1 },
  rounds: { kind: 'count', better: 0 },
  nps: { kind: 'score', better: 1 }
}
/** The metrics the headline cards show, in order. */
export const HEADLINE_METRICS = ['accepted_7d', 'time_to_start_d', 'nps'] as const

export type Verdict = 'better' | 'worse' | 'significant' | 'not' | 'nodata'

export class Fmt {
  readonly t: (key: string, params?: Params) => string
  private readonly cache = new Map<string, Intl.NumberFormat>()

  constructor (readonly lang: Lang, readonly locale: string) {
    this.t = translator(lang, locale)
  }

  private nf (key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
    let f = this.cache.get(key)
    if (f === undefined) {
      try {
        f = new Intl.NumberFormat(this.locale, options)
      } catch { // a unit this engine lacks: a plain number
        f = new Intl.NumberFormat(this.locale, { maximumFractionDigits: options.maximumFractionDigits })
      }
      this.cache.set(key, f)
    }
    return f
  }

  /** A plain number (at most `digits` decimals). */
  num (x: number | null | undefined, digits = 1, signed = false): string {
    if (!isNum(x)) return DASH
    return this.nf(`n${digits}${signed ? 's' : ''}`, { maximumFractionDigits: digits, signDisplay: signed ? 'exceptZero' : 'auto' }).format(x)
  }

  /** A count, grouped ("1,000"). */
  count (x: number | null | undefined): string {
    return this.num(x, 0)
  }

  /** A proportion 0..1 as a percent: whole percents, one decimal under 10 %. */
  pct (x: number | null | undefined): string {
    if (!isNum(x)) return DASH
    const digits = Math.abs(x) < 0.1 && x !== 0 ? 1 : 0
    return this.nf(`p${digits}`, { style: 'percent', maximumFractionDigits: digits }).format(x)
  }

  /** A confidence level (0.95 → "95%"). */
  level (c: number | null | undefined): string {
    return this.pct(isNum(c) ? c : 0.95)
  }

  private unit (x: number | null | undefined, unit: 'day' | 'hour', signed: boolean): string {
    if (!isNum(x)) return DASH
    return this.nf(`${unit}${signed ? 's' : ''}`, {
      style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1, signDisplay: signed ? 'exceptZero' : 'auto'
    }).format(x)
  }

  days (x: number | null | undefined, signed = false): string { return this.unit(x, 'day', signed) }
  hours (x: number | null | undefined, signed = false): string { return this.unit(x, 'hour', signed) }

  /** An NPS score, −100..100, signed ("+32"). */
  score (x: number | null | undefined): string {
    return this.num(x, 0, true)
  }

  /** A metric's own value (a variant's rate, median or score). */
  value (metric: string, x: number | null | undefined): string {
    switch (METRICS[metric]?.kind) {
      case 'rate': return this.pct(x)
      case 'hours': return this.hours(x)
      case 'days': return this.days(x)
      case 'score': return this.score(x)
      default: return this.num(x)
    }
  }

  /** A difference between variants, with its unit: "+10 pts", "−2 days", "+12 points". */
  diff (metric: string, x: number | null | undefined): string {
    if (!isNum(x)) return DASH
    switch (METRICS[metric]?.kind) {
      case 'rate': return this.t('unit.pts', { n: this.num(x * 100, 1, true) })
      case 'hours': return this.hours(x, true)
      case 'days': return this.days(x, true)
      case 'score': return this.t('unit.points', { n: this.num(x, 1, true) })
      default: return this.num(x, 1, true)
    }
  }

  /** An interval bound of a difference, without its unit ("+4", "−1.5"). */
  bound (metric: string, x: number | null | undefined): string {
    if (!isNum(x)) return DASH
    return this.num(METRICS[metric]?.kind === 'rate' ? x * 100 : x, 1, true)
  }

  /** "p = 0.012", "p < 0.001". */
  p (x: number | null | undefined): string {
    if (!isNum(x)) return this.t('sentence.p', { p: DASH })
    if (x < 0.001) return this.t('sentence.p_below', { p: this.num(0.001, 3) })
    return this.t('sentence.p', { p: this.nf('psig', { maximumSignificantDigits: 2 }).format(x) })
  }

  /** A calendar date of the report's range ("2026-09-03" or a full ISO time) in the reader's words. */
  date (iso: string | null | undefined): string {
    const d = parseDay(iso)
    if (d === null) return DASH
    return this.dtf('d', { dateStyle: 'medium', timeZone: 'UTC' }).format(d)
  }

  /** A moment (generated_at) in the reader's locale and time zone. */
  time (iso: string | null | undefined): string {
    const d = iso ? new Date(iso) : null
    if (d === null || Number.isNaN(d.getTime())) return DASH
    return this.dtf('t', { dateStyle: 'medium', timeStyle: 'short' }).format(d)
  }

  private readonly dates = new Map<string, Intl.DateTimeFormat>()
  private dtf (key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
    let f = this.dates.get(key)
    if (f === undefined) {
      f = new Intl.DateTimeFormat(this.locale, options)
      this.dates.set(key, f)
    }
    return f
  }
}

/** The calendar day of an ISO date or time, as a UTC midnight Date; null when unreadable. */
export function parseDay (iso: string | null | undefined): Date | null {
  const m = typeof iso === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(iso) : null
  if (m === null) return null
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return Number.isNaN(d.getTime()) ? null : d
}

/**
 * The last day of a range whose `to` is an exclusive end: the server answers a date "to" as the
 * next midnight (UTC), which is the day before in words; any other moment is its own day.
 */
export function lastDay (iso: string | null | undefined): string | null {
  if (typeof iso !== 'string') return null
  const d = new Date(iso)
  if (Number.isNaN(d.getTime()) || !/T/.test(iso)) return iso
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0) {
    d.setUTCDate(d.getUTCDate() - 1)
  }
  return d.toISOString()
}

/** "YYYY-MM-DD" of a local date (for <input type="date">). */
export function isoDay (d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** The default range: the 90 days up to and including `today`. */
export function defaultRange (today: Date): { from: string, to: string } {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 90)
  return { from: isoDay(from), to: isoDay(today) }
}

// --- what a variant's metric is, and how two variants compare ----------------------------------

/** A variant's figure for a metric (rate, median or score), or null. */
export function metricValue (v: Variant | undefined, metric: string): number | null {
  if (v === undefined) return null
  let x: unknown
  switch (metric) {
    case 'accepted_7d': x = v.accepted_7d?.rate; break
    case 'agreed_after_counter': x = v.agreed_after_counter?.rate; break
    case 'time_to_agreement_h': x = v.time_to_agreement_h?.median; break
    case 'time_to_start_d': x = v.time_to_start_d?.median; break
    case 'rounds': x = v.rounds?.median; break
    case 'nps': x = v.nps?.all?.score; break
  }
  return isNum(x) ? x : null
}

/** Significant, and which way: better or worse for the metric (see METRICS.better). */
export function verdict (c: Comparison | undefined): Verdict {
  if (c === undefined || !isNum(c.difference) || typeof c.significant !== 'boolean') return 'nodata'
  if (!c.significant) return 'not'
  const better = METRICS[c.metric]?.better ?? 0
  if (better === 0 || c.difference === 0) return 'significant'
  return Math.sign(c.difference) === better ? 'better' : 'worse'
}

export interface Sentence {
  /** "50% vs 40%" */
  values: string
  /** "+10 pts, 95% CI +4 to +16, p = 0.001", or "not enough data" */
  detail: string
  /** The whole: "Accepted within 7 days: 50% vs 40% (+10 pts, 95% CI +4 to +16, p = 0.001)" */
  full: string
  verdict: Verdict
}

/** How `variant` compares with `baseline` on `metric`, in words. */
export function compareSentence (f: Fmt, report: Report, metric: string, variant: string): Sentence {
  const baseline = report.baseline ?? ''
  const byName = (name: string): Variant | undefined => report.variants.find((v) => v.variant === name)
  const c = report.comparisons.find((x) => x.metric === metric && x.variant === variant && x.baseline === baseline)
  const values = f.t('headlines.vs', {
    a: f.value(metric, metricValue(byName(variant), metric)),
    b: f.value(metric, metricValue(byName(baseline), metric))
  })
  const v = verdict(c)
  const detail = c === undefined || !isNum(c.difference)
    ? f.t('nodata')
    : f.t('sentence.detail', {
      diff: f.diff(metric, c.difference),
      ci: isNum(c.low) && isNum(c.high)
        ? f.t('sentence.ci', { level: f.level(report.confidence), low: f.bound(metric, c.low), high: f.bound(metric, c.high) })
        : f.t('sentence.ci', { level: f.level(report.confidence), low: DASH, high: DASH }),
      p: f.p(c.p_value)
    })
  const full = f.t('sentence.full', { metric: f.t(`metric.${metric}`), values, detail })
  return { values, detail, full, verdict: v }
}

// --- scales -----------------------------------------------------------------------------------

/** A "nice" step (1, 2, 2.5, 5 × 10^k) giving about `count` ticks over `span`. */
export function niceStep (span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1
  const raw = span / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10
  return nice * mag
}

/** Ticks from lo to hi (both rounded outwards to the step): the axis' domain is [first, last]. */
export function ticks (lo: number, hi: number, count = 5): number[] {
  if (!isNum(lo) || !isNum(hi)) return [0, 1]
  if (hi < lo) [lo, hi] = [hi, lo]
  if (hi === lo) hi = lo + 1
  const step = niceStep(hi - lo, count)
  const start = Math.floor(lo / step + 1e-9) * step
  const end = Math.ceil(hi / step - 1e-9) * step
  const out: number[] = []
  for (let x = start, i = 0; x <= end + step / 2 && i < 50; x += step, i++) out.push(Number(x.toPrecision(12)))
  return out
}

export interface Scale {
  (x: number): number
  domain: [number, number]
  range: [number, number]
}

/** A linear map from the domain to the range, clamped to the range. */
export function linear (domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain
  const [r0, r1] = range
  const span = d1 - d0 || 1
  const fn = ((x: number): number => {
    const y = r0 + (x - d0) / span * (r1 - r0)
    const lo = Math.min(r0, r1); const hi = Math.max(r0, r1)
    return Math.min(hi, Math.max(lo, y))
  }) as Scale
  fn.domain = domain
  fn.range = range
  return fn
}

/** The largest finite number among `xs`, or `fallback`. */
export function maxOf (xs: ReadonlyArray<number | null | undefined>, fallback = 0): number {
  let m = -Infinity
  for (const x of xs) if (isNum(x) && x > m) m = x
  return m === -Infinity ? fallback : m
}

// --- reasons ----------------------------------------------------------------------------------

export interface Segment { reason: string, count: number, share: number, start: number, end: number }
export interface Stack { total: number, segments: Segment[] }

/**
 * One variant's reasons for one ending, stacked: known reasons in their fixed order (so colours
 * and the legend line up across bars), unknown ones after them alphabetically; zero and invalid
 * counts left out. start/end are cumulative shares 0..1.
 */
export function stackReasons (counts: Record<string, number> | null | undefined): Stack {
  const known = REASONS as readonly string[]
  const entries = Object.entries(counts ?? {}).filter(([, n]) => isNum(n) && n > 0)
  entries.sort(([a], [b]) => {
    const ia = known.indexOf(a); const ib = known.indexOf(b)
    if (ia !== -1 || ib !== -1) return (ia === -1 ? known.length : ia) - (ib === -1 ? known.length : ib)
    return a < b ? -1 : a > b ? 1 : 0
  })
  const total = entries.reduce((s, [, n]) => s + n, 0)
  let at = 0
  const segments = entries.map(([reason, count]) => {
    const share = count / total
    const seg = { reason, count, share, start: at, end: at + share }
    at += share
    return seg
  })
  if (segments.length > 0) segments[segments.length - 1].end = 1
  return { total, segments }
}

/** Every reason any variant gives, in stacking order (for the legend). */
export function reasonsPresent (variants: readonly Variant[]): string[] {
  const all: Record<string, number> = {}
  for (const v of variants) {
    for (const group of Object.values(v.reasons ?? {})) {
      for (const [k, n] of Object.entries(group ?? {})) if (isNum(n) && n > 0) all[k] = 1
    }
  }
  return stackReasons(all).segments.map((s) => s.reason)
}

// --- small readers ----------------------------------------------------------------------------

export function rateOf (r: Rate | undefined | null): Rate {
  return r ?? { count: 0, n: 0, rate: null, low: null, high: null }
}
export function summaryOf (s: Summary | undefined | null): Summary {
  return s ?? { n: 0, mean: null, median: null, low: null, high: null, p25: null, p75: null }
}
export function npsOf (s: Nps | undefined | null): Nps {
  return s ?? { n: 0, promoters: 0, passives: 0, detractors: 0, score: null, low: null, high: null }
}
