"""The servers under test: how to start each on 127.0.0.1 (pinned to core 0) and address its rooms.

Every server prints a readiness line with its port; the driver waits for it in the server's log
file (a file, not a pipe, so a chatty server can never block on a full pipe).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.offers import create_offers

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
SERVER_CORE = "0"
API_KEY = "bench-api-key"
SECRET = "bench-secret-that-is-long-enough-for-hs256"

#: A room the generator joins: a document name and one URL (and token) per client.
Room = dict[str, Any]


def priority(nice: int) -> list[str]:
    """A command prefix running at niceness ``nice`` (negative needs root), or nothing for 0."""
    return ["nice", "-n", str(nice)] if nice else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Running:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    workdir: Path
    make_rooms: Callable[[Running, int, str], list[Room]]
    log_path: Path = field(default_factory=Path)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rooms(self, count: int, tag: str) -> list[Room]:
        return self.make_rooms(self, count, tag)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass(frozen=True)
class Launch:
    """Where and how one server process starts."""

    workdir: Path
    port: int  # 0 unless the driver had to choose it
    src: Path  # the offer-room source tree under test (its cwd)


@dataclass(frozen=True)
class ServerKind:
    name: str
    label: str
    protocol: str  # "yws" or "hocuspocus"
    command: Callable[[Launch], list[str]]
    ready: re.Pattern[str]
    make_rooms: Callable[[Running, int, str], list[Room]]
    env: Callable[[Launch], dict[str, str]] = lambda _: {}
    #: The port is chosen by the driver (the server cannot be told to pick one).
    needs_port: bool = False
    #: Keeps documents when every client has left (so a cold join can be measured).
    persistent: bool = False
    #: The cores it may run on (``taskset -c``).
    cores: str = SERVER_CORE

    def start(self, src: Path = ROOT, nice: int = 0, timeout: float = 30.0) -> Running:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-{self.name}-"))
        launch = Launch(workdir, free_port() if self.needs_port else 0, src.resolve())
        log_path = workdir / "server.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [*priority(nice), "taskset", "-c", self.cores, *self.command(launch)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env(launch)},
                cwd=launch.src,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = self.ready.search(log_path.read_text(errors="replace"))
            if match:
                return Running(self.name, proc, int(match.group(1)), workdir, self.make_rooms,
                               log_path)
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
        raise RuntimeError(f"{self.name} did not start:\n{log_path.read_text(errors='replace')}")


def _offer_room_rooms(srv: Running, count: int, tag: str) -> list[Room]:
    base = f"http://127.0.0.1:{srv.port}"
    rooms = []
    for created in create_offers(base, API_KEY, count):
        oid, tokens = created["id"], created["tokens"]
        url = f"ws://127.0.0.1:{srv.port}/ws/offers/{oid}?token="
        rooms.append({
            "doc": oid,
            "urls": [url + tokens["client"], url + tokens["freelancer"]],
            "tokens": [tokens["client"], tokens["freelancer"]],
        })
    return rooms


def _path_rooms(srv: Running, count: int, tag: str) -> list[Room]:
    # y-websocket servers take the room from the URL path; Hocuspocus ignores the path and reads
    # the document name from every message, so the same URLs serve both.
    rooms = []
    for i in range(count):
        doc = f"bench-{tag}-{i}"
        url = f"ws://127.0.0.1:{srv.port}/{doc}"
        rooms.append({"doc": doc, "urls": [url, url], "tokens": ["bench", "bench"]})
    return rooms


def _offer_room_command(script: list[str], workers: int = 1) -> Callable[[Launch], list[str]]:
    # The project's venv, but the package from the tree under test: with ``-m`` the cwd comes
    # first on sys.path, ahead of the editable install's finder.
    def command(launch: Launch) -> list[str]:
        return [str(ROOT / ".venv/bin/python"), *script, "serve", "--host", "127.0.0.1",
                "--port", "0", "--data-dir", str(launch.workdir / "data"),
                "--workers", str(workers)]

    return command


def _offer_room_env(_: Launch) -> dict[str, str]:
    return {
        "OFFER_ROOM_API_KEY": API_KEY,
        "OFFER_ROOM_SECRET": SECRET,
        "OFFER_ROOM_RATE_PER_SECOND": "100000",
        "OFFER_ROOM_RATE_BURST": "100000",
        # (f) builds a 10,000-edit history as fast as it can: ~700 ms of work, past the
        # per-user work budget (400 ms of burst) that a real party never comes near.
        "OFFER_ROOM_COST_PER_SECOND": "10000000",
        "OFFER_ROOM_COST_BURST": "10000000",
    }


_OFFER_ROOM_READY = re.compile(r"offer-room listening on http://127\.0\.0\.1:(\d+)")

KINDS: dict[str, ServerKind] = {
    kind.name: kind
    for kind in (
        ServerKind(
            name="offer-room",
            label="offer-room (guard + SQLite + presence)",
            protocol="yws",
            command=_offer_room_command(["-m", "server.cli"]),
            env=_offer_room_env,
            ready=_OFFER_ROOM_READY,
            make_rooms=_offer_room_rooms,
            persistent=True,
        ),
        ServerKind(
            # Issue 17's "every core": the same node as two workers on both cores (this machine
            # has two, so the second worker shares core 1 with the generator).
            name="offer-room-2w",
            label="offer-room, 2 workers on cores 0-1",
            protocol="yws",
            command=_offer_room_command(["-m", "server.cli"], workers=2),
            env=_offer_room_env,
            ready=_OFFER_ROOM_READY,
            make_rooms=_offer_room_rooms,
            persistent=True,
            cores="0,1",
        ),
        ServerKind(
            name="node-ref",
            label="@y/websocket-server 0.1.1",
            protocol="yws",
            command=lambda _: ["node", str(BENCH / "node_modules/@y/websocket-server/src"
                                                  "/server.js")],
            env=lambda launch: {"HOST": "127.0.0.1", "PORT": str(launch.port)},
            needs_port=True,
            ready=re.compile(r"running at '127\.0\.0\.1' on port (\d+)"),
            make_rooms=_path_rooms,
        ),
        ServerKind(
            name="hocuspocus",
            label="@hocuspocus/server 4.7.0",
            protocol="hocuspocus",
            command=lambda _: ["node", str(BENCH / "peers/hocuspocus_server.mjs")],
            ready=re.compile(r"hocuspocus listening on (\d+)"),
            make_rooms=_path_rooms,
        ),
        ServerKind(
            name="pycrdt",
            label="pycrdt-websocket 0.16.5",
            protocol="yws",
            command=lambda _: [str(BENCH / ".venv-peers/bin/python"),
                               str(BENCH / "peers/pycrdt_server.py")],
            ready=re.compile(r"pycrdt-websocket listening on (\d+)"),
            make_rooms=_path_rooms,
        ),
    )
}

#: Not a server under test: a relay with no CRDT (gen/relay.mjs), so cheap that the generator is
#: the bound. `--peers relay --scenario e` measures the generator's ceiling (issue 17: one core
#: must carry >= 16,000 writes/s): the highest step not marked INVALID is what one core sustains.
RELAY = ServerKind(
    name="relay",
    label="relay without CRDT (generator ceiling)",
    protocol="yws",
    command=lambda launch: ["node", str(BENCH / "gen/relay.mjs"), str(launch.port)],
    needs_port=True,
    ready=re.compile(r"relay listening on (\d+)"),
    make_rooms=_path_rooms,
)

#: Not a server under test either: the same relay in Python on uvloop (gen/relay.py), with what
#: offer-room does per edit and nothing else. `--peers relay-py` gives the floor a Python server
#: stands on: offer-room's CPU per edit above it is what its own code costs (issue 17).
RELAY_PY = ServerKind(
    name="relay-py",
    label="Python floor: relay on uvloop without CRDT",
    protocol="yws",
    command=lambda launch: [str(ROOT / ".venv/bin/python"), str(BENCH / "gen/relay.py"),
                            str(launch.port)],
    needs_port=True,
    ready=re.compile(r"relay listening on (\d+)"),
    make_rooms=_path_rooms,
)

#: What a full run compares.
DEFAULT_SERVERS = ["offer-room", "node-ref", "hocuspocus", "pycrdt"]
