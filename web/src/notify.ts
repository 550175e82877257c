// Telling someone who is not looking: the unread count in the tab title, and a browser
// notification for a new message or question from the other party while the tab is hidden — only
// when they turned "Notify me" on (which asks the browser's permission, from that click) and the
// browser granted it. The choice is remembered on this device.

import { lang, t } from './i18n'
import type { ThreadItem } from './types'

const PREF_KEY = 'offer-room:notify'
const BODY_MAX = 160

const S = {
  message: (name: string) => t('notify.message', { name }),
  question: (name: string, topic: string) => t('notify.question', { name, topic }),
  answer: (name: string) => t('notify.answer', { name }),
  get blocked () { return t('notify.blocked') },
  get unsupported () { return t('notify.unsupported') },
  get dismissed () { return t('notify.dismissed') }
}

/** "(3) Title" while there is something unread; "(99+)" past 99. */
export function titleWithUnread (title: string, unread: number): string {
  if (unread <= 0) return title
  return `(${unread > 99 ? '99+' : String(unread)}) ${title}`
}

/** A body short enough for a notification, on one line. */
export function notificationBody (text: string, max = BODY_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length <= max ? flat : flat.slice(0, max - 1).trimEnd() + '…'
}

/** The notification's title for an entry: "Ada asked about Hourly rate". */
export function notificationTitle (item: ThreadItem, topic: string): string {
  const who = item.author?.name ?? t('common.someone')
  if (item.kind === 'question') return S.question(who, topic)
  if (item.kind === 'answer') return S.answer(who)
  return S.message(who)
}

function storage (): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

export type NotifyState = 'on' | 'off' | 'blocked' | 'unsupported'

export class Notifier {
  private readonly offerId: string
  private wanted: boolean
  private readonly shown = new Set<Notification>()

  constructor (offerId: string) {
    this.offerId = offerId
    this.wanted = storage()?.getItem(PREF_KEY) === '1'
    // Coming back to the tab: the notifications said what the page now shows.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.closeAll()
    })
  }

  static get supported (): boolean {
    return typeof window !== 'undefined' && 'Notification' in window
  }

  get state (): NotifyState {
    if (!Notifier.supported) return 'unsupported'
    if (Notification.permission === 'denied') return 'blocked'
    return this.wanted && Notification.permission === 'granted' ? 'on' : 'off'
  }

  /** Why the toggle cannot be on, in words (null when nothing is wrong). */
  get problem (): string | null {
    const s = this.state
    return s === 'blocked' ? S.blocked : s === 'unsupported' ? S.unsupported : null
  }

  /** From a click on "Notify me": ask the browser if need be, remember the answer. */
  async setWanted (on: boolean): Promise<NotifyState> {
    if (!on || !Notifier.supported) {
      this.wanted = false
      storage()?.setItem(PREF_KEY, '0')
      return this.state
    }
    let permission = Notification.permission
    if (permission === 'default') {
      try {
        permission = await Notification.requestPermission()
      } catch {
        permission = 'denied'
      }
    }
    this.wanted = permission === 'granted'
    storage()?.setItem(PREF_KEY, this.wanted ? '1' : '0')
    return this.state
  }

  /** The reason the last request failed, for the hint under the toggle. */
  refusal (): string {
    return this.problem ?? S.dismissed
  }

  /** Show a notification for a new entry, when the tab is hidden and notifications are on. */
  maybeNotify (item: ThreadItem, topic: string, onOpen: () => void): void {
    if (this.state !== 'on' || document.visibilityState !== 'hidden') return
    try {
      const n = new Notification(notificationTitle(item, topic), {
        body: notificationBody(item.body ?? ''),
        // One per offer: a newer message replaces the last one instead of piling up.
        tag: `offer-room:${this.offerId}`,
        lang: lang()
      })
      n.onclick = () => {
        window.focus()
        onOpen()
        n.close()
      }
      n.onclose = () => this.shown.delete(n)
      this.shown.add(n)
    } catch (err) {
      // Some browsers allow notifications only from a service worker (Chrome on Android).
      console.warn('offer-room: notification', err)
    }
  }

  private closeAll (): void {
    for (const n of this.shown) n.close()
    this.shown.clear()
  }
}
