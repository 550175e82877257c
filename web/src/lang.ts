// The languages the web app speaks and how one is picked from the browser's: shared by the room
// (i18n.ts) and the report page (report/texts.ts), which must not bundle the room's catalogs.

export type Lang = 'en' | 'de' | 'es'

export const LANGS: readonly Lang[] = ['en', 'de', 'es']
/** The region a language's figures and dates take when the browser names none for it. */
const DEFAULT_LOCALES: Record<Lang, string> = { en: 'en-US', de: 'de-DE', es: 'es-ES' }

/** The first supported language of a tag list ("de-DE", "fr, es;q=0.8"); English otherwise. */
export function pickLang (tags: readonly string[]): Lang {
  for (const tag of tags) {
    const primary = tag.split(/[-_;]/)[0].trim().toLowerCase()
    if ((LANGS as readonly string[]).includes(primary)) return primary as Lang
  }
  return 'en'
}

/**
 * The Intl locale for a language: the browser's own region when it speaks that language
 * ("de-AT" stays "de-AT" for German), else the language's usual one (en-US, de-DE, es-ES).
 */
export function localeFor (l: Lang, tags: readonly string[]): string {
  for (const tag of tags) {
    const clean = tag.split(';')[0].trim().replace(/_/g, '-')
    const parts = clean.split('-')
    if (parts.length < 2 || parts[0].toLowerCase() !== l) continue
    try {
      const [canonical] = Intl.getCanonicalLocales(clean)
      if (canonical !== undefined) return canonical
    } catch { /* not a well-formed tag: try the next */ }
  }
  return DEFAULT_LOCALES[l]
}
