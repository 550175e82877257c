// The offer's thread (docs/PROTOCOL.md, "The thread"): messages, questions on the terms, their
// answers and the system entries between them, in thread order (n). The socket delivers the latest
// page on join (`thread`) and every new or changed entry (`thread_update`, replace by id); older
// pages come from REST. This module holds that state, the read position, and the conversation's
// own requests (post, edit, delete, resolve), each answered by an `ack` or `error` with its `ref`.
// No DOM here: conversation.ts draws it.

import type { Api } from './api'
import type { CommandError } from './commands'
import type { Connection } from './connection'
import { t } from './i18n'
import type { ThreadItem, UserInfo } from './types'

/** The server's limits (server/config.py): shown in the UI, enforced there. */
export const MESSAGE_MAX_CHARS = 2000
export const EDIT_WINDOW_MS = 5 * 60_000
export const PAGE_SIZE = 50

const TIMEOUT_MS = 20_000

// --- pure helpers --------------------------------------------------------------------------------

/** Thread order: by position n (ties, which the server never sends, by id for a stable order). */
export function byPosition (a: ThreadItem, b: ThreadItem): number {
  return a.n - b.n || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/**
 * Merge `incoming` into `existing`, ordered by n. With `replace` (live updates) an entry with a
 * known id takes the place of the old one; without it (an older page fetched over REST, possibly
 * before a live edit arrived) the entry already held wins.
 */
export function mergeItems (existing: readonly ThreadItem[], incoming: readonly ThreadItem[], replace = true): ThreadItem[] {
  const byId = new Map<string, ThreadItem>()
  for (const it of existing) byId.set(it.id, it)
  for (const it of incoming) {
    if (!isItem(it)) continue
    if (replace || !byId.has(it.id)) byId.set(it.id, it)
  }
  return [...byId.values()].sort(byPosition)
}

function isItem (it: unknown): it is ThreadItem {
  if (it === null || typeof it !== 'object') return false
  const o = it as Record<string, unknown>
  return typeof o.id === 'string' && typeof o.n === 'number' && Number.isFinite(o.n)
}

/** Whose entry: a message, question or answer the given user wrote (never a system entry). */
export function isOwn (item: ThreadItem, meId: string | null): boolean {
  return meId !== null && item.kind !== 'system' && item.author?.id === meId
}

/** An author may edit or delete their own entry for 5 minutes after writing it. */
export function editableUntil (item: ThreadItem): number | null {
  if (item.kind === 'system' || item.deleted === true) return null
  const at = Date.parse(item.at)
  return Number.isNaN(at) ? null : at + EDIT_WINDOW_MS
}

export function canModify (item: ThreadItem, meId: string | null, now = Date.now()): boolean {
  if (!isOwn(item, meId)) return false
  const until = editableUntil(item)
  return until !== null && now < until
}

export function isOpenQuestion (item: ThreadItem): boolean {
  return item.kind === 'question' && item.deleted !== true && (item.status ?? 'open') === 'open'
}

/** Open questions, oldest first; with `about`, only those about that topic. */
export function openQuestions (items: readonly ThreadItem[], about?: string): ThreadItem[] {
  return items.filter((it) => isOpenQuestion(it) && (about === undefined || it.about === about))
}

/** Answers by the id of the question they answer, in thread order. */
export function answersByQuestion (items: readonly ThreadItem[]): Map<string, ThreadItem[]> {
  const out = new Map<string, ThreadItem[]>()
  for (const it of items) {
    if (it.kind !== 'answer' || typeof it.reply_to !== 'string') continue
    const list = out.get(it.reply_to) ?? []
    list.push(it)
    out.set(it.reply_to, list)
  }
  return out
}

/**
 * Whether an entry counts as unread, as the server counts (server/store/thread.py read_state):
 * after the read position, not deleted, not by this user (a system entry's author is the event's
 * actor, so one's own proposal is not news to oneself).
 */
export function isUnread (item: ThreadItem, lastRead: number, meId: string | null): boolean {
  return item.n > lastRead && item.deleted !== true && (meId === null || item.author?.id !== meId)
}

/** The first unread entry (where the "New" divider goes). */
export function firstUnread (items: readonly ThreadItem[], lastRead: number, meId: string | null): ThreadItem | null {
  return items.find((it) => isUnread(it, lastRead, meId)) ?? null
}

/** Characters the server refuses in a body (C0/C1 controls but tab and line feed; bidi overrides). */
const FORBIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g

/** The body as it will be sent: line endings unified, refused characters dropped, trimmed. */
export function cleanBody (text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(FORBIDDEN, '').trim()
}

// --- the store -----------------------------------------------------------------------------------

export type PostKind = 'message' | 'question' | 'answer'

export type ThreadResult = { ok: true, messageId: string | null } | { ok: false, error: CommandError }

/** A post on its way: drawn as "Sending…" until the server's entry (or an error) arrives. */
export interface PendingPost {
  ref: string
  kind: PostKind
  body: string
  about: string | null
  reply_to: string | null
  at: string
  /** The newest position held when it was sent: its entry comes after. */
  after: number
}

interface InFlight {
  ref: string
  frame: Record<string, unknown>
  resolve: (r: ThreadResult) => void
  timer: ReturnType<typeof setTimeout> | null
}

export interface ThreadDeps {
  conn: Connection
  api: Api
  me: () => UserInfo | null
}

function newRef (): string {
  const b = new Uint8Array(6)
  crypto.getRandomValues(b)
  return 'msg-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

export class Thread {
  /** Entries held, in thread order. */
  items: ThreadItem[] = []
  /** The server's count of entries this user has not read, and the position read up to. */
  unread = 0
  lastRead = 0
  /** Entries older than the first one held exist. */
  more = false
  /** The first `thread` message arrived. */
  loaded = false
  /** The server could not load the thread (`error{unavailable}` without a ref). */
  failed = false
  older: 'idle' | 'loading' | 'error' = 'idle'
  pending: PendingPost[] = []
  /** Goes up on every change: a view redraws only when it moved. */
  rev = 0

  private readonly deps: ThreadDeps
  private readonly inflight = new Map<string, InFlight>()
  private readonly listeners: Array<() => void> = []
  private readonly newListeners: Array<(item: ThreadItem) => void> = []
  /** The highest position sent in a mark_read on this socket (not re-sent). */
  private markedUpTo = 0
  private olderToken = 0
  /**
   * Open questions older than the entries held, so markers and counts know them before their
   * page is loaded: from `thread.open_questions` when the server sends it, and from updates to
   * entries older than the first one held.
   */
  private readonly earlier = new Map<string, ThreadItem>()

  constructor (deps: ThreadDeps) {
    this.deps = deps
    deps.conn.onOpen(() => {
      this.markedUpTo = 0
      // Whatever was in flight when the link dropped goes again under the same id: the server
      // answers a repeated id with the first answer instead of posting twice.
      for (const f of this.inflight.values()) this.transmit(f)
    })
  }

  onChange (fn: () => void): void { this.listeners.push(fn) }
  /** An entry that was not there before arrived live (not on join, not from an older page). */
  onNew (fn: (item: ThreadItem) => void): void { this.newListeners.push(fn) }

  get latestN (): number {
    return this.items.length === 0 ? 0 : this.items[this.items.length - 1].n
  }

  get (id: string): ThreadItem | undefined {
    return this.items.find((it) => it.id === id)
  }

  /** Take a server message about the thread; true when consumed. */
  handle (msg: { type: string, [k: string]: unknown }): boolean {
    switch (msg.type) {
      case 'thread': {
        const incoming = (Array.isArray(msg.items) ? msg.items : []).filter(isItem)
        const lowest = incoming.length === 0 ? Infinity : Math.min(...incoming.map((it) => it.n))
        // A rejoin: keep the older pages already fetched unless the new page leaves a gap.
        const contiguous = this.loaded && lowest <= this.latestN + 1
        this.items = contiguous ? mergeItems(this.items, incoming) : mergeItems([], incoming)
        if (Array.isArray(msg.open_questions)) {
          this.earlier.clear()
          for (const q of msg.open_questions) if (isItem(q)) this.earlier.set(q.id, q)
        }
        if (!contiguous) {
          this.more = msg.more === true
          this.olderToken++
          this.older = 'idle'
        }
        this.readState(msg)
        this.loaded = true
        this.failed = false
        this.dropEchoes()
        this.emit()
        return true
      }
      case 'thread_update': {
        const item = msg.item
        if (!isItem(item)) return true
        const prev = this.get(item.id)
        // An entry before the first one held (a question resolved, an old message deleted) is
        // not merged: the held entries stay one unbroken run for paging.
        if (prev === undefined && this.more && this.items.length > 0 && item.n < this.items[0].n) {
          if (item.kind === 'question' || this.earlier.has(item.id)) this.earlier.set(item.id, item)
          this.emit()
          return true
        }
        const fresh = prev === undefined && item.n > this.latestN
        // The server sends `unread` only when the read position moves: count news here.
        const meId = this.deps.me()?.id ?? null
        const delta = (isUnread(item, this.lastRead, meId) ? 1 : 0) - (prev !== undefined && isUnread(prev, this.lastRead, meId) ? 1 : 0)
        if (this.loaded) this.unread = Math.max(0, this.unread + delta)
        this.items = mergeItems(this.items, [item])
        this.dropEchoes()
        this.emit()
        if (fresh && this.loaded) for (const fn of this.newListeners) fn(item)
        return true
      }
      case 'unread':
        this.readState(msg)
        this.emit()
        return true
      case 'ack':
      case 'error': {
        const ref = typeof msg.ref === 'string' ? msg.ref : null
        if (msg.type === 'error' && ref === null && msg.code === 'unavailable' && !this.loaded) {
          this.failed = true
          this.emit()
          return false // the toast says so too
        }
        const f = ref === null ? undefined : this.inflight.get(ref)
        if (f === undefined) return false
        this.finish(f, msg.type === 'ack'
          ? { ok: true, messageId: typeof msg.message_id === 'string' ? msg.message_id : null }
          : { ok: false, error: msg as unknown as CommandError })
        return true
      }
      default:
        return false
    }
  }

  private readState (msg: Record<string, unknown>): void {
    if (typeof msg.unread === 'number') this.unread = Math.max(0, msg.unread)
    if (typeof msg.last_read === 'number') this.lastRead = Math.max(0, msg.last_read)
  }

  /** Open questions, held or not yet loaded, oldest first; with `about`, only those about it. */
  openQuestions (about?: string): ThreadItem[] {
    const held = new Set(this.items.map((it) => it.id))
    const extra = [...this.earlier.values()].filter((q) => !held.has(q.id))
    return openQuestions(extra.length === 0 ? this.items : [...extra, ...this.items].sort(byPosition), about)
  }

  /** Load older pages until position `n` is held (to show an old question). */
  async loadThrough (n: number): Promise<boolean> {
    while (this.more && this.items.length > 0 && this.items[0].n > n) {
      if (this.older === 'loading') return false
      await this.loadOlder(200)
      if (this.older === 'error') return false
    }
    return this.items.some((it) => it.n === n)
  }

  /** Fetch the page before the first entry held. */
  async loadOlder (limit = PAGE_SIZE): Promise<void> {
    if (this.older === 'loading' || !this.more || this.items.length === 0) return
    const token = ++this.olderToken
    this.older = 'loading'
    this.emit()
    try {
      const page = await this.deps.api.messages(this.items[0].n, limit)
      if (token !== this.olderToken) return
      this.items = mergeItems(this.items, (Array.isArray(page.items) ? page.items : []).filter(isItem), false)
      this.more = page.more === true
      this.older = 'idle'
    } catch (err) {
      if (token !== this.olderToken) return
      console.warn('offer-room: older messages', err)
      this.older = 'error'
    }
    this.emit()
  }

  /** Everything up to `upto` has been seen: tell the server (once per position, on an open socket). */
  markRead (upto: number): void {
    if (upto <= this.lastRead || upto <= this.markedUpTo) return
    if (!this.deps.conn.sendRaw({ type: 'mark_read', upto })) return
    this.markedUpTo = upto
    // What we know locally; the server's `unread` follows with the exact count.
    this.lastRead = upto
    if (upto >= this.latestN) this.unread = 0
    this.emit()
  }

  post (kind: PostKind, body: string, about: string | null = null, replyTo: string | null = null): Promise<ThreadResult> {
    const ref = newRef()
    const frame: Record<string, unknown> = { type: 'post', id: ref, body, kind }
    if (kind === 'question') frame.about = about
    if (kind === 'answer') frame.reply_to = replyTo
    this.pending.push({ ref, kind, body, about, reply_to: replyTo, at: new Date().toISOString(), after: this.latestN })
    return this.request(ref, frame)
  }

  edit (messageId: string, body: string): Promise<ThreadResult> {
    const ref = newRef()
    return this.request(ref, { type: 'edit_message', id: ref, message_id: messageId, body })
  }

  remove (messageId: string): Promise<ThreadResult> {
    const ref = newRef()
    return this.request(ref, { type: 'delete_message', id: ref, message_id: messageId })
  }

  resolve (messageId: string): Promise<ThreadResult> {
    const ref = newRef()
    return this.request(ref, { type: 'resolve_question', id: ref, message_id: messageId })
  }

  /** A request of this kind is on its way (for "Saving…" states). */
  busy (type: string, messageId?: string): boolean {
    for (const f of this.inflight.values()) {
      if (f.frame.type === type && (messageId === undefined || f.frame.message_id === messageId)) return true
    }
    return false
  }

  private request (ref: string, frame: Record<string, unknown>): Promise<ThreadResult> {
    return new Promise((resolve) => {
      const f: InFlight = { ref, frame, resolve, timer: null }
      if (!this.transmit(f)) {
        this.finish(f, { ok: false, error: { type: 'error', code: 'offline', message: t('command.not_connected') } })
        return
      }
      this.inflight.set(ref, f)
      this.emit()
    })
  }

  private transmit (f: InFlight): boolean {
    if (f.timer !== null) clearTimeout(f.timer)
    f.timer = null
    const sent = this.deps.conn.sendRaw(f.frame)
    if (sent) {
      f.timer = setTimeout(() => {
        // Only an open socket's silence is a failure; a dropped one re-sends on reconnect.
        if (this.inflight.has(f.ref) && this.deps.conn.state === 'connected') {
          this.finish(f, { ok: false, error: { type: 'error', code: 'timeout', message: t('command.no_answer') } })
        }
      }, TIMEOUT_MS)
    }
    return sent
  }

  private finish (f: InFlight, r: ThreadResult): void {
    if (f.timer !== null) clearTimeout(f.timer)
    this.inflight.delete(f.ref)
    this.pending = this.pending.filter((p) => p.ref !== f.ref)
    f.resolve(r)
    this.emit()
  }

  /** A pending post whose entry arrived (before its ack) is drawn once, as the real entry. */
  private dropEchoes (): void {
    if (this.pending.length === 0) return
    const meId = this.deps.me()?.id ?? null
    const taken = new Set<string>()
    this.pending = this.pending.filter((p) => {
      const echo = this.items.find((it) => it.n > p.after && !taken.has(it.id) && isOwn(it, meId) &&
        it.kind === p.kind && it.body === p.body)
      if (echo !== undefined) taken.add(echo.id)
      return echo === undefined
    })
  }

  private emit (): void {
    this.rev++
    for (const fn of this.listeners) fn()
  }
}
