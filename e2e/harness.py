"""A real offer-room server for the browser tests: start, stop, start again on the same port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "e2e-api-key"
SECRET = "e2e-secret-0123456789abcdef0123456789abcdef"
_READY = "offer-room listening on "
DESCRIPTION = "Redesign the checkout flow: one-page checkout, address autocomplete, saved cards."


class ServerProcess:
    def __init__(self, data_dir: Path, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        #: Extra environment for the server (e.g. the fake Anthropic API's address).
        self.env = dict(env or {})
        self.port = 0
        self.base_url = ""
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start (or start again, on the port it had before) and wait for the readiness line."""
        assert self.proc is None, "already running"
        env = {**os.environ, "OFFER_ROOM_API_KEY": API_KEY, "OFFER_ROOM_SECRET": SECRET}
        # Explanations come from the offline explainer unless a test points the server at a fake.
        env.pop("ANTHROPIC_API_KEY", None)
        env.pop("ANTHROPIC_BASE_URL", None)
        env.update(self.env)
        exe = ROOT / ".venv" / "bin" / "offer-room"
        log = self.log_path.open("ab")
        offset = self.log_path.stat().st_size
        cmd = [
            str(exe),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[offset:].decode(errors="replace")
            for line in text.splitlines():
                if line.startswith(_READY):
                    self.base_url = line[len(_READY) :].strip().rstrip("/")
                    self.port = int(self.base_url.rsplit(":", 1)[1])
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"offer-room did not start; log:\n{self.log_path.read_text(errors='replace')[-4000:]}"
        )

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None

    # --- REST ---------------------------------------------------------------------------------

    def api(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {API_KEY}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path} -> {exc.code}: {exc.read()[:500]!r}") from exc

    def create_offer(self, expires_at: str | None = None, *, emails: bool = False,
                     **terms: Any) -> dict[str, Any]:
        """An offer between Ada (client) and Linus (freelancer); ``emails`` gives each party an
        address for the digests of a server started with ``OFFER_ROOM_SMTP_URL``."""
        base: dict[str, Any] = {
            "title": "Checkout redesign for an online bike shop",
            "contract_type": "hourly",
            "currency": "USD",
            "hourly_rate": 4500,
            "weekly_limit": 20,
            "manual_time": False,
            "fixed_price": None,
            "start_date": "2026-12-07",
            "end_date": "2027-01-29",
            "description": DESCRIPTION,
            "milestones": [],
        }
        base.update(terms)
        body: dict[str, Any] = {
            "terms": base,
            "client": {"id": "c-ada", "name": "Ada Lovelace"},
            "freelancer": {"id": "f-linus", "name": "Linus Torvalds"},
        }
        if emails:
            body["client"]["email"] = "ada@example.com"
            body["freelancer"]["email"] = "linus@example.com"
        if expires_at is not None:
            body["expires_at"] = expires_at
        created: dict[str, Any] = self.api("POST", "/api/offers", body)
        return created

    def viewer_link(self, offer_id: str) -> str:
        out = self.api(
            "POST",
            f"/api/offers/{offer_id}/tokens",
            {"role": "viewer", "user": {"id": "v-grace", "name": "Grace Hopper"}, "ttl": 3600},
        )
        return str(out["link"])
