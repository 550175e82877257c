// The outcome report page (/reports): the integrator's API key, a range of dates, and the report
// of GET /api/reports/outcomes as headline comparisons, four charts and a table. The key comes
// from the form or the URL fragment (#key=…, taken out of the address bar at once) and is kept in
// sessionStorage only: gone when the tab closes.

import { acceptanceChart, npsChart, patternDefs, reasonsChart, startChart } from './charts'
import { Fmt, HEADLINE_METRICS, compareSentence, defaultRange, isNum, lastDay, metricValue, summaryOf } from './model'
import { localeFor, pickLang } from './texts'
import { type Report, STATUSES, type Variant } from './types'
import { h } from './svg'

const KEY_STORE = 'offer-room.report-key'
const tags: readonly string[] = navigator.languages?.length ? navigator.languages : [navigator.language || 'en']
const lang = pickLang(tags)
const f = new Fmt(lang, localeFor(lang, tags))
const t = f.t
document.documentElement.lang = lang
document.title = t('page.title')

// --- the key ----------------------------------------------------------------------------------

function readKey (): string | null {
  const m = /(?:^#|&)key=([^&]*)/.exec(location.hash)
  if (m !== null) {
    let key = m[1]
    try { key = decodeURIComponent(key) } catch { /* as typed */ }
    history.replaceState(null, '', location.pathname + location.search)
    if (key !== '') {
      storeKey(key)
      return key
    }
  }
  try { return sessionStorage.getItem(KEY_STORE) } catch { return null }
}
function storeKey (key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(KEY_STORE)
    else sessionStorage.setItem(KEY_STORE, key)
  } catch { /* storage blocked: the key lives in this page only */ }
}
let apiKey = readKey()

// --- the page's frame -------------------------------------------------------------------------

const range = defaultRange(new Date())
const fromInput = h('input', { type: 'date', id: 'range-from', name: 'from', value: range.from, required: true })
const toInput = h('input', { type: 'date', id: 'range-to', name: 'to', value: range.to, required: true })
const rangeError = h('p', { class: 'field-error', id: 'range-error', role: 'alert', hidden: true })
const rangeForm = h('form', { class: 'range', 'aria-describedby': 'range-error' },
  h('fieldset', {},
    h('legend', { class: 'sr-only' }, t('range.legend')),
    h('div', { class: 'field' }, h('label', { for: 'range-from' }, t('range.from')), fromInput),
    h('div', { class: 'field' }, h('label', { for: 'range-to' }, t('range.to')), toInput),
    h('button', { type: 'submit', class: 'btn' }, t('range.apply'))),
  rangeError)
const changeKey = h('button', { type: 'button', class: 'btn ghost', id: 'change-key' }, t('key.change'))
const meta = h('p', { class: 'meta', id: 'meta' })
const main = h('main', { id: 'main', tabindex: '-1' })
const root = document.getElementById('report') ?? document.body
root.replaceChildren(
  h('a', { class: 'skip-link', href: '#main' }, t('page.skip')),
  patternDefs() as unknown as Node,
  h('header', { class: 'topbar' },
    h('div', { class: 'topbar-inner' },
      h('div', { class: 'title-block' },
        h('p', { class: 'eyebrow' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), t('page.eyebrow')),
        h('h1', {}, t('page.title')),
        meta),
      h('div', { class: 'controls' }, rangeForm, changeKey))),
  main)
root.classList.remove('is-loading')

// --- states -----------------------------------------------------------------------------------

function showKeyForm (wrong: boolean): void {
  changeKey.hidden = true
  rangeForm.hidden = true
  meta.replaceChildren()
  const input = h('input', { type: 'password', id: 'api-key', name: 'key', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': wrong ? 'key-error key-hint' : 'key-hint', 'aria-invalid': wrong ? 'true' : null })
  const form = h('form', { class: 'panel key-form' },
    h('h2', {}, t('key.title')),
    wrong ? h('p', { class: 'error-text', id: 'key-error', role: 'alert' }, t('key.wrong')) : null,
    h('label', { for: 'api-key' }, t('key.label')),
    input,
    h('p', { class: 'muted hint', id: 'key-hint' }, t('key.hint')),
    h('button', { type: 'submit', class: 'btn primary' }, t('key.submit')))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const key = input.value.trim()
    if (key === '') return
    apiKey = key
    storeKey(key)
    void load()
  })
  main.replaceChildren(form)
  input.focus()
}

function showMessage (kind: 'loading' | 'error' | 'empty', text: string, extra?: Node): void {
  const box = h('div', { class: `panel state state-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    kind === 'loading' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
    h('p', {}, text), extra ?? null)
  main.replaceChildren(box)
}

let controller: AbortController | null = null
let current: Report | null = null

async function load (): Promise<void> {
  if (apiKey === null) { showKeyForm(false); return }
  const from = fromInput.value; const to = toInput.value
  if (from === '' || to === '' || from > to) {
    rangeError.textContent = t('range.invalid')
    rangeError.hidden = false
    return
  }
  rangeError.hidden = true
  changeKey.hidden = false
  rangeForm.hidden = false
  controller?.abort()
  const ctl = new AbortController()
  controller = ctl
  main.setAttribute('aria-busy', 'true')
  showMessage('loading', t('state.loading'))
  let res: Response
  let body: unknown = null
  try {
    res = await fetch(`/api/reports/outcomes?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      headers: { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' }, signal: ctl.signal, cache: 'no-store'
    })
    body = await res.json().catch(() => null)
  } catch (err) {
    if (ctl.signal.aborted) return
    main.removeAttribute('aria-busy')
    const retry = h('button', { type: 'button', class: 'btn primary' }, t('state.retry'))
    retry.addEventListener('click', () => { void load() })
    showMessage('error', t('state.network'), retry)
    retry.focus()
    return
  }
  if (ctl.signal.aborted) return
  main.removeAttribute('aria-busy')
  if (res.status === 401 || res.status === 403) {
    apiKey = null
    storeKey(null)
    showKeyForm(true)
    return
  }
  if (!res.ok || body === null || typeof body !== 'object') {
    const retry = h('button', { type: 'button', class: 'btn' }, t('state.retry'))
    retry.addEventListener('click', () => { void load() })
    showMessage('error', t('state.server', { message: serverMessage(body) ?? `HTTP ${res.status}` }), res.status >= 500 ? retry : undefined)
    return
  }
  current = body as Report
  render(current)
}

function serverMessage (body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null
  const b = body as { message?: unknown, error?: { message?: unknown } }
  const m = b.error?.message ?? b.message
  return typeof m === 'string' && m !== '' ? m : null
}

// --- the report -------------------------------------------------------------------------------

function verdictBadge (v: ReturnType<typeof compareSentence>['verdict']): HTMLElement {
  const glyph = { better: '▲', worse: '▼', significant: '●', not: '○', nodata: '–' }[v]
  const key = { better: 'badge.better', worse: 'badge.worse', significant: 'badge.significant', not: 'badge.not', nodata: 'badge.nodata' }[v]
  return h('span', { class: `verdict v-${v}` }, h('span', { 'aria-hidden': 'true', class: 'glyph' }, glyph), t(key))
}

function headlineCards (report: Report): HTMLElement {
  const others = report.variants.filter((v) => v.variant !== report.baseline)
  const section = h('section', { class: 'headlines', 'aria-labelledby': 'headlines-title' },
    h('h2', { id: 'headlines-title' }, t('headlines.title')))
  if (report.variants.length < 2 || report.baseline === null || others.length === 0) {
    section.append(h('p', { class: 'panel note' }, t('state.one_variant', { name: report.variants[0]?.variant ?? '' })))
    return section
  }
  const grid = h('div', { class: 'cards' })
  for (const v of others) {
    const card = h('article', { class: 'panel card', 'aria-labelledby': `card-${cssId(v.variant)}` },
      h('h3', { id: `card-${cssId(v.variant)}` }, t('headlines.card', { variant: v.variant, baseline: report.baseline })),
      featuresLine(v))
    const list = h('dl', { class: 'hl' })
    for (const metric of HEADLINE_METRICS) {
      const sentence = compareSentence(f, report, metric, v.variant)
      list.append(h('div', { class: `hl-row m-${metric}`, 'data-metric': metric },
        h('dt', {}, t(`metric.${metric}`)),
        h('dd', {},
          h('span', { class: 'hl-values' }, sentence.values),
          verdictBadge(sentence.verdict),
          sentence.verdict === 'nodata' && sentence.detail === t('nodata') ? null : h('span', { class: 'hl-detail' }, sentence.detail))))
    }
    card.append(list)
    grid.append(card)
  }
  section.append(grid)
  return section
}

function featuresLine (v: Variant): HTMLElement | null {
  const off = Object.entries(v.features ?? {}).filter(([, on]) => on === false)
    .map(([k]) => { const w = t(`feature.${k}`); return w === `feature.${k}` ? k.replace(/_/g, ' ') : w })
  if (off.length === 0) return null
  return h('p', { class: 'muted small' }, t('features.off', { list: new Intl.ListFormat(f.locale, { type: 'conjunction' }).format(off) }))
}

function cssId (name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_')
}

function variantsTable (report: Report): HTMLElement {
  const head = [t('col.variant'), t('col.offers'), ...STATUSES.map((st) => t(`status.${st}`)), t('col.rounds'),
    t('col.response_client'), t('col.response_freelancer'), t('col.expired_client'), t('col.expired_freelancer')]
  const rows = report.variants.map((v) => h('tr', {},
    h('th', { scope: 'row' }, v.variant, v.variant === report.baseline ? h('span', { class: 'tag' }, t('baseline')) : null),
    h('td', {}, f.count(v.offers)),
    ...STATUSES.map((st) => h('td', {}, f.count(v.status?.[st] ?? null))),
    h('td', {}, f.num(summaryOf(v.rounds).median, 1)),
    h('td', {}, f.hours(summaryOf(v.response_h?.client).median)),
    h('td', {}, f.hours(summaryOf(v.response_h?.freelancer).median)),
    h('td', {}, f.count(v.expired_turn?.client ?? null)),
    h('td', {}, f.count(v.expired_turn?.freelancer ?? null))))
  return h('section', { class: 'panel' },
    h('h2', { id: 'table-title' }, t('table.title')),
    h('p', { class: 'muted' }, t('table.desc')),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'table-title' },
      h('table', { class: 'data wide' },
        h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows))))
}

function comparisonsTable (report: Report): HTMLElement | null {
  if (report.comparisons.length === 0 || report.baseline === null) return null
  const title = t('comparisons.title', { baseline: report.baseline })
  const byName = (n: string): Variant | undefined => report.variants.find((v) => v.variant === n)
  const rows = report.comparisons.map((c) => {
    const s = compareSentence(f, report, c.metric, c.variant)
    const ci = isNum(c.low) && isNum(c.high) ? `${f.bound(c.metric, c.low)} … ${f.bound(c.metric, c.high)}` : '—'
    return h('tr', {},
      h('th', { scope: 'row' }, t(`metric.${c.metric}`)),
      h('td', {}, c.variant),
      h('td', {}, `${f.value(c.metric, metricValue(byName(c.variant), c.metric))} / ${f.value(c.metric, metricValue(byName(c.baseline), c.metric))}`),
      h('td', {}, f.diff(c.metric, c.difference)),
      h('td', {}, ci),
      h('td', {}, isNum(c.p_value) ? f.p(c.p_value) : '—'),
      h('td', { class: 'wrap' }, c.test),
      h('td', {}, verdictBadge(s.verdict)))
  })
  return h('section', { class: 'panel' },
    h('h2', { id: 'cmp-title' }, title),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'cmp-title' },
      h('table', { class: 'data wide' },
        h('thead', {}, h('tr', {}, ...[t('col.metric'), t('col.variant'), t('col.value'), t('col.difference'),
          t('col.ci', { level: f.level(report.confidence) }), t('col.p'), t('col.test'), t('col.result')].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows))))
}

let charts: HTMLElement | null = null
let drawnWidth = 0
const BUILDERS = [acceptanceChart, startChart, npsChart, reasonsChart]

/** Draw each chart at the width its panel has (the grid gives one or two columns). */
function drawCharts (report: Report): void {
  if (charts === null) return
  const grid = charts
  drawnWidth = main.clientWidth
  const slots = BUILDERS.map((_, i) => h('div', { class: `slot slot-${i}` }))
  grid.replaceChildren(...slots)
  const inset = window.matchMedia('(max-width: 640px)').matches ? 26 : 42 // the panel's padding and border
  BUILDERS.forEach((build, i) => {
    slots[i].replaceChildren(build(report, Math.max(280, slots[i].clientWidth - inset), f))
  })
}

function render (report: Report): void {
  meta.replaceChildren(
    h('span', { class: 'count' }, t('meta.offers', { n: report.offers ?? 0 })),
    h('span', {}, t('meta.range', { from: f.date(report.from), to: f.date(lastDay(report.to)) })),
    h('span', {}, t('meta.generated', { time: f.time(report.generated_at) })))
  if (!report.offers || report.variants.length === 0) {
    charts = null
    showMessage('empty', t('state.empty'), h('p', { class: 'muted' }, t('state.empty_hint')))
    return
  }
  charts = h('div', { class: 'charts' })
  main.replaceChildren(
    report.truncated ? h('p', { class: 'panel note warn', role: 'note' }, t('state.truncated', { n: report.offers })) : '',
    headlineCards(report),
    charts,
    variantsTable(report),
    comparisonsTable(report) ?? '')
  drawCharts(report)
}

let resizeTimer = 0
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer)
  resizeTimer = window.setTimeout(() => {
    if (current !== null && charts !== null && Math.abs(main.clientWidth - drawnWidth) > 40) drawCharts(current)
  }, 150)
})

rangeForm.addEventListener('submit', (e) => {
  e.preventDefault()
  void load()
})
changeKey.addEventListener('click', () => {
  controller?.abort()
  apiKey = null
  storeKey(null)
  current = null
  showKeyForm(false)
})

void load()
