// The summary card: what the draft adds up to, computed from the terms (weekly cost, milestone
// totals, schedule), plus what differs from the agreed version and who changed it.

import type { OfferDoc } from './doc'
import { h, setText } from './dom'
import { daysBetween, formatDate, formatMoney, plural } from './format'
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
      h('h2', { id: 'h-summary' }, 'Summary'), this.body, this.warnings, this.changes)
  }

  render (od: OfferDoc, changes: Change[], colorOf: (p: PartyRef | null) => string, meId: string | null, version: number | null): void {
    const cur = od.currency
    const rows: Row[] = []
    const warn: string[] = []
    if (od.contractType === 'hourly') {
      const rate = od.num('hourly_rate')
      const limit = od.num('weekly_limit')
      rows.push(['Contract', 'Hourly'])
      rows.push(['Rate', rate === null ? 'Not set' : `${formatMoney(rate, cur)}/h`])
      rows.push(['Weekly limit', limit === null ? 'No limit' : `${limit} h/week`])
      rows.push(['Max weekly cost', rate === null ? '—' : limit === null ? 'Unlimited' : formatMoney(rate * limit, cur), 'strong'])
      rows.push(['Manual time', od.term('manual_time') === true ? 'Allowed' : 'Not allowed'])
    } else {
      const price = od.num('fixed_price')
      const ms = od.draftMilestones()
      const sum = ms.reduce((s, m) => s + (m.amount ?? 0), 0)
      rows.push(['Contract', 'Fixed price'])
      rows.push(['Fixed price', price === null ? 'Not set' : formatMoney(price, cur), 'strong'])
      rows.push(['Milestones', ms.length === 0 ? 'None' : `${plural(ms.length, 'milestone', 'milestones')} · ${formatMoney(sum, cur)}`])
      if (ms.length > 0 && price !== null && sum !== price) {
        warn.push(`Milestones add up to ${formatMoney(sum, cur)}, not the fixed price of ${formatMoney(price, cur)}.`)
      }
      const start = od.str('start_date')
      let prev: string | null = null
      for (const m of ms) {
        if (m.due_date !== null && start !== null && m.due_date < start) warn.push(`“${m.title || 'Untitled'}” is due before the start date.`)
        if (m.due_date !== null && prev !== null && m.due_date < prev) warn.push(`“${m.title || 'Untitled'}” is due before the milestone above it.`)
        if (m.due_date !== null) prev = m.due_date
      }
    }
    const start = od.str('start_date')
    const end = od.str('end_date')
    rows.push(['Starts', formatDate(start, 'long')])
    rows.push(['Ends', end === null ? 'Open-ended' : formatDate(end, 'long')])
    const days = daysBetween(start, end)
    if (days !== null && days >= 0) rows.push(['Duration', days >= 14 ? plural(Math.round(days / 7), 'week', 'weeks') : plural(days, 'day', 'days')])
    if (days !== null && days < 0) warn.push('The end date is before the start date.')

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

    const ckey = JSON.stringify(changes.map((c) => [c.field, c.by?.id, c.by?.name, colorOf(c.by)])) + String(version)
    if (this.changes.dataset.key === ckey) return
    this.changes.dataset.key = ckey
    const vtext = version === null ? 'the agreed version' : `version ${version}`
    if (changes.length === 0) {
      this.changes.replaceChildren(h('p', { class: 'muted' }, `The draft matches ${vtext}.`))
      return
    }
    const heading = h('p', { class: 'changes-head' })
    setText(heading, `${plural(changes.length, 'change', 'changes')} from ${vtext}`)
    this.changes.replaceChildren(heading, h('ul', { class: 'change-list' }, ...changes.map((c) =>
      h('li', { style: `--chg:${colorOf(c.by)}` },
        h('span', { class: 'change-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'change-field' }, fieldLabel(c.field),
          c.field === 'description' ? null : h('span', { class: 'change-was' }, `agreed: ${c.agreed}`)),
        h('span', { class: 'muted' }, c.by === null ? '' : c.by.id === meId ? 'you' : c.by.name)))))
  }
}
