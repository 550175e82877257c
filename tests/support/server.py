"""A real offer-room server in a subprocess, on a free port, restartable on the same port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

API_KEY = "test-api-key"
SECRET = "test-secret-that-is-long-enough-for-hs256"
_LISTENING = re.compile(r"offer-room listening on (http://\S+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ServerProcess:
    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, *,
                 preexec_fn: Callable[[], None] | None = None, workers: int = 1) -> None:
        """``preexec_fn`` runs in the child before the server starts (e.g. to lower a rlimit).
        ``workers``: processes serving the port (``--workers``); 1, one process, unless a test
        is about several."""
        self.data_dir = data_dir
        self.port = 0
        self.url = ""
        self.extra_env = env or {}
        self.preexec_fn = preexec_fn
        self.workers = workers
        self.proc: subprocess.Popen[str] | None = None
        self.log: list[str] = []
        self._drainer: threading.Thread | None = None

    def start(self, timeout: float = 15.0) -> None:
        if self.proc is not None:  # a previous run that died (kill -9, a crash test): reap it
            self.proc.wait(10)
            self._release()
        env = {
            **os.environ,
            "OFFER_ROOM_API_KEY": API_KEY,
            "OFFER_ROOM_SECRET": SECRET,
            **self.extra_env,
        }
        env.pop("ANTHROPIC_API_KEY", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--data-dir", str(self.data_dir),
             "--workers", str(self.workers)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            preexec_fn=self.preexec_fn,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError("server exited:\n" + "".join(self.log))
                continue
            self.log.append(line)
            match = _LISTENING.search(line)
            if match:
                self.url = match.group(1)
                self.port = int(self.url.rsplit(":", 1)[1])
                # Keep draining output so the child never blocks on a full pipe.
                self._drainer = threading.Thread(target=self._drain, daemon=True)
                self._drainer.start()
                return
        raise TimeoutError("server did not start:\n" + "".join(self.log))

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._release()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self._release()

    def _release(self) -> None:
        if self._drainer is not None:
            self._drainer.join(5)
            self._drainer = None
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    @property
    def ws_base(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws/offers"

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {API_KEY}"},
                            timeout=10)

    def create_offer(self, **overrides: Any) -> dict[str, Any]:
        body = sample_offer_body(**overrides)
        with self.api() as client:
            response = client.post("/api/offers", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def metric(self, name: str, **labels: str) -> float:
        """One sample of the node's /metrics (0 when absent), e.g.
        ``metric("offer_room_limit_hits_total", limit="cost")``."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return float(sample.value)
        return 0.0

    def limit_hits(self, limit: str) -> int:
        return int(self.metric("offer_room_limit_hits_total", limit=limit))

    def mint(self, offer_id: str, role: str, user: str, name: str, ttl: int = 3600) -> str:
        with self.api() as client:
            response = client.post(
                f"/api/offers/{offer_id}/tokens",
                json={"role": role, "user": {"id": user, "name": name}, "ttl": ttl},
            )
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token


def sample_offer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "terms": {
            "title": "Landing page for a coffee roaster",
            "contract_type": "hourly",
            "currency": "USD",
            "hourly_rate": 4500,
            "weekly_limit": 20,
            "manual_time": False,
            "fixed_price": None,
            "start_date": "2026-12-07",
            "end_date": None,
            "description": "Design and build a responsive landing page.",
            "milestones": [],
        },
        "client": {"id": "c-1", "name": "Ada"},
        "freelancer": {"id": "f-1", "name": "Linus"},
    }
    for key, value in overrides.items():
        if key in body["terms"]:
            body["terms"][key] = value
        else:
            body[key] = value
    return body
