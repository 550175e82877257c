"""Drive web/tools/yclient.mjs (the stock y-websocket provider in Node) from a test."""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import subprocess
import threading
from typing import Any

from harness import ROOT


class YClient:
    def __init__(self, ws_base: str, offer_id: str, token: str) -> None:
        node = shutil.which("node") or "node"
        self.proc = subprocess.Popen(
            [node, str(ROOT / "web" / "tools" / "yclient.mjs"), ws_base, offer_id, token],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            msg = json.loads(line)
            if "event" in msg:
                self.events.append(msg)
            else:
                self.replies.put(msg)

    def __call__(self, cmd: str, timeout: float = 15.0, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        return self.replies.get(timeout=timeout)

    def app_messages(self, kind: str) -> list[dict[str, Any]]:
        return [
            e["msg"] for e in self.events if e["event"] == "app" and e["msg"].get("type") == kind
        ]

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self("close", timeout=5)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
