// Categorías de motivo, sus avisos y el banner, y la pregunta de satisfacción (outcomes.ts).
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'reason.legend': 'Motivo principal (obligatorio)',
  'reason.required': 'Elija el motivo principal.',
  'reason.terms': 'Condiciones',
  'reason.budget': 'Presupuesto',
  'reason.timeline': 'Plazos',
  'reason.scope_unclear': 'Alcance poco claro',
  'reason.no_response': 'Sin respuesta',
  'reason.hired_someone_else': 'Contraté a otra persona',
  'reason.not_available': 'No disponible',
  'reason.other': 'Otro',
  'reason.note': 'En sus palabras (opcional)',
  'decide.reason_code_hint': 'Rechaza todos los cambios: elija el motivo principal.',
  'closed.title_reason': '{status} — {category}',
  'notice.offer_withdrawn_code': '{name} retiró la oferta — {category}.',
  'notice.offer_withdrawn_code_reason': '{name} retiró la oferta — {category}: «{reason}»',
  'notice.offer_declined_code': '{name} rechazó la oferta — {category}.',
  'notice.offer_declined_code_reason': '{name} rechazó la oferta — {category}: «{reason}»',
  'notice.proposal_rejected_code': '{name} rechazó la propuesta — {category}.',
  'notice.proposal_rejected_code_reason': '{name} rechazó la propuesta — {category}: «{reason}»',
  'survey.title': 'Una última pregunta',
  'survey.question': '¿Qué probabilidad hay de que recomiende negociar ofertas de esta manera?',
  'survey.low': 'Nada probable',
  'survey.high': 'Muy probable',
  'survey.comment': 'Comentario (opcional)',
  'survey.send': 'Enviar',
  'survey.sending': 'Enviando…',
  'survey.not_now': 'Ahora no',
  'survey.thanks': 'Gracias por su respuesta.',
  'survey.error.no_score': 'Elija un número del 0 al 10.',
  'survey.error.not_closed': 'La oferta sigue abierta: podrá responder cuando se cierre.',
  'survey.error.already_rated': 'Ya ha respondido a esta pregunta.',
  'survey.error.forbidden': 'Solo se pregunta al cliente y al freelancer.',
  'survey.error.bad_request': 'No se pudo leer esta respuesta. Elija un número del 0 al 10 y no pase de 1000 caracteres.',
  'survey.error.other': 'No se pudo enviar su respuesta. Inténtelo de nuevo.'
}

export default catalog
