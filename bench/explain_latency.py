"""Time from `propose` to the first explanation chunk in the room (issue 6), offline explainer.

A real server on a free port, two real WebSocket clients per offer; the freelancer changes the
rate and proposes, and the clock runs from sending `propose` to the first `explain_delta` the
client (the other party) receives — which includes the durable write of the proposal. Each round
uses a fresh offer (the per-party proposal limit is per offer).

    .venv/bin/python bench/explain_latency.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.server import ServerProcess
from tests.support.yclient import connected


async def one_round(server: ServerProcess, rate: int) -> tuple[float, float]:
    """(ms to the first chunk, ms to the whole explanation) for one fresh offer."""
    offer = server.create_offer()
    client = await connected(server.ws_base, offer["id"], offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, offer["id"], offer["tokens"]["freelancer"])
    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = rate
    await client.wait_for(lambda: client.terms().get("hourly_rate") == rate)
    t0 = time.perf_counter()
    await freelancer.send_app({"type": "propose", "id": "p", "base_version": 1})
    await client.wait_for(lambda: bool(client.messages("explain_delta")), 10)
    first = (time.perf_counter() - t0) * 1000
    await client.wait_for(lambda: bool(client.messages("explain_done")), 10)
    whole = (time.perf_counter() - t0) * 1000
    await client.close()
    await freelancer.close()
    return first, whole


async def run(rounds: int) -> None:
    server = ServerProcess(Path(tempfile.mkdtemp()) / "data")
    server.start()
    first_chunk: list[float] = []
    done: list[float] = []
    try:
        for i in range(rounds):
            first, whole = await one_round(server, 5000 + i)
            first_chunk.append(first)
            done.append(whole)
    finally:
        server.stop()
    first_chunk.sort()
    done.sort()
    n = len(first_chunk)
    load = Path("/proc/loadavg").read_text().split()[0]  # noqa: ASYNC240 - once, at the end
    print(f"rounds: {n}; load {load}")
    print(f"propose -> first explanation chunk: median {statistics.median(first_chunk):.1f} ms, "
          f"p95 {first_chunk[int(n * 0.95)]:.1f} ms, max {first_chunk[-1]:.1f} ms")
    print(f"propose -> explanation done:        median {statistics.median(done):.1f} ms, "
          f"p95 {done[int(n * 0.95)]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
