"""results.json -> REPORT.md (a table per scenario, ratios to each peer) and the PNG charts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.charts import charts
from harness.profile import cpu_split, top_frames
from harness.scenarios import (
    GENERATOR_BOUND_PCT,
    SATURATION_P99_MS,
    SEND_LAG_LIMIT_MS,
    step_invalid,
)
from harness.servers import KINDS

Row = dict[str, Any]
Step = dict[str, Any]
#: Shown where a number is missing.
NA = "-"
#: The reference server of issue 17's targets.
REFERENCE = "node-ref"

MACHINE_NOTE = (
    "2 cores, 24 GiB, loopback only. Each server runs alone on core 0 (`taskset -c 0`), the "
    "Node generator on core 1; every (scenario, server) pair gets a fresh server process. "
    "Other processes on the machine add noise: *other CPU* is what everything else used during "
    "the measured window (% of one core). Absolute numbers move from run to run; the ratios "
    "between servers measured in the same run are what to read ((b) and (c) run offer-room and "
    "node-ref several times, interleaved, and keep each one's median run). Latency runs from "
    "each write's *scheduled* send time (open loop) to the moment the peer has received it; "
    "*send lag* is how late the generator itself sent. Peers run "
    "in memory with their defaults; offer-room runs as deployed: guard, SQLite persistence "
    "(group commit, WAL) and presence on; only its per-connection rate limit and per-user "
    "work budget are raised."
)

WORKLOAD_NOTE = (
    "Workload: every room has two clients (client and freelancer) speaking y-websocket v3 "
    "(Hocuspocus: its framing, with an auth message first) over one socket, each syncing a "
    "real Y.Doc and setting one awareness state at join. The client writes `terms.title` = "
    "`\"t c <seq> <scheduled ms>\"`, the freelancer `terms.hourly_rate` = 100000 + seq (both "
    "valid under offer-room's guard); writes are spread evenly over time (open loop) at the "
    "given rate per client. In the fan-out scenarios a sender replays hand-encoded Yjs updates "
    "(byte for byte what Yjs sends for the same `map.set`, checked at start-up) and a receiver "
    "reads the peer's structs from the bytes it gets instead of integrating them, so the "
    "generator stays far from being the bound; a write counts as delivered once the peer has "
    "received it and every earlier write of that writer. *Lost* = never seen, seen later than "
    "the drain deadline, or refused by the server (offer-room's `rejected`/`error` message). "
    "*µs/edit* = server CPU time ÷ delivered writes in the measured window. (e) raises the "
    "rate per client "
    "step by step (10 s each) until p99 > 100 ms or a write is lost. (d) opens 100 "
    "handshakes at a time; KB per connection = (RSS after a 5 s idle hold - RSS before) / "
    "connections, rooms included. (f) one writer makes 10,000 edits (title, rate, 3-character "
    "description inserts in turn), then fresh clients time connect + sync."
)

VALIDITY_NOTE = (
    f"**Generator headroom and INVALID results.** Every fan-out row states what the generator "
    f"used of its core and the headroom that leaves (100 % ÷ its CPU %): \"23 % → 4.3x\" reads "
    f"\"generator at 23 % of its core: 4.3x headroom\". A step whose "
    f"generator fell behind — send lag p99 above {SEND_LAG_LIMIT_MS:g} ms, or generator CPU "
    f"≥ {GENERATOR_BOUND_PCT:g} % — measured the generator (or whatever else ran on its core), "
    f"not the server: it is marked INVALID, its numbers are struck through, and it is left out "
    f"of the ratio tables, the target verdicts and (e)'s highest clean step."
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
    """offer-room ÷ each peer, per metric, from the same run; INVALID rows take no part."""
    valid = [r for r in rows if "error" not in r and row_invalid(r) is None]
    ours = next((r for r in valid if r["server"] == "offer-room"), None)
    peers = [r for r in valid if r["server"] != "offer-room"]
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


# --- the generator: headroom, and when a step measured it instead of the server -------------


def row_invalid(row: Row) -> str | None:
    """For (a)-(c) (one step per row): why the row is INVALID, or None. Other modes: None."""
    steps = row.get("steps") or []
    return step_invalid(steps[0]) if len(steps) == 1 else None


def headroom(step: Step) -> str:
    """"23 % → 4.3x": the generator's share of its core and how much more load it could take."""
    cpu = step["generator_cpu_pct"]
    if cpu is None:
        return NA
    return f"{cpu:.0f} % → {100 / cpu:.1f}x" if cpu > 0 else "0 % → >100x"


def _per_core(step: Step) -> str:
    us = step.get("generator_us_per_write")
    return f"{1e6 / us:,.0f}" if us else NA


def _strike(cells: list[str]) -> list[str]:
    """An INVALID row's numbers, struck through: still readable, never read as results."""
    return [f"~~{c}~~" if c not in (NA, "") else c for c in cells]


def _invalid_notes(marked: list[tuple[str, str]]) -> list[str]:
    if not marked:
        return []
    return ["", *[f"- **INVALID** {who}: {why} — not a result (left out of the ratios and "
                  f"targets)." for who, why in marked]]


def _generator(results: dict[str, Any]) -> list[str]:
    """One line per fan-out row (for (e): its busiest valid step, else its busiest): the
    generator's cost and headroom; then what one core sustains, from the busiest valid step."""
    body = []
    busiest: tuple[float, Step, str] | None = None
    for key, sc in results["scenarios"].items():
        if sc["mode"] != "fanout":
            continue
        for r in sc["rows"]:
            if "error" in r or not r["steps"]:
                continue
            valid = [x for x in r["steps"] if step_invalid(x) is None]
            s = max(valid or r["steps"], key=lambda x: x["offered_per_s"])
            why = step_invalid(s)
            us = s.get("generator_us_per_write")
            where = f"({key}) {r['server']}" + (f" at {s['rate']} w/s" if key == "e" else "")
            body.append([where, f"{s['offered_per_s']:,}", _f(s["generator_cpu_pct"]),
                         headroom(s), _f(us), _per_core(s), _f(s["send_lag_ms"]["p99"], 2),
                         "valid" if why is None else f"**INVALID**: {why}"])
            if us and why is None and (busiest is None or s["offered_per_s"] > busiest[0]):
                busiest = (s["offered_per_s"], s, where)
    if not body:
        return []
    lines = _table(["row", "writes/s offered", "generator CPU %", "headroom", "µs per write",
                    "writes/s one core sustains", "send lag p99 ms", "verdict"], body)
    if busiest is None:
        lines += ["", "No step was valid: this run says nothing about the generator's ceiling."]
    else:
        _, s, where = busiest
        us = _f(s["generator_us_per_write"])
        lines += ["", f"At the busiest valid step ({where}, {s['offered_per_s']:,} writes/s) "
                      f"one write cost the generator {us} µs of CPU (sending it, receiving the "
                      f"peer's copy and the echo): one generator core would sustain "
                      f"≈ {_per_core(s)} writes/s at 100 % (extrapolated; CPU per write falls as "
                      f"load rises — fewer idle wake-ups — so this is conservative)."]
    return lines


# --- scenario sections ------------------------------------------------------------------------


def _fanout(sc: dict[str, Any]) -> list[str]:
    rows = [r for r in sc["rows"] if "error" not in r]
    body = []
    marked = []
    for r in rows:
        s = r["steps"][0]
        lat = s["latency_ms"]
        cells = [_f(lat["p50"], 2), _f(lat["p95"], 2), _f(lat["p99"], 2), _f(lat["max"], 1),
                 f"{s['delivered_per_s']:,}", str(s["lost"]), _f(s["server_cpu_pct"]),
                 _f(s.get("server_us_per_edit")), _f(s["server_rss_kb"] / 1024),
                 _f(s["generator_cpu_pct"]), headroom(s), _f(s["other_cpu_pct"]),
                 _f(s["send_lag_ms"]["p99"], 2), _stall(s)]
        why = step_invalid(s)
        if why is not None:
            marked.append((r["server"], why))
            body.append([_name(r) + " INVALID", *_strike(cells)])
        else:
            body.append([_name(r), *cells])
    header = ["server", "p50 ms", "p95 ms", "p99 ms", "max ms", "delivered/s", "lost",
              "server CPU %", "server µs/edit", "server RSS MB", "generator CPU %",
              "generator headroom", "other CPU %", "send lag p99 ms", "generator stall max ms"]

    def step(r: Row) -> Step:
        first: Step = r["steps"][0]
        return first

    ratios = _ratios(rows, [
        ("server CPU per delivered edit", lambda r: step(r).get("server_us_per_edit")),
        ("p99 latency", lambda r: step(r)["latency_ms"]["p99"]),
        ("max latency", lambda r: step(r)["latency_ms"]["max"]),
        ("server CPU", lambda r: step(r)["server_cpu_pct"]),
        ("server RSS", lambda r: step(r)["server_rss_kb"]),
    ])
    return (_table(header, body) + _invalid_notes(marked) + _rounds_note(rows)
            + _threads_note(rows) + ratios + _refusals(rows))


def _rounds_note(rows: list[Row]) -> list[str]:
    """Which rows are the median of several runs, and every run's CPU per edit."""
    rounded = [r for r in rows if len(r.get("rounds", [])) > 1]
    if not rounded:
        return []
    runs = "; ".join(f"{_name(r)}: " + ", ".join(_f(us) for us in r["rounds"]) for r in rounded)
    which = (f"The row of {_name(rounded[0])} is the median" if len(rounded) == 1 else
             f"The rows of {' and '.join(_name(r) for r in rounded)} are each the median")
    return ["", f"{which} of {len(rounded[0]['rounds'])} runs, interleaved server by server "
                f"(µs per edit of every run — {runs})."]


def _threads_note(rows: list[Row]) -> list[str]:
    """Where each server's CPU per edit ran: a change off the event loop (offer-room's SQLite
    writer thread) is a few µs, inside the whole figure's noise but plain in its own."""
    split = []
    for r in rows:
        s = r["steps"][0]
        us, loop = s.get("server_us_per_edit"), s.get("server_loop_us_per_edit")
        if us is not None and loop is not None:
            split.append(f"{_name(r)}: {_f(loop)} / {_f(max(us - loop, 0.0))}")
    if not split:
        return []
    return ["", "Server µs per edit on its event loop's thread / on its other threads — "
                + "; ".join(split) + "."]


def _refusals(rows: list[Row]) -> list[str]:
    """Edits a server refused: the generator's updates must all be valid, so this is a bug."""
    lines = []
    for r in rows:
        n = r.get("rejected", 0) + r.get("server_refusal_errors", 0)
        if n:
            sample = "; ".join(f"`{m[:160]}`" for m in r.get("refusals", []))
            lines.append(f"- {r['server']} refused {n} generated edits (counted lost): {sample}")
    return ["", *lines] if lines else []


def _stall(step: Step) -> str:
    delay = step.get("generator_loop_delay_ms") or {}
    return _f(delay.get("max"))


def _clean(step: Step) -> bool:
    p99 = step["latency_ms"]["p99"]
    return step["lost"] == 0 and p99 is not None and p99 <= SATURATION_P99_MS


def best_clean(row: Row) -> Step | None:
    """(e)'s answer: the clean step with the most deliveries/s whose generator kept up."""
    clean = [s for s in row.get("steps", []) if _clean(s) and step_invalid(s) is None]
    return max(clean, key=lambda s: s["delivered_per_s"]) if clean else None


def _saturation(sc: dict[str, Any]) -> list[str]:
    rows = [r for r in sc["rows"] if "error" not in r]
    summary = []
    for r in rows:
        best = best_clean(r)
        bad = next((s for s in r["steps"] if not _clean(s)), None)
        stop = (f"{bad['rate']} w/s: p99 {_f(bad['latency_ms']['p99'])} ms, lost {bad['lost']}"
                if bad else "never (ran out of steps)")
        why = step_invalid(bad) if bad else None
        if why is not None:
            stop += f" (**INVALID**: {why}; the server's limit is not known to be there)"
        skipped = [s for s in r["steps"] if _clean(s) and step_invalid(s) is not None]
        if skipped:
            stop += (f"; clean but INVALID (not counted): "
                     f"{', '.join(str(s['rate']) for s in skipped)} w/s")
        if best is None:
            summary.append([_name(r), NA, NA, NA, NA, NA, NA, stop])
            continue
        summary.append([_name(r), f"**{best['delivered_per_s']:,}**", str(best["rate"]),
                        _f(best["latency_ms"]["p99"], 2), _f(best["server_cpu_pct"]),
                        _f(best.get("server_us_per_edit")), headroom(best), stop])
    lines = _table(["server", "highest clean deliveries/s", "w/s per client", "p99 ms there",
                    "server CPU % there", "server µs/edit there", "generator headroom there",
                    "first failing step"], summary)
    lines += _ratios(rows, [
        ("highest clean deliveries/s", lambda r: (best_clean(r) or {}).get("delivered_per_s")),
    ])
    for r in rows:
        lines += ["", f"Steps for {r['server']}:", ""]
        table = []
        for s in r["steps"]:
            cells = [f"{s['offered_per_s']:,}", f"{s['delivered_per_s']:,}",
                     _f(s["latency_ms"]["p50"], 2), _f(s["latency_ms"]["p99"], 2),
                     _f(s["latency_ms"]["max"]), str(s["lost"]), _f(s["server_cpu_pct"]),
                     _f(s.get("server_us_per_edit")), _f(s["generator_cpu_pct"]), headroom(s),
                     _f(s["other_cpu_pct"]), _f(s["send_lag_ms"]["p99"], 2), _stall(s)]
            why = step_invalid(s)
            table.append([str(s["rate"]) + (" INVALID" if why else ""),
                          *(_strike(cells) if why else cells)])
        lines += _table(
            ["w/s per client", "offered/s", "delivered/s", "p50 ms", "p99 ms", "max ms", "lost",
             "server CPU %", "server µs/edit", "generator CPU %", "generator headroom",
             "other CPU %", "send lag p99 ms", "generator stall max ms"], table)
        lines += _invalid_notes([(f"{r['server']} at {s['rate']} w/s", why) for s in r["steps"]
                                 if (why := step_invalid(s)) is not None])
        lines += _refusals([r])
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

    def row_of(key: str, server: str) -> Row | None:
        rows = sc.get(key, {}).get("rows", [])
        return next((r for r in rows if r["server"] == server and "error" not in r), None)

    def ours(key: str) -> Row | None:
        return row_of(key, "offer-room")

    def first(r: Row) -> Step:
        step: Step = r["steps"][0]
        return step

    invalid_verdict = "INVALID (generator lagged)"

    def table(title: str, checks: list[list[str]]) -> list[str]:
        return _table([title, "offer-room", "verdict"], checks)

    def verdict(ok: bool | None) -> str:
        return NA if ok is None else ("met" if ok else "**not met**")

    # Issue 17: offer-room's cost and tail against the reference, from rows the generator did
    # not bound.
    new: list[list[str]] = []
    for key in ("b", "c"):
        a, b = ours(key), row_of(key, REFERENCE)
        if a is None:
            continue
        us = first(a).get("server_us_per_edit")
        ref = first(b).get("server_us_per_edit") if b else None
        label = f"({key}) server CPU per delivered edit ≤ 1.0x {REFERENCE}"
        if b is None or us is None or not ref:
            new.append([label, f"{_f(us)} µs", f"{NA} ({REFERENCE} not run)"])
            continue
        shown = f"{_f(us)} µs vs {_f(ref)} µs = {us / ref:.2f}x"
        if len(a.get("rounds", [])) > 1:
            shown += f" (medians of {len(a['rounds'])} runs)"
        bad = row_invalid(a) or row_invalid(b)
        new.append([label, shown, invalid_verdict if bad else verdict(us / ref <= 1.0)])
    a, b = ours("c"), row_of("c", REFERENCE)
    if a is not None:
        p99 = first(a)["latency_ms"]["p99"]
        ref_p99 = first(b)["latency_ms"]["p99"] if b else None
        label = f"(c) p99 ≤ {REFERENCE}'s p99"
        if ref_p99 is None or p99 is None:
            new.append([label, f"{_f(p99, 2)} ms", f"{NA} ({REFERENCE} not run)"])
        else:
            bad = row_invalid(a) or (row_invalid(b) if b else None)
            new.append([label, f"{_f(p99, 2)} ms vs {_f(ref_p99, 2)} ms",
                         invalid_verdict if bad else verdict(p99 <= ref_p99)])
    bc = [r for key in ("b", "c") if (r := ours(key))]
    if bc:
        new.append(["zero losses in (b), (c) (refused edits count)", *_losses(bc)])
    stated = [(key, r) for key in ("b", "c") for r in sc.get(key, {}).get("rows", [])
              if "error" not in r]
    if stated:
        bad_rows = [f"({key}) {r['server']}" for key, r in stated if row_invalid(r)]
        key, busiest = max(stated, key=lambda kr: first(kr[1])["generator_cpu_pct"] or 0.0)
        shown = f"least headroom: {headroom(first(busiest))} (({key}) {busiest['server']})"
        if bad_rows:
            shown += f"; INVALID: {', '.join(bad_rows)}"
        new.append(["generator headroom stated; no (b)/(c) row INVALID", shown,
                    verdict(not bad_rows)])
    lines: list[str] = []
    if new:
        lines += table("target (issue 17)", new)

    # Issue 4: absolute targets for offer-room alone.
    checks: list[list[str]] = []

    def check(label: str, value: float | None, ok: bool | None, shown: str,
              invalid: str | None = None) -> None:
        checks.append([label, shown if value is not None else NA,
                       invalid_verdict if invalid else verdict(ok)])

    b, c, d, e = ours("b"), ours("c"), ours("d"), ours("e")
    if b:
        p99 = first(b)["latency_ms"]["p99"]
        check("(b) p99 ≤ 3 ms", p99, p99 is not None and p99 <= 3, f"{_f(p99, 2)} ms",
              row_invalid(b))
    if c:
        p99 = first(c)["latency_ms"]["p99"]
        check("(c) p99 ≤ 30 ms", p99, p99 is not None and p99 <= 30, f"{_f(p99, 2)} ms",
              row_invalid(c))
    if d:
        kb = d["kb_per_connection"]
        check("(d) ≤ 20 KB per idle connection", kb, kb <= 20, f"{_f(kb)} KB")
    if e:
        best = best_clean(e)
        rate = best["delivered_per_s"] if best else 0
        shown = f"{rate:,}/s" + (f" at {_f(best['server_cpu_pct'])} % server CPU" if best else "")
        check("(e) ≥ 12,000 clean deliveries/s", rate, rate >= 12_000, shown)
    abc = [r for key in ("a", "b", "c") if (r := ours(key))]
    if abc:
        checks.append(["zero losses in (a), (b), (c)", *_losses(abc)])
    if d:
        failed = d["failures"] + d["dropped_while_idle"]
        check("(d) every idle connection syncs and stays", failed, failed == 0,
              f"{failed} failed or dropped")
    if checks:
        lines += [""] if lines else []
        lines += table("target (issue 4)", checks)
    return lines


def _losses(rows: list[Row]) -> list[str]:
    """[shown, verdict] for "zero losses" over valid rows: a loss anywhere valid fails it; with
    none, an INVALID row (whose writes may have gone out late) leaves it undecided."""
    valid = [r for r in rows if row_invalid(r) is None]
    lost = sum(s["lost"] for r in valid for s in r["steps"])
    skipped = len(rows) - len(valid)
    shown = str(lost) + (f" ({skipped} INVALID row{'s' if skipped > 1 else ''} not counted)"
                         if skipped else "")
    if lost:
        return [shown, "**not met**"]
    return [shown, "INVALID (generator lagged)" if skipped else "met"]


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
        split = raw.with_name(f"profile-{key}-cpu.txt")
        if split.exists():
            lines += ["", "Server CPU by thread and library (perf, `cpu-clock` samples; "
                      "\"main\" is the event loop's thread, \"other\" the store's writer and "
                      "pools; the kernel's share is mostly TCP on loopback and the WAL's "
                      "writes):", ""]
            lines += _table(["%", "thread", "library"],
                            [[_f(p), t, f"`{lib}`"] for t, lib, p in cpu_split(split)])
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
        f"server and generator niceness: {results.get('nice', 0)}; fan-out clients: "
        + ("hand-encoded updates, deliveries read from the bytes." if results.get("replay", True)
           else "real Y.Docs (`--ydoc`)."),
        "",
        "Servers: " + "; ".join(f"`{k}` = {v.label}" for k, v in KINDS.items()) + ".",
    ]
    targets = _targets(results)
    if targets:
        lines += ["", "## Targets", "", *targets]
    generator = _generator(results)
    if generator:
        lines += ["", "## Generator headroom", "", VALIDITY_NOTE, "", *generator]
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
