// A box that scrolls sideways (the compare table on a phone) says so in words while part of it
// is out of sight (issue 15): a hint above it and a shadow on the side that has more.

import { setHidden, toggleClass } from './dom'

export interface Overflow {
  /** Something is out of sight to the right / to the left. */
  right: boolean
  left: boolean
}

/** Where a box of `clientWidth` scrolled to `scrollLeft` over `scrollWidth` has more to show. */
export function overflowOf (scrollLeft: number, scrollWidth: number, clientWidth: number): Overflow {
  const slack = 2 // sub-pixel widths and rounding
  const left = Math.max(0, scrollLeft)
  return { right: left + clientWidth < scrollWidth - slack, left: left > slack }
}

/** Keep `hint` shown while `box` has more to the right, and its has-more-* classes current. */
export function watchOverflow (box: HTMLElement, hint: HTMLElement): () => void {
  const update = (): void => {
    const o = overflowOf(box.scrollLeft, box.scrollWidth, box.clientWidth)
    toggleClass(box, 'has-more-right', o.right)
    toggleClass(box, 'has-more-left', o.left)
    setHidden(hint, !o.right)
  }
  box.addEventListener('scroll', update, { passive: true })
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(update).observe(box)
  update()
  return update
}
