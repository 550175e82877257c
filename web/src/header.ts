// The header: what this offer is, its status, who is here, and whether the link is live.

import type { ConnState, Fatal } from './connection'
import { OFFLINE_AFTER_MS } from './linkstate'
import type { OfferMeta, Proposal } from './doc'
import { h, setHidden, setText, toggleClass, tr } from './dom'
import { LANGS, LANG_NAMES, type Lang, lang, setLang, t } from './i18n'
import { titleWithUnread } from './notify'
import { type Person, type Presence, renderAvatars, roleName } from './presence'
import { type ClosedInfo, type ExpiryInfo, type TurnInfo, statusLabel } from './status'
import type { PartyRef, UserInfo } from './types'

/** The connection state in words: catalog "conn.<state>". */
const connLabel = (state: ConnState): string => t(`conn.${state}`)

export class Header {
  readonly el: HTMLElement
  readonly banners: HTMLElement
  readonly hideFocus: HTMLInputElement
  private readonly title = h('h1', { class: 'offer-title' })
  private readonly status = h('span', { class: 'badge' })
  private readonly version = h('a', { class: 'meta-item meta-link', href: '#history', title: tr('header.version_history') })
  private readonly expiry = h('span', { class: 'meta-item expiry' })
  private readonly expiryText = h('span', {})
  private readonly turn = h('span', { class: 'turn', role: 'status' })
  private readonly avatars = h('ul', { class: 'avatars' })
  private readonly conn = h('span', { class: 'conn', role: 'status', 'aria-live': 'polite' })
  private readonly presenceRow: HTMLElement
  private readonly connText = h('span', { class: 'conn-text' })
  private readonly parties = h('ul', { class: 'parties', 'aria-label': tr('header.parties') })
  private readonly fatalBanner = h('div', { class: 'banner banner-error', role: 'alert', hidden: true })
  private readonly connBanner = h('div', { class: 'banner banner-warn', role: 'status', hidden: true })
  private readonly roBanner = h('div', { class: 'banner banner-info', role: 'status', hidden: true })
  private readonly proposalBanner = h('div', { class: 'banner banner-accent', role: 'status', hidden: true })
  private readonly proposalText = h('span', {})
  private readonly closedBanner = h('div', { class: 'banner banner-closed', role: 'status', hidden: true })
  /** A reminder from the server ("This offer expires tomorrow"), until dismissed or replaced. */
  private readonly reminderBanner = h('div', { class: 'banner banner-reminder', role: 'status', hidden: true })
  private readonly closedTitle = h('strong', { class: 'closed-title' })
  private readonly closedText = h('span', { class: 'closed-text' })
  /** The language switch: each language in its own name; the choice is remembered (i18n.ts). */
  readonly language = h('select', { id: 'lang-select', name: 'lang', class: 'lang-select' },
    ...LANGS.map((l) => h('option', { value: l, lang: l }, LANG_NAMES[l])))

  constructor (onHideFocus: (hidden: boolean) => void, onReview: () => void) {
    this.hideFocus = h('input', { type: 'checkbox', id: 'hide-focus', onchange: () => onHideFocus(this.hideFocus.checked) })
    this.conn.append(h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), this.connText)
    this.presenceRow = h('div', { class: 'presence-row' }, this.avatars, this.conn)
    // Where the header scrolls away (a phone), the connection chip floats at the top instead: one
    // place that says whether the link is live, on any scroll position (issue 15).
    if (typeof IntersectionObserver !== 'undefined') {
      new IntersectionObserver((entries) => {
        for (const e of entries) toggleClass(this.conn, 'conn-floating', !e.isIntersecting && e.boundingClientRect.top < 0)
      }).observe(this.presenceRow)
    }
    this.el = h('header', { class: 'topbar' },
      h('div', { class: 'topbar-inner' },
        h('div', { class: 'title-block' },
          h('div', { class: 'eyebrow' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), tr('header.offer_room')),
          this.title,
          h('div', { class: 'meta' }, this.status, this.turn, this.version, this.expiry)),
        h('div', { class: 'top-right' },
          this.presenceRow,
          h('div', { class: 'top-controls' },
            h('label', { class: 'toggle', for: 'hide-focus' }, this.hideFocus, h('span', { class: 'toggle-ui', 'aria-hidden': 'true' }), tr('header.hide_focus')),
            h('span', { class: 'lang-switch' },
              h('label', { for: 'lang-select', class: 'lang-label' }, h('span', { class: 'lang-icon', 'aria-hidden': 'true' }), h('span', { class: 'sr-only' }, tr('header.language'))),
              h('span', { class: 'control-wrap' }, this.language))))),
      h('div', { class: 'topbar-inner parties-row' }, this.parties))
    this.expiry.append(h('span', { class: 'clock', 'aria-hidden': 'true' }), this.expiryText)
    this.proposalBanner.append(this.proposalText,
      h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: onReview }, tr('header.review_proposal')))
    this.closedBanner.append(h('span', { class: 'closed-icon', 'aria-hidden': 'true' }), h('div', {}, this.closedTitle, ' ', this.closedText))
    this.banners = h('div', { class: 'banners' }, this.fatalBanner, this.connBanner, this.closedBanner, this.roBanner, this.reminderBanner, this.proposalBanner)
    this.language.value = lang()
    this.language.addEventListener('change', () => setLang(this.language.value as Lang))
  }

  /** A control at the end of the presence row (the conversation's button). */
  addAction (el: HTMLElement): void {
    this.presenceRow.append(el)
  }

  renderOffer (title: string, meta: OfferMeta, expiry: ExpiryInfo | null, turn: TurnInfo | null, unread = 0): void {
    setText(this.title, title.trim() === '' ? t('header.untitled') : title)
    const tab = titleWithUnread(t('header.tab_title', { title: title.trim() === '' ? t('header.tab_offer') : title }), unread)
    if (document.title !== tab) document.title = tab
    const status = meta.status ?? ''
    setText(this.status, statusLabel(status))
    this.status.className = `badge status-${status}`
    setHidden(this.status, status === '')
    setText(this.version, meta.version === null ? '' : t('header.version', { version: String(meta.version) }))
    setHidden(this.version, meta.version === null)
    setHidden(this.expiry, expiry === null)
    if (expiry !== null) {
      setText(this.expiryText, expiry.text)
      this.expiry.title = expiry.title
      toggleClass(this.expiry, 'urgent', expiry.urgent && status === 'open')
    }
    setHidden(this.turn, turn === null)
    if (turn !== null) {
      setText(this.turn, turn.label)
      this.turn.title = turn.detail
      toggleClass(this.turn, 'mine', turn.mine)
    }
  }

  renderClosed (info: ClosedInfo | null, status: string): void {
    setHidden(this.closedBanner, info === null)
    if (info === null) return
    this.closedBanner.className = `banner banner-closed closed-${status}`
    setText(this.closedTitle, info.title + '.')
    setText(this.closedText, info.text)
  }

  renderPeople (people: Person[], parties: PartyRef[], presence: Presence): void {
    const colorOf = (u: UserInfo | PartyRef): string => presence.colorOf(u)
    renderAvatars(this.avatars, people, colorOf)
    const list = parties.length > 0 ? parties : people.filter((p) => p.user.role !== 'viewer').map((p) => p.user)
    const key = lang() + list.map((p) => `${p.id}|${p.name}|${presence.isOnline(p.id)}|${colorOf(p)}`).join(';')
    if (this.parties.dataset.key === key) return
    this.parties.dataset.key = key
    this.parties.replaceChildren(...list.map((p) => {
      const online = presence.isOnline(p.id)
      const you = presence.me?.id === p.id
      return h('li', { class: `party${online ? ' online' : ''}`, style: `--c:${colorOf(p)}` },
        h('span', { class: 'party-role' }, roleName(p.role)),
        h('span', { class: 'party-name' }, you ? t('presence.name_you', { name: p.name }) : p.name),
        h('span', { class: 'presence-dot', title: online ? t('presence.here') : t('presence.away') }),
        h('span', { class: 'sr-only' }, online ? t('presence.here_sr') : t('presence.away_sr')))
    }))
  }

  /** Show a reminder the server sent; a later one replaces it, Dismiss hides it. */
  showReminder (text: string): void {
    const dismiss = h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => { this.reminderBanner.hidden = true } }, tr('common.dismiss'))
    this.reminderBanner.replaceChildren(h('span', {}, text), dismiss)
    this.reminderBanner.hidden = false
  }

  /** Reword the reminder shown (the language switched); a dismissed one stays hidden. */
  rewordReminder (text: string): void {
    const span = this.reminderBanner.firstElementChild
    if (span instanceof HTMLElement && !this.reminderBanner.hidden) setText(span, text)
  }

  renderConnection (state: ConnState, fatal: Fatal | null, browserOffline = true): void {
    this.conn.dataset.state = state
    setText(this.connText, connLabel(state))
    setHidden(this.fatalBanner, fatal === null)
    if (fatal !== null && this.fatalBanner.dataset.code !== `${fatal.code}|${lang()}`) {
      this.fatalBanner.dataset.code = `${fatal.code}|${lang()}`
      this.fatalBanner.replaceChildren(h('div', {}, h('strong', {}, fatal.title), h('span', {}, ` ${fatal.message}`)))
      if (fatal.reload) this.fatalBanner.append(h('button', { type: 'button', class: 'btn btn-small', onclick: () => location.reload() }, tr('common.reload')))
    }
    const text = state === 'offline'
      ? t(browserOffline ? 'conn.offline_banner' : 'conn.offline_server_banner', { seconds: String(OFFLINE_AFTER_MS / 1000) })
      : state === 'reconnecting'
        ? t('conn.reconnecting_banner')
        : null
    setHidden(this.connBanner, text === null)
    if (text !== null) setText(this.connBanner, text)
  }

  renderReadOnly (reason: string | null): void {
    setHidden(this.roBanner, reason === null)
    if (reason !== null) setText(this.roBanner, reason)
  }

  renderProposal (p: Proposal | null, me: UserInfo | null): void {
    setHidden(this.proposalBanner, p === null)
    if (p === null) return
    const mine = p.by !== null && me !== null && p.by.id === me.id
    const party = me !== null && me.role !== 'viewer'
    const who = p.by === null ? 'nobody' : mine ? 'you' : 'name'
    const proposed = p.base_version !== null
      ? t(`banner.proposal.${who}_version`, { name: p.by?.name ?? '', version: String(p.base_version) })
      : t(`banner.proposal.${who}`, { name: p.by?.name ?? '' })
    setText(this.proposalText, `${proposed} ${t(!mine && party ? 'banner.frozen_waiting' : 'banner.frozen')}`)
    toggleClass(this.proposalBanner, 'waiting', !mine && party)
  }
}
