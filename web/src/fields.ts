// Field views: every lockable control sits in a wrapper that knows its lock field name. Locks,
// focus rings, rejections and validation messages all find a field here by that name.

import { h, setHidden, setText, toggleClass, tr } from './dom'

export interface FieldView {
  /** The lock field name: a terms key, "description", or "milestone:<id>". */
  name: string
  wrapper: HTMLElement
  /** Everything to disable while someone else holds the field or the room is read-only. */
  controls: () => Array<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | HTMLButtonElement>
  lockNote: HTMLElement
  lockText: HTMLElement
  releaseButton: HTMLButtonElement
  message: HTMLElement
  focusTag: HTMLElement
  messageTimer?: ReturnType<typeof setTimeout>
  /** What the draft breaks at this field now (validate.ts), shown while no short message is. */
  problem?: string | null
}

/** The pieces every field wrapper carries besides its control(s). */
export function fieldChrome (): Pick<FieldView, 'lockNote' | 'lockText' | 'releaseButton' | 'message' | 'focusTag'> {
  const lockText = h('span', { class: 'lock-text' })
  const releaseButton = h('button', { type: 'button', class: 'btn btn-link' }, tr('locks.request_release'))
  const lockNote = h('div', { class: 'lock-note', hidden: true },
    h('span', { class: 'lock-icon', 'aria-hidden': 'true' }), lockText, releaseButton)
  const message = h('div', { class: 'field-msg', role: 'status', 'aria-live': 'polite' })
  const focusTag = h('span', { class: 'focus-tag', hidden: true, 'aria-hidden': 'true' })
  return { lockNote, lockText, releaseButton, message, focusTag }
}

type FocusListener = (field: string | null, previous: string | null) => void

export class FieldRegistry {
  private readonly views = new Map<string, FieldView>()
  /** The lock field the keyboard focus is in, if any. */
  current: string | null = null
  private readonly listeners: FocusListener[] = []

  constructor (root: HTMLElement) {
    root.addEventListener('focusin', (e) => this.moveTo(fieldOf(e.target)))
    root.addEventListener('focusout', (e) => {
      const next = fieldOf((e as FocusEvent).relatedTarget)
      if (next !== this.current) this.moveTo(next)
    })
  }

  register (view: FieldView): void {
    view.wrapper.dataset.lockField = view.name
    this.views.set(view.name, view)
  }

  unregister (name: string): void {
    this.views.delete(name)
    if (this.current === name) this.moveTo(null)
  }

  get (name: string): FieldView | undefined {
    return this.views.get(name)
  }

  all (): FieldView[] {
    return [...this.views.values()]
  }

  onFocusChange (fn: FocusListener): void {
    this.listeners.push(fn)
  }

  /** Leave the current field (e.g. it was just disabled under the cursor). */
  leave (): void {
    this.moveTo(null)
  }

  private moveTo (field: string | null): void {
    if (field === this.current) return
    const previous = this.current
    this.current = field
    for (const fn of this.listeners) fn(field, previous)
  }

  /** Show a short message under a field (a rejection, a parse error); it clears itself. */
  showMessage (name: string, text: string, kind: 'error' | 'info' = 'error', ms = 6000): boolean {
    const view = this.views.get(name)
    if (view === undefined) return false
    setText(view.message, text)
    view.message.dataset.kind = kind
    toggleClass(view.wrapper, 'has-msg', true)
    if (view.messageTimer !== undefined) clearTimeout(view.messageTimer)
    view.messageTimer = setTimeout(() => this.clearMessage(name), ms)
    return true
  }

  /** The short message goes; the field's problem, if it has one, shows again. */
  clearMessage (name: string): void {
    const view = this.views.get(name)
    if (view === undefined) return
    if (view.messageTimer !== undefined) clearTimeout(view.messageTimer)
    view.messageTimer = undefined
    this.drawProblem(view)
  }

  /**
   * What the draft breaks at this field (null: nothing). It stays while it is true and goes the
   * moment the value is valid again; a short message shows over it meanwhile.
   */
  setProblem (name: string, text: string | null): void {
    const view = this.views.get(name)
    if (view === undefined || (view.problem ?? null) === text) return
    view.problem = text
    if (view.messageTimer === undefined) this.drawProblem(view)
  }

  private drawProblem (view: FieldView): void {
    const text = view.problem ?? null
    setText(view.message, text ?? '')
    if (text !== null) view.message.dataset.kind = 'error'
    toggleClass(view.wrapper, 'has-msg', text !== null)
    toggleClass(view.wrapper, 'has-problem', text !== null)
    for (const c of view.controls()) {
      if (c instanceof HTMLButtonElement) continue
      if (text !== null) c.setAttribute('aria-invalid', 'true')
      else c.removeAttribute('aria-invalid')
    }
  }
}

function fieldOf (target: EventTarget | null): string | null {
  if (!(target instanceof Element)) return null
  // Controls that only sit in a field (its question marker) do not enter it: no lock, no focus ring.
  if (target.closest('[data-lock-ignore]') !== null) return null
  const el = target.closest<HTMLElement>('[data-lock-field]')
  return el?.dataset.lockField ?? null
}

/** Enable or disable a control without churning the DOM. */
export function setDisabled (el: HTMLElement & { disabled: boolean }, disabled: boolean): void {
  if (el.disabled !== disabled) el.disabled = disabled
}

export function showLockNote (view: FieldView, text: string | null, canRequest: boolean): void {
  setHidden(view.lockNote, text === null)
  if (text !== null) setText(view.lockText, text)
  setHidden(view.releaseButton, !canRequest)
}
