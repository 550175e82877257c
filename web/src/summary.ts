// The summary card: what the draft adds up to, computed from the terms (weekly cost, milestone
// totals, schedule), plus what differs from the agreed version and who changed it.

import type { OfferDoc } from './doc'
import { h, setText, tr } from './dom'
import { daysBetween, formatDate, formatDuration, formatMoney, termDuration } from './format'
import { lang, t } from './i18n'
import type { Change } from './highlights'
import type { PartyRef } from './types'
import { fieldLabel } from './types'

type Row = [string, string, string?]

export class Summary {
  readonly card: HTMLElement
  private readonly body = h('dl', { class: 'summary' })
  private readonly warnings = h('ul', { class: 'warnings' })
  private readonly changes = h('div', { class: 'changes' })

  constructor () {
    this.card = h('section', { class: 'card card-summary', 'aria-labelledby': 'h-summary' },
      h('h2', { id: 'h-summary' }, tr('summary.title')), this.body, this.warnings, this.changes)
  }

  render (od: OfferDoc, changes: Change[], colorOf: (p: PartyRef | null) => string, meId: string | null, version: number | null): void {
    const cur = od.currency
    const rows: Row[] = []
    const warn: string[] = []
    if (od.contractType === 'hourly') {
      const rate = od.num('hourly_rate')
      const limit = od.num('weekly_limit')
      rows.push([t('summary.contract'), t('contract.hourly')])
      rows.push([t('summary.rate'), rate === null ? t('term.not_set') : t('unit.per_hour', { amount: formatMoney(rate, cur) })])
      rows.push([t('field.weekly_limit'), limit === null ? t('term.no_limit') : t('unit.hours_per_week', { n: limit })])
      rows.push([t('summary.max_weekly_cost'), rate === null ? '—' : limit === null ? t('summary.unlimited') : formatMoney(rate * limit, cur), 'strong'])
      rows.push([t('field.manual_time'), od.term('manual_time') === true ? t('term.allowed') : t('term.not_allowed')])
    } else {
      const price = od.num('fixed_price')
      const ms = od.draftMilestones()
      const sum = ms.reduce((s, m) => s + (m.amount ?? 0), 0)
      rows.push([t('summary.contract'), t('contract.fixed')])
      rows.push([t('field.fixed_price'), price === null ? t('term.not_set') : formatMoney(price, cur), 'strong'])
      rows.push([t('field.milestones'), ms.length === 0 ? t('summary.none') : t('summary.milestones', { n: ms.length, total: formatMoney(sum, cur) })])
      if (ms.length > 0 && price !== null && sum !== price) {
        warn.push(t('summary.sum_mismatch', { sum: formatMoney(sum, cur), price: formatMoney(price, cur) }))
      }
      const start = od.str('start_date')
      let prev: string | null = null
      for (const m of ms) {
        const title = m.title || t('term.untitled')
        if (m.due_date !== null && start !== null && m.due_date < start) warn.push(t('summary.due_before_start', { title }))
        if (m.due_date !== null && prev !== null && m.due_date < prev) warn.push(t('summary.due_before_previous', { title }))
        if (m.due_date !== null) prev = m.due_date
      }
    }
    const start = od.str('start_date')
    const end = od.str('end_date')
    rows.push([t('summary.starts'), formatDate(start, 'long')])
    rows.push([t('summary.ends'), end === null ? t('term.open_ended') : formatDate(end, 'long')])
    // One rule with the server: both dates count; days under 14 days, whole weeks from there.
    const term = termDuration(start, end)
    if (term !== null) rows.push([t('summary.duration'), formatDuration(term)])
    const days = daysBetween(start, end)
    if (days !== null && days < 0) warn.push(t('summary.end_before_start'))

    const key = JSON.stringify(rows)
    if (this.body.dataset.key !== key) {
      this.body.dataset.key = key
      this.body.replaceChildren(...rows.flatMap(([k, v, cls]) => [h('dt', {}, k), h('dd', { class: cls ?? '' }, v)]))
    }
    const wkey = JSON.stringify(warn)
    if (this.warnings.dataset.key !== wkey) {
      this.warnings.dataset.key = wkey
      this.warnings.replaceChildren(...warn.map((w) => h('li', {}, w)))
    }

    const ckey = JSON.stringify([lang(), changes.map((c) => [c.field, c.changers.map((p) => [p.id, p.name, colorOf(p)]), colorOf(c.by), c.agreed])]) + String(version)
    if (this.changes.dataset.key === ckey) return
    this.changes.dataset.key = ckey
    if (changes.length === 0) {
      this.changes.replaceChildren(h('p', { class: 'muted' },
        version === null ? t('summary.matches_agreed') : t('summary.matches_version', { version: String(version) })))
      return
    }
    const heading = h('p', { class: 'changes-head' })
    setText(heading, version === null
      ? t('summary.changes_from_agreed', { n: changes.length })
      : t('summary.changes_from_version', { n: changes.length, version: String(version) }))
    this.changes.replaceChildren(heading, h('ul', { class: 'change-list' }, ...changes.map((c) =>
      h('li', { style: `--chg:${colorOf(c.by)}` },
        h('span', { class: 'change-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'change-field' }, fieldLabel(c.field),
          c.field === 'description' ? null : h('span', { class: 'change-was' }, t('summary.was', { value: c.agreed }))),
        h('span', { class: 'change-by muted' }, ...c.changers.flatMap((p, i) => [
          i > 0 ? h('span', { class: 'sr-only' }, ', ') : null,
          h('span', { class: 'change-who', style: `--c:${colorOf(p)}` }, p.id === meId ? t('summary.by_you') : p.name)]))))))
  }
}
