// Presence (Yjs awareness): who is here, which field each person is in and who is typing in the
// conversation. The server stamps `user` onto every state from the token; we publish only
// {focus, hidden, typing}. A hidden user shows neither focus nor typing.

import type { Awareness } from 'y-protocols/awareness'
import { h, setText } from './dom'
import { formatList, initials } from './format'
import { lang, t } from './i18n'
import type { PartyRef, Role, UserInfo } from './types'

const HIDE_KEY = 'offer-room:hide-focus'

/** Used when a party is not in the room and the server sent no colour for them (server/auth.py ROLE_COLORS). */
const ROLE_COLORS: Record<Role, string> = {
  client: '#2563eb',
  freelancer: '#c2410c',
  viewer: '#6b7280'
}

export interface Peer {
  clientId: number
  user: UserInfo
  focus: string | null
  hidden: boolean
  typing: boolean
  self: boolean
}

export interface Person {
  user: UserInfo
  self: boolean
  online: boolean
  focus: string | null
}

function isUser (u: unknown): u is UserInfo {
  if (u === null || typeof u !== 'object') return false
  const o = u as Record<string, unknown>
  return typeof o.id === 'string' && typeof o.name === 'string'
}

export class Presence {
  readonly awareness: Awareness
  hidden: boolean
  focus: string | null = null
  typing = false
  me: UserInfo | null = null
  private readonly colors = new Map<string, string>()

  constructor (awareness: Awareness) {
    this.awareness = awareness
    this.hidden = safeStorage()?.getItem(HIDE_KEY) === '1'
    this.publish()
  }

  setMe (user: UserInfo): void {
    this.me = user
    this.remember(user)
  }

  setFocus (field: string | null): void {
    if (field === this.focus) return
    this.focus = field
    this.publish()
  }

  setHidden (hidden: boolean): void {
    this.hidden = hidden
    safeStorage()?.setItem(HIDE_KEY, hidden ? '1' : '0')
    this.publish()
  }

  /** Typing in the conversation's composer (published only when it changes). */
  setTyping (typing: boolean): void {
    if (typing === this.typing) return
    this.typing = typing
    if (!this.hidden) this.publish() // hidden: nothing to tell, so nothing is sent
  }

  private publish (): void {
    this.awareness.setLocalState({ focus: this.hidden ? null : this.focus, hidden: this.hidden, typing: !this.hidden && this.typing })
  }

  onChange (fn: () => void): void {
    this.awareness.on('change', fn)
  }

  /** Every remote (and echoed own) state that carries a server-stamped user. */
  peers (): Peer[] {
    const out: Peer[] = []
    for (const [clientId, state] of this.awareness.getStates()) {
      if (state === null || typeof state !== 'object') continue
      const user = (state as Record<string, unknown>).user
      if (!isUser(user)) continue
      this.remember(user)
      const focus = (state as Record<string, unknown>).focus
      out.push({
        clientId,
        user,
        focus: typeof focus === 'string' ? focus : null,
        hidden: (state as Record<string, unknown>).hidden === true,
        typing: (state as Record<string, unknown>).typing === true,
        self: clientId === this.awareness.clientID || (this.me !== null && user.id === this.me.id)
      })
    }
    return out
  }

  /** People in the room, one per user id, me first. */
  people (): Person[] {
    const byId = new Map<string, Person>()
    if (this.me !== null) byId.set(this.me.id, { user: this.me, self: true, online: true, focus: this.hidden ? null : this.focus })
    for (const p of this.peers()) {
      const known = byId.get(p.user.id)
      const focus = p.hidden ? null : p.focus
      if (known === undefined) {
        byId.set(p.user.id, { user: p.user, self: p.self, online: true, focus })
      } else if (!known.self && known.focus === null) {
        known.focus = focus
      }
    }
    return [...byId.values()]
  }

  /** Others whose (visible) focus is on `field`. */
  focusedOn (field: string): UserInfo[] {
    const seen = new Set<string>()
    const out: UserInfo[] = []
    for (const p of this.peers()) {
      if (p.self || p.hidden || p.focus !== field || seen.has(p.user.id)) continue
      seen.add(p.user.id)
      out.push(p.user)
    }
    return out
  }

  /** Others typing in the conversation (a hidden user never shows as typing). */
  typingOthers (): UserInfo[] {
    const seen = new Set<string>()
    const out: UserInfo[] = []
    for (const p of this.peers()) {
      if (p.self || p.hidden || !p.typing || p.user.role === 'viewer' || seen.has(p.user.id)) continue
      seen.add(p.user.id)
      out.push(p.user)
    }
    return out
  }

  isOnline (userId: string): boolean {
    return this.peers().some((p) => p.user.id === userId) || this.me?.id === userId
  }

  remember (user: { id: string, color?: string }): void {
    if (typeof user.color === 'string' && user.color !== '') this.colors.set(user.id, user.color)
  }

  /** A party's colour: the one the server gave them, else their role's. */
  colorOf (ref: PartyRef | UserInfo | null): string {
    if (ref === null) return ROLE_COLORS.viewer
    if (typeof ref.color === 'string' && ref.color !== '') return ref.color
    return this.colors.get(ref.id) ?? ROLE_COLORS[ref.role] ?? ROLE_COLORS.viewer
  }
}

function safeStorage (): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

/** "Client", "Freelancer", "Viewer" in the current language (an unknown role as it came). */
export function roleName (role: string): string {
  return role === 'client' || role === 'freelancer' || role === 'viewer' ? t(`role.${role}`) : role
}

/** The avatar stack in the header. */
export function renderAvatars (container: HTMLElement, people: Person[], colorOf: (u: UserInfo) => string): void {
  const key = lang() + people.map((p) => `${p.user.id}|${p.user.name}|${colorOf(p.user)}|${p.self}`).join(';')
  if (container.dataset.key === key) return
  container.dataset.key = key
  container.replaceChildren(...people.map((p) => {
    const label = t(p.self ? 'presence.avatar_you' : 'presence.avatar', { name: p.user.name, role: roleName(p.user.role) })
    return h('li', { class: 'avatar', title: label, 'aria-label': label, style: `--c:${colorOf(p.user)}`, 'data-user-id': p.user.id },
      h('span', { 'aria-hidden': 'true' }, initials(p.user.name)))
  }))
  const names = formatList(people.map((p) => p.self ? t('presence.name_you', { name: p.user.name }) : p.user.name))
  container.setAttribute('aria-label', t('presence.in_room_list', { names }))
}

export function personLine (p: Person, colorOf: (u: UserInfo) => string, where: string | null): HTMLElement {
  const el = h('li', { class: 'person' },
    h('span', { class: 'avatar avatar-sm', style: `--c:${colorOf(p.user)}`, 'aria-hidden': 'true' }, initials(p.user.name)),
    h('span', { class: 'person-name' }, p.user.name, p.self ? h('span', { class: 'muted' }, ` ${t('presence.you_marker')}`) : null),
    h('span', { class: 'person-role' }, roleName(p.user.role)))
  const status = h('span', { class: 'person-where muted' })
  setText(status, where ?? '')
  el.append(status)
  return el
}
