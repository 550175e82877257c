"""Several workers on one port (``offer-room serve --workers N``): both parties of an offer meet
in one room whichever worker accepted their connections, REST reaches the room, a keep-alive
connection may name offers of different workers, and a worker's death stops the node."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from server.negotiation.expiry import PAGE, ExpirySweeper
from server.negotiation.service import Negotiation
from server.rooms.registry import Registry
from server.store.base import OWNED_SCAN, Store
from server.workers.ownership import offer_in_head, offer_in_target, owner_of
from tests.support.server import API_KEY, ServerProcess
from tests.support.yclient import YClient, connected

_PIDS = re.compile(r"workers: pids ([\d, ]+)\)")


def test_which_requests_name_an_offer() -> None:
    assert offer_in_target(b"/ws/offers/abc?token=t") == "abc"
    assert offer_in_target(b"/api/offers/abc") == "abc"
    assert offer_in_target(b"/api/offers/abc/commands?as=client") == "abc"
    assert offer_in_target(b"/offers/abc?token=t") == "abc"
    assert offer_in_target(b"/api/offers/%61bc/events") == "abc"  # decoded as the router does
    assert offer_in_target(b"http://host:8000/api/offers/abc/versions/2") == "abc"
    for target in (b"/api/offers", b"/api/offers/", b"/api/offers?x=1", b"/healthz",
                   b"/metrics", b"/assets/app.js", b"/docs/api", b"*", b"/offers/"):
        assert offer_in_target(target) is None, target
    assert offer_in_head(b"GET /ws/offers/abc HTTP/1.1\r\nHost: x\r\n\r\n") == "abc"
    assert offer_in_head(b"garbage\r\n\r\n") is None
    # Stable across processes (not Python's salted hash), and spread over the workers.
    assert owner_of("abc", 4) == owner_of("abc", 4) == 0x352441C2 % 4
    assert {owner_of(f"{n:016x}", 4) for n in range(64)} == {0, 1, 2, 3}


async def test_each_worker_sweeps_only_the_offers_it_owns() -> None:
    asked: list[int] = []
    loaded: list[str] = []

    class Due:
        async def due_for_expiry(self, now: datetime, limit: int = 100) -> list[str]:
            asked.append(limit)
            return [f"o{n}" for n in range(limit)]

    class Rooms:
        @contextlib.asynccontextmanager
        async def use(self, offer_id: str) -> AsyncIterator[str]:
            loaded.append(offer_id)
            yield offer_id

    class Expire:
        async def expire_if_due(self, room: str) -> None:
            pass

    def sweeper(owns: Callable[[str], bool] | None) -> ExpirySweeper:
        return ExpirySweeper(cast(Store, Due()), cast(Registry, Rooms()),
                             cast(Negotiation, Expire()), 60, owns=owns)

    # A worker asks for a wider page and keeps a page of its own.
    assert await sweeper(lambda offer_id: int(offer_id[1:]) % 2 == 1).sweep() == PAGE
    assert asked == [PAGE * OWNED_SCAN]
    assert loaded == [f"o{n}" for n in range(1, 2 * PAGE, 2)]
    asked.clear()
    loaded.clear()
    # One process sweeps every offer, a page at a time, as before workers.
    assert await sweeper(None).sweep() == PAGE
    assert asked == [PAGE] and loaded == [f"o{n}" for n in range(PAGE)]


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("data"), workers=2)
    proc.start()
    yield proc
    proc.stop()


def worker_pids(server: ServerProcess) -> list[int]:
    for line in server.log:
        found = _PIDS.search(line)
        if found:
            return [int(pid) for pid in found.group(1).split(", ")]
    raise AssertionError("no worker pids in:\n" + "".join(server.log))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def offers_of_each_worker(server: ServerProcess, per_worker: int) -> list[dict[str, Any]]:
    """Offers created until each of the two workers owns ``per_worker`` of them."""
    owned: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
    while min(len(v) for v in owned.values()) < per_worker:
        offer = server.create_offer()
        owned[owner_of(offer["id"], 2)].append(offer)
    return owned[0][:per_worker] + owned[1][:per_worker]


async def _meet(server: ServerProcess, offer: dict[str, Any]) -> None:
    oid, tokens = offer["id"], offer["tokens"]
    client = await connected(server.ws_base, oid, tokens["client"])
    freelancer = await connected(server.ws_base, oid, tokens["freelancer"])
    try:
        with client.edit() as doc:
            doc.terms["hourly_rate"] = 5100
        await freelancer.wait_for(lambda: freelancer.terms().get("hourly_rate") == 5100)
        with freelancer.edit() as doc:
            doc.terms["weekly_limit"] = 35
        await client.wait_for(lambda: client.terms().get("weekly_limit") == 35)
        await client.set_awareness({"focus": "title"})
        await freelancer.set_awareness({"focus": "hourly_rate"})
        await freelancer.wait_for(lambda: bool(freelancer.awareness.get(client.doc.client_id)))
        await client.wait_for(lambda: bool(client.awareness.get(freelancer.doc.client_id)))
    finally:
        await client.close()
        await freelancer.close()


def test_both_workers_accept_connections(two: ServerProcess) -> None:
    # /healthz names no offer: answered by whichever worker accepted the connection, each a
    # node of its own id. Without both accepting, the tests below would prove nothing.
    nodes = set()
    for _ in range(200):
        nodes.add(httpx.get(f"{two.url}/healthz", timeout=10).json()["node"])
        if len(nodes) == 2:
            break
    assert len(nodes) == 2, nodes


async def test_both_parties_always_meet_in_one_room(two: ServerProcess) -> None:
    # Each socket is its own TCP connection, accepted by whichever worker the kernel picks:
    # over 16 offers and 32 sockets both workers accept some for offers they do not own.
    offers = offers_of_each_worker(two, 8)
    await asyncio.gather(*(_meet(two, offer) for offer in offers))
    # The page of an offer is offer-scoped too, and answered whoever accepted it.
    with httpx.Client(base_url=two.url, timeout=10) as http:
        for offer in offers[:4] + offers[-4:]:
            page = http.get(f"/offers/{offer['id']}", params={"token": offer["tokens"]["client"]})
            assert page.status_code == 200


async def _propose_and_accept_over_rest(server: ServerProcess, offer: dict[str, Any]) -> None:
    oid, tokens = offer["id"], offer["tokens"]
    client = await connected(server.ws_base, oid, tokens["client"])
    freelancer = await connected(server.ws_base, oid, tokens["freelancer"])
    with client.edit() as doc:
        doc.terms["weekly_limit"] = 30
    await freelancer.wait_for(lambda: freelancer.terms().get("weekly_limit") == 30)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        proposed = http.post(f"/api/offers/{oid}/commands",
                             json={"type": "propose", "id": "r1", "base_version": 1},
                             headers={"Authorization": f"Bearer {tokens['client']}"})
        assert proposed.status_code == 200, proposed.text
        pid = proposed.json()["proposal_id"]
        # The room saw the command: the proposal and its explanation reach both parties.
        await freelancer.wait_for(lambda: freelancer.odoc.proposal.to_py().get("id") == pid)
        await freelancer.wait_for(lambda: bool(freelancer.messages("explain_done")))
        accepted = http.post(f"/api/offers/{oid}/commands?as=freelancer",
                             json={"type": "accept", "base_version": 1, "proposal_id": pid},
                             headers={"Authorization": f"Bearer {API_KEY}"})
        assert accepted.status_code == 200, accepted.text
    await client.wait_for(lambda: client.odoc.offer.to_py()["version"] == 2)
    assert client.odoc.committed.to_py()["weekly_limit"] == 30
    await client.close()
    await freelancer.close()


async def test_rest_commands_reach_the_room(two: ServerProcess) -> None:
    for offer in offers_of_each_worker(two, 1):
        await _propose_and_accept_over_rest(two, offer)


def noticed(party: YClient) -> bool:
    return bool(party.messages("notice"))


async def test_reminders_show_their_banners_whichever_worker_owns_the_offer(
    tmp_path: Path,
) -> None:
    """A reminder is claimed by the worker that owns its offer, the one holding its room, so its
    banner reaches the party in the room (without Redis nothing would carry it to another
    worker); once, for the offers of either worker."""
    server = ServerProcess(tmp_path / "data", workers=2,
                           env={"OFFER_ROOM_NOTIFY_SWEEP_SECONDS": "0.2"})
    server.start()
    sockets: list[YClient] = []
    try:
        # The 24 h reminder, scheduled at creation, comes due a few seconds from now.
        soon = datetime.now(UTC) + timedelta(hours=24, seconds=6)
        owned: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
        while min(len(v) for v in owned.values()) < 3:
            offer = server.create_offer(expires_at=soon.isoformat())
            owned[owner_of(offer["id"], 2)].append(offer)
        for offer in owned[0][:3] + owned[1][:3]:
            sockets.append(await connected(server.ws_base, offer["id"],
                                           offer["tokens"]["freelancer"]))
        for party in sockets:
            await party.wait_for(functools.partial(noticed, party), timeout=20)
        await asyncio.sleep(1.0)
        for party in sockets:
            [banner] = party.messages("notice")
            assert banner["kind"] == "reminder"
            assert banner["text"] == "This offer expires tomorrow"
    finally:
        for party in sockets:
            await party.close()
        server.stop()


def _request(oid: str) -> bytes:
    return (f"GET /api/offers/{oid} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {API_KEY}\r\n\r\n").encode()


def _trickle(sock: socket.socket, data: bytes) -> None:
    for start in range(0, len(data), 7):
        sock.sendall(data[start:start + 7])
        time.sleep(0.002)


def _read_response(sock: socket.socket, buffer: bytearray) -> dict[str, Any]:
    """One HTTP/1.1 response with a Content-Length from ``sock`` (``buffer`` keeps the rest)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "connection closed"
        buffer += chunk
    head, _, _ = bytes(buffer).partition(b"\r\n\r\n")
    size = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
    start = len(head) + 4
    while len(buffer) < start + size:
        chunk = sock.recv(65536)
        assert chunk, "connection closed"
        buffer += chunk
    body = bytes(buffer[start:start + size])
    del buffer[:start + size]
    assert head.startswith(b"HTTP/1.1 200"), head + body
    return httpx.Response(200, content=body).json()  # type: ignore[no-any-return]


async def test_keep_alive_connection_names_offers_of_both_workers(two: ServerProcess) -> None:
    first, second = offers_of_each_worker(two, 1)
    # A socket in the room of the second offer: the REST command must reach that room.
    freelancer = await connected(two.ws_base, second["id"], second["tokens"]["freelancer"])
    with freelancer.edit() as doc:
        doc.terms["weekly_limit"] = 25
    await asyncio.sleep(0.2)
    with socket.create_connection(("127.0.0.1", two.port), timeout=10) as sock:
        buffer = bytearray()
        for oid in (first["id"], second["id"], first["id"], second["id"]):
            sock.sendall(_request(oid))
            assert _read_response(sock, buffer)["id"] == oid
        # Pipelined: the second request waits unparsed until the first is answered, then goes
        # to its owner, with the third behind it.
        sock.sendall(_request(second["id"]) + _request(first["id"]) + _request(second["id"]))
        for oid in (second["id"], first["id"], second["id"]):
            assert _read_response(sock, buffer)["id"] == oid
        # A head in pieces: the accepting worker's parser saw the first ones before the head
        # named an offer; the owner parses it all.
        for oid in (first["id"], second["id"]):
            _trickle(sock, _request(oid))
            assert _read_response(sock, buffer)["id"] == oid
        # The same connection, upgraded to the other offer's socket at last.
        first_token = first["tokens"]["client"]
        sock.sendall(_request(second["id"]))
        assert _read_response(sock, buffer)["id"] == second["id"]
        sock.sendall(f"GET /ws/offers/{first['id']}?token={first_token} HTTP/1.1\r\n"
                     "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        while b"\r\n\r\n" not in buffer:
            buffer += sock.recv(65536)
        assert buffer.startswith(b"HTTP/1.1 101"), bytes(buffer)
    with socket.create_connection(("127.0.0.1", two.port), timeout=10) as sock:
        buffer = bytearray()
        body = (b'{"type": "propose", "id": "k1", "base_version": 1}')
        sock.sendall(f"POST /api/offers/{second['id']}/commands?as=client HTTP/1.1\r\n"
                     f"Host: x\r\nAuthorization: Bearer {API_KEY}\r\n"
                     f"Content-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        proposal = _read_response(sock, buffer)["proposal_id"]
    await freelancer.wait_for(lambda: freelancer.odoc.proposal.to_py().get("id") == proposal)
    await freelancer.close()


async def test_a_dead_worker_stops_the_node_and_nothing_is_lost(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", workers=2)
    server.start()
    try:
        offer = offers_of_each_worker(server, 1)[0]
        client: YClient = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
        with client.edit() as doc:
            doc.terms["hourly_rate"] = 6100
        await asyncio.sleep(0.3)  # past the group commit
        await client.close()
        pids = worker_pids(server)
        os.kill(pids[1], signal.SIGKILL)
        assert server.proc is not None
        assert server.proc.wait(15) == 1
        assert gone(pids[0], 10), "the surviving worker was not stopped"
        assert any("exited with status -9" in line for line in server.log)
        server.start()  # restarted (as a service manager would), on the same port
        again = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
        assert again.terms()["hourly_rate"] == 6100
        await again.close()
    finally:
        server.stop()


def test_sigterm_stops_every_worker(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", workers=2)
    server.start()
    pids = worker_pids(server)
    server.stop()
    assert server.proc is not None and server.proc.returncode == 0
    assert all(gone(pid, 5) for pid in pids)


def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", workers=2)
    server.start()
    pids = worker_pids(server)
    server.kill9()
    # Their lifeline to the supervisor reads end-of-file: each shuts down in order.
    assert all(gone(pid, 10) for pid in pids)


def test_one_worker_is_one_process(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", workers=1)
    server.start()
    try:
        assert server.proc is not None
        pid = server.proc.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert children == []
        assert not any("workers:" in line for line in server.log)
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        server.stop()
