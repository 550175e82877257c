// offer-room-embed: puts an offer room into a marketplace's page and speaks its postMessage API
// (docs/PROTOCOL.md, "Embedding"). Built into dist/offer-room-embed.js (an ES module that also
// sets window.OfferRoomEmbed) and dist/offer-room-embed.global.js (a classic script), with
// dist/offer-room-embed.d.ts. No dependencies.
//
//   import { mount } from '/assets/offer-room-embed.js'
//   const room = mount(document.getElementById('room'), {
//     url: 'https://offers.example.com/offers/ID?token=…',
//     theme: { brand: '#0a7d4f', scheme: 'dark', radius: 6, font: 'Inter' },
//     lang: 'de', autoHeight: true, onEvent: (e) => console.log(e.type, e)
//   })
//   room.focusField('hourly_rate')

export const PROTOCOL_VERSION = 1

export interface OfferRoomTheme {
  /** Buttons, links and badges: a #rgb or #rrggbb colour (adjusted until it reads at WCAG AA). */
  brand?: string
  /** Focus rings and small marks: a #rgb or #rrggbb colour (3:1 against the page at least). */
  accent?: string
  /** Font family names (letters, digits, spaces, commas, hyphens); the system fonts follow. */
  font?: string
  /** Corner radius of cards in px, 0 to 24. */
  radius?: number
  scheme?: 'light' | 'dark'
}

export type OfferRoomEvent =
  | { type: 'ready', role: string | null, status: string | null, version: number | null }
  | { type: 'connection', state: 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'fatal' | string }
  | { type: 'proposal_received', proposal_id: string, by: string | null }
  | { type: 'explanation_done', proposal_id: string }
  | { type: 'version_committed', version: number }
  | { type: 'offer_closed', status: 'agreed' | 'withdrawn' | 'declined' | 'expired' | string }
  | { type: 'unread', count: number }
  | { type: 'resize', height: number }

export interface MountOptions {
  /** The room link (`https://…/offers/{id}?token=…`), absolute or relative to this page. */
  url: string
  theme?: OfferRoomTheme
  /** 'en', 'de' or 'es': the room switches to it once ready. */
  lang?: string
  onEvent?: (event: OfferRoomEvent) => void
  /** Follow the room's height (`resize` events) instead of a fixed one. Default true. */
  autoHeight?: boolean
  /** The frame's accessible name. Default: the room's own name in `lang` ("Offer room"). */
  title?: string
}

export interface OfferRoom {
  readonly iframe: HTMLIFrameElement
  /** The room's origin: the only one events are taken from and commands sent to. */
  readonly origin: string
  focusField: (field: string) => void
  openHistory: () => void
  setLanguage: (lang: string) => void
  setTheme: (theme: OfferRoomTheme) => void
  destroy: () => void
}

const THEME_KEYS = ['brand', 'accent', 'font', 'radius', 'scheme'] as const
/** The catalogs' `header.offer_room` (web/test/embed.test.mjs keeps them equal). */
export const FRAME_TITLES: Record<string, string> = { en: 'Offer room', de: 'Angebotsraum', es: 'Sala de la oferta' }

export function mount (element: HTMLElement, options: MountOptions): OfferRoom {
  const url = new URL(options.url, location.href)
  const origin = url.origin
  url.searchParams.set('embed_origin', location.origin)
  for (const key of THEME_KEYS) {
    const value = options.theme?.[key]
    if (value !== undefined) url.searchParams.set(`theme_${key}`, String(value))
  }
  const autoHeight = options.autoHeight !== false
  const iframe = document.createElement('iframe')
  iframe.src = url.href
  iframe.title = options.title ?? FRAME_TITLES[options.lang ?? 'en'] ?? FRAME_TITLES.en
  iframe.style.border = '0'
  iframe.style.width = '100%'
  iframe.style.display = 'block'
  if (autoHeight) iframe.style.height = '600px'
  let ready = false
  const queue: Array<Record<string, unknown>> = []

  const send = (command: Record<string, unknown>): void => {
    if (!ready) { queue.push(command); return }
    iframe.contentWindow?.postMessage({ offerRoom: PROTOCOL_VERSION, ...command }, origin)
  }
  const onMessage = (e: MessageEvent): void => {
    // The room's own frame at the room's origin only; another frame or origin is ignored.
    if (e.origin !== origin || e.source !== iframe.contentWindow) return
    const data = e.data as { offerRoom?: unknown, type?: unknown } | null
    if (data === null || typeof data !== 'object' || data.offerRoom !== PROTOCOL_VERSION || typeof data.type !== 'string') return
    const event = data as unknown as OfferRoomEvent
    if (event.type === 'ready' && !ready) {
      ready = true
      if (options.lang !== undefined) send({ type: 'set_language', lang: options.lang })
      for (const c of queue.splice(0)) send(c)
    }
    if (event.type === 'resize' && autoHeight) iframe.style.height = `${Math.max(0, Math.ceil(event.height))}px`
    options.onEvent?.(event)
  }
  window.addEventListener('message', onMessage)
  element.append(iframe)

  return {
    iframe,
    origin,
    focusField: (field) => send({ type: 'focus_field', field }),
    openHistory: () => send({ type: 'open_history' }),
    setLanguage: (lang) => send({ type: 'set_language', lang }),
    setTheme: (theme) => send({ type: 'theme', theme: { ...theme } }),
    destroy: () => {
      window.removeEventListener('message', onMessage)
      iframe.remove()
    }
  }
}

export const OfferRoomEmbed: { mount: typeof mount, PROTOCOL_VERSION: number } = { mount, PROTOCOL_VERSION }
if (typeof window !== 'undefined') (window as unknown as { OfferRoomEmbed: typeof OfferRoomEmbed }).OfferRoomEmbed = OfferRoomEmbed
