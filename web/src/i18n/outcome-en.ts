// Reason categories (withdraw, decline, reject), their notices and the banner, and the closing
// satisfaction question (outcomes.ts), in English: merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'reason.legend': 'Main reason (required)',
  'reason.required': 'Choose the main reason.',
  'reason.terms': 'Terms',
  'reason.budget': 'Budget',
  'reason.timeline': 'Timeline',
  'reason.scope_unclear': 'Scope unclear',
  'reason.no_response': 'No response',
  'reason.hired_someone_else': 'Hired someone else',
  'reason.not_available': 'Not available',
  'reason.other': 'Other',
  'reason.note': 'In your words (optional)',
  'decide.reason_code_hint': 'You are declining every change: choose the main reason.',
  'closed.title_reason': '{status} — {category}',
  'notice.offer_withdrawn_code': '{name} withdrew the offer — {category}.',
  'notice.offer_withdrawn_code_reason': '{name} withdrew the offer — {category}: “{reason}”',
  'notice.offer_declined_code': '{name} declined the offer — {category}.',
  'notice.offer_declined_code_reason': '{name} declined the offer — {category}: “{reason}”',
  'notice.proposal_rejected_code': '{name} rejected the proposal — {category}.',
  'notice.proposal_rejected_code_reason': '{name} rejected the proposal — {category}: “{reason}”',
  'survey.title': 'One last question',
  'survey.question': 'How likely are you to recommend negotiating offers this way?',
  'survey.low': 'Not at all likely',
  'survey.high': 'Extremely likely',
  'survey.comment': 'Comment (optional)',
  'survey.send': 'Send',
  'survey.sending': 'Sending…',
  'survey.not_now': 'Not now',
  'survey.thanks': 'Thanks for your answer.',
  'survey.error.no_score': 'Choose a number from 0 to 10.',
  'survey.error.not_closed': 'The offer is still open: you can answer once it has closed.',
  'survey.error.already_rated': 'You have already answered this question.',
  'survey.error.forbidden': 'Only the client and the freelancer are asked this question.',
  'survey.error.bad_request': 'This answer could not be read. Choose a number from 0 to 10 and keep the comment under 1,000 characters.',
  'survey.error.other': 'Your answer could not be sent. Try again.'
}

export default catalog
