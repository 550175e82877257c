// The assistant's es catalog (assist*.ts): merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'assist.title': 'Asistente',

  // the offer check
  'assist.check.title': 'Lo que aún le falta a esta oferta',
  'assist.check.owner.mine': 'Le toca a usted añadirlo',
  'assist.check.owner.both': 'Cualquiera de las dos partes puede añadirlo',
  'assist.check.owner.named': 'Le toca a {name} añadirlo',
  'assist.check.owner.theirs': 'Le toca a la otra parte añadirlo',
  'assist.check.sev.warning': 'Importante',
  'assist.check.sev.info': 'Sugerencia',
  'assist.check.fix': 'Ir a «{field}»',
  'assist.check.ask': 'Preguntar por esto',
  'assist.check.asking': 'Preguntando…',
  'assist.check.asked': 'Preguntado',
  'assist.check.askLabel': 'Preguntar a la otra parte: «{question}»',
  'assist.check.askLabelNamed': 'Preguntar a {name}: «{question}»',
  'assist.marker.one': 'Revisión de la oferta: {text}',
  'assist.marker.many': { one: '{n} punto de la revisión de la oferta trata sobre «{field}»', other: '{n} puntos de la revisión de la oferta tratan sobre «{field}»' },

  // the draft's private flags
  'assist.flags.head': 'Solo usted ve esto',
  'assist.flags.sub': { one: '{n} señal de riesgo en el borrador', other: '{n} señales de riesgo en el borrador' },
  'assist.flags.sev.danger': 'Riesgo alto',
  'assist.flags.sev.warning': 'Precaución',
  'assist.flags.sev.info': 'Nota',
  'assist.flags.milestone': 'Hito {n}',
  'assist.flags.foot': 'La otra parte no ve estas señales, y nunca bloquean nada.',

  // a middle ground
  'assist.suggest.button': 'Sugerir un punto intermedio',
  'assist.suggest.asking': 'Buscando un punto intermedio…',
  'assist.suggest.hint': 'Condiciones entre su posición y la de la otra parte, solo para que usted las revise.',
  'assist.suggest.title': 'Un punto intermedio',
  'assist.suggest.private': 'Solo usted ve esta sugerencia. No cambia nada hasta que la aplique.',
  'assist.suggest.nothing': 'Por ahora no hay nada que sugerir.',
  'assist.suggest.dismiss': 'Cerrar',
  'assist.suggest.you': 'Usted',
  'assist.suggest.them': 'La otra parte',
  'assist.suggest.value': 'Punto intermedio',
  'assist.suggest.structure': '{field}: otra forma de repartirlo',
  'assist.suggest.apply': 'Aplicar a mi borrador',
  'assist.suggest.never': 'Aplicarlo solo rellena su borrador; no se propone nada hasta que usted lo proponga.',
  'assist.suggest.frozen': 'Hay una propuesta pendiente: podrá cambiar el borrador cuando se responda.',
  'assist.suggest.readOnly': 'Ahora mismo no se puede cambiar el borrador.',
  'assist.suggest.toast': 'Su borrador se ha rellenado con el punto intermedio. Revíselo y propóngalo cuando esté listo.',
  'assist.suggest.skipped': '«{field}» no se ha cambiado: {name} lo está editando.',
  'assist.suggest.unusable': 'Esta sugerencia no se ha podido aplicar al borrador.',

  // values
  'assist.value.notSet': 'sin definir',
  'assist.value.noLimit': 'sin límite',
  'assist.value.perHour': '{amount}/h',
  'assist.value.hoursPerWeek': { one: '{n} h/semana', other: '{n} h/semana' },
  'assist.value.milestones': { one: '{n} hito, {total} en total', other: '{n} hitos, {total} en total' },
  'assist.value.milestone': '{title}: {amount}',
  'assist.value.milestoneDue': '{title}: {amount}, vence el {date}',
  'assist.value.untitled': 'Sin título',

  // reports
  'assist.report.open': 'Denunciar…',
  'assist.report.openLabel': 'Denunciar a {name} ante el marketplace',
  'assist.report.title': 'Denunciar a {name}',
  'assist.report.intro': 'Su denuncia llega al equipo de confianza y seguridad del marketplace, no a {name}.',
  'assist.report.category': '¿Qué ha pasado?',
  'assist.report.choose': 'Elija una opción…',
  'assist.report.cat.scam': 'Estafa o fraude',
  'assist.report.cat.off_platform': 'Quiere hablar o pagar fuera de la plataforma',
  'assist.report.cat.personal_data': 'Pide datos personales',
  'assist.report.cat.harassment': 'Acoso o insultos',
  'assist.report.cat.spam': 'Spam',
  'assist.report.cat.other': 'Otra cosa',
  'assist.report.needCategory': 'Elija qué ha pasado.',
  'assist.report.reason': '¿Qué debería saber el equipo? (opcional)',
  'assist.report.counter': '{n} / {max} caracteres',
  'assist.report.send': 'Enviar denuncia',
  'assist.report.sending': 'Enviando…',
  'assist.report.cancel': 'Cancelar',
  'assist.report.close': 'Cerrar',
  'assist.report.done': 'Gracias: el equipo de confianza y seguridad del marketplace ya está avisado.',

  // errors
  'assist.error.rateLimitedSoon': 'Lo ha hecho varias veces seguidas. Inténtelo de nuevo en un momento.',
  'assist.error.rateLimitedSeconds': { one: 'Lo ha hecho varias veces seguidas. Inténtelo de nuevo en {n} segundo.', other: 'Lo ha hecho varias veces seguidas. Inténtelo de nuevo en {n} segundos.' },
  'assist.error.rateLimitedMinutes': { one: 'Lo ha hecho varias veces seguidas. Inténtelo de nuevo en {n} minuto.', other: 'Lo ha hecho varias veces seguidas. Inténtelo de nuevo en {n} minutos.' },
  'assist.error.offline': 'Sin conexión. Inténtelo de nuevo cuando vuelva la conexión.',
  'assist.error.timeout': 'El servidor no ha respondido. Inténtelo de nuevo.',
  'assist.error.failed': 'No ha funcionado. Inténtelo de nuevo.',

  // explanations
  'assist.explain.fallback.ungrounded': 'La respuesta de la IA no se pudo contrastar con las condiciones, así que a continuación va la explicación estándar.',
  'assist.explain.fallback.timeout': 'La IA tardó demasiado en responder, así que a continuación va la explicación estándar.',
  'assist.explain.fallback.error': 'La respuesta de la IA falló, así que a continuación va la explicación estándar.',
  'assist.explain.fallback.wrong_language': 'La IA respondió en otro idioma, así que a continuación va la explicación estándar.',
  'assist.explain.fallback.other': 'La respuesta de la IA no se pudo usar, así que a continuación va la explicación estándar.',
  'assist.explain.asOther': 'Tal como lo ve la otra parte:'
}

export default catalog
