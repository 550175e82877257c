"""Field locks on a running node: the idle limit and the configured lock fields.

docs/PROTOCOL.md, "Locks": a lease ends ``OFFER_ROOM_LOCK_IDLE_MS`` after its holder's last sign
of input however often it is renewed without one, and only ``OFFER_ROOM_LOCK_FIELDS`` lock.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.server import ServerProcess
from tests.support.yclient import connected


async def test_renewals_without_input_do_not_keep_a_lock(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "data", env={"OFFER_ROOM_LOCK_IDLE_MS": "1200",
                                                 "OFFER_ROOM_LOCK_FIELDS": "title,hourly_rate"})
    proc.start()
    try:
        offer = proc.create_offer()
        client = await connected(proc.ws_base, offer["id"], offer["tokens"]["client"])
        freelancer = await connected(proc.ws_base, offer["id"], offer["tokens"]["freelancer"])
        [hello] = freelancer.messages("hello")
        assert (hello["lock_fields"], hello["lock_idle_ms"]) == (["title", "hourly_rate"], 1200)
        await freelancer.send_app({"type": "lock", "field": "title", "active": True})
        await client.wait_for(lambda: any(m["locks"] for m in client.messages("locks")))
        # The holder's tab renews every 300 ms and never types: released after 1.2 s anyway.
        for _ in range(10):
            await asyncio.sleep(0.3)
            await freelancer.send_app({"type": "lock", "field": "title"})
        assert client.messages("locks")[-1]["locks"] == []
        assert any(e["code"] == "lock_idle" for e in freelancer.messages("error"))
        # The other party takes it.
        await client.send_app({"type": "lock", "field": "title", "id": "c1", "active": True})
        await freelancer.wait_for(lambda: [
            (e["field"], e["user"]["role"]) for e in freelancer.messages("locks")[-1]["locks"]
        ] == [("title", "client")])
        # A field outside OFFER_ROOM_LOCK_FIELDS does not lock.
        await client.send_app({"type": "lock", "field": "fixed_price", "id": "c2"})
        await client.wait_for(lambda: any(e.get("ref") == "c2" and e["code"] == "bad_field"
                                          for e in client.messages("error")))
        await client.close()
        await freelancer.close()
    finally:
        proc.stop()
