// Bindings between one form control and one value in the doc. Text commits on input; numbers,
// money and dates commit on change (blur or Enter) so a half-typed amount never reaches the peer.
// A control the user is typing into is "dirty" and is not overwritten by remote renders.

import type { Parsed } from './format'

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement

export interface Binding {
  control: Control
  /** Show `value` unless the user is mid-edit. */
  render: (value: unknown) => void
}

/** Say what is wrong with the entry (null: nothing); `restored`: the field shows the doc's value
 *  again, so the message is news about the entry not taken, not an error of what is shown. */
type Report = (error: string | null, restored?: boolean) => void

function isFocused (el: Element): boolean {
  return document.activeElement === el
}

/** Set an input's value keeping the caret where it was (clamped). */
function setValueKeepCaret (input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  if (input.value === value) return
  if (!isFocused(input) || input.type === 'date') {
    input.value = value
    return
  }
  const start = input.selectionStart ?? value.length
  const end = input.selectionEnd ?? value.length
  input.value = value
  try {
    input.setSelectionRange(Math.min(start, value.length), Math.min(end, value.length))
  } catch { /* inputs without selection */ }
}

export function textBinding (input: HTMLInputElement, commit: (v: string) => void): Binding {
  input.addEventListener('input', () => commit(input.value))
  return {
    control: input,
    render: (value) => setValueKeepCaret(input, typeof value === 'string' ? value : '')
  }
}

/** Options of a parsed binding: a bound the value must keep, and live commits while typing. */
export interface ParsedOptions<T> {
  /** Why `v` cannot be committed (e.g. over the largest amount), in the reader's words; null: fine. */
  check?: (v: T) => string | null
  /** Commit what parses this many ms after typing stops, without reformatting what is typed. */
  liveMs?: number
}

/**
 * A text input holding a parsed value (money, hours). Commits on change (and, with `liveMs`,
 * while typing); an unparsable entry is reported and, when the user leaves the field, replaced
 * by the doc's value again, its message cleared with it.
 */
export function parsedBinding<T> (
  input: HTMLInputElement,
  parseText: (text: string) => Parsed<T>,
  format: (value: unknown) => string,
  commit: (v: T) => void,
  report: Report,
  options: ParsedOptions<T> = {}
): Binding {
  const parse = (text: string): Parsed<T> => {
    const parsed = parseText(text)
    if (!parsed.ok || options.check === undefined) return parsed
    const error = options.check(parsed.value)
    return error === null ? parsed : { ok: false, error }
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Why the last entry was not taken (until it is, or the field shows the doc's value). */
  let refused: string | null = null
  const stopLive = (): void => { if (timer !== undefined) clearTimeout(timer); timer = undefined }
  if (options.liveMs !== undefined) {
    const ms = options.liveMs
    input.addEventListener('input', () => {
      stopLive()
      timer = setTimeout(() => {
        timer = undefined
        if (!dirty || !isFocused(input)) return
        const parsed = parse(input.value)
        if (!parsed.ok) return // said on change: half-typed text is no error yet
        input.removeAttribute('aria-invalid')
        refused = null
        report(null)
        // The text stays as typed (still dirty); the doc, and the other party, have the value.
        if (parsed.value !== last) commit(parsed.value)
      }, ms)
    })
  }
  let dirty = false
  let last: unknown = null
  // data-dirty: typed but not committed, so Ctrl+Z undoes the typing itself (undo.ts).
  const setDirty = (on: boolean): void => { dirty = on; if (on) input.dataset.dirty = 'true'; else delete input.dataset.dirty }
  input.addEventListener('input', () => { setDirty(true) })
  input.addEventListener('change', () => {
    stopLive()
    const parsed = parse(input.value)
    if (!parsed.ok) {
      input.setAttribute('aria-invalid', 'true')
      refused = parsed.error
      report(parsed.error)
      return
    }
    refused = null
    setDirty(false)
    input.removeAttribute('aria-invalid')
    report(null)
    commit(parsed.value)
    input.value = format(parsed.value)
  })
  input.addEventListener('blur', () => {
    stopLive()
    if (!dirty) return
    setDirty(false)
    input.removeAttribute('aria-invalid')
    input.value = format(last)
    // The field shows the doc's value again: no longer an error (no red), but still news.
    report(refused, refused !== null)
    refused = null
  })
  return {
    control: input,
    render: (value) => {
      last = value
      if (dirty && isFocused(input)) return
      setDirty(false)
      const text = format(value)
      if (input.value !== text) input.value = text
    }
  }
}

export function dateBinding (input: HTMLInputElement, commit: (v: string | null) => void): Binding {
  input.addEventListener('change', () => commit(input.value === '' ? null : input.value))
  return {
    control: input,
    render: (value) => {
      const text = typeof value === 'string' ? value : ''
      if (input.value !== text) input.value = text
    }
  }
}

export function selectBinding (select: HTMLSelectElement, commit: (v: string) => void): Binding {
  select.addEventListener('change', () => commit(select.value))
  return {
    control: select,
    render: (value) => {
      const text = typeof value === 'string' ? value : ''
      if (select.value !== text) select.value = text
    }
  }
}

export function checkboxBinding (input: HTMLInputElement, commit: (v: boolean) => void): Binding {
  input.addEventListener('change', () => commit(input.checked))
  return {
    control: input,
    render: (value) => {
      const on = value === true
      if (input.checked !== on) input.checked = on
    }
  }
}
