// Links in plain text (message bodies): found by pattern, kept only when they are http or https
// URLs, drawn as text nodes and <a> elements — never through innerHTML, so a body is text whatever
// it contains.

import { t } from './i18n'

export interface TextPart {
  text: string
  /** The address to open, when this part is a link (always http: or https:). */
  href?: string
}

const STRINGS = {
  get newTab () { return ` ${t('links.new_tab')}` }
}

/** "https://…", "http://…" and "www.…", up to whitespace or a character no URL has unescaped. */
const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"\u00a0\u2000-\u200b\u3000]+/gi
/** Punctuation that ends a sentence rather than the address. */
const TRAILING = /[.,;:!?'"‘’“”«»…]+$/
const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' }

/** Trim what follows an address in prose: "(see https://a.example/x)." → "https://a.example/x". */
function trimCandidate (raw: string): string {
  let s = raw
  for (;;) {
    const before = s
    s = s.replace(TRAILING, '')
    const last = s[s.length - 1]
    const open = PAIRS[last]
    if (open !== undefined) {
      const opens = s.split(open).length - 1
      const closes = s.split(last).length - 1
      if (closes > opens) s = s.slice(0, -1)
    }
    if (s === before) return s
  }
}

/** The address a candidate opens, or null when it is not a well-formed http(s) URL. */
export function safeHref (candidate: string): string | null {
  const withScheme = /^www\./i.test(candidate) ? `https://${candidate}` : candidate
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  if (url.hostname === '' || url.username !== '' || url.password !== '') return null
  return url.href
}

/** Split text into plain runs and links, in order; joining every part's text gives the input back. */
export function linkify (text: string): TextPart[] {
  const parts: TextPart[] = []
  let at = 0
  const push = (part: TextPart): void => {
    const prev = parts[parts.length - 1]
    if (part.href === undefined && prev !== undefined && prev.href === undefined) prev.text += part.text
    else if (part.text !== '') parts.push(part)
  }
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index ?? 0
    const candidate = trimCandidate(m[0])
    const href = candidate === '' ? null : safeHref(candidate)
    if (href === null) continue
    push({ text: text.slice(at, start) })
    push({ text: candidate, href })
    at = start + candidate.length
  }
  push({ text: text.slice(at) })
  return parts
}

/** Append `text` to `el` with its links as safe anchors (new tab, no referrer, no opener). */
export function appendText (el: Element, text: string): void {
  for (const part of linkify(text)) {
    if (part.href === undefined) {
      el.append(document.createTextNode(part.text))
      continue
    }
    const a = document.createElement('a')
    a.setAttribute('href', part.href)
    a.setAttribute('rel', 'noopener noreferrer nofollow')
    a.setAttribute('target', '_blank')
    a.setAttribute('class', 'msg-link')
    // The address as it will open (punycode for look-alike hosts), on hover.
    a.setAttribute('title', part.href)
    a.append(document.createTextNode(part.text))
    const note = document.createElement('span')
    note.setAttribute('class', 'sr-only')
    note.append(document.createTextNode(STRINGS.newTab))
    a.append(note)
    el.append(a)
  }
}
