// Explanations in the reader's language, and their visible fallback (docs/PROTOCOL.md,
// "Explanations"). proposal.ts keeps the explanation's state and view; these helpers add:
// - an `explain_delta` with `fallback_reason` (and usually no text) drops what streamed so far and
//   leaves a note saying the standard explanation follows; later deltas append as usual;
// - `explain_done.texts` (language -> text) lets a party read it as the other party sees it.

import { h, setHidden, setText } from './dom'
import { t } from './i18n'

export interface AssistExplain {
  /** The language of `text`, the reader's own (`explain_delta.lang`, `explain_done.lang`). */
  lang?: string
  /** The explanation in every language it was delivered in (`explain_done.texts`). */
  texts?: Record<string, string>
  /** Set when the model's streamed answer was dropped mid-stream, and why. */
  streamFallback?: string | null
}

/** The part of an explanation's state these helpers read and write. */
export interface ExplainLike extends AssistExplain {
  text: string
  streamed: string
  done: boolean
  fallback?: string | null
}

type Msg = Record<string, unknown>

function reasonOf (msg: Msg): string | null {
  return typeof msg.fallback_reason === 'string' && msg.fallback_reason !== '' ? msg.fallback_reason : null
}

/** Take one `explain_delta` into a running explanation (`replay` replaces, a fallback clears first). */
export function assistDelta (e: ExplainLike, msg: Msg): void {
  const text = String(msg.text ?? '')
  const reason = reasonOf(msg)
  if (reason !== null) {
    e.streamFallback = reason
    e.streamed = ''
  }
  e.streamed = msg.replay === true ? text : e.streamed + text
  e.text = e.streamed
  if (typeof msg.lang === 'string' && msg.lang !== '') e.lang = msg.lang
}

/** What `explain_done` (or the stored explanation) adds: its language, its texts, and a fallback seen while streaming. */
export function assistDone (msg: Msg, prev?: AssistExplain): AssistExplain {
  const texts: Record<string, string> = {}
  if (msg.texts !== null && typeof msg.texts === 'object') {
    for (const [k, v] of Object.entries(msg.texts as Record<string, unknown>)) if (typeof v === 'string' && v.trim() !== '') texts[k] = v
  }
  return {
    lang: typeof msg.lang === 'string' && msg.lang !== '' ? msg.lang : prev?.lang ?? 'en',
    texts,
    streamFallback: prev?.streamFallback ?? null
  }
}

const KNOWN_REASONS = new Set(['timeout', 'ungrounded', 'error', 'wrong_language'])

/**
 * The note for a fallback: while streaming, the one a fallback delta announced (above the text
 * that follows); once done, `wrong_language`, which proposal.ts's own `fallbackNote` does not
 * know. Null leaves the note to `fallbackNote` (the final state's, as before).
 */
export function assistFallbackNote (e: ExplainLike): string | null {
  const reason = !e.done ? e.streamFallback ?? null : e.fallback === 'wrong_language' ? e.fallback : null
  if (reason === null) return null
  return t(KNOWN_REASONS.has(reason) ? `assist.explain.fallback.${reason}` : 'assist.explain.fallback.other')
}

/** The other languages the explanation can be read in (not the reader's own). */
export function otherLanguages (e: AssistExplain): string[] {
  const own = (e.lang ?? 'en').toLowerCase()
  return Object.keys(e.texts ?? {}).filter((k) => k.toLowerCase() !== own).sort()
}

/** A language's own name, capitalised ("Deutsch", "Español"); the tag when the browser has none. */
export function languageName (tag: string): string {
  try {
    const name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag)
    if (typeof name === 'string' && name !== '') return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1)
  } catch { /* an unusual tag: shown as it is */ }
  return tag
}

/**
 * "As the other party sees it": a row of toggle buttons, one per other language of a finished
 * explanation; the pressed one shows that language's text instead of the reader's.
 */
export class ExplainLanguages {
  readonly el: HTMLElement
  private readonly label = h('span', { class: 'ax-lang-label' })
  private readonly buttons = h('span', { class: 'ax-lang-buttons' })
  private readonly chosen = new Map<string, string>()
  private key = ''
  private last: { e: ExplainLike, id: string, textEl: HTMLElement } | null = null

  constructor () {
    this.label.id = `ax-lang-${Math.random().toString(36).slice(2, 8)}`
    this.el = h('div', { class: 'ax-lang', role: 'group', 'aria-labelledby': this.label.id, hidden: true }, this.label, this.buttons)
  }

  /**
   * Draw the toggle for proposal `id` (placed after `textEl` the first time) and return the text
   * to show: the chosen language's, or the reader's own. A fallback note seen while streaming
   * (`noteEl`) moves above the text it announces ("the standard explanation follows").
   */
  render (e: ExplainLike, id: string, textEl: HTMLElement, noteEl?: HTMLElement): string {
    this.last = { e, id, textEl }
    if (!this.el.isConnected || this.el.previousElementSibling !== textEl) textEl.after(this.el)
    if (noteEl !== undefined) {
      const before = !e.done && e.streamFallback !== null && e.streamFallback !== undefined
      if (before && noteEl.nextElementSibling !== textEl) textEl.before(noteEl)
      else if (!before && noteEl.previousElementSibling !== this.el) this.el.after(noteEl)
    }
    const others = e.done ? otherLanguages(e) : []
    let pick = this.chosen.get(id) ?? null
    if (pick !== null && !others.includes(pick)) pick = null
    setHidden(this.el, others.length === 0)
    setText(this.label, t('assist.explain.asOther'))
    // Rebuilt only when the languages change, so a pressed button keeps the focus.
    const key = JSON.stringify([id, others])
    if (key !== this.key) {
      this.key = key
      this.buttons.replaceChildren(...others.map((lang) => h('button', {
        type: 'button',
        class: 'btn btn-small btn-secondary ax-lang-btn',
        lang,
        'data-lang': lang,
        'aria-pressed': 'false',
        onclick: () => {
          if (this.chosen.get(id) === lang) this.chosen.delete(id)
          else this.chosen.set(id, lang)
          // Redraw at once; the view's next render computes the same.
          const last = this.last
          if (last !== null) setText(last.textEl, this.render(last.e, last.id, last.textEl))
        }
      }, languageName(lang))))
    }
    for (const b of this.buttons.children) {
      const pressed = String((b as HTMLElement).dataset.lang === pick)
      if (b.getAttribute('aria-pressed') !== pressed) b.setAttribute('aria-pressed', pressed)
    }
    const text = pick !== null ? (e.texts ?? {})[pick] ?? e.text : e.text
    if (pick !== null) textEl.setAttribute('lang', pick)
    else textEl.removeAttribute('lang')
    return text
  }
}
