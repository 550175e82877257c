"""The offer state machine: every legal and illegal transition, stale actions, the rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from server.offers.lifecycle import (
    Action,
    Actor,
    Code,
    OfferState,
    Pending,
    Refusal,
    Transition,
    check_rate_limit,
    decide,
    default_expiry,
    is_closed,
)
from server.offers.limits import Limits

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OPEN = OfferState(
    status="open",
    version=2,
    client_id="c-1",
    freelancer_id="f-1",
    expires_at=NOW + timedelta(days=10),
)
PENDING = msgspec.structs.replace(
    OPEN, pending=Pending(id="p-1", by="f-1", by_role="freelancer", base_version=2)
)
IDS: dict[Actor, str] = {"client": "c-1", "freelancer": "f-1", "viewer": "v-1", "system": "-"}


def run(
    state: OfferState,
    action: Action,
    role: Actor,
    *,
    base_version: int | None = 2,
    proposal_id: str | None = None,
    target_version: int | None = None,
    actor_id: str | None = None,
    now: datetime = NOW,
) -> Transition | Refusal:
    return decide(
        state,
        action,
        role,
        actor_id if actor_id is not None else IDS[role],
        now=now,
        base_version=base_version,
        proposal_id=proposal_id,
        target_version=target_version,
    )


def code(result: Transition | Refusal) -> str:
    return result.code.value if isinstance(result, Refusal) else "ok"


@pytest.mark.parametrize(
    ("action", "role", "expected"),
    [
        (Action.PROPOSE, "client", "ok"),
        (Action.PROPOSE, "freelancer", "ok"),
        (Action.PROPOSE, "viewer", "forbidden"),
        (Action.REVERT, "client", "ok"),
        (Action.ACCEPT, "client", "no_pending_proposal"),
        (Action.REJECT, "freelancer", "no_pending_proposal"),
        (Action.WITHDRAW_PROPOSAL, "client", "no_pending_proposal"),
        (Action.ACCEPT_OFFER, "freelancer", "ok"),
        (Action.ACCEPT_OFFER, "client", "forbidden"),
        (Action.WITHDRAW_OFFER, "client", "ok"),
        (Action.WITHDRAW_OFFER, "freelancer", "forbidden"),
        (Action.DECLINE_OFFER, "freelancer", "ok"),
        (Action.DECLINE_OFFER, "client", "forbidden"),
        (Action.DECLINE_OFFER, "viewer", "forbidden"),
        (Action.EXPIRE, "system", "not_expired"),
    ],
)
def test_open_without_pending(action: Action, role: Actor, expected: str) -> None:
    assert code(run(OPEN, action, role, target_version=1)) == expected


@pytest.mark.parametrize(
    ("action", "role", "expected"),
    [
        (Action.PROPOSE, "client", "proposal_pending"),
        (Action.PROPOSE, "freelancer", "proposal_pending"),
        (Action.REVERT, "client", "proposal_pending"),
        (Action.ACCEPT, "client", "ok"),
        (Action.ACCEPT, "freelancer", "not_your_turn"),
        (Action.REJECT, "client", "ok"),
        (Action.REJECT, "freelancer", "not_your_turn"),
        (Action.WITHDRAW_PROPOSAL, "freelancer", "ok"),
        (Action.WITHDRAW_PROPOSAL, "client", "forbidden"),
        (Action.ACCEPT, "viewer", "forbidden"),
        # The original stays acceptable while a change request is pending.
        (Action.ACCEPT_OFFER, "freelancer", "ok"),
        (Action.WITHDRAW_OFFER, "client", "ok"),
    ],
)
def test_open_with_pending(action: Action, role: Actor, expected: str) -> None:
    assert code(run(PENDING, action, role, target_version=1)) == expected


@pytest.mark.parametrize("status", ["agreed", "withdrawn", "declined", "expired"])
@pytest.mark.parametrize("action", [a for a in Action])
def test_closed_offers_refuse_everything(status: str, action: Action) -> None:
    state = msgspec.structs.replace(PENDING, status=status)
    role: Actor = "client" if action is Action.WITHDRAW_OFFER else "freelancer"
    if action is Action.EXPIRE:
        role = "system"
    assert code(run(state, action, role, target_version=1)) == "not_open"
    assert is_closed(status)


def test_transitions_say_what_happens() -> None:
    assert run(OPEN, Action.PROPOSE, "client") == Transition(
        Action.PROPOSE, "open", "proposed", pending="set"
    )
    assert run(PENDING, Action.ACCEPT, "client", proposal_id="p-1") == Transition(
        Action.ACCEPT, "open", "proposal_accepted", pending="clear", new_version=True
    )
    rejected = run(PENDING, Action.REJECT, "client")
    assert isinstance(rejected, Transition) and rejected.pending == "clear"
    assert not rejected.new_version
    agreed = run(PENDING, Action.ACCEPT_OFFER, "freelancer")
    assert isinstance(agreed, Transition)
    assert (agreed.status, agreed.event, agreed.pending) == ("agreed", "offer_accepted", "clear")
    assert code(run(OPEN, Action.WITHDRAW_OFFER, "client")) == "ok"
    withdrawn = run(OPEN, Action.WITHDRAW_OFFER, "client")
    assert isinstance(withdrawn, Transition) and withdrawn.status == "withdrawn"
    declined = run(OPEN, Action.DECLINE_OFFER, "freelancer")
    assert isinstance(declined, Transition) and declined.status == "declined"


def test_stale_base_version() -> None:
    result = run(PENDING, Action.ACCEPT, "client", base_version=1)
    assert isinstance(result, Refusal) and result.code is Code.STALE
    assert "version 2" in result.message
    assert code(run(OPEN, Action.ACCEPT_OFFER, "freelancer", base_version=1)) == "stale"
    assert code(run(OPEN, Action.PROPOSE, "client", base_version=3)) == "stale"


@pytest.mark.parametrize(
    ("state", "action", "role"),
    [
        (OPEN, Action.PROPOSE, "client"),
        (PENDING, Action.ACCEPT, "client"),
        (PENDING, Action.REJECT, "client"),
        (PENDING, Action.ACCEPT_OFFER, "freelancer"),
    ],
)
def test_binding_actions_must_name_a_version(
    state: OfferState, action: Action, role: Actor
) -> None:
    assert code(run(state, action, role, base_version=None)) == "bad_request"


def test_withdrawing_may_omit_the_version() -> None:
    # Withdrawing binds nothing to a version.
    assert code(run(OPEN, Action.WITHDRAW_OFFER, "client", base_version=None)) == "ok"


def test_answer_to_a_proposal_that_is_gone_is_stale() -> None:
    assert code(run(PENDING, Action.ACCEPT, "client", proposal_id="p-0")) == "stale"
    assert code(run(PENDING, Action.ACCEPT, "client", proposal_id="p-1")) == "ok"


def test_tokens_must_match_the_party() -> None:
    assert code(run(OPEN, Action.PROPOSE, "client", actor_id="c-2")) == "forbidden"
    assert code(run(OPEN, Action.ACCEPT_OFFER, "freelancer", actor_id="c-1")) == "forbidden"


def test_client_proposal_is_answered_by_freelancer() -> None:
    state = msgspec.structs.replace(
        OPEN, pending=Pending(id="p-2", by="c-1", by_role="client", base_version=2)
    )
    assert code(run(state, Action.ACCEPT, "freelancer")) == "ok"
    assert code(run(state, Action.ACCEPT, "client")) == "not_your_turn"
    assert code(run(state, Action.WITHDRAW_PROPOSAL, "client")) == "ok"


def test_revert_needs_an_existing_version() -> None:
    assert code(run(OPEN, Action.REVERT, "client", target_version=2)) == "ok"
    assert code(run(OPEN, Action.REVERT, "client", target_version=3)) == "no_such_version"
    assert code(run(OPEN, Action.REVERT, "client", target_version=0)) == "no_such_version"
    assert code(run(OPEN, Action.REVERT, "client", target_version=None)) == "no_such_version"


def test_expiry() -> None:
    later = OPEN.expires_at
    assert code(run(OPEN, Action.PROPOSE, "client", now=later)) == "expired"
    expired = run(OPEN, Action.EXPIRE, "system", now=later)
    assert isinstance(expired, Transition)
    assert (expired.status, expired.event) == ("expired", "offer_expired")
    assert code(run(OPEN, Action.EXPIRE, "system", now=later - timedelta(seconds=1))) == (
        "not_expired"
    )
    assert default_expiry(NOW, Limits()) == NOW + timedelta(days=30)


def test_rate_limit() -> None:
    limits = Limits()
    recent = [NOW - timedelta(minutes=m) for m in (50, 20, 5)]
    refusal = check_rate_limit(recent, NOW, limits)
    assert refusal is not None and refusal.code is Code.RATE_LIMITED
    assert refusal.retry_after_s == 10 * 60  # the oldest of the three leaves the window in 10 min
    assert "3 proposals per hour" in refusal.message
    assert check_rate_limit(recent[1:], NOW, limits) is None
    old = [NOW - timedelta(minutes=m) for m in (61, 70, 90, 5)]
    assert check_rate_limit(old, NOW, limits) is None
    assert check_rate_limit(recent, NOW, Limits(proposals_per_hour=4)) is None
    assert check_rate_limit([], NOW, limits) is None


def test_refusals_encode_as_wire_codes() -> None:
    refusal = run(PENDING, Action.PROPOSE, "client")
    assert msgspec.json.decode(msgspec.json.encode(refusal))["code"] == "proposal_pending"
