"""Risk flags: scam signals and anomalies in proposed terms (docs/DOMAIN.md, "Risk flags").

Flags inform, they never block: each carries the matched evidence, a plain sentence and the party it
is shown to. Patterns look for a *request* ("pay you via PayPal", "send me your SSN"), not a topic,
because ordinary jobs talk about these topics all the time: a PayPal checkout, signal processing, a
Telegram bot, password reset flows, wireframes, test coverage, cheque reconciliation.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

import msgspec

from server.offers.limits import Limits
from server.offers.money import format_money
from server.offers.policy import applicable_terms
from server.offers.terms import Terms

Severity = Literal["info", "warning", "danger"]
AtRisk = Literal["client", "freelancer", "both"]
Party = Literal["client", "freelancer"]

#: A large first milestone counts as "upfront" when it falls due this soon after the start.
UPFRONT_WINDOW = timedelta(days=2)


class Flag(msgspec.Struct, frozen=True):
    code: str
    severity: Severity
    #: The text that triggered the flag, as written (or the figures, for structural flags).
    evidence: str
    message: str
    #: Who should see it: the party the signal puts at risk.
    at_risk: AtRisk
    #: Where it was found: "title", "description", "milestones[2].title", "note" or "terms".
    source: str = "terms"


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


_APPS = r"telegram|whats\s?app|skype|signal|viber|wechat|discord|kik"
_WALLETS = r"pay\s?pal|cash\s?app|venmo|zelle|skrill|payoneer"
_COIN = r"bitcoins?|btc|usdt|tether|ethereum|eth|crypto(?:currency)?|litecoin|ltc"
_PRON = r"(?:you|me|us)"
_MODAL = r"(?:'ll|\s+will|\s+must|\s+need\s+to|\s+have\s+to|\s+should|\s+can){0,3}"
#: An obligation put on the reader ("you will need to pay"), not a possibility ("lets you pay").
_MUST = r"(?:'ll|\s+will|\s+must|\s+need\s+to|\s+have\s+to|\s+should|\s+first){1,3}"
_ASK = r"send|give|provide|share|upload|submit|forward|text|email|e-mail|tell|confirm|need"
_SECRETS = (
    r"(?:ssn|social\s+security(?:\s+number)?|passport|driver'?s\s+licen[cs]e|(?:photo\s+|national"
    r"\s+)?id(?:\s+card)?|bank\s+(?:account|details|login|info(?:rmation)?|card)|account\s+number"
    r"|routing\s+number|iban|credit\s+card|card\s+details|password|login\s+details|credentials"
    r"|2fa(?:\s+code)?|two[-\s]factor\s+code|otp|one[-\s]time\s+(?:code|password)|verification\s+code"
    r"|security\s+code|pin|date\s+of\s+birth)\b(?!\s+(?:reset|field|fields|manager|policy|strength"
    r"|hashing|page|form|flow|screen|feature|validation|recovery|format|masking|login\s+flow))"
)
_SUPPLIES = _rx(
    r"\b(?:buy|purchase|order)\b[^.\n]{0,40}\b(?:supplies|equipment|materials|laptop|software"
    r"|gear|devices?|computer|macbook|iphone)\b"
)

# (code, severity, message, pattern)
SIGNALS: tuple[tuple[str, Severity, str, re.Pattern[str]], ...] = (
    ("off_platform_contact", "warning",
     "Asks to move the conversation off the platform, where messages and payments are not "
     "protected.",
     _rx(rf"\b(?:contact|message|reach|text|call|chat\s+with|talk\s+to|add|ping|dm|write\s+to|"
         rf"find)\s+(?:me|us)\s+(?:on|via|over|through|at)\s+(?:my\s+)?(?:{_APPS})\b",
         rf"\b(?:talk|chat|continue|move|communicate|discuss|switch|connect)\s+(?:\w+\s+){{0,3}}"
         rf"(?:on|via|over|to|through)\s+(?:{_APPS})\b(?!\s+(?:bot|api|integration|channel\s+bot))",
         rf"\b(?:my|your)\s+(?:{_APPS})\s*(?:id|handle|username|number|account|is|:)",
         rf"\b(?:{_APPS})\s*(?:id|handle|username|number)?\s*[:=]?\s*(?:@[\w.]{{3,}}|\+?\d[\d\s-]{{6,}}\d)",
         r"\b(?:t\.me|telegram\.me|wa\.me|chat\.whatsapp\.com)/[\w+/-]+",
         r"\b(?:call|text|sms|ring)\s+me\s+(?:at|on)\b",
         r"(?<![\w-])\+\d{1,3}[\s.-]?\(?\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}\b",
         r"(?<![\w-])\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b|(?<![\w-])\d{3}[.-]\d{3}[.-]\d{4}\b",
         r"\b[\w.+-]+@(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|aol"
         r"|proton(?:mail)?|pm|gmx|mail|yandex|qq|163|zoho)\.[a-z]{2,3}(?:\.[a-z]{2})?\b",
         r"\b(?:e-?mail|contact|write\s+to)\s+me\s+(?:at|on)\s+[\w.+-]+@[\w-]+\.[\w.]+")),
    ("off_platform_payment", "danger",
     "Asks to pay or be paid outside the platform, which removes payment protection.",
     _rx(rf"\b(?:pay|send|transfer|wire)\s+(?:the\s+(?:money|funds)\s+|it\s+)?(?:to\s+)?{_PRON}\b"
         rf"(?:\s+\w+){{0,3}}\s+(?:via|through|by|with|on|using)\s+(?:{_WALLETS}|(?:a\s+)?(?:wire|"
         r"bank)\s+transfer)\b",
         rf"\b(?:i|we){_MODAL}\s+(?:pay|send)\s+(?:it\s+|the\s+money\s+)?(?:via|through|by|with|"
         rf"on|using)\s+(?:{_WALLETS}|(?:a\s+)?(?:wire|bank)\s+transfer)\b",
         rf"\b(?:to|into|on)\s+(?:my|your)\s+(?:{_WALLETS})\b",
         rf"\b(?:my|your)\s+(?:{_WALLETS})\s+(?:account|address|email|id|tag|details)\b",
         r"\bpaypal\.me/\w+|\bcash\s?app\s+\$\w+",
         rf"\bpay\s+{_PRON}\s+directly\b|\bdirect\s+payment\s+(?:to\s+me|outside)\b",
         r"\b(?:pay|paid|payment)s?\b[^.\n]{0,30}\boutside\s+(?:of\s+)?(?:the\s+|this\s+)?"
         r"(?:platform|site|marketplace|upwork|fiverr)\b")),
    ("crypto", "danger",
     "Involves buying or sending cryptocurrency, a common way to move money irreversibly.",
     _rx(rf"\b(?:pay|send|transfer)\s+{_PRON}\s+(?:\w+\s+){{0,2}}(?:in|with|via|using)\s+(?:{_COIN})\b",
         rf"\b(?:i|we){_MODAL}\s+pay\s+(?:\w+\s+){{0,2}}(?:in|with|via|using)\s+(?:{_COIN})\b",
         rf"\b(?:be\s+paid|payment\s+will\s+be\s+(?:made|sent))\s+(?:\w+\s+){{0,2}}(?:in|with|via)"
         rf"\s+(?:{_COIN})\b",
         rf"\byou{_MUST}\s+(?:buy|purchase)\s+(?:\S+\s+){{0,3}}(?:{_COIN})\b",
         rf"\b(?:my|our)\s+(?:(?:{_COIN})\s+)?wallet\s+address\b",
         rf"\bsend\s+(?:me|us)\s+(?:the\s+)?(?:\S+\s+)?(?:{_COIN})\b")),
    ("overpayment", "danger",
     "Describes an overpayment to be sent back, the pattern of fake cheque scams.",
     _rx(r"\b(?:send|pay|wire|transfer|return|refund|give)\s+(?:me\s+|us\s+)?back\s+(?:the\s+)?"
         r"(?:difference|excess|extra|rest|balance|remainder|overpayment)\b",
         r"\b(?:send|pay|wire|transfer|return|refund)\s+(?:me\s+|us\s+)?(?:the\s+)?(?:difference|"
         r"excess|extra(?:\s+amount)?|overpayment|remainder)\s+back\b",
         r"\brefund\s+(?:me|us)\s+the\s+(?:difference|excess|overpayment)\b",
         r"\b(?:i|we)(?:'ll|\s+will|\s+have|\s+had|'ve)?\s+overpa(?:y|id)\b|\boverpa(?:y|id)\s+you\b",
         r"\b(?:cheque|check)\s+(?:for|of)\s+(?:more|extra)\s+than\b")),
    ("equipment_reimbursement", "danger",
     "Asks the freelancer to buy equipment or supplies and be reimbursed later.",
     _rx(rf"\byou{_MUST}\s+(?:buy|purchase|order)\b[^.\n]{{0,80}}\b(?:reimburs\w*"
         r"|refund\w*|pay\s+you\s+back|paid\s+back)",
         r"\b(?:reimburse|refund)\s+you\s+(?:for|after)\b[^.\n]{0,40}\b(?:buy|purchas|order|"
         r"equipment|laptop|software|supplies|gear)",
         r"\b(?:from\s+)?(?:our|my)\s+(?:approved|designated|preferred|certified)\s+vendor\b")),
    ("gift_cards", "danger",
     "Mentions gift cards or money-transfer services, which scammers use because payments "
     "cannot be reversed.",
     _rx(rf"\b(?:you{_MUST}|please)\s+(?:buy|purchase|get)\s+(?:\S+\s+){{0,3}}gift\s?cards?\b",
         rf"\b(?:pay|send)\s+{_PRON}\s+(?:in\s+|with\s+)?(?:\S+\s+){{0,2}}gift\s?cards?\b",
         r"\bgift\s?cards?\s+as\s+(?:payment|a\s+deposit)\b",
         r"\bsend\s+(?:me|us)\s+the\s+(?:gift\s?)?card\s+(?:codes?|numbers?|pins?)\b",
         r"\bwestern\s+union\b|\bmoney\s?gram\b")),
    ("upfront_fee", "danger",
     "Asks the freelancer to pay a fee before starting; legitimate clients do not charge one.",
     _rx(r"\b(?:registration|training|onboarding|activation|starter\s+kit|processing|membership"
         r"|application|enrollment|certification)\s+(?:fee|deposit)\b[^.\n]{0,40}\b(?:before\s+"
         r"you|before\s+(?:we|you\s+can)\s+start|to\s+(?:start|begin)\s+(?:work|the\s+job))",
         rf"\byou{_MUST}\s+pay\b[^.\n]{{0,40}}\b(?:fee|deposit|kit)\b",
         r"\bpay\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:fee|deposit)\s+"
         r"(?:to|before)\s+(?:start|begin|get\s+started|join|register|receive)")),
    ("personal_data", "danger",
     "Asks for identity documents, bank details, passwords or security codes, which a client "
     "never needs.",
     _rx(rf"\b(?:{_ASK})\b(?:\s+(?:me|us))?[^.\n]{{0,25}}\b(?:your|ur)\s+{_SECRETS}",
         rf"\b(?:{_ASK})\s+(?:me|us)\s+(?:the\s+|a\s+(?:copy|photo|scan)\s+of\s+)?{_SECRETS}")),
    ("unpaid_test", "warning",
     "Asks for unpaid work as a test; trial work should be paid.",
     _rx(r"\bunpaid\s+(?:test|trial|sample|task|assignment)",
         r"\bfree\s+(?:test|trial|sample)\s+(?:task|work|project|assignment)\b",
         r"\b(?:test|trial|sample)\s+(?:task|project|assignment)\b[^.\n]{0,40}\b(?:unpaid|for\s+"
         r"free|without\s+pay(?:ment)?|not\s+(?:be\s+)?paid|won't\s+be\s+paid)",
         r"\b(?:do|complete|finish)\s+(?:a\s+|the\s+|this\s+)?(?:small\s+)?(?:task|test)\s+"
         r"(?:first\s+)?for\s+free\b")),
    ("pressure", "warning",
     "Pushes for a quick decision, a common tactic to discourage careful reading.",
     _rx(r"\baccept\s+(?:it\s+|this(?:\s+offer)?\s+|the\s+offer\s+)?(?:today|tonight|now|"
         r"immediately|right\s+away|asap|within\s+(?:the\s+next\s+)?\d+\s+(?:minutes?|hours?))\b",
         r"\b(?:offer|this)\s+(?:expires|ends|is\s+only\s+valid)\s+(?:today|tonight|in\s+\d+\s+"
         r"(?:minutes?|hours?))\b",
         r"\blast\s+chance\b|\bact\s+now\b|\bbefore\s+someone\s+else\s+(?:takes|gets)\s+it\b",
         r"\bkeep\s+this\s+(?:between\s+us|confidential|secret)\b|\bdon'?t\s+tell\s+(?:anyone|"
         r"the\s+platform)")),
)  # fmt: skip


def scan_text(text: str) -> list[tuple[str, Severity, str, str]]:
    """Every signal in one text, as (code, severity, message, evidence); first match per code."""
    out = []
    for code, severity, message, pattern in SIGNALS:
        m = pattern.search(text)
        if m is not None:
            out.append((code, severity, message, " ".join(m.group(0).split())[:120]))
    return out


def detect_flags(
    terms: Terms,
    note: str | None,
    limits: Limits,
    today: date,
    *,
    committed: Terms | None = None,
    proposer: Party | None = None,
) -> list[Flag]:
    """Risk flags for proposed ``terms`` and the proposer's ``note``.

    A signal in text the proposer wrote (the note, or text new since ``committed``) is shown to
    the other party. A signal in text that was already agreed is shown to the freelancer: offers
    start as the client's text, and fake job offers target freelancers.
    """
    t = applicable_terms(terms)
    old = applicable_terms(committed) if committed is not None else None
    sources = [("title", t.title), ("description", t.description)]
    sources += [(f"milestones[{i}].title", m.title) for i, m in enumerate(t.milestones)]
    old_titles = [] if old is None else [m.title for m in old.milestones]
    old_text = "" if old is None else "\n".join([old.title, old.description, *old_titles])
    flags: list[Flag] = []
    for source, text in [*sources, ("note", note or "")]:
        for code, severity, message, evidence in scan_text(text):
            new = source == "note" or old is None or evidence.lower() not in old_text.lower()
            at_risk: AtRisk = "freelancer"
            if new and proposer is not None:
                at_risk = "client" if proposer == "freelancer" else "freelancer"
            flags.append(Flag(code, severity, evidence, message, at_risk, source))
    return flags + _structural(t, note, limits, today)


def _structural(t: Terms, note: str | None, limits: Limits, today: date) -> list[Flag]:
    cur, out = t.currency, []
    if t.hourly_rate is not None and t.hourly_rate < limits.hourly_rate_min:
        minimum = format_money(limits.hourly_rate_min, cur)
        evidence = f"{format_money(t.hourly_rate, cur)} an hour"
        message = f"The rate is below the platform minimum of {minimum} an hour."
        out.append(
            Flag("rate_below_policy", "warning", evidence, message, "freelancer", "hourly_rate")
        )
    if t.fixed_price is not None and t.fixed_price < limits.fixed_price_min:
        minimum = format_money(limits.fixed_price_min, cur)
        evidence = format_money(t.fixed_price, cur)
        message = f"The price is below the platform minimum of {minimum}."
        out.append(
            Flag("rate_below_policy", "warning", evidence, message, "freelancer", "fixed_price")
        )
    words = len(t.description.split())
    pay = t.hourly_rate if t.contract_type == "hourly" else t.fixed_price
    high = limits.hourly_rate_high if t.contract_type == "hourly" else limits.fixed_price_high
    if pay is not None and pay >= high and words < limits.vague_task_words:
        evidence = f"{format_money(pay, cur)} for a {words}-word description"
        message = "Pay far above the usual for a task described in a few words can be a lure."
        out.append(Flag("high_pay_vague_task", "info", evidence, message, "freelancer"))
    if t.contract_type == "fixed" and t.fixed_price is not None:
        out += _milestone_flags(t, t.fixed_price, note, limits, today)
    return out


def _milestone_flags(
    t: Terms, price: int, note: str | None, limits: Limits, today: date
) -> list[Flag]:
    cur, out = t.currency, []
    total = sum(m.amount for m in t.milestones)
    if t.milestones and total != price:
        evidence = f"milestones {format_money(total, cur)}, price {format_money(price, cur)}"
        message = "The milestone amounts do not add up to the fixed price."
        out.append(
            Flag("milestone_sum_mismatch", "warning", evidence, message, "both", "milestones")
        )
    supplies = [m for text in (t.title, t.description, note or "") if (m := _SUPPLIES.search(text))]
    if not t.milestones and supplies:
        message = "A purchase of supplies on a fixed price with no milestones to stage payment."
        evidence = supplies[0].group(0)
        out.append(Flag("supplies_no_milestones", "danger", evidence, message, "freelancer"))
    first, start = t.milestones[0] if len(t.milestones) >= 2 else None, t.start_date
    if first is not None and start is not None and start <= today:
        upfront = first.amount * 100 > limits.upfront_share_pct * price
        if upfront and (first.due_date is None or first.due_date <= start + UPFRONT_WINDOW):
            evidence = (
                f"{format_money(first.amount, cur)} of {format_money(price, cur)} at the start"
            )
            message = "Most of the price falls due on the first day, before work can be reviewed."
            code, source = "large_upfront_milestone", "milestones[0]"
            out.append(Flag(code, "warning", evidence, message, "client", source))
    return out
