"""One edit's path on the event loop, in-process: a masked WebSocket frame in, the fan-out out.

Two parties of one room (or of ``--rooms N`` rooms taking turns) set a value each in turn (the
client the title, the freelancer the hourly rate: bench scenario (b)'s edit), as browsers send
it: one masked binary frame per edit,
handed to the real socket class (``OfferSocket.data_received``), with the real guard, store,
negotiation and assistant hooks. Each socket's transport only counts what it is given, so no
system call is measured, and the loop never runs in between, so neither do the group commit nor
the assistant's checks; the draft is read every 20 edits, as the assistant does in (b).

Whole-server figures (``bench/run.py``) move ±15 % from run to run on a shared machine; this
path, counted in instructions by callgrind, moves well under 1 %, so it shows what a change to
the edit path itself is worth (issue 17):

    .venv/bin/python bench/edit_path.py                  # µs per edit, best of 5 rounds
    .venv/bin/python bench/edit_path.py --instructions   # + instructions per edit (valgrind)

Instructions per edit are the difference between two runs under callgrind, of 2,000 and 6,000
edits, divided by 4,000: both prepare the frames of 6,000 edits, so set-up and shut-down cancel
out and only the edits' own path is counted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pycrdt import Doc
from uvicorn.server import ServerState

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.advice.service import Assistant
from server.auth import Claims, Role
from server.config import Config
from server.conversation.service import Conversation
from server.crdt.layout import OfferDoc
from server.explain.choose import make_explainer
from server.http.socket import OfferSocket
from server.metrics import Metrics
from server.negotiation.creation import seeded_doc
from server.negotiation.explaining import Explanations
from server.negotiation.service import Negotiation
from server.offers.terms import Party, Terms
from server.rooms.connection import Connection
from server.rooms.persister import Persister
from server.rooms.room import Room
from server.store.base import OfferRecord
from server.store.sqlite import SQLiteStore
from server.tasks import Tasks
from server.wire import SyncType, sync_frame

TERMS = Terms(title="Landing page", contract_type="hourly", currency="USD", hourly_rate=4500,
              weekly_limit=20, description="A landing page with a signup form.")
#: The assistant reads the draft about every 20 edits of a busy room in (b) (every 2 s at 10/s).
READ_EVERY = 20


def _masked(payload: bytes, rng: random.Random) -> bytes:
    """``payload`` as a browser frames it: binary, final, masked with a random key."""
    mask = rng.randbytes(4)
    size = len(payload)
    head = bytes((0x82, 0x80 | size)) if size < 126 else b"\x82\xfe" + size.to_bytes(2, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class _CountingTransport(asyncio.Transport):
    """What the socket writes to: counted, never sent."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes += 1

    def get_write_buffer_size(self) -> int:
        return 0

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


async def _run(edits: int, rounds: int, rooms: int, prepared: int = 0) -> list[float]:
    """µs per edit of each round (``rounds`` times ``edits`` edits in all, spread over
    ``rooms`` rooms in turn), with the frames of at least ``prepared`` edits made beforehand."""
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(data_dir=Path(tmp), cost_per_second=1e9, cost_burst=1e9,
                        rate_per_second=1e9, rate_burst=1e9)
        async with SQLiteStore(Path(tmp) / "edit-path.db") as store:
            metrics, tasks = Metrics(), Tasks()
            explanations = Explanations(store, config.limits, make_explainer(config),
                                        timeout_s=config.explain_timeout_s, tasks=tasks)
            assistant = Assistant(store, config, metrics, outbox=False, wake=None,
                                  language_changed=explanations.language_changed, tasks=tasks)
            conversation = Conversation(store, config, metrics, tasks=tasks,
                                        screened=assistant.message_flagged)
            negotiation = Negotiation(store, config, explanations, outbox=False,
                                      after_commit=None, tasks=tasks, metrics=metrics,
                                      conversation=conversation, assistant=assistant)
            socket_class = type("EditPathSocket", (OfferSocket,), {
                "__slots__": (),
                "services": types.SimpleNamespace(metrics=metrics, config=config),
            })
            per_party = -(-max(edits * rounds, prepared) // (2 * rooms))
            transports: list[_CountingTransport] = []
            built = [await _room(f"o{r}", store, config, metrics, negotiation, tasks,
                                 socket_class, per_party, rng, transports) for r in range(rooms)]
            # The rooms take turns, as in the server: between two edits of a room, every other
            # room has one. The assistant reads a room's draft after every READ_EVERY of its edits.
            frames: list[tuple[OfferSocket, bytes, Room | None]] = []
            for i in range(per_party):
                for room, ((first, mine), (second, theirs)) in built:
                    frames.append((first, mine[i], None))
                    reads = (2 * i + 2) % READ_EVERY == 0
                    frames.append((second, theirs[i], room if reads else None))
            per_round: list[float] = []
            done = 0
            gc.collect()
            gc.freeze()  # as the server does once it has started (server/node.py)
            for _ in range(rounds):
                batch = frames[done:done + edits]
                started = time.perf_counter()
                for sock, frame, reader in batch:
                    sock.data_received(frame)
                    if reader is not None:
                        reader.draft()
                per_round.append((time.perf_counter() - started) / len(batch) * 1e6)
                done += edits
            delivered = sum(transport.writes for transport in transports)
            if delivered < done:
                raise SystemExit(f"only {delivered} of {done} edits reached the other party")
            if os.environ.get("EDIT_PATH_EXIT"):
                os._exit(0)  # under callgrind: the store's last flush is not the edit path
            # The group commits never ran (the loop never turned): nothing to write at the end.
            await tasks.cancel("store")
            await tasks.cancel("commands")
            return per_round


async def _room(
    offer_id: str,
    store: SQLiteStore,
    config: Config,
    metrics: Metrics,
    negotiation: Negotiation,
    tasks: Tasks,
    socket_class: type[OfferSocket],
    per_party: int,
    rng: random.Random,
    transports: list[_CountingTransport],
) -> tuple[Room, list[tuple[OfferSocket, list[bytes]]]]:
    """A room with its two parties joined, and each party's ``per_party`` edits as framed."""
    loop = asyncio.get_running_loop()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    client, freelancer = f"c-{offer_id}", f"f-{offer_id}"
    offer = OfferRecord(id=offer_id, status="open", version=1, client=Party(client, "Ada"),
                        freelancer=Party(freelancer, "Linus"), created_at=now,
                        expires_at=now + timedelta(days=30), terms=TERMS)
    state = seeded_doc(offer)  # the doc a new offer starts from, as the API makes it
    await store.create_offer(offer, state)
    # Client ids drawn from the seeded generator (a Doc picks a random one): the updates' bytes,
    # and so an instruction count, are the same from run to run.
    odoc = OfferDoc(Doc(client_id=rng.randrange(1 << 32)))
    odoc.doc.apply_update(state)
    persister = Persister(store, offer_id, compact_every=10**9, tasks=tasks)
    room = Room(offer, odoc, config, persister, metrics, hooks=negotiation)
    writers: list[tuple[OfferSocket, list[bytes]]] = []
    parties: list[tuple[str, Role, str, Callable[[int], Any]]] = [
        (client, "client", "title", lambda i: f"t c {i} {1_733_000_000_000 + i}"),
        (freelancer, "freelancer", "hourly_rate", lambda i: 100_000 + i),
    ]
    for user, role, key, value in parties:
        sock = socket_class(None, ServerState(), {}, _loop=loop)
        transports.append(_CountingTransport())
        sock.transport = transports[-1]
        sock._state = 1  # open: the handshake is not what is measured
        conn = Connection(sock, Claims(offer_id, user, user, role, 2**40),
                          send_buffer_bytes=1 << 20, rate_per_second=1e9, rate_burst=1e9)
        room.join(conn)
        replica = OfferDoc(Doc(client_id=rng.randrange(1 << 32)))
        replica.doc.apply_update(room.odoc.doc.get_update())
        room.receive(conn, sync_frame(SyncType.STEP2, replica.doc.get_update(
            room.odoc.doc.get_state())))
        sock.conn, sock.room = conn, room
        sent: list[bytes] = []
        subscription = replica.doc.observe(lambda event, out=sent: out.append(event.update))
        for i in range(per_party):
            replica.terms[key] = value(i)
        replica.doc.unobserve(subscription)
        writers.append((sock, [_masked(sync_frame(SyncType.UPDATE, u), rng) for u in sent]))
    return room, writers


#: Edits whose frames both instruction runs prepare (the longer run's).
_PREPARED = 6_000


def _instructions(edits: int) -> int:
    """Instructions callgrind counts for a run of ``edits`` edits (one round), set-up included."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
             sys.executable, __file__, "--edits", str(edits), "--rounds", "1",
             "--prepared", str(_PREPARED)],
            capture_output=True, text=True, check=True,
            # String hashes fixed, so that a count repeats.
            env={**os.environ, "EDIT_PATH_EXIT": "1", "PYTHONHASHSEED": "0"},
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise SystemExit(f"callgrind reported no count:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=1_200, help="edits per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rooms", type=int, default=1,
                        help="rooms taking turns, as in the server (bench scenario (b) has 200)")
    parser.add_argument("--prepared", type=int, default=0,
                        help="prepare the frames of at least this many edits (--instructions)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per edit under valgrind (~2 min)")
    args = parser.parse_args()
    if args.edits * args.rounds < 2 * args.rooms:
        parser.error("at least one edit per party of every room")
    logging.disable(logging.WARNING)
    per_round = asyncio.run(_run(args.edits, args.rounds, args.rooms, args.prepared))
    print(f"µs per edit, in-process: best {min(per_round):.2f}, rounds "
          + " ".join(f"{t:.2f}" for t in per_round))
    if args.instructions:
        if shutil.which("valgrind") is None:
            raise SystemExit("--instructions needs valgrind")
        short, long = _instructions(2_000), _instructions(_PREPARED)
        print(f"instructions per edit (callgrind): {(long - short) / 4_000:,.0f}")


if __name__ == "__main__":
    main()
