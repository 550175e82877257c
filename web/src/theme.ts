// Theming from the embedding page: brand colour, accent, font family, corner radius and a light
// or dark scheme, read strictly from the query (`theme_brand=%23…`) or the host's `theme`
// command, and turned into the stylesheet's custom properties with WCAG AA contrast kept
// whatever the host picks. Pure: no DOM here (embed.ts applies the result).

export type Scheme = 'light' | 'dark'

/** A host's theme request, each part already validated (absent: the app's own). */
export interface ThemeInput {
  brand?: string
  accent?: string
  font?: string
  radius?: number
  scheme?: Scheme
}

export const RADIUS_MAX = 24
const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i
/** Family names only: letters, digits, spaces, commas and hyphens (no quotes, no url(), no ;). */
const FONT = /^[A-Za-z][A-Za-z0-9 ,-]{0,79}$/
const FALLBACK_FONTS = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", Arial, sans-serif'
export const DEFAULT_BRAND = '#4f46e5'

/** The surfaces of each scheme (app.css keeps the same values). */
export const SURFACES: Record<Scheme, { bg: string, card: string, text: string }> = {
  light: { bg: '#f5f6f8', card: '#ffffff', text: '#111827' },
  dark: { bg: '#0f1217', card: '#171b22', text: '#e6e8ec' }
}
const LIGHT_INK = '#ffffff'
const DARK_INK = '#0b0d12'

export function parseHex (value: unknown): string | null {
  if (typeof value !== 'string' || !HEX.test(value.trim())) return null
  let hex = value.trim().slice(1).toLowerCase()
  if (hex.length === 3) hex = hex.split('').map((c) => c + c).join('')
  return `#${hex}`
}

export function parseFont (value: unknown): string | null {
  if (typeof value !== 'string') return null
  const font = value.trim().replace(/\s+/g, ' ')
  return FONT.test(font) && !font.split(',').some((part) => part.trim() === '') ? font : null
}

export function parseRadius (value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,2}(?:px)?$/.test(value.trim()) ? parseInt(value, 10) : NaN
  return Number.isInteger(n) && n >= 0 && n <= RADIUS_MAX ? n : null
}

export function parseScheme (value: unknown): Scheme | null {
  return value === 'light' || value === 'dark' ? value : null
}

/** The valid parts of a theme object (the `theme` command); anything else is dropped. */
export function parseTheme (raw: Record<string, unknown>): ThemeInput {
  const out: ThemeInput = {}
  const brand = parseHex(raw.brand)
  if (brand !== null) out.brand = brand
  const accent = parseHex(raw.accent)
  if (accent !== null) out.accent = accent
  const font = parseFont(raw.font)
  if (font !== null) out.font = font
  const radius = parseRadius(raw.radius)
  if (radius !== null) out.radius = radius
  const scheme = parseScheme(raw.scheme)
  if (scheme !== null) out.scheme = scheme
  return out
}

/** `theme_brand`, `theme_accent`, `theme_font`, `theme_radius`, `theme_scheme` from a query. */
export function themeFromQuery (params: URLSearchParams): ThemeInput {
  const raw: Record<string, unknown> = {}
  for (const key of ['brand', 'accent', 'font', 'radius', 'scheme']) {
    const v = params.get(`theme_${key}`)
    if (v !== null) raw[key] = v
  }
  return parseTheme(raw)
}

// --- colour arithmetic (sRGB, WCAG 2.x relative luminance) --------------------------------------

type Rgb = [number, number, number]

function rgb (hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

function toHex (c: Rgb): string {
  return '#' + c.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('')
}

export function luminance (hex: string): number {
  const [r, g, b] = rgb(hex).map((v) => {
    const s = v / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

export function contrast (a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

/** `a` moved `t` (0..1) of the way towards `b`. */
export function mix (a: string, b: string, t: number): string {
  const ca = rgb(a)
  const cb = rgb(b)
  return toHex([0, 1, 2].map((i) => ca[i] + (cb[i] - ca[i]) * t) as Rgb)
}

/**
 * `color` darkened (light scheme) or lightened (dark scheme) in small steps until every check
 * passes; the first step that passes is taken, so a colour that already passes is kept as is.
 */
export function adjust (color: string, scheme: Scheme, ok: (c: string) => boolean): string {
  const toward = scheme === 'light' ? '#000000' : '#ffffff'
  for (let i = 0; i <= 40; i++) {
    const c = i === 0 ? color : mix(color, toward, i / 40)
    if (ok(c)) return c
  }
  return toward
}

/** White or near-black, whichever reads better on `bg`. */
export function inkOn (bg: string): string {
  return contrast(LIGHT_INK, bg) >= contrast(DARK_INK, bg) ? LIGHT_INK : DARK_INK
}

function rgba (hex: string, alpha: number): string {
  const [r, g, b] = rgb(hex)
  return `rgba(${r}, ${g}, ${b}, ${alpha})`
}

export const AA_TEXT = 4.5
export const AA_UI = 3

/**
 * The custom properties for a theme: `--accent` (buttons, links, badges: text on it and it as text
 * on the page both at least 4.5:1), `--on-accent` (text on it), `--accent-soft` and
 * `--accent-strong` (a tint and the text on it, 4.5:1), `--accent-2` and `--focus` (focus rings
 * and small marks, 3:1 against the page), `--font`, `--radius`, `--radius-sm`.
 */
export function themeVars (input: ThemeInput): Record<string, string> {
  const scheme = input.scheme ?? 'light'
  const { bg, card } = SURFACES[scheme]
  const vars: Record<string, string> = {}
  if (input.brand !== undefined || input.accent !== undefined || scheme === 'dark') {
    const brand = adjust(input.brand ?? DEFAULT_BRAND, scheme, (c) =>
      contrast(c, bg) >= AA_TEXT && contrast(c, card) >= AA_TEXT && contrast(inkOn(c), c) >= AA_TEXT)
    const soft = mix(card, brand, scheme === 'light' ? 0.1 : 0.18)
    const strong = adjust(brand, scheme, (c) => contrast(c, soft) >= AA_TEXT + 1)
    const second = adjust(input.accent ?? brand, scheme, (c) => contrast(c, bg) >= AA_UI && contrast(c, card) >= AA_UI)
    Object.assign(vars, {
      '--accent': brand,
      '--on-accent': inkOn(brand),
      '--accent-soft': soft,
      '--accent-strong': strong,
      '--accent-2': second,
      '--focus': `0 0 0 3px ${rgba(second, 0.35)}`
    })
  }
  if (input.font !== undefined) vars['--font'] = `${input.font}, ${FALLBACK_FONTS}`
  if (input.radius !== undefined) {
    vars['--radius'] = `${input.radius}px`
    vars['--radius-sm'] = `${Math.round(input.radius * 2 / 3)}px`
  }
  return vars
}
