"""The tables: one run, or a before and an after run side by side (``--compare``).

A run is a JSON object (written beside its Markdown): the tree and its commit, the machine, and
one row per case (see ``measure.run_case``). Rendering takes one or more runs and gives each
measure one column per run, so "before" and "after" sit next to each other.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

Run = dict[str, Any]


def machine() -> dict[str, Any]:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {"nproc": len(os.sched_getaffinity(0)), "python": platform.python_version(),
            "kernel": platform.release(), "mem_gb": round(mem_kb / 1024 / 1024, 1),
            # How busy the machine was when the run began (others' tests skew every number).
            "load_1min": round(os.getloadavg()[0], 2)}


def tree_info(tree: Path) -> dict[str, Any]:
    """The tree's commit, and whether its files differ from it (read-only git commands)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "--no-optional-locks", "-C", str(tree), *args],
                              capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""
    # Only the commit goes in a report: a machine's paths say nothing to a reader elsewhere.
    if git("rev-parse", "--show-toplevel") != str(tree.resolve()):  # not a checkout of its own
        return {"commit": "unknown", "dirty": False}
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _label(run: Run) -> str:
    tree = run["tree"]
    dirty = " + uncommitted changes" if tree["dirty"] else ""
    return f"`{tree['commit']}`{dirty}"


def _growth(row: dict[str, Any] | None) -> str:
    if row is None:
        return "not run"
    if "error" in row:
        return "error"
    return f"+{row['rss_growth_mb']:,.0f} MB"


def _stall(row: dict[str, Any] | None) -> str:
    if row is None:
        return "not run"
    if "error" in row:
        return "error"
    honest = row.get("honest", {})
    if "error" in honest or row.get("worst_stall_ms") is None:
        return "n/a (" + _cell(honest.get("error", "no probe")) + ")"
    unfinished = honest["round_trip"]["unfinished"] or honest["ping"]["unfinished"]
    text = ("≥ " if unfinished else "") + f"{row['worst_stall_ms']:,.0f} ms"
    if not honest.get("after_ok", True):
        text += " (room broken after)"
    return text


def _ending(row: dict[str, Any] | None) -> str:
    if row is None:
        return "not run"
    if "error" in row:
        return _cell(row["error"])
    text = f"{row['outcome']} ({row['duration_s']} s)"
    if row.get("stopped"):
        text += f"; **stopped by the harness: {row['stopped']}**"
    return _cell(text)


def _rows(run: Run) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in run["cases"]}


def _order(runs: list[Run]) -> list[str]:
    ids: list[str] = []
    for run in runs:
        ids += [row["id"] for row in run["cases"] if row["id"] not in ids]
    return sorted(ids, key=lambda i: (int(i.rstrip("abcdefgh")), i))


def render(runs: list[Run], names: list[str], note: str = "") -> str:
    """Markdown for one run, or several side by side (``names`` label their columns)."""
    tables = [_rows(run) for run in runs]
    ids = _order(runs)
    first = {i: next(t[i] for t in tables if i in t) for i in ids}
    floods = [i for i in ids if first[i]["kind"] == "flood"]
    checks = [i for i in ids if first[i]["kind"] == "check"]
    out = ["# Hostile participants: attack → bound → cost", ""]
    for name, run in zip(names, runs, strict=True):
        m = run["machine"]
        out.append(f"- **{name}**: tree {_label(run)}, "
                   f"{m['nproc']} cores, {m['mem_gb']} GB, Python {m['python']}, "
                   f"Linux {m['kernel']}; run {run['started_at']} "
                   f"(load {m.get('load_1min', '?')}), took {run['wall_s']:,.0f} s")
    if note:
        out += ["", f"**{_cell(note)}**"]
    out += ["", "Each attack ran against a fresh node while an honest client and freelancer "
            "edited another offer (round trips 100 ms apart, plus WebSocket pings from a third "
            "socket). *Peak RSS growth* is the node's resident memory above its level when the "
            "attack began (sampled every 50 ms); *worst stall* is the slowest honest round trip "
            "or ping during the attack (≥: one had not completed, capped at 30 s). Attacks stop "
            "at their count, their time limit, or when the node passed the RSS cap.", ""]
    if floods:
        heads = [f"peak RSS growth ({n})" for n in names] + [f"worst stall ({n})" for n in names]
        out += ["| # | attack | bound | " + " | ".join(heads) + " |",
                "|---|---|---|" + "---|" * len(heads)]
        for i in floods:
            cells = [_growth(t.get(i)) for t in tables] + [_stall(t.get(i)) for t in tables]
            out.append(f"| {i} | {_cell(first[i]['title'])} | {_cell(first[i]['bound'])} | "
                       + " | ".join(cells) + " |")
        out += ["", "How each attacker ended (and how long the attack ran):", "",
                "| # | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for i in floods:
            out.append(f"| {i} | " + " | ".join(_ending(t.get(i)) for t in tables) + " |")
    if checks:
        out += ["", "Checks (what the node answered):", "",
                "| check | expected | " + " | ".join(names) + " |",
                "|---|---|" + "---|" * len(names)]
        for i in checks:
            answers = [{a["check"]: a for a in t[i].get("answers", [])} if i in t else {}
                       for t in tables]
            labels: list[str] = []
            for found in answers:
                labels += [label for label in found if label not in labels]
            errors = [_cell(t[i]["error"]) if i in t and "error" in t[i] else "" for t in tables]
            if not labels:
                labels = [f"{i} {first[i]['title']}"]
            for label in labels:
                expect = next((a[label]["expect"] for a in answers if label in a), "")
                got = [_cell(a[label]["got"]) if label in a else (e or "—")
                       for a, e in zip(answers, errors, strict=True)]
                out.append(f"| {_cell(label)} | {_cell(expect)} | " + " | ".join(got) + " |")
    return "\n".join(out) + "\n"
