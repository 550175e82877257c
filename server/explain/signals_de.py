"""German risk signals: what a scam asks for, in German (docs/RULES.md, "Risk flags").

As in English, a pattern looks for a *request*: a du- or Sie-imperative starting a clause
("Überweise die Kaution", "Schicken Sie mir eine Kopie Ihres Personalausweises"), "bitte", a modal
put on the reader ("musst du … kaufen"), or a first person offering to pay ("ich zahle dir per
PayPal"). The third person that describes what users of a product do ("Teilnehmer zahlen die
Anmeldegebühr", "Nutzer laden ein Foto ihres Ausweises hoch") is not a request. German puts the
verb last after a modal, so those patterns look for the modal first and the verb after it.
Capitalised "Ihr" (your) is told apart from "ihr" (their) by matching it case-sensitively.
"""

from __future__ import annotations

from server.explain.signals_common import APPS, CLAUSE, COIN, WALLET_APPS, WALLETS, span

#: An imperative: at the start of a clause, or after "bitte".
_IMP = rf"(?:{CLAUSE}(?:bitte\s+)?|\bbitte\s+)"
#: An imperative inside a clause too: "Lad dir die Wallet runter und kauf ETH".
_IMPX = rf"(?:{_IMP}|\b(?:und|dann|danach|einfach|erst|zuerst|erstmal|jetzt)\s+(?:bitte\s+)?)"
#: An obligation put on the reader, verb to follow later in the clause.
_MUST = r"(?:musst\s+du|du\s+musst|sollst\s+du|du\s+sollst|müssen\s+Sie|Sie\s+müssen|sollten\s+Sie)"
#: "your", informal or formal; the formal one only capitalised ("ihre" is "their").
_YOUR = r"(?:dein(?:e[nrms]?)?|(?-i:Ihr|IHR)(?:e[nrms]?)?)"
_SEND = (
    r"schick|schicke|sende|send|gib|nenn|nenne|teil|teile|übermittle|schreib|schreibe|leite"
    r"|schicken\s+Sie|senden\s+Sie|geben\s+Sie|nennen\s+Sie|teilen\s+Sie|übermitteln\s+Sie"
    r"|leiten\s+Sie|schreiben\s+Sie"
)
_ASK = (
    rf"{_SEND}|lade|lad|laden\s+Sie|brauche\s+ich|benötige\s+ich|ich\s+brauche|ich\s+benötige"
    r"|wir\s+brauchen|wir\s+benötigen|brauchen\s+wir|benötigen\s+wir"
)
#: Not negated: "Geben Sie Ihr Passwort niemals weiter" is advice, not a request. German puts
#: the negation after the object, so this looks a few words ahead.
_NEVER = r"(?!\s+(?:[\w-]+\s+){0,3}?(?:nie|niemals|nicht|keinesfalls)\b)"
_SECRETS = (
    r"(?:personal)?ausweis(?:es|nummer|kopie|dokumente?)?|reisepass(?:es)?|pass(?:kopie|nummer)"
    r"|führerschein(?:s|es)?|steuer-?id|steuer(?:identifikations)?nummer"
    r"|sozialversicherungs(?:nummer|ausweis)|geburtsdatum|iban|kontodaten|bankdaten"
    r"|bankverbindung|kreditkarten(?:daten|nummer)?|[\w-]{0,25}zugangsdaten|[\w-]{0,20}passwort"
    r"|(?:bank|giro|ec|debit)?karten(?:nummer|daten)|bankkarte|prüfziffer|kartenprüfnummer|cvv|cvc"
    r"|online-?banking[\w-]{0,20}|selfie\s+mit\s+(?:deinem|(?-i:Ihrem))\s+Ausweis"
    r"|kennwort|pin(?:-code)?|tan|[\w-]{0,12}(?:bestätigungs|verifizierungs|sicherheits|einmal"
    r"|sms-|login-?|anmelde)code"
)
_FEE = (
    r"(?:anmelde|registrierungs|schulungs|einarbeitungs|aktivierungs|bearbeitungs|vermittlungs"
    r"|einschreibe|verwaltungs|start|aufnahme|bewerbungs|mitglieds|onboarding|freischaltungs"
    r"|verifizierungs|material|einrichtungs)-?(?:gebühr|beitrag|kosten|pauschale)(?:en)?|kaution"
    r"|vorauszahlung"
    r"|vorabzahlung|vorabgebühr|starter-?(?:paket|kit|set)|willkommenspaket|einsteigerpaket"
    r"|schulungspaket"
)
#: Fees no ordinary event or shop asks of its users (unlike a registration fee).
_JOB_FEE = (
    r"\w{0,12}kaution|vorauszahlung|vorabzahlung|(?:schulungs|einarbeitungs|aktivierungs|bearbeitungs"
    r"|vermittlungs|freischaltungs|verifizierungs|material|einrichtungs)-?(?:gebühr|kosten"
    r"|pauschale)|starter-?(?:paket|kit|set)"
)
_START = (
    r"vorab|im\s+voraus|vor\s+(?:(?:dem|deinem|Ihrem|der|deiner|Ihrer)\s+)?(?:ersten?\s+)?"
    r"(?:Auftrag|Start|Beginn|Arbeitsbeginn|Projekt\w{0,6}|Einsatz|Aufgabe|Schicht|Tätigkeit"
    r"|Arbeitstag|Freischaltung)"
)
_GIFT = (
    r"(?:amazon|google[-\s]?play|itunes|apple|steam|paysafe|ebay|netflix|psn|playstation|xbox"
    r"|spotify|zalando)[-\s]?(?:gutschein|geschenkkarte|guthabenkarte|karte|card|code)\w{0,6}"
    r"|paysafecards?|(?:gutschein|geschenk|guthaben|prepaid)-?karten?|gutscheine?n?|gift\s?cards?"
)
_GEAR = (
    r"laptops?|computer|rechner|software|equipment|ausrüstung|ausstattung|geräte?|drucker|headsets?"
    r"|kamera|material|lizenz\w{0,3}|hardware|monitore?|bildschirme?|handy|smartphone|tablet"
    r"|arbeitsplatz|technik"
)
_BUY = (
    r"kauf|kaufe|kaufst|kaufen|bestell|bestelle|bestellst|bestellen|besorg|besorge|besorgst"
    r"|besorgen"
)

#: A reader's second person buying: "kaufst du", "besorg", "bestellen Sie".
_YOU_BUY = (
    r"kauf|kaufe|kaufst|kaufen\s+Sie|bestell|bestelle|bestellst|bestellen\s+Sie|besorg|besorge"
    r"|besorgst|besorgen\s+Sie|holst|hol|hole"
)

PATTERNS: dict[str, tuple[str, ...]] = {
    "off_platform_contact": (
        r"\b(?:schreib|schreibe|melde|meld|kontaktiere|kontaktier|ruf|schreiben\s+Sie|melden\s+Sie"
        r"|kontaktieren\s+Sie|rufen\s+Sie|erreichst\s+du|erreichen\s+Sie)\s+(?:(?:mir|mich|dich"
        rf"|uns)\s+)?(?:bitte\s+)?(?:\w+\s+){{0,2}}?(?:auf|über|per|via|bei|unter|in)\s+(?:{APPS})"
        r"\b(?![\w-])",
        r"\b(?:lass\s+uns|lassen\s+Sie\s+uns|wollen\s+wir|können\s+wir|sollen\s+wir)\s+(?:\w+\s+)"
        rf"{{0,3}}?(?:auf|über|per|zu)\s+(?:{APPS})\b(?![\w-])",
        rf"\b(?:mein(?:e|en)?|dein(?:e|en)?)\s+(?:{APPS})[-\s]?(?:nummer|name|id|kontakt|handle"
        r"|profil)",
        r"\b(?:ruf|schreib|schreibe|rufen\s+Sie|schreiben\s+Sie)\s+mich\s+(?:bitte\s+)?unter\b",
        r"\b(?:mich|uns)\s+(?:bitte\s+)?(?:\w+\s+)?(?:auf|über|per|bei|via|in)\s+(?:"
        rf"{APPS})\s+(?:adden|hinzufügen|anschreiben|kontaktieren|anrufen|erreichen|schreiben)\b",
        r"\b(?:schreib|schreibe|mail|maile|schreiben\s+Sie|mailen\s+Sie)\s+(?:mir|uns)\s+"
        r"(?:bitte\s+)?(?:an|unter)\s+[\w.+-]{1,64}@",
        # The reader's own number: "Gib mir deine Handynummer".
        rf"\b(?:{_SEND})\s+(?:mir|uns)\s+(?:bitte\s+)?(?:mal\s+)?(?:kurz\s+)?{_YOUR}\s+(?:private\s+)?"
        rf"(?:Handy|Telefon|Mobil|Privat|WhatsApp|Telegram|Signal)-?(?:nummer|Nr\.?)",
        rf"\b{_YOUR}\s+(?:Handy|Telefon|Mobil|WhatsApp)-?(?:nummer|Nr\.?)\s+(?:\w+\s+)?(?:schicken|geben"
        r"|senden|schreiben|durchgeben|nennen)\b",
    ),
    "off_platform_payment": (
        r"\b(?:ich|wir)\s+(?:\w+\s+){0,2}?(?:zahle|zahl|zahlen|bezahle|bezahl|bezahlen|überweise"
        r"|überweis|überweisen|schicke|schick|schicken|sende|send|senden)\s+(?:(?:dir|dich|Ihnen|euch"
        rf"|es|das\s+Geld)\s+)?(?:\w+\s+){{0,4}}?(?:per|über|via|mit|auf)\s+(?:{WALLETS}"
        r"|(?:Bank)?überweisung)\b",
        rf"\b(?:mir|uns)\b{span(30)}\b(?:per|über|via|mit)\s+(?:{WALLETS}|(?:Bank)?überweisung)\b",
        rf"{_IMP}(?:zahl|zahle|bezahl|bezahle|überweis|überweise|schick|schicke|send|sende"
        rf"|zahlen\s+Sie|überweisen\s+Sie|schicken\s+Sie|senden\s+Sie)\b{span(40)}\b(?:per|über"
        rf"|via|mit|auf|an)\s+(?:mein(?:e|en)?\s+)?(?:{WALLETS})\b",
        r"\b(?:überweise|überweis|überweisen|zahle|zahl|zahlen|einzahlen|schick|schicke|sende)\b"
        rf"{span(40)}\b(?:auf|an)\s+mein(?:e|en)?\s+(?:privates\s+|persönliches\s+)?(?:Bank)?konto\b",
        rf"\b(?:per|über|via|mit|auf|an)\s+mein(?:e|en)?\s+(?:privates\s+)?(?:{WALLETS})\b",
        rf"\b(?:ich|wir)\b{span(30)}\b(?:direkt|privat)\s+(?:an\s+dich\s+|auf\s+dein\s+Konto\s+)?"
        r"(?:überweisen|zahlen|bezahlen|schicken|senden)\b",
        rf"(?:\bbitte\b{span(20)}(?:\b(?:Überweisung|überweisen|zahlen|Betrag|Geld|Kaution)\b|\d\s?"
        r"(?:€|Euro|EUR))|\b(?:Überweisung|Zahlung)\s+bitte|\b(?:überweise|überweis|zahle|zahl"
        rf"|überweisen\s+Sie|zahlen\s+Sie)\b){span(30)}\b(?:an|auf)\s+(?:folgendes|dieses|das\s+"
        r"folgende|das\s+unten\s+stehende|unten\s+stehendes)\s+(?:Bank)?konto\b",
        r"\b(?:an|auf)\s+(?:folgendes|dieses|das\s+folgende|mein)\s+(?:Bank)?konto\s{0,2}:?\s{0,2}"
        r"[A-Z]{2}\s?\d{2}\b",
        # "ich zahl dir das per Überweisung", "Zahlung lieber direkt an dich".
        r"\b(?:ich|wir)\s+(?:zahl|zahle|zahlen|überweis|überweise|überweisen|schick|schicke)\s+"
        r"(?:dir|Ihnen|euch)\s+(?:\w+\s+){0,3}?(?:per|über|via|mit)\s+(?:Bank)?[Üü]berweisung\b",
        rf"\b(?:Zahlung|Bezahlung|zahl\w{{0,6}}|bezahl\w{{0,6}}|überweis\w{{0,6}}|Geld|Honorar)\b"
        rf"{span(30)}\b(?:nicht\s+über\s+(?:die|diese)\s+(?:Plattform|Seite|Website)|au(?:ß|ss)"
        r"erhalb\s+(?:der|dieser)\s+(?:Plattform|Seite)|an\s+der\s+Plattform\s+vorbei|ohne\s+(?:die"
        r"\s+|diese\s+)?(?:Plattform|Seite))",
    ),
    "off_platform_contract": (
        rf"\bVertr(?:a|ä)g\w{{0,2}}\b{span(40)}\bau(?:ß|ss)erhalb\s+(?:der|dieser|von\s+der)\s+"
        r"(?:Plattform|Seite|Website|App)\b",
        rf"\bau(?:ß|ss)erhalb\s+(?:der|dieser)\s+(?:Plattform|Seite|Website|App)\b{span(40)}"
        r"\bVertr(?:a|ä)g",
        r"\b(?:Vertrag|Auftrag|Angebot)\s+(?:hier\s+|auf\s+der\s+Plattform\s+)?(?:stornieren"
        r"|kündigen|beenden|abbrechen|schließen|canceln|auflösen|zurückziehen)\b[^\n]{0,40}?"
        r"\b(?:direkt|privat)\s+(?:\w+\s+){0,2}?(?:zusammen|weiter|abrechnen|arbeiten|beauftragen)",
        rf"\b(?:arbeiten|machen|rechnen)\s+wir\s+(?:\w+\s+){{0,2}}?(?:direkt|privat)\b{span(40)}"
        r"\b(?:ohne|an\s+der)\s+(?:die\s+)?Plattform",
        # An imperative: "Storniere den Vertrag hier, wir machen außerhalb weiter".
        r"\b(?:storniere|storniert|stornier|kündige|kündig|beende|schließe|schließ|cancel|cancle"
        r"|löse|brich|stornieren\s+Sie|kündigen\s+Sie|beenden\s+Sie)\s+(?:bitte\s+)?(?:den|diesen"
        r"|unseren|das|dieses)\s+(?:Vertrag|Auftrag|Angebot|Projekt)\b[^\n]{0,60}?\b(?:direkt|privat"
        r"|au(?:ß|ss)erhalb|ohne\s+(?:die\s+)?Plattform|per\s+(?:E-?Mail|Mail|WhatsApp))\b",
        # Signed or closed privately, or by mail instead of here.
        rf"\bVertr(?:a|ä)g\w{{0,2}}\b{span(30)}\b(?:unterschreib|unterzeichn|schließ|abschließ|mach"
        r"|regel|aufsetz)\w{0,4}\s+(?:wir|ich)\s+(?:\w+\s+){0,2}?(?:privat|unter\s+uns|direkt\s+"
        r"(?:miteinander|unter\s+uns))(?![\w-])",
        rf"\bVertr(?:a|ä)g\w{{0,2}}\b{span(30)}\b(?:lieber\s+|einfach\s+)?(?:direkt|privat)\s+(?:per"
        r"|über|via|mit|bei)\s+(?:E-?Mail|Mail|WhatsApp|Telegram|Post|DocuSign)\b",
        # Round the platform's fees: "dann sparen wir uns die Gebühren der Plattform".
        r"\b(?:sparen|umgehen|vermeiden|sparst|sparen\s+uns)\b\s+(?:wir\s+|du\s+)?(?:uns\s+|dir\s+)?"
        r"(?:die\s+|das\s+)?(?:Plattform-?gebühren?|Plattform-?provision|Gebühren?\s+(?:der|von\s+der)"
        r"\s+(?:Plattform|Seite)|Provision\s+(?:der|von\s+der)\s+(?:Plattform|Seite))",
    ),
    "crypto": (
        r"\b(?:wir|ich)\s+(?:\w+\s+){0,2}?(?:zahlen|zahle|bezahlen|bezahle|vergüten|vergüte"
        r"|überweisen|überweise|entlohnen)\s+(?:\w+\s+){0,3}?(?:in|mit|per|über)\s+"
        rf"(?:{COIN})\b",
        r"\b(?:zahlen|bezahlen|vergüten|überweisen|entlohnen)\s+(?:wir|ich)\s+(?:\w+\s+){0,3}?"
        rf"(?:in|mit|per)\s+(?:{COIN})\b",
        r"\b(?:Vergütung|Entlohnung|Lohn|Gehalt|Honorar|Auszahlung\s+(?:deines|(?-i:Ihres))\s+\w+)\s+"
        rf"(?:erfolgt|wird|kommt|geht)\s+(?:\S+\s+){{0,3}}?(?:in|als|per)\s+(?:{COIN})\b",
        # "Die Zahlung erfolgt in USDT auf deine Binance-Wallet."
        r"\b(?:Zahlung|Bezahlung|Auszahlung)\s+(?:erfolgt|kommt|geht|läuft)\s+(?:\S+\s+){0,3}?(?:in|als"
        rf"|per)\s+(?:{COIN})\b{span(40)}\b(?:an|auf|in)\s+{_YOUR}\b",
        rf"\b{_YOUR}\s+(?:Lohn|Gehalt|Honorar|Bezahlung|Vergütung|Verdienst)\s+(?:\w+\s+){{0,2}}?"
        rf"(?:in|als|per)\s+(?:{COIN})\b",
        r"\b(?:du\s+(?:wirst|bekommst|erhältst)|Sie\s+(?:werden|bekommen|erhalten))\s+(?:\w+\s+)"
        rf"{{0,3}}?(?:in|mit|per)\s+(?:{COIN})\s+(?:bezahlt|vergütet|entlohnt)",
        rf"\b(?:{_SEND})\s+(?:mir|uns)\s+(?:bitte\s+)?(?:deine|(?-i:Ihre)|die|eine)\s+(?:[\w-]{{1,20}}"
        r"[-\s])?(?:wallet|krypto|bitcoin|btc|usdt|coin)[-\s]?adresse",
        rf"\b(?:{_SEND})\b{span(30)}\b{_YOUR}\s+(?:(?:{COIN}|wallet|{WALLET_APPS})[-\s]?[\w-]{{0,20}}"
        r"adresse|[\w-]{0,20}wallet-?adresse)",
        rf"{_IMP}(?:lege|leg|erstelle|erstell|eröffne|richte|legen\s+Sie|erstellen\s+Sie"
        r"|eröffnen\s+Sie)\s+(?:bitte\s+)?(?:dir\s+)?(?:eine|ein)\s+(?:[\w-]{1,20}[-\s])?wallet\b",
        # "Lad dir die Trust Wallet runter", "Installier Metamask".
        rf"{_IMPX}(?:lad|lade|installier|installiere|laden\s+Sie|installieren\s+Sie)\s+(?:dir|sich)\s+"
        rf"(?:bitte\s+)?(?:die\s+|eine\s+|ein\s+|den\s+)?(?:[\w-]{{1,20}}[-\s])?(?:wallet"
        rf"|{WALLET_APPS})(?![\w-])",
        # Coins bought for someone: "… und kauf ETH im Wert von 200 €, damit wir …".
        rf"{_IMPX}(?:kauf|kaufe|besorg|besorge|hol|hole|erwirb|kaufen\s+Sie|besorgen\s+Sie)\s+"
        rf"(?:dir\s+|sich\s+)?(?:bitte\s+)?(?:\S+\s+){{0,3}}?(?:{COIN})\b{span(60)}\b(?:damit|um\s+"
        r"(?:\w+\s+){0,3}?zu\s+(?:bezahlen|begleichen|zahlen)|und\s+(?:schick|schicke|sende|überweise"
        r"|überweis)|an\s+(?:meine|unsere|diese)\s+(?:Wallet|Adresse))\b",
        rf"\b{_MUST}\b{span(40)}\b(?:{COIN})\b{span(20)}\b(?:kaufen|besorgen|erwerben)\b",
    ),
    "overpayment": (
        r"\b(?:überweise|überweis|schick|schicke|sende|zahle|zahl|gib|erstatte|überweisen\s+Sie"
        r"|schicken\s+Sie|senden\s+Sie|zahlen\s+Sie|erstatten\s+Sie|geben\s+Sie)\s+(?:(?:mir|uns)"
        r"\s+)?(?:bitte\s+)?(?:die|den|das)\s+(?:Differenz|Rest|Restbetrag|Überschuss|Mehrbetrag"
        r"|überschüssigen?\s+Betrag|zu\s+viel\s+(?:gezahlten|bezahlten|überwiesenen)\s+Betrag)\b"
        rf"{span(50)}\bzurück",
        r"\b(?:die|den)\s+(?:Differenz|Restbetrag|Überschuss|Mehrbetrag)\s+(?:\w+\s+){0,3}?zurück"
        r"(?:überweisen|schicken|senden|zahlen|geben)\b",
        r"\b(?:kannst\s+du|könntest\s+du|können\s+Sie|könnten\s+Sie|musst\s+du|müssen\s+Sie)\s+"
        r"(?:mir|uns)\s+(?:bitte\s+)?(?:die|den|das)\s+(?:Differenz|Rest|Restbetrag|Überschuss"
        rf"|Mehrbetrag)\b{span(40)}\bzurück\w{{0,10}}",
        r"\b(?:mir|uns)\s+(?:bitte\s+)?(?:die|den|das)\s+(?:\w+\s+)?(?:Zahlung|Geld|Betrag|Überweisung)"
        r"\s+(?:\w+\s+){0,3}?zurück\w{0,10}",
        r"\b(?:ich|wir)\s+(?:habe|haben|hat)\s+(?:\S+\s+){0,5}?zu\s+viel\s+(?:überwiesen|bezahlt"
        r"|gezahlt|geschickt)",
        r"\bScheck\s+über\s+(?:mehr|einen\s+höheren\s+Betrag)\s+als\b",
        # "Den Überschuss schickst du bitte an unsere Agentur weiter."
        r"\b(?:Differenz|Restbetrag|Überschuss|Mehrbetrag|Rest\s+des\s+Geldes|restlichen?\s+Betrag"
        r"|restliche\s+Geld)\s+(?:\w+\s+){0,2}?(?:schickst|überweist|sendest|leitest|zahlst|gibst"
        rf"|schicken|überweisen|senden|leiten|zahlen|geben)\s+(?:du|Sie)\b{span(50)}\b(?:zurück"
        r"|weiter)\b",
        rf"{_IMPX}(?:leite|leit|schick|schicke|sende|überweise|überweis|leiten\s+Sie|schicken\s+Sie"
        r"|senden\s+Sie|überweisen\s+Sie)\s+(?:bitte\s+)?(?:den|die|das)\s+(?:Differenz|Rest|Restbetrag"
        rf"|Überschuss|Mehrbetrag|restlichen?\s+Betrag|übrige\s+Geld)\b{span(50)}\bweiter\b",
        # "Ich habe dir aus Versehen 600 € statt 60 € geschickt."
        r"\b(?:ich|wir)\s+(?:habe|hab|haben|hat)\s+(?:dir|Ihnen|euch)\s+(?:\S+\s+){0,2}?(?:aus\s+Versehen"
        r"|versehentlich|irrtümlich|fälschlicherweise)\s+(?:\S+\s+){0,2}?(?:\d[\d.,]*\s?(?:€|Euro|EUR"
        r"|\$|Dollar)|(?:das|den|einen)\s+(?:doppelten\s+)?(?:Geld|Betrag)|doppelt|zu\s+viel|das"
        r"\s+Doppelte)\s+(?:\S+\s+){0,4}?(?:überwiesen|bezahlt|gezahlt|geschickt|gesendet)\b",
    ),
    "equipment_reimbursement": (
        # A cheque sent to the reader that pays for the equipment: it bounces later.
        r"\b(?:schicken|senden|schicke|sende)\s+(?:dir|Ihnen|euch)\s+(?:einen|den|unseren)\s+Scheck\b"
        rf"[^\n]{{0,150}}?\b(?:{_BUY})\b",
        r"\b(?:schicken|senden|geben|schicke|sende|gebe|bekommst|erhältst|erhalten\s+Sie"
        r"|bekommen\s+Sie)\s+(?:\w+\s+){0,2}?(?:einen|den|unseren)\s+Scheck\b"
        rf"{span(80)}\b(?:{_BUY})\b",
        r"\b(?:kaufst|bestellst|besorgst|holst)\s+du\s+(?:\w+\s+)?(?:davon|damit|mit\s+dem\s+(?:Geld"
        r"|Rest|Restbetrag|Scheck))\b"
        r"|\b(?:davon|damit|mit\s+dem\s+(?:Geld|Rest|Restbetrag|Scheck))\s+(?:kaufst|bestellst"
        r"|besorgst)\s+du\b|\b(?:kaufen|bestellen|besorgen)\s+Sie\s+(?:\w+\s+)?(?:davon|damit)\b"
        r"|\b(?:davon|damit)\s+(?:kaufen|bestellen|besorgen)\s+Sie\b",
        rf"{CLAUSE}(?:kauf|kaufe|bestell|bestelle|besorg|besorge)\s+(?:\w+\s+)?(?:davon|damit)\b",
        r"\b(?:kauf|kaufe|kaufst|kaufen\s+Sie|bestell|bestelle|bestellst|bestellen\s+Sie)\b"
        rf"{span(60)}\bbei\s+unserem\s+(?:Partner\w{{0,12}}|Lieferanten|Händler|Vertragshändler"
        r"|Ausstatter|zugelassenen\s+Händler)",
        # "Die Hardware kaufst du selbst …, du bekommst alles erstattet."
        rf"\b(?:{_GEAR})\b{span(60)}\b(?:kaufst|bestellst|besorgst)\s+du\b(?!\s+nicht\b){span(120)}"
        r"(?<!nicht\s)\b(?:erstattet|zurückerstattet|ersetzt|zurückgezahlt|zurücküberwiesen|zurück)\b",
        rf"\b(?:kaufst|bestellst|besorgst)\s+du\b(?!\s+nicht\b){span(60)}\b(?:{_GEAR})\b{span(80)}"
        r"(?<!nicht\s)\b(?:erstattet|zurückerstattet|ersetzt|zurückgezahlt|zurücküberwiesen)\b",
        # The cheque cashed by the reader: "Wenn du den Scheck eingelöst hast, kaufst du …".
        r"\b(?:du|Sie)\s+(?:den|einen|unseren|diesen)\s+Scheck\s+(?:\w+\s+){0,3}?(?:einlöst|eingelöst"
        r"|einreichst|eingereicht|bekommst|bekommen|erhältst|erhalten|einzahlst|eingezahlt)\b"
        rf"[^\n]{{0,150}}?\b(?:{_YOU_BUY}|Lieferant\w{{0,2}}|Händler\w{{0,2}})\b",
        rf"\b(?:{_MUST}|kaufst\s+du|kaufen\s+Sie)\b(?!\s+nicht\b){span(60)}\b(?:{_GEAR})\b{span(60)}"
        r"(?<!nicht\s)\b(?:erstatte"
        r"\w{0,3}|zurückerstatte\w{0,3}|ersetze\w{0,3}|zurück(?:gezahlt|überwiesen)|bekommst\s+du"
        r"\s+(?:das\s+Geld\s+|es\s+)?zurück)",
    ),
    "gift_cards": (
        rf"{_IMP}(?:kauf|kaufe|besorg|besorge|hol|hole|kaufen\s+Sie|besorgen\s+Sie|erwirb"
        rf"|erwerben\s+Sie)\b(?:\s+(?:mir|uns))?(?:\s+bitte)?{span(40)}?\b(?:{_GIFT})",
        # "Die Vergütung erfolgt in iTunes-Karten."
        r"\b(?:Vergütung|Bezahlung|Zahlung|Lohn|Gehalt|Honorar|Entlohnung)\s+(?:erfolgt|gibt\s+es|kommt"
        rf"|läuft|bekommst\s+du)\s+(?:\S+\s+){{0,3}}?(?:in|als|per)\s+(?:\S+\s+)?(?:{_GIFT})",
        rf"{_IMP}(?:bezahl|bezahle|zahl|zahle|begleiche|bezahlen\s+Sie|zahlen\s+Sie)\b{span(40)}\b"
        rf"(?:mit|per|in|über)\s+(?:\S+\s+){{0,2}}?(?:{_GIFT})",
        rf"\b(?:bitte|{_MUST}|nur)\b{span(30)}?\b(?:per|mit|in|als|über)\s+(?:\S+\s+)?(?:{_GIFT})"
        rf"\b{span(20)}?\b(?:bezahlen|zahlen|begleichen|überweisen|schicken|senden)",
        rf"\b(?:{_GIFT})\b{span(40)}\b(?:leite|schicke|gebe|sende)\s+ich\s+(?:dir|Ihnen|euch)\b",
        rf"\b(?:{_SEND})\s+(?:mir|uns)\s+(?:bitte\s+)?(?:die\s+|den\s+|alle\s+)?(?:fotos?|bilder"
        r"|scans?)\s+(?:der|von\s+den)\s+(?:codes|karten|gutscheine)",
        rf"\b(?:{_SEND})\s+(?:mir|uns)\s+(?:bitte\s+)?(?:die|den|alle)\s+(?:gutschein|karten"
        r"|geschenkkarten|guthaben)-?(?:codes?|nummern?|pins?)",
        r"\b(?:mir|uns)\s+(?:bitte\s+)?(?:die|den|alle)\s+(?:gutschein|karten|geschenkkarten"
        r"|guthaben)-?(?:codes?|nummern?|pins?)\s+(?:\w+\s+)?(?:schicken|senden|geben|schreiben"
        r"|durchgeben)",
    ),
    "upfront_fee": (
        rf"{_IMP}(?:zahle|zahl|bezahle|bezahl|überweise|überweis|entrichte|begleiche|zahlen\s+Sie"
        r"|bezahlen\s+Sie|überweisen\s+Sie|entrichten\s+Sie)\b(?:\s+(?:mir|uns))?(?:\s+bitte)?"
        rf"{span(40)}?\b(?:{_FEE})",
        # Coins bought for a fee: "kauf ETH …, damit wir die Aktivierungsgebühr begleichen".
        rf"{_IMPX}(?:kauf|kaufe|besorg|besorge|erwirb|kaufen\s+Sie|besorgen\s+Sie)\b{span(80)}"
        rf"\b(?:{_JOB_FEE})\b",
        # Paying before the first job: "die musst du vor dem ersten Auftrag bezahlen".
        rf"\b{_MUST}\b{span(40)}\b(?:{_START})\b{span(30)}\b(?:zahlen|bezahlen|überweisen|entrichten"
        r"|begleichen|hinterlegen)\b(?![^.!?\n]{0,30}\b(?:Meilenstein|Rechnung|Treuhand))",
        rf"\b{_MUST}\b{span(40)}\b(?:{_FEE})\b{span(30)}\b(?:zahlen|bezahlen|überweisen|kaufen"
        r"|erwerben|entrichten|begleichen|hinterlegen|leisten)\b",
        rf"\b(?:{_FEE})\b{span(60)}\b(?:{_START}|bevor\s+(?:du|Sie|wir|es)\b)",
        rf"\b(?:{_START}|bevor\s+(?:du|Sie)\s+(?:\w+\s+){{0,3}}?(?:anfangen|beginnen|starten"
        rf"|loslegen)\s+(?:kannst|können|darfst|dürfen)|bevor\s+es\s+losgeht)\b{span(60)}\b"
        rf"(?:{_FEE})",
        rf"\b(?:{_JOB_FEE})\b{span(30)}\b(?:fällig|zu\s+zahlen|zu\s+entrichten)\b",
        rf"\bGebühr\b{span(30)}\bfür\s+(?:die|den|das|deine|(?-i:Ihre))\s+(?:Hintergrund\w{{0,10}}"
        r"|Überprüfung|Verifizierung|Schulung|Einarbeitung|Registrierung|Freischaltung|Aktivierung"
        r"|Startpaket|Starter\w{0,6})",
        r"\b(?:von|für|bei)\s+(?:allen\s+|jedem\s+)?neuen?\s+(?:\w+\s+)?(?:Freelancer\w{0,2}|Mitarbeiter"
        rf"\w{{0,2}}|Texter\w{{0,2}}|Auftragnehmer\w{{0,2}}|Mitglieder\w{{0,2}}|Bewerber\w{{0,2}})\b{span(40)}"
        r"\b(?:\w{0,20}gebühr|Kaution|Beitrag)",
        # The gate first: "Für die Freischaltung deines Accounts ist eine Sicherheitskaution nötig".
        rf"\b(?:Freischaltung|Aktivierung|Zugang|Zugriff|Verifizierung)\s+(?:\w+\s+){{0,3}}?{_YOUR}\b"
        rf"{span(40)}\b(?:{_JOB_FEE})\b",
        # A fee that gates the work: "danach bekommst du Zugang".
        rf"\b(?:{_JOB_FEE})\b{span(80)}\b(?:Zugang|Zugriff|freigeschaltet|Freischaltung)",
        # A milestone titled "Kaution überweisen": the freelancer pays, not the client.
        rf"{CLAUSE}(?:die\s+|eine\s+)?(?:{_JOB_FEE})\b{span(40)}\b(?:überweisen|zahlen|bezahlen"
        r"|entrichten|hinterlegen|begleichen)\b",
    ),
    "personal_data": (
        rf"\b(?:{_ASK})\b{_NEVER}{span(40)}?\b(?:{_YOUR}|eine?[nr]?\s+(?:Kopie|Foto|Scan|Bild"
        rf"|Abbildung)\s+(?:deines|deiner|(?-i:Ihres|Ihrer)))\s+(?:[\w-]{{1,20}}\s+)?(?:{_SECRETS})"
        rf"(?![\w-]){_NEVER}",
        rf"\b(?:{_ASK})\s+(?:mir|uns)\s+(?:bitte\s+)?(?:die|den|das)\s+(?:{_SECRETS})(?![\w-])"
        rf"{_NEVER}",
        # A question, the verb last: "Kannst du mir ein Foto deines Ausweises schicken?"
        r"\b(?:(?:kannst|könntest|würdest|musst)\s+du|(?:können|könnten|würden|müssen)\s+Sie)\s+"
        rf"(?:mir|uns)\b{_NEVER}{span(80)}?\b(?:{_YOUR}|deines|deiner|(?-i:Ihres|Ihrer))\s+"
        rf"(?:[\w-]{{1,20}}\s+)?(?:{_SECRETS})(?![\w-])",
        rf"\b(?:mir|uns)\s+(?:bitte\s+)?(?:mal\s+)?(?:kurz\s+)?(?:den|die|das|{_YOUR})\s+(?:[\w-]{{1,20}}"
        rf"\s+)?(?:{_SECRETS})(?![\w-]){_NEVER}\s+(?:\w+\s+){{0,2}}?(?:schicken|senden|geben|nennen"
        r"|mitteilen|durchgeben|weiterleiten|schreiben|sagen|zukommen|vorlesen|hochladen)\b",
    ),
    "unpaid_test": (
        r"\bunbezahlte?[nrs]?\s+(?:\w+\s+)?(?:Aufgabe|Arbeit|Auftrag|Artikel|Text|Übersetzung|Design"
        r"|Entwurf|Probe\w{0,8}|Test\w{0,8})\b",
        r"\b(?:unbezahlte?[nrs]?|kostenlose?[nrs]?|gratis|unentgeltliche?[nrs]?)\s+(?:(?:Test"
        r"|Probe)(?:arbeit|aufgabe|auftrag|projekt|text|übersetzung|design|seite)(?:en|n)?"
        r"|Arbeitsproben?)\b",
        r"\b(?:(?:Test|Probe)(?:arbeit|aufgabe|auftrag|projekt|text|übersetzung|design)(?:en|n)?"
        rf"|Arbeitsproben?)\b{span(40)}\b(?:unbezahlt|kostenlos|gratis|umsonst|ohne\s+Bezahlung"
        r"|ohne\s+Vergütung|unentgeltlich|nicht\s+bezahlt|nicht\s+vergütet)",
        r"\b(?:die|diese|eine)\s+(?:Probe|Testaufgabe|Probeaufgabe|Probearbeit|Testarbeit|Arbeitsprobe)"
        r"\s+(?:wird|ist)\s+(?:nicht\s+(?:bezahlt|vergütet)|unbezahlt|kostenlos|unentgeltlich)\b",
        rf"\bals\s+(?:Probe|Test)\b{span(40)}\b(?:gratis|umsonst|kostenlos|unentgeltlich|unbezahlt"
        r"|ohne\s+Bezahlung)",
        r"\b(?:gratis|umsonst|kostenlos|unentgeltlich|unbezahlt|ohne\s+Bezahlung|ohne\s+Vergütung)\s+"
        r"(?:\w+\s+){0,2}?(?:zur|als)\s+(?:Probe|Test)\b",
        rf"{_IMPX}(?:mach|mache|schreib|schreibe|erstell|erstelle|übersetz|übersetze|entwirf|gestalte"
        r"|liefere|liefer|machen\s+Sie|schreiben\s+Sie|erstellen\s+Sie|übersetzen\s+Sie)\s+"
        r"(?:\w+\s+){0,5}?(?:gratis|umsonst|kostenlos|unentgeltlich|unbezahlt)\b",
    ),
    "pressure": (
        r"\b(?:Angebot|Auftrag|Stelle|Job|Projekt)\s+(?:gilt|ist)\s+nur\s+(?:noch\s+)?(?:heute"
        r"|bis\s+heute|(?:für\s+)?(?:die\s+nächsten\s+)?(?:\d+|ein(?:e|en)?|zwei|drei)\s+(?:Minuten?"
        r"|Stunden?|Min\.?|Std\.?)|eine\s+Stunde)",
        r"\b(?:nimm|nehmen\s+Sie)\s+(?:es|das\s+Angebot|den\s+Auftrag|ihn|das)\s+(?:bitte\s+)?"
        r"(?:jetzt|sofort|heute|gleich|umgehend)\b",
        rf"\b(?:entscheide|entscheiden|antworte|antworten|zusagen|annehmen|Bescheid|(?:deine|(?-i:Ihre))"
        rf"\s+(?:Zusage|Antwort|Entscheidung))\b{span(20)}"
        r"\b(?:in|innerhalb)\s+(?:der\s+|den\s+|von\s+)?(?:nächsten\s+)?(?:\d+|einer|zwei)\s+"
        r"(?:Minuten|Stunden?)\b",
        r"\b(?:in|innerhalb)\s+(?:der\s+|den\s+|von\s+)?(?:nächsten\s+)?(?:\d+|einer|zwei)\s+"
        r"(?:Minuten|Stunden?)\s+(?:\w+\s+){0,2}?(?:entscheiden|zusagen|annehmen|antworten"
        r"|Bescheid\s+geben|Antwort|Zusage|Entscheidung)\b",
        r"\bsonst\s+(?:suche|frage|nehme|gebe|vergebe|nehmen|suchen|fragen|vergeben)\s+(?:ich|wir)\b",
        # "Wenn du jetzt nicht zusagst, ist die Stelle weg."
        r"\b(?:wenn|falls)\s+(?:du|Sie)\s+(?:\w+\s+){0,3}?nicht\s+(?:\w+\s+){0,2}?(?:zusagst|annimmst"
        r"|antwortest|bestätigst|unterschreibst|zusagen|annehmen|antworten|bestätigen|unterschreiben"
        rf"|meldest|entscheidest|entscheiden)\b{span(50)}\b(?:weg|vergeben|jemand(?:\s+|en\s+)?anderen?"
        r"|anderen?\s+(?:Bewerber\w{0,2}|Freelancer\w{0,2}|Kandidat\w{0,2}))\b",
        r"\b(?:entscheide|entscheid|entscheiden\s+Sie)\s+(?:dich|sich)\s+(?:bitte\s+)?(?:jetzt|sofort"
        r"|heute|gleich|schnell)\b",
        r"\b(?:Angebot|Auftrag|Stelle|Job|Projekt)\s+(?:\w+\s+){0,2}?nur\s+(?:noch\s+)?bis\s+(?:heute"
        r"|morgen|\d{1,2}(?::\d{2})?\s*Uhr)\b",
        r"\b(?:behalte|behalt|behalten\s+Sie)\s+(?:das|es|dies)\s+(?:bitte\s+)?für\s+(?:dich|sich)"
        r"\b|\b(?:das|es)\s+bleibt\s+unter\s+uns\b|\bunter\s+uns\s+bleiben\b",
        r"\b(?:erwähne|erwähn|erzähl|erzähle|sag|sage|verrate|erwähnen\s+Sie|sagen\s+Sie)\s+"
        r"(?:\w+\s+){0,4}?(?:nichts|niemandem|keinem)\b",
        # "die Stelle ist in einer Stunde vergeben"
        r"\b(?:Stelle|Vakanz)\s+(?:(?:schließt|endet|verfällt|läuft)\s+(?:\w+\s+)?(?:in|nach)\s+"
        r"(?:\d+|einer|zwei|drei|wenigen)\s+(?:Minuten|Stunden?|Std\.?|Min\.?)\b|ist\s+(?:\w+\s+)?"
        r"in\s+(?:\d+|einer|zwei|drei|wenigen)\s+(?:Minuten|Stunden?|Std\.?|Min\.?)\s+(?:weg"
        r"|vergeben|besetzt|geschlossen|zu)\b)",
        rf"\bletzte\s+Chance\b|\bsonst\s+(?:geht|gebe|vergebe|ist|nehme\s+ich|nehmen\s+wir)\b{span(40)}\b(?:jemand(?:\s+|en"
        r"\s+)?anderen?|weg|vergeben)\b",
    ),
}

MESSAGES: dict[str, str] = {
    "off_platform_contact": "Bittet darum, das Gespräch außerhalb der Plattform fortzusetzen, wo "
    "Nachrichten und Zahlungen nicht geschützt sind.",
    "off_platform_payment": "Bittet darum, außerhalb der Plattform zu zahlen oder bezahlt zu "
    "werden; damit entfällt der Zahlungsschutz.",
    "off_platform_contract": "Bittet darum, den Vertrag außerhalb der Plattform zu schließen "
    "oder dorthin zu verlegen, wo weder Zahlung noch Streitfälle geschützt sind.",
    "crypto": "Es geht um den Kauf oder Versand von Kryptowährung, ein gängiger Weg, Geld "
    "unwiderruflich zu bewegen.",
    "overpayment": "Beschreibt eine Überzahlung, die zurückgeschickt werden soll: das Muster von "
    "Betrug mit gefälschten Schecks.",
    "equipment_reimbursement": "Verlangt, dass der Freelancer Ausrüstung oder Material kauft, mit "
    "einem Scheck des Kunden oder gegen spätere Erstattung; solche Schecks platzen, wenn das Geld "
    "ausgegeben ist.",
    "gift_cards": "Erwähnt Geschenkkarten oder Bargeldtransferdienste, die Betrüger nutzen, weil "
    "sich Zahlungen nicht rückgängig machen lassen.",
    "upfront_fee": "Verlangt vom Freelancer eine Gebühr vor Arbeitsbeginn; seriöse Auftraggeber "
    "verlangen keine.",
    "personal_data": "Fragt nach Ausweisdokumenten, Bankdaten, Passwörtern oder Sicherheitscodes, "
    "die ein Auftraggeber nie braucht.",
    "unpaid_test": "Verlangt unbezahlte Arbeit als Test; Probearbeit sollte bezahlt werden.",
    "pressure": "Drängt zu einer schnellen Entscheidung, eine gängige Taktik gegen sorgfältiges "
    "Lesen.",
    "rate_below_policy.hourly": "Der Stundensatz liegt unter dem Plattform-Minimum von {minimum} "
    "pro Stunde.",
    "rate_below_policy.fixed": "Der Preis liegt unter dem Plattform-Minimum von {minimum}.",
    "high_pay_vague_task": "Eine weit überdurchschnittliche Bezahlung ({pay}) für eine Aufgabe, "
    "die in {words} beschrieben ist, kann ein Köder sein.",
    "milestone_sum_mismatch": "Die Meilensteine ergeben zusammen {total}, nicht den Festpreis von "
    "{price}.",
    "supplies_no_milestones": "Ein Kauf von Material zu einem Festpreis ohne Meilensteine, die die "
    "Zahlung staffeln.",
    "large_upfront_milestone": "Der erste Meilenstein macht {share} des Preises aus und ist am "
    "{day} fällig, bevor die Arbeit geprüft werden kann.",
}

#: Plural forms of the counts in ``MESSAGES`` (dative, after "in").
WORDS: dict[str, str] = {"one": "{n} Wort", "other": "{n} Wörtern"}

#: An hourly amount in a message.
PER_HOUR = "{amount} pro Stunde"

#: Buying supplies: a ``supplies_no_milestones`` flag when the price is not staged in milestones.
SUPPLIES: tuple[str, ...] = (
    r"\b(?:kauf\w{0,3}|einkauf\w{0,3}|bestell\w{0,3}|besorg\w{0,3}|erwirb|erwerben)\b"
    rf"{span(40)}\b(?:Material\w{{0,3}}|Zubehör|Bürobedarf|{_GEAR})\b",
)
