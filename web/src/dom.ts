// Tiny DOM helpers: enough to build the page without a framework.

import { type Params, onLangChange, t } from './i18n'

/**
 * A catalog text that follows the language switch: give it to h() as a child or an attribute
 * value and it is redrawn in the new language. For text built once; what a render computes
 * each time takes t() directly.
 */
export interface Msg { readonly i18nKey: string, readonly params?: Params }

export function tr (key: string, params?: Params): Msg {
  return { i18nKey: key, params }
}

function isMsg (v: unknown): v is Msg {
  return typeof v === 'object' && v !== null && typeof (v as Msg).i18nKey === 'string'
}

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener | Msg>
type Child = Node | string | Msg | null | undefined | false

interface Bound { ref: WeakRef<Node>, key: string, params?: Params, attr?: string }
let bound: Bound[] = []
let pruneAt = 512

function draw (node: Node, b: Bound): void {
  const text = t(b.key, b.params)
  if (b.attr !== undefined) {
    if ((node as Element).getAttribute(b.attr) !== text) (node as Element).setAttribute(b.attr, text)
  } else if (node.nodeValue !== text) {
    node.nodeValue = text
  }
}

function bind (node: Node, m: Msg, attr?: string): void {
  const b: Bound = { ref: new WeakRef(node), key: m.i18nKey, params: m.params, attr }
  draw(node, b)
  bound.push(b)
  if (bound.length > pruneAt) {
    bound = bound.filter((x) => x.ref.deref() !== undefined)
    pruneAt = Math.max(512, bound.length * 2)
  }
}

/** A text node that follows the language. */
export function liveText (m: Msg): Text {
  const node = document.createTextNode('')
  bind(node, m)
  return node
}

/** An attribute (aria-label, title, placeholder) that follows the language. */
export function liveAttr (el: Element, attr: string, m: Msg): void {
  bind(el, m, attr)
}

if (typeof document !== 'undefined') {
  onLangChange(() => {
    bound = bound.filter((b) => {
      const node = b.ref.deref()
      if (node !== undefined) draw(node, b)
      return node !== undefined
    })
  })
}

export function h<K extends keyof HTMLElementTagNameMap> (
  tag: K, attrs: Attrs = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') {
      el.addEventListener(key.replace(/^on/, ''), value)
    } else if (isMsg(value)) {
      liveAttr(el, key, value)
    } else if (key === 'class') {
      el.className = String(value)
    } else if (key === 'style') {
      // Through the CSSOM, which the page's CSP allows; a style attribute it would block.
      el.style.cssText = String(value)
    } else if (value === true) {
      el.setAttribute(key, '')
    } else {
      el.setAttribute(key, String(value))
    }
  }
  append(el, ...children)
  return el
}

export function append (el: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    el.append(typeof child === 'string' ? document.createTextNode(child) : isMsg(child) ? liveText(child) : child)
  }
}

/**
 * Fill `el` with a catalog sentence whose {slots} are elements (a button inside a sentence):
 * `text` is t(key, params) with the slot placeholders left in it.
 */
export function setTemplate (el: Element, text: string, slots: Record<string, Node>): void {
  const parts: Array<string | Node> = []
  let at = 0
  for (const m of text.matchAll(/\{(\w+)\}/g)) {
    const node = slots[m[1]]
    if (node === undefined) continue
    parts.push(text.slice(at, m.index), node)
    at = (m.index ?? 0) + m[0].length
  }
  parts.push(text.slice(at))
  el.replaceChildren(...parts.filter((p) => p !== ''))
}

/** Set text only when it changed, so re-renders do not disturb screen readers or selection. */
export function setText (el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text
}

export function setHidden (el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden
}

export function toggleClass (el: Element, name: string, on: boolean): void {
  if (el.classList.contains(name) !== on) el.classList.toggle(name, on)
}

/** A stable id-safe token for use in element ids. */
export function slug (text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_')
}
