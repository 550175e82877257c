// The web app's language: message catalogs (English, German, Spanish), the browser's language by
// default, a switch in the header. Plurals go through Intl.PluralRules, figures through format.ts.
//
// A catalog entry is a string with {name} placeholders, or plural forms keyed by
// Intl.PluralRules' categories ({ one: '{n} week', other: '{n} weeks' }) chosen by the `n` param.

import en from './i18n/en'
import de from './i18n/de'
import es from './i18n/es'

export type Lang = 'en' | 'de' | 'es'
export type Entry = string | Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }
export type Catalog = Record<string, Entry>

export const LANGS: readonly Lang[] = ['en', 'de', 'es']
const CATALOGS: Record<Lang, Catalog> = { en, de, es }
const STORAGE_KEY = 'offer-room.lang'

/** The first supported language of a tag list ("de-DE", "fr, es;q=0.8"); English otherwise. */
export function pickLang (tags: readonly string[]): Lang {
  for (const tag of tags) {
    const primary = tag.split(/[-_;]/)[0].trim().toLowerCase()
    if ((LANGS as readonly string[]).includes(primary)) return primary as Lang
  }
  return 'en'
}

function initialLang (): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved !== null && (LANGS as readonly string[]).includes(saved)) return saved as Lang
  } catch { /* storage blocked (a sandboxed frame): the browser's language it is */ }
  const tags = typeof navigator !== 'undefined' ? (navigator.languages ?? [navigator.language]) : []
  return pickLang(tags)
}

let current: Lang = initialLang()
const listeners: Array<(lang: Lang) => void> = []

export function lang (): Lang {
  return current
}

/** Switch language: remembered on this device; listeners re-render their text. */
export function setLang (next: Lang): void {
  if (next === current) return
  current = next
  try { localStorage.setItem(STORAGE_KEY, next) } catch { /* not remembered, still switched */ }
  if (typeof document !== 'undefined') document.documentElement.lang = next
  for (const fn of listeners) fn(next)
}

export function onLangChange (fn: (lang: Lang) => void): void {
  listeners.push(fn)
}

/** The catalog text for `key` in the current language (English, then the key, if missing). */
export function t (key: string, params: Record<string, string | number> = {}): string {
  const entry = CATALOGS[current][key] ?? CATALOGS.en[key]
  if (entry === undefined) return key
  let text: string
  if (typeof entry === 'string') {
    text = entry
  } else {
    const n = typeof params.n === 'number' ? params.n : 0
    const form = new Intl.PluralRules(current).select(n)
    text = entry[form] ?? entry.other
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name]
    if (v === undefined) return whole
    return typeof v === 'number' ? new Intl.NumberFormat(current).format(v) : v
  })
}
