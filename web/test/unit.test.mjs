// Unit tests of the app's pure parts (money parsing, text diff, caret transform, the thread): node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bundle } from '../tools/test-bundle.mjs'
import { join } from 'node:path'

const lib = await bundle("export * from './src/format.ts'; export { diffAtCaret, transformPosition } from './src/description.ts'; " +
      "export * from './src/compare.ts'; export * from './src/status.ts'; export * from './src/closes.ts'; " +
      "export * from './src/links.ts'; export * from './src/timeline.ts'; export * from './src/thread.ts'; " +
      "export { titleWithUnread, notificationBody, notificationTitle } from './src/notify.ts'; " +
      "export { setLang } from './src/i18n.ts'")
lib.setLang('en') // these tests read English, whatever the machine's language (test/i18n.test.mjs reads the others)

test('money in en-US: grouping, decimals, symbol, empty', () => {
  const ok = (text, value) => assert.deepEqual(lib.parseMoney(text, 'USD', 'en-US'), { ok: true, value })
  ok('1,234.50', 123450)
  ok('$45', 4500)
  ok('45.5', 4550)
  ok(' 0.07 ', 7)
  ok('', null)
  for (const bad of ['12.345', '1,23.00', 'abc', '1.2.3', '-5']) assert.equal(lib.parseMoney(bad, 'USD', 'en-US').ok, false, bad)
})

test('money in de-DE: comma decimals, dot grouping, lone dot as decimal', () => {
  const ok = (text, value) => assert.deepEqual(lib.parseMoney(text, 'EUR', 'de-DE'), { ok: true, value })
  ok('1.234,50', 123450)
  ok('45,5', 4550)
  ok('45.5', 4550)
  ok('1.234', 123400)
  assert.equal(lib.parseMoney('12.34.5', 'EUR', 'de-DE').ok, false)
})

test('money in currencies with 0 and 3 minor digits', () => {
  assert.equal(lib.currencyDigits('JPY'), 0)
  assert.deepEqual(lib.parseMoney('1,500', 'JPY', 'en-US'), { ok: true, value: 1500 })
  assert.equal(lib.parseMoney('1,500.5', 'JPY', 'en-US').ok, false)
  assert.equal(lib.currencyDigits('KWD'), 3)
  assert.deepEqual(lib.parseMoney('2.125', 'KWD', 'en-US'), { ok: true, value: 2125 })
  assert.equal(lib.formatAmountInput(2125, 'KWD', 'en-US'), '2.125')
})

test('hours: empty is no limit, 1..168 whole hours', () => {
  assert.deepEqual(lib.parseHours(''), { ok: true, value: null })
  assert.deepEqual(lib.parseHours('40'), { ok: true, value: 40 })
  for (const bad of ['0', '169', '2.5', 'x']) assert.equal(lib.parseHours(bad).ok, false, bad)
})

test('diffAtCaret places edits inside runs of equal characters at the caret', () => {
  assert.deepEqual(lib.diffAtCaret('aa', 'aaa', 2), { index: 1, remove: 0, insert: 'a' })
  assert.deepEqual(lib.diffAtCaret('aa', 'aaa', 3), { index: 2, remove: 0, insert: 'a' })
  assert.deepEqual(lib.diffAtCaret('hello', 'help', 4), { index: 3, remove: 2, insert: 'p' })
  assert.deepEqual(lib.diffAtCaret('abc', 'ac', 1), { index: 1, remove: 1, insert: '' })
  assert.deepEqual(lib.diffAtCaret('', 'x', 1), { index: 0, remove: 0, insert: 'x' })
})

test('transformPosition moves a caret through remote inserts and deletes', () => {
  assert.equal(lib.transformPosition(5, [{ insert: 'abc' }]), 8)
  assert.equal(lib.transformPosition(5, [{ retain: 5 }, { insert: 'abc' }]), 5)
  assert.equal(lib.transformPosition(5, [{ retain: 6 }, { insert: 'abc' }]), 5)
  assert.equal(lib.transformPosition(5, [{ retain: 1 }, { delete: 2 }]), 3)
  assert.equal(lib.transformPosition(5, [{ retain: 3 }, { delete: 10 }]), 3)
})

test('dates format without shifting across time zones', () => {
  assert.equal(lib.daysBetween('2026-12-01', '2026-12-15'), 14)
  assert.match(lib.formatDate('2026-12-01'), /2026/)
})

const terms = (over = {}) => ({
  title: 'Checkout', contract_type: 'hourly', currency: 'USD', hourly_rate: 4500, weekly_limit: 20, manual_time: false,
  fixed_price: null, start_date: '2026-12-07', end_date: null, description: 'One. Two.', milestones: [], ...over
})

test('compare: scalar rows in order, changed ones marked, values in words', () => {
  const rows = lib.compareTerms(terms(), terms({ hourly_rate: 5500 }))
  assert.deepEqual(rows.map((r) => r.key), ['title', 'contract_type', 'currency', 'hourly_rate', 'weekly_limit', 'manual_time', 'start_date', 'end_date', 'description'])
  const rate = rows.find((r) => r.key === 'hourly_rate')
  assert.equal(rate.changed, true)
  assert.match(rate.a, /45\.00\/h$/)
  assert.match(rate.b, /55\.00\/h$/)
  assert.deepEqual(rows.filter((r) => r.changed).map((r) => r.key), ['hourly_rate'])
  assert.equal(rows.find((r) => r.key === 'end_date').a, 'Open-ended')
})

test('compare: a switch to fixed price shows both sets, milestones row by row with a total', () => {
  const ms = [{ id: 'm1', title: 'Design', amount: 50000, due_date: '2026-12-15' }, { id: 'm2', title: 'Build', amount: 70000, due_date: null }]
  const rows = lib.compareTerms(terms(), terms({ contract_type: 'fixed', hourly_rate: null, fixed_price: 120000, milestones: ms }))
  const rate = rows.find((r) => r.key === 'hourly_rate')
  assert.equal(rate.naB, true)
  assert.equal(rate.b, '—')
  assert.equal(rows.filter((r) => r.kind === 'milestone').map((r) => r.op).join(), 'added,added')
  assert.match(rows.find((r) => r.key === 'milestones_total').b, /1,200\.00/)
  const moved = lib.compareTerms(terms({ contract_type: 'fixed', milestones: ms }), terms({ contract_type: 'fixed', milestones: [ms[1], { ...ms[0], amount: 1 }] }))
  assert.deepEqual(moved.filter((r) => r.kind === 'milestone').map((r) => [r.label, r.op]), [['Milestone 1', 'same'], ['Milestone 2', 'changed']])
  const removed = lib.compareTerms(terms({ contract_type: 'fixed', milestones: ms }), terms({ contract_type: 'fixed', milestones: [ms[1]] }))
  assert.deepEqual(removed.filter((r) => r.kind === 'milestone').map((r) => r.op), ['same', 'removed'])
})

test('sentences: split keeps every character; changed ones are marked', () => {
  const text = 'One. Two!  Three?\n\nFour'
  assert.equal(lib.splitSentences(text).join(''), text)
  const d = lib.diffSentences('Build the cart. Add tests. Deploy.', 'Build the cart. Add more tests. Deploy. Write docs.')
  assert.deepEqual([d.added, d.removed, d.reworded], [1, 0, 1])
  assert.deepEqual(d.a.filter((s) => s.marked).map((s) => s.text.trim()), ['Add tests.'])
  assert.deepEqual(d.b.filter((s) => s.marked).map((s) => s.text.trim()), ['Add more tests.', 'Write docs.'])
  assert.equal(d.b.map((s) => s.text).join(''), 'Build the cart. Add more tests. Deploy. Write docs.')
  assert.equal(lib.sentenceSummary(d), '1 sentence added, 1 reworded')
  assert.equal(lib.sentenceSummary(lib.diffSentences('Same.', 'Same.')), '')
})

test('expiry: days, hours under two days, urgent under a day, closed offers have none', () => {
  const now = Date.parse('2026-12-01T12:00:00Z')
  const at = (ms) => new Date(now + ms).toISOString()
  assert.equal(lib.expiryInfo(at(3 * 86400e3), 'open', now).text, 'Expires in 3 days')
  assert.equal(lib.expiryInfo(at(3 * 86400e3), 'open', now).urgent, false)
  assert.equal(lib.expiryInfo(at(30 * 3600e3), 'open', now).text, 'Expires in 30 hours')
  const soon = lib.expiryInfo(at(5 * 3600e3), 'open', now)
  assert.deepEqual([soon.text, soon.urgent], ['Expires in 5 hours', true])
  assert.equal(lib.expiryInfo(at(42 * 60e3), 'open', now).text, 'Expires in 42 minutes')
  assert.equal(lib.expiryInfo(at(20e3), 'open', now).text, 'Expires in less than a minute')
  assert.equal(lib.expiryInfo(at(-1000), 'open', now).text, 'Expiring now')
  assert.equal(lib.expiryInfo(at(86400e3), 'agreed', now), null)
  assert.match(lib.expiryInfo(at(-1000), 'expired', now).text, /^Expired /)
})

test('turn: a proposal waits on the other party; otherwise on the freelancer or a drafting party', () => {
  const ada = { id: 'c', name: 'Ada Lovelace', role: 'client' }
  const linus = { id: 'f', name: 'Linus Torvalds', role: 'freelancer' }
  const base = { status: 'open', parties: [ada, linus], draftChangedBy: [] }
  const t = (over) => lib.turnInfo({ ...base, proposalBy: null, hasProposal: false, ...over })
  assert.equal(t({ proposalBy: linus, hasProposal: true, me: ada }).label, 'Waiting on you')
  assert.equal(t({ proposalBy: linus, hasProposal: true, me: linus }).label, 'Waiting on Ada')
  assert.equal(t({ me: ada }).label, 'Waiting on Linus')
  assert.equal(t({ me: linus }).label, 'Waiting on you')
  assert.equal(t({ me: ada, draftChangedBy: [ada] }).label, 'Waiting on you')
  assert.equal(t({ me: { id: 'v', name: 'Grace', role: 'viewer' }, proposalBy: ada, hasProposal: true }).label, 'Waiting on Linus')
  assert.equal(t({ status: 'agreed', me: ada }), null)
})

test('closed: says what happened, who, when and why', () => {
  const parties = [{ id: 'c', name: 'Ada Lovelace', role: 'client' }, { id: 'f', name: 'Linus Torvalds', role: 'freelancer' }]
  const ev = { kind: 'offer_withdrawn', at: '2026-12-01T12:00:00Z', actor: 'c', reason: 'Budget cut' }
  assert.equal(lib.closingEvent('withdrawn', [{ kind: 'created', at: '', actor: null, reason: null }, ev]), ev)
  const info = lib.closedInfo('withdrawn', 2, null, ev, parties, 'f')
  assert.equal(info.title, 'Withdrawn')
  assert.match(info.text, /^Ada Lovelace withdrew this offer on .*2026.*Reason: “Budget cut”\. The room/)
  assert.match(lib.closedInfo('withdrawn', 2, null, { ...ev, reason: 'Too late!' }, parties, 'f').text, /“Too late!” The room/)
  assert.match(lib.closedInfo('expired', 2, '2026-12-01T12:00:00Z', null, parties, 'f').text, /ask the client for a new offer/)
  assert.match(lib.closedInfo('expired', 2, '2026-12-01T12:00:00Z', null, parties, 'c').text, /send a new offer/)
  assert.match(lib.closedInfo('agreed', 3, null, { ...ev, kind: 'offer_accepted', actor: 'f', reason: null }, parties, 'f').text, /^You accepted/)
  assert.equal(lib.closedInfo('agreed', 3, null, null, parties, 'f').title, 'Agreed on version 3')
  assert.equal(lib.closedInfo('open', 1, null, null, parties, 'f'), null)
})

test('close codes read as what happened, the reason telling apart codes that are shared', () => {
  assert.equal(lib.describeClose(4401, 'this link was revoked').title, 'This link was revoked')
  assert.equal(lib.describeClose(4401, 'this link has expired').title, 'This link has expired or is invalid')
  assert.equal(lib.describeClose(4429, 'too many open connections for this user').title, 'This offer is open in too many windows')
  assert.equal(lib.describeClose(4429, 'too much work').title, 'Too many changes too quickly')
  assert.equal(lib.describeClose(4401).reload, false)
  assert.match(lib.describeClose(4999).message, /code 4999/)
})

// --- the conversation (issue 13) -----------------------------------------------------------------

test('links: http(s) and www. addresses become links, prose punctuation stays text', () => {
  const parts = (t) => lib.linkify(t).map((p) => p.href === undefined ? p.text : [p.text, p.href])
  assert.deepEqual(parts('See https://example.com/a?b=1.'), ['See ', ['https://example.com/a?b=1', 'https://example.com/a?b=1'], '.'])
  assert.deepEqual(parts('(www.example.org/x), ok'), ['(', ['www.example.org/x', 'https://www.example.org/x'], '), ok'])
  assert.deepEqual(parts('https://en.wikipedia.org/wiki/Foo_(bar)!'), [['https://en.wikipedia.org/wiki/Foo_(bar)', 'https://en.wikipedia.org/wiki/Foo_(bar)'], '!'])
  assert.deepEqual(parts('“http://a.example/”'), ['“', ['http://a.example/', 'http://a.example/'], '”'])
  assert.deepEqual(parts('two: https://a.example and HTTPS://B.example/x'),
    ['two: ', ['https://a.example', 'https://a.example/'], ' and ', ['HTTPS://B.example/x', 'https://b.example/x']])
  // Look-alike hosts open (and show on hover) as punycode.
  assert.equal(lib.linkify('https://exämple.com')[0].href, 'https://xn--exmple-cua.com/')
})

test('links: other schemes, credentials and broken addresses are never links', () => {
  for (const text of ['javascript:alert(1)', 'JaVaScRiPt://x', 'data:text/html,<b>x</b>', 'ftp://files.example/a',
    'vbscript:msgbox', 'https://', 'http://user:pass@evil.example/', 'mailto:a@b.example', 'example.com', 'xhttps://a.example']) {
    const parts = lib.linkify(text)
    assert.ok(parts.every((p) => p.href === undefined), text)
    assert.equal(parts.map((p) => p.text).join(''), text)
  }
  assert.equal(lib.safeHref('javascript:alert(1)'), null)
  assert.equal(lib.safeHref('www.example.org'), 'https://www.example.org/')
})

test('links: every part joined gives the text back, markup included', () => {
  for (const text of ['<script>alert(1)</script> https://a.example/?q=<b>', 'a\nb https://x.example/p.\n\nwww.y.example', '', 'plain']) {
    assert.equal(lib.linkify(text).map((p) => p.text).join(''), text)
  }
  const parts = lib.linkify('<img src=x onerror=alert(1)> https://a.example/?q=<b>')
  assert.equal(parts[0].text, '<img src=x onerror=alert(1)> ')
  assert.equal(parts[1].href, 'https://a.example/?q=')
})

/** Just enough of a DOM to see what appendText builds: elements, attributes, text nodes. */
function fakeDocument () {
  const el = (tag) => ({
    tag, attrs: {}, children: [],
    setAttribute (k, v) { this.attrs[k] = String(v) },
    append (...nodes) { this.children.push(...nodes) },
    set innerHTML (_) { throw new Error('innerHTML used') }
  })
  return { createElement: el, createTextNode: (text) => ({ text }) }
}

test('links: drawn as text nodes and safe anchors, never as markup', () => {
  const saved = globalThis.document
  globalThis.document = fakeDocument()
  try {
    const host = globalThis.document.createElement('div')
    lib.appendText(host, '<img src=x onerror=alert(1)> see https://a.example/x, javascript:alert(2)')
    assert.deepEqual(host.children.map((c) => c.tag ?? 'text'), ['text', 'a', 'text'])
    assert.equal(host.children[0].text, '<img src=x onerror=alert(1)> see ')
    const a = host.children[1]
    assert.deepEqual(a.attrs, { href: 'https://a.example/x', rel: 'noopener noreferrer nofollow', target: '_blank', class: 'msg-link', title: 'https://a.example/x' })
    assert.equal(a.children[0].text, 'https://a.example/x')
    assert.equal(a.children[1].attrs.class, 'sr-only')
    assert.equal(host.children[2].text, ', javascript:alert(2)')
  } finally {
    globalThis.document = saved
  }
})

const ada = { id: 'c', name: 'Ada Lovelace', role: 'client', color: '#2563eb' }
const linus = { id: 'f', name: 'Linus Torvalds', role: 'freelancer', color: '#c2410c' }
const sys = (event, payload = {}, author = null, body = '') => ({ n: 1, id: 's1', kind: 'system', at: '2026-12-01T12:00:00Z', author, body, event, payload })

test('system entries read as sentences from event, payload and author', () => {
  const say = (item, meId = 'x') => lib.systemSentence(item, { meId, nameOf: (id) => ({ c: 'Ada Lovelace', f: 'Linus Torvalds' })[id] ?? null })
  assert.equal(say(sys('proposed', { proposal_id: 'p1', base_version: 1, fields: ['hourly_rate', 'end_date'] }, linus)), 'Linus proposed changes to Hourly rate and End date')
  assert.equal(say(sys('proposed', { fields: ['fixed_price', 'milestones', 'milestones', 'description'] }, linus, 'Two more weeks')),
    'Linus proposed changes to Fixed price, Milestones, and Description: “Two more weeks”')
  assert.equal(say(sys('proposed', { fields: ['title'] }, linus), 'f'), 'You proposed changes to Title')
  assert.equal(say(sys('proposed', {}, linus)), 'Linus proposed changes')
  assert.equal(say(sys('proposal_accepted', { proposal_id: 'p1', version: 2 }, ada)), 'Ada accepted the proposal: version 2 agreed')
  assert.equal(say(sys('proposal_accepted', { version: 2 })), 'Version 2 agreed')
  assert.equal(say(sys('proposal_rejected', { proposal_id: 'p1' }, ada, 'Too expensive')), 'Ada rejected the proposal: “Too expensive”')
  assert.equal(say(sys('proposal_rejected', { proposal_id: 'p1' }, ada)), 'Ada rejected the proposal')
  assert.equal(say(sys('proposal_withdrawn', { proposal_id: 'p1' }, linus)), 'Linus withdrew the proposal')
  assert.equal(say(sys('reverted', { version: 1 }, ada)), 'Ada loaded version 1 into the draft')
  assert.equal(say(sys('offer_accepted', { version: 3 }, linus)), 'Linus accepted the offer: version 3 agreed')
  assert.equal(say(sys('offer_withdrawn', { version: 2 }, null, 'Budget cut')), 'Offer withdrawn: “Budget cut”')
  assert.equal(say(sys('offer_withdrawn', { version: 2 }, ada, 'Budget cut')), 'Ada withdrew the offer: “Budget cut”')
  assert.equal(say(sys('offer_declined', { version: 2 }, linus)), 'Linus declined the offer')
  assert.equal(say(sys('offer_expired', { version: 2 })), 'The offer expired')
  // An actor named only by id in the payload.
  assert.equal(say(sys('proposal_rejected', { actor: 'c' })), 'Ada rejected the proposal')
  assert.equal(say(sys('something_new', {}, ada)), 'Ada: Something new')
  assert.equal(lib.systemProposalId(sys('proposed', { proposal_id: 'p1' })), 'p1')
})

test('question topics read as the field, milestone or proposal they are about', () => {
  const ctx = { milestoneTitle: (id) => ({ m1: 'Design', m2: '' })[id], pendingProposalId: 'p2' }
  assert.equal(lib.topicLabel('hourly_rate', ctx), 'Hourly rate')
  assert.equal(lib.topicLabel('milestone:m1', ctx), 'Milestone “Design”')
  assert.equal(lib.topicLabel('milestone:m2', ctx), 'An untitled milestone')
  assert.equal(lib.topicLabel('milestone:gone', ctx), 'A removed milestone')
  assert.equal(lib.topicLabel('proposal:p2', ctx), 'The pending proposal')
  assert.equal(lib.topicLabel('proposal:p1', ctx), 'An earlier proposal')
  assert.equal(lib.topicLabel(null, ctx), 'The terms')
})

test('message times: relative while recent, then date and time, in en-US and de-DE', () => {
  const now = Date.parse('2026-12-01T12:00:00Z')
  const ago = (ms) => new Date(now - ms).toISOString()
  const t = (iso, loc) => lib.messageTime(iso, now, loc, 'UTC').text
  assert.equal(t(ago(20e3), 'en-US'), 'now')
  assert.equal(t(ago(20e3), 'de-DE'), 'jetzt')
  assert.equal(t(new Date(now + 90e3).toISOString(), 'en-US'), 'now') // a clock ahead of ours
  assert.equal(t(ago(5 * 60e3), 'en-US'), '5 min. ago')
  assert.equal(t(ago(5 * 60e3), 'de-DE'), 'vor 5 Min.')
  assert.equal(t(ago(2 * 3600e3), 'en-US'), '2 hr. ago')
  assert.equal(t(ago(2 * 3600e3), 'de-DE'), 'vor 2 Std.')
  assert.match(t('2026-11-29T09:05:00Z', 'en-US'), /^Nov 29, 9:05\sAM$/)
  assert.match(t('2026-11-29T09:05:00Z', 'de-DE'), /^29\. Nov\.?,? 0?9:05$/)
  assert.match(t('2025-11-29T09:05:00Z', 'en-US'), /2025/)
  assert.match(t('2025-11-29T09:05:00Z', 'de-DE'), /2025/)
  const full = lib.messageTime('2026-11-29T09:05:00Z', now, 'en-US', 'UTC').title
  assert.match(full, /Sunday, November 29, 2026/)
  assert.match(lib.messageTime('2026-11-29T09:05:00Z', now, 'de-DE', 'UTC').title, /Sonntag, 29\. November 2026/)
})

const item = (n, over = {}) => ({ n, id: `m${n}`, kind: 'message', at: '2026-12-01T12:00:00Z', author: ada, body: `body ${n}`, ...over })

test('thread items: ordered by n, replaced by id, older pages never overwrite live entries', () => {
  const merged = lib.mergeItems([item(3), item(1)], [item(2), item(5), item(4)])
  assert.deepEqual(merged.map((it) => it.n), [1, 2, 3, 4, 5])
  const edited = lib.mergeItems(merged, [item(2, { body: 'edited', edited_at: '2026-12-01T12:01:00Z' })])
  assert.equal(edited.length, 5)
  assert.equal(edited.find((it) => it.id === 'm2').body, 'edited')
  const stale = lib.mergeItems(edited, [item(2, { body: 'old' }), item(0)], false)
  assert.equal(stale.find((it) => it.id === 'm2').body, 'edited')
  assert.deepEqual(stale.map((it) => it.n), [0, 1, 2, 3, 4, 5])
  assert.deepEqual(lib.mergeItems([], [{ id: 'x' }, null, item(1)]).map((it) => it.id), ['m1'])
})

test('questions, answers, unread and the edit window', () => {
  const q = item(1, { kind: 'question', about: 'hourly_rate', status: 'open' })
  const done = item(2, { kind: 'question', about: 'end_date', status: 'resolved' })
  const a1 = item(3, { kind: 'answer', reply_to: 'm1', author: linus })
  const mine = item(4, { author: linus, at: '2026-12-01T12:00:00Z' })
  const items = [q, done, a1, mine]
  assert.deepEqual(lib.openQuestions(items).map((it) => it.id), ['m1'])
  assert.deepEqual(lib.openQuestions(items, 'end_date'), [])
  assert.deepEqual(lib.answersByQuestion(items).get('m1').map((it) => it.id), ['m3'])
  assert.equal(lib.firstUnread(items, 2, 'f'), null) // after 2 only Linus's own entries
  assert.equal(lib.firstUnread(items, 0, 'f').id, 'm1')
  const at = Date.parse('2026-12-01T12:00:00Z')
  assert.equal(lib.canModify(mine, 'f', at + 4 * 60e3), true)
  assert.equal(lib.canModify(mine, 'f', at + 5 * 60e3), false)
  assert.equal(lib.canModify(mine, 'c', at), false)
  assert.equal(lib.canModify({ ...mine, deleted: true }, 'f', at), false)
  assert.equal(lib.canModify(sys('proposed'), null, at), false)
})

function fakeConnection () {
  const sent = []
  const opens = []
  return { sent, opens, state: 'connected', sendRaw (msg) { sent.push(msg); return true }, onOpen (fn) { opens.push(fn) } }
}

test('thread store: join, live updates, rejoin, read position, requests answered by ref', async () => {
  const conn = fakeConnection()
  const thread = new lib.Thread({ conn, api: null, me: () => linus })
  const fresh = []
  thread.onNew((it) => fresh.push(it.id))
  thread.handle({ type: 'thread', items: [item(50), item(51)], unread: 1, last_read: 50, more: true })
  assert.deepEqual([thread.items.length, thread.unread, thread.lastRead, thread.more, thread.loaded], [2, 1, 50, true, true])
  thread.handle({ type: 'thread_update', item: item(52) })
  thread.handle({ type: 'thread_update', item: item(51, { body: 'changed' }) })
  assert.deepEqual(fresh, ['m52'])
  assert.equal(thread.get('m51').body, 'changed')
  // Rejoin with an overlapping page keeps what is held; with a gap it starts over.
  thread.handle({ type: 'thread', items: [item(52), item(53)], unread: 0, last_read: 53, more: true })
  assert.deepEqual(thread.items.map((it) => it.n), [50, 51, 52, 53])
  thread.handle({ type: 'thread', items: [item(90)], unread: 0, last_read: 90, more: false })
  assert.deepEqual([thread.items.map((it) => it.n), thread.more], [[90], false])
  // Read: once per position, never backwards.
  thread.markRead(80)
  thread.markRead(95)
  thread.markRead(95)
  assert.deepEqual(conn.sent, [{ type: 'mark_read', upto: 95 }])
  // A post: pending until its ack; the ack's ref is ours.
  const done = thread.post('question', 'Why?', 'hourly_rate')
  const frame = conn.sent[1]
  assert.deepEqual({ ...frame, id: undefined }, { type: 'post', id: undefined, body: 'Why?', kind: 'question', about: 'hourly_rate' })
  assert.equal(thread.pending.length, 1)
  assert.equal(thread.handle({ type: 'ack', ref: 'someone-else' }), false)
  thread.handle({ type: 'thread_update', item: item(91, { kind: 'question', about: 'hourly_rate', body: 'Why?', author: linus }) })
  assert.equal(thread.pending.length, 0) // its entry arrived first: drawn once
  assert.equal(thread.handle({ type: 'ack', ref: frame.id, command: 'post', message_id: 'm91' }), true)
  assert.deepEqual(await done, { ok: true, messageId: 'm91' })
  const refused = thread.edit('m91', 'Why so?')
  thread.handle({ type: 'error', ref: conn.sent[2].id, code: 'rate_limited', message: 'slow down', retry_after_s: 3 })
  const r = await refused
  assert.equal(r.ok, false)
  assert.equal(r.error.code, 'rate_limited')
  // In flight when the link drops: sent again, same id, when it opens.
  void thread.resolve('m1')
  const before = conn.sent.length
  for (const fn of conn.opens) fn()
  assert.equal(conn.sent.length, before + 1)
  assert.equal(conn.sent[before].id, conn.sent[before - 1].id)
})

test('the tab title counts unread entries; notifications are short', () => {
  assert.equal(lib.titleWithUnread('Checkout · Offer room', 0), 'Checkout · Offer room')
  assert.equal(lib.titleWithUnread('Checkout · Offer room', 3), '(3) Checkout · Offer room')
  assert.equal(lib.titleWithUnread('T', 120), '(99+) T')
  assert.equal(lib.notificationBody('a\n\n b   c'), 'a b c')
  assert.equal(lib.notificationBody('x'.repeat(300)).length, 160)
  assert.equal(lib.notificationTitle(item(1, { kind: 'question' }), 'Hourly rate'), 'Ada Lovelace asked about Hourly rate')
  assert.equal(lib.notificationTitle(item(1), ''), 'Ada Lovelace sent a message')
})

test('thread store: counts news itself, keeps held entries one run, knows older open questions', () => {
  const conn = fakeConnection()
  const thread = new lib.Thread({ conn, api: null, me: () => ada })
  const oldQ = item(3, { kind: 'question', about: 'end_date', status: 'open', author: linus })
  thread.handle({ type: 'thread', items: [item(10, { author: linus }), item(11)], unread: 1, last_read: 10, more: true, open_questions: [oldQ] })
  assert.deepEqual(thread.openQuestions().map((q) => q.id), ['m3'])
  assert.deepEqual(thread.openQuestions('hourly_rate'), [])
  // News from the other party counts; one's own posts and system entries for one's own acts do not.
  thread.handle({ type: 'thread_update', item: item(12, { author: linus }) })
  thread.handle({ type: 'thread_update', item: item(13) })
  thread.handle({ type: 'thread_update', item: { ...sys('proposed', {}, ada), n: 14, id: 's14' } })
  thread.handle({ type: 'thread_update', item: { ...sys('offer_expired'), n: 15, id: 's15' } })
  assert.equal(thread.unread, 3)
  thread.handle({ type: 'thread_update', item: item(12, { author: linus, deleted: true, body: '' }) })
  assert.equal(thread.unread, 2)
  // An old question resolved: not merged into the held run, and no longer open.
  thread.handle({ type: 'thread_update', item: { ...oldQ, status: 'resolved' } })
  assert.deepEqual(thread.items.map((it) => it.n), [10, 11, 12, 13, 14, 15])
  assert.deepEqual(thread.openQuestions(), [])
  assert.equal(lib.isUnread(item(20, { author: linus }), 19, 'c'), true)
  assert.equal(lib.isUnread(item(20), 19, 'c'), false)
  assert.equal(lib.isUnread(item(20, { author: linus }), 20, 'c'), false)
})

test('bodies are sent clean: line endings, control and direction characters, outer space', () => {
  assert.equal(lib.cleanBody('  hi\r\nthere\r  '), 'hi\nthere')
  assert.equal(lib.cleanBody('pay \u202elanoitan\u202c bank\u0007'), 'pay lanoitan bank')
  assert.equal(lib.cleanBody('tab\tkept'), 'tab\tkept')
  assert.equal(lib.cleanBody(' \n '), '')
})
