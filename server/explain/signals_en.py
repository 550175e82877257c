"""English risk signals: what a scam asks for, in English (docs/RULES.md, "Risk flags").

Each pattern looks for a *request* put to the reader ("pay you via PayPal", "send me your SSN",
"pay the training fee"), never a topic, because ordinary jobs are about these topics all the time:
a PayPal checkout, a crypto dashboard, gift cards in a shop, a KYC flow, a Telegram bot, attendees
paying a registration fee. A request is an imperative at the start of a clause, "you" with an
obligation ("you will need to"), "please", or a first person offering to pay off the platform.
"""

from __future__ import annotations

from server.explain.signals_common import APPS, CLAUSE, COIN, WALLET_APPS, WALLETS, span

_PRON = r"(?:you|me|us)"
#: "you", as chat also writes it ("u need to").
_YOU = r"(?:you|u)"
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
    rf"(?:{CLAUSE}|\b(?:please|pls|kindly|just|simply|first)\s+|\b{_YOU}{_MUST}\s+"
    r"|\b(?:i|we)\s+need\s+you\s+to\s+|\b(?:can|could)\s+you\s+)"
)
_ASK = (
    r"send|give|provide|share|upload|submit|forward|text|email|e-mail|tell|confirm|need|needs"
    r"|require|requires|attach|drop|dm|read|whatsapp"
)
_SECRETS = (
    r"(?:ssn|social\s+security(?:\s+number)?|passport|driver'?s\s+licen[cs]e|(?:photo\s+|national"
    r"\s+)?id(?:\s+card)?|identity\s+card|bank\s+(?:account|details|login|info(?:rmation)?|card)"
    r"|account\s+number|routing\s+number|iban|credit\s+card|card\s+details|password|login\s+details"
    r"|credentials|2fa(?:\s+code)?|two[-\s]factor\s+code|otp|one[-\s]time\s+(?:code|password)"
    r"|verification\s+code|security\s+code|pin|date\s+of\s+birth|tax\s+id|cvv|cvc|card\s+number"
    r"|(?:debit|bank)\s+card\s+number|(?:online\s+)?banking\s+(?:login|password|details|credentials)"
    r"|online\s+banking|utility\s+bill|proof\s+of\s+address|photo\s+id|government[-\s]issued\s+id"
    r"|id\s+document|mother'?s\s+maiden\s+name|sms\s+code)\b(?!\s+(?:reset|field"
    r"|fields|manager|policy|strength|hashing|page|form|flow|screen|feature|validation|recovery"
    r"|format|masking|login\s+flow|photo|photos))"
)
#: A code the reader has just been sent: "the 6 digit code you just received".
_CODE_YOU_GOT = (
    r"(?:the\s+|that\s+|this\s+)?(?:\d[-\s]?digit\s+)?(?:sms\s+|text\s+|verification\s+|security\s+"
    r"|login\s+|confirmation\s+)?(?:code|pin|otp)s?\s+(?:that\s+|which\s+)?(?:you|u)\s+(?:will\s+"
    r"|'ll\s+|just\s+|have\s+just\s+|'ve\s+just\s+|should\s+have\s+)?(?:get|receive|received|got"
    r"|gotten)\b"
)
#: A character of the same clause that does not start a negation ("we never collect a copy").
_NO_NEGATION = r"(?:(?!\b(?:never|not|no)\b|n't\b)[^.;!?\n])"
#: The same, named as a one-time code (no "me"): "the 6 digit code you just received".
_OTP_YOU_GOT = (
    r"(?:the\s+|that\s+|this\s+)?(?:\d[-\s]?digit|sms|text|verification|security|login|confirmation"
    r"|one[-\s]time)\s+(?:code|pin|otp)s?\s+(?:that\s+|which\s+)?(?:you|u)\s+(?:will\s+|'ll\s+"
    r"|just\s+|have\s+just\s+|'ve\s+just\s+|should\s+have\s+)?(?:get|receive|received|got|gotten)\b"
)
#: Not after a negation: "never share your password" is advice to a user, not a request.
_NOT = r"(?<!\bnever\s)(?<!\bnot\s)(?<!n't\s)(?<!\bno\s)"
_FEE_KIND = (
    r"registration|training|onboarding|activation|starter[-\s]?kit|starter\s+pack(?:age)?"
    r"|processing|membership|application|enrol(?:l)?ment|certification|background[-\s]check"
    r"|verification|admin(?:istration|istrative)?|set[-\s]?up|placement|equipment|materials?"
    r"|uniform"
)
#: A sum of money: "$30", "120 EUR", "50 bucks".
_AMOUNT = (
    r"(?:[$€£]\s?\d[\d,.]{0,9}|\d[\d,.]{0,9}\s?(?:[$€£]|usd|eur|gbp|dollars?|euros?|bucks))"
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
#: A short time: "the next hour", "30 mins", "an hour".
_SOON = (
    r"(?:the\s+next\s+)?(?:\d+|an?|one|two|three|a\s+few|a\s+couple\s+of)?\s?(?:minutes?|mins?"
    r"|hours?|hrs?)\b"
)
#: Whoever else could get the job.
_RIVAL = (
    r"person|candidate|freelancer|applicant|bidder|contractor|developer|designer|writer"
    r"|translator|one\s+in\s+line|guy|pro|expert"
)
#: A cheque, not a check-in, a checklist or a quality check.
_CHEQUE = r"(?:cheque|check)(?![-\w])(?!\s+(?:mark|box|list|in|out|up|on|of\s+(?:the|your|our)))"
#: A cheque that is money beyond doubt, for patterns that read past the sentence.
_PAPER_CHEQUE = (
    r"(?:cheque|(?:cashier'?s|certified|company|bank|business|paper)\s+check|check\s+(?:for|of)\s+"
    r"[$€£]?\d|check(?=,?\s+(?:and\s+|then\s+)?(?:deposit|cash)\s+it\b))"
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
        # The reader's own number: "give me your phone number", "what's your WhatsApp?"
        rf"\b(?:send|give|text|share|drop|dm|leave)\s+(?:me|us)\s+(?:your|ur)\s+(?:(?:cell|mobile|phone"
        rf"|personal|private|{APPS})\s+)?(?:number|digits|contact)\b",
        rf"\bwhat(?:'s|\s+is)\s+(?:your|ur)\s+(?:(?:cell|mobile|phone)\s+number|{APPS})\b(?!\s+(?:business"
        r"|api|bot|integration|channel|group|account\s+for\s+the))",
    ),
    "off_platform_payment": (
        rf"\b(?:pay|send|transfer|wire)\s+(?:the\s+(?:money|funds)\s+|it\s+)?(?:to\s+)?{_PRON}\b"
        rf"(?:\s+\w+){{0,3}}\s+(?:via|through|by|with|on|using)\s+(?:{WALLETS}|(?:a\s+)?(?:wire|"
        r"bank)\s+transfer)\b",
        rf"\b(?:i|we){_MODAL}\s+(?:pay|send|transfer|wire)\s+(?:it\s+|them\s+|(?:the|your)\s+(?:money"
        r"|funds|payment|rest|balance|remainder|amount|fee|cash|pay|share)\s+|payment\s+)?(?:via"
        rf"|through|by|with|on|using|over)\s+(?:{WALLETS}|(?:a\s+)?(?:wire|bank)\s+transfer)\b",
        # Bank details given to pay into: "transfer it to the following account".
        r"\b(?:to|into)\s+(?:the\s+following|this|the\s+below)\s+bank\s+account\b(?!\s+(?:settings"
        r"|page|screen|type|manager|field|form))",
        r"\b(?:pay|transfer|wire|send|deposit)\s+(?:it|the\s+(?:money|funds|fee|deposit|amount|payment"
        rf"|balance)|{_AMOUNT}|(?:the\s+|a\s+)?(?:\w+\s+)?(?:fee|deposit))\s+to\s+(?:the\s+following"
        r"|this|the\s+below)\s+account\b",
        # "Please send back the difference via Zelle", "you'll transfer it with Venmo".
        rf"\b(?:please|pls|kindly|{_YOU}{_MUST})\s+(?:send|pay|transfer|wire|return)\b{span(40)}"
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
        r"bank(?:\s+account)?\b",
        # "Can you invoice me directly?"
        r"\b(?:invoice|bill)\s+(?:me|us)\s+directly\b|\bdirect(?:ly)?\s+(?:invoice|bill)\s+(?:me|us)\b",
    ),
    "off_platform_contract": (
        r"\b(?:sign|do|make|set\s+up|draw\s+up|write|move|have|handle|continue|start|close)\s+"
        r"(?:(?:a|an|the|our|this)\s+)?(?:(?:new|separate|private|direct|own|simple|written)\s+)?(?:contract"
        r"|agreement|deal|job|project|work)\s+(?:\w+\s+){0,2}(?:outside|off)\s+(?:of\s+)?(?:the\s+"
        r"|this\s+)?(?:platform|site|marketplace|upwork|fiverr|app)\b",
        rf"(?:{CLAUSE}|\b(?:please|you|we|let'?s)\s+)(?:cancel|close|end|terminate|withdraw|stop)\s+"
        r"(?:the|this|our)\s+(?:contract|offer|job|project)(?:\s+here|\s+on\s+(?:the|this)\s+"
        r"(?:platform|site))?\s{0,3}(?:,|;|\band\b|\bthen\b|-|\u2013)\s{0,3}(?:\S+\s+){0,4}?(?:directly"
        r"|privately|outside|off[-\s]platform|by\s+e-?mail|via\s+e-?mail)\b",
        # Dealing round the platform's fees: "let's finalize by email and skip the platform fees".
        rf"\b(?:let'?s|lets|we\s+(?:can|could|should|will)|we'll|i\s+suggest\s+we)\b{span(60)}\b"
        r"(?:skip|avoid|bypass|cut\s+out|get\s+around|dodge|save\s+on|save\s+(?:us|ourselves)"
        r"(?:\s+both)?)\s+(?:the\s+)?(?:platform|site|upwork|fiverr|marketplace|middleman)(?:'s)?"
        r"(?:\s+(?:fees?|commission|cut|charges?)\b|(?=\s{0,2}(?:[.,;!?)]|$|(?:and|entirely"
        r"|altogether|completely)\b)))",
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
        rf"\b{_YOU}{_MUST}\s+(?:buy|purchase)\s+(?:\S+\s+){{0,3}}(?:{COIN})\b",
        rf"\byour\s+(?:\w+\s+)?(?:salary|wages?|pay|payments?|fees?|earnings|compensation|payouts?"
        rf"|invoices?)\s+(?:\w+\s+){{0,3}}?(?:in|with|via|using)\s+(?:{COIN})\b",
        rf"\b(?:my|our)\s+(?:(?:{COIN})\s+)?wallet\s+address\b",
        rf"\b(?:send|give|share|provide)\s+(?:me|us)\s+(?:your|a|the)\s+(?:(?:{COIN})\s+)?wallet"
        r"\s+address\b",
        rf"\bshare\s+(?:your|the)\s+(?:(?:{COIN})\s+)?wallet\s+address\s+with\s+(?:me|us)\b",
        rf"\b(?:send|give|share|provide|text|email)\b{span(30)}\byour\s+(?:\S+\s+){{0,2}}?(?:wallet"
        rf"|deposit|{COIN}|{WALLET_APPS})\s+(?:address|id)\b",
        rf"\bwhat(?:'s|\s+is)\s+your\s+(?:(?:{COIN})\s+)?wallet\b",
        rf"\bwhat(?:'s|\s+is)\s+your\s+(?:{COIN}|{WALLET_APPS})\s+(?:wallet|address)\b",
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
        # The rest passed on: "send the remaining balance back to our partner", "forward the excess
        # to my accountant".
        r"\b(?:send|pay|wire|transfer|return|refund|give|forward|pass)\s+(?:\w+\s+){0,2}?(?:the\s+)?"
        r"(?:(?:remaining|leftover|excess|extra|surplus)\s+(?:balance|amount|money|funds|sum|cash)"
        r"|difference|excess|surplus|overpayment)\s+(?:back\s+)?(?:on\s+)?to\s+(?:me|us|my|our)\b",
        r"\b(?:send|pay|wire|transfer|return|refund|give|forward|pass)\s+(?:\w+\s+){0,2}?(?:the\s+)?"
        rf"(?:remaining|leftover|excess|extra|surplus)\s+{_AMOUNT}\s+(?:back\s+)?(?:on\s+)?to\b",
        # "Deposit it, keep your fee and send the rest on."
        r"\bkeep\s+(?:your|ur|\S+\s+for\s+your)\s+(?:\w+\s+)?(?:fee|share|cut|pay|commission|part"
        r"|portion|payment|time|wages?)\b[^.\n]{0,20}\b(?:and\s+|then\s+)(?:send|forward|wire"
        r"|transfer|pass|return|give)\s+(?:\w+\s+){0,2}?(?:rest|remainder|remaining|balance"
        r"|difference|excess)\b(?![^.\n]{0,40}\b(?:vendor|supplier|seller|store|shop)\b)",
    ),
    "equipment_reimbursement": (
        rf"\b{_YOU}{_MUST}\s+(?:buy|purchase|order)\b[^.\n]{{0,80}}\b(?:reimburs\w*"
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
        rf"\b(?:send|sending|sent|give|giving|mail|mailing|mailed|post|posting|courier|issue"
        rf"|issuing|forward|forwarding)\s+you\s+(?:a|the|our)\s+(?:\S+\s+){{0,2}}?{_PAPER_CHEQUE}\b"
        r"[^\n]{0,150}?\b(?:buy|purchase|order)\b(?!\s+orders?)",
        rf"\byou(?:'ll|\s+will)?\s+(?:get|receive)\s+(?:a|the|our)\s+(?:\S+\s+){{0,2}}?{_PAPER_CHEQUE}"
        r"\b[^\n]{0,120}?\b(?:buy|purchase|order)\b(?!\s+orders?)",
        r"\buse\s+the\s+(?:rest|remainder|remaining\s+(?:money|funds|amount)|balance|funds|money)\s+"
        r"to\s+(?:buy|purchase|pay\s+for|order)\b",
        # What is left of the client's money goes to their vendor.
        r"\b(?:send|forward|wire|transfer|pass|give|pay)\s+(?:\w+\s+){0,2}?(?:the\s+)?(?:rest|remainder"
        r"|balance|difference|remaining\s+(?:money|funds|amount|balance|sum))\b(?!\s+of\s+(?:the\s+)?"
        r"(?!money|funds|amount|payment|cash)\w)[^.\n]{0,40}\b(?:to|with)\s+(?:our|my|the)\s+(?:\w+\s+)?"
        r"(?:vendor|supplier|seller|dealer|merchant)s?\b",
    ),
    "gift_cards": (
        rf"\b(?:{_YOU}{_MUST}|please)\s+(?:buy|purchase|get)\s+(?:\S+\s+){{0,3}}(?:{_GIFT})\b",
        rf"{_REQ}(?:buy|purchase|get|grab|pick\s+up)\s+(?:\S+\s+){{0,4}}(?:{_GIFT})\b",
        rf"\b(?:pay|send)\s+{_PRON}\s+(?:in\s+|with\s+)?(?:\S+\s+){{0,2}}gift\s?cards?\b",
        rf"{_REQ}pay\b{span(40)}\b(?:by|with|in|via|using)\s+(?:\w+\s+){{0,2}}(?:{_GIFT})\b",
        r"\bgift\s?cards?\s+as\s+(?:payment|a\s+deposit)\b",
        # "Payment for this gig is in eBay gift cards."
        r"\b(?:(?:your|ur)\s+(?:pay|payment|salary|wages?|compensation|earnings)|(?:payment|pay"
        r"|compensation)\s+for\s+(?:this|the|your)\s+(?:gig|job|task|work|project|assignment|role"
        r"|position)|salary|wages?)\s+(?:is|are|will\s+be|comes?|gets?\s+(?:sent|made))\s+(?:made\s+"
        rf"|sent\s+|paid\s+)?(?:only\s+)?(?:in|as)\s+(?:\S+\s+){{0,2}}?(?:{_GIFT})\b",
        rf"\b(?:be|get|getting)\s+paid\s+(?:in|with)\s+(?:\S+\s+){{0,2}}?(?:{_GIFT})",
        rf"\b(?:{_GIFT})\b{span(40)}\b(?:i'll|i\s+will|we'll|we\s+will)\s+(?:forward|send|pass|give)\s+"
        r"(?:them|it)\s+(?:on\s+)?to\s+you\b",
        r"\bsend\s+(?:me|us)\s+(?:the\s+|all\s+the\s+)?(?:gift\s?)?card\s+(?:codes?|numbers?|pins?)"
        r"\b",
        r"\b(?:send|give|text|email|read|forward)\s+(?:me|us)\s+(?:the\s+|a\s+)?(?:pictures?|photos?"
        r"|images?|scans?)\s+of\s+(?:the\s+)?(?:cards?|codes)\b",
        # "send pics of the back of the cards": where the code is.
        r"\b(?:send|give|text|email|forward|upload|snap|take)\s+(?:me\s+|us\s+)?(?:the\s+|a\s+|clear\s+)?"
        r"(?:pictures?|pics?|photos?|images?|scans?|screenshots?)\s+of\s+(?:the\s+)?(?:back|front"
        r"\s+and\s+back|code\s+side|scratched\s+(?:area|side|code))\s+of\s+(?:the\s+|each\s+|all\s+"
        r"(?:the\s+)?)?(?:gift\s+)?cards?\b",
        r"\b(?:send|give|text|email|forward|read)\s+(?:me|us)\s+(?:the\s+)?(?:codes?|numbers?|pins?)\s+"
        rf"(?:on|from|of)\s+(?:the\s+)?(?:back\s+of\s+(?:the\s+)?)?(?:{_GIFT}|cards?)\b",
    ),
    "upfront_fee": (
        r"\b(?:registration|training|onboarding|activation|starter\s+kit|processing|membership"
        r"|application|enrollment|certification)\s+(?:fee|deposit)\b[^.\n]{0,40}\b(?:before\s+"
        r"you|before\s+(?:we|you\s+can)\s+start|to\s+(?:start|begin)\s+(?:work|the\s+job))",
        rf"\b{_YOU}{_MUST}\s+pay\b[^.\n]{{0,40}}\b(?:fee|deposit|kit)\b",
        r"\bpay\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:fee|deposit)\s+"
        r"(?:to|before)\s+(?:start|begin|get\s+started|join|register|receive)",
        # "pay a $50 registration fee", "Pay the training fee": a fee the reader is told to pay.
        rf"{_REQ}(?:pay|transfer|wire|settle)\b{span(40)}?\b(?:{_FEE_KIND}|refundable|security"
        r"|good[-\s]faith)\s+(?:fee|deposit|charge|payment|cost)s?\b",
        rf"\b(?:{_FEE_KIND}|refundable|one[-\s]time|small|mandatory|upfront|up-front)\s+(?:{_AMOUNT}"
        rf"\s+)?(?:(?:{_FEE_KIND})\s+)?(?:fee|deposit|charge|payment)s?\b{span(60)}\b(?:before\s+"
        r"(?:you\s+|we\s+|starting|access|day\s+one|the\s+first|your\s+first)|to\s+(?:start|begin"
        r"|unlock|activate|access|get\s+access|receive\s+(?:the|your)\s+first|secure\s+(?:the|your"
        r"|this)\s+(?:position|role|job|spot|place|contract))|you(?:'ll|\s+will|\s+can)\s+(?:start"
        r"|begin|get\s+access)|(?:start|begin)\s+(?:earning|working))",
        # The gate first: "to unlock the task dashboard a small security deposit is required".
        r"\bto\s+(?:unlock|activate|access|get\s+access\s+to|start|begin|receive)\s+(?:the|your)\s+"
        rf"(?:\w+\s+){{0,2}}?(?:dashboard|account|tasks?|work|job|portal|profile|assignments?|projects?"
        rf"|position){span(30)}\b(?:{_FEE_KIND}|refundable|security|small|one[-\s]time|mandatory"
        r"|upfront|up-front)\s+(?:fee|deposit|charge|payment)s?\b",
        # Charged to whoever is hired: "is charged to all new contractors".
        r"\b(?:charged|billed|payable|collected|due)\s+(?:to|by|from|for)\s+(?:all\s+|every\s+"
        r"|each\s+)?new\s+(?:\w+\s+)?(?:contractors?|freelancers?|hires?|workers?|writers?"
        r"|employees?|recruits?|candidates?|staff|team\s+members|agents?|associates?|translators?"
        r"|designers?|developers?)\b",
        # A kit the reader pays for: "The onboarding kit is $75, payable before your first task".
        rf"\b(?:{_JOB_FEE_KIND}|welcome|starter)\s+(?:kit|pack(?:age)?|materials?)\b{span(60)}"
        r"\b(?:payable|to\s+be\s+paid|must\s+be\s+paid|paid\s+(?:upfront|up\s+front|in\s+advance"
        r"|before))\b(?!\s+by\s+(?:the\s+)?(?:attendees|customers|participants|guests|users|members"
        r"|clients|students|buyers))",
        rf"\b(?:fee|charge|deposit)s?\b{span(40)}\bfrom\s+(?:all\s+|every\s+|each\s+)?new\s+(?:\w+\s+)?"
        r"(?:contractors?|freelancers?|hires?|members?|workers?|writers?|employees?|recruits?"
        r"|candidates?|staff|team\s+members)\b",
        # A fee that gates the work: "payable today", "gives you access to the portal".
        rf"\b(?:{_JOB_FEE_KIND})\s+(?:fee|charge|deposit|payment)s?\b{span(80)}\b(?:payable|due"
        r"|access|unlock)",
        rf"\b{_YOU}{_MUST}\s+(?:pay|purchase|buy)\b{span(40)}\b(?:fee|deposit|starter|training\s+"
        r"(?:kit|course|package)|onboarding\s+(?:kit|software|package))",
        r"\b(?:starter|training|onboarding|welcome)\s+(?:kit|pack(?:age)?)\b[^.\n]{0,40}"
        r"(?<!\bno\s)(?<!\bzero\s)\b(?:costs?|fee|price)\b",
        # Coins or money bought to pay a fee: "buy USDT to pay the activation fee".
        rf"{_REQ}(?:buy|purchase|pay|send|transfer|deposit)\b{span(60)}\bto\s+(?:pay|cover)\s+"
        rf"(?:for\s+)?(?:the|your|a)\s+(?:{_JOB_FEE_KIND})\s+(?:fee|deposit|charge|cost)s?\b",
    ),
    "personal_data": (
        rf"{_NOT}\b(?:{_ASK})\b(?:\s+(?:me|us))?{_NO_NEGATION}{{0,40}}?\b(?:your|ur)\s+(?:\w+\s+){{0,2}}?"
        rf"{_SECRETS}",
        rf"{_NOT}\b(?:{_ASK})\s+(?:me|us)\s+(?:the\s+|a\s+(?:copy|photo|scan)\s+of\s+)?{_SECRETS}",
        # "collect a copy of your driver's license"
        r"(?<!\bnever\s)(?<!\bnot\s)(?<!n't\s)\b(?:send|give|provide|share|upload|submit|forward|need"
        rf"|needs|require|requires|attach|collect|get|have|receive|see|obtain)\b{_NO_NEGATION}{{0,30}}?"
        r"\b(?:a\s+|the\s+)?"
        r"(?:copy|photo|picture|pic|scan|image|selfie|screenshot)s?\s+of\s+(?:your|ur)\s+(?:\w+\s+)?"
        rf"{_SECRETS}",
        # "forward me the 6-digit code you will receive": a login or payout code, read out.
        rf"{_NOT}\b(?:{_ASK})\s+(?:me|us)\s+{_CODE_YOU_GOT}",
        rf"{_NOT}\b(?:send|give|forward|text|email|tell|read|share|dm|pass)\s+{_OTP_YOU_GOT}",
        rf"\b(?:{_ASK})\s+{_OTP_YOU_GOT}{span(40)}\b(?:i|we)\s+need\s+(?:it|them|that|this)\b",
    ),
    "unpaid_test": (
        r"\bunpaid\s+(?:test|trial|sample|task|assignment)",
        r"\bfree\s+(?:test|trial|sample)\s+(?:task|work|project|assignment)\b",
        r"\b(?:test|trial|sample)\s+(?:task|project|assignment|article|piece|design|work)\b[^.;\n]{0,40}"
        r"\b(?:unpaid|uncompensated|for\s+free|without\s+pay(?:ment)?|not\s+(?:be\s+)?(?:paid"
        r"|compensated|remunerated)|(?:won't|isn't|wouldn't|will\s+not)\s+be\s+(?:paid|compensated"
        r"|remunerated)|isn't\s+(?:paid|compensated|remunerated))",
        r"\b(?:do|complete|finish)\s+(?:a\s+|the\s+|this\s+)?(?:small\s+)?(?:task|test)\s+"
        r"(?:first\s+)?for\s+free\b",
        r"\b(?:the|this|that)\s+(?:trial|test|sample)(?:\s+(?:task|project|assignment|work|article"
        r"|design))?\s+(?:is\s+not|isn't|will\s+not\s+be|won't\s+be|is\s+un)\s?(?:paid|compensated"
        r"|remunerated)\b",
        r"\b(?:do|complete|finish|write|make|create|design|build|translate|send)\s+(?:\S+\s+){0,4}?"
        r"(?:test|trial|sample|article|design|logo|page|piece|translation)s?\s+(?:\S+\s+){0,2}?"
        r"(?:for\s+free|free\s+of\s+charge|without\s+pay(?:ment)?|unpaid|at\s+no\s+cost|as\s+an?\s+"
        r"(?:free|unpaid)\s+(?:test|trial|sample))\b",
    ),
    "pressure": (
        r"\baccept\s+(?:it\s+|this(?:\s+offer)?\s+|the\s+offer\s+)?(?:today|tonight|now|"
        r"immediately|right\s+away|asap|within\s+(?:the\s+next\s+)?\d+\s+(?:minutes?|hours?))\b",
        r"\b(?:offer|this)\s+(?:expires|ends|is\s+only\s+valid)\s+(?:today|tonight|in\s+\d+\s+"
        r"(?:minutes?|hours?)|for\s+(?:the\s+next\s+)?(?:hour|\d+\s+(?:minutes?|hours?)))\b",
        r"\blast\s+chance\b|\bact\s+now\b|\bbefore\s+someone\s+else\s+(?:takes|gets)\s+it\b",
        r"\bkeep\s+this\s+(?:between\s+us|confidential|secret)\b|\bdon'?t\s+tell\s+(?:anyone|"
        r"the\s+platform)",
        r"\bkeep\s+(?:it|this|that|everything|all\s+(?:of\s+)?this)\s+(?:just\s+|strictly\s+)?"
        r"(?:between\s+(?:us|you\s+and\s+me|the\s+two\s+of\s+us|ourselves)|(?:a\s+)?secret|quiet"
        r"|off\s+the\s+record|to\s+yourself)\b",
        # Secrecy from the platform: "don't mention anything about this to support".
        r"\b(?:don'?t|do\s+not|never|no\s+need\s+to)\s+(?:tell|mention|say|report|inform|notify"
        r"|contact)\s+(?:anything\s+|a\s+word\s+|this\s+|it\s+)?(?:about\s+(?:this|it|that|us)\s+)?"
        r"(?:to\s+)?(?:anyone|anybody|(?:the\s+)?(?:platform|site|support|admins?|moderators?"
        r"|customer\s+(?:service|support))|(?:the\s+)?(?:platform|site)(?:'s)?\s+(?:support|team"
        r"|staff|admins?))\b",
        r"\b(?:need|want|expect)\s+(?:an?\s+|your\s+)?(?:answer|decision|reply|response|confirmation)"
        rf"\s+(?:in|within|by)\s+{_SOON}",
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
        # "it goes to the next candidate", "otherwise I'm giving this to another freelancer".
        r"\b(?:it|this|that|the\s+(?:job|offer|project|contract|position|gig|work))(?:'s|\s+is|\s+will)?"
        r"\s+(?:goes|go|going|gets\s+given|be\s+given|given)\s+to\s+(?:the\s+next|another|other)\s+"
        rf"(?:{_RIVAL})\b",
        r"\b(?:or(?:\s+else)?|otherwise|if\s+not)\s*,?\s+(?:i|we)(?:'ll|'m|'re|\s+will|\s+am|\s+are)?"
        r"\s+(?:going\s+to\s+|gonna\s+|just\s+)?(?:give|giving|pass|passing|offer|offering|hand"
        r"|handing|hire|hiring|go\s+with|going\s+with|find|finding|award|awarding)\b"
        rf"{span(30)}\b(?:(?:the\s+next|another|other)\s+(?:{_RIVAL})|someone\s+else|somebody\s+else)\b"
        r"(?!'s)",
        # "the position closes in an hour"
        r"\b(?:position|spot|slot|vacancy|job|role|offer|opening)\s+(?:closes|ends|expires"
        rf"|locks|is\s+closing|will\s+close|gets\s+closed)\s+(?:in|within)\s+{_SOON}",
        # "Offer is only valid until 6pm today."
        r"\b(?:offer|proposal|position|job|spot)\s+(?:is\s+)?(?:only|just)\s+(?:valid|available"
        r"|open|good)\s+(?:until|till|til|for|through)\s+(?:\S+\s+){0,2}?(?:today|tonight"
        rf"|\d{{1,2}}(?::\d{{2}})?\s?(?:am|pm)|{_SOON})",
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
