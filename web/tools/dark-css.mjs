// The dark scheme, derived from app.css at build time so it never falls behind: every literal
// colour of a colour-bearing declaration is mirrored in lightness (HSL, hue kept, backgrounds a
// little desaturated; dark surfaces and light ink kept) under :root[data-scheme="dark"]; dark.css's hand-set variables and fixes
// follow and win. Shadows and data: URLs are left alone.

const PROPS = /^(?:--[\w-]+|color|background|background-color|border|border-color|border-(?:top|right|bottom|left)(?:-color)?|outline|outline-color|text-decoration-color|fill|stroke)$/
const SKIP_VARS = new Set(['--shadow', '--focus'])
const COLOR = /#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|rgba?\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*(?:,\s*[\d.]+\s*)?\)/g

function toRgb (lit) {
  if (lit.startsWith('#')) {
    let h = lit.slice(1)
    if (h.length === 3) h = [...h].map((c) => c + c).join('')
    const n = parseInt(h, 16)
    return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255, a: null }
  }
  const [r, g, b, a] = lit.replace(/rgba?\(|\)/g, '').split(',').map((s) => parseFloat(s))
  return { r, g, b, a: Number.isFinite(a) ? a : null }
}

function hsl ({ r, g, b }) {
  r /= 255; g /= 255; b /= 255
  const max = Math.max(r, g, b); const min = Math.min(r, g, b)
  const l = (max + min) / 2
  if (max === min) return { h: 0, s: 0, l }
  const d = max - min
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min)
  const h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4
  return { h: h / 6, s, l }
}

function rgbOf ({ h, s, l }) {
  if (s === 0) return [l, l, l].map((v) => Math.round(v * 255))
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s
  const p = 2 * l - q
  const f = (t) => {
    if (t < 0) t += 1
    if (t > 1) t -= 1
    if (t < 1 / 6) return p + (q - p) * 6 * t
    if (t < 1 / 2) return q
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6
    return p
  }
  return [f(h + 1 / 3), f(h), f(h - 1 / 3)].map((v) => Math.round(v * 255))
}

/** One literal colour for the dark scheme: a surface (`bg`) or ink. */
export function darkColor (lit, bg) {
  const c = toRgb(lit)
  const x = hsl(c)
  // Already dark surfaces (toasts, tooltips) and light ink stay as they are.
  if (bg ? x.l < 0.45 : x.l > 0.6) return lit
  const l = bg ? 0.06 + (1 - x.l) * 0.55 : Math.min(0.93, Math.max(0.65, 1 - x.l))
  const s = bg ? x.s * 0.55 : x.s
  const [r, g, b] = rgbOf({ h: x.h, s, l })
  return c.a === null ? '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('') : `rgba(${r}, ${g}, ${b}, ${c.a})`
}

function mirror (prop, value) {
  // Leave url(...) alone: icons keep their own strokes.
  const bg = /^(?:background|--(?:bg|card|border|[\w-]*soft))/.test(prop) || prop.startsWith('border') || prop.startsWith('outline')
  return value.split(/(url\([^)]*\))/).map((part, i) => i % 2 === 1 ? part : part.replace(COLOR, (lit) => darkColor(lit, bg))).join('')
}

/** The dark rules for a stylesheet's text (flat rules and @media blocks one level deep). */
export function darkRules (css) {
  const out = []
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '')
  const rule = /([^{}@]+)\{([^{}]*)\}/g
  for (const m of text.matchAll(rule)) {
    const selectors = m[1].trim()
    if (selectors === '' || /^(?:from|to|\d+%)/.test(selectors) || selectors.includes('@')) continue
    const decls = []
    // White text on a background from a variable (a party's colour, the brand) stays white.
    const varBackground = /(?:^|;)\s*background(?:-color)?:\s*var\(/.test(m[2])
    for (const d of m[2].split(';')) {
      const i = d.indexOf(':')
      if (i < 0) continue
      const prop = d.slice(0, i).trim()
      const value = d.slice(i + 1).trim()
      if (!PROPS.test(prop) || SKIP_VARS.has(prop) || !COLOR.test(value) || (prop === 'color' && varBackground)) continue
      COLOR.lastIndex = 0
      const dark = mirror(prop, value)
      if (dark !== value) decls.push(`${prop}: ${dark}`)
    }
    COLOR.lastIndex = 0
    if (decls.length === 0) continue
    const scoped = selectors.split(',').map((s) => {
      s = s.trim()
      return s === ':root' ? ':root[data-scheme="dark"]' : `:root[data-scheme="dark"] ${s}`
    }).join(', ')
    out.push(`${scoped} { ${decls.join('; ')} }`)
  }
  return out.join('\n') + '\n'
}
