"""Streams the explanation of a pending proposal to everyone in its room (docs/RULES.md).

Facts first: the diff and derived figures are computed here, deterministically; the explainer only
turns them into prose. Each party reads it in their own language (``Connection.lang``): one stream
per language a reader in the room needs, plus English always (the canonical stored text), each
written from the same facts. A connection gets the deltas of its language only.

No unchecked figure is ever shown. A model's stream goes through the sentence gate
(``explain/sentences.py``): a sentence is released once its figures are facts and it is in the
reader's language. At the first sentence that fails, or when the model fails, times out or
answers nothing, the stream stops and says so — one ``explain_delta`` with empty text and a
``fallback_reason`` tells clients to clear what they showed — and the offline text streams in its
place, sentence by sentence like any explanation.

The final texts are stored with the proposal (``Explanation.text`` English, ``texts`` every
language delivered), so a late joiner or a reload sees them and nothing is generated twice; a
reader of a language never delivered gets the offline text in it (deterministic from the facts)
and it is added to what is stored. Risk flags go privately to the party at risk, in their
language, never into the shared doc.

Across nodes (``room.publish("explain_done", …)``, read back by ``on_remote_done``): the node that
writes the explanation publishes each delta with its language, other nodes pass it to their
connections of that language (and keep it, to replay to a late joiner), and ask for a language
their readers need that is not being written ("want"); the stored explanation and each language's
attribution follow when it is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import msgspec

from server.bus.base import BusMessage
from server.explain.base import Explainer
from server.explain.facts import Facts, build_facts
from server.explain.flags import Flag, detect_flags, flags_for
from server.explain.grounding import Grounding
from server.explain.offline import OFFLINE_VERSION, offline_chunks, offline_text
from server.explain.sentences import GateStop, SentenceGate
from server.i18n import DEFAULT, LANGS, Lang
from server.negotiation import effects
from server.offers.limits import Limits
from server.rooms.connection import Connection
from server.rooms.room import Room
from server.store.base import Explanation, ProposalRecord, Store
from server.tasks import Tasks
from server.wire import ExplainDelta, ExplainDone, app_frame

log = logging.getLogger("offer_room.explain")
#: ``Explanation.explainer`` of a proposal whose variant has explanations off.
NOT_EXPLAINED = "none"

#: Version of the offline wording, stored with each offline text (an LLM explainer stores its
#: own prompt's version).
PROMPT_VERSION = OFFLINE_VERSION
#: Stored when no explanation could be written at all, so a proposal can still be answered.
APOLOGY: dict[Lang, str] = {
    "en": "An explanation could not be written for this proposal; please compare the changes "
    "listed above.",
    "de": "Für diesen Vorschlag konnte keine Erklärung erstellt werden; bitte die oben "
    "aufgeführten Änderungen vergleichen.",
    "es": "No se pudo redactar una explicación para esta propuesta; comparen los cambios "
    "indicados arriba.",
}
#: Finished explanations whose per-language attribution this node remembers, and rooms whose
#: streams from another node it mirrors: one entry per room, the oldest dropped past this.
REMEMBERED_ROOMS = 4096


class Source(msgspec.Struct, frozen=True):
    """Who wrote one language's text, and why the offline text stands in, if it does."""

    explainer: str
    model: str | None
    prompt_version: str
    grounded: bool = True
    fallback_reason: str | None = None


_OFFLINE = Source("offline", None, OFFLINE_VERSION)


class _Stream:
    """One language's text of an explanation being written on this node."""

    def __init__(self, lang: Lang) -> None:
        self.lang: Lang = lang
        #: The deltas sent since the stream started, or since it was cleared for the fallback.
        self.chunks: list[str] = []
        self.fallback: str | None = None
        #: Set once the text is complete.
        self.source: Source | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def text(self) -> str:
        return "".join(self.chunks)


class _Run:
    """The explanation of one proposal being written on this node."""

    def __init__(self, proposal: ProposalRecord, facts: Facts | None, flags: list[Flag]) -> None:
        self.proposal = proposal
        self.facts = facts
        self.grounding = Grounding(facts) if facts is not None else None
        self.flags = flags
        self.streams: dict[Lang, _Stream] = {}
        #: Every stream has ended and the explanation is being stored: a language asked for now
        #: gets its text with ``explain_done``.
        self.closed = False
        self.task: asyncio.Task[None] | None = None


class _Mirror:
    """Another node's explanation of one proposal, as this node has passed it on."""

    def __init__(self, proposal_id: str, proposal: ProposalRecord | None = None) -> None:
        self.proposal_id = proposal_id
        #: The proposal, once the writing node said it started (its terms give the facts).
        self.proposal = proposal
        #: Each language's deltas passed on so far (since a fallback cleared them).
        self.chunks: dict[str, list[str]] = {}
        self.fallback: dict[str, str] = {}
        #: Languages the writing node writes, and those this node writes itself (offline).
        self.remote: set[str] = set()
        self.local: set[str] = set()
        #: Languages this node asked the writing node for.
        self.asked: set[str] = set()


class _BusStart(msgspec.Struct, frozen=True, tag="start"):
    """A node started explaining ``proposal``, in ``langs`` (more may follow)."""

    proposal: ProposalRecord
    langs: list[str]


class _BusDelta(msgspec.Struct, frozen=True, tag="delta"):
    delta: ExplainDelta


class _BusWant(msgspec.Struct, frozen=True, tag="want"):
    """A node whose readers need ``lang`` asks the node writing the explanation for it."""

    proposal_id: str
    lang: str


class _BusDone(msgspec.Struct, frozen=True, tag="done"):
    proposal: ProposalRecord
    sources: dict[str, Source] = {}
    #: The stored explanation gained a language after it was first delivered.
    again: bool = False


_BusItem = _BusStart | _BusDelta | _BusWant | _BusDone


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
        self._runs: dict[str, _Run] = {}
        self._mirrors: OrderedDict[str, _Mirror] = OrderedDict()
        #: offer id -> (proposal id, each language's attribution) of the last explanation done.
        self._sources: OrderedDict[str, tuple[str, dict[str, Source]]] = OrderedDict()
        #: Proposals whose stored texts are being extended with a late language: the latest.
        self._late: dict[str, ProposalRecord] = {}

    # --- the negotiation's entry points ----------------------------------------------------------

    def skipped(self, room: Room, proposal: ProposalRecord) -> Explanation:
        """What a proposal stores when its variant has explanations off: no text, so nothing is
        streamed and accepting does not wait, but the risk flags still (they protect a party;
        they are not the feature under test)."""
        return Explanation(text="", explainer=NOT_EXPLAINED, model=None, prompt_version="",
                           facts_hash="", grounded=True, flags=self._flags(room, proposal))

    def _flags(self, room: Room, proposal: ProposalRecord) -> list[Flag]:
        proposer: Literal["client", "freelancer"] = (
            "client" if proposal.by_role == "client" else "freelancer"
        )
        return detect_flags(proposal.terms, proposal.note, self._limits, self._clock().date(),
                            committed=room.offer.terms, proposer=proposer)

    def start(self, room: Room, proposal: ProposalRecord) -> list[Flag]:
        """Start explaining ``proposal`` in every language of the room; returns its risk flags
        (computed once, here: the caller records the high ones for the marketplace)."""
        self.cancel(room)
        if proposal.explanation is not None and proposal.explanation.explainer == NOT_EXPLAINED:
            return list(proposal.explanation.flags)
        facts: Facts | None = None
        flags: list[Flag] = []
        try:
            facts = build_facts(room.offer.terms, proposal.terms)
            flags = self._flags(room, proposal)
        except Exception:
            # Never leave a proposal unanswerable: the run stores the apology instead.
            log.exception("computing the facts of proposal %s failed", proposal.id)
            facts = None
        run = _Run(proposal, facts, flags)
        self._runs[room.offer_id] = run
        if facts is not None:
            for lang in (DEFAULT, *sorted({conn.lang for conn in room.conns} - {DEFAULT})):
                self._open(room, run, lang)
            # Other nodes learn what is being written, so they can cover their own readers'
            # languages from the first moment (see ``_cover``).
            start = _BusStart(proposal, sorted(run.streams))
            room.publish("explain_done", msgspec.json.encode(start))
        run.task = self._tasks.spawn("explain", self._run(room, run), f"explain-{proposal.id}")
        return flags

    def cancel(self, room: Room) -> None:
        run = self._runs.pop(room.offer_id, None)
        if run is not None:
            _cancel(run)

    def on_join(self, room: Room, conn: Connection) -> None:
        """A connection joined: the stored explanation, or the stream so far, in its language."""
        self._catch_up(room, conn, switched=False)

    def language_changed(self, room: Room, conn: Connection) -> None:
        """``conn`` now reads ``conn.lang`` (``set_language``): the explanation again, in it.

        A pending explanation that is stored is sent as ``explain_done`` in the new language
        (its offline text, written now, if it was never delivered in it); one being written is
        replayed (``explain_delta`` with ``replay``, possibly empty: replace what was shown),
        and a language nobody read yet starts streaming.
        """
        self._catch_up(room, conn, switched=True)

    def deliver_done(
        self, room: Room, proposal: ProposalRecord, e: Explanation,
        sources: dict[str, Source] | None = None,
    ) -> None:  # fmt: skip
        room.send_each(lambda conn: app_frame(self._done(room, proposal, e, conn, sources)))

    def on_remote_done(self, room: Room, msg: BusMessage) -> None:
        """What another node published about an explanation: a delta, a language it needs, or
        the stored explanation."""
        try:
            item: _BusItem = msgspec.json.decode(msg.data, type=_BusItem)
        except (msgspec.ValidationError, msgspec.DecodeError):
            try:  # a node of the previous release publishes the proposal itself
                item = _BusDone(msgspec.json.decode(msg.data, type=ProposalRecord))
            except (msgspec.ValidationError, msgspec.DecodeError):
                log.warning("unreadable explanation message for offer %s", room.offer_id)
                return
        if isinstance(item, _BusStart):
            mirror = self._mirror_of(room, item.proposal.id, item.proposal)
            mirror.remote.update(item.langs)
            for lang in sorted({conn.lang for conn in room.conns}):
                self._cover(room, mirror, lang)
        elif isinstance(item, _BusDelta):
            self._mirror(room, item.delta)
        elif isinstance(item, _BusWant):
            run = self._runs.get(room.offer_id)
            if run is not None and run.proposal.id == item.proposal_id and item.lang in LANGS:
                self._want(room, run, _lang(item.lang))
        else:
            proposal, e = item.proposal, item.proposal.explanation
            self._mirrors.pop(room.offer_id, None)
            if e is None:
                return
            self._remember(room.offer_id, proposal.id, item.sources)
            pending = room.pending
            if pending is not None and pending.id == proposal.id:
                known = pending.explanation
                if item.again and known is not None and known.texts == e.texts:
                    return  # this node's readers already have these languages
                room.pending = proposal
            self.deliver_done(room, proposal, e, item.sources)

    async def close(self) -> None:
        await self._tasks.cancel("explain")
        self._runs.clear()
        aclose = getattr(self._explainer, "aclose", None)
        if aclose is not None:
            await aclose()

    # --- writing ---------------------------------------------------------------------------------

    def _open(self, room: Room, run: _Run, lang: Lang) -> _Stream:
        """Start writing ``lang``'s text of ``run`` (once)."""
        stream = run.streams.get(lang)
        if stream is None:
            stream = run.streams[lang] = _Stream(lang)
            stream.task = self._tasks.spawn(
                "explain", self._produce(room, run, stream), f"explain-{run.proposal.id}-{lang}"
            )
        return stream

    def _want(self, room: Room, run: _Run, lang: Lang) -> None:
        if run.facts is not None and not run.closed:
            self._open(room, run, lang)

    async def _run(self, room: Room, run: _Run) -> None:
        proposal = run.proposal
        sources: dict[str, Source] = {}
        try:
            try:
                explanation, sources = await self._explain(run)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Never leave a proposal unanswerable: accept waits for an explanation.
                log.exception("explaining proposal %s failed", proposal.id)
                explanation = Explanation(
                    text=APOLOGY[DEFAULT], explainer="offline", model=None,
                    prompt_version=OFFLINE_VERSION, facts_hash="", grounded=False,
                    flags=run.flags, fallback_reason="error",
                    texts={lang: text for lang, text in APOLOGY.items()})  # fmt: skip
                sources = {}
            await self._store.save_explanation(proposal.id, explanation)
        except asyncio.CancelledError:
            _cancel(run, main=False)  # this task is already being cancelled
            raise
        except Exception:
            log.exception("storing the explanation of %s failed", proposal.id)
            return
        finally:
            if self._runs.get(room.offer_id) is run:
                del self._runs[room.offer_id]
        self._remember(room.offer_id, proposal.id, sources)
        if room.pending is None or room.pending.id != proposal.id:
            return  # answered or withdrawn while we wrote
        stored = msgspec.structs.replace(proposal, explanation=explanation)
        room.pending = stored
        with room.server_write() as odoc:
            root = effects.proposal_root(stored, room.offer.terms, _by(room, proposal))
            effects.write_proposal(odoc, root)
        self.deliver_done(room, stored, explanation, sources)
        # Other nodes: each tells its own connections (flags stay per party) and re-reads state.
        room.publish("explain_done", msgspec.json.encode(_BusDone(stored, sources)))
        room.publish("state", b"")

    async def _explain(self, run: _Run) -> tuple[Explanation, dict[str, Source]]:
        if run.facts is None:
            raise RuntimeError("no facts to explain")
        # Languages may be added while we wait (a reader joins or switches): wait for them too.
        while pending := [s.task for s in run.streams.values()
                          if s.task is not None and not s.task.done()]:  # fmt: skip
            await asyncio.wait(pending)
        run.closed = True
        done = {lang: s for lang, s in run.streams.items() if s.source is not None}
        english = done.get(DEFAULT)
        if english is None or english.source is None:
            raise RuntimeError("no English text was written")
        source = english.source
        sources: dict[str, Source] = {
            lang: s.source for lang, s in done.items() if s.source is not None
        }
        texts: dict[str, str] = {lang: s.text.strip() for lang, s in done.items()}
        explanation = Explanation(
            text=texts[DEFAULT], explainer=source.explainer, model=source.model,
            prompt_version=source.prompt_version, facts_hash=run.facts.facts_hash(),
            grounded=source.grounded, flags=run.flags, fallback_reason=source.fallback_reason,
            texts=texts,
        )  # fmt: skip
        return explanation, sources

    async def _produce(self, room: Room, run: _Run, stream: _Stream) -> None:
        """Write one language's text: the explainer's, through the gate, or the offline one."""
        facts, grounding = run.facts, run.grounding
        assert facts is not None and grounding is not None
        explainer, lang = self._explainer, stream.lang
        if explainer.name == "offline":
            # Rule-based prose is grounded by construction (tests/unit prove it on every
            # scenario and on random terms): nothing to gate.
            await self._stream_offline(room, run, stream)
            stream.source = _OFFLINE
            return
        gate = SentenceGate(grounding, lang)
        fallback: str | None = None
        try:
            async with (
                asyncio.timeout(self._timeout),
                # Closes the HTTP stream the moment we stop reading (timeout, cancel, gate).
                contextlib.aclosing(explainer.stream(facts, run.proposal.note, lang)) as chunks,
            ):
                async for chunk in chunks:
                    for sentence in gate.feed(chunk):
                        self._emit(room, run, stream, sentence)
                for sentence in gate.finish():
                    self._emit(room, run, stream, sentence)
        except TimeoutError:
            fallback = "timeout"
        except GateStop as stop:
            log.info("%s explanation of proposal %s dropped: %s", lang, run.proposal.id, stop)
            fallback = stop.reason
        except Exception as exc:  # an API error mid-stream: fall back, never fail the proposal
            log.warning("explainer %s failed: %s", explainer.name, exc)
            fallback = "error"
        if fallback is None and not stream.text.strip():
            fallback = "empty"
        if fallback is None:
            stream.source = Source(explainer.name, explainer.model, getattr(
                explainer, "prompt_version", OFFLINE_VERSION))  # fmt: skip
            return
        self._clear(room, run, stream, fallback)
        await self._stream_offline(room, run, stream)
        stream.source = Source("offline", None, OFFLINE_VERSION,
                               grounded=fallback != "ungrounded", fallback_reason=fallback)

    async def _stream_offline(self, room: Room, run: _Run, stream: _Stream) -> None:
        assert run.facts is not None
        for chunk in offline_chunks(run.facts, stream.lang):
            self._emit(room, run, stream, chunk)
            await asyncio.sleep(0)  # let other rooms' messages through between sentences

    def _emit(self, room: Room, run: _Run, stream: _Stream, text: str) -> None:
        stream.chunks.append(text)
        self._send(room, ExplainDelta(proposal_id=run.proposal.id, text=text, lang=stream.lang))

    def _clear(self, room: Room, run: _Run, stream: _Stream, reason: str) -> None:
        """Tell readers of ``stream``'s language to drop what they were shown, and why."""
        stream.chunks.clear()
        stream.fallback = reason
        self._send(room, ExplainDelta(proposal_id=run.proposal.id, text="", lang=stream.lang,
                                      fallback_reason=reason))  # fmt: skip

    def _send(self, room: Room, delta: ExplainDelta) -> None:
        _to_readers(room, delta)
        room.publish("explain_done", msgspec.json.encode(_BusDelta(delta)))

    # --- catching a connection up ----------------------------------------------------------------

    def _catch_up(self, room: Room, conn: Connection, *, switched: bool) -> None:
        proposal = room.pending
        if proposal is not None and proposal.explanation is not None:
            if proposal.explanation.explainer == NOT_EXPLAINED:
                return  # the variant explains nothing: the client shows the changes alone
            conn.send(app_frame(self._done(room, proposal, proposal.explanation, conn)))
            return
        run = self._runs.get(room.offer_id)
        mirror = self._mirrors.get(room.offer_id)
        if run is not None and (proposal is None or run.proposal.id == proposal.id):
            proposal_id = run.proposal.id
            stream = run.streams.get(conn.lang)
            if stream is None:
                # Nobody read this language yet: write it from now on (this reader included).
                self._want(room, run, conn.lang)
                text, fallback = "", None
            else:
                text, fallback = stream.text, stream.fallback
        elif proposal is not None or mirror is not None:
            # Written on another node: what was passed on so far, and this language covered.
            if proposal is not None:
                mirror = self._mirror_of(room, proposal.id, proposal)
            assert mirror is not None
            proposal_id = mirror.proposal_id
            self._cover(room, mirror, conn.lang)
            text = "".join(mirror.chunks.get(conn.lang, []))
            fallback = mirror.fallback.get(conn.lang)
        else:
            return
        if text or fallback or switched:
            conn.send(app_frame(ExplainDelta(proposal_id=proposal_id, text=text, replay=True,
                                             lang=conn.lang, fallback_reason=fallback)))

    def _done(
        self, room: Room, proposal: ProposalRecord, e: Explanation, conn: Connection,
        sources: dict[str, Source] | None = None,
    ) -> ExplainDone:  # fmt: skip
        """``explain_done`` for one reader: the text and its attribution in their language."""
        lang: Lang = conn.lang
        texts: dict[str, str] = dict(e.texts) if e.texts else {DEFAULT: e.text}
        text = texts.get(lang)
        if text is None:
            text = self._late_text(room, proposal, e, lang)
            if text is None:
                lang, text = DEFAULT, e.text
            else:
                texts[lang] = text
        if sources is None:
            remembered = self._sources.get(room.offer_id)
            sources = remembered[1] if remembered and remembered[0] == proposal.id else {}
        source = sources.get(lang) or self._attribution(room, proposal, e, lang, text)
        return ExplainDone(
            proposal_id=proposal.id, explainer=source.explainer, grounded=source.grounded,
            text=text, model=source.model, fallback_reason=source.fallback_reason,
            flags=flags_for(e.flags, conn.user.role, lang), lang=lang, texts=texts,
        )  # fmt: skip

    def _late_text(
        self, room: Room, proposal: ProposalRecord, e: Explanation, lang: Lang
    ) -> str | None:
        """The offline text in ``lang`` of a stored explanation never delivered in it (a reader
        switched language, or reads on a node that did not write it), added to what is stored;
        None when the facts can no longer be rebuilt as they were."""
        if not e.facts_hash:
            return APOLOGY[lang]  # the apology stored when nothing could be written
        facts = self._facts_of(room, proposal, e)
        if facts is None:
            return None
        text = offline_text(facts, lang)
        self._keep_language(room, proposal, lang, text)
        return text

    def _facts_of(self, room: Room, proposal: ProposalRecord, e: Explanation) -> Facts | None:
        # The facts compare the proposal with the version it was made against: the agreed
        # terms while it is pending. The hash says whether they are still the same facts.
        try:
            facts = build_facts(room.offer.terms, proposal.terms)
        except Exception:
            log.exception("rebuilding the facts of proposal %s failed", proposal.id)
            return None
        return facts if facts.facts_hash() == e.facts_hash else None

    def _attribution(
        self, room: Room, proposal: ProposalRecord, e: Explanation, lang: Lang, text: str
    ) -> Source:
        """Who wrote ``text``, when this node did not see it written (a restart, or a text added
        after the explanation was stored): the stored attribution is the English text's."""
        stored = Source(e.explainer, e.model, e.prompt_version, e.grounded, e.fallback_reason)
        if lang == DEFAULT or text == e.text or (e.explainer == "offline"
                                                 and not e.fallback_reason):
            return stored
        facts = self._facts_of(room, proposal, e)
        if facts is not None and text == offline_text(facts, lang):
            # The offline text (deterministic): why it stands in is known for English only.
            reason = e.fallback_reason if e.explainer == "offline" else None
            return Source("offline", None, OFFLINE_VERSION, True, reason)
        if e.explainer != "offline":
            return stored
        explainer = self._explainer
        return Source(explainer.name, explainer.model,
                      getattr(explainer, "prompt_version", OFFLINE_VERSION))  # fmt: skip

    def _keep_language(self, room: Room, proposal: ProposalRecord, lang: Lang, text: str) -> None:
        """Add ``lang``'s text to the stored explanation (in the room now, in the store soon)."""
        pending = room.pending
        base = self._late.get(proposal.id)
        if base is None:
            base = proposal
            if pending is not None and pending.id == proposal.id and pending.explanation:
                base = pending  # the room's copy may hold languages added since
        e = base.explanation
        if e is None:
            return
        texts: dict[str, str] = dict(e.texts) if e.texts else {DEFAULT: e.text}
        if texts.get(lang) == text:
            return
        texts[lang] = text
        updated = msgspec.structs.replace(base, explanation=msgspec.structs.replace(e, texts=texts))
        if pending is not None and pending.id == proposal.id:
            room.pending = updated
        saving = proposal.id in self._late
        self._late[proposal.id] = updated
        if not saving:
            self._tasks.spawn("explain", self._save_texts(room, proposal.id),
                              f"explain-texts-{proposal.id}")  # fmt: skip

    async def _save_texts(self, room: Room, proposal_id: str) -> None:
        # One save at a time per proposal, each with the latest texts, so a slow write can never
        # overwrite a later one.
        saved: ProposalRecord | None = None
        try:
            while (latest := self._late.get(proposal_id)) is not saved and latest is not None:
                saved = latest
                assert latest.explanation is not None
                await self._store.save_explanation(proposal_id, latest.explanation)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("storing a late language of the explanation of %s failed",
                          proposal_id)  # fmt: skip
            return
        finally:
            self._late.pop(proposal_id, None)
        if saved is not None:
            # Other nodes' readers got ``explain_done`` without this language: send it again
            # with it (each node re-delivers only what changes its readers' ``texts``).
            remembered = self._sources.get(room.offer_id)
            sources = remembered[1] if remembered and remembered[0] == proposal_id else {}
            again = _BusDone(saved, sources, again=True)
            room.publish("explain_done", msgspec.json.encode(again))

    # --- another node's streams ----------------------------------------------------------------

    def _mirror_of(
        self, room: Room, proposal_id: str, proposal: ProposalRecord | None = None
    ) -> _Mirror:
        mirror = self._mirrors.get(room.offer_id)
        if mirror is None or mirror.proposal_id != proposal_id:
            mirror = self._mirrors[room.offer_id] = _Mirror(proposal_id, proposal)
            while len(self._mirrors) > REMEMBERED_ROOMS:
                self._mirrors.popitem(last=False)
        elif proposal is not None:
            mirror.proposal = proposal
        return mirror

    def _cover(self, room: Room, mirror: _Mirror, lang: Lang) -> None:
        """Make sure this node's readers of ``lang`` get a stream of another node's
        explanation: the writing node's, or, for offline text, this node's own.

        Offline text is the same from the same facts on every node, and the writing node may
        well be done before a question from here reaches it, so this node writes it itself (the
        writing node's ``explain_done`` then carries the same text). A model's text must come
        from the writing node: this node asks for it.
        """
        if lang in mirror.remote or lang in mirror.local:
            return
        facts = None
        if self._explainer.name == "offline" and mirror.proposal is not None:
            try:
                facts = build_facts(room.offer.terms, mirror.proposal.terms)
            except Exception:
                log.exception("rebuilding the facts of proposal %s failed", mirror.proposal_id)
        if facts is None:
            if lang not in mirror.asked:
                mirror.asked.add(lang)
                want = _BusWant(proposal_id=mirror.proposal_id, lang=lang)
                room.publish("explain_done", msgspec.json.encode(want))
            return
        mirror.local.add(lang)
        # All at once (a few short sentences): a stream cut off by ``explain_done`` arriving in
        # between would leave readers with half a text until then.
        mirror.chunks[lang] = offline_chunks(facts, lang)
        for chunk in mirror.chunks[lang]:
            _to_readers(room, ExplainDelta(proposal_id=mirror.proposal_id, text=chunk, lang=lang))

    def _mirror(self, room: Room, delta: ExplainDelta) -> None:
        """A delta written on another node: to this node's readers of its language."""
        mirror = self._mirror_of(room, delta.proposal_id)
        if delta.lang in mirror.local:
            return  # this node writes that language itself
        mirror.remote.add(delta.lang)
        if delta.fallback_reason is not None and not delta.text:
            mirror.chunks[delta.lang] = []
            mirror.fallback[delta.lang] = delta.fallback_reason
        else:
            mirror.chunks.setdefault(delta.lang, []).append(delta.text)
        _to_readers(room, delta)
        # Readers here in a language the writing node does not write (it cannot know them).
        for lang in sorted({conn.lang for conn in room.conns}):
            self._cover(room, mirror, lang)

    def _remember(self, offer_id: str, proposal_id: str, sources: dict[str, Source]) -> None:
        known = self._sources.get(offer_id)
        if known is not None and known[0] == proposal_id:
            sources = {**known[1], **sources}
        self._sources[offer_id] = (proposal_id, sources)
        self._sources.move_to_end(offer_id)
        while len(self._sources) > REMEMBERED_ROOMS:
            self._sources.popitem(last=False)


def _to_readers(room: Room, delta: ExplainDelta) -> None:
    """``delta`` to this node's connections that read its language, and no others."""
    frame = app_frame(delta)
    room.send_each(lambda conn: frame if conn.lang == delta.lang else None)


def _cancel(run: _Run, *, main: bool = True) -> None:
    if main and run.task is not None:
        run.task.cancel()
    for stream in run.streams.values():
        if stream.task is not None:
            stream.task.cancel()


def _lang(tag: str) -> Lang:
    return next((lang for lang in LANGS if lang == tag), DEFAULT)


def _by(room: Room, proposal: ProposalRecord) -> dict[str, str]:
    party = room.offer.client if proposal.by_role == "client" else room.offer.freelancer
    return {"id": proposal.by, "name": party.name, "role": proposal.by_role}
