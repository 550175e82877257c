// What a close code the room cannot recover from means to the person reading the page.

import { t } from './i18n'

export interface Fatal {
  code: number
  title: string
  message: string
  reload: boolean
}

/** A Fatal whose words are read from the catalog each time (they follow the language switch). */
function fatal (code: number, name: string, reload: boolean): Fatal {
  return {
    code,
    reload,
    get title () { return t(`close.${name}.title`) },
    get message () { return t(`close.${name}.message`, { code: String(code) }) }
  }
}

/**
 * What each "do not reconnect" close code means to the person in the room; the server's reason
 * tells apart the cases that share a code (a revoked link, a limit on open tabs).
 */
export function describeClose (code: number, reason = ''): Fatal {
  switch (code) {
    case 4401:
      if (reason.includes('revoked')) return fatal(code, 'revoked', false)
      return fatal(code, 'invalid', false)
    case 4403:
      return fatal(code, 'not_party', false)
    case 4404:
      return fatal(code, 'no_offer', false)
    case 4409:
      return fatal(code, 'out_of_sync', true)
    case 4413:
      return fatal(code, 'too_large', true)
    case 4429:
      if (reason.includes('connections') || reason.includes('viewers')) return fatal(code, 'too_many_windows', true)
      return fatal(code, 'too_fast', true)
    default:
      return fatal(code, 'other', true)
  }
}
