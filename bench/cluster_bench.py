"""Two nodes with the parties split across them, next to one node (issue 7's bench scenario).

Three set-ups, each measured with the same open-loop fan-out (bench/gen/loadgen.mjs: R rooms x 2
clients writing terms at a rising rate until p99 > 100 ms or a write is lost):

- one node on SQLite (the default);
- one node in cluster mode (PostgreSQL + Redis), both parties on it;
- two nodes in cluster mode, the client on node A and the freelancer on node B, so every edit
  crosses Redis. It goes out as soon as its node accepted it, ahead of PostgreSQL's group commit;
  the other node holds it until the producer's durable mark covers it (docs/ARCHITECTURE.md,
  "Cross-node delivery"), so the split pair pays a Redis round trip, not the commit.

Servers, Redis and PostgreSQL share core 0; the generator runs on core 1. Loopback only, every
run bounded. Writes bench/results/CLUSTER.md.

    .venv/bin/python bench/cluster_bench.py [--rooms 100] [--seconds 8] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.postgres import create_database, drop_database
from tests.support.redis import RedisServer
from tests.support.server import ServerProcess

ROOT = Path(__file__).resolve().parent.parent

RATES = (5, 10, 20, 30, 40, 50, 60, 80)
STOP_P99_MS = 100.0
BENCH_ENV = {"OFFER_ROOM_RATE_PER_SECOND": "100000", "OFFER_ROOM_RATE_BURST": "100000"}


def _pin(proc: ServerProcess) -> None:
    assert proc.proc is not None
    subprocess.run(["taskset", "-a", "-p", "-c", "0", str(proc.proc.pid)], check=False,
                   capture_output=True)


def _rooms(entry: ServerProcess, nodes: list[ServerProcess], count: int) -> list[dict[str, Any]]:
    rooms = []
    for _ in range(count):
        offer = entry.create_offer()
        oid, tokens = offer["id"], offer["tokens"]
        client_node, freelancer_node = nodes[0], nodes[-1]
        rooms.append({
            "doc": oid,
            "urls": [f"{client_node.ws_base}/{oid}?token={tokens['client']}",
                     f"{freelancer_node.ws_base}/{oid}?token={tokens['freelancer']}"],
            "tokens": [tokens["client"], tokens["freelancer"]],
        })
    return rooms


def _generate(rooms: list[dict[str, Any]], rates: tuple[int, ...], seconds: float,
              workdir: Path) -> list[dict[str, Any]]:
    config = {"protocol": "yws", "mode": "fanout", "rooms": rooms,
              "steps": [{"rate": r, "seconds": seconds} for r in rates],
              "warmup_s": 1.0, "drain_ms": 3000, "stop_p99_ms": STOP_P99_MS}
    path = workdir / f"gen-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(config))
    out = subprocess.run(
        ["taskset", "-c", "1", "node", str(ROOT / "bench/gen/loadgen.mjs"), str(path)],
        capture_output=True, text=True, timeout=60 + len(rates) * (seconds + 6), cwd=ROOT,
    )
    steps = [json.loads(line) for line in out.stdout.splitlines()
             if line.startswith("{") and '"event":"step"' in line]
    if not steps:
        raise RuntimeError(f"generator produced no step:\n{out.stderr[-2000:]}")
    return steps


def _setup(name: str, tmp: Path, env: dict[str, str], count: int) -> list[ServerProcess]:
    nodes = []
    for i in range(count):
        node = ServerProcess(tmp / f"{name}-{i}",
                             env={**BENCH_ENV, **env, "OFFER_ROOM_NODE_ID": f"{name}-{i}"})
        node.start()
        _pin(node)
        nodes.append(node)
    return nodes


def _summary(steps: list[dict[str, Any]]) -> dict[str, Any]:
    clean = [s for s in steps if s["lost"] == 0 and (s["latency_ms"]["p99"] or 1e9) <= STOP_P99_MS]
    first = steps[0]
    best = max(clean, key=lambda s: s["delivered_per_s"]) if clean else None
    return {
        "p50_first": first["latency_ms"]["p50"], "p99_first": first["latency_ms"]["p99"],
        "rate_first": first["rate"], "clean_max_per_s": best["delivered_per_s"] if best else 0,
        "p99_at_max": best["latency_ms"]["p99"] if best else None,
        "steps": [(s["rate"], s["delivered_per_s"], s["latency_ms"]["p50"], s["latency_ms"]["p99"],
                   s["lost"]) for s in steps],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--smoke", action="store_true", help="toy sizes: the harness runs")
    args = parser.parse_args()
    rates: tuple[int, ...] = RATES
    rooms, seconds = args.rooms, args.seconds
    if args.smoke:
        rooms, seconds, rates = 4, 1.0, (5,)
    # Other work on the machine moves every figure here (all servers share one core): the load
    # average before and after goes into the report with them.
    load_before = _load()
    tmp = Path(tempfile.mkdtemp(prefix="offer-room-cluster-bench-"))
    redis = RedisServer()
    redis.start()
    results: dict[str, dict[str, Any]] = {}
    try:
        plans: list[tuple[str, dict[str, str] | None, int]] = [
                 ("single node, SQLite", {}, 1), ("single node, PostgreSQL + Redis", None, 1),
                 ("two nodes, parties split", None, 2)]
        for title, env, count in plans:
            database = None
            if env is None:
                database = create_database("bench")
                env = {"OFFER_ROOM_DATABASE_URL": database, "OFFER_ROOM_REDIS_URL": redis.url}
            nodes = _setup(title.split(",")[0].replace(" ", "-"), tmp, env, count)
            try:
                steps = _generate(_rooms(nodes[0], nodes, rooms), rates, seconds, tmp)
                results[title] = _summary(steps)
                print(title, json.dumps(results[title]["steps"]), flush=True)
            finally:
                for node in nodes:
                    node.stop()
                if database is not None:
                    drop_database(database)
    finally:
        redis.close()
    # The smoke run proves the harness works; it never replaces the measured report.
    _report(results, rooms, seconds, load_before,
            tmp if args.smoke else ROOT / "bench" / "results")


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _report(results: dict[str, dict[str, Any]], rooms: int, seconds: float, load_before: str,
            out: Path) -> None:
    load = f"{load_before} at the start, {_load()} at the end"
    lines = [
        "# offer-room: two nodes next to one",
        "",
        f"Generated by `bench/cluster_bench.py` ({rooms} rooms x 2 clients, {seconds:g} s per "
        f"step, open loop; load average {load}; 2 cores: servers, Redis and "
        "PostgreSQL on core 0, generator on core 1). Latency: scheduled send to the peer "
        "having integrated the write. Clean = no loss and p99 <= 100 ms. With the parties "
        "split, each write crosses Redis as soon as node A accepted it, before its group commit "
        "(node B holds it until A's durable mark: docs/ARCHITECTURE.md, \"Cross-node delivery\").",
        "",
        "| set-up | p50 ms at 5 w/s | p99 ms at 5 w/s | highest clean deliveries/s | p99 there |",
        "|---|---|---|---|---|",
    ]
    for title, r in results.items():
        lines.append(f"| {title} | {r['p50_first']} | {r['p99_first']} | {r['clean_max_per_s']:,} "
                     f"| {r['p99_at_max']} |")
    lines += ["", "Steps (w/s per client, delivered/s, p50 ms, p99 ms, lost):", ""]
    for title, r in results.items():
        lines.append(f"- {title}: " + "; ".join(
            f"{rate} w/s: {d}/s, {p50}/{p99} ms, {lost} lost" for rate, d, p50, p99, lost
            in r["steps"]))
    out.mkdir(parents=True, exist_ok=True)
    (out / "CLUSTER.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    os.environ.pop("ANTHROPIC_API_KEY", None)
    main()
