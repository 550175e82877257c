"""English risk signals: what a scam asks for, in English (docs/DOMAIN.md, "Risk flags").

Each pattern looks for a *request* put to the reader ("pay you via PayPal", "send me your SSN",
"pay the training fee"), never a topic, because ordinary jobs are about these topics all the time:
a PayPal checkout, a crypto dashboard, gift cards in a shop, a KYC flow, a Telegram bot, attendees
paying a registration fee. A request is an imperative at the start of a clause, "you" with an
obligation ("you will need to"), "please", or a first person offering to pay off the platform.
"""

from __future__ import annotations

from server.explain.signals_common import APPS, CLAUSE, COIN, WALLETS, span

_PRON = r"(?:you|me|us)"
_MODAL = (
    r"(?:'ll|'d|\s+will|\s+must|\s+need\s+to|\s+have\s+to|\s+should|\s+can|\s+only|\s+just"
    r"|\s+always|\s+usually|\s+prefer\s+to|\s+would\s+rather|\s+rather){0,3}"
)
#: An obligation put on the reader ("you will need to pay"), not a possibility ("lets you pay").
_MUST = (
    r"(?:'ll|\s+will|\s+must|\s+need\s+to|\s+have\s+to|\s+should|\s+first|\s+are\s+required\s+to"
    r"|\s+are\s+expected\s+to|\s+to){1,3}"
)
#: A request addressed to the reader: "please …", "you must …", an imperative starting a clause.
_REQ = (
    rf"(?:{CLAUSE}|\b(?:please|pls|kindly|just|simply|first)\s+|\byou{_MUST}\s+"
    r"|\b(?:i|we)\s+need\s+you\s+to\s+|\b(?:can|could)\s+you\s+)"
)
_ASK = r"send|give|provide|share|upload|submit|forward|text|email|e-mail|tell|confirm|need"
_SECRETS = (
    r"(?:ssn|social\s+security(?:\s+number)?|passport|driver'?s\s+licen[cs]e|(?:photo\s+|national"
    r"\s+)?id(?:\s+card)?|identity\s+card|bank\s+(?:account|details|login|info(?:rmation)?|card)"
    r"|account\s+number|routing\s+number|iban|credit\s+card|card\s+details|password|login\s+details"
    r"|credentials|2fa(?:\s+code)?|two[-\s]factor\s+code|otp|one[-\s]time\s+(?:code|password)"
    r"|verification\s+code|security\s+code|pin|date\s+of\s+birth|tax\s+id)\b(?!\s+(?:reset|field"
    r"|fields|manager|policy|strength|hashing|page|form|flow|screen|feature|validation|recovery"
    r"|format|masking|login\s+flow|photo|photos))"
)
#: Not after a negation: "never share your password" is advice to a user, not a request.
_NOT = r"(?<!\bnever\s)(?<!\bnot\s)(?<!n't\s)(?<!\bno\s)"
_FEE_KIND = (
    r"registration|training|onboarding|activation|starter[-\s]?kit|starter\s+pack(?:age)?"
    r"|processing|membership|application|enrol(?:l)?ment|certification|background[-\s]check"
    r"|verification|admin(?:istration|istrative)?|set[-\s]?up|placement|equipment|materials?"
    r"|uniform"
)
#: Fees that only a fake job asks of the person it hires (an event may charge a registration fee).
_JOB_FEE_KIND = (
    r"training|onboarding|activation|starter[-\s]?kit|starter\s+pack(?:age)?|background[-\s]check"
    r"|verification|placement|equipment|uniform|set[-\s]?up|processing"
)
_GIFT = (
    r"gift\s?cards?|(?:steam|apple|itunes|google\s+play|amazon|ebay|vanilla|razer|sephora"
    r"|target|walmart|xbox|psn|playstation)\s+(?:gift\s+)?cards?"
)
#: A cheque, not a check-in, a checklist or a quality check.
_CHEQUE = r"(?:cheque|check)(?![-\w])(?!\s+(?:mark|box|list|in|out|up|on|of\s+(?:the|your|our)))"
#: A cheque that is money beyond doubt, for patterns that read past the sentence.
_PAPER_CHEQUE = (
    r"(?:cheque|(?:cashier'?s|certified|company|bank|business|paper)\s+check|check\s+(?:for|of)\s+"
    r"[$€£]?\d)"
)

PATTERNS: dict[str, tuple[str, ...]] = {
    "off_platform_contact": (
        rf"\b(?:hit|catch|hmu|holler\s+at|reach\s+out\s+to)\s+(?:me|us)\s+(?:up\s+)?(?:on|via|over"
        rf"|through)\s+(?:my\s+)?(?:{APPS})\b",
        rf"\b(?:contact|message|reach|text|call|chat\s+with|talk\s+to|add|ping|dm|write\s+to|"
        rf"find)\s+(?:me|us)\s+(?:on|via|over|through|at)\s+(?:my\s+)?(?:{APPS})\b",
        rf"\b(?:talk|chat|continue|move|communicate|discuss|switch|connect)\s+(?:\w+\s+)"
        rf"{{0,3}}(?:on|via|over|to|through)\s+(?:{APPS})\b(?!\s+(?:bot|api|integration"
        r"|channel\s+bot|business))",
        rf"\b(?:my|your)\s+(?:{APPS})\s{{0,3}}(?:id|handle|username|number|account|is|:)",
        r"\b(?:call|text|sms|ring|whatsapp)\s+me\s+(?:at|on)\b",
        r"\b(?:e-?mail|contact|write\s+to)\s+me\s+(?:at|on)\s+[\w.+-]{1,64}@[\w-]{1,63}\.[\w.]{2,20}",
    ),
    "off_platform_payment": (
        rf"\b(?:pay|send|transfer|wire)\s+(?:the\s+(?:money|funds)\s+|it\s+)?(?:to\s+)?{_PRON}\b"
        rf"(?:\s+\w+){{0,3}}\s+(?:via|through|by|with|on|using)\s+(?:{WALLETS}|(?:a\s+)?(?:wire|"
        r"bank)\s+transfer)\b",
        rf"\b(?:i|we){_MODAL}\s+(?:pay|send)\s+(?:it\s+|the\s+money\s+)?(?:via|through|by|with|"
        rf"on|using)\s+(?:{WALLETS}|(?:a\s+)?(?:wire|bank)\s+transfer)\b",
        # "Please send back the difference via Zelle", "you'll transfer it with Venmo".
        rf"\b(?:please|pls|kindly|you{_MUST})\s+(?:send|pay|transfer|wire|return)\b{span(40)}"
        rf"\b(?:via|through|by|with|on|using|over)\s+(?:{WALLETS})\b",
        rf"\b(?:to|into|on)\s+(?:my|your)\s+(?:{WALLETS})\b",
        rf"\b(?:my|your)\s+(?:{WALLETS})\s+(?:account|address|email|id|tag|details)\b",
        r"\bpaypal\.me/\w{1,40}|\bcash\s?app\s+\$\w{1,40}",
        # A wallet as a verb: "I'll Venmo you half now".
        r"\b(?:venmo|zelle|paypal|cash\s?app)\s+(?:you|me)\b",
        rf"\b(?:pay|send|transfer|wire|refund|return|give)\b{span(30)}\b(?:to\s+)?(?:me|us)\s+(?:\w+\s+)"
        rf"{{0,2}}?(?:via|through|by|with|using|over)\s+(?:{WALLETS}|(?:a\s+)?(?:wire|bank)\s+transfer)\b",
        rf"\bpay\s+{_PRON}\s+directly\b|\bdirect\s+payment\s+(?:to\s+me|outside)\b",
        r"\b(?:pay|paid|payment)s?\b[^.\n]{0,30}\boutside\s+(?:of\s+)?(?:the\s+|this\s+)?"
        r"(?:platform|site|marketplace|upwork|fiverr)\b",
        r"\b(?:pay|send|transfer|wire|deposit)\b[^.\n]{0,40}\b(?:to|into)\s+my\s+(?:personal\s+|"
        r"private\s+)?bank\s+account\b",
        r"\b(?:i|we)(?:'d|'ll|\s+would|\s+will|\s+can|\s+could)?\s+(?:rather\s+|prefer\s+to\s+|just\s+)?"
        rf"(?:pay|send|transfer|wire|deposit)\b{span(40)}\b(?:to|into)\s+your\s+(?:personal\s+|own\s+)?"
        r"bank\s+account\b",
    ),
    "off_platform_contract": (
        r"\b(?:sign|do|make|set\s+up|draw\s+up|write|move|have|handle|continue|start|close)\s+"
        r"(?:a\s+|the\s+|our\s+|this\s+|an?\s+new\s+|a\s+separate\s+|a\s+private\s+)?(?:contract"
        r"|agreement|deal|job|project|work)\s+(?:\w+\s+){0,2}(?:outside|off)\s+(?:of\s+)?(?:the\s+"
        r"|this\s+)?(?:platform|site|marketplace|upwork|fiverr|app)\b",
        rf"(?:{CLAUSE}|\b(?:please|you|we|let'?s)\s+)(?:cancel|close|end|terminate|withdraw|stop)\s+"
        r"(?:the|this|our)\s+(?:contract|offer|job|project)\s+(?:here\s+|on\s+(?:the|this)\s+"
        r"(?:platform|site)\s+)?(?:and|then|,)\s+(?:\S+\s+){0,4}?(?:directly|privately|outside"
        r"|off[-\s]platform|by\s+e-?mail|via\s+e-?mail)\b",
        r"\b(?:work|deal|continue|hire\s+you)\s+(?:\w+\s+){0,2}directly\b[^.\n]{0,40}\b(?:without|"
        r"outside|avoid|skip|no)\s+(?:the\s+)?(?:platform|site|fees?)\b",
        r"\b(?:new|separate|private|direct)\s+contract\s+(?:by|via|over|on)\s+(?:e-?mail|whatsapp"
        r"|telegram|docusign)\b",
        rf"\b(?:agreement|contract)\b{span(30)}\b(?:privately|outside\s+(?:of\s+)?(?:the\s+)?"
        r"(?:platform|site)|off[-\s]platform)\b",
        rf"\b(?:end|cancel|close)\s+(?:it|this|the\s+(?:contract|job|offer))\s+here\b{span(60)}\b"
        r"(?:agreement|contract|directly|privately)\b",
    ),
    "crypto": (
        rf"\b(?:pay|send|transfer)\s+{_PRON}\s+(?:\w+\s+){{0,2}}(?:in|with|via|using)\s+(?:{COIN})"
        r"\b",
        rf"\b(?:i|we){_MODAL}\s+pay\s+(?:\w+\s+){{0,2}}(?:in|with|via|using)\s+(?:{COIN})\b",
        rf"\b(?:be\s+paid|payments?\s+(?:will\s+be|is|are)(?:\s+(?:made|sent|done))?)\s+(?:\w+\s+)"
        rf"{{0,2}}(?:in|with|via)\s+(?:{COIN})\b",
        rf"\bpays?\s+(?:salaries|wages|freelancers|contractors|you|everyone|staff|workers|its\s+team)"
        rf"\s+(?:only\s+)?(?:in|with|via)\s+(?:{COIN})\b",
        rf"\byou{_MUST}\s+(?:buy|purchase)\s+(?:\S+\s+){{0,3}}(?:{COIN})\b",
        rf"\byour\s+(?:\w+\s+)?(?:salary|wages?|pay|payments?|fees?|earnings|compensation|payouts?"
        rf"|invoices?)\s+(?:\w+\s+){{0,3}}?(?:in|with|via|using)\s+(?:{COIN})\b",
        rf"\b(?:my|our)\s+(?:(?:{COIN})\s+)?wallet\s+address\b",
        rf"\b(?:send|give|share|provide)\s+(?:me|us)\s+(?:your|a|the)\s+(?:(?:{COIN})\s+)?wallet"
        r"\s+address\b",
        rf"\bshare\s+(?:your|the)\s+(?:(?:{COIN})\s+)?wallet\s+address\s+with\s+(?:me|us)\b",
        rf"\b(?:send|give|share|provide|text|email)\b{span(30)}\byour\s+(?:\S+\s+){{0,2}}?(?:wallet"
        r"|deposit)\s+address\b",
        rf"\bwhat(?:'s|\s+is)\s+your\s+(?:(?:{COIN})\s+)?wallet\b",
        rf"\bsend\s+(?:me|us)\s+(?:the\s+)?(?:\S+\s+)?(?:{COIN})\b",
    ),
    "overpayment": (
        r"\b(?:send|pay|wire|transfer|return|refund|give)\s+(?:me\s+|us\s+)?back\s+(?:the\s+)?"
        r"(?:difference|excess|extra|rest|balance|remainder|overpayment)\b",
        r"\b(?:send|pay|wire|transfer|return|refund)\s+(?:me\s+|us\s+)?(?:the\s+)?(?:difference|"
        r"excess|extra(?:\s+amount)?|overpayment|remainder)\s+back\b",
        r"\brefund\s+(?:me|us)\s+the\s+(?:difference|excess|overpayment)\b",
        r"\b(?:i|we)(?:'ll|\s+will|\s+have|\s+had|'ve)?\s+overpa(?:y|id)\b|\boverpa(?:y|id)\s+you\b",
        rf"\b{_CHEQUE}\s+(?:for|of)\s+(?:more|extra)\s+than\b",
        r"\b(?:please|kindly|you\s+(?:must|need\s+to|should|will|'ll))\s+(?:send|pay|wire|transfer"
        r"|return|refund)\s+(?:me\s+|us\s+)?(?:back\s+)?(?:the\s+)?(?:difference|excess|extra|surplus"
        r"|remainder|overpayment|overpaid\s+amount)\b",
        r"\b(?:send|pay|wire|transfer|return|refund)\s+(?:\w+\s+){0,3}?(?:payment|money|amount|funds"
        r"|transfer)s?\s+back\s+to\s+(?:me|us)\b",
        r"\b(?:refund|return|send|give|pay|transfer|wire)\s+(?:\w+\s+){0,2}?(?:the\s+)?(?:rest|difference"
        r"|remainder|excess|extra)\s+(?:back\s+)?(?:to\s+(?:me|us)|back)\b",
        r"\b(?:difference|excess|extra|surplus|overpayment)\s+(?:of\s+)?[$€£]?\s?\d[\d,.]{0,12}\s?"
        r"(?:€|usd|eur|dollars?|euros?)?\s+back\b",
        r"\b(?:i|we|our\s+(?:\w+\s+){0,2}?(?:team|department|accountant|client|company))\s+(?:\w+\s+)?"
        r"(?:accidentally|mistakenly)\s+(?:over)?(?:paid|sent|transferred|included|wired)\b",
    ),
    "equipment_reimbursement": (
        rf"\byou{_MUST}\s+(?:buy|purchase|order)\b[^.\n]{{0,80}}\b(?:reimburs\w*"
        r"|refund\w*|pay\s+you\s+back|paid\s+back)",
        r"\b(?:reimburse|refund)\s+you\s+(?:for|after)\b[^.\n]{0,40}\b(?:buy|purchas|order|"
        r"equipment|laptop|software|supplies|gear)",
        r"\b(?:from\s+)?(?:our|my)\s+(?:approved|designated|preferred|certified|authori[sz]ed)\s+"
        r"(?:vendor|supplier|seller|store|shop)\b",
        # A cheque from the client that pays for the equipment: the cheque bounces later.
        rf"\b(?:send|mail|post|give|courier)\s+(?:you\s+)?(?:a|the|our)\s+(?:\w+\s+){{0,2}}"
        rf"{_CHEQUE}\b{span(60)}\b(?:buy|purchase|order|get)\b",
        # Past the sentence: "we mail you a check. Step 2: deposit it and buy the gear".
        rf"\b(?:mail|post|courier)\s+you\s+(?:a|the|our)\s+(?:\S+\s+){{0,2}}?{_CHEQUE}\b"
        r"[^\n]{0,150}?\b(?:buy|purchase|order)\b(?!\s+orders?)",
        rf"\b(?:send|give)\s+you\s+(?:a|the|our)\s+(?:\S+\s+){{0,2}}?{_PAPER_CHEQUE}\b"
        r"[^\n]{0,150}?\b(?:buy|purchase|order)\b(?!\s+orders?)",
        rf"\byou(?:'ll|\s+will)?\s+(?:get|receive)\s+(?:a|the|our)\s+(?:\S+\s+){{0,2}}?{_PAPER_CHEQUE}"
        r"\b[^\n]{0,120}?\b(?:buy|purchase|order)\b(?!\s+orders?)",
        r"\buse\s+the\s+(?:rest|remainder|remaining\s+(?:money|funds|amount)|balance|funds|money)\s+"
        r"to\s+(?:buy|purchase|pay\s+for|order)\b",
    ),
    "gift_cards": (
        rf"\b(?:you{_MUST}|please)\s+(?:buy|purchase|get)\s+(?:\S+\s+){{0,3}}(?:{_GIFT})\b",
        rf"{_REQ}(?:buy|purchase|get|grab|pick\s+up)\s+(?:\S+\s+){{0,4}}(?:{_GIFT})\b",
        rf"\b(?:pay|send)\s+{_PRON}\s+(?:in\s+|with\s+)?(?:\S+\s+){{0,2}}gift\s?cards?\b",
        rf"{_REQ}pay\b{span(40)}\b(?:by|with|in|via|using)\s+(?:\w+\s+){{0,2}}(?:{_GIFT})\b",
        r"\bgift\s?cards?\s+as\s+(?:payment|a\s+deposit)\b",
        rf"\b(?:be|get|getting)\s+paid\s+(?:in|with)\s+(?:\S+\s+){{0,2}}?(?:{_GIFT})",
        rf"\b(?:{_GIFT})\b{span(40)}\b(?:i'll|i\s+will|we'll|we\s+will)\s+(?:forward|send|pass|give)\s+"
        r"(?:them|it)\s+(?:on\s+)?to\s+you\b",
        r"\bsend\s+(?:me|us)\s+(?:the\s+|all\s+the\s+)?(?:gift\s?)?card\s+(?:codes?|numbers?|pins?)"
        r"\b",
        r"\b(?:send|give|text|email|read|forward)\s+(?:me|us)\s+(?:the\s+|a\s+)?(?:pictures?|photos?"
        r"|images?|scans?)\s+of\s+(?:the\s+)?(?:cards?|codes)\b",
    ),
    "upfront_fee": (
        r"\b(?:registration|training|onboarding|activation|starter\s+kit|processing|membership"
        r"|application|enrollment|certification)\s+(?:fee|deposit)\b[^.\n]{0,40}\b(?:before\s+"
        r"you|before\s+(?:we|you\s+can)\s+start|to\s+(?:start|begin)\s+(?:work|the\s+job))",
        rf"\byou{_MUST}\s+pay\b[^.\n]{{0,40}}\b(?:fee|deposit|kit)\b",
        r"\bpay\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:fee|deposit)\s+"
        r"(?:to|before)\s+(?:start|begin|get\s+started|join|register|receive)",
        # "pay a $50 registration fee", "Pay the training fee": a fee the reader is told to pay.
        rf"{_REQ}pay\b{span(40)}?\b(?:{_FEE_KIND})\s+(?:fee|deposit|charge|payment|cost)s?\b",
        rf"\b(?:{_FEE_KIND}|refundable|one[-\s]time|small|mandatory|upfront|up-front)\s+(?:(?:{_FEE_KIND})"
        rf"\s+)?(?:fee|deposit|charge|payment)s?\b{span(60)}\b(?:before\s+(?:you\s+|we\s+|starting"
        r"|access|day\s+one|the\s+first|your\s+first)|to\s+(?:start|begin|unlock|activate|access"
        r"|get\s+access|receive\s+(?:the|your)\s+first))",
        rf"\b(?:fee|charge|deposit)s?\b{span(40)}\bfrom\s+(?:all\s+|every\s+|each\s+)?new\s+(?:\w+\s+)?"
        r"(?:contractors?|freelancers?|hires?|members?|workers?|writers?|employees?|recruits?"
        r"|candidates?|staff|team\s+members)\b",
        # A fee that gates the work: "payable today", "gives you access to the portal".
        rf"\b(?:{_JOB_FEE_KIND})\s+(?:fee|charge|deposit|payment)s?\b{span(80)}\b(?:payable|due"
        r"|access|unlock)",
        rf"\byou{_MUST}\s+(?:pay|purchase|buy)\b{span(40)}\b(?:fee|deposit|starter|training\s+"
        r"(?:kit|course|package)|onboarding\s+(?:kit|software|package))",
        r"\b(?:starter|training|onboarding|welcome)\s+(?:kit|pack(?:age)?)\b[^.\n]{0,40}\b"
        r"(?:costs?|fee|price)\b",
    ),
    "personal_data": (
        rf"{_NOT}\b(?:{_ASK})\b(?:\s+(?:me|us))?[^.\n]{{0,40}}?\b(?:your|ur)\s+(?:\w+\s+)?"
        rf"{_SECRETS}",
        rf"{_NOT}\b(?:{_ASK})\s+(?:me|us)\s+(?:the\s+|a\s+(?:copy|photo|scan)\s+of\s+)?{_SECRETS}",
        # "forward me the 6-digit code you will receive": a login or payout code, read out.
        rf"\b(?:{_ASK})\s+(?:me|us)\s+(?:the\s+)?(?:\d[-\s]?digit\s+)?(?:code|pin|otp)s?\s+(?:that\s+)?"
        r"(?:you|u)\s+(?:will\s+|'ll\s+|just\s+)?(?:get|receive|received|got)\b",
    ),
    "unpaid_test": (
        r"\bunpaid\s+(?:test|trial|sample|task|assignment)",
        r"\bfree\s+(?:test|trial|sample)\s+(?:task|work|project|assignment)\b",
        r"\b(?:test|trial|sample)\s+(?:task|project|assignment)\b[^.\n]{0,40}\b(?:unpaid|for\s+"
        r"free|without\s+pay(?:ment)?|not\s+(?:be\s+)?paid|won't\s+be\s+paid)",
        r"\b(?:do|complete|finish)\s+(?:a\s+|the\s+|this\s+)?(?:small\s+)?(?:task|test)\s+"
        r"(?:first\s+)?for\s+free\b",
        r"\b(?:the|this|that)\s+(?:trial|test|sample)(?:\s+(?:task|project|assignment|work|article"
        r"|design))?\s+(?:is\s+not|isn't|will\s+not\s+be|won't\s+be|is\s+un)\s?(?:paid|compensated"
        r"|remunerated)\b",
        r"\b(?:do|complete|finish|write|make|create|design|build|translate|send)\s+(?:\S+\s+){0,4}?"
        r"(?:test|trial|sample|article|design|logo|page|piece|translation)s?\s+(?:\S+\s+){0,2}?"
        r"(?:for\s+free|free\s+of\s+charge|without\s+pay(?:ment)?|unpaid|at\s+no\s+cost)\b",
    ),
    "pressure": (
        r"\baccept\s+(?:it\s+|this(?:\s+offer)?\s+|the\s+offer\s+)?(?:today|tonight|now|"
        r"immediately|right\s+away|asap|within\s+(?:the\s+next\s+)?\d+\s+(?:minutes?|hours?))\b",
        r"\b(?:offer|this)\s+(?:expires|ends|is\s+only\s+valid)\s+(?:today|tonight|in\s+\d+\s+"
        r"(?:minutes?|hours?)|for\s+(?:the\s+next\s+)?(?:hour|\d+\s+(?:minutes?|hours?)))\b",
        r"\blast\s+chance\b|\bact\s+now\b|\bbefore\s+someone\s+else\s+(?:takes|gets)\s+it\b",
        r"\bkeep\s+this\s+(?:between\s+us|confidential|secret)\b|\bdon'?t\s+tell\s+(?:anyone|"
        r"the\s+platform)",
        r"\b(?:need|want|expect)\s+(?:an?\s+|your\s+)?(?:answer|decision|reply|response)\s+(?:in|"
        r"within)\s+(?:the\s+next\s+)?\d+\s+(?:minutes?|mins?|hours?)\b",
        r"\byou\s+(?:have|'ve\s+got|got)\s+(?:only\s+)?\d+\s+(?:minutes?|mins?|hours?)\s+to\s+"
        r"(?:decide|accept|answer|reply|confirm)\b",
        r"\b(?:reply|respond|answer|confirm|decide|accept)\s+(?:\w+\s+){0,2}?(?:within|in)\s+(?:the\s+"
        r"next\s+)?\d+\s+(?:minutes?|mins?)\b",
        rf"\b(?:accept|decide|confirm|answer|reply)\b{span(20)}\b(?:by|before|until)\s+(?:tonight"
        r"|today|end\s+of\s+(?:the\s+)?day|midnight)\b",
        rf"(?:{CLAUSE}|\bplease\s+|\byou\s+(?:must|need\s+to|have\s+to)\s+)decide\s+(?:now|today"
        r"|immediately|right\s+now|right\s+away)\b|\bhold\s+(?:this|the)\s+"
        r"(?:offer|job|position|spot|project)\s+(?:\w+\s+){0,3}?(?:past|after|beyond|longer\s+than)\b",
        r"\bor\s+(?:else\s+)?i(?:'ll|\s+will)?\s+(?:move\s+on|find\s+someone\s+else|hire\s+someone"
        r"\s+else|go\s+with\s+someone\s+else|give\s+it\s+to)\b",
        r"\b(?:job|offer|project|contract|position|work)\s+(?:goes|will\s+go|is\s+going)\s+to\s+(?:the"
        r"\s+next|another|someone\s+else|other)\b",
    ),
}

MESSAGES: dict[str, str] = {
    "off_platform_contact": "Asks to move the conversation off the platform, where messages and "
    "payments are not protected.",
    "off_platform_payment": "Asks to pay or be paid outside the platform, which removes payment "
    "protection.",
    "off_platform_contract": "Asks to make or move the contract outside the platform, where "
    "neither payment nor disputes are protected.",
    "crypto": "Involves buying or sending cryptocurrency, a common way to move money irreversibly.",
    "overpayment": "Describes an overpayment to be sent back, the pattern of fake cheque scams.",
    "equipment_reimbursement": "Asks the freelancer to buy equipment or supplies, with a cheque "
    "from the client or to be reimbursed later; such cheques bounce after the money is spent.",
    "gift_cards": "Mentions gift cards or money-transfer services, which scammers use because "
    "payments cannot be reversed.",
    "upfront_fee": "Asks the freelancer to pay a fee before starting; legitimate clients do not "
    "charge one.",
    "personal_data": "Asks for identity documents, bank details, passwords or security codes, "
    "which a client never needs.",
    "unpaid_test": "Asks for unpaid work as a test; trial work should be paid.",
    "pressure": "Pushes for a quick decision, a common tactic to discourage careful reading.",
    # Structural flags: figures are filled in with the language's formats (server/i18n.py).
    "rate_below_policy.hourly": "The rate is below the platform minimum of {minimum} an hour.",
    "rate_below_policy.fixed": "The price is below the platform minimum of {minimum}.",
    "high_pay_vague_task": "Pay far above the usual ({pay}) for a task described in {words} can "
    "be a lure.",
    "milestone_sum_mismatch": "The milestone amounts add up to {total}, not to the fixed price of "
    "{price}.",
    "supplies_no_milestones": "A purchase of supplies on a fixed price with no milestones to "
    "stage payment.",
    "large_upfront_milestone": "The first milestone is {share} of the price and falls due on "
    "{day}, before work can be reviewed.",
}

#: Plural forms of the counts in ``MESSAGES`` (``server.i18n.count``).
WORDS: dict[str, str] = {"one": "{n} word", "other": "{n} words"}

#: An hourly amount in a message.
PER_HOUR = "{amount} an hour"

#: Buying supplies: a ``supplies_no_milestones`` flag when the price is not staged in milestones.
SUPPLIES: tuple[str, ...] = (
    r"\b(?:buy|purchase|order)\b[^.\n]{0,40}\b(?:supplies|equipment|materials|laptop|software"
    r"|gear|devices?|computer|macbook|iphone)\b",
)
