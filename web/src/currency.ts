// The currency picker's choices: the ISO 4217 codes the server accepts (server/offers/currencies.py,
// CURRENCIES; tests/unit/test_web_currencies.py keeps the two lists equal), each named in the
// reader's language by Intl.DisplayNames ("Euro", "Euro", "euro").

import { LOCAL_ORIGIN, type OfferDoc } from './doc'
import { currencyDigits } from './format'
import { locale, t } from './i18n'

export const CURRENCIES: readonly string[] = [
  'AED', 'AFN', 'ALL', 'AMD', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT',
  'BHD', 'BIF', 'BMD', 'BND', 'BOB', 'BOV', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD',
  'CAD', 'CDF', 'CHE', 'CHF', 'CHW', 'CLF', 'CLP', 'CNY', 'COP', 'COU', 'CRC', 'CUP',
  'CVE', 'CZK', 'DJF', 'DKK', 'DOP', 'DZD', 'EGP', 'ERN', 'ETB', 'EUR', 'FJD', 'FKP',
  'GBP', 'GEL', 'GHS', 'GIP', 'GMD', 'GNF', 'GTQ', 'GYD', 'HKD', 'HNL', 'HTG', 'HUF',
  'IDR', 'ILS', 'INR', 'IQD', 'IRR', 'ISK', 'JMD', 'JOD', 'JPY', 'KES', 'KGS', 'KHR',
  'KMF', 'KPW', 'KRW', 'KWD', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR', 'LRD', 'LSL', 'LYD',
  'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR', 'MVR', 'MWK', 'MXN',
  'MXV', 'MYR', 'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD', 'OMR', 'PAB', 'PEN',
  'PGK', 'PHP', 'PKR', 'PLN', 'PYG', 'QAR', 'RON', 'RSD', 'RUB', 'RWF', 'SAR', 'SBD',
  'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SOS', 'SRD', 'SSP', 'STN', 'SVC', 'SYP',
  'SZL', 'THB', 'TJS', 'TMT', 'TND', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'UGX',
  'USD', 'USN', 'UYI', 'UYU', 'UYW', 'UZS', 'VED', 'VES', 'VND', 'VUV', 'WST', 'XAD',
  'XAF', 'XCD', 'XCG', 'XOF', 'XPF', 'YER', 'ZAR', 'ZMW', 'ZWG'
]

const names = new Map<string, Intl.DisplayNames | null>()

/** The currency's name in `loc` ("US Dollar"), or its code where the browser has none. */
export function currencyName (code: string, loc = locale()): string {
  let dn = names.get(loc)
  if (dn === undefined) {
    try { dn = new Intl.DisplayNames([loc], { type: 'currency' }) } catch { dn = null }
    names.set(loc, dn)
  }
  try {
    const name = dn?.of(code)
    return name !== undefined && name !== '' ? name : code
  } catch { return code }
}

export interface CurrencyOption { code: string, label: string }

/**
 * The picker's options, sorted by name in `loc`, each "Name (CODE)". `current` is kept even
 * when the server no longer offers it (a code withdrawn from ISO 4217 after the offer was made).
 */
export function currencyOptions (current: string | null, loc = locale()): CurrencyOption[] {
  const codes = current !== null && !CURRENCIES.includes(current) ? [...CURRENCIES, current] : [...CURRENCIES]
  const collator = new Intl.Collator(loc)
  return codes
    .map((code) => {
      const name = currencyName(code, loc)
      return { code, label: name === code ? code : t('currency.option', { name, code }) }
    })
    .sort((a, b) => collator.compare(a.label, b.label))
}

/**
 * An amount in minor units of \`from\` as minor units of \`to\` with the same figure: $45.00 (4500)
 * is ¥45 (45) and 45.000 KWD (45000). A fraction the new currency cannot hold is rounded.
 */
export function rescale (minor: number, from: string, to: string): number {
  const shift = currencyDigits(to) - currencyDigits(from)
  return shift >= 0 ? minor * 10 ** shift : Math.round(minor / 10 ** -shift)
}

/**
 * Price the draft in \`next\`: the currency and every amount (rate, fixed price, milestones) in one
 * edit, so the figures stay what the parties typed and one undo takes it all back. True when an
 * amount had to be rounded (45.50 USD in yen).
 */
export function switchCurrency (od: OfferDoc, next: string): boolean {
  const from = od.currency
  if (from === next && od.str('currency') === next) return false
  let rounded = false
  const moved = (v: number): number => {
    const r = rescale(v, from, next)
    if (rescale(r, next, from) !== v) rounded = true
    return r
  }
  od.doc.transact(() => {
    od.setTerm('currency', next)
    for (const key of ['hourly_rate', 'fixed_price'] as const) {
      const v = od.num(key)
      if (v !== null) od.setTerm(key, moved(v))
    }
    for (const m of od.draftMilestones()) if (m.amount !== null) od.setMilestone(m.id, 'amount', moved(m.amount))
  }, LOCAL_ORIGIN)
  return rounded
}
