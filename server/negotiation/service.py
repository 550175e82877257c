"""Negotiation commands: propose, accept, reject, withdraw, revert, and the offer's own fate.

One code path serves the socket and REST. A command is decided by the pure state machine
(``offers.lifecycle``), made durable by the store's compare-and-set ``commit`` (so two nodes, or
an accept racing a withdraw, cannot both win), and only then written into the shared doc and
announced. A retry with the same command id gets the stored answer instead of a second effect.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import msgspec

from server.advice.service import Assistant
from server.bus.base import BusMessage
from server.config import Config
from server.conversation.rules import clean_body
from server.conversation.service import Conversation
from server.errors import CommandError
from server.metrics import Metrics
from server.negotiation import effects
from server.negotiation.explaining import Explanations
from server.notify.schedule import waiting_reminder
from server.offers.checks import FieldError, TermsInvalid
from server.offers.diff import changed_fields
from server.offers.lifecycle import (
    Action,
    OfferState,
    Pending,
    Refusal,
    check_rate_limit,
    decide,
    decision_outcome,
)
from server.offers.partial import DecisionInvalid, split
from server.offers.policy import applicable_terms, check_proposal
from server.offers.reasons import reason_problem
from server.rooms.connection import Connection
from server.rooms.room import Room
from server.store.base import (
    AlreadyRated,
    CommandRecord,
    Conflict,
    Decision,
    Expect,
    NewEvent,
    NotClosed,
    ProposalRecord,
    Rating,
    Store,
    VersionRecord,
    Write,
    content_hash,
)
from server.tasks import Tasks
from server.wire import (
    ASSIST_COMMAND_TYPES,
    THREAD_COMMAND_TYPES,
    Accept,
    AcceptOffer,
    Ack,
    AssistCommand,
    Command,
    Decide,
    DeclineOffer,
    Error,
    FieldProblem,
    Notice,
    Propose,
    Rate,
    Reject,
    Revert,
    Survey,
    ThreadCommand,
    UserInfo,
    WithdrawOffer,
    WithdrawProposal,
    app_frame,
)

log = logging.getLogger("offer_room.negotiation")

#: Notes and reasons are shown to the other party; a paragraph is plenty.
TEXT_MAX = 2000
#: The closing question's optional comment: a few sentences for the integrator.
RATING_COMMENT_MAX = 1000
SYSTEM = UserInfo(id="system", name="offer-room", role="viewer", color="#6b7280")

_ACTIONS: dict[type, Action] = {
    Propose: Action.PROPOSE,
    Accept: Action.ACCEPT,
    Reject: Action.REJECT,
    WithdrawProposal: Action.WITHDRAW_PROPOSAL,
    Revert: Action.REVERT,
    AcceptOffer: Action.ACCEPT_OFFER,
    WithdrawOffer: Action.WITHDRAW_OFFER,
    DeclineOffer: Action.DECLINE_OFFER,
    Decide: Action.DECIDE,
}
#: Events that carry a reason category, and the outcome the metrics count it under.
_REASONED = {"offer_withdrawn": "withdrawn", "offer_declined": "declined",
             "proposal_rejected": "rejected"}
_CLOSING = {
    Action.ACCEPT_OFFER: "accepted the offer",
    Action.WITHDRAW_OFFER: "withdrew the offer",
    Action.DECLINE_OFFER: "declined the offer",
    Action.EXPIRE: "expired",
}


class Negotiation:
    def __init__(
        self,
        store: Store,
        config: Config,
        explanations: Explanations,
        *,
        outbox: bool = False,
        after_commit: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tasks: Tasks | None = None,
        metrics: Metrics | None = None,
        conversation: Conversation | None = None,
        assistant: Assistant | None = None,
    ) -> None:
        self._store = store
        self._config = config
        self._metrics = metrics if metrics is not None else Metrics()
        #: The thread: its commands, its delivery on join, its system entries after a commit.
        self._conversation = conversation
        #: Advice as the draft changes, suggestions, reports, risk events (server/advice/).
        self._assistant = assistant
        self._explanations = explanations
        self._outbox = outbox
        self._after_commit = after_commit
        self._clock = clock
        self._tasks = tasks if tasks is not None else Tasks()

    # --- the room's hooks (server/rooms/hooks.py) ------------------------------------------------

    async def loaded(self, room: Room) -> None:
        """Bring a freshly loaded room in line with the store."""
        room.pending = await self._store.pending_proposal(room.offer_id)
        if effects.needs_reconcile(room.odoc, room.offer, room.pending):
            log.info("reconciling doc of offer %s with the store", room.offer_id)
            with room.server_write() as odoc:
                effects.write_offer_meta(odoc, room.offer)
                effects.write_committed(odoc, room.offer.terms)
                root = None
                if room.pending is not None:
                    root = effects.proposal_root(room.pending, room.offer.terms,
                                                 self._party(room, room.pending.by))
                effects.write_proposal(odoc, root)
        if room.pending is not None and room.pending.explanation is None:
            self._explanations.start(room, room.pending)  # interrupted by a restart
        await self.expire_if_due(room)

    def joined(self, room: Room, conn: Connection) -> None:
        self._explanations.on_join(room, conn)
        if room.offer.status != "open" and conn.user.role in ("client", "freelancer"):
            self._tasks.spawn("commands", self._survey_on_join(room, conn),
                              f"survey-{room.offer_id}")
        if self._conversation is not None:
            self._conversation.joined(room, conn)
        if self._assistant is not None:
            self._assistant.joined(room, conn)

    def edited(self, room: Room) -> None:
        if self._assistant is not None:
            self._assistant.edited(room)

    def command(
        self, room: Room, conn: Connection, cmd: Command | ThreadCommand | AssistCommand
    ) -> None:
        if isinstance(cmd, ASSIST_COMMAND_TYPES):
            if self._assistant is None:
                conn.send(app_frame(Error(code="unsupported", message="no assistant here",
                                          ref=getattr(cmd, "id", None))))
            else:
                self._assistant.command(room, conn, cmd)  # type: ignore[arg-type]
            return
        if isinstance(cmd, THREAD_COMMAND_TYPES):
            if self._conversation is None:
                conn.send(app_frame(Error(code="unsupported", message="no conversation here",
                                          ref=getattr(cmd, "id", None))))
            else:
                self._conversation.command(room, conn, cmd)  # type: ignore[arg-type]
            return
        self._tasks.spawn("commands", self._socket_command(room, conn, cmd),  # type: ignore[arg-type]
                          f"command-{type(cmd).__name__}")

    def remote(self, room: Room, msg: BusMessage) -> None:
        if msg.kind == "thread":
            if self._conversation is not None:
                self._conversation.remote(room, msg.data)
        elif msg.kind == "explain_done":
            self._explanations.on_remote_done(room, msg)
        elif msg.kind in ("state", "resync"):  # another node changed it, or we may have missed it
            self._tasks.spawn("commands", self.refresh(room), f"refresh-{room.offer_id}")
            self.edited(room)

    async def refresh(self, room: Room) -> None:
        """Another node changed the negotiation: re-read status, version and the proposal."""
        async with room.command_lock:
            offer = await self._store.get_offer(room.offer_id)
            if offer is None:
                return
            was_open = room.offer.status == "open"
            room.offer = offer
            room.pending = await self._store.pending_proposal(room.offer_id)
            if offer.status != "open":
                room.close_for_edits()
                if was_open:  # closed on another node: ask this node's sockets
                    self._ask_rating(room)

    async def _socket_command(self, room: Room, conn: Connection, cmd: Command) -> None:
        try:
            ack = await self.run(room, conn.user, cmd)
        except CommandError as exc:
            conn.send(app_frame(Error(code=exc.code, message=exc.message, ref=cmd.id,
                                      fields=exc.fields, retry_after_s=exc.retry_after_s)))
        except Exception:
            log.exception("command %s failed in offer %s", type(cmd).__name__, room.offer_id)
            conn.send(app_frame(Error(code="internal", message="the command failed; try again",
                                      ref=cmd.id)))
        else:
            conn.send(app_frame(ack))

    # --- the command path ------------------------------------------------------------------

    async def run(self, room: Room, actor: UserInfo, cmd: Command) -> Ack:
        """Run one command for ``actor``; raises CommandError with a wire code when refused."""
        async with room.command_lock:
            if cmd.id is not None:
                if len(cmd.id) > 100:
                    raise CommandError("bad_request", "command ids are at most 100 characters")
                done = await self._store.get_command(room.offer_id, cmd.id)
                if done is not None:
                    return msgspec.convert(done.result, Ack)
            await self._expire_locked(room)
            if isinstance(cmd, Rate):
                return await self._rate(room, actor, cmd)
            action = _ACTIONS[type(cmd)]
            outcome = decide(
                self._state(room), action, actor.role, actor.id, now=self._clock(),
                base_version=getattr(cmd, "base_version", None),
                proposal_id=getattr(cmd, "proposal_id", None),
                target_version=getattr(cmd, "version", None),
            )
            if isinstance(outcome, Refusal):
                raise CommandError(outcome.code.value, outcome.message,
                                   retry_after_s=outcome.retry_after_s)
            for what in ("note", "reason"):
                text = getattr(cmd, what, None)
                if text is None:
                    continue
                if len(text) > TEXT_MAX:
                    raise CommandError("bad_request", f"at most {TEXT_MAX} characters, please")
                # No control or direction characters: the other party reads it, and PostgreSQL
                # refuses a NUL byte (that was a 500 there).
                clean_body(text, TEXT_MAX, what=what, optional=True)
            code = getattr(cmd, "reason_code", None)
            problem = reason_problem("reject" if isinstance(cmd, Decide) else action.value, code)
            if problem is not None:
                raise CommandError("bad_request", problem)
            if isinstance(cmd, Propose):
                return await self._propose(room, actor, cmd)
            if isinstance(cmd, Accept):
                return await self._accept(room, actor, cmd)
            if isinstance(cmd, (Reject, WithdrawProposal)):
                return await self._answer(room, actor, cmd)
            if isinstance(cmd, Revert):
                return await self._revert(room, actor, cmd)
            if isinstance(cmd, Decide):
                return await self._decide(room, actor, cmd)
            return await self._close(room, actor, action, cmd.id, getattr(cmd, "reason", None),
                                     code)

    async def _propose(self, room: Room, actor: UserInfo, cmd: Propose) -> Ack:
        try:
            # Only the fields the contract type uses are proposed: after an hourly <-> fixed
            # switch the other type's values linger in the draft but are not part of the deal.
            draft = applicable_terms(room.draft())
        except TermsInvalid as exc:  # the guard keeps this from happening; say so if it does
            raise CommandError("invalid_terms", str(exc), _problems(exc)) from exc
        committed = room.offer.terms
        if draft == applicable_terms(committed):
            raise CommandError("no_changes", "The draft is the same as the agreed version.")
        now = self._clock()
        problems = check_proposal(draft, committed, self._config.limits, now.date())
        if problems:
            raise CommandError("invalid_terms", problems[0].message,
                               [FieldProblem(p.field, p.message, p.code or None, p.params)
                                for p in problems])
        recent = await self._store.proposal_times(room.offer_id, actor.id, now - timedelta(hours=1))
        limited = check_rate_limit(recent, now, self._config.limits)
        if limited is not None:
            raise CommandError(limited.code.value, limited.message,
                               retry_after_s=limited.retry_after_s)
        proposal = ProposalRecord(
            id=f"p-{secrets.token_hex(6)}", offer_id=room.offer_id, by=actor.id,
            by_role=actor.role, base_version=room.offer.version, terms=draft, created_at=now,
            note=(cmd.note or "").strip() or None,
        )
        proposal = self._unexplained(room, proposal)
        ack = self._ack("propose", cmd.id, room.offer.status, room.offer.version, proposal.id)
        room.pending = proposal  # freeze the draft now: edits arriving during the commit wait
        try:
            await self._commit(room, Expect(room.offer.version), Write(
                events=[NewEvent("proposed", actor.id, proposal.note, {
                    "proposal_id": proposal.id, "base_version": proposal.base_version,
                    "fields": changed_fields(committed, draft)})],
                proposal=proposal, command=self._record(room, cmd.id, actor, ack)))
        except BaseException:
            room.pending = None
            raise
        with room.server_write() as odoc:
            effects.write_proposal(odoc, effects.proposal_root(proposal, committed,
                                                               _who(actor)))
        self._notify(room, actor, "proposed", f"{actor.name} proposed changes.")
        other = room.offer.freelancer if actor.role == "client" else room.offer.client
        if room.features.reminders:
            await self._store.schedule_reminder(waiting_reminder(
                room.offer_id, other.id, proposal.id, self._config.remind_waiting_after_s, now))
        flags = self._explanations.start(room, proposal)
        if self._assistant is not None:
            await self._assistant.proposal_flagged(room.offer_id, proposal, flags)
        return ack

    async def _accept(self, room: Room, actor: UserInfo, cmd: Accept) -> Ack:
        proposal = room.pending
        assert proposal is not None  # decide() refused otherwise
        # The stored explanation, not this node's streaming flag: in a cluster the proposal
        # may have been explained on another node.
        if proposal.explanation is None:
            raise CommandError("explanation_pending",
                               "The explanation is still being written; accept once it is done.")
        number = room.offer.version + 1
        version = VersionRecord(
            offer_id=room.offer_id, number=number, terms=proposal.terms, created_at=self._clock(),
            author=proposal.by, accepted_by=actor.id, proposal_id=proposal.id,
            content_hash=content_hash(proposal.terms),
        )
        ack = self._ack("accept", cmd.id, "open", number, proposal.id)
        await self._commit(room, Expect(room.offer.version, pending=proposal.id), Write(
            events=[NewEvent("proposal_accepted", actor.id, None,
                             {"proposal_id": proposal.id, "version": number})],
            version=version, decision=Decision(proposal.id, "accepted", actor.id),
            command=self._record(room, cmd.id, actor, ack)))
        room.offer = msgspec.structs.replace(room.offer, version=number, terms=proposal.terms)
        room.pending = None
        with room.server_write() as odoc:
            odoc.write_terms(proposal.terms)
            effects.write_committed(odoc, proposal.terms)
            effects.write_offer_meta(odoc, room.offer)
            effects.write_proposal(odoc, None)
            effects.clear_changed_by(odoc)
        await self._store.cancel_reminders(room.offer_id, kind="waiting", ref=proposal.id)
        self._notify(room, actor, "proposal_accepted",
                     f"{actor.name} accepted the proposal: version {number} is agreed.",
                     version=number)
        return ack

    async def _decide(self, room: Room, actor: UserInfo, cmd: Decide) -> Ack:
        """Accept some changes, counter or decline the rest, in one compare-and-set commit: the
        accepted ones become version n+1, the countered ones a counter-proposal by ``actor``."""
        proposal = room.pending
        assert proposal is not None  # decide() refused otherwise
        committed = room.offer.terms
        try:
            parts = split(committed, proposal.terms, cmd.accept, cmd.counter, cmd.decline,
                          self._config.limits)
        except DecisionInvalid as exc:
            raise CommandError(exc.code, exc.message, _wire_problems(exc.fields)) from exc
        counts = [sum(o == kind for o in parts.outcomes.values())
                  for kind in ("accepted", "countered", "declined")]
        outcome = decision_outcome(*counts)
        if isinstance(outcome, Refusal):  # a proposal always has changes; said if it has none
            raise CommandError(outcome.code.value, outcome.message)
        if outcome.new_version and proposal.explanation is None:
            raise CommandError("explanation_pending",
                               "The explanation is still being written; accept once it is done.")
        now = self._clock()
        limits = self._config.limits
        version = None
        number = room.offer.version
        if parts.version is not None:
            # The accepted changes were valid on the day they were proposed; together they must
            # still make valid terms (e.g. milestones adding up to an accepted fixed price).
            problems = [p for p in check_proposal(parts.version, committed, limits,
                                                  proposal.created_at.date())
                        if p.field != "terms"]
            if problems:
                raise CommandError("invalid_terms", problems[0].message, _wire_problems(problems))
            number += 1
            version = VersionRecord(
                offer_id=room.offer_id, number=number, terms=parts.version, created_at=now,
                author=proposal.by, accepted_by=actor.id, proposal_id=proposal.id,
                content_hash=content_hash(parts.version))
        base = parts.version if parts.version is not None else committed
        counter = None
        if parts.counter is not None:
            if applicable_terms(parts.counter) == applicable_terms(base):
                raise CommandError("no_changes",
                                   "The counter-proposal is the same as the agreed terms.")
            problems = check_proposal(parts.counter, base, limits, now.date())
            if problems:
                raise CommandError("invalid_terms", problems[0].message, _wire_problems(problems))
            recent = await self._store.proposal_times(room.offer_id, actor.id,
                                                      now - timedelta(hours=1))
            limited = check_rate_limit(recent, now, limits)
            if limited is not None:
                raise CommandError(limited.code.value, limited.message,
                                   retry_after_s=limited.retry_after_s)
            counter = ProposalRecord(
                id=f"p-{secrets.token_hex(6)}", offer_id=room.offer_id, by=actor.id,
                by_role=actor.role, base_version=number, terms=applicable_terms(parts.counter),
                created_at=now, note=(cmd.note or "").strip() or None, counter_to=proposal.id)
            counter = self._unexplained(room, counter)
        reason = (cmd.reason or "").strip() or None
        outcomes: dict[str, str] = dict(parts.outcomes)
        payload: dict[str, object] = {"proposal_id": proposal.id, "outcomes": outcomes}
        if cmd.reason_code is not None:
            payload["reason_code"] = cmd.reason_code
        if version is not None:
            payload["version"] = number
        if counter is not None:
            payload["counter_proposal_id"] = counter.id
        events = [NewEvent(outcome.event, actor.id, reason, payload)]
        if counter is not None:
            events.append(NewEvent("proposed", actor.id, counter.note, {
                "proposal_id": counter.id, "base_version": number, "counter_to": proposal.id,
                "fields": changed_fields(base, counter.terms)}))
        ack = self._ack("decide", cmd.id, "open", number, proposal.id)
        await self._commit(room, Expect(room.offer.version, pending=proposal.id), Write(
            events=events, version=version, proposal=counter,
            decision=Decision(proposal.id, outcome.status, actor.id, reason, outcomes),
            command=self._record(room, cmd.id, actor, ack)))
        if version is not None:
            room.offer = msgspec.structs.replace(room.offer, version=number, terms=version.terms)
        room.pending = counter
        self._explanations.cancel(room)
        with room.server_write() as odoc:
            odoc.write_terms(counter.terms if counter is not None else base)
            effects.write_committed(odoc, room.offer.terms)
            effects.write_offer_meta(odoc, room.offer)
            effects.clear_changed_by(odoc)
            if counter is not None:
                for field in changed_fields(base, counter.terms):
                    odoc.changed_by[field] = [_who(actor)]  # server/crdt/attribution.py
                effects.write_proposal(odoc, effects.proposal_root(counter, room.offer.terms,
                                                                   _who(actor)))
            else:
                effects.write_proposal(odoc, None)
        await self._store.cancel_reminders(room.offer_id, kind="waiting", ref=proposal.id)
        if outcome.event == "proposal_decided":
            text = (f"{actor.name} accepted part of the proposal: version {number} is agreed"
                    if version is not None else f"{actor.name} answered the proposal")
            text += "; the rest is a counter-proposal." if counter is not None else "."
            self._notify(room, actor, "proposal_decided",
                         text + (f" “{reason}”" if reason else ""),
                         version=number if version is not None else None, reason=reason,
                         accepted=counts[0], countered=counts[1], declined=counts[2])
        elif outcome.event == "proposal_accepted":
            self._notify(room, actor, "proposal_accepted",
                         f"{actor.name} accepted the proposal: version {number} is agreed.",
                         version=number)
        else:
            self._notify(room, actor, "proposal_rejected", f"{actor.name} rejected the proposal."
                         + (f" “{reason}”" if reason else ""), reason=reason,
                         reason_code=cmd.reason_code)
        if counter is not None:
            other = room.offer.freelancer if actor.role == "client" else room.offer.client
            if room.features.reminders:
                await self._store.schedule_reminder(waiting_reminder(
                    room.offer_id, other.id, counter.id, self._config.remind_waiting_after_s,
                    now))
            flags = self._explanations.start(room, counter)
            if self._assistant is not None:
                await self._assistant.proposal_flagged(room.offer_id, counter, flags)
        return ack

    async def _answer(self, room: Room, actor: UserInfo, cmd: Reject | WithdrawProposal) -> Ack:
        proposal = room.pending
        assert proposal is not None
        rejecting = isinstance(cmd, Reject)
        status, kind = ("rejected", "reject") if rejecting else ("withdrawn", "withdraw_proposal")
        reason = ((cmd.reason or "").strip() or None) if isinstance(cmd, Reject) else None
        code = cmd.reason_code if isinstance(cmd, Reject) else None
        ack = self._ack(kind, cmd.id, "open", room.offer.version, proposal.id)
        payload: dict[str, object] = {"proposal_id": proposal.id}
        if code is not None:
            payload["reason_code"] = code
        await self._commit(room, Expect(room.offer.version, pending=proposal.id), Write(
            events=[NewEvent(f"proposal_{status}", actor.id, reason, payload)],
            decision=Decision(proposal.id, status, actor.id, reason),
            command=self._record(room, cmd.id, actor, ack)))
        room.pending = None
        self._explanations.cancel(room)
        with room.server_write() as odoc:
            if rejecting:  # the draft returns to the agreed terms; a withdrawal keeps it
                odoc.write_terms(room.offer.terms)
                effects.clear_changed_by(odoc)
            effects.write_proposal(odoc, None)
        text = f"{actor.name} {'rejected' if rejecting else 'withdrew'} the proposal."
        await self._store.cancel_reminders(room.offer_id, kind="waiting", ref=proposal.id)
        self._notify(room, actor, f"proposal_{status}", text + (f" “{reason}”" if reason else ""),
                     reason=reason, reason_code=code)
        return ack

    async def _revert(self, room: Room, actor: UserInfo, cmd: Revert) -> Ack:
        version = await self._store.get_version(room.offer_id, cmd.version)
        if version is None:
            raise CommandError("no_such_version", f"there is no version {cmd.version}")
        ack = self._ack("revert", cmd.id, "open", room.offer.version)
        await self._commit(room, Expect(room.offer.version), Write(
            events=[NewEvent("reverted", actor.id, None, {"version": cmd.version})],
            command=self._record(room, cmd.id, actor, ack)))
        try:
            draft = room.draft()
        except TermsInvalid:
            draft = room.offer.terms
        with room.server_write() as odoc:
            odoc.write_terms(version.terms)
            for field in changed_fields(draft, version.terms):
                odoc.changed_by[field] = [_who(actor)]  # server/crdt/attribution.py
        self._notify(room, actor, "reverted",
                     f"{actor.name} loaded version {cmd.version} into the draft.",
                     version=cmd.version)
        return ack

    async def _close(
        self, room: Room, actor: UserInfo, action: Action, ref: str | None, reason: str | None,
        code: str | None = None,
    ) -> Ack:
        status = {Action.ACCEPT_OFFER: "agreed", Action.WITHDRAW_OFFER: "withdrawn",
                  Action.DECLINE_OFFER: "declined", Action.EXPIRE: "expired"}[action]
        reason = (reason or "").strip() or None
        pending = room.pending
        ack = self._ack(action.value, ref, status, room.offer.version)
        event = f"offer_{'accepted' if status == 'agreed' else status}"
        payload: dict[str, object] = {"version": room.offer.version}
        if code is not None:
            payload["reason_code"] = code
        if action is Action.EXPIRE:
            # Whose answer the offer was waiting for when it ran out (the seed's research on
            # why freelancers let offers expire): the other side of a pending proposal, else
            # the freelancer, who alone accepts the offer.
            payload["turn"] = _turn(pending)
        await self._commit(
            room, Expect(room.offer.version, pending=pending.id if pending else None),
            Write(events=[NewEvent(event,
                                   None if actor is SYSTEM else actor.id, reason,
                                   payload)],
                  status=status,
                  decision=Decision(pending.id, "closed", actor.id) if pending else None,
                  command=self._record(room, ref, actor, ack)))
        room.offer = msgspec.structs.replace(room.offer, status=status)
        room.pending = None
        self._explanations.cancel(room)
        with room.server_write() as odoc:
            odoc.write_terms(room.offer.terms)  # what stands is the agreed version
            effects.clear_changed_by(odoc)
            effects.write_proposal(odoc, None)
            effects.write_offer_meta(odoc, room.offer)
            # Who closed it, when and why, for the banner (the audit log has it too).
            odoc.offer["closed"] = {
                "at": effects.iso(self._clock()),
                "by": None if actor is SYSTEM else _who(actor),
                "reason": reason,
                "reason_code": code,
            }
        room.close_for_edits()
        who = "This offer" if actor is SYSTEM else actor.name
        text = f"{who} {_CLOSING[action]}." + (f" “{reason}”" if reason else "")
        await self._store.cancel_reminders(room.offer_id)  # nothing to remind of any more
        # Notice kinds are the audit log's event kinds.
        self._notify(room, actor, event, text, reason=reason, reason_code=code)
        self._ask_rating(room)
        return ack

    # --- the closing question (docs/RULES.md, "Satisfaction") ---------------------------------

    async def _rate(self, room: Room, actor: UserInfo, cmd: Rate) -> Ack:
        offer = room.offer
        party = {"client": offer.client.id, "freelancer": offer.freelancer.id}.get(actor.role)
        if party is None or party != actor.id:
            raise CommandError("forbidden", "only the client and the freelancer are asked this")
        if not 0 <= cmd.score <= 10:
            raise CommandError("bad_request", "score must be a whole number from 0 to 10")
        comment = clean_body(cmd.comment or "", RATING_COMMENT_MAX, what="comment",
                             optional=True) or None
        try:
            await self._store.rate(room.offer_id, Rating(actor.id, actor.role, cmd.score, comment),
                                   outbox=self._outbox)
        except NotClosed as exc:
            raise CommandError("not_closed", "The offer is still open; this is asked once it "
                               "closes.") from exc
        except AlreadyRated as exc:
            self._metrics.limit_hit("ratings_per_party")
            raise CommandError("already_rated", "You have answered this already.") from exc
        self._metrics.rated(actor.role, cmd.score, offer.variant)
        if self._after_commit is not None:
            self._after_commit()  # the outbox has a new event to deliver
        for conn in room.conns:  # every tab of this party
            if conn.user.id == actor.id:
                conn.send(app_frame(Survey(rated=True, score=cmd.score)))
        return self._ack("rate", cmd.id, offer.status, offer.version)

    def _ask_rating(self, room: Room) -> None:
        """The offer closed: ask both parties, on every socket they have here (another node
        asks its own sockets when it re-reads the offer; a party who comes later is asked on
        joining)."""
        frame = app_frame(Survey(rated=False))
        for conn in room.conns:
            if conn.user.role in ("client", "freelancer"):
                conn.send(frame)

    async def _survey_on_join(self, room: Room, conn: Connection) -> None:
        events = await self._store.list_events(room.offer_id)
        score = next((e.payload.get("score") for e in events
                      if e.kind == "satisfaction_rated" and e.actor == conn.user.id), None)
        conn.send(app_frame(Survey(rated=score is not None, score=score)))

    # --- expiry ------------------------------------------------------------------------------

    async def expire_if_due(self, room: Room) -> None:
        async with room.command_lock:
            await self._expire_locked(room)

    async def _expire_locked(self, room: Room) -> None:
        if room.offer.status == "open" and self._clock() >= room.offer.expires_at:
            # Another node may have expired it first; _commit then refreshed our view.
            with contextlib.suppress(CommandError):
                await self._close(room, SYSTEM, Action.EXPIRE, None, None)

    # --- helpers -----------------------------------------------------------------------------

    async def _commit(self, room: Room, expect: Expect, write: Write) -> None:
        try:
            events = await self._store.commit(room.offer_id, expect, write, outbox=self._outbox)
        except Conflict as exc:
            if exc.offer is not None:
                room.offer = exc.offer
            room.pending = await self._store.pending_proposal(room.offer_id)
            raise CommandError("stale", "The offer changed meanwhile; reload and try again.") \
                from exc
        fault = self._config.fault
        if fault and fault == f"crash_after_commit:{write.events[0].kind}":
            os.kill(os.getpid(), signal.SIGKILL)  # crash tests: durable, but nobody told yet
        room.publish("state", b"")  # other nodes holding this room re-read it
        self.edited(room)  # the draft and the agreed version change with most commits
        if self._after_commit is not None:
            self._after_commit()
        for event in write.events:
            self._metrics.negotiation_event(event.kind)
            outcome = _REASONED.get(event.kind)
            if outcome is not None:
                self._metrics.close_reason(outcome, event.payload.get("reason_code"),
                                           room.offer.variant)
        if self._conversation is not None:
            await self._conversation.after_commit(room, events)
        if write.status is not None:  # the offer left "open": its outcome, counted once here
            rounds = len(await self._store.list_proposals(room.offer_id))
            seconds = (self._clock() - room.offer.created_at).total_seconds()
            self._metrics.offer_closed(write.status, rounds, seconds, room.offer.variant)

    def _unexplained(self, room: Room, proposal: ProposalRecord) -> ProposalRecord:
        """With explanations off (the offer's variant), the proposal carries its empty
        explanation from the start: stored with it, so accepting never waits for one."""
        if room.features.explanations:
            return proposal
        return msgspec.structs.replace(proposal,
                                       explanation=self._explanations.skipped(room, proposal))

    def _state(self, room: Room) -> OfferState:
        p = room.pending
        return OfferState(
            status=room.offer.status,  # type: ignore[arg-type]
            version=room.offer.version,
            client_id=room.offer.client.id,
            freelancer_id=room.offer.freelancer.id,
            expires_at=room.offer.expires_at,
            pending=None if p is None else Pending(p.id, p.by, p.by_role,  # type: ignore[arg-type]
                                                   p.base_version),
        )

    def _ack(self, command: str, ref: str | None, status: str, version: int,
             proposal_id: str | None = None) -> Ack:
        return Ack(command=command, status=status, version=version, ref=ref,
                   proposal_id=proposal_id)

    def _record(self, room: Room, ref: str | None, actor: UserInfo, ack: Ack
                ) -> CommandRecord | None:
        if ref is None:
            return None
        result = msgspec.to_builtins(ack)
        return CommandRecord(offer_id=room.offer_id, command_id=ref, actor=actor.id,
                             kind=ack.command, result=result, at=self._clock())

    def _party(self, room: Room, user_id: str) -> dict[str, str]:
        for role, party in (("client", room.offer.client), ("freelancer", room.offer.freelancer)):
            if party.id == user_id:
                return {"id": party.id, "name": party.name, "role": role}
        return {"id": user_id, "name": user_id, "role": "viewer"}

    def _notify(self, room: Room, actor: UserInfo, kind: str, text: str,
                **params: str | int | None) -> None:
        notice = Notice(kind=kind, text=text, by=None if actor is SYSTEM else actor,
                        params={k: v for k, v in params.items() if v is not None})
        room.broadcast_app(app_frame(notice), skip_user=actor.id)


def _turn(pending: ProposalRecord | None) -> str:
    if pending is None:
        return "freelancer"
    return "freelancer" if pending.by_role == "client" else "client"


def _who(actor: UserInfo) -> dict[str, str]:
    return {"id": actor.id, "name": actor.name, "role": actor.role}


def _wire_problems(errors: list[FieldError]) -> list[FieldProblem]:
    """Field problems as the wire carries them, with their codes and figures (``decide``)."""
    return [FieldProblem(e.field, e.message, e.code or None, e.params) for e in errors]


def _problems(exc: TermsInvalid) -> list[FieldProblem]:
    return [FieldProblem(e.field, e.message) for e in exc.errors]
