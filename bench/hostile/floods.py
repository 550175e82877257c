"""Attacks inside a room (1, 4, 5, 6): what a participant's socket makes the node hold or do."""

from __future__ import annotations

import asyncio
from collections import Counter

from hostile import wire
from hostile.measure import Case, Ctx
from hostile.node import MIB
from hostile.peer import Peer


def _seconds(ctx: Ctx, floor: float = 5.0) -> float:
    """A wait's timeout: what is left of the budget, but enough for one answer."""
    return max(ctx.remaining(), floor)


def _counts(ends: Counter[str]) -> str:
    return ", ".join(f"{n} x {end}" for end, n in ends.most_common())


async def held_before_sync(ctx: Ctx) -> str:
    """Two viewer sockets that never answer sync step 1, each sending up to 256 ~1.9 MB updates."""
    token = ctx.viewer()
    sockets: list[tuple[Peer, int]] = []
    for _ in range(2):
        peer = Peer(ctx.url(token), answer=False)
        await peer.open()
        sent = 0
        while sent < 256 and not ctx.should_stop():
            if not await peer.send(wire.big_insert(99), _seconds(ctx, 1)):
                break
            sent += 1
        sockets.append((peer, sent))
    for peer, _ in sockets:  # a pong means the server has read everything sent before it
        await peer.ping_rtt(_seconds(ctx))
    ends = "; ".join(f"{peer.ending()} after {sent} sent" for peer, sent in sockets)
    for peer, _ in sockets:
        await peer.close()
    return ends


async def sockets_per_token(ctx: Ctx) -> str:
    """One viewer token opening 500 sockets; how many does the server keep?"""
    token = ctx.viewer()
    peers = [Peer(ctx.url(token)) for _ in range(500)]
    refused: Counter[str] = Counter()
    for start in range(0, len(peers), 50):
        if ctx.should_stop():
            break
        opened = await asyncio.gather(*(p.open() for p in peers[start:start + 50]),
                                      return_exceptions=True)
        refused.update(f"refused: {type(r).__name__}" for r in opened if isinstance(r, Exception))
    await asyncio.sleep(1.5)  # the admissions, and the closes of those over the limit
    connected = [p for p in peers if p.ws is not None]
    kept = sum(not p.closed.is_set() for p in connected)
    ends = Counter(p.ending() for p in connected if p.closed.is_set()) + refused
    party = Peer(ctx.url(ctx.party("client")))
    try:
        party_in = await party.joined(10)
    except Exception:
        party_in = False
    await asyncio.gather(*(p.close() for p in [*connected, party]))
    ctx.details.update(kept_open=kept, ends=dict(ends), party_joined=party_in)
    return (f"server kept {kept} of {len(connected)} open"
            + (f" ({_counts(ends)})" if ends else "")
            + f"; the client party {'still joins' if party_in else 'cannot join'}")


async def big_inserts(ctx: Ctx) -> str:
    """A viewer's 1.9 MB inserts into the description, 30 times, with an honest peer in the room."""
    peer = Peer(ctx.url(ctx.party("freelancer")))
    attacker = Peer(ctx.url(ctx.viewer()))
    for p in (peer, attacker):
        await p.joined()
    await asyncio.sleep(0.3)  # the flusher's commit of the joins
    disk, received = ctx.node.disk_bytes(), peer.bytes_in
    sent = 0
    for i in range(30):
        if ctx.should_stop() or not await attacker.send(_insert(i), _seconds(ctx, 1)):
            break
        sent += 1
    await attacker.ping_rtt(_seconds(ctx))
    await peer.ping_rtt(_seconds(ctx))
    await asyncio.sleep(0.5)  # commits (20 ms apart) and a compaction
    joiner = Peer(ctx.url(ctx.party("client")), fetch=True)
    if await joiner.joined(15):
        await joiner.wait(lambda: joiner.step2_bytes is not None, 15)
    ctx.details.update(
        sent=sent, rejected=len(attacker.messages("rejected")),
        peer_received_mb=round((peer.bytes_in - received) / MIB, 1),
        log_growth_mb=round((ctx.node.disk_bytes() - disk) / MIB, 1),
        joiner_sync_kb=None if joiner.step2_bytes is None else round(joiner.step2_bytes / 1024, 1),
        peer=peer.ending(), attacker=attacker.ending())
    for p in (peer, attacker, joiner):
        await p.close()
    d = ctx.details
    sync = ("nothing (no sync in 15 s)" if d["joiner_sync_kb"] is None
            else f"{d['joiner_sync_kb']:,} KB")
    return (f"{d['attacker']} after {sent} sent ({d['rejected']} rejected); honest peer got "
            f"{d['peer_received_mb']} MB ({d['peer']}); update log +{d['log_growth_mb']} MB; "
            f"a joiner downloads {sync}")


def _insert(i: int) -> bytes:
    return wire.big_insert(1000 + i, chr(65 + i % 26))


def _all_inserts() -> object:
    return [_insert(i) for i in range(30)]


async def delete_sets(ctx: Ctx) -> str:
    """Updates that are only a delete set of ~600,000 ranges, 40 times, reconnecting when closed."""
    token = ctx.viewer()
    sent = connections = 0
    ends: Counter[str] = Counter()
    attacker: Peer | None = None
    while sent < 40 and connections < 80 and not ctx.should_stop():
        if attacker is None or attacker.closed.is_set():
            if attacker is not None:
                ends[attacker.ending()] += 1
                await attacker.close()
            attacker = Peer(ctx.url(token))
            connections += 1
            try:
                await attacker.joined(_seconds(ctx, 1))
            except Exception as exc:
                ends[f"refused: {type(exc).__name__}"] += 1
                attacker = None
                continue
        if await attacker.send(wire.delete_set_update(), _seconds(ctx, 1)):
            sent += 1
    if attacker is not None:
        await attacker.ping_rtt(_seconds(ctx))
        ends[attacker.ending()] += 1
        await attacker.close()
    ctx.details.update(sent=sent, connections=connections, ends=dict(ends))
    return f"{sent} sent over {connections} connections: {_counts(ends)}"


async def awareness_ids(ctx: Ctx) -> str:
    """One viewer registering 1,000,000 awareness client ids; then a new joiner connects."""
    attacker = Peer(ctx.url(ctx.viewer()))
    await attacker.joined()
    sent = 0
    for batch in wire.awareness_batches():
        if ctx.should_stop() or not await attacker.send(batch, _seconds(ctx, 1)):
            break
        sent += 1
    await attacker.ping_rtt(_seconds(ctx))
    ids = sent * 50_000
    errors = len(attacker.messages("error"))
    joiner = Peer(ctx.url(ctx.party("client")))
    joined = await joiner.joined(15)
    # A joiner gets the room's presence before its locks (when there is any presence).
    await joiner.wait(lambda: joiner.first_awareness_bytes is not None
                      or bool(joiner.messages("locks")), 10)
    await asyncio.sleep(1.0)  # time for a close, if the node sends one
    size = joiner.first_awareness_bytes
    ctx.details.update(ids_sent=ids, error_messages=errors, joined=joined,
                       first_awareness_bytes=size)
    first = "none" if size is None else f"{size / 1024:,.1f} KB"
    result = (f"attacker {attacker.ending()} after {ids:,} ids ({errors} error messages); "
              f"joiner's first awareness frame: {first}, joiner {joiner.ending()}")
    for p in (attacker, joiner):
        await p.close()
    return result


CASES = [
    Case("1a", "viewer never answers sync step 1, sends 2 x 256 updates of 1.9 MB",
         "1 MiB held per socket before its sync (then 4429)", held_before_sync,
         prepare=lambda: wire.big_insert(99)),
    Case("1b", "one viewer token opens 500 sockets",
         "8 sockets per user per offer; 32 for all viewers of an offer", sockets_per_token),
    Case("4", "viewer inserts 1.9 MB into the description, 30 times",
         "refused edits reach no peer, no log, no joiner; viewers' work budget (4429)",
         big_inserts, prepare=_all_inserts),
    Case("5", "updates that are only a delete set (~600,000 ranges, 1.9 MB), 40 times",
         "20,000 items per update (4409); work budget per user", delete_sets,
         prepare=wire.delete_set_update),
    Case("6", "one viewer registers 1,000,000 awareness ids, then a joiner connects",
         "4 awareness ids per connection, 64 per room, 4 KiB per state", awareness_ids,
         prepare=wire.awareness_batches),
]
