// Building SVG and HTML elements for the report (no framework; attributes, never style strings,
// so the page's CSP has nothing to block).

const NS = 'http://www.w3.org/2000/svg'

type Attrs = Record<string, string | number | boolean | null | undefined>
type Child = Node | string | null | undefined | false

function put (el: Element, attrs: Attrs, children: Child[]): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue
    el.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v))
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    el.append(typeof c === 'string' ? document.createTextNode(c) : c)
  }
}

export function s (tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(NS, tag) as SVGElement
  put(el, attrs, children)
  return el
}

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  put(el, attrs, children)
  return el
}

/** A rounded coordinate: short SVG attributes. */
export function r (x: number): number {
  return Math.round(x * 10) / 10
}
