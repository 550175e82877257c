// Answering a proposal change by change (decide.ts) and its notices, timeline rows and history
// lines, in English: merged into the main catalogs by ../i18n.ts.
import type { Catalog } from '../i18n'

const catalog: Catalog = {
  'decide.open': 'Answer change by change',
  'decide.close': 'Answer as a whole',
  'decide.intro': 'Accepted changes become the next version at once; countered ones become your counter-proposal; declined ones are dropped.',
  'decide.foot': 'Your answer, change by change',
  'decide.group': 'Your answer on {change}',
  'decide.accepted': 'Accept',
  'decide.countered': 'Counter',
  'decide.declined': 'Decline',
  'decide.your_value': 'Your value',
  'decide.your_amount': 'Your amount',
  'decide.reason': 'Reason (optional, shown to the proposer)',
  'decide.send': 'Send decision',
  'decide.sending': 'Sending…',
  'decide.left': { one: '{n} change still needs an answer', other: '{n} changes still need an answer' },
  'decide.summary': '{accepted} accepted, {countered} countered, {declined} declined',
  'decide.bad_date': 'Enter a date such as 2026-12-31.',
  'decide.amount_required': 'Enter an amount.',
  'decide.yes': 'Yes',
  'decide.no': 'No',
  'decide.history.accepted': 'Accepted: {changes}',
  'decide.history.countered': 'Countered: {changes}',
  'decide.history.declined': 'Declined: {changes}',
  'decide.counter_to': 'A counter-proposal: the rest of the earlier proposal was answered change by change.',
  'neg.done.decide': 'Decision sent.',
  'notice.proposal_decided': '{name} accepted part of the proposal: version {version} is agreed.',
  'notice.proposal_decided_counter': '{name} accepted part of the proposal (version {version} is agreed) and countered the rest.',
  'notice.proposal_countered': '{name} countered the proposal.',
  'timeline.proposal_decided.name': '{name} countered the proposal',
  'timeline.proposal_decided.name_more': '{name} accepted part of the proposal: version {version} agreed',
  'timeline.proposal_decided.you': 'You countered the proposal',
  'timeline.proposal_decided.you_more': 'You accepted part of the proposal: version {version} agreed',
  'timeline.proposal_decided.nobody': 'Proposal countered',
  'timeline.proposal_decided.nobody_more': 'Part of the proposal accepted: version {version} agreed'
}

export default catalog
