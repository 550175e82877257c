"""One offer-room node started from a source tree, its REST set-up and its memory.

The server runs as ``python -m server.cli serve`` with the tree as its working directory, so the
tree's own ``server`` package is imported (the cwd comes before the venv's editable install on
``sys.path``). Its output is kept line by line: some attacks count what it logged.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

API_KEY = "attack-bench-api-key"
SECRET = "attack-bench-secret-that-is-long-enough-for-hs256"
_LISTENING = re.compile(r"offer-room listening on (http://\S+)")
MIB = 1024 * 1024


def offer_body(client: str = "c-1", freelancer: str = "f-1", **extra: Any) -> dict[str, Any]:
    """An hourly offer, as every tree accepts it."""
    return {
        "terms": {"title": "Landing page", "contract_type": "hourly", "currency": "USD",
                  "hourly_rate": 4500, "weekly_limit": 20, "manual_time": False,
                  "fixed_price": None, "start_date": "2026-12-07", "end_date": None,
                  "description": "Design and build a responsive landing page.",
                  "milestones": []},
        "client": {"id": client, "name": "Ada"},
        "freelancer": {"id": freelancer, "name": "Linus"},
        **extra,
    }


def limit_open_files(limit: int) -> Callable[[], None]:
    """A preexec_fn lowering the child's RLIMIT_NOFILE (soft and hard, so it cannot raise it)."""
    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return lower


class Node:
    def __init__(self, tree: Path, data_dir: Path, env: dict[str, str] | None = None,
                 preexec_fn: Callable[[], None] | None = None) -> None:
        self.tree = tree
        self.data_dir = data_dir
        self.extra_env = env or {}
        self.preexec_fn = preexec_fn
        self.port = 0
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None
        self.log: list[str] = []
        self._drainer: threading.Thread | None = None
        self._listening = threading.Event()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def ws_base(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws/offers"

    def start(self, timeout: float = 30.0) -> None:
        """Start (or restart on the same port) and wait for the listening line."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("OFFER_ROOM_") and k != "ANTHROPIC_API_KEY"}
        env.update(OFFER_ROOM_API_KEY=API_KEY, OFFER_ROOM_SECRET=SECRET, **self.extra_env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--data-dir", str(self.data_dir)],
            cwd=self.tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, text=True, preexec_fn=self.preexec_fn,
        )
        # A thread reads the output from the start (the server must never block on a full
        # pipe) and notes the listening line.
        self._listening.clear()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        deadline = time.monotonic() + timeout
        while not self._listening.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("server did not start:\n" + "".join(self.log[-30:]))

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line)
            match = _LISTENING.search(line)
            if match and not self._listening.is_set():
                self.url = match.group(1)
                self.port = int(self.url.rsplit(":", 1)[1])
                self._listening.set()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap()

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
        self._reap()

    def _reap(self) -> None:
        if self.proc is not None:
            self.proc.wait()
            if self._drainer is not None:
                self._drainer.join(5)
                self._drainer = None
            if self.proc.stdout is not None:
                self.proc.stdout.close()

    def disk_bytes(self) -> int:
        """Size of the SQLite database with its WAL and shared memory."""
        return sum(f.stat().st_size for f in self.data_dir.glob("offer-room.db*"))

    # --- REST -----------------------------------------------------------------------------------

    def api(self, timeout: float = 15.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False,
                            headers={"Authorization": f"Bearer {API_KEY}"})

    def create_offer(self, **overrides: Any) -> httpx.Response:
        with self.api() as http:
            return http.post("/api/offers", json=offer_body(**overrides))

    def offer(self, **overrides: Any) -> dict[str, Any]:
        response = self.create_offer(**overrides)
        if response.status_code != 201:
            raise RuntimeError(f"creating an offer: {response.status_code} {response.text}")
        created: dict[str, Any] = response.json()
        return created

    def mint(self, offer_id: str, role: str, user: str, name: str = "Vera") -> httpx.Response:
        with self.api() as http:
            return http.post(f"/api/offers/{offer_id}/tokens",
                             json={"role": role, "user": {"id": user, "name": name},
                                   "ttl": 3600})

    def viewer(self, offer_id: str, user: str = "v-1") -> str:
        response = self.mint(offer_id, "viewer", user)
        if response.status_code != 201:
            raise RuntimeError(f"minting a viewer token: {response.status_code} {response.text}")
        token: str = response.json()["token"]
        return token


def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` in MiB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


class RssSampler:
    """Samples a process's RSS every 50 ms on a thread of its own (the attack may keep this
    process's event loop busy). Past ``cap_mb`` it raises ``over_cap`` so the attack stops;
    past ``kill_mb`` (an attack that cannot be stopped in time) it kills the server."""

    def __init__(self, pid: int, cap_mb: float, kill_mb: float, interval: float = 0.05) -> None:
        self.pid = pid
        self.cap_mb = cap_mb
        self.kill_mb = kill_mb
        self.interval = interval
        self.start_mb = rss_mb(pid) or 0.0
        self.peak_mb = self.start_mb
        self.over_cap = threading.Event()
        self.killed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def growth_mb(self) -> float:
        return self.peak_mb - self.start_mb

    def _run(self) -> None:
        while not self._stop.is_set():
            now = rss_mb(self.pid)
            if now is None:
                return
            self.peak_mb = max(self.peak_mb, now)
            if now > self.cap_mb:
                self.over_cap.set()
            if now > self.kill_mb and not self.killed:
                self.killed = True
                os.kill(self.pid, signal.SIGKILL)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
