"""What every attack test asserts: the server's memory stays in budget and others are served.

``RssSampler`` samples a process's resident memory from /proc while an attack runs and keeps the
peak. ``HonestPair`` is a client and a freelancer in a room of their own: ``round_trip`` has the
client change the hourly rate and waits until the freelancer's copy shows it, and ``probe`` runs
round trips back to back in the background, keeping the worst. An attack test starts both,
attacks, then asserts ``sampler.peak_mb < budget`` and ``pair.worst_s < deadline`` and makes one
more round trip after the attack (the room still works).

Everything here talks to 127.0.0.1 only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from types import TracebackType

from tests.support.server import ServerProcess
from tests.support.yclient import YClient, connected


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class RssSampler:
    """Peak resident memory of a process, sampled every ``interval`` seconds while active."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.start_mb = 0.0
        self.peak_mb = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def growth_mb(self) -> float:
        """How far the peak rose above the memory at the start."""
        return self.peak_mb - self.start_mb

    async def __aenter__(self) -> RssSampler:
        self.start_mb = self.peak_mb = rss_mb(self.pid)
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.sample()

    def sample(self) -> None:
        with contextlib.suppress(FileNotFoundError, RuntimeError):
            self.peak_mb = max(self.peak_mb, rss_mb(self.pid))

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)


class HonestPair:
    """Two parties editing an offer of their own while someone else attacks the server."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.client: YClient | None = None
        self.freelancer: YClient | None = None
        self.worst_s = 0.0
        self.trips = 0
        self._rate = 5000
        self._task: asyncio.Task[None] | None = None
        self._stop = False

    async def __aenter__(self) -> HonestPair:
        offer = self.server.create_offer(client={"id": "honest-c", "name": "Hana"},
                                         freelancer={"id": "honest-f", "name": "Femi"})
        tokens = offer["tokens"]
        self.client = await connected(self.server.ws_base, offer["id"], tokens["client"])
        self.freelancer = await connected(self.server.ws_base, offer["id"], tokens["freelancer"])
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop_probe()
        for side in (self.client, self.freelancer):
            if side is not None:
                await side.close()

    async def round_trip(self, timeout: float = 30.0) -> float:
        """Seconds from the client's edit to the freelancer seeing it (raises past ``timeout``)."""
        assert self.client is not None and self.freelancer is not None
        self._rate += 1
        rate = self._rate
        started = time.monotonic()
        with self.client.edit() as odoc:
            odoc.terms["hourly_rate"] = rate
        freelancer = self.freelancer
        await freelancer.wait_for(lambda: freelancer.terms().get("hourly_rate") == rate, timeout)
        elapsed = time.monotonic() - started
        self.worst_s = max(self.worst_s, elapsed)
        self.trips += 1
        return elapsed

    def probe(self, pause: float = 0.1) -> None:
        """Run round trips in the background until ``stop_probe``; the worst is kept."""
        self._stop = False
        self._task = asyncio.create_task(self._probe(pause))

    async def stop_probe(self) -> None:
        self._stop = True
        if self._task is not None:
            task, self._task = self._task, None
            await task  # a failed round trip fails the test here

    async def _probe(self, pause: float) -> None:
        while not self._stop:
            await self.round_trip()
            await asyncio.sleep(pause)
