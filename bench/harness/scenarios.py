"""The six scenarios of issue 4, at full and at smoke size, and how one is run against one server.

Each (scenario, server) pair gets a fresh server process, so memory and CPU readings never carry
over from an earlier scenario. Room set-up (offer-room's REST calls) happens before the generator
starts and is never measured.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.generator import GeneratorRun, run_generator
from harness.procstat import Sample, cpu_between, rss_kb
from harness.profile import PySpy
from harness.servers import ServerKind

#: (e) stops at the first step whose p99 passes this, or that loses a write.
SATURATION_P99_MS = 100.0
#: A step whose writes went out later than this (send lag p99) measured the generator, not the
#: server: the report marks it INVALID. On a quiet core the lag stays near 1 ms (timer
#: granularity); 10 ms is a tenth of the saturation bound and well above that floor.
SEND_LAG_LIMIT_MS = 10.0
#: Likewise a step whose generator used this much of its core (it cannot have kept its schedule).
GENERATOR_BOUND_PCT = 90.0


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    mode: str  # fanout | idle | join
    rooms: int
    steps: list[dict[str, float]] = field(default_factory=list)
    warmup_s: float = 1.0
    drain_ms: int = 3000
    stop_p99_ms: float | None = None
    hold_s: float = 5.0
    history: int = 0
    joins: int = 0

    def time_limit(self) -> float:
        """A generous bound for the generator process (connect + steps + drains + slack)."""
        steps = sum(s["seconds"] + self.warmup_s + self.drain_ms / 1000 + 1 for s in self.steps)
        return 120 + steps + self.hold_s + self.rooms * 0.02 + self.history * 0.01


def scenarios(smoke: bool) -> dict[str, Scenario]:
    def fanout(seconds: float) -> list[dict[str, float]]:
        return [{"rate": 5, "seconds": seconds}]

    if smoke:
        found = [
            Scenario("a", "10 rooms, 5 writes/s per client", "fanout", 2, fanout(1.5), 0.5, 1000),
            Scenario("b", "200 rooms, 5 writes/s per client", "fanout", 4, fanout(1.5), 0.5, 1000),
            Scenario("c", "1000 rooms, 2 writes/s per client", "fanout", 6,
                     [{"rate": 2, "seconds": 1.5}], 0.5, 1000),
            Scenario("d", "4,000 idle connections in 2,000 rooms", "idle", 20, hold_s=1),
            Scenario("e", "saturation at 400 clients (200 rooms)", "fanout", 4,
                     [{"rate": r, "seconds": 1.0} for r in (5, 10)], 0.5, 1000,
                     stop_p99_ms=SATURATION_P99_MS),
            Scenario("f", "join an offer with 10,000 past edits", "join", 1, history=300, joins=2),
        ]
    else:
        rates = (5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80)
        found = [
            Scenario("a", "10 rooms, 5 writes/s per client", "fanout", 10, fanout(15), 2.0),
            Scenario("b", "200 rooms, 5 writes/s per client", "fanout", 200, fanout(15), 2.0),
            Scenario("c", "1000 rooms, 2 writes/s per client", "fanout", 1000,
                     [{"rate": 2, "seconds": 15}], 2.0),
            Scenario("d", "4,000 idle connections in 2,000 rooms", "idle", 2000, hold_s=5),
            Scenario("e", "saturation at 400 clients (200 rooms)", "fanout", 200,
                     [{"rate": r, "seconds": 10} for r in rates], 1.0, 3000,
                     stop_p99_ms=SATURATION_P99_MS),
            Scenario("f", "join an offer with 10,000 past edits", "join", 1, history=10_000,
                     joins=7),
        ]
    return {s.key: s for s in found}


def run_scenario(
    kind: ServerKind,
    sc: Scenario,
    src: Path,
    profile_dir: Path | None = None,
    *,
    deflate: bool = False,
    nice: int = 0,
    replay: bool = True,
) -> dict[str, Any]:
    """Runs ``sc`` against a fresh ``kind`` server; returns the row for the report."""
    server = kind.start(src, nice)
    try:
        started = time.monotonic()
        rooms = server.rooms(sc.rooms, f"{sc.key}{int(time.time())}")
        setup_s = time.monotonic() - started
        time.sleep(0.5)  # let set-up traffic settle before the baseline
        base_rss = rss_kb(server.pid)
        config: dict[str, Any] = {
            "protocol": kind.protocol,
            "deflate": deflate,
            "mode": sc.mode,
            "rooms": rooms,
            "steps": sc.steps,
            "warmup_s": sc.warmup_s,
            "drain_ms": sc.drain_ms,
            "stop_p99_ms": sc.stop_p99_ms,
            "hold_s": sc.hold_s,
            "history": sc.history,
            "joins": sc.joins,
            # Fan-out senders replay hand-encoded updates and receivers scan bytes; False makes
            # every client a real Y.Doc (the generator before issue 17, for comparisons).
            "replay": replay,
        }
        spy = None
        if profile_dir is not None:
            suffix = kind.name.removeprefix("offer-room")
            spy = PySpy(server.pid, profile_dir / f"profile-{sc.key}{suffix}")

        def on_mark(name: str, event: dict[str, Any], sample: Sample) -> None:
            if spy is not None and name == "connected":
                spy.start()

        try:
            run = run_generator(config, server, timeout=sc.time_limit(), on_mark=on_mark,
                                nice=nice)
        finally:
            if spy is not None:
                spy.stop()
        row: dict[str, Any] = {"server": kind.name, "setup_s": round(setup_s, 2),
                               "base_rss_kb": base_rss, "peak_rss_kb": run.peak_rss_kb}
        if sc.mode == "fanout":
            row.update(_fanout_row(run))
        elif sc.mode == "idle":
            row.update(_idle_row(run, base_rss))
        else:
            row.update(_join_row(run))
            if kind.persistent:
                cold_rooms = server.rooms(1, f"{sc.key}cold{int(time.time())}")
                cold = run_generator({**config, "rooms": cold_rooms, "cold": True}, server,
                                     timeout=sc.time_limit(), nice=nice)
                row["cold"] = _join_row(cold)
        row["server_errors"] = _errors(server.log_path)
        return row
    finally:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)


def _fanout_row(run: GeneratorRun) -> dict[str, Any]:
    res = run.result
    return {
        "sync_all_ms": round(res["sync_all_ms"], 1),
        "steps": run.steps,
        "unexpected_closes": res["unexpected_closes"],
        "send_failures": res["send_failures"],
        "replay": res.get("replay", False),
        # Edits the server refused (offer-room's "rejected"/"error" app messages): counted lost.
        "rejected": res.get("rejected", 0),
        "server_refusal_errors": res.get("server_errors", 0),
        "refusals": res.get("refusals", []),
    }


def _idle_row(run: GeneratorRun, base_rss: int) -> dict[str, Any]:
    res = run.result
    connected = run.mark("connected")
    hold_end = run.mark("hold_end")
    n = int(res["connections"])
    curve = [(0, base_rss)]
    curve += [(int(ev["connected"]), s.server_rss_kb) for name, ev, s in run.marks
              if name == "progress"]
    curve.append((n, hold_end.server_rss_kb))
    assert run.first is not None
    return {
        "connections": n,
        "sync_all_ms": round(res["sync_all_ms"], 1),
        "failures": len(res["failures"]),
        "dropped_while_idle": res["dropped_while_idle"],
        "rss_kb": hold_end.server_rss_kb,
        "kb_per_connection": round((hold_end.server_rss_kb - base_rss) / max(n, 1), 1),
        "connect_cpu": cpu_between(run.first, connected),
        "idle_cpu": cpu_between(connected, hold_end),
        "rss_curve": curve,
    }


def _join_row(run: GeneratorRun) -> dict[str, Any]:
    res = run.result
    return {
        "history": res["history"],
        "build_ms": round(res["build_ms"], 1),
        "join_p50_ms": round(res["join_ms"]["p50"], 2),
        "join_max_ms": round(res["join_ms"]["max"], 2),
        "join_all_ms": [round(x, 2) for x in res["join_ms"]["all"]],
        "sync_bytes": res["sync_bytes"],
        "server_cpu_during_joins": cpu_between(run.mark("joins_start"), run.mark("joins_end")),
    }


def _errors(log_path: Path) -> list[str]:
    """The last few error/warning lines of the server's log, so a failing server is visible."""
    lines = log_path.read_text(errors="replace").splitlines()
    bad = [ln for ln in lines if any(w in ln for w in ("ERROR", "Traceback", "WARNING", "Error"))]
    return bad[-5:]


def step_invalid(step: dict[str, Any]) -> str | None:
    """Why a fan-out step measured the generator rather than the server, or None if it did not."""
    lag = step["send_lag_ms"]["p99"]
    cpu = step["generator_cpu_pct"]
    if cpu is not None and cpu >= GENERATOR_BOUND_PCT:
        return f"generator at {cpu:.0f} % of its core (≥ {GENERATOR_BOUND_PCT:g} %)"
    if lag is not None and lag > SEND_LAG_LIMIT_MS:
        return f"generator lagged: send lag p99 {lag:,.1f} ms > {SEND_LAG_LIMIT_MS:g} ms"
    return None
