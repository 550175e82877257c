// The assistant's en catalog (assist*.ts): merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'assist.title': 'Assistant',

  // the offer check
  'assist.check.title': 'What this offer still lacks',
  'assist.check.owner.mine': 'Yours to add',
  'assist.check.owner.both': 'Either of you can add this',
  'assist.check.owner.named': 'For {name} to add',
  'assist.check.owner.theirs': 'For the other party to add',
  'assist.check.sev.warning': 'Important',
  'assist.check.sev.info': 'Suggestion',
  'assist.check.fix': 'Go to {field}',
  'assist.check.ask': 'Ask about this',
  'assist.check.asking': 'Asking…',
  'assist.check.asked': 'Asked',
  'assist.check.askLabel': 'Ask the other party: “{question}”',
  'assist.check.askLabelNamed': 'Ask {name}: “{question}”',
  'assist.marker.one': 'Offer check: {text}',
  'assist.marker.many': { one: '{n} point of the offer check is about {field}', other: '{n} points of the offer check are about {field}' },

  // the draft's private flags
  'assist.flags.head': 'Only you see this',
  'assist.flags.sub': { one: '{n} risk signal in the draft', other: '{n} risk signals in the draft' },
  'assist.flags.sev.danger': 'High risk',
  'assist.flags.sev.warning': 'Caution',
  'assist.flags.sev.info': 'Note',
  'assist.flags.milestone': 'Milestone {n}',
  'assist.flags.foot': 'The other party does not see these signals, and they never block anything.',

  // a middle ground
  'assist.suggest.button': 'Suggest a middle ground',
  'assist.suggest.asking': 'Looking for a middle ground…',
  'assist.suggest.hint': 'Terms between your position and the other party’s, for you alone to review.',
  'assist.suggest.title': 'A middle ground',
  'assist.suggest.private': 'Only you see this suggestion. Nothing changes until you apply it.',
  'assist.suggest.nothing': 'There is nothing to suggest right now.',
  'assist.suggest.dismiss': 'Close',
  'assist.suggest.you': 'You',
  'assist.suggest.them': 'The other party',
  'assist.suggest.value': 'Middle ground',
  'assist.suggest.structure': '{field}: another way to structure it',
  'assist.suggest.apply': 'Apply to my draft',
  'assist.suggest.never': 'Applying fills your draft; nothing is proposed until you propose it.',
  'assist.suggest.frozen': 'A proposal is pending: the draft can be changed once it is answered.',
  'assist.suggest.readOnly': 'The draft cannot be changed right now.',
  'assist.suggest.toast': 'Your draft was filled with the middle ground. Review it, then propose it when you are ready.',
  'assist.suggest.skipped': '{field} was left as it is: {name} is editing it.',
  'assist.suggest.unusable': 'This suggestion could not be applied to the draft.',

  // values
  'assist.value.notSet': 'not set',
  'assist.value.noLimit': 'no limit',
  'assist.value.perHour': '{amount}/h',
  'assist.value.hoursPerWeek': { one: '{n} h/week', other: '{n} h/week' },
  'assist.value.milestones': { one: '{n} milestone, {total} in total', other: '{n} milestones, {total} in total' },
  'assist.value.milestone': '{title}: {amount}',
  'assist.value.milestoneDue': '{title}: {amount}, due {date}',
  'assist.value.untitled': 'Untitled',

  // reports
  'assist.report.open': 'Report…',
  'assist.report.openLabel': 'Report {name} to the marketplace',
  'assist.report.title': 'Report {name}',
  'assist.report.intro': 'Your report goes to the marketplace’s trust team, not to {name}.',
  'assist.report.category': 'What happened?',
  'assist.report.choose': 'Choose…',
  'assist.report.cat.scam': 'Scam or fraud',
  'assist.report.cat.off_platform': 'Wants to talk or pay outside the platform',
  'assist.report.cat.personal_data': 'Asks for personal data',
  'assist.report.cat.harassment': 'Harassment or abuse',
  'assist.report.cat.spam': 'Spam',
  'assist.report.cat.other': 'Something else',
  'assist.report.needCategory': 'Choose what happened.',
  'assist.report.reason': 'What should the trust team know? (optional)',
  'assist.report.counter': '{n} / {max} characters',
  'assist.report.send': 'Send report',
  'assist.report.sending': 'Sending…',
  'assist.report.cancel': 'Cancel',
  'assist.report.close': 'Close',
  'assist.report.done': 'Thanks — the marketplace’s trust team has been told.',

  // errors
  'assist.error.rateLimitedSoon': 'You did that often just now. Try again in a moment.',
  'assist.error.rateLimitedSeconds': { one: 'You did that often just now. Try again in {n} second.', other: 'You did that often just now. Try again in {n} seconds.' },
  'assist.error.rateLimitedMinutes': { one: 'You did that often just now. Try again in {n} minute.', other: 'You did that often just now. Try again in {n} minutes.' },
  'assist.error.offline': 'Not connected. Try again when the connection is back.',
  'assist.error.timeout': 'No answer from the server. Try again.',
  'assist.error.failed': 'That did not work. Try again.',

  // explanations
  'assist.explain.fallback.ungrounded': 'The AI’s answer could not be checked against the terms, so the standard explanation follows.',
  'assist.explain.fallback.timeout': 'The AI took too long to answer, so the standard explanation follows.',
  'assist.explain.fallback.error': 'The AI’s answer failed, so the standard explanation follows.',
  'assist.explain.fallback.wrong_language': 'The AI answered in another language, so the standard explanation follows.',
  'assist.explain.fallback.other': 'The AI’s answer could not be used, so the standard explanation follows.',
  'assist.explain.asOther': 'As the other party sees it:'
}

export default catalog
