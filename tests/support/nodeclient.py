"""Drives web/tools/yclient.mjs: the stock y-websocket WebsocketProvider running in Node."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "web" / "tools" / "yclient.mjs"


class NodeClient:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.events: list[dict[str, Any]] = []

    @classmethod
    async def start(cls, ws_base: str, offer_id: str, token: str) -> NodeClient:
        proc = await asyncio.create_subprocess_exec(
            "node", str(SCRIPT), ws_base, offer_id, token,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            cwd=ROOT / "web",
        )
        return cls(proc)

    async def call(self, cmd: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.proc.stdin.drain()
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            if not line:
                raise RuntimeError("node client exited")
            reply: dict[str, Any] = json.loads(line)
            if "event" in reply:
                self.events.append(reply)
                continue
            return reply

    def app_messages(self, kind: str) -> list[dict[str, Any]]:
        return [e["msg"] for e in self.events
                if e.get("event") == "app" and e.get("msg", {}).get("type") == kind]

    async def close(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(RuntimeError, TimeoutError, BrokenPipeError):
                await self.call({"cmd": "close"}, timeout=5)
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
