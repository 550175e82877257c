"""Time from a draft change to its prompts (issue 14): the offer check as the other party sees it.

A real server on a free port, two real WebSocket clients per offer (the client reads English, the
freelancer German). The client types acceptance criteria into the description; the clock runs
from that edit leaving the client to the freelancer's `advice` frame without the
`no_acceptance_criteria` prompt — so it includes the edit's trip through the guard, the check's
debounce (`OFFER_ROOM_ADVICE_DELAY_S`, 0.2 s by default: a burst of keystrokes is checked once)
and the German wording. Each round uses a fresh offer.

    .venv/bin/python bench/advice_latency.py [--rounds 50] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.server import ServerProcess
from tests.support.yclient import YClient

INCOMPLETE = {"title": "Build my website", "contract_type": "fixed", "hourly_rate": None,
              "weekly_limit": None, "fixed_price": 200000, "start_date": None,
              "description": "Design and build a five-page website for my coffee shop."}


async def connect(server: ServerProcess, offer: dict[str, Any], role: str, lang: str) -> YClient:
    client = YClient(f"{server.ws_base}/{offer['id']}?token={offer['tokens'][role]}&lang={lang}")
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 5)
    return client


def codes(client: YClient) -> set[str]:
    advice = client.messages("advice")
    return {i["code"] for i in advice[-1].get("check", [])} if advice else {"(none yet)"}


async def one_round(server: ServerProcess) -> float:
    offer = server.create_offer(**INCOMPLETE)
    client = await connect(server, offer, "client", "en-US")
    freelancer = await connect(server, offer, "freelancer", "de-DE")
    await freelancer.wait_for(lambda: "no_acceptance_criteria" in codes(freelancer))
    t0 = time.perf_counter()
    with client.edit() as doc:
        doc.description += " Done when all pages pass the Lighthouse audit and you approve them."
    await freelancer.wait_for(lambda: "no_acceptance_criteria" not in codes(freelancer), 10)
    elapsed = (time.perf_counter() - t0) * 1000
    await client.close()
    await freelancer.close()
    return elapsed


async def run(rounds: int, delay: float) -> None:
    server = ServerProcess(Path(tempfile.mkdtemp()) / "data",
                           env={"OFFER_ROOM_ADVICE_DELAY_S": str(delay)})
    server.start()
    times: list[float] = []
    try:
        for _ in range(rounds):
            times.append(await one_round(server))
        sent = server.metric("offer_room_advice_delay_seconds_sum")
        count = server.metric("offer_room_advice_delay_seconds_count")
    finally:
        server.stop()
    times.sort()
    n = len(times)
    load = Path("/proc/loadavg").read_text().split()[0]  # noqa: ASYNC240 - once, at the end
    print(f"rounds: {n}; debounce {delay * 1000:.0f} ms; load {load}")
    print(f"draft change -> the other party's prompts: median {statistics.median(times):.1f} ms, "
          f"p95 {times[int(n * 0.95)]:.1f} ms, max {times[-1]:.1f} ms")
    if count:
        print(f"server side (first change -> advice sent): mean {sent / count * 1000:.1f} ms "
              f"over {count:.0f} checks")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.delay))


if __name__ == "__main__":
    main()
