// Reason categories per action, the closing question's states and its `rate` payload, and what an
// experiment variant's features hide (src/outcomes.ts, src/features.ts): node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle } from '../tools/test-bundle.mjs'

const lib = await bundle("export { REASONS, reasonAction, reasonLabel, SurveyModel, rateCommand, rateError, COMMENT_MAX } from './src/outcomes.ts'; " +
  "export { setFeatures, featureOn, middleGroundShown } from './src/features.ts'; " +
  "export { allDeclined, decideFields } from './src/decide.ts'; " +
  "export { noticeText } from './src/notices.ts'; export { closedInfo } from './src/status.ts'; " +
  "export { setLang, CATALOGS } from './src/i18n.ts'")
lib.setLang('en')

test('each action offers its own categories, in the server\'s order', () => {
  assert.deepEqual([...lib.REASONS.withdraw_offer], ['terms', 'budget', 'timeline', 'scope_unclear', 'no_response', 'hired_someone_else', 'other'])
  assert.deepEqual([...lib.REASONS.decline_offer], ['terms', 'budget', 'timeline', 'scope_unclear', 'no_response', 'not_available', 'other'])
  assert.deepEqual([...lib.REASONS.reject], ['terms', 'budget', 'timeline', 'scope_unclear', 'other'])
  // A client never "is not available", a freelancer never "hired someone else".
  assert.ok(!lib.REASONS.withdraw_offer.includes('not_available'))
  assert.ok(!lib.REASONS.decline_offer.includes('hired_someone_else'))
  assert.equal(lib.reasonAction('decide'), 'reject')
  assert.equal(lib.reasonAction('withdraw_offer'), 'withdraw_offer')
  assert.equal(lib.reasonAction('accept_offer'), null)
})

test('every category has words in every language', () => {
  const codes = new Set(Object.values(lib.REASONS).flat())
  for (const l of ['en', 'de', 'es']) {
    lib.setLang(l)
    for (const code of codes) {
      const label = lib.reasonLabel(code)
      assert.ok(label !== null && label !== '' && !label.startsWith('reason.'), `${l} ${code}`)
    }
  }
  lib.setLang('en')
  assert.equal(lib.reasonLabel('budget'), 'Budget')
  assert.equal(lib.reasonLabel('made_up'), null)
  assert.equal(lib.reasonLabel(null), null)
})

test('declining every change is a reject: only then does decide carry reason_code', () => {
  assert.equal(lib.allDeclined(['declined', 'declined']), true)
  assert.equal(lib.allDeclined(['declined', 'accepted']), false)
  assert.equal(lib.allDeclined([]), false)
  const all = lib.decideFields({ proposalId: 'p1', version: 3, accept: [], counter: {}, decline: ['hourly_rate'], reason: '', reasonCode: 'budget' })
  assert.deepEqual(all, { proposal_id: 'p1', base_version: 3, accept: [], counter: {}, decline: ['hourly_rate'], reason: null, reason_code: 'budget' })
  const some = lib.decideFields({ proposalId: 'p1', version: 3, accept: ['title'], counter: {}, decline: ['hourly_rate'], reason: 'no', reasonCode: 'budget' })
  assert.equal('reason_code' in some, false)
  assert.equal(some.reason, 'no')
})

test('notices and the closed banner name the category in the reader\'s language', () => {
  const n = { kind: 'offer_withdrawn', text: 'Ada withdrew the offer.', by: { name: 'Ada' }, params: { reason: 'We found a cheaper option', reason_code: 'budget' } }
  assert.equal(lib.noticeText(n), 'Ada withdrew the offer — Budget: “We found a cheaper option”')
  assert.equal(lib.noticeText({ ...n, kind: 'offer_declined', params: { reason_code: 'not_available' } }), 'Ada declined the offer — Not available.')
  assert.equal(lib.noticeText({ ...n, kind: 'proposal_rejected', params: { reason_code: 'timeline' } }), 'Ada rejected the proposal — Timeline.')
  // No category (an older integrator's call): as before.
  assert.equal(lib.noticeText({ ...n, params: { reason: 'Sorry' } }), 'Ada withdrew the offer: “Sorry”')
  const parties = [{ id: 'c', name: 'Ada', role: 'client' }, { id: 'f', name: 'Linus', role: 'freelancer' }]
  const event = { kind: 'offer_withdrawn', at: '2026-12-02T10:00:00Z', actor: 'c', reason: 'We found a cheaper option', reason_code: 'budget' }
  const info = lib.closedInfo('withdrawn', 2, null, event, parties, 'f')
  assert.equal(info.title, 'Withdrawn — Budget')
  assert.match(info.text, /We found a cheaper option/)
  lib.setLang('de')
  assert.equal(lib.closedInfo('withdrawn', 2, null, event, parties, 'f').title, 'Zurückgezogen — Budget')
  lib.setLang('es')
  assert.equal(lib.noticeText(n), 'Ada retiró la oferta — Presupuesto: «We found a cheaper option»')
  lib.setLang('en')
  // The category may come in the event's payload (the audit log) instead.
  assert.equal(lib.closedInfo('withdrawn', 2, null, { ...event, reason_code: undefined, payload: { reason_code: 'terms' } }, parties, 'f').title, 'Withdrawn — Terms')
})

test('the survey card: shown when asked, choose, send, thanks', () => {
  const m = new lib.SurveyModel()
  assert.equal(m.state, 'hidden')
  m.receive({ rated: false, score: null })
  assert.equal(m.state, 'asking')
  // Send without a score: nothing is sent, the reason is shown.
  assert.equal(m.submit(), null)
  assert.equal(m.error, 'Choose a number from 0 to 10.')
  m.choose(11) // not on the scale
  assert.equal(m.score, null)
  m.choose(9)
  assert.equal(m.error, null)
  m.setComment('  Clear and fast.  ')
  assert.deepEqual(m.submit(), { score: 9, comment: 'Clear and fast.' })
  assert.equal(m.state, 'sending')
  // The server's survey{rated:true} may come before the ack: thanks either way.
  m.receive({ rated: true, score: 9 })
  assert.equal(m.state, 'thanks')
  m.answered({ ok: true })
  assert.equal(m.state, 'thanks')
  // Asked again (another socket): the thanks stay.
  m.receive({ rated: false })
  assert.equal(m.state, 'thanks')
})

test('the survey card: payload shape, refusals inline, Not now for this page view', () => {
  assert.deepEqual(lib.rateCommand(0, ''), { score: 0 })
  assert.deepEqual(lib.rateCommand(3, '   '), { score: 3 })
  assert.equal(lib.rateCommand(10, 'x'.repeat(1200)).comment.length, lib.COMMENT_MAX)
  const m = new lib.SurveyModel()
  m.receive({ rated: false })
  m.choose(3)
  assert.deepEqual(m.submit(), { score: 3 })
  m.answered({ ok: false, code: 'not_closed' })
  assert.equal(m.state, 'asking')
  assert.match(m.error, /still open/)
  assert.deepEqual(m.submit(), { score: 3 })
  m.answered({ ok: false, code: 'already_rated' })
  assert.equal(m.state, 'thanks')
  for (const code of ['not_closed', 'already_rated', 'forbidden', 'bad_request']) {
    for (const l of ['en', 'de', 'es']) {
      lib.setLang(l)
      assert.ok(!lib.rateError(code, '').startsWith('survey.'), `${l} ${code}`)
    }
  }
  lib.setLang('en')
  assert.equal(lib.rateError('internal', 'Server says no'), 'Server says no')
  const later = new lib.SurveyModel()
  later.receive({ rated: false })
  later.dismiss()
  assert.equal(later.state, 'hidden')
  later.receive({ rated: false }) // a reconnect asks again: not on this page view
  assert.equal(later.state, 'hidden')
  // Already answered on arrival: nothing to show.
  const done = new lib.SurveyModel()
  done.receive({ rated: true, score: 7 })
  assert.equal(done.state, 'hidden')
})

test('features: null or absent means all on; middle ground off hides its control', () => {
  lib.setFeatures(null)
  assert.equal(lib.featureOn('middle_ground'), true)
  assert.equal(lib.middleGroundShown(true, true), true)
  lib.setFeatures({ explanations: false, offer_check: true, middle_ground: false, reminders: true }, 'control')
  assert.equal(lib.featureOn('explanations'), false)
  assert.equal(lib.featureOn('offer_check'), true)
  assert.equal(lib.middleGroundShown(true, true), false)
  lib.setFeatures({ explanations: true }) // the rest default to on
  assert.equal(lib.middleGroundShown(true, true), true)
  assert.equal(lib.middleGroundShown(false, true), false)
  assert.equal(lib.middleGroundShown(true, false), false)
  lib.setFeatures(undefined)
})

/** Just enough of a DOM for the card: elements with attributes, listeners, text and children. */
function fakeDocument () {
  const el = (tag) => ({
    tag, attrs: {}, children: [], listeners: {}, hidden: false, disabled: false, value: '', className: '', style: {}, _text: '',
    setAttribute (k, v) { this.attrs[k] = String(v); if (k === 'hidden') this.hidden = true },
    getAttribute (k) { return this.attrs[k] ?? null },
    removeAttribute (k) { delete this.attrs[k] },
    addEventListener (type, fn) { (this.listeners[type] ??= []).push(fn) },
    fire (type) { for (const fn of this.listeners[type] ?? []) fn({ type }) },
    append (...nodes) { this.children.push(...nodes) },
    replaceChildren (...nodes) { this.children = nodes },
    focus () { globalThis.document.activeElement = this },
    get textContent () { return this._text !== '' ? this._text : this.children.map((c) => c.textContent ?? c.nodeValue ?? '').join('') },
    set textContent (v) { this._text = v; this.children = [] }
  })
  return { createElement: el, createTextNode: (text) => ({ nodeValue: text }), activeElement: null, documentElement: {} }
}

function find (node, pred, out = []) {
  if (pred(node)) out.push(node)
  for (const c of node.children ?? []) find(c, pred, out)
  return out
}

test('the survey card drawn: hidden, asked, a score chosen, Send sends {score, comment}, thanks', async () => {
  const saved = globalThis.document
  globalThis.document = fakeDocument()
  try {
    const { SurveyCard } = await bundle("export { SurveyCard } from './src/outcomes.ts'")
    const sent = []
    const card = new SurveyCard({ send: async (cmd) => { sent.push(cmd); return { ok: true } } })
    assert.equal(card.el.hidden, true)
    card.receive({ rated: false, score: null })
    assert.equal(card.el.hidden, false)
    const radios = find(card.el, (n) => n.tag === 'input' && n.attrs.type === 'radio')
    assert.deepEqual(radios.map((r) => r.attrs.value), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'])
    const textarea = find(card.el, (n) => n.tag === 'textarea')[0]
    assert.equal(textarea.attrs.maxlength, '1000')
    const buttons = find(card.el, (n) => n.tag === 'button')
    const [send, later] = buttons
    assert.equal(send.textContent, 'Send')
    assert.equal(later.textContent, 'Not now')
    radios[9].fire('change')
    textarea.value = 'Clear and fast.'
    textarea.fire('input')
    send.fire('click')
    assert.deepEqual(sent, [{ score: 9, comment: 'Clear and fast.' }])
    assert.equal(send.disabled, true) // waiting for the answer
    await new Promise((resolve) => setTimeout(resolve, 0))
    assert.equal(card.model.state, 'thanks')
    assert.equal(find(card.el, (n) => n.attrs?.role === 'status')[0].textContent, 'Thanks for your answer.')
    // Not now hides it for this page view.
    const other = new SurveyCard({ send: async () => ({ ok: true }) })
    other.receive({ rated: false })
    find(other.el, (n) => n.tag === 'button')[1].fire('click')
    assert.equal(other.el.hidden, true)
    other.receive({ rated: false })
    assert.equal(other.el.hidden, true)
  } finally {
    globalThis.document = saved
  }
})
