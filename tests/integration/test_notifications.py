"""The party who is away: a digest by webhook and by e-mail, reminders, presence on any node."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.integration.test_thread import command, updates
from tests.support.postgres import create_database, drop_database
from tests.support.receiver import WebhookReceiver
from tests.support.redis import RedisServer
from tests.support.server import ServerProcess
from tests.support.smtp import SmtpSink
from tests.support.yclient import connected

SECRET = "notification-webhook-secret"
#: Fast enough for a test: a digest waits half a second for company, sweeps run every 0.2 s.
QUICK = {"OFFER_ROOM_NOTIFY_DELAY_S": "0.5", "OFFER_ROOM_NOTIFY_SWEEP_SECONDS": "0.2",
         "OFFER_ROOM_WEBHOOK_SECRET": SECRET, "OFFER_ROOM_WEBHOOK_BACKOFF_S": "0.2"}


@pytest.fixture
def mailbox() -> Iterator[SmtpSink]:
    with SmtpSink() as box:
        yield box


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hooks = WebhookReceiver(SECRET)
    yield hooks
    hooks.close()


def with_emails(**overrides: Any) -> dict[str, Any]:
    return {"client": {"id": "c-1", "name": "Ada", "email": "ada@example.com"},
            "freelancer": {"id": "f-1", "name": "Linus", "email": "linus@example.com"},
            **overrides}


async def wait_until(predicate: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def notifications(receiver: WebhookReceiver) -> list[dict[str, Any]]:
    return [e for e in receiver.received if e["kind"] == "notification"]


async def test_a_burst_for_an_absent_party_is_one_digest_by_webhook_and_email(
    tmp_path: Path, mailbox: SmtpSink, receiver: WebhookReceiver
) -> None:
    server = ServerProcess(tmp_path / "data", env={**QUICK, "OFFER_ROOM_SMTP_URL": mailbox.url,
                                                   "OFFER_ROOM_WEBHOOK_URL": receiver.url})
    server.start()
    try:
        offer = server.create_offer(**with_emails())
        client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
        for i in range(10):  # the freelancer is away: ten messages, one digest
            answer = await command(client, {"type": "post", "body": f"Point {i + 1} of 10"})
            assert answer["type"] == "ack"
        [mail] = await mailbox.wait_for(1)
        assert mail["To"] == "linus@example.com" and "Ada" in mail["Subject"]
        assert mail.get_body(("plain",)) is not None and mail.get_body(("html",)) is not None
        text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Point 10 of 10" in text and f"/offers/{offer['id']}?token=" in text
        await wait_until(lambda: len(notifications(receiver)) == 1)
        payload = notifications(receiver)[0]["payload"]
        assert payload["recipient"]["id"] == "f-1" and payload["count"] == 10
        assert payload["link"].startswith(server.url)
        await asyncio.sleep(1.0)
        assert len(mailbox.messages) == 1 and len(notifications(receiver)) == 1
        assert server.metric("offer_room_notifications_total", channel="email",
                             outcome="sent") == 1
        # The client never hears of her own messages.
        assert all(n["payload"]["recipient"]["id"] != "c-1" for n in notifications(receiver))
        await client.close()
        # Addresses and the recipient's live link are the integrator's: no participant sees them.
        base = f"{server.url}/api/offers/{offer['id']}"
        with server.api() as integrator:
            events = integrator.get(f"{base}/events").json()
            parties = integrator.get(base).json()["parties"]
        assert "notification" in [e["kind"] for e in events]
        assert parties["freelancer"]["email"] == "linus@example.com"
        async with httpx.AsyncClient(params={"token": offer["tokens"]["client"]},
                                     timeout=10) as participant:
            events = (await participant.get(f"{base}/events")).json()
            parties = (await participant.get(base)).json()["parties"]
        assert "notification" not in [e["kind"] for e in events]
        assert parties["freelancer"] == {"id": "f-1", "name": "Linus"}
    finally:
        server.stop()


async def test_a_party_in_the_room_gets_no_digest(tmp_path: Path, mailbox: SmtpSink) -> None:
    server = ServerProcess(tmp_path / "data", env={**QUICK, "OFFER_ROOM_SMTP_URL": mailbox.url})
    server.start()
    try:
        offer = server.create_offer(**with_emails())
        client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
        freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
        await command(client, {"type": "post", "body": "You are here, no e-mail for you."})
        await freelancer.wait_for(lambda: bool(updates(freelancer)))
        await asyncio.sleep(1.5)
        assert mailbox.messages == []
        for ws in (client, freelancer):
            await ws.close()
    finally:
        server.stop()


async def test_a_refusing_mail_server_is_retried_and_the_room_is_unaffected(
    tmp_path: Path,
) -> None:
    with SmtpSink(refuse=2) as box:
        server = ServerProcess(tmp_path / "data", env={**QUICK, "OFFER_ROOM_SMTP_URL": box.url})
        server.start()
        try:
            offer = server.create_offer(**with_emails())
            client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
            await command(client, {"type": "post", "body": "Are you there?"})
            [mail] = await box.wait_for(1, timeout=30)
            body = mail.get_body(("plain",))
            assert body is not None and "Are you there?" in body.get_content()
            assert box.attempts == 3  # refused twice, then sent once
            answer = await command(client, {"type": "post", "body": "Still working here."})
            assert answer["type"] == "ack"
            await client.close()
        finally:
            server.stop()


async def test_a_waiting_reminder_survives_a_restart_and_fires_once(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    server = ServerProcess(tmp_path / "data", env={
        **QUICK, "OFFER_ROOM_WEBHOOK_URL": receiver.url,
        "OFFER_ROOM_REMIND_WAITING_AFTER_S": "2", "OFFER_ROOM_NOTIFY_THROTTLE_S": "0"})
    server.start()
    try:
        offer = server.create_offer(**with_emails())
        client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
        asked = await command(client, {"type": "post", "kind": "question", "about": "end_date",
                                       "body": "Can the end date move a week?"})
        assert asked["type"] == "ack"
        await client.close()
        server.stop()  # the reminder is durable: it fires after the restart
        server.start()
        await wait_until(lambda: any(i["kind"] == "reminder" for n in notifications(receiver)
                               for i in n["payload"]["items"]), timeout=20)
        await asyncio.sleep(1.5)
        reminders = [i for n in notifications(receiver) for i in n["payload"]["items"]
                     if i["kind"] == "reminder"]
        assert len(reminders) == 1 and "waiting" in reminders[0]["summary"]
    finally:
        server.stop()


async def _until_freelancer(presence: Redis, offer_id: str, *, present: bool) -> None:
    """Until the nodes' presence board in Redis shows the freelancer (f-1) present, or not."""
    deadline = time.monotonic() + 10
    while any(field.startswith(b"f-1\x00")
              for field in await presence.hkeys(f"offer-room:present:{offer_id}")) != present:
        assert time.monotonic() < deadline, f"the freelancer never became present={present}"
        await asyncio.sleep(0.05)


async def test_a_party_present_on_another_node_is_not_away(
    tmp_path: Path, redis: RedisServer, mailbox: SmtpSink
) -> None:
    database = create_database("notify")
    nodes: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            node = ServerProcess(tmp_path / name, env={
                **QUICK, "OFFER_ROOM_SMTP_URL": mailbox.url, "OFFER_ROOM_DATABASE_URL": database,
                "OFFER_ROOM_REDIS_URL": redis.url, "OFFER_ROOM_NODE_ID": f"node-{name}"})
            node.start()
            nodes.append(node)
        a, b = nodes
        offer = a.create_offer(**with_emails())
        client = await connected(a.ws_base, offer["id"], offer["tokens"]["client"])
        freelancer = await connected(b.ws_base, offer["id"], offer["tokens"]["freelancer"])
        # Present once node B has said so in Redis (a post before that would find the freelancer
        # away, and its skipped digest would throttle the next one past this test's wait).
        presence = Redis.from_url(redis.url)
        await _until_freelancer(presence, offer["id"], present=True)
        await command(client, {"type": "post", "body": "Seen on node B."})
        await freelancer.wait_for(lambda: bool(updates(freelancer)))
        await asyncio.sleep(1.5)
        assert mailbox.messages == []
        await freelancer.close()  # now away on every node, once node B has said so in Redis
        await _until_freelancer(presence, offer["id"], present=False)
        await presence.aclose()
        await command(client, {"type": "post", "body": "Now you are away."})
        [mail] = await mailbox.wait_for(1)
        assert "Now you are away." in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        await asyncio.sleep(1.0)  # both nodes sweep: one of them sends it
        assert len(mailbox.messages) == 1
        await client.close()
    finally:
        for node in nodes:
            node.stop()
        drop_database(database)


async def test_an_offer_created_a_day_before_expiry_reminds_both_parties_once(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    """The 24 h reminder scheduled at creation: a banner for the party in the room, a digest for
    the one who is away; the 72 h one was already past and is not scheduled."""
    server = ServerProcess(tmp_path / "data", env={**QUICK, "OFFER_ROOM_WEBHOOK_URL": receiver.url})
    server.start()
    try:
        soon = datetime.now(UTC) + timedelta(hours=24, seconds=3)
        offer = server.create_offer(**with_emails(), expires_at=soon.isoformat())
        freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
        await freelancer.wait_for(lambda: bool(freelancer.messages("notice")), timeout=15)
        [banner] = freelancer.messages("notice")
        assert banner["kind"] == "reminder" and banner["text"] == "This offer expires tomorrow"
        await wait_until(lambda: bool(notifications(receiver)))
        [digest] = notifications(receiver)
        assert digest["payload"]["recipient"]["id"] == "c-1"
        assert [i["kind"] for i in digest["payload"]["items"]] == ["reminder"]
        await asyncio.sleep(1.0)
        assert len(freelancer.messages("notice")) == 1 and len(notifications(receiver)) == 1
        await freelancer.close()
    finally:
        server.stop()
