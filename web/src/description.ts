// The description (scope of work): a <textarea> bound to a Y.Text. Local input becomes a minimal
// delete/insert; remote changes move our caret through the change's delta so typing never jumps.

import * as Y from 'yjs'
import { LOCAL_ORIGIN } from './doc'

/** Where a position ends up after a change described by a Yjs text delta. */
export function transformPosition (pos: number, delta: Array<{ insert?: unknown, retain?: number, delete?: number }>): number {
  let oldIndex = 0
  let shift = 0
  for (const op of delta) {
    if (oldIndex > pos) break
    if (op.retain !== undefined) {
      oldIndex += op.retain
    } else if (op.insert !== undefined) {
      const len = typeof op.insert === 'string' ? op.insert.length : 1
      if (oldIndex < pos) shift += len
    } else if (op.delete !== undefined) {
      if (oldIndex < pos) shift -= Math.min(op.delete, pos - oldIndex)
      oldIndex += op.delete
    }
  }
  return Math.max(0, pos + shift)
}

/**
 * The change from `before` to `after` as (index, deleteCount, inserted), using the caret (which
 * sits right after any inserted text) to place edits inside runs of equal characters correctly.
 */
export function diffAtCaret (before: string, after: string, caret: number): { index: number, remove: number, insert: string } {
  const maxSuffix = Math.min(before.length, after.length - Math.min(caret, after.length))
  let suffix = 0
  while (suffix < maxSuffix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++
  const maxPrefix = Math.min(before.length, after.length) - suffix
  let prefix = 0
  while (prefix < maxPrefix && before[prefix] === after[prefix]) prefix++
  return { index: prefix, remove: before.length - suffix - prefix, insert: after.slice(prefix, after.length - suffix) }
}

export function bindTextarea (textarea: HTMLTextAreaElement, ytext: Y.Text): void {
  let composing = false
  textarea.value = ytext.toString()

  const pushLocal = (): void => {
    const before = ytext.toString()
    const after = textarea.value
    if (before === after) return
    const { index, remove, insert } = diffAtCaret(before, after, textarea.selectionEnd ?? after.length)
    ytext.doc?.transact(() => {
      if (remove > 0) ytext.delete(index, remove)
      if (insert !== '') ytext.insert(index, insert)
    }, LOCAL_ORIGIN)
  }

  textarea.addEventListener('compositionstart', () => { composing = true })
  textarea.addEventListener('compositionend', () => { composing = false; pushLocal() })
  textarea.addEventListener('input', () => { if (!composing) pushLocal() })

  ytext.observe((event, txn) => {
    if (txn.origin === LOCAL_ORIGIN) return
    const next = ytext.toString()
    if (textarea.value === next) return
    if (composing) return // the IME owns the text until it commits; compositionend re-syncs.
    const focused = document.activeElement === textarea
    const delta = event.changes.delta as Array<{ insert?: unknown, retain?: number, delete?: number }>
    const start = transformPosition(textarea.selectionStart ?? 0, delta)
    const end = transformPosition(textarea.selectionEnd ?? 0, delta)
    const scroll = textarea.scrollTop
    textarea.value = next
    if (focused) textarea.setSelectionRange(Math.min(start, next.length), Math.min(end, next.length))
    textarea.scrollTop = scroll
  })
}
