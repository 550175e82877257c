// Who changed a field since the agreed version (the server-only `changed_by` root, docs/PROTOCOL.md,
// "The document"): everyone, in the order they first did, named in the reader's language.

import { locale, t } from './i18n'
import type { PartyRef } from './types'

export function firstName (name: string): string {
  return name.trim().split(/\s+/)[0] ?? name
}

/** "Ada", "Ada and Linus", "you and Linus": a list in the reader's language. */
export function joinNames (names: string[]): string {
  if (names.length <= 1) return names[0] ?? ''
  try {
    return new Intl.ListFormat(locale(), { style: 'long', type: 'conjunction' }).format(names)
  } catch {
    return names.join(', ')
  }
}

/** The chip's words: "Changed by you", "Changed by Ada", "Changed by Ada and you". */
export function changedByText (changers: PartyRef[], me: string | null, short: boolean): string {
  if (changers.length === 0) return t('highlight.changed')
  if (changers.length === 1 && changers[0].id === me) return t('highlight.changed_by_you')
  const names = changers.map((p) => p.id === me ? t('attribution.you') : short ? firstName(p.name) : p.name)
  return t('highlight.changed_by', { name: joinNames(names) })
}

/** Everyone named for `field` in a proposal root's `changed_by` (either shape), in order. */
export function proposalChangers (raw: unknown, field: string): PartyRef[] {
  const entry = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[field] : undefined
  const list: unknown[] = Array.isArray(entry) ? entry : [entry]
  return list.filter((p): p is PartyRef => p !== null && typeof p === 'object' && typeof (p as { id?: unknown }).id === 'string')
}

/** "Changed by Ada and you", each with a dot in their colour (null: nobody named). */
export function changersLine (changers: PartyRef[], me: string | null): HTMLElement | null {
  if (changers.length === 0) return null
  const el = document.createElement('span')
  el.className = 'chg-by'
  for (const p of changers) {
    const dot = document.createElement('span')
    dot.className = 'chg-dot'
    dot.setAttribute('aria-hidden', 'true')
    if (typeof p.color === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(p.color)) dot.style.setProperty('--c', p.color)
    el.append(dot)
  }
  el.append(changedByText(changers, me, false))
  return el
}
