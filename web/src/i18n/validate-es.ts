// Field problems, the Propose checklist and the lock notes (validate.ts, problems.ts, locks.ts), in
// Spanish: merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'validate.unchanged': 'Todavía nada difiere de la versión acordada',
  'validate.required.title': 'Dale un título a la oferta',
  'validate.required.hourly_rate': 'Introduce una tarifa por hora',
  'validate.required.fixed_price': 'Introduce un precio fijo',
  'validate.required.milestone_title': 'Dale un título a este hito',
  'validate.below_min.hourly_rate': 'La tarifa por hora debe ser de al menos {min} por hora',
  'validate.below_min.fixed_price': 'El precio fijo debe ser de al menos {min}',
  'validate.below_min.milestone_amount': 'Cada hito debe ser de al menos {min}',
  'validate.sum_mismatch': 'Los hitos suman {total}, pero el precio fijo es {price}',
  'validate.past': 'Esta fecha ya pasó: elige hoy o una fecha posterior',
  'validate.end_before_start': 'La fecha de fin no puede ser anterior a la de inicio ({date})',
  'validate.due_before_start': 'Vence antes de la fecha de inicio ({date})',
  'validate.due_after_end': 'Vence después de la fecha de fin ({date})',
  'validate.due_before_previous': 'Vence antes que el hito anterior ({date})',
  'validate.out_of_range': 'Elige una fecha entre el {from} y el {to}',
  'validate.too_large': 'Como máximo {max}',
  'validate.invalid': 'Este valor no es válido aquí',
  'validate.name.terms': 'La oferta',
  'validate.name.milestone_title': 'Hito {n}: título',
  'validate.name.milestone_amount': 'Hito {n}: importe',
  'validate.name.milestone_due_date': 'Hito {n}: fecha de entrega',
  'validate.list_head': { one: 'Corrige esto antes de proponer:', other: 'Corrige estos {n} puntos antes de proponer:' },
  'validate.go_to': 'Ir a {field}',
  'validate.rejected': 'No se guardó: {field} no admite ese valor. Vuelve el valor anterior.',
  'locks.idle_released': 'Liberado tras {s} segundos sin escribir. Escribe para seguir editando.',
  'locks.hidden_self': 'Tu foco está oculto, pero la otra parte ve que estás editando este campo.',
  'locks.someone': 'Alguien',
  'header.hide_focus_help': 'Oculta en qué campo estás. Un campo de dinero que editas sigue bloqueado y muestra tu nombre.'
}

export default catalog
