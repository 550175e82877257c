"""ReminderSweeper on a real SQLite store with an injected clock: expiry and "waiting on you"
reminders fire once, only while they still matter, as a digest item and a banner."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.config import Config
from server.metrics import Metrics
from server.notify.reminders import ReminderSweeper, about_label, expiry_text
from server.notify.schedule import expiry_reminders, waiting_reminder
from server.offers.terms import Party
from server.store.base import Digest, Expect, MessageChange, OfferRecord, Reminder
from server.store.sqlite import SQLiteStore
from server.tasks import Tasks
from tests.support.store_records import WITHDRAW, Clock, make_offer, propose, say

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(days=10)
OFFER = msgspec.structs.replace(make_offer("o1", created_at=NOW, expires_at=EXPIRES),
                                client=Party(id="c1", name="Carla"),
                                freelancer=Party(id="f1", name="Femi"))
DAY = timedelta(days=1)


class Banners:
    def __init__(self, fail: bool = False) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.params: list[dict[str, Any]] = []
        self.fail = fail

    async def __call__(self, offer_id: str, user_id: str, text: str,
                       params: dict[str, Any]) -> None:
        self.shown.append((offer_id, user_id, text))
        self.params.append(params)
        if self.fail:
            raise RuntimeError("the bus is away")


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[SQLiteStore]:
    async with SQLiteStore(tmp_path / "r.db", clock=clock) as opened:
        await opened.create_offer(OFFER, b"")
        yield opened


@pytest.fixture
def banners() -> Banners:
    return Banners()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def sweeper(store: SQLiteStore, banners: Banners, clock: Clock,
            metrics: Metrics) -> ReminderSweeper:
    return ReminderSweeper(store, Config(notify_throttle_s=900), banners, clock=clock,
                           metrics=metrics)


async def digests(store: SQLiteStore, clock: Clock) -> list[Digest]:
    return await store.claim_digests(clock.now, 10, 60)


def counted(metrics: Metrics, kind: str, outcome: str) -> float:
    return metrics.value("offer_room_reminders_total", kind=kind, outcome=outcome)


def test_expiry_reminders_for_both_parties_none_in_the_past() -> None:
    assert sorted((r.kind, r.user_id, r.due_at) for r in expiry_reminders(OFFER, NOW)) == [
        ("expires_24h", "c1", EXPIRES - DAY), ("expires_24h", "f1", EXPIRES - DAY),
        ("expires_72h", "c1", EXPIRES - 3 * DAY), ("expires_72h", "f1", EXPIRES - 3 * DAY),
    ]
    soon = msgspec.structs.replace(OFFER, expires_at=NOW + 2 * DAY)
    assert {r.kind for r in expiry_reminders(soon, NOW)} == {"expires_24h"}
    assert expiry_reminders(msgspec.structs.replace(OFFER, expires_at=NOW + DAY), NOW) == []
    waiting = waiting_reminder("o1", "c1", "p1", 86_400, NOW)
    assert (waiting.kind, waiting.due_at, waiting.ref) == ("waiting", NOW + DAY, "p1")


def test_texts() -> None:
    assert expiry_text(3 * DAY) == "This offer expires in 3 days"
    assert expiry_text(DAY) == "This offer expires tomorrow"
    assert expiry_text(timedelta(hours=5, minutes=10)) == "This offer expires in 6 hours"
    assert expiry_text(timedelta(minutes=10)) == "This offer expires in 1 hour"
    assert about_label("hourly_rate", OFFER) == "Hourly rate"
    assert about_label("milestone:m1", OFFER) == "the milestone “Design”"
    assert about_label("milestone:gone", OFFER) == "a milestone"
    assert about_label("proposal:p1", OFFER) == "the proposal"


async def test_expiry_reminders_fire_once_as_a_digest_item_and_a_banner(
        store: SQLiteStore, sweeper: ReminderSweeper, banners: Banners, clock: Clock,
        metrics: Metrics) -> None:
    for reminder in expiry_reminders(OFFER, NOW):
        await store.schedule_reminder(reminder)
    assert await sweeper.sweep() == 0
    clock.now = EXPIRES - 3 * DAY
    other = ReminderSweeper(store, Config(), banners, clock=clock, metrics=metrics)
    claimed = await asyncio.gather(sweeper.sweep(), other.sweep())
    assert sum(claimed) == 2
    assert sorted(banners.shown) == [("o1", "c1", "This offer expires in 3 days"),
                                     ("o1", "f1", "This offer expires in 3 days")]
    found = await digests(store, clock)
    assert sorted((d.user_id, d.role) for d in found) == [("c1", "client"),
                                                          ("f1", "freelancer")]
    assert {(i.kind, i.summary) for d in found for i in d.items} == {
        ("reminder", "This offer expires in 3 days")}
    assert await sweeper.sweep() == 0  # fired once
    clock.now = EXPIRES - DAY
    assert await sweeper.sweep() == 2
    assert banners.shown[-1][2] == "This offer expires tomorrow"
    # A client words it itself, in its reader's language, from the same figures.
    assert banners.params[-1] == {"reminder": "expires_24h", "days": 1}
    assert counted(metrics, "expires_72h", "fired") == 2
    assert counted(metrics, "expires_24h", "fired") == 2


async def test_a_late_72h_reminder_gives_way_to_the_24h_one(
        store: SQLiteStore, sweeper: ReminderSweeper, banners: Banners, clock: Clock,
        metrics: Metrics) -> None:
    for reminder in expiry_reminders(OFFER, NOW):
        if reminder.user_id == "f1":
            await store.schedule_reminder(reminder)
    clock.now = EXPIRES - timedelta(hours=20)  # the node was down for two days
    assert await sweeper.sweep() == 2
    assert banners.shown == [("o1", "f1", "This offer expires tomorrow")]
    assert counted(metrics, "expires_72h", "stale") == 1


async def test_nothing_for_a_closed_offer(store: SQLiteStore, sweeper: ReminderSweeper,
                                          banners: Banners, clock: Clock,
                                          metrics: Metrics) -> None:
    closed: OfferRecord = msgspec.structs.replace(OFFER, id="o2", status="withdrawn")
    await store.create_offer(closed, b"")
    await store.schedule_reminder(Reminder("o2", "expires_24h", "f1", NOW + DAY))
    await store.schedule_reminder(Reminder("o1", "expires_24h", "stranger", NOW + DAY))
    clock.now = NOW + DAY
    assert await sweeper.sweep() == 2
    assert banners.shown == [] and await digests(store, clock) == []
    assert counted(metrics, "expires_24h", "stale") == 2


async def test_waiting_on_a_proposal_only_while_it_is_pending(
        store: SQLiteStore, sweeper: ReminderSweeper, banners: Banners, clock: Clock) -> None:
    await propose(store)  # p1, by Femi
    await store.schedule_reminder(waiting_reminder("o1", "c1", "p1", 3600, NOW))
    await store.schedule_reminder(waiting_reminder("o1", "f1", "p1", 3600, NOW))  # the proposer
    clock.advance(hours=1)
    assert await sweeper.sweep() == 2
    assert banners.shown == [("o1", "c1", "Femi is waiting for your answer to the proposal")]
    [digest] = await digests(store, clock)
    assert (digest.user_id, digest.items[0].kind) == ("c1", "reminder")
    await store.schedule_reminder(Reminder("o1", "waiting", "c1", clock.now + DAY, ref="p1"))
    await store.commit("o1", Expect(version=1, pending="p1"), WITHDRAW)
    clock.advance(days=2)
    await sweeper.sweep()
    assert len(banners.shown) == 1  # withdrawn meanwhile: nothing to wait for


async def test_waiting_on_a_question_only_while_it_is_open(
        store: SQLiteStore, sweeper: ReminderSweeper, banners: Banners, clock: Clock) -> None:
    await store.add_message("o1", say("m-q1", "What does it cover?", by="f1", kind="question",
                                      about="hourly_rate"))
    await store.add_message("o1", say("m-q2", "And this one?", by="f1", kind="question",
                                      about="milestone:m1"))
    for ref in ("m-q1", "m-q2"):
        await store.schedule_reminder(waiting_reminder("o1", "c1", ref, 3600, NOW))
    await store.change_message("o1", MessageChange(message_id="m-q2", author="f1",
                                                   resolve=True))
    clock.advance(hours=1)
    assert await sweeper.sweep() == 2
    assert banners.shown == [
        ("o1", "c1", "Femi is waiting for your answer to a question about Hourly rate")]


async def test_a_failed_banner_still_queues_the_digest(
        store: SQLiteStore, clock: Clock, metrics: Metrics) -> None:
    banners = Banners(fail=True)
    sweeper = ReminderSweeper(store, Config(), banners, clock=clock, metrics=metrics)
    await store.schedule_reminder(Reminder("o1", "expires_24h", "f1", NOW))
    assert await sweeper.sweep() == 1
    assert len(await digests(store, clock)) == 1
    assert counted(metrics, "expires_24h", "fired") == 1


async def test_the_loop_runs_in_the_notify_group(
        store: SQLiteStore, banners: Banners, clock: Clock) -> None:
    tasks = Tasks()
    sweeper = ReminderSweeper(store, Config(notify_sweep_seconds=0.05), banners, clock=clock,
                              tasks=tasks)
    await store.schedule_reminder(Reminder("o1", "expires_24h", "f1", NOW))
    sweeper.start()
    for _ in range(100):
        if banners.shown:
            break
        await asyncio.sleep(0.02)
    await sweeper.close()
    assert banners.shown == [("o1", "f1", "This offer expires in 10 days")]
    assert tasks.running("reminders") == 0


async def test_a_worker_fires_only_the_reminders_of_the_offers_it_owns(
        store: SQLiteStore, clock: Clock, metrics: Metrics) -> None:
    await store.create_offer(msgspec.structs.replace(OFFER, id="o2"), b"")
    for offer_id in ("o1", "o2"):
        await store.schedule_reminder(Reminder(offer_id, "expires_24h", "f1", NOW))
    shown: dict[str, Banners] = {"o1": Banners(), "o2": Banners()}
    workers = {
        "o1": ReminderSweeper(store, Config(), shown["o1"], clock=clock, metrics=metrics,
                              owns=lambda offer_id: offer_id == "o1"),
        "o2": ReminderSweeper(store, Config(), shown["o2"], clock=clock, metrics=metrics,
                              owns=lambda offer_id: offer_id == "o2"),
    }
    clock.now = EXPIRES - DAY
    assert await workers["o2"].sweep() == 1
    assert await workers["o2"].sweep() == 0
    assert shown["o2"].shown == [("o2", "f1", "This offer expires tomorrow")]
    assert await workers["o1"].sweep() == 1  # left for its owner
    assert shown["o1"].shown == [("o1", "f1", "This offer expires tomorrow")]
