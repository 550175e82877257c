"""DigestDispatcher on a real SQLite store and a real local SMTP server, with an injected clock
and a presence set standing in for the cluster: batching, skipping a party who came back,
retries, a hanging server, dead letters, escaping and bounds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from server.auth import verify
from server.config import Config
from server.metrics import Metrics
from server.notify.digests import BATCH, DigestDispatcher
from server.notify.mail import SmtpMailer
from server.offers.terms import Party
from server.store.base import EventRecord, NotificationItem
from server.store.sqlite import SQLiteStore
from server.tasks import Tasks
from tests.support.smtp import SmtpSink
from tests.support.store_records import TERMS, Clock, make_offer
from tests.unit.test_notify_mail import SENDER

# Links are minted against the real time (a token's expiry is checked against it): the offer
# and the injected clock live now.
NOW = datetime.now(UTC).replace(microsecond=0)
SECRET = "digest-test-secret-that-is-long-enough"
CLIENT = Party(id="c1", name="Carla", email="carla@example.org")
FREELANCER = Party(id="f1", name="Femi", email="femi@example.org")
DELAY_S, THROTTLE_S = 120.0, 900.0


class Present:
    """Who has a socket in a room "on some node": a set the test controls."""

    def __init__(self) -> None:
        self.users: set[tuple[str, str]] = set()

    async def present(self, offer_id: str, user_id: str) -> bool:
        return (offer_id, user_id) in self.users


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[SQLiteStore]:
    offer = msgspec.structs.replace(
        make_offer("o1", created_at=NOW, expires_at=NOW + timedelta(days=10)),
        client=CLIENT, freelancer=FREELANCER,
        terms=msgspec.structs.replace(TERMS, title="Checkout redesign"))
    async with SQLiteStore(tmp_path / "n.db", clock=clock) as opened:
        await opened.create_offer(offer, b"")
        yield opened


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink(hang_for=frozenset({"slow@example.org"})) as server:
        yield server


@pytest.fixture
def config() -> Config:
    return Config(secret=SECRET, public_url="https://offers.example.com",
                  webhook_max_attempts=3, webhook_backoff_s=1.0, notify_sweep_seconds=0.05)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def presence() -> Present:
    return Present()


@pytest.fixture
def dispatcher(store: SQLiteStore, config: Config, presence: Present, smtp: SmtpSink,
               clock: Clock, metrics: Metrics) -> DigestDispatcher:
    return DigestDispatcher(store, config, presence, mailer=SmtpMailer(smtp.url, SENDER,
                                                                       timeout_s=0.5),
                            outbox=True, clock=clock, metrics=metrics)


async def queue(store: SQLiteStore, user: Party, n: int = 1, *, kind: str = "message",
                summary: str = "Carla: Could you start on Monday?") -> None:
    role = "client" if user.id == CLIENT.id else "freelancer"
    for i in range(n):
        item = NotificationItem(kind=kind, summary=summary, at=NOW, n=i + 1)
        await store.queue_notification("o1", user.id, role, item, delay_s=DELAY_S,
                                       throttle_s=THROTTLE_S)


async def notifications(store: SQLiteStore) -> list[EventRecord]:
    return [e for e in await store.list_events("o1") if e.kind == "notification"]


def counted(metrics: Metrics, channel: str, outcome: str) -> float:
    return metrics.value("offer_room_notifications_total", channel=channel, outcome=outcome)


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = (p.get_content() for p in message.iter_parts())
    return text, html


async def test_a_burst_of_ten_is_one_event_and_one_email(
        store: SQLiteStore, dispatcher: DigestDispatcher, smtp: SmtpSink, clock: Clock,
        metrics: Metrics) -> None:
    await queue(store, FREELANCER, 10)
    clock.advance(seconds=DELAY_S / 2)
    assert await dispatcher.sweep() == 0  # still gathering
    clock.advance(seconds=DELAY_S)
    assert await dispatcher.sweep() == 1
    [event] = await notifications(store)
    payload: dict[str, Any] = event.payload
    assert event.actor is None
    assert payload["recipient"] == {"id": "f1", "name": "Femi", "role": "freelancer",
                                    "email": "femi@example.org"}
    assert payload["count"] == 10 and len(payload["items"]) == 10
    assert payload["reason"] == ["message"]
    assert payload["summary"] == "10 new messages from Carla"
    assert payload["items"][0] == {"kind": "message", "n": 1, "at": event_time(NOW),
                                   "summary": "Carla: Could you start on Monday?"}
    link = urlsplit(payload["link"])
    assert f"{link.scheme}://{link.netloc}{link.path}" == "https://offers.example.com/offers/o1"
    claims = verify(SECRET, parse_qs(link.query)["token"][0])
    assert (claims.sub, claims.role, claims.offer) == ("f1", "freelancer", "o1")
    [delivery] = await store.claim_webhooks(clock.now, 10, 60)  # the integrator gets it
    assert b'"kind":"notification"' in delivery.body
    [message] = smtp.messages
    assert smtp.envelopes[0][1] == ["femi@example.org"]
    assert message["Subject"] == "Checkout redesign: 10 new messages from Carla"
    text, html = parts(message)
    assert text.count("Carla: Could you start on Monday?") == 10
    assert payload["link"] in text and payload["link"].replace("&", "&amp;") in html
    assert counted(metrics, "webhook", "sent") == 1 and counted(metrics, "email", "sent") == 1
    clock.advance(hours=2)
    assert await dispatcher.sweep() == 0  # sent once, never again
    assert len(smtp.messages) == 1 and len(await notifications(store)) == 1


def event_time(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def test_a_party_who_came_back_is_not_notified(
        store: SQLiteStore, dispatcher: DigestDispatcher, smtp: SmtpSink, clock: Clock,
        presence: Present, metrics: Metrics) -> None:
    await queue(store, FREELANCER, 3)
    presence.users.add(("o1", "f1"))  # on another node, say
    clock.advance(seconds=DELAY_S + 1)
    assert await dispatcher.sweep() == 1
    assert await notifications(store) == [] and smtp.attempts == 0
    assert counted(metrics, "webhook", "skipped") == 1
    assert counted(metrics, "email", "skipped") == 1
    clock.advance(hours=2)
    assert await dispatcher.sweep() == 0  # settled, not retried


async def test_a_refusal_is_retried_and_the_digest_sent_once(
        store: SQLiteStore, dispatcher: DigestDispatcher, smtp: SmtpSink, clock: Clock,
        metrics: Metrics) -> None:
    smtp.refuse = 1
    await queue(store, FREELANCER, 2)
    clock.advance(seconds=DELAY_S + 1)
    await dispatcher.sweep()
    assert smtp.messages == [] and counted(metrics, "email", "failed") == 1
    assert await dispatcher.sweep() == 0  # backing off (1 s ± 25 %)
    clock.advance(seconds=2)
    assert await dispatcher.sweep() == 1
    assert len(smtp.messages) == 1 and smtp.attempts == 2
    assert len(await notifications(store)) == 1  # the event was recorded on the first attempt
    assert counted(metrics, "email", "sent") == 1


async def test_a_hanging_server_fails_in_time_and_the_others_go_on(
        store: SQLiteStore, config: Config, presence: Present, smtp: SmtpSink, clock: Clock,
        metrics: Metrics) -> None:
    slow = msgspec.structs.replace(CLIENT, email="slow@example.org")
    offer = await store.get_offer("o1")
    assert offer is not None
    await store.create_offer(msgspec.structs.replace(offer, id="o2", client=slow), b"")
    await store.queue_notification("o2", "c1", "client", NotificationItem(
        kind="message", summary="Femi: hello", at=NOW), delay_s=0, throttle_s=0)
    await queue(store, FREELANCER)
    clock.advance(seconds=DELAY_S + 1)
    dispatcher = DigestDispatcher(store, config, presence,
                                  mailer=SmtpMailer(smtp.url, SENDER, timeout_s=0.5),
                                  outbox=True, clock=clock, metrics=metrics)
    started = time.monotonic()
    assert await dispatcher.sweep() == 2
    assert time.monotonic() - started < 2.5  # one timeout, not one per digest
    assert smtp.envelopes == [("offers@example.com", ["femi@example.org"], False)]
    assert counted(metrics, "email", "failed") == 1 and counted(metrics, "email", "sent") == 1
    assert metrics.limit_hits("smtp_timeout_s") == 1
    assert len([e for e in await store.list_events("o2") if e.kind == "notification"]) == 1


async def test_given_up_after_the_max_attempts(
        store: SQLiteStore, dispatcher: DigestDispatcher, smtp: SmtpSink, clock: Clock,
        metrics: Metrics) -> None:
    smtp.refuse = 100
    await queue(store, FREELANCER)
    clock.advance(seconds=DELAY_S + 1)
    for _ in range(3):  # OFFER_ROOM_WEBHOOK_MAX_ATTEMPTS is 3 here
        assert await dispatcher.sweep() == 1
        clock.advance(hours=2)
    assert await dispatcher.sweep() == 0
    assert smtp.attempts == 3 and smtp.messages == []
    assert counted(metrics, "email", "failed") == 2 and counted(metrics, "email", "dead") == 1
    assert len(await notifications(store)) == 1  # the webhook still told the integrator


async def test_without_a_mailer_or_an_address_only_the_event(
        store: SQLiteStore, config: Config, presence: Present, smtp: SmtpSink, clock: Clock,
        metrics: Metrics) -> None:
    await queue(store, FREELANCER)
    await queue(store, CLIENT, summary="Femi proposed changes", kind="proposed")
    clock.advance(seconds=DELAY_S + 1)
    dispatcher = DigestDispatcher(store, config, presence, clock=clock, metrics=metrics)
    assert await dispatcher.sweep() == 2
    events = await notifications(store)
    assert sorted(e.payload["recipient"]["id"] for e in events) == ["c1", "f1"]
    assert [e.payload["summary"] for e in events if e.payload["recipient"]["id"] == "c1"] == [
        "Femi proposed changes"]
    assert smtp.attempts == 0 and counted(metrics, "email", "sent") == 0
    clock.advance(hours=2)
    assert await dispatcher.sweep() == 0


async def test_party_text_is_escaped_and_bodies_are_bounded(
        store: SQLiteStore, dispatcher: DigestDispatcher, smtp: SmtpSink, clock: Clock) -> None:
    evil = "Carla: <script>alert('x')</script> & <a href=\"https://evil.example\">" + "x" * 2000
    await queue(store, FREELANCER, 30, summary=evil)
    await queue(store, FREELANCER, kind="question", summary="Carla asked about the rate")
    clock.advance(seconds=DELAY_S + 1)
    await dispatcher.sweep()
    [event] = await notifications(store)
    assert event.payload["count"] == 31 and len(event.payload["items"]) == 20
    assert event.payload["summary"] == "19 new messages and a question from Carla and 11 more"
    [message] = smtp.messages
    text, html = parts(message)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://evil.example"' not in html
    assert "and 11 earlier updates" in text
    assert len(text.encode()) < 8 * 1024 and len(html.encode()) < 48 * 1024
    assert len(message["Subject"]) <= 150


async def test_the_loop_runs_in_its_own_group_until_closed(
        store: SQLiteStore, config: Config, presence: Present, smtp: SmtpSink,
        clock: Clock) -> None:
    tasks = Tasks()
    dispatcher = DigestDispatcher(store, config, presence,
                                  mailer=SmtpMailer(smtp.url, SENDER, timeout_s=2),
                                  clock=clock, tasks=tasks)
    await queue(store, FREELANCER)
    clock.advance(seconds=DELAY_S + 1)
    dispatcher.start()
    assert tasks.running("digests") == 1
    for _ in range(250):  # up to 5 s
        if smtp.messages:
            break
        await asyncio.sleep(0.02)
    await dispatcher.close()
    assert len(smtp.messages) == 1 and tasks.running("digests") == 0


async def test_more_than_a_batch_is_drained_in_sweeps(
        store: SQLiteStore, config: Config, presence: Present, clock: Clock) -> None:
    offer = await store.get_offer("o1")
    assert offer is not None
    for i in range(BATCH + 2):
        await store.create_offer(msgspec.structs.replace(offer, id=f"b{i}"), b"")
        await store.queue_notification(f"b{i}", "f1", "freelancer", NotificationItem(
            kind="message", summary="Carla: hi", at=NOW), delay_s=0, throttle_s=0)
    dispatcher = DigestDispatcher(store, config, presence, clock=clock)
    assert await dispatcher.sweep() == BATCH
    assert await dispatcher.sweep() == 2
