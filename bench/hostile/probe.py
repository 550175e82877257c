"""The honest pair in a room of its own, run as a separate process while an attack runs.

A client and a freelancer make round trips back to back, 100 ms apart: the client changes the
hourly rate, the freelancer's copy shows it. A third socket (a viewer) makes WebSocket ping/pong
round trips every 100 ms. The worst of each is kept; a trip still waiting when the probe is told
to stop counts with the time it has waited so far, and none waits longer than 30 s.

Run with ``python -m hostile.probe '<json>'`` (cwd bench/): it prints ``ready`` once connected,
runs until a line arrives on stdin, makes one last round trip (does the room still work?) and
prints its result as one JSON line. ``Probe`` is the harness's side of that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hostile.peer import Peer

WAIT_LIMIT = 30.0
PAUSE = 0.1
BENCH = Path(__file__).resolve().parent.parent


class Worst:
    """The worst of a series of round trips, counting one still in flight."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.count = 0
        self.failed = 0
        self.since: float | None = None

    def begin(self) -> None:
        self.since = time.monotonic()

    def end(self, ok: bool) -> None:
        assert self.since is not None
        self.worst = max(self.worst, time.monotonic() - self.since)
        self.since = None
        self.count += 1
        self.failed += not ok

    def result(self) -> dict[str, Any]:
        waiting = time.monotonic() - self.since if self.since is not None else 0.0
        worst = min(max(self.worst, waiting), WAIT_LIMIT)
        return {"worst_ms": round(worst * 1000, 1), "count": self.count,
                "failed": self.failed + (waiting > 0),
                # The worst trip had not completed: it took at least this long.
                "unfinished": worst >= WAIT_LIMIT or (waiting > 0 and waiting >= self.worst)}


async def _round_trips(client: Peer, freelancer: Peer, worst: Worst, stop: asyncio.Event) -> None:
    rate = 5000
    while not stop.is_set():
        rate += 1
        worst.begin()
        with client.edit() as terms:
            terms["hourly_rate"] = rate
        seen = await freelancer.wait(_shows(freelancer, rate), WAIT_LIMIT)
        worst.end(seen)
        if not seen and freelancer.closed.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PAUSE)


async def _pings(plain: Peer, worst: Worst, stop: asyncio.Event) -> None:
    while not stop.is_set():
        worst.begin()
        rtt = await plain.ping_rtt(WAIT_LIMIT)
        worst.end(rtt is not None)
        if rtt is None and plain.closed.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PAUSE)


def _shows(peer: Peer, rate: int) -> Callable[[], bool]:
    return lambda: bool(_rate(peer) == rate)


def _rate(peer: Peer) -> Any:
    assert peer.terms is not None
    return peer.terms.get("hourly_rate")


async def _main(args: dict[str, Any]) -> dict[str, Any]:
    base = args["ws_base"] + "/" + args["offer"] + "?token="
    client = Peer(base + args["client"], doc=True)
    freelancer = Peer(base + args["freelancer"], doc=True)
    plain = Peer(base + args["viewer"])
    for peer in (client, freelancer, plain):
        if not await peer.joined(10):
            return {"error": f"honest socket not admitted: {peer.ending()}"}
    await freelancer.wait(lambda: freelancer.step2_bytes is not None, 10)
    print("ready", flush=True)
    stop = asyncio.Event()
    trips, pings = Worst(), Worst()
    tasks = [asyncio.create_task(_round_trips(client, freelancer, trips, stop)),
             asyncio.create_task(_pings(plain, pings, stop))]
    await asyncio.to_thread(sys.stdin.readline)
    result: dict[str, Any] = {"round_trip": trips.result(), "ping": pings.result()}
    stop.set()
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    # One more round trip: the room still works after the attack.
    with client.edit() as terms:
        terms["hourly_rate"] = 9999
    result["after_ok"] = await freelancer.wait(lambda: _rate(freelancer) == 9999, 5)
    result["closed"] = [p.ending() for p in (client, freelancer, plain) if p.closed.is_set()]
    for peer in (client, freelancer, plain):
        await peer.close()
    return result


class Probe:
    """Starts the probe process, and stops it for its result."""

    def __init__(self, ws_base: str, offer: str, client: str, freelancer: str,
                 viewer: str) -> None:
        self.args = json.dumps({"ws_base": ws_base, "offer": offer, "client": client,
                                "freelancer": freelancer, "viewer": viewer})
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, seconds: float = 30.0) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hostile.probe", self.args, cwd=BENCH,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), seconds)
        if line.strip() != b"ready":
            await self.kill()
            raise RuntimeError(f"the honest probe did not start: {line!r}")

    async def stop(self, seconds: float = 45.0) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        assert self.proc.stdout is not None
        try:
            self.proc.stdin.write(b"stop\n")
            await self.proc.stdin.drain()
            line = await asyncio.wait_for(self.proc.stdout.readline(), seconds)
            result: dict[str, Any] = json.loads(line)
        except (TimeoutError, ValueError, ConnectionError) as exc:
            result = {"error": f"the honest probe gave no result: {exc!r}"}
        await self.kill()
        return result

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_main(json.loads(sys.argv[1])))), flush=True)
