"""The currencies an offer may be priced in: ISO 4217 codes in use today.

Source: ISO 4217 "list one" (current currency and funds codes) as published by SIX, the standard's
maintenance agency, on 1 January 2026 — 178 codes, through amendment 180. It is Debian's
``iso-codes`` 4.15 list less the codes withdrawn since (HRK, SLL, CUC, ZWL, ANG, BGN) plus the
ones added (ZWG, XCG, XAD). Refresh it from the next published list; a withdrawn code only stops
new offers from using it (stored terms are read back whatever their currency).

Money here is an integer count of the currency's minor unit, so the 13 codes whose minor unit the
standard gives as "N.A." are left out (``WITHOUT_MINOR_UNIT``): precious metals, bond-market and
IMF/regional units of account, the testing code XTS and XXX, "no currency". Funds codes with a
minor unit stay in: contracts are written in indexed units such as Chile's CLF and Uruguay's UYI.
"""

from __future__ import annotations

#: List-one codes with a minor unit: what ``currency`` may be.
CURRENCIES: frozenset[str] = frozenset(
    {
        "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
        "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
        "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP",
        "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
        "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
        "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR",
        "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD",
        "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN",
        "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
        "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD",
        "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
        "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX",
        "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAD",
        "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
    }
)  # fmt: skip

#: List-one codes whose minor unit is "N.A.": no whole number of minor units can price work.
WITHOUT_MINOR_UNIT: frozenset[str] = frozenset(
    {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}
)
