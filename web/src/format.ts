// Locale-aware formatting and parsing (Intl), in the locale of the language the page is read in
// (i18n.ts: the browser's region when it speaks that language, else the language's usual one).

import { locale as uiLocale, onLangChange, t } from './i18n'

/** The current Intl locale ("en-US", "de-AT"); follows the language switch. */
export let locale: string = uiLocale()
onLangChange(() => { locale = uiLocale() })

const digitsCache = new Map<string, number>()

/** Number of minor-unit digits of a currency: 2 for USD, 0 for JPY, 3 for KWD. */
export function currencyDigits (currency: string): number {
  let d = digitsCache.get(currency)
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat(locale, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
    } catch {
      d = 2
    }
    digitsCache.set(currency, d)
  }
  return d
}

export function formatMoney (minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined || !Number.isFinite(minor)) return '—'
  const d = currencyDigits(currency)
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** d)
  } catch {
    return `${(minor / 10 ** d).toFixed(d)} ${currency}`
  }
}

/** The amount as a plain locale number with the currency's digits, for an input ("1,234.50"). */
export function formatAmountInput (minor: number | null | undefined, currency: string, loc = locale): string {
  if (minor === null || minor === undefined || !Number.isFinite(minor)) return ''
  const d = currencyDigits(currency)
  return new Intl.NumberFormat(loc, { minimumFractionDigits: d, maximumFractionDigits: d }).format(minor / 10 ** d)
}

export function currencySymbol (currency: string): string {
  try {
    const parts = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(1)
    return parts.find((p) => p.type === 'currency')?.value ?? currency
  } catch {
    return currency
  }
}

function separators (loc: string): { group: string, decimal: string } {
  const parts = new Intl.NumberFormat(loc).formatToParts(12345.6)
  return {
    group: parts.find((p) => p.type === 'group')?.value ?? ',',
    decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.'
  }
}

export type Parsed<T> = { ok: true, value: T } | { ok: false, error: string }

/**
 * Parse a money amount typed in the viewer's locale into integer minor units.
 * Empty input means "no value" (null). Accepts an optional currency symbol, grouping and, when a
 * locale's group separator is clearly used as a decimal point ("45.5" in de-DE), that too.
 */
export function parseMoney (text: string, currency: string, loc = locale): Parsed<number | null> {
  const d = currencyDigits(currency)
  const example = formatAmountInput(123450 * 10 ** Math.max(0, d - 2), currency, loc)
  const error = t('parse.amount', { example })
  let s = text.replace(/[\s\u00a0\u202f]/g, '')
  const sym = currencySymbol(currency)
  s = s.split(sym).join('').split(currency).join('').replace(/^[$€£¥₹]/, '')
  if (s === '') return { ok: true, value: null }
  const { group, decimal } = separators(loc)
  const groupChars = group.trim() === '' ? ['\u00a0', '\u202f', ' '] : [group]
  const isGroup = (c: string): boolean => groupChars.includes(c) || (group === '\u2019' && c === "'")
  let intPart = s
  let fracPart = ''
  const decAt = s.lastIndexOf(decimal)
  if (decAt >= 0) {
    intPart = s.slice(0, decAt)
    fracPart = s.slice(decAt + decimal.length)
  } else {
    // No decimal separator: a single group separator not followed by exactly 3 digits is a decimal point.
    const seps = [...s].filter(isGroup)
    const lastSep = Math.max(...groupChars.map((g) => s.lastIndexOf(g)))
    if (seps.length === 1 && lastSep >= 0 && s.length - lastSep - 1 !== 3) {
      intPart = s.slice(0, lastSep)
      fracPart = s.slice(lastSep + 1)
    }
  }
  // Grouping must sit between digits in groups of three (India's 2-digit groups are allowed too).
  const groups = [...intPart].reduce<string[]>((acc, c) => {
    if (isGroup(c)) acc.push('')
    else acc[acc.length - 1] += c
    return acc
  }, [''])
  if (groups.length > 1) {
    const [first, ...rest] = groups
    const okGroups = first.length >= 1 && first.length <= 3 &&
      rest.every((g, i) => g.length === 3 || (g.length === 2 && i < rest.length - 1))
    if (!okGroups) return { ok: false, error }
  }
  const intDigits = groups.join('')
  if (!/^\d*$/.test(intDigits) || !/^\d*$/.test(fracPart) || (intDigits === '' && fracPart === '')) {
    return { ok: false, error }
  }
  if (fracPart.length > d) {
    return { ok: false, error: d === 0 ? t('parse.whole_amount', { currency }) : t('parse.decimals', { n: d }) }
  }
  const minor = Number(intDigits || '0') * 10 ** d + Number((fracPart + '0'.repeat(d)).slice(0, d) || '0')
  if (!Number.isSafeInteger(minor)) return { ok: false, error: t('parse.too_large') }
  return { ok: true, value: minor }
}

/** Whole hours per week; empty means no limit (null). */
export function parseHours (text: string, min = 1, max = 168): Parsed<number | null> {
  const s = text.trim()
  if (s === '') return { ok: true, value: null }
  if (!/^\d+$/.test(s)) return { ok: false, error: t('parse.hours', { min, max }) }
  const n = Number(s)
  if (n < min || n > max) return { ok: false, error: t('parse.hours', { min, max }) }
  return { ok: true, value: n }
}

export function formatInteger (n: number): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n)
}

function isoToUtc (iso: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso)
  if (m === null) return null
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
}

/** A calendar date ("YYYY-MM-DD"), formatted without shifting across time zones. */
export function formatDate (iso: string | null | undefined, style: 'medium' | 'long' = 'medium'): string {
  if (!iso) return '—'
  const d = isoToUtc(iso)
  if (d === null) return iso
  return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' }).format(d)
}

/** An instant (ISO 8601 with time), formatted in the viewer's time zone. */
export function formatDateTime (iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d)
}

/** "in 3 days", "in 5 hours", "2 days ago". */
export function relativeTime (iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return ''
  const t = new Date(iso).getTime()
  if (Number.isNaN(t)) return ''
  const diff = t - now
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  const abs = Math.abs(diff)
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000]
  ]
  for (const [unit, ms] of units) {
    if (abs >= ms || unit === 'minute') return rtf.format(Math.round(diff / ms), unit)
  }
  return ''
}

/** Whole days from start to end (end minus start: a shift, not a duration), or null. */
export function daysBetween (start: string | null, end: string | null): number | null {
  if (!start || !end) return null
  const a = isoToUtc(start)
  const b = isoToUtc(end)
  if (a === null || b === null) return null
  return Math.round((b.getTime() - a.getTime()) / 86_400_000)
}

export interface Duration {
  /** Calendar days, both ends included: end - start + 1. */
  days: number
  /** Whole weeks, rounded up: ceil(days / 7). */
  weeks: number
  /** How it reads: days under 14 days, weeks from 14 days on. */
  unit: 'day' | 'week'
  count: number
}

/**
 * The term from start to end by the one rule the server uses too (server/explain/facts.py):
 * days = (end - start) + 1, both dates included; weeks = ceil(days / 7); shown as days under
 * 14 days and as weeks from there (1 Dec - 25 Jan: 56 days, 8 weeks; to 26 Jan: 57 days, 9 weeks).
 * Null when a date is missing or the end is before the start.
 */
export function termDuration (start: string | null, end: string | null): Duration | null {
  const diff = daysBetween(start, end)
  if (diff === null || diff < 0) return null
  const days = diff + 1
  const weeks = Math.ceil(days / 7)
  return days < 14 ? { days, weeks, unit: 'day', count: days } : { days, weeks, unit: 'week', count: weeks }
}

/** "8 weeks", "3 days" in the current language (see termDuration). */
export function formatDuration (d: Duration): string {
  return t(d.unit === 'day' ? 'unit.days' : 'unit.weeks', { n: d.count })
}

/** "A, B and C" in the current language. */
export function formatList (items: string[], type: 'conjunction' | 'disjunction' = 'conjunction'): string {
  return new Intl.ListFormat(locale, { style: 'long', type }).format(items)
}

export function initials (name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  if (words.length === 0) return '?'
  const first = [...words[0]][0] ?? ''
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? '') : ''
  return (first + last).toUpperCase()
}

/** English only: for new text use a plural catalog entry, t(key, { n }). */
export function plural (n: number, one: string, many: string): string {
  return `${formatInteger(n)} ${n === 1 ? one : many}`
}

/** A signed money difference: "+$10.00", "−$5.00". */
export function formatMoneyDelta (minor: number, currency: string): string {
  const d = currencyDigits(currency)
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, signDisplay: 'exceptZero' }).format(minor / 10 ** d)
  } catch {
    return `${minor >= 0 ? '+' : '-'}${formatMoney(Math.abs(minor), currency)}`
  }
}

/** A signed percentage of change: "+22.2%". */
export function formatPercentDelta (ratio: number): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(ratio)
}

export interface MessageTime {
  /** "now", "5 min. ago", "2 hr. ago", then "Dec 1, 9:05 AM" (the year when it is not this one). */
  text: string
  /** The full date and time, for a tooltip. */
  title: string
}

/**
 * When a message was written, in the viewer's locale and time zone: relative while recent
 * (under 6 hours), the date and time after that. `timeZone` is for tests.
 */
export function messageTime (iso: string, now = Date.now(), loc = locale, timeZone?: string): MessageTime {
  const t = new Date(iso).getTime()
  if (Number.isNaN(t)) return { text: iso, title: iso }
  const title = new Intl.DateTimeFormat(loc, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(t)
  const diff = Math.max(0, now - t) // a clock a little ahead of ours is still "now"
  const rtf = new Intl.RelativeTimeFormat(loc, { numeric: 'auto', style: 'short' })
  if (diff < 45_000) return { text: rtf.format(0, 'second'), title }
  if (diff < 3_600_000) return { text: rtf.format(-Math.max(1, Math.round(diff / 60_000)), 'minute'), title }
  if (diff < 6 * 3_600_000) return { text: rtf.format(-Math.floor(diff / 3_600_000), 'hour'), title }
  const year = (ms: number): string => new Intl.DateTimeFormat('en', { year: 'numeric', timeZone }).format(ms)
  const text = new Intl.DateTimeFormat(loc, {
    month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, ...(year(t) === year(now) ? {} : { year: 'numeric' })
  }).format(t)
  return { text, title }
}
