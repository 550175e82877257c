"""The offer state machine (docs/RULES.md, "Lifecycle"), as pure decisions.

``decide`` answers "may this actor do this now, and what happens if so?" from a snapshot of the
offer. It performs nothing: the negotiation layer applies a ``Transition`` inside its store
transaction (a compare-and-set on the version) and turns a ``Refusal`` into ``error{code}``. Keeping
the rules here means REST, the socket and every server node share one copy of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

import msgspec

from server.offers.limits import Limits

Status = Literal["open", "agreed", "withdrawn", "declined", "expired"]
Role = Literal["client", "freelancer", "viewer"]
#: Who may act: a participant role, or the server itself (expiry).
Actor = Literal["client", "freelancer", "viewer", "system"]
PendingEffect = Literal["keep", "set", "clear"]

OPEN: Status = "open"
CLOSED_STATUSES: frozenset[str] = frozenset({"agreed", "withdrawn", "declined", "expired"})
RATE_WINDOW = timedelta(hours=1)


class Action(StrEnum):
    PROPOSE = "propose"
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW_PROPOSAL = "withdraw_proposal"
    REVERT = "revert"
    ACCEPT_OFFER = "accept_offer"
    WITHDRAW_OFFER = "withdraw_offer"
    DECLINE_OFFER = "decline_offer"
    EXPIRE = "expire"
    #: Accept, counter or decline the pending proposal change by change (``decision_outcome``).
    DECIDE = "decide"


class Code(StrEnum):
    """Why an action was refused; the value is the wire ``error.code``."""

    NOT_OPEN = "not_open"
    EXPIRED = "expired"
    NOT_EXPIRED = "not_expired"
    FORBIDDEN = "forbidden"
    NOT_YOUR_TURN = "not_your_turn"
    NO_PENDING_PROPOSAL = "no_pending_proposal"
    PROPOSAL_PENDING = "proposal_pending"
    STALE = "stale"
    NO_SUCH_VERSION = "no_such_version"
    BAD_REQUEST = "bad_request"
    RATE_LIMITED = "rate_limited"


class Pending(msgspec.Struct, frozen=True):
    """The proposal awaiting an answer."""

    id: str
    by: str  # user id of the proposer
    by_role: Role
    base_version: int


class OfferState(msgspec.Struct, frozen=True):
    status: Status
    version: int
    client_id: str
    freelancer_id: str
    expires_at: datetime
    pending: Pending | None = None


class Transition(msgspec.Struct, frozen=True):
    """What an allowed action does: the status after it, the pending proposal, a new version."""

    action: Action
    status: Status
    #: Event kind for the audit log.
    event: str
    pending: PendingEffect = "keep"
    new_version: bool = False


class Refusal(msgspec.Struct, frozen=True):
    code: Code
    message: str
    #: For ``rate_limited``: seconds until the next proposal is allowed.
    retry_after_s: int | None = None


# Which roles may take each action; "system" only expires (anyone's access may trigger it).
_ROLES: dict[Action, frozenset[str]] = {
    Action.PROPOSE: frozenset({"client", "freelancer"}),
    Action.ACCEPT: frozenset({"client", "freelancer"}),
    Action.REJECT: frozenset({"client", "freelancer"}),
    Action.WITHDRAW_PROPOSAL: frozenset({"client", "freelancer"}),
    Action.REVERT: frozenset({"client", "freelancer"}),
    Action.ACCEPT_OFFER: frozenset({"freelancer"}),
    Action.WITHDRAW_OFFER: frozenset({"client"}),
    Action.DECLINE_OFFER: frozenset({"freelancer"}),
    Action.EXPIRE: frozenset({"client", "freelancer", "viewer", "system"}),
    Action.DECIDE: frozenset({"client", "freelancer"}),
}
_RESULT: dict[Action, tuple[Status, str, PendingEffect, bool]] = {
    Action.PROPOSE: ("open", "proposed", "set", False),
    Action.ACCEPT: ("open", "proposal_accepted", "clear", True),
    Action.REJECT: ("open", "proposal_rejected", "clear", False),
    Action.WITHDRAW_PROPOSAL: ("open", "proposal_withdrawn", "clear", False),
    Action.REVERT: ("open", "reverted", "keep", False),
    # The original stays acceptable while a change request is pending (docs/RULES.md,
    # "Negotiation"); accepting the offer closes that request.
    Action.ACCEPT_OFFER: ("agreed", "offer_accepted", "clear", False),
    Action.WITHDRAW_OFFER: ("withdrawn", "offer_withdrawn", "clear", False),
    Action.DECLINE_OFFER: ("declined", "offer_declined", "clear", False),
    Action.EXPIRE: ("expired", "offer_expired", "clear", False),
    # What a decision writes depends on its outcomes (``decision_outcome``): a new version when
    # something is accepted, a new pending proposal when something is countered.
    Action.DECIDE: ("open", "proposal_decided", "clear", False),
}
# Binding actions must say which version they bind to; an answer to a proposal must also be
# checked against the version it was made on.
_NEEDS_BASE = frozenset(
    {Action.PROPOSE, Action.ACCEPT, Action.REJECT, Action.ACCEPT_OFFER, Action.DECIDE}
)
#: Answers to the pending proposal: only the other party gives them.
_ANSWERS = (Action.ACCEPT, Action.REJECT, Action.WITHDRAW_PROPOSAL, Action.DECIDE)


def decide(
    state: OfferState,
    action: Action,
    actor_role: Actor,
    actor_id: str,
    *,
    now: datetime,
    base_version: int | None = None,
    proposal_id: str | None = None,
    target_version: int | None = None,
) -> Transition | Refusal:
    """Whether ``actor`` may take ``action`` on ``state`` at ``now``, and what it does if so.

    ``base_version`` is the version the actor was looking at; ``proposal_id`` the proposal an
    accept/reject/withdraw answers; ``target_version`` the version a revert loads.
    """
    if actor_role not in _ROLES[action]:
        return Refusal(Code.FORBIDDEN, f"a {actor_role} cannot {action.value.replace('_', ' ')}")
    if not _is_party(state, actor_role, actor_id):
        return Refusal(Code.FORBIDDEN, f"you are not this offer's {actor_role}")
    if state.status != OPEN:
        return Refusal(Code.NOT_OPEN, f"the offer is {state.status}")
    expired = now >= state.expires_at
    if action is Action.EXPIRE:
        if not expired:
            return Refusal(Code.NOT_EXPIRED, "the offer has not reached its expiry time")
        return _allow(action)
    if expired:
        return Refusal(Code.EXPIRED, "the offer has expired")
    if base_version is None and action in _NEEDS_BASE:
        return Refusal(Code.BAD_REQUEST, f"{action.value} must name the version it applies to")
    if base_version is not None and base_version != state.version:
        return Refusal(
            Code.STALE, f"the offer is at version {state.version}, not {base_version}; reload"
        )
    pending = state.pending
    if action in (Action.PROPOSE, Action.REVERT):
        if pending is not None:
            return Refusal(Code.PROPOSAL_PENDING, "a proposal is pending; the draft is frozen")
        if action is Action.REVERT and (
            target_version is None or not 1 <= target_version <= state.version
        ):
            return Refusal(Code.NO_SUCH_VERSION, f"there is no version {target_version}")
        return _allow(action)
    if action in _ANSWERS:
        if action is Action.DECIDE and proposal_id is None:
            return Refusal(Code.BAD_REQUEST, "decide must name the proposal it answers")
        if pending is None:
            return Refusal(Code.NO_PENDING_PROPOSAL, "there is no pending proposal")
        if proposal_id is not None and proposal_id != pending.id:
            return Refusal(Code.STALE, "that proposal is no longer pending; reload")
        is_proposer = actor_id == pending.by
        if action is Action.WITHDRAW_PROPOSAL and not is_proposer:
            return Refusal(Code.FORBIDDEN, "only the proposer can withdraw a proposal")
        if action is not Action.WITHDRAW_PROPOSAL and is_proposer:
            return Refusal(Code.NOT_YOUR_TURN, "the other party answers this proposal")
    return _allow(action)


class DecisionOutcome(msgspec.Struct, frozen=True):
    """What a per-change decision does to the proposal, and the audit event it writes."""

    #: The proposal's status after it: accepted | partially_accepted | countered | rejected.
    status: str
    event: str
    new_version: bool
    counter: bool


def decision_outcome(accepted: int, countered: int, declined: int) -> DecisionOutcome | Refusal:
    """How many changes were accepted, countered and declined -> what the decision is.

    Everything accepted is a plain accept, everything declined a plain reject (their usual
    events); anything between is ``proposal_decided``: a partial accept when something is
    accepted, a counter when nothing is.
    """
    if min(accepted, countered, declined) < 0 or accepted + countered + declined == 0:
        return Refusal(Code.BAD_REQUEST, "a decision names every change of the proposal")
    counter = countered > 0
    if countered == 0 and declined == 0:
        return DecisionOutcome("accepted", "proposal_accepted", True, False)
    if accepted == 0 and countered == 0:
        return DecisionOutcome("rejected", "proposal_rejected", False, False)
    status = "partially_accepted" if accepted else "countered"
    return DecisionOutcome(status, "proposal_decided", accepted > 0, counter)


def _is_party(state: OfferState, role: Actor, actor_id: str) -> bool:
    # A token's role must match the party it names, so a client token for another user id is
    # refused rather than trusted.
    if role == "client":
        return actor_id == state.client_id
    if role == "freelancer":
        return actor_id == state.freelancer_id
    return True


def _allow(action: Action) -> Transition:
    status, event, pending, new_version = _RESULT[action]
    return Transition(action, status, event, pending, new_version)


def check_rate_limit(recent: Sequence[datetime], now: datetime, limits: Limits) -> Refusal | None:
    """Refuse a proposal when the party made ``limits.proposals_per_hour`` in the past hour.

    ``recent`` holds the times of the party's earlier proposals (any order, older ones ignored).
    """
    window = sorted(t for t in recent if now - RATE_WINDOW < t <= now)
    if len(window) < limits.proposals_per_hour:
        return None
    # The oldest proposal that still counts decides when a slot frees up.
    oldest = window[len(window) - limits.proposals_per_hour]
    wait = oldest + RATE_WINDOW - now
    retry = max(1, int(-(-wait.total_seconds() // 1)))
    return Refusal(
        Code.RATE_LIMITED,
        f"at most {limits.proposals_per_hour} proposals per hour; "
        f"try again in {-(-retry // 60)} min",
        retry_after_s=retry,
    )


def default_expiry(created_at: datetime, limits: Limits) -> datetime:
    """When an offer created at ``created_at`` expires if nobody acts (reference: 30 days;
    ``offer_ttl_minutes`` when set)."""
    return created_at + limits.offer_lifetime()


def is_closed(status: str) -> bool:
    return status in CLOSED_STATUSES
