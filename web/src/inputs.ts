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

type Report = (error: string | null) => void

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

/**
 * A text input holding a parsed value (money, hours). Commits on change; an unparsable entry is
 * reported and, when the user leaves the field, replaced by the doc's value again.
 */
export function parsedBinding<T> (
  input: HTMLInputElement,
  parse: (text: string) => Parsed<T>,
  format: (value: unknown) => string,
  commit: (v: T) => void,
  report: Report
): Binding {
  let dirty = false
  let last: unknown = null
  input.addEventListener('input', () => { dirty = true })
  input.addEventListener('change', () => {
    const parsed = parse(input.value)
    if (!parsed.ok) {
      input.setAttribute('aria-invalid', 'true')
      report(parsed.error)
      return
    }
    dirty = false
    input.removeAttribute('aria-invalid')
    report(null)
    commit(parsed.value)
    input.value = format(parsed.value)
  })
  input.addEventListener('blur', () => {
    if (!dirty) return
    dirty = false
    input.removeAttribute('aria-invalid')
    input.value = format(last)
  })
  return {
    control: input,
    render: (value) => {
      last = value
      if (dirty && isFocused(input)) return
      dirty = false
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
