// The outcome report page's pure parts (src/report/model.ts, texts.ts): comparison sentences,
// missing figures, scales and ticks, the stacking of reasons, and its three catalogs: node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle } from '../tools/test-bundle.mjs'

const lib = await bundle("export * from './src/report/model.ts'; export * from './src/report/texts.ts'")
const en = new lib.Fmt('en', 'en-US')
const de = new lib.Fmt('de', 'de-DE')
/** Intl puts no-break spaces in German figures ("50 %"): compare them as plain spaces. */
const sp = (text) => text.replace(/[\u00a0\u202f]/g, ' ')

const rate = (r, low, high, n = 500) => ({ count: Math.round((r ?? 0) * n), n, rate: r, low, high })
const summary = (median, low, high) => ({ n: 200, mean: median, median, low, high, p25: median === null ? null : median - 2, p75: median === null ? null : median + 3 })
const nps = (score) => ({ n: 100, promoters: 50, passives: 20, detractors: 30, score, low: score === null ? null : score - 10, high: score === null ? null : score + 10 })
const variant = (name, acc, start, score) => ({
  variant: name,
  offers: 500,
  status: { open: 1, agreed: 2, withdrawn: 3, declined: 4, expired: 5 },
  accepted_7d: rate(acc, acc === null ? null : acc - 0.04, acc === null ? null : acc + 0.04),
  agreed: rate(0.5, 0.4, 0.6),
  agreed_after_counter: rate(0.2, 0.1, 0.3),
  time_to_agreement_h: summary(30, 25, 35),
  time_to_start_d: summary(start, start === null ? null : start - 1, start === null ? null : start + 1),
  rounds: summary(2, 1, 3),
  proposals: { client: summary(1, 1, 2), freelancer: summary(1, 1, 2) },
  response_h: { client: summary(5, 4, 6), freelancer: summary(3, 2, 4) },
  reasons: {},
  expired_turn: { client: 1, freelancer: 2, none: 0 },
  nps: { client: nps(score), freelancer: nps(score), all: nps(score) }
})
const report = (comparisons, variants = [variant('control', 0.4, 9, 20), variant('assist', 0.5, 6.5, 32)]) => ({
  from: '2026-09-03', to: '2026-12-02', generated_at: '2026-12-02T12:00:00Z', confidence: 0.95, offers: 1000, truncated: false,
  baseline: 'control', variants, comparisons
})
const cmp = (metric, difference, low, high, p, significant) =>
  ({ metric, baseline: 'control', variant: 'assist', difference, low, high, p_value: p, test: 't', significant })

test('the headline sentence: values, difference in points, interval and p', () => {
  const r = report([cmp('accepted_7d', 0.1, 0.04, 0.16, 0.001, true)])
  const s = lib.compareSentence(en, r, 'accepted_7d', 'assist')
  assert.equal(s.values, '50% vs 40%')
  assert.equal(s.detail, '+10 pts, 95% CI +4 to +16, p = 0.001')
  assert.equal(s.full, 'Accepted within 7 days: 50% vs 40% (+10 pts, 95% CI +4 to +16, p = 0.001)')
  assert.equal(s.verdict, 'better')
})

test('the headline sentence in German: decimal commas, its own words', () => {
  const r = report([cmp('time_to_start_d', -2.5, -4, -1, 0.0123, true)])
  const s = lib.compareSentence(de, r, 'time_to_start_d', 'assist')
  assert.match(sp(s.values), /^6,5 Tg\. gegenüber 9 Tg\.$/)
  assert.match(sp(s.detail), /^-2,5 Tg\., 95 %-KI -4 bis -1, p = 0,012$/)
  // Lower is better for time to start: a significant drop is "better".
  assert.equal(s.verdict, 'better')
})

test('verdicts: worse, not significant, no data, and metrics with no better side', () => {
  assert.equal(lib.verdict(cmp('accepted_7d', -0.1, -0.16, -0.04, 0.001, true)), 'worse')
  assert.equal(lib.verdict(cmp('time_to_start_d', 2, 1, 3, 0.01, true)), 'worse')
  assert.equal(lib.verdict(cmp('nps', 12, -3, 27, 0.13, false)), 'not')
  assert.equal(lib.verdict(cmp('rounds', 1, 0.5, 1.5, 0.01, true)), 'significant')
  assert.equal(lib.verdict(cmp('nps', null, null, null, null, null)), 'nodata')
  assert.equal(lib.verdict(undefined), 'nodata')
})

test('missing figures read as a dash and "not enough data", never NaN', () => {
  const variants = [variant('control', 0.4, 9, 20), variant('assist', null, null, null)]
  const r = report([cmp('nps', null, null, null, null, null)], variants)
  for (const metric of ['accepted_7d', 'time_to_start_d', 'nps']) {
    const s = lib.compareSentence(en, r, metric, 'assist')
    assert.ok(!/NaN|undefined|null|Infinity/.test(s.full), s.full)
    assert.ok(s.values.startsWith('— vs '), s.values)
    assert.equal(s.detail, 'not enough data')
    assert.equal(s.verdict, 'nodata')
  }
  for (const x of [null, undefined, NaN, Infinity]) {
    assert.equal(en.pct(x), '—')
    assert.equal(en.days(x), '—')
    assert.equal(en.score(x), '—')
    assert.equal(en.diff('accepted_7d', x), '—')
    assert.equal(en.date(x), '—')
  }
  // A comparison with a difference but no interval still says so with dashes.
  const s = lib.compareSentence(en, report([cmp('accepted_7d', 0.1, null, null, 0.2, false)]), 'accepted_7d', 'assist')
  assert.equal(s.detail, '+10 pts, 95% CI — to —, p = 0.2')
})

test('figures: percents, signed points, p-values, NPS, dates', () => {
  assert.equal(en.pct(0.5), '50%')
  assert.equal(en.pct(0.053), '5.3%')
  assert.equal(sp(de.pct(0.5)), '50 %')
  assert.equal(en.diff('accepted_7d', -0.035), '-3.5 pts')
  assert.equal(en.diff('nps', 12), '+12 points')
  assert.equal(en.diff('accepted_7d', 0), '0 pts')
  assert.equal(en.p(0.0004), 'p < 0.001')
  assert.equal(en.p(0.04567), 'p = 0.046')
  assert.equal(en.score(32), '+32')
  assert.equal(en.score(-5), '-5')
  assert.equal(en.score(0), '0')
  assert.equal(en.date('2026-09-03'), 'Sep 3, 2026')
  assert.equal(en.date('2026-09-03T23:59:59Z'), 'Sep 3, 2026')
  assert.equal(de.date('2026-09-03'), '03.09.2026')
})

test('ticks are nice numbers covering the data; the scale maps and clamps', () => {
  assert.deepEqual(lib.ticks(0, 0.56), [0, 0.2, 0.4, 0.6])
  assert.deepEqual(lib.ticks(0, 0.56, 10), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
  assert.deepEqual(lib.ticks(0, 23, 10), [0, 2.5, 5, 7.5, 10, 12.5, 15, 17.5, 20, 22.5, 25])
  assert.deepEqual(lib.ticks(0, 13.2, 3), [0, 5, 10, 15])
  assert.deepEqual(lib.ticks(0.05, 0.37, 3), [0, 0.2, 0.4])
  assert.deepEqual(lib.ticks(-100, 100, 4), [-100, -50, 0, 50, 100])
  assert.deepEqual(lib.ticks(0, 0), [0, 0.2, 0.4, 0.6, 0.8, 1]) // no span: an axis of one unit
  assert.deepEqual(lib.ticks(NaN, 1), [0, 1])
  const x = lib.linear([0, 0.6], [150, 650])
  assert.equal(x(0), 150)
  assert.equal(x(0.3), 400)
  assert.equal(x(0.6), 650)
  assert.equal(x(2), 650) // clamped: an interval past the axis ends at its edge
  assert.equal(x(-1), 150)
  assert.equal(lib.maxOf([null, 3, undefined, NaN, 7, 2]), 7)
  assert.equal(lib.maxOf([null, undefined], 0.1), 0.1)
})

test('reasons stack in the fixed order, shares sum to one, zero and junk dropped', () => {
  const st = lib.stackReasons({ other: 2, budget: 3, terms: 5, zzz: 1, unspecified: 0, timeline: -1, scope_unclear: null })
  assert.equal(st.total, 11)
  assert.deepEqual(st.segments.map((s) => s.reason), ['terms', 'budget', 'other', 'zzz'])
  assert.deepEqual(st.segments.map((s) => s.count), [5, 3, 2, 1])
  assert.equal(st.segments[0].start, 0)
  for (let i = 1; i < st.segments.length; i++) assert.equal(st.segments[i].start, st.segments[i - 1].end)
  assert.equal(st.segments.at(-1).end, 1)
  assert.ok(Math.abs(st.segments[0].share - 5 / 11) < 1e-12)
  assert.deepEqual(lib.stackReasons({}), { total: 0, segments: [] })
  assert.deepEqual(lib.stackReasons(undefined), { total: 0, segments: [] })
  const vs = [{ reasons: { withdrawn: { budget: 1 }, declined: { hired_someone_else: 2 } } }, { reasons: { rejected: { terms: 1, budget: 0 } } }]
  assert.deepEqual(lib.reasonsPresent(vs), ['terms', 'budget', 'hired_someone_else'])
})

test('the default range is the last 90 days, as input dates', () => {
  assert.deepEqual(lib.defaultRange(new Date(2026, 11, 2)), { from: '2026-09-03', to: '2026-12-02' })
  assert.deepEqual(lib.defaultRange(new Date(2026, 2, 1)), { from: '2025-12-01', to: '2026-03-01' })
})

test('the language comes from the browser; three catalogs with the same keys and placeholders', () => {
  assert.equal(lib.pickLang(['de-AT', 'en']), 'de')
  assert.equal(lib.pickLang(['fr-FR', 'es-MX']), 'es')
  assert.equal(lib.pickLang(['fr']), 'en')
  assert.equal(lib.localeFor('de', ['de-AT']), 'de-AT')
  assert.equal(lib.localeFor('es', ['en-GB']), 'es-ES')
  const ph = (e) => [...new Set((typeof e === 'string' ? [e] : Object.values(e)).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort()
  const keys = Object.keys(lib.TEXTS.en).sort()
  for (const l of ['de', 'es']) {
    assert.deepEqual(Object.keys(lib.TEXTS[l]).sort(), keys, l)
    for (const k of keys) assert.deepEqual(ph(lib.TEXTS[l][k]), ph(lib.TEXTS.en[k]), `${l} ${k}`)
  }
  const t = lib.translator('en', 'en-US')
  assert.equal(t('meta.offers', { n: 1 }), '1 offer')
  assert.equal(t('meta.offers', { n: 1000 }), '1,000 offers')
  assert.equal(lib.translator('de', 'de-DE')('meta.offers', { n: 1000 }), '1.000 Angebote')
  // Every metric, reason, ending and role the report can name has words in each language.
  for (const k of [...Object.keys(lib.METRICS).map((m) => `metric.${m}`), 'reason.hired_someone_else', 'group.rejected', 'role.all']) {
    assert.ok(k in lib.TEXTS.en, k)
  }
})

test('the range ends on the day the reader chose, not the exclusive midnight after it', () => {
  assert.equal(en.date(lib.lastDay('2026-12-03T00:00:00Z')), 'Dec 2, 2026')
  assert.equal(en.date(lib.lastDay('2026-12-03T00:00:00+00:00')), 'Dec 2, 2026')
  assert.equal(en.date(lib.lastDay('2026-12-02T15:30:00Z')), 'Dec 2, 2026')
  assert.equal(en.date(lib.lastDay('2026-12-02')), 'Dec 2, 2026')
  assert.equal(lib.lastDay(null), null)
})
