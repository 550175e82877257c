"""Streams the explanation of a pending proposal to everyone in its room (docs/DOMAIN.md).

Facts first: the diff and derived figures are computed here, deterministically; the explainer only
turns them into prose. Every delta goes to every connection, so both parties read the same words
as they arrive. An LLM answer that fails, times out or cites a figure that is not a fact is
replaced by the offline text, and says so. The final text is stored with the proposal, so a late
joiner or a reload sees it and nothing is generated twice. Risk flags go privately to the party
at risk, never into the shared doc.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import msgspec

from server.bus.base import BusMessage
from server.explain.base import Explainer
from server.explain.facts import build_facts
from server.explain.flags import Flag, detect_flags
from server.explain.grounding import check_grounding
from server.explain.offline import offline_text
from server.negotiation import effects
from server.offers.limits import Limits
from server.rooms.connection import Connection
from server.rooms.room import Room
from server.store.base import Explanation, ProposalRecord, Store
from server.tasks import Tasks
from server.wire import ExplainDelta, ExplainDone, FlagOut, app_frame

log = logging.getLogger("offer_room.explain")

#: Version of the offline wording, stored with each offline text (an LLM explainer stores its
#: own prompt's version).
PROMPT_VERSION = "offline-2026-11-1"


def flags_for(flags: list[Flag], role: str) -> list[FlagOut]:
    """The flags a participant in ``role`` may see: those about a risk to them."""
    return [
        FlagOut(code=f.code, severity=f.severity, evidence=f.evidence, message=f.message,
                source=f.source)
        for f in flags
        if f.at_risk == role or (f.at_risk == "both" and role in ("client", "freelancer"))
    ]


class Explanations:
    def __init__(
        self,
        store: Store,
        limits: Limits,
        explainer: Explainer,
        *,
        timeout_s: float = 20.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tasks: Tasks | None = None,
    ) -> None:
        self._store = store
        self._limits = limits
        self._explainer = explainer
        self._timeout = timeout_s
        self._clock = clock
        self._tasks = tasks if tasks is not None else Tasks()
        self._running: dict[str, tuple[asyncio.Task[None], list[str]]] = {}

    def start(self, room: Room, proposal: ProposalRecord) -> None:
        self.cancel(room)
        so_far: list[str] = []
        task = self._tasks.spawn("explain", self._run(room, proposal, so_far),
                                 f"explain-{proposal.id}")
        self._running[room.offer_id] = (task, so_far)

    def cancel(self, room: Room) -> None:
        running = self._running.pop(room.offer_id, None)
        if running is not None:
            running[0].cancel()

    def on_join(self, room: Room, conn: Connection) -> None:
        proposal = room.pending
        if proposal is None:
            return
        if proposal.explanation is not None:
            conn.send(app_frame(self._done(proposal, proposal.explanation, conn.user.role)))
        elif room.offer_id in self._running:
            text = "".join(self._running[room.offer_id][1])
            if text:
                conn.send(app_frame(ExplainDelta(proposal_id=proposal.id, text=text,
                                                 replay=True)))

    async def _run(self, room: Room, proposal: ProposalRecord, so_far: list[str]) -> None:
        try:
            try:
                explanation = await self._explain(room, proposal, so_far)
            except Exception:
                # Never leave a proposal unanswerable: accept waits for an explanation.
                log.exception("explaining proposal %s failed", proposal.id)
                explanation = Explanation(
                    text="An explanation could not be written for this proposal; "
                    "please compare the changes listed above.",
                    explainer="offline", model=None, prompt_version=PROMPT_VERSION,
                    facts_hash="", grounded=False, fallback_reason="error")
            await self._store.save_explanation(proposal.id, explanation)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("storing the explanation of %s failed", proposal.id)
            return
        finally:
            if self._running.get(room.offer_id, (None,))[0] is asyncio.current_task():
                del self._running[room.offer_id]
        if room.pending is None or room.pending.id != proposal.id:
            return  # answered or withdrawn while we wrote
        stored = msgspec.structs.replace(proposal, explanation=explanation)
        room.pending = stored
        with room.server_write() as odoc:
            root = effects.proposal_root(stored, room.offer.terms, _by(room, proposal))
            effects.write_proposal(odoc, root)
        self.deliver_done(room, stored, explanation)
        # Other nodes: each tells its own connections (flags stay per party) and re-reads state.
        room.publish("explain_done", msgspec.json.encode(stored))
        room.publish("state", b"")

    def deliver_done(self, room: Room, proposal: ProposalRecord, e: Explanation) -> None:
        room.send_each(lambda conn: app_frame(self._done(proposal, e, conn.user.role)))

    def on_remote_done(self, room: Room, msg: BusMessage) -> None:
        proposal = msgspec.json.decode(msg.data, type=ProposalRecord)
        if proposal.explanation is not None:
            if room.pending is not None and room.pending.id == proposal.id:
                room.pending = proposal
            self.deliver_done(room, proposal, proposal.explanation)

    async def _explain(
        self, room: Room, proposal: ProposalRecord, so_far: list[str]
    ) -> Explanation:
        facts = build_facts(room.offer.terms, proposal.terms)
        proposer: Literal["client", "freelancer"] = (
            "client" if proposal.by_role == "client" else "freelancer"
        )
        flags = detect_flags(proposal.terms, proposal.note, self._limits, self._clock().date(),
                             committed=room.offer.terms, proposer=proposer)
        fallback: str | None = None
        try:
            async with (
                asyncio.timeout(self._timeout),
                # Closes the HTTP stream the moment we stop reading (timeout, cancel).
                contextlib.aclosing(self._explainer.stream(facts, proposal.note)) as chunks,
            ):
                async for chunk in chunks:
                    so_far.append(chunk)
                    room.broadcast_app(app_frame(ExplainDelta(proposal_id=proposal.id,
                                                              text=chunk)))
        except TimeoutError:
            fallback = "timeout"
        except Exception as exc:  # an API error mid-stream: fall back, never fail the proposal
            log.warning("explainer %s failed: %s", self._explainer.name, exc)
            fallback = "error"
        text = "".join(so_far).strip()
        grounded = True
        if fallback is None and self._explainer.name != "offline":
            check = check_grounding(text, facts)
            if not check.grounded:
                log.info("ungrounded figures %s in proposal %s", check.unsupported, proposal.id)
                fallback = "ungrounded"
        if fallback is None and not text:
            fallback = "empty"
        if fallback is not None:
            grounded = fallback != "ungrounded"
            text = offline_text(facts)
        return Explanation(
            text=text,
            explainer="offline" if fallback else self._explainer.name,
            model=None if fallback else self._explainer.model,
            prompt_version=PROMPT_VERSION if fallback else getattr(
                self._explainer, "prompt_version", PROMPT_VERSION),
            facts_hash=facts.facts_hash(),
            grounded=grounded,
            flags=flags,
            fallback_reason=fallback,
        )

    def _done(self, proposal: ProposalRecord, e: Explanation, role: str) -> ExplainDone:
        return ExplainDone(
            proposal_id=proposal.id, explainer=e.explainer, grounded=e.grounded, text=e.text,
            model=e.model, fallback_reason=e.fallback_reason, flags=flags_for(e.flags, role),
        )

    async def close(self) -> None:
        await self._tasks.cancel("explain")
        self._running.clear()
        aclose = getattr(self._explainer, "aclose", None)
        if aclose is not None:
            await aclose()


def _by(room: Room, proposal: ProposalRecord) -> dict[str, str]:
    party = room.offer.client if proposal.by_role == "client" else room.offer.freelancer
    return {"id": proposal.by, "name": party.name, "role": proposal.by_role}
