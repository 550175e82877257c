// Embedding and theming (src/theme.ts, src/embed.ts, embed/offer-room-embed.ts): strict parsing
// of the host's theme, contrast kept at WCAG AA whatever it picks, origin rules, commands: node --test
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import vm from 'node:vm'
import { bundle, root } from '../tools/test-bundle.mjs'
import { darkRules } from '../tools/dark-css.mjs'

const lib = await bundle("export * from './src/theme.ts'; export { hostOrigin, parseCommand } from './src/embed.ts'; " +
  "export { FRAME_TITLES } from './embed/offer-room-embed.ts'; export { CATALOGS } from './src/i18n.ts'")

test('theme parts are validated strictly; anything else is dropped', () => {
  assert.equal(lib.parseHex('#ABC'), '#aabbcc')
  assert.equal(lib.parseHex('#12ab9f'), '#12ab9f')
  for (const bad of ['red', '#12345', '#1234567', 'url(x)', '#12ab9f;color:red', 12, null]) assert.equal(lib.parseHex(bad), null, String(bad))
  assert.equal(lib.parseFont('Inter, Georgia,  serif'), 'Inter, Georgia, serif')
  for (const bad of ['"Inter"', 'x;color:red', 'url(a)', 'a,,b', '', 'a'.repeat(81), '1abc', 'Inter}']) assert.equal(lib.parseFont(bad), null, bad)
  assert.equal(lib.parseRadius('8'), 8)
  assert.equal(lib.parseRadius('12px'), 12)
  assert.equal(lib.parseRadius(0), 0)
  for (const bad of ['25', '-1', '8em', '1.5', 99, 'x']) assert.equal(lib.parseRadius(bad), null, String(bad))
  assert.equal(lib.parseScheme('dark'), 'dark')
  assert.equal(lib.parseScheme('Dark'), null)
  const q = new URLSearchParams('theme_brand=%23ff0000&theme_accent=nope&theme_font=Inter&theme_radius=40&theme_scheme=dark&other=1')
  assert.deepEqual(lib.themeFromQuery(q), { brand: '#ff0000', font: 'Inter', scheme: 'dark' })
  assert.deepEqual(lib.parseTheme({ radius: 4, evil: 'x', scheme: 'sepia' }), { radius: 4 })
})

test('contrast is the WCAG ratio', () => {
  assert.equal(Math.round(lib.contrast('#000000', '#ffffff') * 10) / 10, 21)
  assert.equal(lib.contrast('#777777', '#777777'), 1)
  assert.ok(Math.abs(lib.contrast('#767676', '#ffffff') - 4.54) < 0.01)
})

const COLOURS = ['#ffff00', '#ffd400', '#7fd1ff', '#00ff00', '#ffffff', '#000000', '#4f46e5', '#ff00aa', '#808080', '#0a7d4f', '#1a1a1a', '#f5f6f8']

test('whatever brand the host picks, text on it and it on the page reach 4.5:1', () => {
  for (const scheme of ['light', 'dark']) {
    const { bg, card } = lib.SURFACES[scheme]
    for (const brand of COLOURS) {
      const v = lib.themeVars({ brand, accent: brand, scheme })
      const accent = v['--accent']
      assert.ok(lib.contrast(v['--on-accent'], accent) >= 4.5, `${scheme} ${brand}: ink on brand`)
      assert.ok(lib.contrast(accent, bg) >= 4.5 && lib.contrast(accent, card) >= 4.5, `${scheme} ${brand}: brand on page`)
      assert.ok(lib.contrast(v['--accent-strong'], v['--accent-soft']) >= 4.5, `${scheme} ${brand}: text on the tint`)
      assert.ok(lib.contrast(v['--accent-2'], bg) >= 3 && lib.contrast(v['--accent-2'], card) >= 3, `${scheme} ${brand}: focus ring`)
    }
  }
})

test('a brand that already passes is kept as it is; dark ink goes on a light brand', () => {
  assert.equal(lib.themeVars({ brand: '#0a7d4f' })['--accent'], '#0a7d4f')
  assert.equal(lib.themeVars({ brand: '#0a7d4f' })['--on-accent'], '#ffffff')
  const yellow = lib.themeVars({ brand: '#ffd400', scheme: 'dark' })
  assert.equal(yellow['--accent'], '#ffd400')
  assert.equal(yellow['--on-accent'], '#0b0d12')
  assert.notEqual(lib.themeVars({ brand: '#ffd400' })['--accent'], '#ffd400') // darkened on white
})

test('font and radius become custom properties; no theme, no properties', () => {
  assert.deepEqual(lib.themeVars({}), {})
  const v = lib.themeVars({ font: 'Inter', radius: 6 })
  assert.match(v['--font'], /^Inter, system-ui/)
  assert.equal(v['--radius'], '6px')
  assert.equal(v['--radius-sm'], '4px')
  assert.equal(v['--accent'], undefined)
  assert.ok(lib.themeVars({ scheme: 'dark' })['--accent'] !== undefined) // the default brand, for the dark page
})

test("the host's origin is one the server allows, and only that one", () => {
  const allowed = ["'self'", 'https://market.example', 'https://*.shops.example']
  const self = 'https://offers.example'
  assert.equal(lib.hostOrigin(allowed, self, ['https://market.example']), 'https://market.example')
  assert.equal(lib.hostOrigin(allowed, self, ['https://evil.example', 'https://market.example']), 'https://market.example')
  assert.equal(lib.hostOrigin(allowed, self, [null, undefined, 'null', 'https://offers.example']), 'https://offers.example')
  assert.equal(lib.hostOrigin(allowed, self, ['https://a.shops.example']), 'https://a.shops.example')
  assert.equal(lib.hostOrigin(allowed, self, ['https://shops.example', 'http://a.shops.example', 'https://a.shops.example.evil']), null)
  assert.equal(lib.hostOrigin(allowed, self, ['https://market.example.evil', 'http://market.example']), null)
  assert.equal(lib.hostOrigin([], self, ['https://market.example']), null)
})

test('commands: our version and known types only', () => {
  assert.deepEqual(lib.parseCommand({ offerRoom: 1, type: 'focus_field', field: 'hourly_rate' }), { type: 'focus_field', field: 'hourly_rate' })
  assert.deepEqual(lib.parseCommand({ offerRoom: 1, type: 'open_history' }), { type: 'open_history' })
  assert.deepEqual(lib.parseCommand({ offerRoom: 1, type: 'set_language', lang: 'de' }), { type: 'set_language', lang: 'de' })
  assert.deepEqual(lib.parseCommand({ offerRoom: 1, type: 'theme', theme: { scheme: 'dark' } }), { type: 'theme', theme: { scheme: 'dark' } })
  for (const bad of [null, 'open_history', { type: 'open_history' }, { offerRoom: 2, type: 'open_history' }, { offerRoom: 1, type: 'eval' },
    { offerRoom: 1, type: 'focus_field' }, { offerRoom: 1, type: 'theme', theme: 'dark' }]) {
    assert.equal(lib.parseCommand(bad), null, JSON.stringify(bad))
  }
})

test('the dark scheme mirrors light surfaces and dark ink, and leaves the rest', () => {
  const css = darkRules(':root { --bg: #ffffff; --shadow: 0 1px 2px #000; }\n.a { background: #ffffff url("data:image/svg+xml,%23fff"); color: #111827; }\n.b { background: var(--c); color: #fff; }\n.t { background: #1f2430; color: #fff; }')
  assert.match(css, /:root\[data-scheme="dark"\] \{ --bg: #0f0f0f \}/)
  assert.match(css, /:root\[data-scheme="dark"\] \.a \{ background: #0f0f0f url\("data:image\/svg\+xml,%23fff"\); color: #[0-9a-f]{6} \}/)
  assert.doesNotMatch(css, /\.b|\.t|--shadow/)
})

test('the built helper: an ES module, and a classic script that sets window.OfferRoomEmbed', async () => {
  const classic = await readFile(join(root, 'dist/offer-room-embed.global.js'), 'utf8').catch(() => null)
  if (classic === null) return // not built yet: `node build.mjs` first
  const window = {}
  vm.runInNewContext(classic, { window, globalThis: window })
  assert.equal(typeof window.OfferRoomEmbed.mount, 'function')
  assert.equal(window.OfferRoomEmbed.PROTOCOL_VERSION, 1)
  const esm = await readFile(join(root, 'dist/offer-room-embed.js'), 'utf8')
  assert.match(esm, /export\s*\{/)
})

test("the helper names the frame as the room names itself, in each language", () => {
  for (const l of ['en', 'de', 'es']) assert.equal(lib.FRAME_TITLES[l], lib.CATALOGS[l]['header.offer_room'], l)
})
