"""Spanish risk signals: what a scam asks for, in Spanish (docs/RULES.md, "Risk flags").

As in English, a pattern looks for a *request*: an imperative with an enclitic pronoun
("envíame", "devuélveme", "agrégame"), which only a request has; a bare imperative starting a
clause ("Paga la cuota", "Compra cuatro tarjetas"), since the same word after a subject describes
what a product's users do ("el cliente compra la tarjeta"); an obligation on the reader ("debes
pagar", "tienes que comprar"); or a first person paying the reader ("te pago por PayPal").
Accents are optional everywhere (``loose``): chat is often typed without them.
"""

from __future__ import annotations

from server.explain.signals_common import (
    APPS,
    CLAUSE,
    COIN,
    WALLET_APPS,
    WALLETS,
    loose,
    span,
)

_IMP = rf"(?:{CLAUSE}(?:por\s+favor,?\s+)?|\bpor\s+favor,?\s+)"
#: An imperative inside a clause too: "Descarga Trust Wallet y compra 150 USDT".
_IMPX = rf"(?:{_IMP}|\b(?:y|luego|después|primero|ahora|entonces|solo|simplemente)\s+)"
#: An obligation on the reader (second person, or "usted"); never the third person.
_MUST = (
    r"(?:debes|deberás|deberías|tienes\s+que|tendrás\s+que|vas\s+a\s+tener\s+que|necesitas"
    r"|debe\s+usted|tiene\s+usted\s+que)"
)
#: Imperatives that ask for something, with the pronoun attached ("send me").
_GIVE_ME = (
    r"envíame|mándame|pásame|dame|facilítame|compárteme|reenvíame|envíanos|mándanos|pásanos"
    r"|danos|facilítanos|compártenos|reenvíanos|envíe(?:me|nos)|mánde(?:me|nos)|facilíte(?:me|nos)"
    r"|proporcióname|proporcióneme|indícame|dime|escríbeme|enviarme|mandarme|pasarme"
)
_SECRETS = (
    r"dni|nie|pasaporte|cédula(?:\s+de\s+identidad)?|documento\s+de\s+identidad|carn(?:e|é)t?\s+de"
    r"\s+(?:identidad|conducir)|licencia\s+de\s+conducir|número\s+de\s+(?:la\s+)?seguridad\s+social"
    r"|nss|curp|rfc|nif|fecha\s+de\s+nacimiento|datos\s+bancarios|cuenta\s+bancaria|número\s+de"
    r"\s+cuenta|iban|clabe|(?:usuario\s+y\s+)?contraseña|clave(?:\s+de\s+acceso|\s+bancaria)?|pin"
    r"|código\s+(?:de\s+)?(?:verificación|seguridad|confirmación|acceso|sms)|token|cvv"
    r"|(?:número\s+de\s+(?:la\s+)?)?tarjeta\s+de\s+(?:crédito|débito)|número\s+de\s+(?:la\s+|tu\s+)?"
    r"tarjeta|tarjeta\s+bancaria|cvc|ssn|datos\s+de\s+(?:acceso|la\s+tarjeta)|banca\s+online"
)
#: "a copy of your", "your", "the": what comes between the request and the document.
_OF_YOUR = (
    r"(?:(?:una?\s+)?(?:copia|foto(?:grafía)?|escaneo|imagen|captura)\s+(?:de\s+)?(?:tu|su|el|la"
    r"|del)\s+|(?:tu|tus|su|sus|el|la|los|las)\s+)"
)
_FEE = (
    r"(?:tasa|cuota|tarifa|pago|costo|coste|derechos?)\s+de\s+(?:inscripción|registro|alta"
    r"|capacitación|formación|activación|matrícula|membresía|afiliación|ingreso|tramitación"
    r"|gestión|verificación)|matrícula|fianza|depósito\s+(?:de\s+garantía|de\s+seguridad|inicial|reembolsable)"
    r"|kit\s+de\s+(?:inicio|bienvenida|trabajo)|paquete\s+de\s+(?:inicio|bienvenida|formación)"
    r"|curso\s+(?:de\s+)?(?:formación|capacitación|inducción|incorporación|onboarding)"
)
#: Before the reader's first work: "antes de la primera tarea", "antes de asignarte proyectos".
_FIRST = (
    r"antes\s+de\s+(?:empezar|comenzar|iniciar|arrancar|trabajar|recibir|asignarte|contratarte"
    r"|darte\s+(?:de\s+alta|acceso)|activarte|(?:la|tu|el|su)\s+primer\w?\s+\w+)"
)
#: Fees no ordinary event or shop asks of its users (unlike a registration fee).
_JOB_FEE = (
    r"(?:tasa|cuota|tarifa|pago|costo|coste)\s+de\s+(?:alta|capacitación|formación|activación"
    r"|afiliación)|fianza|depósito\s+(?:de\s+garantía|de\s+seguridad|reembolsable)"
    r"|kit\s+de\s+(?:inicio|bienvenida|trabajo)"
)
_GIFT = (
    r"tarjetas?\s+(?:de\s+)?regalo|tarjetas?\s+(?:de\s+)?(?:google\s+play|amazon|itunes|apple"
    r"|steam|xbox|playstation|psn|netflix|spotify|prepago)|(?:google\s+play|amazon|itunes|steam)"
    r"\s+cards?|paysafecards?|gift\s?cards?"
)
_GEAR = (
    r"portátil|ordenador|computadora|software|equipo|licencias?|impresora|auriculares|cámara"
    r"|material|hardware|monitor|móvil|celular|tablet"
)
#: The reader buying, in the second person: "compra", "tú compras", "cómpralo".
_YOU_BUY = (
    rf"(?:{_IMPX}(?:compra|compre|adquiere|adquiera|pide|pida|encarga)|\btú\s+(?:compras|adquieres"
    r"|pides|encargas)|\b(?:cómpralo|cómpralos|cómpralas|cómprate))"
)
_PAY_ME = (
    r"págame|págueme|envíame|mándame|transfiéreme|devuélveme|devuélvenos|deposítame|ingrésame"
)

_PATTERNS: dict[str, tuple[str, ...]] = {
    "off_platform_contact": (
        r"\b(?:escríbeme|escríbenos|contáctame|contáctanos|llámame|llámanos|agrégame|agréganos"
        r"|añádeme|búscame|háblame|escríbame|contácteme|llámeme|agrégueme|hablemos|sigamos"
        r"|seguimos|pasemos|continuemos|conversemos)\s+(?:\w+\s+){0,2}?(?:por|en|a|al|vía|via"
        rf"|mediante)\s+(?:mi\s+)?(?:{APPS})\b(?![\w-])",
        r"\bme\s+(?:escribas|escriba|contactes|contacte|llames|llame|agregues|agregue|añadas|añada"
        r"|busques|busque|mandes\s+un\s+mensaje)\s+(?:\w+\s+){0,2}?(?:por|en|a|al|vía|via)\s+"
        rf"(?:mi\s+)?(?:{APPS})\b(?![\w-])",
        rf"\b(?:mi|tu)\s+(?:número\s+de\s+|usuario\s+de\s+|cuenta\s+de\s+)?(?:{APPS})\s{{0,2}}(?:es"
        r"\b|:)",
        r"\b(?:escríbeme|escríbenos|contáctame|contáctanos|llámame|llámanos|mándame\s+un\s+"
        r"(?:mensaje|correo|mail))\s+(?:a|al)\s+(?:mi\s+)?(?:correo|mail|email|número|teléfono"
        r"|celular|móvil)\b",
        # The reader's own number: "Pásame tu número de WhatsApp".
        rf"\b(?:{_GIVE_ME})\s+(?:tu|su)\s+(?:número\s+(?:de\s+)?(?:teléfono|móvil|celular|whatsapp"
        rf"|telegram|personal|{APPS})|teléfono|celular|móvil|whatsapp|telegram|contacto\s+de"
        rf"\s+(?:{APPS}))\b",
    ),
    "off_platform_payment": (
        r"\b(?:te|le|les|os)\s+(?:pago|pagamos|pagaré|pagaremos|transfiero|transferimos|envío"
        r"|enviamos|mando|mandamos|hago\s+(?:una|la)\s+transferencia|deposito|depositamos)\s+"
        r"(?:\w+\s+){0,4}?(?:por|con|vía|via|mediante|a\s+través\s+de|en|a)\s+(?:tu\s+)?"
        rf"(?:{WALLETS}|transferencia(?:\s+bancaria)?)\b",
        rf"(?:{_IMP}(?:paga|pague|envía|manda|transfiere|devuelve|deposita|ingresa)|\b(?:{_PAY_ME}))"
        rf"\b{span(40)}\b(?:por|con|vía|via|mediante|a\s+través\s+de|en|a)\s+(?:mi\s+)?(?:{WALLETS})"
        r"\b",
        r"\bme\s+(?:devuelves|devuelvas|pagas|pagues|transfieres|transfieras|mandas|mandes|envías"
        rf"|envíes|ingresas|ingreses|haces|hagas)\b{span(30)}\b(?:por|con|vía|mediante)\s+(?:{WALLETS}"
        r"|transferencia)\b",
        rf"\b(?:deposita|deposite|ingresa|ingrese|depositar|ingresar|deposítame|ingrésame)\b{span(40)}"
        r"\b(?:en|a)\s+mi\s+cuenta\b",
        rf"\b(?:paga|pague|pagar|transfiere|transfiera|transferir|envía|envíe|enviar|págame)\b"
        rf"{span(40)}\b(?:en|a)\s+mi\s+(?:cuenta\s+(?:bancaria|personal)|{WALLETS})\b",
        rf"\b(?:pag\w{{0,5}}|cobr\w{{0,5}}|transferencia|dinero)\b{span(40)}\bfuera\s+de\s+(?:la"
        r"|esta)\s+(?:plataforma|página|web|app)\b",
        r"\b(?:pagarte|pagarle|transferirte|ingresarte)\s+(?:directamente|por\s+transferencia"
        r"|por\s+fuera|aparte)\b|\bte\s+(?:pago|pagamos|pagaré|pagaremos|transfiero)\s+directamente\b",
        rf"\b(?:pagarte|pagarle|transferirte|ingresarte|enviarte|mandarte)\s+(?:\w+\s+)?(?:por|con|vía"
        rf"|via|mediante|a\s+través\s+de|en)\s+(?:{WALLETS})\b",
        rf"\b(?:{_GIVE_ME})\s+(?:tu|su)\s+(?:correo|cuenta|usuario|email|mail|número|dirección|alias"
        rf"|datos|teléfono)\s+(?:de|del)\s+(?:{WALLETS})\b",
        r"\b(?:a|en)\s+(?:la\s+siguiente|esta)\s+cuenta\s+(?:bancaria|:?\s{0,2}[A-Z]{2}\s?\d{2})\b"
        r"|\ba\s+la\s+cuenta\s+bancaria\s+(?:siguiente|que\s+te\s+(?:paso|mando|indico|doy))\b",
        rf"\bfuera\s+de\s+(?:la|esta)\s+plataforma\b{span(30)}\b(?:pag\w{{0,5}}|cobr\w{{0,5}}"
        r"|transferencia)\b",
    ),
    "off_platform_contract": (
        rf"\bcontratos?\b{span(40)}\bfuera\s+de\s+(?:la|esta)\s+(?:plataforma|página|web|app)\b",
        rf"\bfuera\s+de\s+(?:la|esta)\s+(?:plataforma|página|web|app)\b{span(40)}\bcontrato",
        r"\b(?:cancelar|cancela|cancele|cancelamos|cerrar|cierra|cierre|cerramos|terminar|termina"
        r"|termine|anular|anula|anule)\s+(?:el|este|nuestro)\s+(?:contrato|proyecto|trabajo"
        r"|encargo)\b[^\n]{0,40}?\b(?:directamente|en\s+privado|por\s+fuera|por\s+nuestra\s+cuenta"
        r"|por\s+(?:correo|whatsapp|email))\b",
        rf"\btrabaj(?:ar|amos|emos)\s+directamente\b{span(40)}\b(?:sin\s+(?:la\s+)?plataforma"
        r"|sin\s+comisi)",
        # "Firmamos el contrato en privado".
        r"\bcontratos?\b[^.;!?\n]{0,30}\b(?:en\s+privado|por\s+(?:nuestra\s+cuenta|fuera)|entre\s+(?:tú"
        r"\s+y\s+yo|nosotros)|directamente\s+(?:contigo|entre\s+nosotros))\b",
        r"\b(?:firm|hac|cerr|cierr)\w{1,5}\s+(?:el|un|nuestro|este)\s+contrato\s+(?:\w+\s+){0,2}?"
        r"(?:aparte|directamente|por\s+(?:correo|whatsapp|email|mail|telegram))\b",
        # Going round the platform: "nos saltamos la plataforma".
        r"\b(?:nos\s+saltamos|saltarnos|evitamos|evitar|esquivamos|esquivar)\s+(?:a\s+)?(?:la"
        r"|esta)\s+(?:plataforma|página|web|app)\b(?!\s+(?:de|del)\b)",
    ),
    "crypto": (
        r"\b(?:te|le|les|os)\s+(?:pago|pagamos|pagaré|pagaremos|pagaría|vamos\s+a\s+pagar|voy\s+a"
        r"\s+pagar|transfiero|enviamos|envío|mandamos)\s+(?:\w+\s+){0,2}?(?:en|con|por|mediante)"
        rf"\s+(?:{COIN})\b",
        rf"\b(?:pagamos|pagaremos)\s+(?:\w+\s+){{0,2}}?(?:en|con|por|mediante)\s+(?:{COIN})\b",
        r"\b(?:vas\s+a\s+cobrar|cobrarás|cobras|recibirás\s+(?:tu|el|los)\s+(?:pago|sueldo"
        r"|salario|honorarios?)|tu\s+(?:sueldo|salario|pago|honorarios?)\s+(?:será|serán|va\s+a"
        rf"\s+ser|se\s+paga|se\s+pagará))\s+(?:\w+\s+){{0,2}}?(?:en|con)\s+(?:{COIN})\b",
        r"\b(?:remuneración|sueldo|salario|honorarios|nómina)\s+(?:\S+\s+){0,4}?(?:en|con)\s+"
        rf"(?:{COIN})\b",
        rf"\b(?:{_GIVE_ME})\s+(?:la\s+)?dirección\s+de\s+(?:tu|su)\s+(?:billetera|cartera|wallet"
        r"|monedero)",
        rf"\b(?:{_GIVE_ME})\s+(?:tu|su)\s+dirección\s+(?:de\s+\w+\s+)?(?:de\s+|en\s+)?(?:{COIN}|billetera"
        rf"|cartera|wallet|monedero|depósito|{WALLET_APPS})\b",
        rf"{_IMPX}(?:crea|cree|abre|abra|descarga|descargue|instala|instale)\s+(?:una?\s+|la\s+"
        r"|el\s+)?(?:app\s+(?:de\s+)?)?(?:(?!(?:tu|su|mi|tus|sus|nuestr[oa])\s)(?:[\w-]{1,20}\s+)?"
        rf"(?:billetera|cartera|wallet|monedero)|{WALLET_APPS})\b",
        # Coins bought for someone: "compra 150 USDT para pagar …", "… y envíamelos".
        rf"{_IMPX}(?:compra|compre|consigue|consiga|adquiere|adquiera)\s+(?:\S+\s+){{0,3}}?(?:{COIN})\b"
        rf"{span(60)}\b(?:para\s+(?:pagar|abonar|cubrir|activar)|y\s+(?:envía|mándame|envíame|manda"
        r"|transfiere|transfiéreme|deposita|pásame)|a\s+(?:mi|esta|nuestra)\s+(?:wallet|billetera"
        r"|cartera|dirección))",
        rf"\b{_MUST}\s+(?:\w+\s+){{0,2}}?(?:comprar|adquirir)\s+(?:\S+\s+){{0,3}}?(?:{COIN})\b",
        rf"\b(?:envíame|mándame|transfiéreme|envíanos)\s+(?:\w+\s+){{0,2}}?(?:{COIN})\b",
    ),
    "overpayment": (
        rf"(?:{_IMP}(?:devuelve|devuelva|envía|envíe|manda|mande|transfiere|transfiera|reembolsa"
        r"|reembolse|reintegra|reintegre)|\b(?:devuélveme|devuélvenos|devuélvame|envíame|envíanos"
        r"|mándame|mándanos|transfiéreme|reembólsame|reintégrame))\s+(?:\w+\s+)??(?:la\s+diferencia"
        r"|el\s+excedente|el\s+sobrante|lo\s+que\s+sobr(?:a|e)|el\s+resto|el\s+exceso|el\s+dinero"
        r"\s+de\s+más|lo\s+pagado\s+de\s+más|el\s+importe\s+sobrante)\b",
        r"\bme\s+(?:puedes|podrías|puede|podría)\s+(?:devolver|reembolsar|reintegrar)\s+(?:\w+\s+){0,2}?"
        r"(?:pago|dinero|importe|diferencia|resto|excedente|transferencia|sobrante|exceso|lo\s+que"
        r"\s+sobr(?:a|e|ó))\b",
        r"\b(?:devuélveme|devuélvenos|devuélvame|reenvíame|transfiéreme|mándame|envíame|pásame"
        r"|reembólsame|me\s+(?:devuelves|devuelvas|reenvías|transfieres|mandas|pasas))\s+(?:\w+\s+)?"
        r"lo\s+que\s+(?:sobr(?:a|ó)"
        r"|(?:te\s+)?(?:pagué|mandé|envié|transferí|ingresé)\s+de\s+más|(?:pagué|pagamos|mandé)\s+de"
        r"\s+más)\b",
        # "Te transferí 500 euros por error": a first person paying too much.
        r"\b(?:te|le)\s+(?:pagué|pagamos|transferí|transferimos|envié|enviamos|ingresé|ingresamos|mandé"
        r"|mandamos|deposité|depositamos)\s+(?:\S+\s+){0,2}?(?:\d[\d.,]*\s?(?:€|euros?|dólares|usd|eur"
        r"|pesos|\$)?\s+(?:\S+\s+){0,2}?(?:por\s+(?:error|equivocación|accidente)|sin\s+querer|de\s+más"
        r"|en\s+(?:lugar|vez)\s+de)|el\s+doble)\b",
        # "Reenvía los 500 restantes a mi contador".
        rf"{_IMPX}(?:reenvía|reenvíe|transfiere|transfiera|devuelve|devuelva|reintegra|manda|mande"
        r"|envía|envíe)\s+(?:\w+\s+)?(?:los|las|el|la|lo)\s+(?:\d[\d.,]*\s?(?:€|euros?|dólares|usd|eur"
        r"|pesos)?\s+)?(?:restantes?|sobrantes?|de\s+más|excedente)\s+(?:a|al)\s+(?:mi|nuestr[oa]|la"
        r"|el|otra|otro)\b",
        rf"{_IMPX}(?:reenvía|reenvíe|transfiere|transfiera|devuelve|devuelva|manda|mande|envía|envíe)"
        r"\s+(?:\w+\s+)?(?:el|lo)\s+(?:dinero|importe|saldo|monto|pago)\s+(?:restante|sobrante|de"
        r"\s+más)\b",
        r"\bme\s+(?:devuelves|devuelvas|reembolsas|reembolses|transfieres|transfieras|mandas|mandes"
        r"|envías|envíes)\s+(?:\w+\s+)??(?:la\s+diferencia|el\s+resto|el\s+excedente|el\s+sobrante"
        r"|el\s+exceso|lo\s+que\s+sobr(?:a|e))\b",
        r"\b(?:te|le)\s+(?:pagué|pagamos|transferí|transferimos|envié|enviamos|ingresé|ingresamos|mandé"
        r"|mandamos)"
        r"\s+(?:\S+\s+){0,4}?de\s+más\b",
        r"\bcheque\s+por\s+(?:más|un\s+importe\s+mayor)\b",
    ),
    "equipment_reimbursement": (
        # A cheque sent to the reader that pays for the equipment: it bounces later.
        r"\b(?:te|le)\s+(?:enviamos|enviaremos|enviaré|mandamos|mandaremos|mandaré)\s+(?:un|el|nuestro)"
        r"\s+cheque\b[^\n]{0,150}?\b(?:compras|compra|compre|comprar|adquieres|adquiere|adquirir|pides"
        r"|pide|pedir)\b",
        r"\b(?:te|le)\s+(?:enviamos|enviaremos|enviaré|mandamos|mandaremos|mandaré|damos|daremos"
        rf"|hacemos\s+llegar)\s+(?:un|el|nuestro)\s+cheque\b{span(80)}\b(?:compra|compras|compre"
        r"|comprar|cómprate|adquiere|adquieres|adquirir|pide|pides|pedir|encarga|encargar)\b",
        r"\bcon\s+(?:ese|este|el|dicho)\s+(?:dinero|importe|cheque|resto|dinero\s+restante|saldo)"
        r"\s+(?:\w+\s+)??(?:compra|compras|compres|compre|comprar|adquiere|adquieres|paga|pagas"
        r"|pide|pides)\b|\b(?:compra|compre|adquiere|adquiera)\s+con\s+(?:ese|este|el)\s+(?:dinero"
        r"|importe|cheque)\b|\bcon\s+él\s+(?:compra|compras|compres|compre|adquiere|adquieres"
        r"|pides)\b",
        rf"(?:{_YOU_BUY}|\b{_MUST}\s+(?:comprar|adquirir))\b"
        rf"{span(60)}\b(?:{_GEAR})\b{span(60)}\b(?:te\s+lo\s+(?:reembolsamos|devolvemos|pagamos)"
        r"|te\s+(?:reembolsamos|devolvemos\s+el\s+dinero)|reembols\w{0,6})",
        # The reader cashes the cheque and pays the supplier: "lo cobras … el resto se lo envías al
        # proveedor".
        r"\b(?:recibas|recibes|recibirás|cobras|cobres|depositas|deposites|ingresas|ingreses|cobra"
        r"|deposita|ingresa)\s+(?:el|un|nuestro|este|dicho)\s+cheque\b[^\n]{0,150}?\b(?:proveedor"
        r"|tienda|vendedor|distribuidor|compras|compra|comprar|cómprate)\b",
        r"\b(?:te\s+quedas|quédate)\s+con\s+(?:tu\s+(?:parte|comisión|pago|sueldo|tarifa)|\S+\s+"
        r"(?:€|euros?|dólares))\b[^.\n]{0,60}\b(?:resto|sobrante|restante)\b[^.\n]{0,40}\b(?:proveedor"
        r"|tienda|vendedor|material|equipo)\b",
    ),
    "gift_cards": (
        rf"{_IMP}(?:compra|compre|cómprame|consigue|consiga|adquiere|adquiera)\b{span(40)}?\b"
        rf"(?:{_GIFT})",
        rf"{_IMP}(?:paga|pague|abona|abone)\b{span(40)}\b(?:con|en|mediante)\s+(?:\S+\s+){{0,2}}?"
        rf"(?:{_GIFT})",
        rf"\b{_MUST}\s+(?:\w+\s+){{0,2}}?(?:pagar|comprar|adquirir|conseguir|enviar|mandar|abonar)"
        rf"\b{span(50)}?\b(?:{_GIFT})",
        rf"\b(?:te|le)\s+(?:pago|pagamos|pagaré|pagaremos)\s+(?:\w+\s+){{0,2}}?(?:con|en)\s+"
        rf"(?:{_GIFT})",
        # "El pago es en tarjetas de iTunes."
        r"\b(?:pago|sueldo|salario|remuneración|nómina|honorarios|pagos)\s+(?:es|son|será|serán|se\s+hace"
        rf"|se\s+hará|se\s+realiza|va\s+a\s+ser)\s+(?:solo\s+|siempre\s+)?en\s+(?:\S+\s+)?(?:{_GIFT})",
        rf"\b(?:{_GIFT})\b{span(40)}\bte\s+(?:las|los|la|lo)\s+(?:reenvío|mando|envío|paso|doy"
        r"|reenviaré|mandaré|enviaré|pasaré|daré)\b",
        rf"\b(?:{_GIVE_ME})\s+(?:\w+\s+){{0,2}}?(?:fotos?|capturas?|imágenes?)\s+de\s+(?:los|las)"
        r"\s+(?:códigos|tarjetas)",
        rf"\b(?:{_GIVE_ME})\s+(?:los\s+)?códigos\s+de\s+(?:las\s+|la\s+)?tarjetas?",
    ),
    "upfront_fee": (
        rf"\b{_MUST}\s+(?:\w+\s+){{0,2}}?(?:pagar|abonar|depositar|transferir|comprar|adquirir"
        rf"|cubrir)\b{span(40)}?\b(?:{_FEE})",
        rf"{_IMP}(?:paga|pague|abona|abone|deposita|deposite|transfiere|transfiera|haz\s+el\s+pago"
        rf"\s+de|realiza\s+el\s+pago\s+de)\b{span(30)}?\b(?:{_FEE})",
        rf"\b(?:{_FEE})\b{span(40)}\b(?:{_FIRST}|para\s+(?:empezar|comenzar|activar))",
        rf"\b(?:{_FIRST})\b{span(40)}\b{_MUST}\s+(?:\w+\s+){{0,2}}?(?:pagar|abonar|depositar"
        r"|transferir|ingresar)\b(?![^.!?\n]{0,30}\b(?:hitos?|factura))",
        rf"\b{_MUST}\s+(?:\w+\s+){{0,2}}?(?:pagar|abonar|depositar|transferir|ingresar)\b"
        rf"(?![^.!?\n]{{0,30}}\b(?:hitos?|factura)){span(40)}\b(?:{_FIRST})\b",
        # "… que todos los colaboradores nuevos deben pagar".
        rf"\b(?:{_FEE})\b{span(60)}\b(?:(?:colaboradores|freelancers?|trabajadores|empleados"
        r"|candidatos|traductores|redactores|diseñadores|contratados|reclutas)\s+nuev(?:os|as)"
        r"|nuev(?:os|as)\s+(?:colaboradores|freelancers?|trabajadores|empleados|candidatos"
        r"|traductores|redactores|diseñadores|contratados|reclutas))\b",
        # Money or coins bought for a fee: "compra 150 USDT para pagar la activación de tu cuenta".
        rf"{_IMPX}(?:compra|compre|paga|pague|abona|abone|deposita|deposite|transfiere|transfiera"
        rf"|envía|envíe|manda|mande)\b{span(60)}\bpara\s+(?:pagar|abonar|cubrir)\s+(?:la|el|tu|su)\s+"
        r"(?:activación|alta|verificación|formación|capacitación|fianza)\b",
        rf"\b(?:{_JOB_FEE})\b{span(40)}\b(?:por\s+adelantado|por\s+anticipado)",
        r"\b(?:pedimos|cobramos|piden|cobran)\s+(?:\S+\s+){0,3}?(?:por|de)\s+(?:la|el)\s+(?:verificación"
        r"|capacitación|formación|alta|activación|registro|inscripción|kit)\b",
        # The gate first: "Para desbloquear el panel se requiere un depósito de seguridad".
        r"\bpara\s+(?:desbloquear|activar|acceder\s+a|empezar\s+a\s+recibir|recibir)\s+(?:el|la|tu|los"
        rf"|las)\s+(?:\w+\s+){{0,3}}?(?:panel|cuenta|perfil|tareas?|trabajos?|proyectos?|puesto"
        rf"|acceso)\b{span(40)}\b(?:{_JOB_FEE})\b(?!\s+(?:no|tampoco)\b)",
        # A fee that gates the work: "y después tienes acceso".
        rf"\b(?:{_JOB_FEE})\b{span(80)}\b(?:acceso|acceder|activamos|activar)",
        rf"\bantes\s+de\s+(?:tu\s+primer\w?\s+\w+|empezar|comenzar|iniciar)\b{span(60)}\b(?:{_FEE})",
    ),
    "personal_data": (
        # A question: "¿Me puedes mandar una foto de tu DNI?"
        r"\bme\s+(?:puedes|podrías|puede|podría)\s+(?:mandar|enviar|pasar|dar|facilitar|reenviar"
        rf"|compartir)\b{span(50)}?\b(?:tu|tus|su)\s+(?:{_SECRETS})\b",
        rf"\b(?:{_GIVE_ME})\s+(?:\w+\s+){{0,3}}?{_OF_YOUR}(?:{_SECRETS})\b",
        rf"\b(?:{_GIVE_ME})\s+(?:el|los|la|ese|este)\s+(?:\w+\s+)?(?:código|pin|clave|token)s?\s+"
        r"(?:\w+\s+)?que\s+(?:te|le)\s+(?:llegó|llega|llegue|llegará|ha\s+llegado|han\s+mandado"
        r"|mandaron|enviaron|envíen|manden|van\s+a\s+mandar|va\s+a\s+llegar|llegaron)\b",
        # "RRHH necesita una copia de tu carnet de conducir"
        r"\b(?:necesita|necesitan|requiere|requieren|pide|piden|solicita|solicitan)\s+(?:una?\s+)?"
        rf"(?:copia|foto(?:grafía)?|escaneo|imagen|captura)\s+de\s+(?:tu|tus)\s+(?:{_SECRETS})\b",
        r"\b(?:necesito|necesitamos|requiero|requerimos|quiero)\s+(?:que\s+(?:me|nos)\s+(?:envíes"
        r"|mandes|pases|des|facilites|compartas|reenvíes|envíe|mande|facilite)\s+)?(?:\w+\s+)"
        r"{0,3}?(?:(?:una?\s+)?(?:copia|foto(?:grafía)?|escaneo|imagen|captura)\s+(?:de\s+)?(?:tu"
        rf"|el|la|del)\s+|(?:tu|tus)\s+)(?:{_SECRETS})\b",
    ),
    "unpaid_test": (
        r"\b(?:tarea|trabajo|encargo|ejercicio|muestra)\s+(?:\w+\s+){0,2}?(?:sin\s+(?:remunerar|pagar"
        r"|cobrar|pago|remuneración)|no\s+remunerad(?:a|o)|gratis|gratuit(?:a|o))\b",
        r"\b(?:prueba|tarea\s+de\s+prueba|trabajo\s+de\s+prueba|muestra|test|ejercicio)\s+(?:\w+\s+)"
        r"{0,2}?(?:sin\s+pago|sin\s+cobrar|no\s+remunerad(?:a|o)|no\s+pagad(?:a|o)|sin\s+remuneración"
        r"|sin\s+compensación)\b",
        rf"{_IMP}(?:haz|hazme|haga|hágame|realiza|realice|completa|complete|entrega|entregue|envía"
        r"|envíame|diseña|diseñe|traduce|traduzca|escribe|escriba|prepara|prepare)\s+(?:\w+\s+)??"
        r"(?:gratis|gratuitamente|sin\s+cobrar|de\s+forma\s+gratuita)\b",
        r"\b(?:esta|la|una)\s+(?:prueba|tarea\s+de\s+prueba|muestra)\s+no\s+(?:se\s+paga|se\s+remunera"
        r"|está\s+remunerada|es\s+remunerada|será\s+(?:pagada|remunerada)|se\s+cobra)\b",
        rf"\bcomo\s+prueba\b{span(50)}\b(?:gratis|sin\s+cobrar|sin\s+pago|gratuit(?:a|o)"
        r"|gratuitamente)\b",
    ),
    "pressure": (
        r"\b(?:oferta|propuesta|trabajo|puesto|proyecto)\s+(?:solo\s+)?(?:es\s+|está\s+)?(?:válid"
        r"(?:a|o)|vale|disponible)\s+(?:solo\s+)?(?:hasta\s+)?(?:hoy|esta\s+noche|(?:durante\s+|por"
        r"\s+)?(?:las\s+próximas\s+)?\d+\s+(?:minutos|horas)|una\s+hora)",
        r"\bacépta(?:la|lo)\s+(?:ya|ahora|hoy|de\s+inmediato|inmediatamente)\b|\bacepta\s+(?:la\s+"
        r"oferta\s+|el\s+trabajo\s+)?(?:ya|ahora(?:\s+mismo)?|hoy\s+mismo|de\s+inmediato"
        r"|inmediatamente)\b",
        r"\btienes\s+(?:solo\s+)?(?:\d+|una|dos)\s+(?:minutos|horas?)\s+para\s+(?:decidir|aceptar"
        r"|responder|contestar|confirmar)\b",
        r"\bquede\s+entre\s+(?:nosotros|tú\s+y\s+yo)\b|\bno\s+(?:le\s+)?(?:digas|cuentes|comentes"
        r"|menciones)\s+(?:nada\s+)?(?:a\s+(?:la\s+plataforma|nadie|soporte)|nada)\b",
        r"\b(?:tu|su)\s+(?:respuesta|decisión|confirmación)\s+(?:\w+\s+)?(?:en|antes\s+de|dentro\s+de)"
        r"\s+(?:(?:\d+|una|dos)\s+(?:minutos|horas?)|hoy|esta\s+noche)\b",
        r"\b(?:si\s+no\s*,?|o)\s+(?:contrato|elijo|escojo|cojo|busco|llamo)\s+a\s+otr(?:o|a)\b",
        # "Si no confirmas antes de las 18h le paso el proyecto a otra persona."
        r"\bsi\s+no\s+(?:me\s+)?(?:\w+\s+)?(?:confirmas|aceptas|respondes|contestas|decides|dices"
        rf"|firmas|confirma|acepta|responde)\b{span(60)}\ba\s+otr(?:o|a)\s+(?:persona|candidat[oa]"
        r"|freelancer|profesional|traductor|diseñador|redactor)\b",
        r"\b(?:decide|decídete|decida|decídase)\s+(?:ya|ahora|hoy|rápido|de\s+inmediato)\b",
        r"\b(?:reservarte|guardarte|mantenerte|reservarle|guardarle)\s+(?:la\s+oferta|el\s+trabajo"
        r"|el\s+puesto|el\s+proyecto)\s+hasta\b",
        r"\brespuesta\s+(?:\w+\s+)?(?:en|antes\s+de|dentro\s+de)\s+(?:los\s+próximos\s+)?(?:\d+|unos)"
        r"\s+minutos\b",
        # "la vacante se cierra en una hora"
        r"\b(?:vacante|puesto)\s+(?:se\s+)?(?:cierra|termina|vence"
        r"|caduca|expira)\s+en\s+(?:\d+|una|dos|tres|unos|pocos)\s+(?:minutos|horas?)\b",
        r"\búltima\s+oportunidad\b|\b(?:si\s+no|o)\s*,?\s+(?:\w+\s+){0,3}?se\s+l(?:o|a)\s+doy\s+a"
        r"\s+otr(?:o|a)\b",
    ),
}

PATTERNS: dict[str, tuple[str, ...]] = {
    code: tuple(loose(p) for p in alternatives) for code, alternatives in _PATTERNS.items()
}

MESSAGES: dict[str, str] = {
    "off_platform_contact": "Pide llevar la conversación fuera de la plataforma, donde los "
    "mensajes y los pagos no están protegidos.",
    "off_platform_payment": "Pide pagar o cobrar fuera de la plataforma, lo que elimina la "
    "protección de los pagos.",
    "off_platform_contract": "Pide firmar o trasladar el contrato fuera de la plataforma, donde ni "
    "el pago ni las disputas están protegidos.",
    "crypto": "Implica comprar o enviar criptomonedas, una forma habitual de mover dinero de "
    "manera irreversible.",
    "overpayment": "Describe un pago de más que hay que devolver, el patrón de las estafas con "
    "cheques falsos.",
    "equipment_reimbursement": "Pide al freelancer que compre equipo o material, con un cheque del "
    "cliente o para que se lo reembolsen después; esos cheques rebotan cuando el dinero ya se ha "
    "gastado.",
    "gift_cards": "Menciona tarjetas regalo o servicios de envío de dinero, que los estafadores "
    "usan porque los pagos no se pueden revertir.",
    "upfront_fee": "Pide al freelancer que pague una tasa antes de empezar; los clientes legítimos "
    "no cobran ninguna.",
    "personal_data": "Pide documentos de identidad, datos bancarios, contraseñas o códigos de "
    "seguridad, que un cliente nunca necesita.",
    "unpaid_test": "Pide trabajo sin pagar como prueba; el trabajo de prueba debe pagarse.",
    "pressure": "Presiona para decidir rápido, una táctica habitual para evitar una lectura "
    "atenta.",
    "rate_below_policy.hourly": "La tarifa está por debajo del mínimo de la plataforma, {minimum} "
    "por hora.",
    "rate_below_policy.fixed": "El precio está por debajo del mínimo de la plataforma, {minimum}.",
    "high_pay_vague_task": "Un pago muy superior a lo habitual ({pay}) por una tarea descrita en "
    "{words} puede ser un señuelo.",
    "milestone_sum_mismatch": "Los hitos suman {total}, no el precio fijo de {price}.",
    "supplies_no_milestones": "Una compra de material con precio fijo y sin hitos que escalonen el "
    "pago.",
    "large_upfront_milestone": "El primer hito es el {share} del precio y vence el {day}, antes de "
    "que se pueda revisar el trabajo.",
}

WORDS: dict[str, str] = {"one": "{n} palabra", "other": "{n} palabras"}

#: An hourly amount in a message.
PER_HOUR = "{amount} por hora"

#: Buying supplies: a ``supplies_no_milestones`` flag when the price is not staged in milestones.
SUPPLIES: tuple[str, ...] = (
    loose(rf"\b(?:compr\w{{0,4}}|adquir\w{{0,4}}|pedir|pide|encarga\w{{0,2}})\b{span(40)}\b"
          r"(?:materiales|suministros|dispositivos?|portátil(?:es)?|ordenador(?:es)?|computadoras?"
          r"|software|equipo\s+informático|licencias?|impresoras?|cámaras?)\b"),
)
