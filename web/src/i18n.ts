// The web app's language: message catalogs (English, German, Spanish), the browser's language by
// default, a switch in the header. Plurals go through Intl.PluralRules, figures through format.ts.
//
// A catalog entry is a string with {name} placeholders, or plural forms keyed by
// Intl.PluralRules' categories ({ one: '{n} week', other: '{n} weeks' }) chosen by the `n` param.

import en from './i18n/en'
import de from './i18n/de'
import es from './i18n/es'

import { type Lang, LANGS, localeFor, pickLang } from './lang'
export { type Lang, LANGS, localeFor, pickLang } from './lang'
export type Entry = string | Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }
export type Catalog = Record<string, Entry>

export type Params = Record<string, string | number>

/** Each language in its own name, for the switch. */
export const LANG_NAMES: Record<Lang, string> = { en: 'English', de: 'Deutsch', es: 'Español' }
// The assistant's strings (assist*.ts) keep catalogs of their own, merged here.
import assistEn from './i18n/assist-en'
import assistDe from './i18n/assist-de'
import assistEs from './i18n/assist-es'
// Attribution, history notes and reasons, and per-field activity (attribution*.ts), likewise.
import attributionEn from './i18n/attribution-en'
import attributionDe from './i18n/attribution-de'
import attributionEs from './i18n/attribution-es'
// Field problems, the Propose checklist and lock notes (validate*.ts), likewise.
import validateEn from './i18n/validate-en'
import validateDe from './i18n/validate-de'
import validateEs from './i18n/validate-es'
// Answering a proposal change by change (decide.ts), its notices and timeline rows, likewise.
import decideEn from './i18n/decide-en'
import decideDe from './i18n/decide-de'
import decideEs from './i18n/decide-es'
// Reason categories and the closing satisfaction question (outcomes.ts), likewise.
import outcomeEn from './i18n/outcome-en'
import outcomeDe from './i18n/outcome-de'
import outcomeEs from './i18n/outcome-es'
export const CATALOGS: Record<Lang, Catalog> = {
  en: { ...en, ...assistEn, ...attributionEn, ...validateEn, ...decideEn, ...outcomeEn },
  de: { ...de, ...assistDe, ...attributionDe, ...validateDe, ...decideDe, ...outcomeDe },
  es: { ...es, ...assistEs, ...attributionEs, ...validateEs, ...decideEs, ...outcomeEs }
}
const STORAGE_KEY = 'offer-room.lang'

/** Add entries to the catalogs (a feature's own catalog files): same keys in every language. */
export function extendCatalogs (extra: Partial<Record<Lang, Catalog>>): void {
  for (const l of LANGS) Object.assign(CATALOGS[l], extra[l] ?? {})
}

function browserTags (): readonly string[] {
  if (typeof navigator === 'undefined') return []
  return navigator.languages ?? (navigator.language ? [navigator.language] : [])
}

function initialLang (): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved !== null && (LANGS as readonly string[]).includes(saved)) return saved as Lang
  } catch { /* storage blocked (a sandboxed frame): the browser's language it is */ }
  return pickLang(browserTags())
}

let current: Lang = initialLang()
let currentLocale = localeFor(current, browserTags())
const listeners: Array<(lang: Lang) => void> = []
if (typeof document !== 'undefined') document.documentElement.lang = current

export function lang (): Lang {
  return current
}

/** The Intl locale of the current language (money, numbers, dates, lists): see localeFor. */
export function locale (): string {
  return currentLocale
}

/** Switch language: remembered on this device; listeners re-render their text. */
export function setLang (next: Lang): void {
  if (next === current) return
  current = next
  currentLocale = localeFor(next, browserTags())
  try { localStorage.setItem(STORAGE_KEY, next) } catch { /* not remembered, still switched */ }
  if (typeof document !== 'undefined') document.documentElement.lang = next
  for (const fn of listeners) fn(next)
}

export function onLangChange (fn: (lang: Lang) => void): void {
  listeners.push(fn)
}

/** Plural rules and number format of the current language (built once per language: renders call t() a lot). */
let cached: { locale: string, plural: Intl.PluralRules, number: Intl.NumberFormat } | null = null
function intl (): NonNullable<typeof cached> {
  if (cached === null || cached.locale !== currentLocale) {
    cached = { locale: currentLocale, plural: new Intl.PluralRules(current), number: new Intl.NumberFormat(currentLocale) }
  }
  return cached
}

/** The catalog text for `key` in the current language (English, then the key, if missing). */
export function t (key: string, params: Params = {}): string {
  const entry = CATALOGS[current][key] ?? CATALOGS.en[key]
  if (entry === undefined) return key
  let text: string
  if (typeof entry === 'string') {
    text = entry
  } else {
    const n = typeof params.n === 'number' ? params.n : 0
    const form = intl().plural.select(n)
    text = entry[form] ?? entry.other
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name]
    if (v === undefined) return whole
    return typeof v === 'number' ? intl().number.format(v) : v
  })
}
