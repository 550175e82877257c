"""The thread of an offer: messages, questions and answers, read state, and its delivery.

One code path serves the socket and REST (``run``). A command is checked (role, open offer,
rate, body, topic), made durable by the store, and only then delivered: to this node's
connections as a ``thread_update`` rendered for each reader (risk flags are private to the party
at risk), and to the other nodes holding the room as a "thread" bus message carrying the stored
entry. System entries — the negotiation's steps — are written by the store with the events
(``Store.commit``) and delivered here after each commit (``after_commit``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import msgspec

from server.config import Config
from server.conversation.items import item_for
from server.conversation.rules import check_about, clean_body
from server.conversation.summaries import summary
from server.errors import CommandError
from server.explain.flags import Flag, text_flags
from server.metrics import Metrics
from server.notify.schedule import waiting_reminder
from server.offers.checks import TermsInvalid
from server.rooms.budget import CostBudget
from server.rooms.connection import Connection
from server.rooms.room import Room
from server.store.base import (
    EventRecord,
    MessageChange,
    MessageNotFound,
    MessageRecord,
    NewMessage,
    NotificationItem,
    NotYours,
    Store,
    TooLate,
)
from server.tasks import Tasks
from server.wire import (
    Ack,
    DeleteMessage,
    EditMessage,
    Error,
    MarkRead,
    Post,
    ResolveQuestion,
    Thread,
    ThreadCommand,
    ThreadUpdate,
    Unread,
    UserInfo,
    app_frame,
)

log = logging.getLogger("offer_room.conversation")

#: A burst of messages a person may send at once (pasting a few lines one after the other).
_BURST = 10.0


class Conversation:
    def __init__(
        self,
        store: Store,
        config: Config,
        metrics: Metrics,
        *,
        tasks: Tasks | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        screened: Callable[[str, str, str, list[Flag]], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        #: Told of every posted or edited entry's risk flags (the marketplace hears of high ones).
        self._screened = screened
        self._config = config
        self._metrics = metrics
        self._tasks = tasks if tasks is not None else Tasks()
        self._clock = clock
        #: Posting rate per user, per live room (forgotten with the room).
        self._rates: weakref.WeakKeyDictionary[Room, dict[str, CostBudget]] = (
            weakref.WeakKeyDictionary())

    # --- the socket -----------------------------------------------------------------------

    def joined(self, room: Room, conn: Connection) -> None:
        self._tasks.spawn("commands", self._send_thread(room, conn), f"thread-{room.offer_id}")

    def command(self, room: Room, conn: Connection, cmd: ThreadCommand) -> None:
        self._tasks.spawn("commands", self._socket_command(room, conn, cmd),
                          f"thread-{type(cmd).__name__}")

    async def _send_thread(self, room: Room, conn: Connection) -> None:
        try:
            records = await self._store.list_messages(room.offer_id,
                                                      limit=self._config.thread_page)
            last_read, unread = await self._store.read_state(room.offer_id, conn.user.id)
            questions = await self._store.open_questions(room.offer_id)
        except Exception:
            log.exception("loading the thread of offer %s failed", room.offer_id)
            conn.send(app_frame(Error(code="unavailable",
                                      message="The conversation could not be loaded.")))
            return
        role = conn.user.role
        first = records[0].n if records else 0
        conn.send(app_frame(Thread(
            items=[item_for(r, room.offer, role, conn.lang) for r in records], unread=unread,
            last_read=last_read, more=first > 1,
            open_questions=[item_for(q, room.offer, role, conn.lang)
                            for q in questions if q.n < first])))

    async def _socket_command(self, room: Room, conn: Connection, cmd: ThreadCommand) -> None:
        try:
            ack = await self.run(room, conn.user, cmd)
        except CommandError as exc:
            conn.send(app_frame(Error(code=exc.code, message=exc.message, ref=cmd.id,
                                      retry_after_s=exc.retry_after_s)))
        except Exception:
            log.exception("%s failed in offer %s", type(cmd).__name__, room.offer_id)
            conn.send(app_frame(Error(code="internal", message="That did not work; try again.",
                                      ref=cmd.id)))
        else:
            conn.send(app_frame(ack))

    # --- the command path (socket and REST) -----------------------------------------------

    async def run(self, room: Room, actor: UserInfo, cmd: ThreadCommand) -> Ack:
        """Run one thread command for ``actor``; CommandError with a wire code when refused."""
        if cmd.id is not None and len(cmd.id) > 100:
            raise CommandError("bad_request", "command ids are at most 100 characters")
        if isinstance(cmd, MarkRead):
            return await self._mark_read(room, actor, cmd)
        if actor.role == "viewer":
            raise CommandError("read_only",
                               "Viewers can read the conversation but not write in it.")
        if room.offer.status != "open":
            raise CommandError("not_open", f"This offer is {room.offer.status}; the conversation "
                               "is closed.")
        if isinstance(cmd, Post):
            record = await self._post(room, actor, cmd)
            self.deliver(room, record, new=True)
        else:
            record = await self._change(room, actor, cmd)
            self.deliver(room, record)
        return Ack(command=cmd.__struct_config__.tag, status="ok",  # type: ignore[arg-type]
                   version=room.offer.version, ref=cmd.id, message_id=record.id)

    async def _post(self, room: Room, actor: UserInfo, cmd: Post) -> MessageRecord:
        self._spend_rate(room, actor)
        body = clean_body(cmd.body, self._config.message_chars)
        about = None
        if cmd.kind == "question":
            about = check_about(cmd.about, _milestone_ids(room),
                                room.pending.id if room.pending is not None else None)
            if len(await self._store.open_questions(room.offer_id)) >= \
                    self._config.open_questions_max:
                self._metrics.limit_hit("open_questions")
                raise CommandError("too_many_questions", "This offer has as many open questions "
                                   "as it may; resolve some first.")
        elif cmd.kind == "answer" and cmd.reply_to is None:
            raise CommandError("invalid", "Say which question this answers.")
        latest = await self._store.list_messages(room.offer_id, limit=1)
        if latest and latest[-1].n >= self._config.thread_max_entries:
            self._metrics.limit_hit("thread_max_entries")
            raise CommandError("thread_full", "This conversation has reached its size limit.")
        message = NewMessage(
            id=_message_id(actor.id, cmd.id), kind=cmd.kind, author=actor.id,
            author_role=actor.role, body=body, about=about,
            reply_to=cmd.reply_to if cmd.kind == "answer" else None,
            flags=_screen(body, actor.role),
        )
        try:
            record = await self._store.add_message(room.offer_id, message)
        except MessageNotFound as exc:
            raise CommandError("not_found", "That question does not exist.") from exc
        self._metrics.thread_message(record.kind, actor.role)
        if self._screened is not None:
            await self._screened(room.offer_id, actor.id, record.id, message.flags)
        await self._measure_response(room, actor, record)
        await self._remind_about(room, actor, record)
        return record

    async def _change(
        self, room: Room, actor: UserInfo, cmd: EditMessage | DeleteMessage | ResolveQuestion
    ) -> MessageRecord:
        window = timedelta(seconds=self._config.message_edit_seconds)
        if isinstance(cmd, EditMessage):
            body = clean_body(cmd.body, self._config.message_chars)
            # Screened again: an edit must not turn a clean message into an unflagged lure.
            change = MessageChange(cmd.message_id, actor.id, body=body,
                                   written_after=self._clock() - window,
                                   flags=_screen(body, actor.role))
        elif isinstance(cmd, DeleteMessage):
            change = MessageChange(cmd.message_id, actor.id, delete=True,
                                   written_after=self._clock() - window)
        else:
            change = MessageChange(cmd.message_id, actor.id, resolve=True)
        try:
            record = await self._store.change_message(room.offer_id, change)
        except MessageNotFound as exc:
            raise CommandError("not_found", "That message does not exist.") from exc
        except NotYours as exc:
            raise CommandError("forbidden", "Only its author can change that message."
                               if not change.resolve else "Only the person who asked can "
                               "resolve a question.") from exc
        except TooLate as exc:
            minutes = round(self._config.message_edit_seconds / 60)
            raise CommandError("too_late", f"Messages can be changed for {minutes} minutes "
                               "after they are sent.") from exc
        if change.resolve:
            self._metrics.thread_message("resolved", actor.role)
        if record.kind == "question" and (change.resolve or change.delete):
            await self._store.cancel_reminders(room.offer_id, kind="waiting", ref=record.id)
        return record

    async def _remind_about(self, room: Room, actor: UserInfo, record: MessageRecord) -> None:
        """A question waits for the other party: remind them if it stays unanswered; an answer
        ends that wait."""
        if record.kind == "answer" and record.reply_to is not None:
            await self._store.cancel_reminders(room.offer_id, kind="waiting", ref=record.reply_to)
        if record.kind != "question":
            return
        offer = room.offer
        other = offer.freelancer if actor.role == "client" else offer.client
        if room.features.reminders:
            await self._store.schedule_reminder(waiting_reminder(
                room.offer_id, other.id, record.id, self._config.remind_waiting_after_s,
                record.at))

    async def _mark_read(self, room: Room, actor: UserInfo, cmd: MarkRead) -> Ack:
        if cmd.upto < 0:
            raise CommandError("invalid", "upto must be a thread position")
        last_read = await self._store.mark_read(room.offer_id, actor.id, cmd.upto)
        _, unread = await self._store.read_state(room.offer_id, actor.id)
        # Every tab of this user, on every node, shows the same count.
        room.send_to_user(actor.id, app_frame(Unread(unread=unread, last_read=last_read)))
        return Ack(command="mark_read", status="ok", version=room.offer.version, ref=cmd.id)

    def _spend_rate(self, room: Room, actor: UserInfo) -> None:
        rates = self._rates.setdefault(room, {})
        bucket = rates.get(actor.id)
        if bucket is None:
            bucket = rates[actor.id] = CostBudget(self._config.messages_per_minute / 60, _BURST)
        if not bucket.spend(1):
            self._metrics.limit_hit("messages_per_minute")
            wait = max(1, round(60 / self._config.messages_per_minute))
            raise CommandError("rate_limited", "You are sending messages faster than the room "
                               "takes them; wait a moment.", retry_after_s=wait)

    # --- delivery -------------------------------------------------------------------------

    def deliver(self, room: Room, record: MessageRecord, *, new: bool = False) -> None:
        """Send a new or changed entry to this node's readers, each their own view, and to the
        other nodes holding the room; a ``new`` one is also queued for whoever is away."""
        self._send_local(room, record)
        room.publish("thread", msgspec.json.encode(record))
        if new:
            self._tasks.spawn("notify", self._notify_absent(room, record),
                              f"notify-{room.offer_id}")

    async def _notify_absent(self, room: Room, record: MessageRecord) -> None:
        """Queue the entry for each party with no socket in the room on any node (a digest
        batches a burst; see server/notify/digests.py)."""
        offer = room.offer
        item = NotificationItem(kind=record.event_kind or record.kind,
                                summary=summary(record, offer), at=record.at, n=record.n)
        for role, party in (("client", offer.client), ("freelancer", offer.freelancer)):
            if party.id == record.author or await room.present(party.id):
                continue
            try:
                await self._store.queue_notification(
                    room.offer_id, party.id, role, item, delay_s=self._config.notify_delay_s,
                    throttle_s=self._config.notify_throttle_s)
            except Exception:  # the entry is stored and shown; only the e-mail is lost
                log.exception("queueing a notification for offer %s failed", room.offer_id)

    def remote(self, room: Room, data: bytes) -> None:
        """Another node stored and delivered an entry: show it to this node's readers."""
        self._send_local(room, msgspec.json.decode(data, type=MessageRecord))

    async def after_commit(self, room: Room, events: list[EventRecord]) -> None:
        """Deliver the system entries the store wrote with ``events``."""
        seqs = {e.seq for e in events}
        if not seqs:
            return
        recent = await self._store.list_messages(room.offer_id, limit=len(seqs) + 4)
        for record in recent:
            if record.event_seq in seqs:
                self.deliver(room, record, new=True)

    def _send_local(self, room: Room, record: MessageRecord) -> None:
        room.send_each(lambda conn: app_frame(
            ThreadUpdate(item=item_for(record, room.offer, conn.user.role, conn.lang))))

    # --- metrics --------------------------------------------------------------------------

    async def _measure_response(self, room: Room, actor: UserInfo, record: MessageRecord) -> None:
        """How long the other party waited for this: since their oldest entry after ``actor``'s
        previous one (the first such wait in an offer is also its first response)."""
        recent = await self._store.list_messages(room.offer_id, before=record.n, limit=50)
        waiting_since = None
        answered_before = False
        for earlier in reversed(recent):
            if earlier.author == actor.id:
                answered_before = True
                break
            if earlier.author is not None:
                waiting_since = earlier.at
        if waiting_since is not None:
            seconds = (record.at - waiting_since).total_seconds()
            self._metrics.response(actor.role, seconds, first=not answered_before)


def _screen(body: str, author_role: str) -> list[Flag]:
    """Risk signals in a message, for the other party (the one a scam would target)."""
    return text_flags(body, "client" if author_role == "freelancer" else "freelancer", "message")


def _milestone_ids(room: Room) -> set[str]:
    ids = {m.id for m in room.offer.terms.milestones}
    # An invalid draft still has its committed milestones to ask about.
    with contextlib.suppress(TermsInvalid):
        ids |= {m.id for m in room.draft().milestones}
    return ids


def _message_id(author: str, command_id: str | None) -> str:
    """A retried command (same id, same author) writes the same entry, never a second one."""
    if command_id is None:
        return f"m-{secrets.token_hex(8)}"
    digest = hashlib.sha256(f"{author}\x00{command_id}".encode()).hexdigest()[:16]
    return f"m-{digest}"
