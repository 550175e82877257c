"""Checks (9-12): conformance, cross-site requests, tokens, hostile numbers and JSON. Each
records what the node answered (a status, a close code, a count) rather than a cost."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx

from hostile import wire
from hostile.measure import Case, Ctx
from hostile.node import API_KEY
from hostile.peer import Peer
from hostile.raw import RawSocket

EVIL = "https://evil.example"
HUGE = "99999999999999999999"


def _client(ctx: Ctx, **headers: str) -> httpx.AsyncClient:
    """A client that opens a connection per request: a node that closed the last one after an
    error must not turn the next answer into a read error."""
    return httpx.AsyncClient(base_url=ctx.node.url, trust_env=False, timeout=30, headers=headers,
                             limits=httpx.Limits(max_keepalive_connections=0))


async def _ask(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> str:
    try:
        return _status(await http.request(method, url, **kwargs))
    except httpx.HTTPError as exc:
        return f"no answer ({type(exc).__name__})"


def _status(response: httpx.Response) -> str:
    try:
        code = response.json().get("error", {}).get("code")
    except (ValueError, AttributeError):
        code = None
    return f"{response.status_code}" + (f" {code}" if code else "")


async def conformance(ctx: Ctx) -> str:
    path = f"/ws/offers/{ctx.offer_id}?token={ctx.viewer()}"
    sock = await RawSocket.open(ctx.node.port)
    status = await sock.upgrade(path, then=wire.frame(wire.PING, b"pipelined"))
    got = await sock.until_close(3, pong=b"pipelined") if status == 101 else f"upgrade {status}"
    sock.close()
    ctx.answer("9a first frame in the same segment as the upgrade",
               {"pong": "read (pong)", "open": "lost (no pong in 3 s)"}.get(got, got),
               "read (pong)")
    sock = await RawSocket.open(ctx.node.port)
    status = await sock.upgrade(path, version="1.0")
    sock.close()
    ctx.answer("9b HTTP/1.0 upgrade", f"{status or 'no answer'}", "400")
    sock = await RawSocket.open(ctx.node.port)
    if await sock.upgrade(path) == 101:
        await sock.write(wire.frame(wire.TEXT, b"\xff\xfe\xfd"), 5)
        got = await sock.until_close(3)
    else:
        got = "upgrade refused"
    sock.close()
    ctx.answer("9c text frame with invalid UTF-8", "not closed (3 s)" if got == "open" else got,
               "closed 1007")
    return "answered"


async def cross_site(ctx: Ctx) -> str:
    sock = await RawSocket.open(ctx.node.port)
    status = await sock.upgrade(f"/ws/offers/{ctx.offer_id}?token={ctx.party('client')}",
                                origin=EVIL)
    sock.close()
    ctx.answer("10a upgrade with Origin: https://evil.example", f"{status or 'no answer'}", "403")
    async with _client(ctx) as http:
        got = await _ask(http, "POST", f"/api/offers/{ctx.offer_id}/commands",
                         params={"token": ctx.party("client")},
                         content=b'{"type":"withdraw_offer"}',
                         headers={"Content-Type": "text/plain", "Origin": EVIL})
        offer = await http.get(f"/api/offers/{ctx.offer_id}",
                               headers={"Authorization": f"Bearer {API_KEY}"})
    ctx.answer("10b text/plain POST withdraw_offer to /commands?token= from evil.example",
               f"{got}; offer now {offer.json().get('status')}", "refused")
    return "answered"


def _lifetime(token: str) -> str:
    """How long a JWT lives from now, read from its ``exp`` claim."""
    body = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    days = (claims["exp"] - time.time()) / 86400
    return f"{days:,.0f} days" if days < 3650 else f"{days / 365.25:,.0f} years"


async def tokens(ctx: Ctx) -> str:
    node = ctx.node
    with node.api() as http:
        withdrawn = http.post(f"/api/offers/{ctx.offer_id}/commands", params={"as": "client"},
                              json={"type": "withdraw_offer"})
    old = Peer(ctx.url(ctx.party("freelancer")))
    try:
        if await old.joined(5):
            hello = old.messages("hello")[0]
            got = "joins, " + ("read-only" if hello.get("read_only") else "NOT read-only")
        else:
            got = f"refused ({old.ending()})"
    except Exception as exc:
        got = f"refused at the handshake ({type(exc).__name__})"
    await old.close()
    ctx.answer("11a old party token after withdraw_offer",
               f"withdraw {_status(withdrawn)}; the freelancer's token {got}")

    created = node.create_offer(expires_at="9999-12-31T23:59:59Z")
    if created.status_code == 201:
        offer = created.json()
        with node.api() as http:
            minted = http.post(f"/api/offers/{offer['id']}/tokens",
                               json={"role": "viewer", "user": {"id": "v-9", "name": "Vera"}})
        got = f"created; its tokens live {_lifetime(offer['tokens']['client'])}"
        if minted.status_code == 201:
            got += f"; a token minted with no ttl lives {_lifetime(minted.json()['token'])}"
    else:
        got = f"creation refused: {_status(created)}"
    ctx.answer("11b offer expiring in year 9999: token lifetime", got)
    ctx.answer("11c viewer token with the client's user id unlocks the client's lock",
               await _foreign_unlock(ctx))
    return "answered"


async def _foreign_unlock(ctx: Ctx) -> str:
    fresh = ctx.node.offer()
    ctx.offer_id, ctx.offer = fresh["id"], fresh  # a fresh open offer (11a withdrew the first)
    minted = ctx.node.mint(ctx.offer_id, "viewer", "c-1", "Mallory")
    if minted.status_code != 201:
        return f"mint refused: {_status(minted)}"
    client = Peer(ctx.url(ctx.party("client")))
    viewer = Peer(ctx.url(minted.json()["token"]))
    try:
        await client.joined()
        await client.send(wire.app_message({"type": "lock", "field": "hourly_rate"}))
        if not await client.wait(lambda: _holds(client), 5):
            return "mint 201; the client's lock was not granted"
        await viewer.joined()
        await viewer.send(wire.app_message({"type": "unlock", "field": "hourly_rate"}))
        await asyncio.sleep(1.0)
        held = _holds(client)
        return "mint 201; " + ("unlock ignored, the lock holds" if held
                               else "the viewer RELEASED the client's lock")
    finally:
        await client.close()
        await viewer.close()


def _holds(peer: Peer) -> bool:
    locks = peer.messages("locks")
    return bool(locks) and any(e.get("field") == "hourly_rate" for e in locks[-1]["locks"])


async def hostile_input(ctx: Ctx) -> str:
    base = f"/api/offers/{ctx.offer_id}"
    deep = '{"type":"propose","note":"x","x":' + "[" * 1000 + "]" * 1000 + "}"
    json_body = {"Content-Type": "application/json"}
    async with _client(ctx, Authorization=f"Bearer {API_KEY}") as http:
        for check, url in (("12a GET /versions/" + HUGE, f"{base}/versions/{HUGE}"),
                           ("12b GET /diff?from=1&to=" + HUGE, f"{base}/diff?from=1&to={HUGE}")):
            ctx.answer(check, await _ask(http, "GET", url), "404 or 400")
        got = await _ask(http, "POST", f"{base}/commands?as=client", content=deep.encode(),
                         headers=json_body)
        ctx.answer("12c /commands body nested 1,000 deep", got, "400 or 422")
        before = ctx.sampler.peak_mb
        answers = sorted(await asyncio.gather(*(_big_body(ctx) for _ in range(4))))
        await asyncio.sleep(0.2)
        ctx.answer("12d four 50 MB bodies to /commands at once",
                   f"{', '.join(answers)}; node RSS peak +{ctx.sampler.peak_mb - before:,.0f} MB",
                   "413")
    ctx.answer("12e deep JSON on the socket (app message, awareness state)",
               await _deep_on_socket(ctx), "2 error messages, socket open")
    return "answered"


async def _big_body(ctx: Ctx, size: int = 50_000_000) -> str:
    """POST a ``size``-byte body to /commands from a raw socket that reads while it writes, so an
    early answer (413 before the body is read) is seen, not lost in a failed write."""
    body = b'{"type":"propose","note":"' + b"a" * (size - 28) + b'"}'
    head = (f"POST /api/offers/{ctx.offer_id}/commands?as=client HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {API_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    sock = await RawSocket.open(ctx.node.port)
    answer = asyncio.create_task(sock.read_status(60))
    ok = await sock.write(head.encode(), 5)
    step = 1 << 20
    while ok and sock.sent < len(head) + len(body) and not answer.done():
        start = sock.sent - len(head)
        ok = await sock.write(body[start:start + step], 10)
    status = await answer
    sock.close()
    sent = f"{(sock.sent - len(head)) / 1e6:,.0f} MB sent"
    return f"{status} ({sent})" if status else f"no answer ({sent})"


async def _deep_on_socket(ctx: Ctx) -> str:
    lines = len(ctx.node.log)
    client = Peer(ctx.url(ctx.party("client")))
    await client.joined()
    deep_app = '{"type":"lock","field":"title","x":' + "[" * 50_000 + "]" * 50_000 + "}"
    await client.send(wire.app_message(deep_app))
    await client.send(wire.awareness_message([(4242, 1, "[" * 2_000 + "]" * 2_000)]))
    await client.wait(lambda: len(client.messages("error")) >= 2, 5)
    await asyncio.sleep(0.3)
    codes: list[Any] = [e.get("code") for e in client.messages("error")]
    tracebacks = sum("Traceback" in line for line in ctx.node.log[lines:])
    ending = client.ending()
    await client.close()
    return f"{len(codes)} error messages {codes}; socket {ending}; {tracebacks} tracebacks logged"


CASES = [
    Case("9", "conformance", "", conformance, kind="check"),
    Case("10", "cross-site", "", cross_site, kind="check"),
    Case("11", "tokens", "", tokens, kind="check"),
    Case("12", "hostile numbers and JSON", "", hostile_input, kind="check", seconds=60),
]
