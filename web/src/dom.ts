// Tiny DOM helpers: enough to build the page without a framework.

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>
type Child = Node | string | null | undefined | false

export function h<K extends keyof HTMLElementTagNameMap> (
  tag: K, attrs: Attrs = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') {
      el.addEventListener(key.replace(/^on/, ''), value)
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
    el.append(typeof child === 'string' ? document.createTextNode(child) : child)
  }
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
