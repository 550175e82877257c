// Answering a proposal change by change (decide.ts) and its notices, timeline rows and history
// lines, in Spanish: merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'decide.open': 'Responder cambio por cambio',
  'decide.close': 'Responder en conjunto',
  'decide.intro': 'Los cambios aceptados pasan de inmediato a la siguiente versión; los contrapropuestos forman su contrapropuesta; los rechazados se descartan.',
  'decide.foot': 'Su respuesta, cambio por cambio',
  'decide.group': 'Su respuesta sobre {change}',
  'decide.accepted': 'Aceptar',
  'decide.countered': 'Contraproponer',
  'decide.declined': 'Rechazar',
  'decide.your_value': 'Su valor',
  'decide.your_amount': 'Su importe',
  'decide.reason': 'Motivo (opcional, visible para quien propuso)',
  'decide.send': 'Enviar decisión',
  'decide.sending': 'Enviando…',
  'decide.left': { one: '{n} cambio aún necesita respuesta', other: '{n} cambios aún necesitan respuesta' },
  'decide.summary': '{accepted} aceptados, {countered} contrapropuestos, {declined} rechazados',
  'decide.bad_date': 'Introduzca una fecha como 2026-12-31.',
  'decide.amount_required': 'Introduzca un importe.',
  'decide.yes': 'Sí',
  'decide.no': 'No',
  'decide.history.accepted': 'Aceptado: {changes}',
  'decide.history.countered': 'Contrapropuesto: {changes}',
  'decide.history.declined': 'Rechazado: {changes}',
  'decide.counter_to': 'Una contrapropuesta: el resto de la propuesta anterior se respondió cambio por cambio.',
  'neg.done.decide': 'Decisión enviada.',
  'notice.proposal_decided': '{name} aceptó parte de la propuesta: la versión {version} queda acordada.',
  'notice.proposal_decided_counter': '{name} aceptó parte de la propuesta (la versión {version} queda acordada) y contrapropuso el resto.',
  'notice.proposal_countered': '{name} hizo una contrapropuesta.',
  'timeline.proposal_decided.name': '{name} hizo una contrapropuesta',
  'timeline.proposal_decided.name_more': '{name} aceptó parte de la propuesta: versión {version} acordada',
  'timeline.proposal_decided.you': 'Usted hizo una contrapropuesta',
  'timeline.proposal_decided.you_more': 'Usted aceptó parte de la propuesta: versión {version} acordada',
  'timeline.proposal_decided.nobody': 'Contrapropuesta hecha',
  'timeline.proposal_decided.nobody_more': 'Parte de la propuesta aceptada: versión {version} acordada'
}

export default catalog
