// The room inside a marketplace's page: a small, versioned postMessage API with its host, origin
// checks both ways (docs/PROTOCOL.md, "Embedding"). The server writes the origins allowed to
// frame the room into <html data-embed-origins> (OFFER_ROOM_FRAME_ANCESTORS, else the allowed
// origins); the host's origin is the first of the browser's ancestor origin, the `embed_origin`
// query and the referrer's origin that the list allows, and only ever that one. Events go to that origin only (never "*"); commands are taken only
// from window.parent at that origin.

import { type ThemeInput, parseTheme, themeFromQuery, themeVars } from './theme'

export const EMBED_VERSION = 1

export type EmbedEvent =
  | { type: 'ready', role: string | null, status: string | null, version: number | null }
  | { type: 'connection', state: string }
  | { type: 'proposal_received', proposal_id: string, by: string | null }
  | { type: 'explanation_done', proposal_id: string }
  | { type: 'version_committed', version: number }
  | { type: 'offer_closed', status: string }
  | { type: 'unread', count: number }
  | { type: 'resize', height: number }

export type EmbedCommand =
  | { type: 'focus_field', field: string }
  | { type: 'open_history' }
  | { type: 'set_language', lang: string }
  | { type: 'theme', theme: Record<string, unknown> }

/** What the room knows at each render; the bridge tells the host what changed. */
export interface RoomSnapshot {
  ready: boolean
  role: string | null
  state: string
  /** The pending proposal: its id, the proposer's role and user id. */
  proposal: { id: string, by: string | null, byId: string | null } | null
  myId: string | null
  version: number | null
  status: string | null
  unread: number
}

/** `*.example.com` patterns of frame-ancestors, as a test of one origin. */
function matches (pattern: string, origin: string): boolean {
  if (pattern === origin) return true
  const m = /^(https?):\/\/\*\.([a-z0-9.-]+(?::\d+)?)$/.exec(pattern)
  if (m === null) return false
  const o = /^(https?):\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)((?::\d+)?)$/.exec(origin)
  return o !== null && o[1] === m[1] && (o[2] + o[3]).endsWith('.' + m[2])
}

/**
 * The host's origin, if the page is framed by an allowed one: the first candidate (the browser's
 * ancestor origin, the query's `embed_origin`, the referrer's origin) the list allows.
 * `'self'` in the list stands for the room's own origin.
 */
export function hostOrigin (allowed: readonly string[], self: string, candidates: ReadonlyArray<string | null | undefined>): string | null {
  const list = allowed.map((a) => a === "'self'" ? self : a.toLowerCase().replace(/\/$/, ''))
  for (const c of candidates) {
    if (typeof c !== 'string' || c === '' || c === 'null') continue
    const origin = c.toLowerCase().replace(/\/$/, '')
    if (list.some((p) => matches(p, origin))) return origin
  }
  return null
}

/** A well-formed command of our version, or null. */
export function parseCommand (data: unknown): EmbedCommand | null {
  if (typeof data !== 'object' || data === null) return null
  const d = data as Record<string, unknown>
  if (d.offerRoom !== EMBED_VERSION) return null
  switch (d.type) {
    case 'focus_field': return typeof d.field === 'string' && d.field.length <= 64 ? { type: 'focus_field', field: d.field } : null
    case 'open_history': return { type: 'open_history' }
    case 'set_language': return typeof d.lang === 'string' ? { type: 'set_language', lang: d.lang } : null
    case 'theme': return typeof d.theme === 'object' && d.theme !== null ? { type: 'theme', theme: d.theme as Record<string, unknown> } : null
    default: return null
  }
}

/** Sets the theme's custom properties on <html> (through the CSSOM: the CSP allows it). */
export function applyTheme (theme: ThemeInput, el: HTMLElement = document.documentElement): void {
  const scheme = theme.scheme ?? 'light'
  el.dataset.scheme = scheme
  document.querySelector('meta[name="color-scheme"]')?.setAttribute('content', scheme)
  for (const name of ['--accent', '--on-accent', '--accent-soft', '--accent-strong', '--accent-2', '--focus', '--font', '--radius', '--radius-sm']) {
    el.style.removeProperty(name)
  }
  for (const [name, value] of Object.entries(themeVars(theme))) el.style.setProperty(name, value)
}

export interface EmbedHandlers {
  focusField: (field: string) => void
  openHistory: () => void
  setLanguage: (lang: string) => void
}

export class EmbedBridge {
  private last: RoomSnapshot | null = null
  private announcedReady = false
  private theme: ThemeInput
  private lastHeight = -1
  private resizeTimer: ReturnType<typeof setTimeout> | null = null
  private readonly explained = new Set<string>()

  constructor (readonly origin: string, private readonly handlers: EmbedHandlers, theme: ThemeInput) {
    this.theme = theme
    window.addEventListener('message', (e) => this.receive(e))
    document.documentElement.classList.add('is-embedded')
    // The body, not the root: the root is never shorter than the frame, so it could only grow.
    new ResizeObserver(() => this.scheduleResize()).observe(document.body)
  }

  post (event: EmbedEvent): void {
    window.parent.postMessage({ offerRoom: EMBED_VERSION, ...event }, this.origin)
  }

  private receive (e: MessageEvent): void {
    // Only the frame's own parent, at the origin the server allows: anything else is ignored.
    if (e.source !== window.parent || e.origin !== this.origin) return
    const cmd = parseCommand(e.data)
    if (cmd === null) return
    switch (cmd.type) {
      case 'focus_field': this.handlers.focusField(cmd.field); break
      case 'open_history': this.handlers.openHistory(); break
      case 'set_language': this.handlers.setLanguage(cmd.lang); break
      case 'theme':
        this.theme = { ...this.theme, ...parseTheme(cmd.theme) }
        applyTheme(this.theme)
        break
    }
  }

  /** At most one `resize` per 100 ms, and only when the height changed. */
  private scheduleResize (): void {
    if (this.resizeTimer !== null) return
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = null
      const height = Math.ceil(document.body.scrollHeight)
      if (height !== this.lastHeight) {
        this.lastHeight = height
        this.post({ type: 'resize', height })
      }
    }, 100)
  }

  /** A proposal's explanation finished: said once per proposal (a reconnect replays it). */
  explanationDone (proposalId: string): void {
    if (this.explained.has(proposalId)) return
    this.explained.add(proposalId)
    this.post({ type: 'explanation_done', proposal_id: proposalId })
  }

  /** Called on every render: events for what changed since the last one. */
  update (s: RoomSnapshot): void {
    const prev = this.last
    this.last = { ...s, proposal: s.proposal === null ? null : { ...s.proposal } }
    if (prev === null || prev.state !== s.state) this.post({ type: 'connection', state: s.state })
    if (!s.ready) return
    if (!this.announcedReady) {
      this.announcedReady = true
      this.post({ type: 'ready', role: s.role, status: s.status, version: s.version })
      this.post({ type: 'unread', count: s.unread })
      this.scheduleResize()
      return // what the room already holds is the starting point, not news
    }
    if (prev === null) return
    if (s.proposal !== null && s.proposal.id !== prev.proposal?.id && s.proposal.byId !== s.myId) {
      this.post({ type: 'proposal_received', proposal_id: s.proposal.id, by: s.proposal.by })
    }
    if (s.version !== null && prev.version !== null && s.version > prev.version) this.post({ type: 'version_committed', version: s.version })
    if (s.status !== null && s.status !== 'open' && s.status !== prev.status) this.post({ type: 'offer_closed', status: s.status })
    if (s.unread !== prev.unread) this.post({ type: 'unread', count: s.unread })
  }
}

/**
 * Themes the page from its query, and when it is framed by an allowed host, the bridge to that
 * host (null otherwise: a page on its own, or framed by an origin not allowed to talk to it).
 */
export function startEmbed (handlers: EmbedHandlers): EmbedBridge | null {
  const params = new URLSearchParams(location.search)
  const theme = themeFromQuery(params)
  if (Object.keys(theme).length > 0) applyTheme(theme)
  if (window.parent === window) return null
  const allowed = (document.documentElement.dataset.embedOrigins ?? '').split(/\s+/).filter((s) => s !== '')
  const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins
  let referrer: string | null = null
  try { referrer = document.referrer === '' ? null : new URL(document.referrer).origin } catch { /* none */ }
  const origin = hostOrigin(allowed, location.origin, [ancestors?.[0], params.get('embed_origin'), referrer])
  return origin === null ? null : new EmbedBridge(origin, handlers, theme)
}
