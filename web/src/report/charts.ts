// The report's four charts, drawn as inline SVG at the width they are shown (redrawn when that
// changes much; the viewBox scales in between). Each is a <figure> with a caption, an aria-label
// summing up its figures, and the same figures as a table behind a disclosure.

import { DASH, type Fmt, type Scale, isNum, linear, maxOf, npsOf, rateOf, reasonsPresent, stackReasons, summaryOf, ticks } from './model'
import { REASON_GROUPS, REASONS, type Report, type Variant } from './types'
import { h, r, s } from './svg'

interface Layout { W: number, L: number, R: number, narrow: boolean }

function layout (width: number, compact = false): Layout {
  const W = Math.round(Math.min(1200, Math.max(280, width)))
  const narrow = W < 520
  if (compact && narrow) return { W, L: 80, R: 50, narrow }
  return { W, L: narrow ? 88 : 150, R: narrow ? 74 : 128, narrow }
}

function clip (name: string, room: number): string {
  const max = Math.max(4, Math.floor(room / 7.2))
  return name.length > max ? name.slice(0, max - 1) + '…' : name
}

/** The variant's name at the left of its row; the baseline says so under it. */
function rowLabel (lay: Layout, v: Variant, baseline: string | null, y: number, f: Fmt): SVGElement {
  const g = s('g', { class: 'row-label' })
  const name = s('text', { x: lay.L - 10, y: r(y), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'lbl' }, clip(v.variant, lay.L - 14))
  if (name.textContent !== v.variant) name.append(s('title', {}, v.variant))
  g.append(name)
  if (v.variant === baseline) {
    g.append(s('text', { x: lay.L - 10, y: r(y + 14), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'lbl-sub' }, f.t('baseline')))
  }
  return g
}

/** Vertical grid lines and tick labels under the plot. */
function axis (x: Scale, values: number[], top: number, bottom: number, label: (v: number) => string, zero?: number): SVGElement {
  const g = s('g', { class: 'axis', 'aria-hidden': 'true' })
  for (const v of values) {
    const px = r(x(v))
    g.append(s('line', { x1: px, x2: px, y1: top, y2: bottom, class: v === zero ? 'grid zero' : 'grid' }))
    g.append(s('text', { x: px, y: bottom + 16, 'text-anchor': 'middle', class: 'tick' }, label(v)))
  }
  return g
}

/** An interval: a line from lo to hi with end caps. */
function whisker (x: Scale, lo: number | null, hi: number | null, y: number, cap = 6, cls = 'whisker'): SVGElement | null {
  if (!isNum(lo) || !isNum(hi)) return null
  const a = r(x(lo)); const b = r(x(hi))
  return s('g', { class: cls },
    s('line', { x1: a, x2: b, y1: r(y), y2: r(y) }),
    s('line', { x1: a, x2: a, y1: r(y - cap), y2: r(y + cap) }),
    s('line', { x1: b, x2: b, y1: r(y - cap), y2: r(y + cap) }))
}

function svgRoot (lay: Layout, height: number, label: string, cls: string): SVGElement {
  return s('svg', {
    viewBox: `0 0 ${lay.W} ${height}`, role: 'img', 'aria-label': label, class: `chart ${cls}`, preserveAspectRatio: 'xMinYMin meet', focusable: 'false'
  })
}

function figure (id: string, title: string, desc: string, body: Node[], table: HTMLTableElement, f: Fmt): HTMLElement {
  return h('figure', { class: 'panel chart-panel', id, 'aria-labelledby': `${id}-title` },
    h('figcaption', {},
      h('h3', { id: `${id}-title` }, title),
      h('p', { class: 'muted' }, desc)),
    ...body,
    h('details', { class: 'as-table' },
      h('summary', {}, f.t('chart.show_table')),
      h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': `${id}-title` }, table)))
}

function table (head: string[], rows: Array<Array<string | { th: string }>>, caption: string): HTMLTableElement {
  return h('table', { class: 'data' },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((c) =>
      typeof c === 'string' ? h('td', {}, c) : h('th', { scope: 'row' }, c.th))))))
}

const ROW = 44
const TOP = 12

// --- 1. accepted within 7 days -----------------------------------------------------------------

export function acceptanceChart (report: Report, width: number, f: Fmt): HTMLElement {
  const lay = layout(width)
  const vs = report.variants
  const rates = vs.map((v) => rateOf(v.accepted_7d))
  const tk = ticks(0, Math.min(1, Math.max(0.1, maxOf(rates.flatMap((x) => [x.rate, x.high]), 0.1))), lay.narrow ? 3 : 5)
  const x = linear([0, tk[tk.length - 1]], [lay.L, lay.W - lay.R])
  const bottom = TOP + vs.length * ROW
  const lines: string[] = []
  const svg = svgRoot(lay, bottom + 28, '', 'accept')
  svg.append(axis(x, tk, TOP - 4, bottom, (v) => f.pct(v)))
  vs.forEach((v, i) => {
    const rate = rates[i]
    const y = TOP + i * ROW + ROW / 2
    const g = s('g', { class: `row ${v.variant === report.baseline ? 'is-base' : 'is-alt'}` })
    g.append(rowLabel(lay, v, report.baseline, y - (v.variant === report.baseline ? 6 : 0), f))
    if (isNum(rate.rate)) {
      g.append(s('rect', { x: lay.L, y: r(y - 11), width: r(Math.max(1, x(rate.rate) - lay.L)), height: 22, rx: 3, class: 'bar' }))
      const w = whisker(x, rate.low, rate.high, y)
      if (w !== null) g.append(w)
      g.append(s('text', { x: lay.W - lay.R + 10, y: r(y - 6), 'dominant-baseline': 'middle', class: 'val' }, f.pct(rate.rate)))
      g.append(s('text', { x: lay.W - lay.R + 10, y: r(y + 10), 'dominant-baseline': 'middle', class: 'val-sub' }, f.t('n', { n: rate.n })))
    } else {
      g.append(s('text', { x: lay.L + 6, y: r(y), 'dominant-baseline': 'middle', class: 'nodata' }, f.t('nodata')))
    }
    svg.append(g)
    lines.push(f.t('summary.rate', { variant: v.variant, value: isNum(rate.rate) ? f.pct(rate.rate) : f.t('nodata'), low: f.pct(rate.low), high: f.pct(rate.high), n: f.t('n', { n: rate.n }) }))
  })
  svg.setAttribute('aria-label', `${f.t('chart.accept.title')}. ${lines.join('; ')}.`)
  const level = f.level(report.confidence)
  const tbl = table(
    [f.t('col.variant'), f.t('col.value'), f.t('col.low'), f.t('col.high'), f.t('col.count'), f.t('col.offers')],
    vs.map((v, i) => [{ th: v.variant }, f.pct(rates[i].rate), f.pct(rates[i].low), f.pct(rates[i].high), f.count(rates[i].count), f.count(rates[i].n)]),
    f.t('chart.accept.title'))
  return figure('chart-accept', f.t('chart.accept.title'), f.t('chart.accept.desc', { level }), [svg], tbl, f)
}

// --- 2. time to agreed start -------------------------------------------------------------------

export function startChart (report: Report, width: number, f: Fmt): HTMLElement {
  const lay = layout(width)
  const vs = report.variants
  const sums = vs.map((v) => summaryOf(v.time_to_start_d))
  const hi = Math.max(1, maxOf(sums.flatMap((x) => [x.p75, x.high, x.median]), 1))
  const tk = ticks(0, hi, lay.narrow ? 3 : 5)
  const x = linear([0, tk[tk.length - 1]], [lay.L, lay.W - lay.R])
  const bottom = TOP + vs.length * ROW
  const svg = svgRoot(lay, bottom + 28, '', 'start')
  svg.append(axis(x, tk, TOP - 4, bottom, (v) => f.num(v, 1)))
  const lines: string[] = []
  vs.forEach((v, i) => {
    const m = sums[i]
    const y = TOP + i * ROW + ROW / 2
    const g = s('g', { class: `row ${v.variant === report.baseline ? 'is-base' : 'is-alt'}` })
    g.append(rowLabel(lay, v, report.baseline, y - (v.variant === report.baseline ? 6 : 0), f))
    if (isNum(m.median)) {
      if (isNum(m.p25) && isNum(m.p75)) {
        g.append(s('rect', { x: r(x(m.p25)), y: r(y - 12), width: r(Math.max(2, x(m.p75) - x(m.p25))), height: 24, rx: 3, class: 'box' }))
      }
      const w = whisker(x, m.low, m.high, y, 7, 'whisker strong')
      if (w !== null) g.append(w)
      g.append(s('circle', { cx: r(x(m.median)), cy: r(y), r: 5.5, class: 'dot' }))
      g.append(s('text', { x: lay.W - lay.R + 10, y: r(y - 6), 'dominant-baseline': 'middle', class: 'val' }, f.days(m.median)))
      g.append(s('text', { x: lay.W - lay.R + 10, y: r(y + 10), 'dominant-baseline': 'middle', class: 'val-sub' }, f.t('n', { n: m.n })))
    } else {
      g.append(s('text', { x: lay.L + 6, y: r(y), 'dominant-baseline': 'middle', class: 'nodata' }, f.t('nodata')))
    }
    svg.append(g)
    lines.push(f.t('summary.median', {
      variant: v.variant, value: isNum(m.median) ? f.days(m.median) : f.t('nodata'), low: f.days(m.low), high: f.days(m.high), p25: f.days(m.p25), p75: f.days(m.p75), n: f.t('n', { n: m.n })
    }))
  })
  svg.setAttribute('aria-label', `${f.t('chart.start.title')}. ${lines.join('; ')}.`)
  const tbl = table(
    [f.t('col.variant'), f.t('col.median'), f.t('col.low'), f.t('col.high'), f.t('col.p25'), f.t('col.p75'), f.t('col.offers')],
    vs.map((v, i) => [{ th: v.variant }, f.days(sums[i].median), f.days(sums[i].low), f.days(sums[i].high), f.days(sums[i].p25), f.days(sums[i].p75), f.count(sums[i].n)]),
    f.t('chart.start.title'))
  return figure('chart-start', f.t('chart.start.title'), f.t('chart.start.desc', { level: f.level(report.confidence) }), [svg], tbl, f)
}

// --- 3. reasons -------------------------------------------------------------------------------

/** A reason's colour class and pattern (every other reason is hatched, so colour is not alone). */
export function reasonStyle (reason: string): { cls: string, pattern: string | null } {
  const i = (REASONS as readonly string[]).indexOf(reason)
  const k = i === -1 ? REASONS.length : i
  const patterns = ['rp-hatch', 'rp-dots', 'rp-cross', 'rp-vert']
  return { cls: `rc-${k}`, pattern: k % 2 === 1 ? patterns[((k - 1) / 2) % patterns.length] : null }
}

function swatch (reason: string, x: number, y: number, w: number, hgt: number): SVGElement[] {
  const st = reasonStyle(reason)
  const out = [s('rect', { x: r(x), y: r(y), width: r(w), height: hgt, class: `seg ${st.cls}` })]
  if (st.pattern !== null) out.push(s('rect', { x: r(x), y: r(y), width: r(w), height: hgt, fill: `url(#${st.pattern})`, class: 'pat' }))
  return out
}

/** The hatch patterns, once per page (referenced by every reasons bar and legend swatch). */
export function patternDefs (): SVGElement {
  const p = (id: string, ...children: SVGElement[]): SVGElement =>
    s('pattern', { id, width: 6, height: 6, patternUnits: 'userSpaceOnUse' }, ...children)
  return s('svg', { class: 'defs', width: 0, height: 0, 'aria-hidden': 'true', focusable: 'false' },
    s('defs', {},
      p('rp-hatch', s('path', { d: 'M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2', class: 'pat-line' })),
      p('rp-dots', s('circle', { cx: 3, cy: 3, r: 1.2, class: 'pat-dot' })),
      p('rp-cross', s('path', { d: 'M0,3 h6 M3,0 v6', class: 'pat-line' })),
      p('rp-vert', s('path', { d: 'M1.5,0 v6 M4.5,0 v6', class: 'pat-line' }))))
}

export function reasonsChart (report: Report, width: number, f: Fmt): HTMLElement {
  const lay = layout(width, true)
  const vs = report.variants
  const BAR = 26; const GAP = 10; const HEAD = 30
  let y = 4
  const svgKids: SVGElement[] = []
  const lines: string[] = []
  const rows: Array<Array<string | { th: string }>> = []
  for (const group of REASON_GROUPS) {
    svgKids.push(s('text', { x: 0, y: y + 16, class: 'group' }, f.t(`group.${group}`)))
    y += HEAD
    for (const v of vs) {
      const st = stackReasons(v.reasons?.[group])
      const cy = y + BAR / 2
      svgKids.push(rowLabel(lay, v, null, cy, f))
      const x = linear([0, 1], [lay.L, lay.W - lay.R])
      if (st.total === 0) {
        svgKids.push(s('rect', { x: lay.L, y, width: lay.W - lay.R - lay.L, height: BAR, rx: 3, class: 'empty-bar' }))
        svgKids.push(s('text', { x: lay.L + 8, y: cy, 'dominant-baseline': 'middle', class: 'nodata' }, f.t('chart.none')))
      } else {
        const g = s('g', { class: 'stack' })
        for (const seg of st.segments) {
          const x0 = x(seg.start); const x1 = x(seg.end)
          const parts = swatch(seg.reason, x0, y, x1 - x0, BAR)
          parts[0].append(s('title', {}, `${f.t(`reason.${seg.reason}`)}: ${f.pct(seg.share)} (${f.count(seg.count)})`))
          g.append(...parts)
          if (x1 - x0 >= 36) {
            g.append(s('text', { x: r((x0 + x1) / 2), y: cy, 'text-anchor': 'middle', 'dominant-baseline': 'central', class: 'seg-lbl' }, f.pct(seg.share)))
          }
        }
        svgKids.push(g)
      }
      svgKids.push(s('text', { x: lay.W - lay.R + 8, y: cy, 'dominant-baseline': 'middle', class: 'val-sub' }, f.t('n', { n: st.total })))
      const parts = st.segments.map((seg) => `${f.t(`reason.${seg.reason}`)} ${f.pct(seg.share)}`).join(', ') || f.t('chart.none')
      lines.push(f.t('summary.reasons', { variant: v.variant, group: f.t(`group.${group}`), parts }))
      if (st.segments.length === 0) rows.push([{ th: v.variant }, f.t(`group.${group}`), DASH, DASH, DASH])
      for (const seg of st.segments) rows.push([{ th: v.variant }, f.t(`group.${group}`), f.t(`reason.${seg.reason}`), f.count(seg.count), f.pct(seg.share)])
      y += BAR + GAP
    }
    y += 6
  }
  const svg = svgRoot(lay, y, `${f.t('chart.reasons.title')}. ${lines.join('; ')}.`, 'reasons')
  svg.append(...svgKids)
  const present = reasonsPresent(vs)
  const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' }, ...present.map((reason) => {
    const sw = s('svg', { viewBox: '0 0 16 16', width: 16, height: 16, class: 'swatch', focusable: 'false' }, ...swatch(reason, 0, 0, 16, 16))
    return h('li', {}, sw, f.t(`reason.${reason}`))
  }))
  const tbl = table([f.t('col.variant'), f.t('col.group'), f.t('col.reason'), f.t('col.count'), f.t('col.share')], rows, f.t('chart.reasons.title'))
  return figure('chart-reasons', f.t('chart.reasons.title'), f.t('chart.reasons.desc'), [legend, svg], tbl, f)
}

// --- 4. NPS -----------------------------------------------------------------------------------

const NPS_ROLES = ['client', 'freelancer', 'all'] as const

function marker (role: typeof NPS_ROLES[number], cx: number, cy: number): SVGElement {
  if (role === 'client') return s('circle', { cx: r(cx), cy: r(cy), r: 5, class: 'mk mk-client' })
  if (role === 'freelancer') return s('rect', { x: r(cx - 4.5), y: r(cy - 4.5), width: 9, height: 9, class: 'mk mk-freelancer' })
  return s('path', { d: `M${r(cx)},${r(cy - 7)} l7,7 l-7,7 l-7,-7 z`, class: 'mk mk-all' })
}

export function npsChart (report: Report, width: number, f: Fmt): HTMLElement {
  const lay = layout(width)
  const vs = report.variants
  const RH = 66
  const x = linear([-100, 100], [lay.L, lay.W - lay.R])
  const tk = lay.narrow ? [-100, 0, 100] : [-100, -50, 0, 50, 100]
  const bottom = TOP + vs.length * RH
  const svg = svgRoot(lay, bottom + 28, '', 'nps')
  svg.append(axis(x, tk, TOP - 4, bottom, (v) => f.score(v), 0))
  const lines: string[] = []
  const rows: Array<Array<string | { th: string }>> = []
  vs.forEach((v, i) => {
    const top = TOP + i * RH
    const g = s('g', { class: `row ${v.variant === report.baseline ? 'is-base' : 'is-alt'}` })
    if (i > 0) g.append(s('line', { x1: 0, x2: lay.W, y1: top, y2: top, class: 'sep' }))
    g.append(rowLabel(lay, v, report.baseline, top + RH / 2 - (v.variant === report.baseline ? 6 : 0), f))
    NPS_ROLES.forEach((role, k) => {
      const n = npsOf(v.nps?.[role])
      const y = top + 15 + k * 18
      if (isNum(n.score)) {
        const w = whisker(x, n.low, n.high, y, 4, `whisker w-${role}`)
        if (w !== null) g.append(w)
        g.append(marker(role, x(n.score), y))
      } else {
        g.append(s('text', { x: lay.L + 4, y, 'dominant-baseline': 'middle', class: 'nodata small' }, `${f.t(`role.${role}`)}: ${f.t('nodata')}`))
      }
      lines.push(f.t('summary.nps', { variant: v.variant, role: f.t(`role.${role}`), value: isNum(n.score) ? f.score(n.score) : f.t('nodata'), low: f.score(n.low), high: f.score(n.high), n: f.t('n', { n: n.n }) }))
      rows.push([{ th: v.variant }, f.t(`role.${role}`), f.score(n.score), f.score(n.low), f.score(n.high), f.count(n.n)])
    })
    const all = npsOf(v.nps?.all)
    g.append(s('text', { x: lay.W - lay.R + 10, y: r(top + RH / 2 - 7), 'dominant-baseline': 'middle', class: 'val' }, f.score(all.score)))
    g.append(s('text', { x: lay.W - lay.R + 10, y: r(top + RH / 2 + 9), 'dominant-baseline': 'middle', class: 'val-sub' }, f.t('n', { n: all.n })))
    svg.append(g)
  })
  svg.setAttribute('aria-label', `${f.t('chart.nps.title')}. ${lines.join('; ')}.`)
  const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' }, ...NPS_ROLES.map((role) =>
    h('li', {}, s('svg', { viewBox: '0 0 16 16', width: 16, height: 16, class: 'swatch nps', focusable: 'false' }, marker(role, 8, 8)), f.t(`role.${role}`))))
  const tbl = table([f.t('col.variant'), f.t('col.role'), f.t('col.value'), f.t('col.low'), f.t('col.high'), f.t('col.n')], rows, f.t('chart.nps.title'))
  return figure('chart-nps', f.t('chart.nps.title'), f.t('chart.nps.desc', { level: f.level(report.confidence) }), [legend, svg], tbl, f)
}
