"""Attacks on the front door and the framing (2, 3, 7, 8): bytes before a request is complete,
pings never read, 1-byte fragments, sockets that never speak or speak one byte a second."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx

from hostile import wire
from hostile.measure import Case, Ctx
from hostile.peer import Peer
from hostile.raw import RawSocket

MB = 1_000_000
#: 1 MiB of short header lines, written over and over.
HEADER_LINES = b"X-a: b\r\n" * 131_072
HEALTHZ_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
UPGRADE_HEAD = (b"GET /ws/offers/x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\n")


def _write_timeout(ctx: Ctx) -> float:
    return min(5.0, max(ctx.remaining(), 0.5))


async def endless_head(ctx: Ctx, head: bytes) -> str:
    """Up to 200 MB of header lines after ``head``, the blank line never sent."""
    sock = await RawSocket.open(ctx.node.port)
    answer = asyncio.create_task(sock.reader.read(256))
    ok = await sock.write(head, 5)
    while ok and sock.sent < 200 * MB and not answer.done() and not ctx.should_stop():
        ok = await sock.write(HEADER_LINES, _write_timeout(ctx))
    with contextlib.suppress(TimeoutError, ConnectionError):
        await asyncio.wait_for(asyncio.shield(answer), 2)
    sent = f"after {sock.sent / MB:,.1f} MB"
    if answer.done() and answer.exception() is None and answer.result():
        first_line = answer.result().split(b"\r\n", 1)[0].decode(errors="replace")
        outcome = f"answered {first_line!r} {sent}"
    elif answer.done():
        outcome = f"closed without an answer {sent}"
    elif not ok:
        outcome = f"writes {sock.failure} {sent}"
    else:
        outcome = f"still open {sent}"
    answer.cancel()
    sock.close()
    return outcome


async def head_to_healthz(ctx: Ctx) -> str:
    return await endless_head(ctx, HEALTHZ_HEAD)


async def head_to_socket(ctx: Ctx) -> str:
    return await endless_head(ctx, UPGRADE_HEAD)


async def unread_pings(ctx: Ctx) -> str:
    """Pings with 125-byte payloads for 10 s from a socket that never reads (4 KB SO_RCVBUF)."""
    sock = await RawSocket.open(ctx.node.port, rcvbuf=4096)
    status = await sock.upgrade(f"/ws/offers/{ctx.offer_id}?token={ctx.viewer()}")
    if status != 101:
        return f"upgrade answered {status}"
    # Let the admission finish first: a node that checks its send buffer when it writes the
    # hello would otherwise drop the socket by chance, not by design. An attacker can wait too.
    await asyncio.sleep(0.5)
    pings = wire.frame(wire.PING, b"p" * 125) * 512  # 67 KB a write
    ok = True
    while ok and not ctx.should_stop():
        ok = await sock.write(pings, _write_timeout(ctx))
    writes = f"writes {sock.failure}" if not ok else "still writing"
    took = ctx.elapsed()
    # What the node answered in the end is behind the pongs it buffered: read for a while.
    ending = await sock.until_close(3)
    sock.close()
    return f"{sock.sent / MB:,.0f} MB of pings in {took:.1f} s, {writes}; reading then: {ending}"


async def one_byte_fragments(ctx: Ctx) -> str:
    """A message sent as 1-byte fragments, up to ~15 MB on the wire, then a ping."""
    sock = await RawSocket.open(ctx.node.port)
    status = await sock.upgrade(f"/ws/offers/{ctx.offer_id}?token={ctx.viewer()}")
    if status != 101:
        return f"upgrade answered {status}"
    reader = asyncio.create_task(sock.until_close(ctx.seconds + 15, pong=b"after"))
    chunk = wire.frame(wire.CONTINUATION, b"\x00", fin=False) * 9_362  # 64 KB a write
    ok = await sock.write(wire.frame(wire.BINARY, b"\x00", fin=False), 5)
    while ok and sock.sent < 15 * MB and not reader.done() and not ctx.should_stop():
        ok = await sock.write(chunk, _write_timeout(ctx))
    if ok and not reader.done():  # a control frame may come between fragments
        ok = await sock.write(wire.frame(wire.PING, b"after"), 5)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(reader), max(ctx.remaining(), 10))
    ending = reader.result() if reader.done() else "no answer to a ping (10 s)"
    ending = "pong: the node read it all and holds the message open" if ending == "pong" else ending
    reader.cancel()
    sock.close()
    writes = "" if ok else f", writes {sock.failure}"
    return f"{sock.sent / MB:,.1f} MB of fragments sent{writes}; {ending}"


async def idle_sockets(ctx: Ctx) -> str:
    """1,005 sockets that never send a byte (the node has 1,024 descriptors); then /healthz and
    an honest socket."""
    socks: list[RawSocket] = []
    failed = 0
    for start in range(0, 1005, 100):
        if ctx.should_stop():
            break
        batch = await asyncio.gather(
            *(RawSocket.open(ctx.node.port, seconds=5) for _ in range(min(100, 1005 - start))),
            return_exceptions=True)
        socks += [s for s in batch if isinstance(s, RawSocket)]
        failed += sum(not isinstance(s, RawSocket) for s in batch)
    # A read ends when the node closes the socket.
    watchers = [asyncio.create_task(s.reader.read(1)) for s in socks]
    await asyncio.sleep(1.0)
    health = await _healthz(ctx)
    honest = Peer(ctx.url(ctx.party("client")))
    try:
        joined = "joins" if await honest.joined(5) else f"not admitted ({honest.ending()})"
    except Exception as exc:
        joined = f"cannot connect ({type(exc).__name__})"
    dropped = sum(w.done() for w in watchers)
    for watcher in watchers:
        watcher.cancel()
    for sock in socks:
        sock.close()
    await honest.close()
    ctx.details.update(opened=len(socks), connect_failed=failed, dropped_by_node=dropped)
    return (f"{len(socks)} idle sockets connected ({dropped} dropped by the node); {health}; "
            f"an honest socket {joined}")


async def _healthz(ctx: Ctx) -> str:
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=5) as http:
            response = await http.get(ctx.node.url + "/healthz")
    except httpx.HTTPError as exc:
        return f"/healthz {type(exc).__name__} after {time.monotonic() - started:.1f} s"
    return f"/healthz {response.status_code} in {(time.monotonic() - started) * 1000:,.0f} ms"


async def trickle(ctx: Ctx) -> str:
    """An admitted socket sending one byte of an unfinished frame every 5 s for 75 s (the report
    trickled one every 15 s): longer than the keep-alive's two ping intervals and the 60 s frame
    deadline, so a node that bounds neither keeps it."""
    sock = await RawSocket.open(ctx.node.port)
    status = await sock.upgrade(f"/ws/offers/{ctx.offer_id}?token={ctx.viewer()}")
    if status != 101:
        return f"upgrade answered {status}"
    await sock.write(wire.frame(wire.BINARY, wire.EMPTY_STEP2), 5)  # it answered the sync
    reader = asyncio.create_task(sock.until_close(ctx.seconds + 5))
    unfinished = wire.frame(wire.BINARY, b"\x00" * 4096)
    sent = 0
    while sent < 15 and not reader.done() and not ctx.should_stop():
        if not await sock.write(unfinished[sent:sent + 1], 5):
            break
        sent += 1
        await asyncio.wait([reader], timeout=5.0)
    took = ctx.elapsed()
    outcome = (f"dropped after {took:.0f} s ({reader.result()})" if reader.done()
               else f"still open after {sent} bytes in {took:.0f} s")
    reader.cancel()
    sock.close()
    return outcome


CASES = [
    Case("2a", "request head that never ends: 200 MB of header lines to /healthz",
         "16 KiB per request head (431), complete within 10 s (408)", head_to_healthz),
    Case("2b", "the same on /ws/offers/x with upgrade headers",
         "16 KiB per request head (431), before any token is read", head_to_socket),
    Case("3", "pings with 125-byte payloads, never reading (4 KB SO_RCVBUF), 10 s",
         "4 MiB send buffer per socket, pongs included (1013)", unread_pings, seconds=10,
         timed=True),
    Case("7", "one message as 1-byte fragments, ~15 MB on the wire",
         "64 frames per message (1008), 2 MiB per message (4413)", one_byte_fragments),
    Case("8a", "1,005 idle sockets on a node with RLIMIT_NOFILE 1024",
         "connections capped 64 below the descriptor limit; oldest pending head dropped",
         idle_sockets, open_files=1024),
    Case("8b", "admitted socket trickles one byte of a frame every 5 s, 75 s",
         "a frame must be complete 60 s after its first byte", trickle, seconds=80,
         timed=True),
]
