// Field problems, the Propose checklist and the lock notes (validate.ts, problems.ts, locks.ts), in
// English: merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'validate.unchanged': 'Nothing differs from the agreed version yet',
  'validate.required.title': 'Give the offer a title',
  'validate.required.hourly_rate': 'Enter an hourly rate',
  'validate.required.fixed_price': 'Enter a fixed price',
  'validate.required.milestone_title': 'Give this milestone a title',
  'validate.below_min.hourly_rate': 'The hourly rate must be at least {min} an hour',
  'validate.below_min.fixed_price': 'The fixed price must be at least {min}',
  'validate.below_min.milestone_amount': 'Each milestone must be at least {min}',
  'validate.sum_mismatch': 'The milestones add up to {total}, but the fixed price is {price}',
  'validate.past': 'This date is in the past: choose today or later',
  'validate.end_before_start': 'The end date must be on or after the start date ({date})',
  'validate.due_before_start': 'Due before the start date ({date})',
  'validate.due_after_end': 'Due after the end date ({date})',
  'validate.due_before_previous': 'Due before the previous milestone ({date})',
  'validate.out_of_range': 'Choose a date between {from} and {to}',
  'validate.too_large': 'Enter at most {max}',
  'validate.invalid': 'This value can’t be used here',
  'validate.name.terms': 'The offer',
  'validate.name.milestone_title': 'Milestone {n}: title',
  'validate.name.milestone_amount': 'Milestone {n}: amount',
  'validate.name.milestone_due_date': 'Milestone {n}: due date',
  'validate.list_head': { one: 'Fix this before proposing:', other: 'Fix these {n} things before proposing:' },
  'validate.go_to': 'Go to {field}',
  'validate.rejected': 'Not saved — {field} can’t take that value. The previous value is back.',
  'locks.idle_released': 'Released after {s} seconds without typing. Type to edit it again.',
  'locks.hidden_self': 'Your focus is hidden, but the other party sees that you are editing this field.',
  'locks.someone': 'Someone',
  'header.hide_focus_help': 'Hides which field you are in. A money field you are editing stays locked, with your name on it.'
}

export default catalog
