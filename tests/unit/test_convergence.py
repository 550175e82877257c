"""Seeded randomized convergence, in the style of Yjs's own tests (tests/testHelper.js).

Several replicas talk to one real Room over in-memory channels. Each step picks at random: a
valid or invalid edit, a lock or unlock, delivering the next frame in either direction (per
connection in order, across connections in any order), a disconnect (in-flight frames are lost)
or a reconnect (offline edits sync through the handshake). At the end everyone reconnects, the
network drains, and every replica must equal the server and hold valid terms.

Run one seed: ``pytest tests/unit/test_convergence.py -k 'seed_17'``; the seed is in the failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map

from server.auth import Claims
from server.config import Config
from server.crdt.layout import OfferDoc
from server.metrics import Metrics
from server.offers.checks import TermsInvalid
from server.offers.terms import Milestone, Party, Terms
from server.rooms.connection import Connection
from server.rooms.persister import Persister
from server.rooms.room import Room
from server.store.base import OfferRecord
from server.store.sqlite import SQLiteStore
from server.wire import (
    MessageType,
    SyncType,
    read_var_bytes,
    read_var_uint,
    sync_frame,
    var_bytes,
)
from tests.support.channel import MemoryChannel

SEEDS = int(os.environ.get("OFFER_ROOM_CONVERGENCE_SEEDS", "200"))
STEPS = 120
FIELDS = ("title", "hourly_rate", "weekly_limit", "fixed_price", "description")


class Replica:
    def __init__(self, name: str, role: str, client_id: int) -> None:
        self.name = name
        self.role = role
        self.odoc = OfferDoc(Doc(client_id=client_id))
        self.outbox: list[bytes] = []
        self.channel: MemoryChannel | None = None
        self.conn: Connection | None = None
        self._remote = False
        self._sub = self.odoc.doc.observe(self._on_update)

    def _on_update(self, event: Any) -> None:
        if not self._remote and self.conn is not None:
            self.outbox.append(sync_frame(SyncType.UPDATE, event.update))

    def receive(self, frame: bytes) -> None:
        kind, pos = read_var_uint(frame, 0)
        if kind != MessageType.SYNC:
            return
        sync_type, pos = read_var_uint(frame, pos)
        payload, _ = read_var_bytes(frame, pos)
        if sync_type == SyncType.STEP1:
            self.outbox.append(sync_frame(SyncType.STEP2, self.odoc.doc.get_update(payload)))
        else:
            self._remote = True
            try:
                self.odoc.doc.apply_update(payload)
            finally:
                self._remote = False

    def state(self) -> dict[str, Any]:
        return {name: root.to_py() for name, root in self.odoc.roots().items()} | {
            "description": str(self.odoc.description)
        }


def _claims(replica: Replica) -> Claims:
    return Claims(offer="o", sub=replica.name, name=replica.name.title(),
                  role=replica.role, exp=2**40)  # type: ignore[arg-type]


def _app(msg: dict[str, Any]) -> bytes:
    return bytes((MessageType.APP,)) + var_bytes(json.dumps(msg).encode())


def _random_edit(rng: random.Random, doc: OfferDoc) -> None:
    roll = rng.random()
    with doc.doc.transaction():
        if roll < 0.15:
            doc.terms["hourly_rate"] = rng.randrange(300, 20000)
        elif roll < 0.25:
            doc.terms["weekly_limit"] = rng.randrange(1, 169)
        elif roll < 0.33:
            doc.terms["title"] = f"Title {rng.randrange(1000)}"
        elif roll < 0.48:
            text = str(doc.description)
            if text and rng.random() < 0.4:
                start = rng.randrange(len(text))
                del doc.description[start : min(len(text), start + rng.randrange(1, 6))]
            else:
                doc.description.insert(rng.randrange(len(text) + 1), rng.choice("abcxyz "))
        elif roll < 0.56:
            doc.milestones.append(
                Map({"id": f"m{rng.randrange(10**6)}", "title": "Step", "amount": 5000})
            )
        elif roll < 0.62 and len(doc.milestones):
            del doc.milestones[rng.randrange(len(doc.milestones))]
        elif roll < 0.68 and len(doc.milestones):
            doc.milestones[rng.randrange(len(doc.milestones))]["amount"] = rng.randrange(500, 9000)
        # --- invalid edits the guard must undo ---
        elif roll < 0.72:
            doc.terms["hourly_rate"] = 12.5
        elif roll < 0.75:
            doc.terms["fixed_price"] = "free"
        elif roll < 0.78:
            doc.terms["bonus"] = 1
        elif roll < 0.81:
            doc.offer["status"] = "agreed"
        elif roll < 0.84:
            doc.committed["hourly_rate"] = 1
        elif roll < 0.87 and len(doc.milestones):
            doc.milestones[0]["amount"] = -1
        elif roll < 0.90:
            doc.terms["title"] = "x" * 201
        elif "currency" in doc.terms:
            del doc.terms["currency"]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "conv.db")
    await s.open()
    yield s
    await s.close()


async def _room(store: SQLiteStore, seed: int, server_client_id: int) -> Room:
    now = datetime.now(UTC)
    terms = Terms(title="Start", contract_type="hourly", currency="USD", hourly_rate=4500,
                  weekly_limit=20, description="Scope.",
                  milestones=(Milestone(id="m-a", title="A", amount=5000),))
    offer = OfferRecord(id=f"conv-{seed}", status="open", version=1,
                        client=Party("client", "Client"), freelancer=Party("freelancer", "Free"),
                        created_at=now, expires_at=now + timedelta(days=30), terms=terms)
    odoc = OfferDoc(Doc(client_id=server_client_id))
    odoc.seed(terms, {"status": "open", "version": 1})
    await store.create_offer(offer, odoc.doc.get_update())
    config = Config(send_buffer_bytes=1 << 30, lock_ttl_ms=60_000)
    persister = Persister(store, offer.id, compact_every=50)
    return Room(offer, odoc, config, persister, Metrics())


async def _run_seed(store: SQLiteStore, seed: int) -> None:
    rng = random.Random(seed)
    room = await _room(store, seed, rng.randrange(1, 2**31))
    replicas = [
        Replica("client", "client", rng.randrange(1, 2**31)),
        Replica("freelancer", "freelancer", rng.randrange(1, 2**31)),
        Replica("client", "client", rng.randrange(1, 2**31)),  # a second tab of the same user
        Replica("viewer", "viewer", rng.randrange(1, 2**31)),
    ]

    def connect(r: Replica) -> None:
        r.channel = MemoryChannel()
        r.conn = Connection(r.channel, _claims(r), send_buffer_bytes=1 << 30,
                            rate_per_second=1e9, rate_burst=1e9)
        room.join(r.conn)
        r.outbox = [sync_frame(SyncType.STEP1, r.odoc.doc.get_state())]

    async def disconnect(r: Replica) -> None:
        assert r.conn is not None and r.channel is not None
        room.leave(r.conn)
        r.conn.close(1000, "gone")
        r.conn, r.channel, r.outbox = None, None, []

    for r in replicas:
        connect(r)
    await asyncio.sleep(0)

    actions: list[tuple[float, Callable[[Replica], Any]]] = [
        (0.30, lambda r: _random_edit(rng, r.odoc)),
        (0.25, lambda r: r.outbox and room.receive(r.conn, r.outbox.pop(0))),  # type: ignore[arg-type]
        (0.25, lambda r: r.channel and r.channel.frames and r.receive(r.channel.frames.pop(0))),
        (0.08, lambda r: r.conn and room.receive(
            r.conn, _app({"type": rng.choice(["lock", "unlock"]),
                          "field": rng.choice((*FIELDS[:-1], "description", "milestone:m-a"))}))),
        (0.06, "disconnect"),  # type: ignore[list-item]
        (0.06, "reconnect"),  # type: ignore[list-item]
    ]
    weights = [w for w, _ in actions]
    for _ in range(STEPS):
        r = rng.choice(replicas)
        _, action = rng.choices(actions, weights)[0]
        if action == "disconnect":
            if r.conn is not None:
                await disconnect(r)
        elif action == "reconnect":
            if r.conn is None:
                connect(r)
        else:
            action(r)
        await asyncio.sleep(0)  # let the persister and timers run between steps

    # Everyone back, locks released, then drain the network until nothing moves.
    for r in replicas:
        if r.conn is None:
            connect(r)
    for _ in range(200):
        moved = False
        for r in replicas:
            assert r.conn is not None and r.channel is not None
            while r.outbox:
                room.receive(r.conn, r.outbox.pop(0))
                moved = True
            await asyncio.sleep(0)
            while r.channel.frames:
                r.receive(r.channel.frames.pop(0))
                moved = True
        if not moved:
            break
    server = {name: root.to_py() for name, root in room.odoc.roots().items()} | {
        "description": str(room.odoc.description)
    }
    for r in replicas:
        assert r.state() == server, f"seed {seed}: replica {r.name}/{r.role} diverged"
    try:
        room.odoc.read_terms(room.config.limits)
    except TermsInvalid as exc:
        raise AssertionError(f"seed {seed}: converged on invalid terms: {exc}") from exc
    for r in replicas:
        if r.conn is not None:
            r.conn.close(1000, "done")
    await room.persister.close()


@pytest.mark.parametrize("seed", [pytest.param(s, id=f"seed_{s}") for s in range(SEEDS)])
async def test_replicas_converge_on_valid_terms(
    store: SQLiteStore, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rooms rebuild their doc every few updates here (every 1000 in production), so rebuilds
    # land between offline edits, reconnects, held updates and compensations.
    monkeypatch.setattr("server.rooms.document.REFRESH_EVERY", 7 + seed % 11)
    await _run_seed(store, seed)
