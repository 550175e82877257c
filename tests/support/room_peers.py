"""A Room on in-memory channels, and peers that speak to it as clients do (for room tests)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pycrdt import Doc

from server.auth import Claims
from server.config import Config
from server.crdt.layout import OfferDoc
from server.metrics import Metrics
from server.offers.terms import Party, Terms
from server.presence.awareness import decode_update, encode_update
from server.rooms.connection import Connection
from server.rooms.persister import Persister
from server.rooms.room import Room
from server.store.base import OfferRecord
from server.store.sqlite import SQLiteStore
from server.wire import (
    MessageType,
    SyncType,
    awareness_frame,
    read_var_bytes,
    read_var_uint,
    sync_frame,
    var_bytes,
)
from tests.support.channel import MemoryChannel

NOW = datetime(2026, 11, 1, tzinfo=UTC)
TERMS = Terms(title="Landing page", contract_type="hourly", currency="USD", hourly_rate=4500,
              weekly_limit=20, description="Scope.")


def parse(frame: bytes) -> tuple[str, Any]:
    """A frame as ("hello", {...}) / ("step1", payload) / ("update", payload) / ("awareness", …)."""
    kind, pos = read_var_uint(frame, 0)
    if kind == MessageType.SYNC:
        sync_type, pos = read_var_uint(frame, pos)
        payload, _ = read_var_bytes(frame, pos)
        return ("step1", "step2", "update")[sync_type], payload
    payload, _ = read_var_bytes(frame, pos)
    if kind == MessageType.AWARENESS:
        return "awareness", decode_update(payload)
    message = json.loads(payload)
    return message["type"], message


class Peer:
    def __init__(self, room: Room, user: str, role: str) -> None:
        self.room = room
        self.channel = MemoryChannel()
        claims = Claims("o1", user, user.title(), role, 2**40)  # type: ignore[arg-type]
        self.conn = Connection(self.channel, claims, send_buffer_bytes=1 << 20,
                               rate_per_second=1e6, rate_burst=1e6)
        self.odoc = OfferDoc(Doc())
        self.odoc.doc.apply_update(room.odoc.doc.get_update())

    def join(self, handshake: bool = True) -> Peer:
        self.room.join(self.conn)
        if handshake:  # answer the room's step 1 with our step 2, as every client does
            self.step2()
        return self

    def step2(self) -> None:
        diff = self.odoc.doc.get_update(self.room.odoc.doc.get_state())
        self.room.receive(self.conn, sync_frame(SyncType.STEP2, diff))

    async def received(self) -> list[tuple[str, Any]]:
        """Everything delivered since the last call, in order."""
        for _ in range(5):
            await asyncio.sleep(0)
        frames, self.channel.frames = self.channel.frames, []
        return [parse(f) for f in frames]

    def edit(self, fn: Callable[[OfferDoc], None]) -> None:
        before = self.odoc.doc.get_state()
        fn(self.odoc)
        self.room.receive(self.conn, sync_frame(SyncType.UPDATE, self.odoc.doc.get_update(before)))

    def set_term(self, key: str, value: Any) -> None:
        """Set one terms value and send what a Yjs client sends: the transaction's own update
        (``edit`` sends a diff, whose whole delete set takes the guard's general path)."""
        sent: list[bytes] = []
        subscription = self.odoc.doc.observe(lambda event: sent.append(event.update))
        try:
            self.odoc.terms[key] = value
        finally:
            self.odoc.doc.unobserve(subscription)
        for update in sent:
            self.room.receive(self.conn, sync_frame(SyncType.UPDATE, update))

    def app(self, **message: Any) -> None:
        self.room.receive(self.conn, bytes((MessageType.APP,)) + var_bytes(
            json.dumps(message).encode()))

    def awareness(self, client_id: int, clock: int, state: dict[str, Any]) -> None:
        update = encode_update([(client_id, clock, json.dumps(state))])
        self.room.receive(self.conn, awareness_frame(update))


def kinds(messages: list[tuple[str, Any]]) -> list[str]:
    return [kind for kind, _ in messages]


def of(messages: list[tuple[str, Any]], kind: str) -> list[Any]:
    return [body for k, body in messages if k == kind]


async def make_room(
    tmp_path: Path, status: str = "open", config: Config | None = None
) -> AsyncIterator[Room]:
    async with SQLiteStore(tmp_path / "room.db") as store:
        odoc = OfferDoc(Doc())
        odoc.seed(TERMS, {"status": status, "version": 1})
        offer = OfferRecord(id="o1", status=status, version=1, client=Party("ada", "Ada"),
                            freelancer=Party("linus", "Linus"), created_at=NOW,
                            expires_at=NOW + timedelta(days=30), terms=TERMS)
        await store.create_offer(offer, odoc.doc.get_update())
        persister = Persister(store, "o1", compact_every=100)
        room = Room(offer, odoc, config or Config(lock_ttl_ms=8000), persister, Metrics())
        yield room
        for conn in list(room.conns):
            conn.close(1001, "test over")
        await persister.close()


