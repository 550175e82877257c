// Undo and redo of one's own draft edits (issue 15): a Yjs UndoManager over the draft's roots that
// tracks only this page's transactions (LOCAL_ORIGIN), so the other party's edits, the server's
// guard compensations and its writes (commits, reverts) are never steps to undo. Typing groups by
// a 500 ms pause and by word: a space, a new line or a switch between typing and deleting starts
// a new step, and so do each choice (a select, a checkbox, an amount) and moving to another
// field. Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z and Ctrl+Y while the focus is in the form; the Undo and
// Redo buttons do the same.

import * as Y from 'yjs'
import { LOCAL_ORIGIN, type OfferDoc } from './doc'
import { h, tr } from './dom'
import { t } from './i18n'

/** A pause longer than this between two edits starts a new undo step. */
export const CAPTURE_MS = 500

export interface UndoDeps {
  od: OfferDoc
  /** The form's parts: where the shortcuts apply and where focus changes end a step. */
  scopes: HTMLElement[]
  /** Whether this person may edit the draft now (open, no proposal pending, not read-only). */
  canEdit: () => boolean
  /** Who holds the lock on one of these fields, if someone else does (their name). */
  lockedBy: (fields: string[]) => string | null
  /** Say why an undo or redo cannot be done now. */
  refuse: (text: string) => void
  /** The stacks changed: redraw. */
  changed: () => void
}

type Shortcut = 'undo' | 'redo' | null

/** What a key press asks for: Ctrl/Cmd+Z undo; Ctrl/Cmd+Shift+Z or Ctrl+Y redo. */
export function shortcutOf (e: { key: string, ctrlKey: boolean, metaKey: boolean, shiftKey: boolean, altKey: boolean }): Shortcut {
  if (e.altKey || !(e.ctrlKey || e.metaKey)) return null
  const key = e.key.toLowerCase()
  if (key === 'z') return e.shiftKey ? 'redo' : 'undo'
  if (key === 'y' && !e.shiftKey && e.ctrlKey) return 'redo'
  return null
}

/** Whether typing `data` (an input event's text) ends a word: the next keystroke starts a step. */
export function endsWord (data: string | null): boolean {
  return data !== null && /[\s.,;:!?]$/.test(data)
}

/** A money or hours entry (money, weekly limit, milestone amount): a figure typed in one go. */
function isFigure (el: EventTarget | null): boolean {
  return el instanceof HTMLInputElement && ['decimal', 'numeric'].includes(el.inputMode)
}

/** The lock names (docs/PROTOCOL.md, "Locks") a step's changes touch. */
type Changed = Map<Y.AbstractType<Y.YEvent<any>>, Array<Y.YEvent<any>>> // eslint-disable-line @typescript-eslint/no-explicit-any

function fieldsOf (od: OfferDoc, changed: Changed): string[] {
  const out = new Set<string>()
  for (const [changedType, events] of changed) {
    const type: unknown = changedType
    if (type === od.terms) {
      for (const e of events) if (e instanceof Y.YMapEvent) for (const key of e.keysChanged) out.add(key)
    } else if (type === od.description) {
      out.add('description')
    } else if (type === od.milestones) {
      out.add('milestones')
    } else if (type instanceof Y.Map && type.parent === od.milestones) {
      const id = type.get('id')
      if (typeof id === 'string') out.add(`milestone:${id}`)
    }
  }
  return [...out]
}

export class Undo {
  readonly manager: Y.UndoManager
  readonly bar: HTMLElement
  readonly undoButton: HTMLButtonElement
  readonly redoButton: HTMLButtonElement
  private readonly deps: UndoDeps
  private lastInput: 'insert' | 'delete' | null = null

  constructor (deps: UndoDeps) {
    this.deps = deps
    const { od } = deps
    this.manager = new Y.UndoManager([od.terms, od.description, od.milestones], {
      trackedOrigins: new Set([LOCAL_ORIGIN]),
      captureTimeout: CAPTURE_MS
    })
    const remember = (e: { stackItem: { meta: Map<unknown, unknown> }, changedParentTypes: Changed }): void => {
      const before = e.stackItem.meta.get('fields')
      const fields = new Set<string>(Array.isArray(before) ? before as string[] : [])
      for (const f of fieldsOf(od, e.changedParentTypes)) fields.add(f)
      e.stackItem.meta.set('fields', [...fields])
    }
    this.manager.on('stack-item-added', (e) => { remember(e); deps.changed() })
    this.manager.on('stack-item-updated', (e) => { remember(e); deps.changed() })
    this.manager.on('stack-item-popped', () => deps.changed())
    this.manager.on('stack-cleared', () => deps.changed())

    // The server's writes to the offer, the agreed terms or the proposal (a proposal made,
    // answered or withdrawn; a commit; closing) reset the draft under the stacks: start afresh.
    for (const root of [od.offer, od.committed, od.proposal]) {
      root.observe((_e, txn) => { if (txn.origin !== LOCAL_ORIGIN) this.clear() })
    }

    this.undoButton = h('button', { type: 'button', class: 'btn btn-small btn-secondary undo-btn', 'aria-keyshortcuts': 'Control+Z Meta+Z' }, tr('undo.undo'))
    this.redoButton = h('button', { type: 'button', class: 'btn btn-small btn-secondary undo-btn', 'aria-keyshortcuts': 'Control+Shift+Z Meta+Shift+Z Control+Y' }, tr('undo.redo'))
    this.undoButton.addEventListener('click', () => this.undo())
    this.redoButton.addEventListener('click', () => this.redo())
    this.bar = h('div', { class: 'undo-bar', role: 'group', 'aria-label': tr('undo.toolbar') }, this.undoButton, this.redoButton)

    for (const scope of deps.scopes) this.listen(scope)
  }

  private listen (scope: HTMLElement): void {
    scope.addEventListener('keydown', (e) => {
      const wanted = shortcutOf(e)
      if (wanted === null) return
      // A money or hours entry not yet committed keeps the browser's own undo of its text.
      const target = e.target as HTMLElement | null
      if (target?.dataset.dirty === 'true') return
      e.preventDefault()
      if (wanted === 'undo') this.undo()
      else this.redo()
    })
    // The browser's Edit menu and context menu ("Undo") arrive as beforeinput.
    scope.addEventListener('beforeinput', (e) => {
      if (e.inputType !== 'historyUndo' && e.inputType !== 'historyRedo') return
      if ((e.target as HTMLElement | null)?.dataset.dirty === 'true') return
      e.preventDefault()
      if (e.inputType === 'historyUndo') this.undo()
      else this.redo()
    })
    // Steps by word: bindings write on `input` before this (bubbled) listener runs.
    scope.addEventListener('input', (e) => {
      if (isFigure(e.target)) return // a figure is one step, whatever is typed into it
      const ev = e as InputEvent
      const kind = ev.inputType?.startsWith('delete') === true ? 'delete' : 'insert'
      if (this.lastInput !== null && kind !== this.lastInput) this.manager.stopCapturing()
      this.lastInput = kind
      if (endsWord(ev.data ?? null) || ev.inputType === 'insertLineBreak' || ev.inputType === 'insertParagraph' ||
          ev.inputType === 'insertFromPaste') this.manager.stopCapturing()
    })
    scope.addEventListener('focusin', (e) => {
      this.manager.stopCapturing()
      this.lastInput = null
      // An amount or hours may reach the other party while still being typed (live commits):
      // all of one visit's commits are one step, however long the pauses between them.
      this.manager.captureTimeout = isFigure(e.target) ? Number.POSITIVE_INFINITY : CAPTURE_MS
    })
    scope.addEventListener('focusout', () => { this.manager.captureTimeout = CAPTURE_MS })
    // A choice (a select, a checkbox, a committed amount or date) is a step of its own.
    scope.addEventListener('change', () => { this.manager.stopCapturing() })
  }

  get canUndo (): boolean { return this.deps.canEdit() && this.manager.undoStack.length > 0 }
  get canRedo (): boolean { return this.deps.canEdit() && this.manager.redoStack.length > 0 }

  undo (): void { this.step('undo') }
  redo (): void { this.step('redo') }

  private step (which: 'undo' | 'redo'): void {
    if (!this.deps.canEdit()) return
    const stack = which === 'undo' ? this.manager.undoStack : this.manager.redoStack
    const top = stack[stack.length - 1]
    if (top === undefined) return
    const fields = top.meta.get('fields')
    const holder = this.deps.lockedBy(Array.isArray(fields) ? fields as string[] : [])
    if (holder !== null) {
      this.deps.refuse(t(which === 'undo' ? 'undo.locked' : 'undo.redo_locked', { name: holder }))
      return
    }
    this.manager.stopCapturing()
    if (which === 'undo') this.manager.undo()
    else this.manager.redo()
    this.manager.stopCapturing()
  }

  /** Forget both stacks (the draft was reset by the server). */
  clear (): void {
    if (this.manager.undoStack.length > 0 || this.manager.redoStack.length > 0) this.manager.clear()
  }

  render (): void {
    const undo = this.canUndo
    const redo = this.canRedo
    if (this.undoButton.disabled === undo) this.undoButton.disabled = !undo
    if (this.redoButton.disabled === redo) this.redoButton.disabled = !redo
  }
}
