"""Checks 13 and 14: log lines forged through an offer id or a party id, and the answer an
honest client gets when it resyncs after the node crashed with its last edit unsaved."""

from __future__ import annotations

import asyncio

from hostile.measure import Case, Ctx
from hostile.peer import Peer
from hostile.raw import RawSocket

#: A forged line starts with what the node's own lines start with (asctime, level, logger).
FORGED = "2099-01-01 00:00:00,000 INFO offer_room.socket: FORGED"


async def forged_log_lines(ctx: Ctx) -> str:
    start = len(ctx.node.log)
    forged = FORGED.replace(" ", "%20")
    sock = await RawSocket.open(ctx.node.port)
    status = await sock.upgrade(f"/ws/offers/abc%0d%0a{forged}%20from%20the%20path?token=x")
    await sock.until_close(1)
    sock.close()
    ctx.answer("13a %0d%0a in /ws/offers/{id}", f"{status or 'no answer'}")
    created = ctx.node.create_offer(freelancer=f"f-1\n{FORGED} from a party id")
    if created.status_code == 201:
        party = Peer(ctx.url(created.json()["tokens"]["freelancer"], created.json()["id"]))
        joined = await party.joined(5)
        await party.close()
        got = f"created (201); the party {'joined' if joined else 'was refused'}"
    else:
        got = f"refused ({created.status_code})"
    ctx.answer("13b newline in a party id", got)
    await asyncio.sleep(0.5)  # the last log lines
    count = sum(line.startswith(FORGED[:23]) for line in ctx.node.log[start:])
    ctx.answer("13c log lines forged by 13a and 13b", f"{count}", "0")
    return "answered"


async def resync_after_crash(ctx: Ctx) -> str:
    """The node is killed with the client's edit unsaved (OFFER_ROOM_FLUSH_MS=5000); the client
    reconnects with the same Y.Doc and resends what the node lost."""
    client = Peer(ctx.url(ctx.party("client")), doc=True)
    await client.joined()
    await client.wait(lambda: client.step2_bytes is not None, 5)
    with client.edit() as terms:
        terms["hourly_rate"] = 6400
    changed = client.changed_by
    assert changed is not None
    attributed = await client.wait(lambda: "hourly_rate" in changed, 5)
    ctx.node.kill()
    await client.wait(client.closed.is_set, 5)
    ctx.node.start()
    before = len(client.messages("rejected"))
    await client.joined()
    await client.wait(lambda: client.step2_bytes is not None, 5)
    peer = Peer(ctx.url(ctx.party("freelancer")), doc=True)
    await peer.joined()
    survived = await peer.wait(lambda: peer.terms is not None
                               and peer.terms.get("hourly_rate") == 6400, 5)
    await asyncio.sleep(0.5)
    rejected = client.messages("rejected")[before:]
    for p in (client, peer):
        await p.close()
    detail = ", ".join(f"{r.get('code')} {r.get('fields')}" for r in rejected)
    ctx.answer("14 honest client resyncing after kill -9: `rejected` messages",
               f"{len(rejected)}" + (f" ({detail})" if detail else "")
               + f"; the edit {'came back' if survived else 'was LOST'}"
               + ("" if attributed else " (no attribution seen before the kill)"), "0")
    return "answered"


CASES = [
    Case("13", "forged log lines", "", forged_log_lines, kind="check"),
    Case("14", "resync after a crash", "", resync_after_crash, kind="check",
         env={"OFFER_ROOM_FLUSH_MS": "5000"}),
]
