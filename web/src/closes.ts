// What a close code the room cannot recover from means to the person reading the page.

export interface Fatal {
  code: number
  title: string
  message: string
  reload: boolean
}

/**
 * What each "do not reconnect" close code means to the person in the room; the server's reason
 * tells apart the cases that share a code (a revoked link, a limit on open tabs).
 */
export function describeClose (code: number, reason = ''): Fatal {
  switch (code) {
    case 4401:
      if (reason.includes('revoked')) {
        return { code, title: 'This link was revoked', message: 'Ask the marketplace for a new link to this offer.', reload: false }
      }
      return { code, title: 'This link has expired or is invalid', message: 'Ask the marketplace for a new link to this offer.', reload: false }
    case 4403:
      return { code, title: 'You are not a party to this offer', message: 'This link belongs to someone else’s offer.', reload: false }
    case 4404:
      return { code, title: 'This offer does not exist', message: 'It may have been removed. Check the link you were sent.', reload: false }
    case 4409:
      return { code, title: 'This offer changed on the server', message: 'Reload the page to continue with the latest version.', reload: true }
    case 4413:
      return { code, title: 'A change was too large to send', message: 'Reload the page to continue.', reload: true }
    case 4429:
      if (reason.includes('connections') || reason.includes('viewers')) {
        return { code, title: 'This offer is open in too many windows', message: 'Close another tab or window showing this offer, then reload the page.', reload: true }
      }
      return { code, title: 'Too many changes too quickly', message: 'Wait a moment, then reload the page.', reload: true }
    default:
      return { code, title: 'The server closed the connection', message: `Reload the page to try again (code ${code}).`, reload: true }
  }
}
