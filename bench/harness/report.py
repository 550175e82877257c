"""results.json -> REPORT.md (a table per scenario, ratios to each peer) and the PNG charts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.charts import charts
from harness.profile import top_frames
from harness.scenarios import SATURATION_P99_MS
from harness.servers import KINDS

Row = dict[str, Any]
#: A step whose generator used this much of its core measured the generator, not the server.
GENERATOR_BOUND_PCT = 90.0
#: Shown where a number is missing.
NA = "-"

MACHINE_NOTE = (
    "2 cores, 24 GiB, loopback only. Each server runs alone on core 0 (`taskset -c 0`), the "
    "Node generator on core 1; every (scenario, server) pair gets a fresh server process. "
    "Other processes on the machine add noise: *other CPU* is what everything else used during "
    "the measured window (% of one core). Absolute numbers move from run to run; the ratios "
    "between servers measured in the same run are what to read. Latency runs from each write's "
    "*scheduled* send time (open loop) to the moment the peer has integrated it; *send lag* is "
    "how late the generator itself sent, so a generator-bound point is visible. Peers run "
    "in memory with their defaults; offer-room runs as deployed: guard, SQLite persistence "
    "(group commit, WAL) and presence on; only its per-connection rate limit is raised."
)

WORKLOAD_NOTE = (
    "Workload: every room has two clients (client and freelancer), each a real Y.Doc speaking "
    "y-websocket v3 (Hocuspocus: its framing, with an auth message first) over one socket, "
    "with one awareness state set at join. The client writes `terms.title` = "
    "`\"t c <seq> <scheduled ms>\"`, the freelancer `terms.hourly_rate` = 100000 + seq (both "
    "valid under offer-room's guard); writes are spread evenly over time (open loop) at the "
    "given rate per client, and a write counts as delivered once the peer's doc shows it. "
    "*Lost* = never seen, or seen later than the drain deadline. (e) raises the rate per client "
    "step by step (10 s each) until p99 > 100 ms or a write is lost. (d) opens 100 "
    "handshakes at a time; KB per connection = (RSS after a 5 s idle hold - RSS before) / "
    "connections, rooms included. (f) one writer makes 10,000 edits (title, rate, 3-character "
    "description inserts in turn), then fresh clients time connect + sync."
)


def write_outputs(results: dict[str, Any], out: Path) -> None:
    """results.json, the PNG charts and REPORT.md, all in ``out``."""
    (out / "results.json").write_text(json.dumps(results, indent=1))
    pictures = charts(results, out)
    (out / "REPORT.md").write_text(render(results, pictures, out))


def _f(v: float | None, digits: int = 1) -> str:
    return NA if v is None else f"{v:,.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def _name(row: Row) -> str:
    kind = KINDS.get(row["server"])
    return f"**{row['server']}**" if row["server"] == "offer-room" else (
        kind.label if kind else row["server"])


def _ratios(rows: list[Row], metrics: list[tuple[str, Callable[[Row], float | None]]]) -> list[str]:
    """offer-room ÷ each peer, per metric, from the same run."""
    ours = next((r for r in rows if r["server"] == "offer-room" and "error" not in r), None)
    peers = [r for r in rows if r["server"] != "offer-room" and "error" not in r]
    if ours is None or not peers:
        return []
    out = []
    for label, get in metrics:
        cells = []
        for peer in peers:
            a, b = get(ours), get(peer)
            cells.append(NA if a is None or b in (None, 0) else f"{a / b:.2f}x")
        out.append([label, *cells])
    header = ["offer-room ÷ peer", *[p["server"] for p in peers]]
    return ["", *_table(header, out)]


def _errors(rows: list[Row]) -> list[str]:
    return [f"- {r['server']} failed: `{r['error'][:300]}`" for r in rows if "error" in r]


def _fanout(sc: dict[str, Any]) -> list[str]:
    rows = [r for r in sc["rows"] if "error" not in r]
    body = []
    for r in rows:
        s = r["steps"][0]
        lat = s["latency_ms"]
        body.append([_name(r), _f(lat["p50"], 2), _f(lat["p95"], 2), _f(lat["p99"], 2),
                     _f(lat["max"], 1), f"{s['delivered_per_s']:,}", str(s["lost"]),
                     _f(s["server_cpu_pct"]), _f(s["server_rss_kb"] / 1024),
                     _f(s["generator_cpu_pct"]), _f(s["other_cpu_pct"]),
                     _f(s["send_lag_ms"]["p99"], 2), _stall(s)])
    header = ["server", "p50 ms", "p95 ms", "p99 ms", "max ms", "delivered/s", "lost",
              "server CPU %", "server RSS MB", "generator CPU %", "other CPU %",
              "send lag p99 ms", "generator stall max ms"]

    def step(r: Row) -> dict[str, Any]:
        first: dict[str, Any] = r["steps"][0]
        return first

    ratios = _ratios(rows, [
        ("p99 latency", lambda r: step(r)["latency_ms"]["p99"]),
        ("max latency", lambda r: step(r)["latency_ms"]["max"]),
        ("server CPU", lambda r: step(r)["server_cpu_pct"]),
        ("server RSS", lambda r: step(r)["server_rss_kb"]),
    ])
    return _table(header, body) + ratios


def _stall(step: dict[str, Any]) -> str:
    delay = step.get("generator_loop_delay_ms") or {}
    return _f(delay.get("max"))


def _clean(step: dict[str, Any]) -> bool:
    p99 = step["latency_ms"]["p99"]
    return step["lost"] == 0 and p99 is not None and p99 <= SATURATION_P99_MS


def best_clean(row: Row) -> dict[str, Any] | None:
    clean = [s for s in row.get("steps", []) if _clean(s)]
    return max(clean, key=lambda s: s["delivered_per_s"]) if clean else None


def _saturation(sc: dict[str, Any]) -> list[str]:
    rows = [r for r in sc["rows"] if "error" not in r]
    summary = []
    for r in rows:
        best = best_clean(r)
        bad = next((s for s in r["steps"] if not _clean(s)), None)
        stop = (f"{bad['rate']} w/s: p99 {_f(bad['latency_ms']['p99'])} ms, lost {bad['lost']}"
                if bad else "never (ran out of steps)")
        if bad and bad["generator_cpu_pct"] >= GENERATOR_BOUND_PCT:
            stop += f" (generator at {_f(bad['generator_cpu_pct'])} % CPU: generator-bound)"
        if best is None:
            summary.append([_name(r), NA, NA, NA, NA, NA, stop])
            continue
        summary.append([_name(r), f"**{best['delivered_per_s']:,}**", str(best["rate"]),
                        _f(best["latency_ms"]["p99"], 2), _f(best["server_cpu_pct"]),
                        _f(best["generator_cpu_pct"]), stop])
    lines = _table(["server", "highest clean deliveries/s", "w/s per client", "p99 ms there",
                    "server CPU % there", "generator CPU % there", "first failing step"],
                   summary)
    lines += _ratios(rows, [
        ("highest clean deliveries/s", lambda r: (best_clean(r) or {}).get("delivered_per_s")),
    ])
    for r in rows:
        lines += ["", f"Steps for {r['server']}:", ""]
        lines += _table(
            ["w/s per client", "offered/s", "delivered/s", "p50 ms", "p99 ms", "max ms", "lost",
             "server CPU %", "generator CPU %", "other CPU %", "send lag p99 ms",
             "generator stall max ms"],
            [[str(s["rate"]), f"{s['offered_per_s']:,}", f"{s['delivered_per_s']:,}",
              _f(s["latency_ms"]["p50"], 2), _f(s["latency_ms"]["p99"], 2),
              _f(s["latency_ms"]["max"]), str(s["lost"]), _f(s["server_cpu_pct"]),
              _f(s["generator_cpu_pct"]), _f(s["other_cpu_pct"]), _f(s["send_lag_ms"]["p99"], 2),
              _stall(s)]
             for s in r["steps"]])
    return lines


def _idle(sc: dict[str, Any]) -> list[str]:
    rows = [r for r in sc["rows"] if "error" not in r]
    body = [[_name(r), f"{r['connections']:,}", _f(r["sync_all_ms"] / 1000, 2),
             _f(r["rss_kb"] / 1024), f"**{_f(r['kb_per_connection'])}**",
             _f(r["connect_cpu"]["server_cpu_pct"]), _f(r["idle_cpu"]["server_cpu_pct"]),
             _f(r["connect_cpu"]["generator_cpu_pct"]),
             f"{r['failures']} / {r['dropped_while_idle']}"] for r in rows]
    header = ["server", "connections", "time to sync all s", "RSS MB", "KB per connection",
              "server CPU % while connecting", "server CPU % idle", "generator CPU %",
              "failed / dropped"]
    return _table(header, body) + _ratios(rows, [
        ("KB per connection", lambda r: r["kb_per_connection"]),
        ("time to sync all", lambda r: r["sync_all_ms"]),
    ])


def _join(sc: dict[str, Any]) -> list[str]:
    rows = [r for r in sc["rows"] if "error" not in r]
    body = []
    for r in rows:
        body.append([_name(r) + " (live room)", f"{r['history']:,}", _f(r["join_p50_ms"], 2),
                     _f(r["join_max_ms"], 2), f"{r['sync_bytes']:,}", _f(r["build_ms"] / 1000, 2)])
        cold = r.get("cold")
        if cold:
            body.append([_name(r) + " (cold: loaded from SQLite)", f"{cold['history']:,}",
                         _f(cold["join_p50_ms"], 2), _f(cold["join_max_ms"], 2),
                         f"{cold['sync_bytes']:,}", _f(cold["build_ms"] / 1000, 2)])
    header = ["server", "past edits", "join p50 ms", "join max ms", "state bytes",
              "history build s"]
    return _table(header, body) + _ratios(rows, [("join p50 (live)", lambda r: r["join_p50_ms"])])


def _targets(results: dict[str, Any]) -> list[str]:
    sc = results["scenarios"]

    def ours(key: str) -> Row | None:
        rows = sc.get(key, {}).get("rows", [])
        return next((r for r in rows if r["server"] == "offer-room" and "error" not in r), None)

    checks: list[list[str]] = []

    def check(label: str, value: float | None, ok: bool | None, shown: str) -> None:
        verdict = NA if ok is None else ("met" if ok else "**not met**")
        checks.append([label, shown if value is not None else NA, verdict])

    b, c, d, e = ours("b"), ours("c"), ours("d"), ours("e")
    if b:
        p99 = b["steps"][0]["latency_ms"]["p99"]
        check("(b) p99 ≤ 3 ms", p99, p99 is not None and p99 <= 3, f"{_f(p99, 2)} ms")
    if c:
        p99 = c["steps"][0]["latency_ms"]["p99"]
        check("(c) p99 ≤ 30 ms", p99, p99 is not None and p99 <= 30, f"{_f(p99, 2)} ms")
    if d:
        kb = d["kb_per_connection"]
        check("(d) ≤ 20 KB per idle connection", kb, kb <= 20, f"{_f(kb)} KB")
    if e:
        best = best_clean(e)
        rate = best["delivered_per_s"] if best else 0
        shown = f"{rate:,}/s" + (f" at {_f(best['server_cpu_pct'])} % server CPU" if best else "")
        check("(e) ≥ 12,000 clean deliveries/s", rate, rate >= 12_000, shown)
    lost = sum(s["lost"] for key in ("a", "b", "c") if (r := ours(key)) for s in r["steps"])
    check("zero losses in (a), (b), (c)", lost, lost == 0, str(lost))
    if d:
        failed = d["failures"] + d["dropped_while_idle"]
        check("(d) every idle connection syncs and stays", failed, failed == 0,
              f"{failed} failed or dropped")
    return _table(["target (issue 4)", "offer-room", "verdict"], checks)


def _profiles(out: Path) -> list[str]:
    lines: list[str] = []
    for key in ("b", "e"):
        found = [d / f"profile-{key}.txt" for d in (out / "profile", out)]
        raw = next((p for p in found if p.exists()), None)
        if raw is None:
            continue
        own, inclusive = top_frames(raw)
        svg = raw.with_suffix(".svg").relative_to(out)
        lines += ["", f"### py-spy, scenario ({key}), offer-room — [{svg}]({svg})", ""]
        lines += _table(["self %", "frame"], [[_f(p), f"`{f}`"] for f, p in own])
        lines += ["", "Inclusive, offer-room and pycrdt frames (time with the frame on the stack):",
                  ""]
        lines += _table(["total %", "frame"], [[_f(p), f"`{f}`"] for f, p in inclusive])
    return lines


SECTIONS = {"fanout": _fanout, "idle": _idle, "join": _join}


def render(results: dict[str, Any], pictures: list[str], out: Path) -> str:
    m = results["machine"]
    lines = [
        "# offer-room benchmark" + (" (smoke: toy sizes, numbers mean nothing)"
                                    if results["smoke"] else ""),
        "",
        f"Generated by `bench/run.py` on {m['date']} in {results['elapsed_s']} s "
        f"(load average at start: {' '.join(m['loadavg_at_start'])}).",
        "",
        MACHINE_NOTE,
        "",
        WORKLOAD_NOTE,
        "",
        f"offer-room tree: `{results.get('src', '')}` (commit {results.get('commit') or 'n/a'}); "
        f"clients offer permessage-deflate: {'yes' if results.get('deflate') else 'no'}; "
        f"server and generator niceness: {results.get('nice', 0)}.",
        "",
        "Servers: " + "; ".join(f"`{k}` = {v.label}" for k, v in KINDS.items()) + ".",
    ]
    if "e" in results["scenarios"] or "b" in results["scenarios"]:
        lines += ["", "## Targets", "", *_targets(results)]
    for key, sc in results["scenarios"].items():
        lines += ["", f"## ({key}) {sc['title']}", ""]
        if key == "e":
            lines += _saturation(sc)
        else:
            lines += SECTIONS[sc["mode"]](sc)
        lines += _errors(sc["rows"])
    if pictures:
        lines += ["", "## Charts", ""] + [f"![{p}]({p})" for p in pictures]
    profile = _profiles(out)
    if profile:
        lines += ["", "## Profile of offer-room", *profile]
    return "\n".join(lines) + "\n"
