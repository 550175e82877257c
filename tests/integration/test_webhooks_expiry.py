"""Webhooks from the durable outbox (across a restart, signed, retried) and offer expiry."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.support.receiver import WebhookReceiver
from tests.support.server import API_KEY, ServerProcess, free_port
from tests.support.yclient import connected

SECRET = "webhook-signing-secret"


def _wait(predicate: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


async def test_webhooks_survive_a_restart_and_are_signed(tmp_path: Path) -> None:
    port = free_port()
    env = {"OFFER_ROOM_WEBHOOK_URL": f"http://127.0.0.1:{port}/hooks",
           "OFFER_ROOM_WEBHOOK_SECRET": SECRET, "OFFER_ROOM_WEBHOOK_BACKOFF_S": "0.2"}
    proc = ServerProcess(tmp_path / "data", env=env)
    proc.start()
    receiver = None
    try:
        offer = proc.create_offer()  # the receiver is down: the event waits in the outbox
        with httpx.Client(base_url=proc.url) as http:
            made = http.post(f"/api/offers/{offer['id']}/commands?as=client",
                             json={"type": "withdraw_offer", "reason": "Hired elsewhere"},
                             headers={"Authorization": f"Bearer {API_KEY}"})
        assert made.status_code == 200, made.text
        await asyncio.sleep(0.5)
        proc.kill9()
        receiver = WebhookReceiver(SECRET, port=port, fail_first=1)
        proc.start()
        _wait(lambda: "offer_withdrawn" in receiver.kinds())
        assert receiver.bad_signatures == 0
        withdrawn = next(e for e in receiver.received if e["kind"] == "offer_withdrawn")
        assert withdrawn["offer_id"] == offer["id"] and withdrawn["reason"] == "Hired elsewhere"
        assert withdrawn["id"] == f"{offer['id']}:{withdrawn['seq']}"
        with httpx.Client(base_url=proc.url) as http:
            metrics = http.get("/metrics").text
        # Counted by this process as it happened (counters restart with the process).
        assert 'offer_room_webhook_deliveries_total{outcome="delivered"} 1.0' in metrics
        assert 'offer_room_webhook_deliveries_total{outcome="failed"} 1.0' in metrics
    finally:
        proc.stop()
        if receiver is not None:
            receiver.close()


async def test_an_offer_expires_with_a_notice_and_turns_read_only(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "data", env={"OFFER_ROOM_EXPIRY_SWEEP_SECONDS": "0.3"})
    proc.start()
    try:
        soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
        offer = proc.create_offer(expires_at=soon)
        unseen = proc.create_offer(expires_at=soon)
        client = await connected(proc.ws_base, offer["id"], offer["tokens"]["client"])
        await client.wait_for(lambda: client.odoc.offer.to_py()["status"] == "expired", 6)
        await client.wait_for(lambda: any(n["kind"] == "offer_expired"
                                          for n in client.messages("notice")))
        with client.edit() as doc:
            doc.terms["hourly_rate"] = 9000
        await client.wait_for(lambda: any(r["code"] == "closed"
                                          for r in client.messages("rejected")))
        await client.close()
        with httpx.Client(base_url=proc.url,
                          headers={"Authorization": f"Bearer {API_KEY}"}) as http:
            state = http.get(f"/api/offers/{unseen['id']}").json()
        assert state["status"] == "expired"  # nobody opened it: the sweep did
    finally:
        proc.stop()
