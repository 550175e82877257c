"""The assistant in the room (docs/RULES.md, "The assistant").

- **Advice**: whenever the draft changes (an edit here or on another node, a commit), the offer
  check (``advice.check``) and the risk flags of the draft's own text are computed once the draft
  has been still for ``advice_delay_s`` (or every ``_MAX_WAIT_S`` of edits without a pause), at
  most once per ``_MIN_GAP_S``, and
  each party gets an ``advice`` frame in their language — only when what they would see changed.
  Viewers get none.
- **Suggestions**: ``suggest`` answers the asker alone with a middle ground between the parties'
  positions (``advice.middle``), computed from the negotiation's history and the draft, never
  applied by itself.
- **Reports**: ``report`` records a ``risk.reported`` event for the marketplace's trust team.
- **Languages**: ``set_language`` changes what a socket reads in from then on.

Everything here is bounded per room, per node or per user: at most one check per room per
``_MIN_GAP_S``, at most 5 % of a core per room and 10 % for the whole node (``advice.pacing``),
``suggestions_per_minute`` and ``reports_per_hour`` per user (``rate_limited`` past them), a
report's reason at most ``report_chars``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import itertools
import logging
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime

from server.advice.check import Finding, check_items, check_offer
from server.advice.middle import (
    Stance,
    basis,
    history_of,
    no_suggestion_message,
    positions,
    suggest,
)
from server.advice.pacing import AdvicePacer
from server.advice.risk_events import REPORTED, record_flags
from server.config import Config
from server.conversation.rules import clean_body
from server.crdt.attribution import changers
from server.errors import CommandError
from server.explain.flags import Flag, Party, detect_flags, draft_text_flags, flags_for
from server.i18n import Lang, pick_lang
from server.metrics import Metrics
from server.offers.checks import TermsInvalid
from server.offers.terms import Terms
from server.rooms.budget import CostBudget
from server.rooms.connection import Connection
from server.rooms.room import Room
from server.store.base import OfferRecord, ProposalRecord, Store, content_hash
from server.tasks import Tasks
from server.wire import (
    Ack,
    Advice,
    AssistCommand,
    Error,
    Report,
    SetLanguage,
    Suggest,
    Suggestion,
    UserInfo,
    app_frame,
)

log = logging.getLogger("offer_room.advice")

#: A room's checks may take at most this share of a core: a check that took longer than usual
#: (a 20,000-character description full of near-misses scans in ~60 ms) pushes the next one
#: out, so a party who keeps editing such a text cannot make advice cost the node more.
_ROOM_SHARE = 0.05
#: Every room's checks together may take at most this share of a core (see advice.pacing).
_NODE_SHARE = 0.10
#: A draft edited without a pause is checked at least this often (seconds into the burst).
_MAX_WAIT_S = 2.0
#: A room is checked at most once in this long: two parties editing in turn, each pausing just
#: past ``advice_delay_s``, would otherwise have it checked after nearly every edit (four times a
#: second in bench scenario (c), issue 17) for prompts that change once in many edits. A draft
#: that goes still after a quiet spell is still checked ``advice_delay_s`` later.
_MIN_GAP_S = 1.0
#: How often the rooms waiting for a check are looked at: one timer for the node, not one per
#: busy room re-armed at every pause in its typing (~1,000 timers a second in bench scenario (b),
#: issue 17). Advice comes at most this much later than the draft went still.
_TICK_S = 0.05
#: A tick checks rooms for at most this long, then lets the loop read and relay what arrived
#: before it goes on: every room of a busy node comes due about once a second, ~40 of them per
#: tick in bench scenario (c), and checked in one go they held every edit arriving meanwhile
#: for a few milliseconds (issue 17).
_TICK_BUDGET_S = 0.001
_SUGGEST_BURST = 3.0
_REPORT_BURST = 3.0


class _Draft:
    """One room's assistant state: its advice (what was computed from which draft, and what each
    socket last got), and its parties' command budgets and reports."""

    __slots__ = ("checked", "checked_at", "cost", "digest", "findings", "first_change", "flags",
                 "last_change", "rates", "reported", "sent", "waiting")

    def __init__(self) -> None:
        #: The draft last checked, with the offer's version and status then: a check of the same
        #: again changes nothing (compared field by field, cheaper than hashing it every time).
        self.checked: tuple[Terms, int, str] | None = None
        #: The content hash of ``checked``'s draft, which advice frames carry: computed when the
        #: first frame about that draft is sent (most checks send none).
        self.digest: str | None = None
        self.findings: list[Finding] = []
        self.flags: list[Flag] = []
        #: A check is due (the room is in the assistant's queue).
        self.waiting = False
        #: Seconds the last check took (it sets how soon the next may run).
        self.cost = 0.0
        #: When the burst now waiting for its check began (monotonic), for the delay metric.
        self.first_change = 0.0
        #: The burst's latest change (monotonic): the check waits for the draft to be still.
        self.last_change = 0.0
        #: When the last check ran (monotonic): the next waits ``_MIN_GAP_S`` after it.
        self.checked_at = -_MIN_GAP_S
        self.sent: weakref.WeakKeyDictionary[Connection, bytes] = weakref.WeakKeyDictionary()
        #: Each party's budget per command kind ("suggest", "report"), made at its first command.
        self.rates: dict[tuple[str, str], CostBudget] | None = None
        #: Report command ids already recorded (a retry is acknowledged, not repeated).
        self.reported: set[tuple[str, str]] | None = None

    def draft_hash(self) -> str:
        """The content hash of the draft last checked ("" before the first check)."""
        if self.digest is None:
            self.digest = content_hash(self.checked[0]) if self.checked is not None else ""
        return self.digest


class Assistant:
    def __init__(
        self,
        store: Store,
        config: Config,
        metrics: Metrics,
        *,
        outbox: bool = False,
        wake: Callable[[], None] | None = None,
        language_changed: Callable[[Room, Connection], None] | None = None,
        tasks: Tasks | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._config = config
        self._metrics = metrics
        self._outbox = outbox
        self._wake = wake
        self._language_changed = language_changed
        self._tasks = tasks if tasks is not None else Tasks()
        self._clock = clock
        self._pacer = AdvicePacer(config.advice_delay_s, _ROOM_SHARE, _NODE_SHARE)
        #: Rooms waiting for a check: (when it may run, monotonic; arrival order; the room).
        self._queue: list[tuple[float, int, weakref.ReferenceType[Room]]] = []
        self._order = itertools.count()
        self._ticker: asyncio.TimerHandle | None = None
        #: Each live room's state, by ``id(room)``: read on every edit, where a
        #: WeakKeyDictionary's lookup (a weak reference made per call) cost four times a plain
        #: dict's (issue 17); a finalizer drops the entry with its room (see ``_state``).
        self._drafts: dict[int, _Draft] = {}

    # --- the room's hooks ------------------------------------------------------------------------

    def joined(self, room: Room, conn: Connection) -> None:
        if conn.user.role == "viewer":
            return
        state = self._state(room)
        if state.checked is None:
            self._advise(room)
        self._send(room, state, conn)

    def edited(self, room: Room) -> None:
        """A draft change: check once the draft has been still for ``advice_delay_s``, or
        ``_MAX_WAIT_S`` into a burst that never pauses."""
        state = self._state(room)
        now = state.last_change = time.monotonic()
        if state.waiting:
            return
        state.waiting = True
        state.first_change = now
        heapq.heappush(self._queue, (self._pacer.slot(now, state.cost), next(self._order),
                                     weakref.ref(room)))
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().call_later(_TICK_S, self._tick)

    def command(self, room: Room, conn: Connection, cmd: AssistCommand) -> None:
        if isinstance(cmd, SetLanguage):
            self._set_language(room, conn, cmd.lang)
        elif isinstance(cmd, Suggest):
            self._tasks.spawn("commands", self._socket(room, conn, cmd), "suggest")
        else:
            self._tasks.spawn("commands", self._socket(room, conn, cmd), "report")

    # --- advice --------------------------------------------------------------------------------

    def _state(self, room: Room) -> _Draft:
        key = id(room)
        state = self._drafts.get(key)
        if state is None:
            state = self._drafts[key] = _Draft()
            # Runs when the room is collected, before its id can be given to another object.
            weakref.finalize(room, self._drafts.pop, key, None)
        return state

    def _tick(self) -> None:
        """Check every room whose draft has been still long enough (or edited for
        ``_MAX_WAIT_S`` without a pause) and whose turn the pacer gave has come."""
        self._ticker = None
        queue = self._queue
        now = time.monotonic()
        delay = self._config.advice_delay_s
        stop = time.perf_counter() + _TICK_BUDGET_S
        while queue and queue[0][0] <= now:
            if time.perf_counter() > stop:  # the rest after the loop's next look at the sockets
                self._ticker = asyncio.get_running_loop().call_later(0, self._tick)
                return
            _, _, ref = heapq.heappop(queue)
            room = ref()
            state = self._drafts.get(id(room)) if room is not None else None
            if room is None or state is None or not state.waiting:
                continue  # gone, or an older entry of a room checked since
            due = max(state.last_change + delay, state.checked_at + _MIN_GAP_S)
            if due > now and now - state.first_change < _MAX_WAIT_S:
                # Still being edited (advice on a half-typed word helps nobody, and a check per
                # 0.2 s of continuous typing would cost every busy room five checks a second),
                # or checked less than _MIN_GAP_S ago.
                heapq.heappush(queue, (min(due, state.first_change + _MAX_WAIT_S),
                                       next(self._order), ref))
                continue
            state.waiting = False
            state.checked_at = now
            self._check(room, state)
        if queue:
            self._ticker = asyncio.get_running_loop().call_later(_TICK_S, self._tick)

    def _check(self, room: Room, state: _Draft) -> None:
        self._metrics.count("advice_checks")
        started = time.perf_counter()
        try:
            changed = self._advise(room)
        except Exception:  # advice is a help; a bug in it must never hurt the room
            log.exception("advising on offer %s failed", room.offer_id)
            return
        finally:
            state.cost = time.perf_counter() - started
        if not changed:
            return
        sent = False
        for conn in list(room.conns):
            sent = self._send(room, state, conn) or sent
        if sent:
            self._metrics.advice(time.monotonic() - state.first_change)

    def _advise(self, room: Room) -> bool:
        """Recompute the room's advice; False when it says what it said (the draft is as last
        checked, or changed in a way that changes no finding or flag: most keystrokes)."""
        state = self._state(room)
        shown = (state.findings, state.flags)
        try:
            draft = room.draft()
        except TermsInvalid:  # mid-edit: keep the last advice until the draft reads again
            return False
        offer = room.offer
        checked = (draft, offer.version, offer.status)
        if checked == state.checked:
            return False
        state.checked, state.digest = checked, None
        if offer.status != "open":
            state.findings, state.flags = [], []
            return (state.findings, state.flags) != shown
        today = self._clock().date()
        # The offer check is a feature an experiment may switch off; the risk flags below are
        # protection, and stay.
        state.findings = (list(check_offer(draft, self._config.limits, today))
                          if room.features.offer_check else [])
        # The flags of the draft's text only: its figures are the offer check's. Who wrote the
        # text decides who sees a flag, so it is read only when there is one (rarely).
        flags = draft_text_flags(draft, None, committed=offer.terms)
        if flags:
            flags = draft_text_flags(draft, None, committed=offer.terms,
                                     proposer=_changer_role(room))
        state.flags = flags
        return (state.findings, state.flags) != shown

    def _send(self, room: Room, state: _Draft, conn: Connection) -> bool:
        """Send ``conn`` its advice if it differs from what it last got."""
        role = conn.user.role
        if role == "viewer":
            return False
        advice = Advice(
            check=check_items(state.findings, conn.lang, room.offer.terms.currency),
            flags=flags_for(state.flags, role, conn.lang),
            draft=state.draft_hash(),
        )
        frame = app_frame(advice)
        # The draft hash changes with every keystroke; what the reader sees does not. A digest
        # of it is kept per socket, not the frame (~900 bytes for every idle connection).
        seen = hashlib.blake2b(app_frame(Advice(check=advice.check, flags=advice.flags)),
                               digest_size=16).digest()
        if state.sent.get(conn) == seen:
            return False
        state.sent[conn] = seen
        conn.send(frame)
        return True

    def _set_language(self, room: Room, conn: Connection, tag: str) -> None:
        lang = pick_lang(tag)
        if lang == conn.lang:
            return
        conn.lang = lang
        if conn.user.role != "viewer":
            self._send(room, self._state(room), conn)
        if self._language_changed is not None:
            self._language_changed(room, conn)

    # --- suggestions and reports ------------------------------------------------------------

    async def _socket(self, room: Room, conn: Connection, cmd: Suggest | Report) -> None:
        kind = "suggestion" if isinstance(cmd, Suggest) else "report"
        try:
            if isinstance(cmd, Suggest):
                conn.send(app_frame(await self.suggestion(room, conn.user, conn.lang, cmd)))
            else:
                conn.send(app_frame(await self.report(room, conn.user, cmd)))
        except CommandError as exc:
            self._metrics.assistant(kind, "rate_limited" if exc.code == "rate_limited"
                                    else "refused")
            conn.send(app_frame(Error(code=exc.code, message=exc.message, ref=cmd.id,
                                      retry_after_s=exc.retry_after_s)))
        except Exception:
            log.exception("%s failed in offer %s", kind, room.offer_id)
            conn.send(app_frame(Error(code="internal", message="That did not work; try again.",
                                      ref=cmd.id)))

    async def suggestion(self, room: Room, actor: UserInfo, lang: Lang, cmd: Suggest
                         ) -> Suggestion:
        """A middle ground for ``actor`` alone (the same for whoever asks)."""
        _party_only(actor, "ask for suggestions")
        if not room.features.middle_ground:
            raise CommandError("unsupported", "Suggestions are not offered on this offer.")
        self._spend(room, actor, "suggest", self._config.suggestions_per_minute / 60,
                    _SUGGEST_BURST, "suggestions_per_minute",
                    "You asked for suggestions often just now; wait a moment.")
        history = await history_of(self._store, room.offer_id)
        draft = _draft_stance(room, self._clock())
        if draft is not None:
            history.append(draft)
        pos = positions(history, room.offer.terms)
        if pos is None:
            self._metrics.assistant("suggestion", "empty")
            return Suggestion(items=[], message=no_suggestion_message(lang))
        items = suggest(pos, self._config.limits, lang, today=self._clock().date())
        self._metrics.assistant("suggestion", "ok" if items else "empty")
        return Suggestion(items=items, basis=basis(pos),
                          message=None if items else no_suggestion_message(lang))

    async def report(self, room: Room, actor: UserInfo, cmd: Report) -> Ack:
        """Record ``actor``'s report of the other party as a ``risk.reported`` event."""
        _party_only(actor, "report")
        if cmd.id is not None and len(cmd.id) > 100:
            raise CommandError("bad_request", "command ids are at most 100 characters")
        state = self._state(room)
        done = state.reported
        if done is None:
            done = state.reported = set()
        ack = Ack(command="report", status="ok", version=room.offer.version, ref=cmd.id)
        if cmd.id is not None and (actor.id, cmd.id) in done:
            return ack
        reason = clean_body(cmd.reason, self._config.report_chars, what="report's reason",
                            optional=True)
        self._spend(room, actor, "report", self._config.reports_per_hour / 3600,
                    _REPORT_BURST, "reports_per_hour",
                    "You have sent several reports just now; the trust team has them.")
        offer = room.offer
        reported = offer.freelancer if actor.role == "client" else offer.client
        other_role = "freelancer" if actor.role == "client" else "client"
        payload = {
            "category": cmd.category,
            "reason": reason,
            "reporter": {"id": actor.id, "name": actor.name, "role": actor.role},
            "reported": {"id": reported.id, "name": reported.name, "role": other_role},
            "ref": cmd.id,
        }
        await self._store.append_event(room.offer_id, REPORTED, actor=actor.id,
                                       reason=cmd.category, payload=payload,
                                       outbox=self._outbox)
        if cmd.id is not None:
            done.add((actor.id, cmd.id))
        if self._wake is not None:
            self._wake()
        self._metrics.assistant("report", "ok")
        log.info("%s reported %s in offer %s (%s)", actor.id, reported.id, room.offer_id,
                 cmd.category)
        return ack

    def _spend(self, room: Room, actor: UserInfo, what: str, rate: float, burst: float,
               limit: str, message: str) -> None:
        state = self._state(room)
        rates = state.rates
        if rates is None:
            rates = state.rates = {}
        bucket = rates.get((actor.id, what))
        if bucket is None:
            bucket = rates[(actor.id, what)] = CostBudget(rate, burst)
        if not bucket.spend(1):
            self._metrics.limit_hit(limit)
            raise CommandError("rate_limited", message, retry_after_s=max(1, round(1 / rate)))

    # --- risk flags for the marketplace ------------------------------------------------------

    async def screen_offer(self, offer: OfferRecord) -> list[Flag]:
        """The client's first offer, screened for the freelancer (``risk.flagged`` if high)."""
        flags = detect_flags(offer.terms, None, self._config.limits, self._clock().date(),
                             proposer="client")
        await record_flags(self._store, self._metrics, offer.id, flags, "creation",
                           actor=offer.client.id, outbox=self._outbox, wake=self._wake)
        return flags

    async def proposal_flagged(self, offer_id: str, proposal: ProposalRecord,
                               flags: list[Flag]) -> None:
        """A proposal's flags, as its explanation computed them (``Explanations.start``)."""
        await record_flags(self._store, self._metrics, offer_id, flags, "proposal",
                           actor=proposal.by, ref=proposal.id, outbox=self._outbox,
                           wake=self._wake)

    async def message_flagged(self, offer_id: str, author: str, message_id: str,
                              flags: list[Flag]) -> None:
        """A thread entry's flags, as the conversation screened them."""
        await record_flags(self._store, self._metrics, offer_id, flags, "message",
                           actor=author, ref=message_id, outbox=self._outbox, wake=self._wake)


def _party_only(actor: UserInfo, what: str) -> None:
    if actor.role == "viewer":
        raise CommandError("read_only", f"Viewers cannot {what}.")


def _changer_role(room: Room) -> Party | None:
    """Who typed the draft's text since the last commit, if one party did: their new text is
    screened for the other party (a scam targets the one who reads it)."""
    roles: set[Party] = set()
    with contextlib.suppress(Exception):  # a malformed attribution entry reads as unknown
        for value in (room.odoc.changed_by.to_py() or {}).values():
            for who in changers(value):  # a list of identities, or one (older docs)
                if who.get("role") in ("client", "freelancer"):
                    roles.add(who["role"])
    return roles.pop() if len(roles) == 1 else None


def _draft_stance(room: Room, now: datetime) -> Stance | None:
    """The live draft as the position of the one party who changed it, if it differs."""
    if room.pending is not None:
        return None
    role = _changer_role(room)
    if role is None:
        return None
    try:
        draft: Terms = room.draft()
    except TermsInvalid:
        return None
    if draft == room.offer.terms:
        return None
    return Stance(role=role, terms=draft, at=now, kind="draft")
