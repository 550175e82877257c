"""``bench/attacks.py``: run the attacks of issue 11 against a tree, or merge two runs."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hostile import answers, floods, front, logs_crash
from hostile.measure import RSS_CAP_MB, RSS_KILL_MB, Case, run_case
from hostile.report import machine, render, tree_info

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "bench" / "results" / "ATTACKS.md"
CASES: list[Case] = [*floods.CASES, *front.CASES, *answers.CASES, *logs_crash.CASES]


def _number(case_id: str) -> int:
    return int(case_id.rstrip("abcdefgh"))


def select(only: str | None) -> list[Case]:
    """Cases by id ("1a") or by number ("1" is 1a and 1b), in the issue's order."""
    cases = sorted(CASES, key=lambda c: (_number(c.id), c.id))
    if not only:
        return cases
    wanted = {part.strip() for part in only.split(",") if part.strip()}
    chosen = [c for c in cases if c.id in wanted or str(_number(c.id)) in wanted]
    unknown = wanted - {c.id for c in chosen} - {str(_number(c.id)) for c in chosen}
    if unknown:
        raise SystemExit(f"no such attack: {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(c.id for c in cases)})")
    return chosen


def export(rev: str) -> tuple[Path, str]:
    """``git archive`` of ``rev`` into a temp dir (read-only for the checkout, unlike a
    worktree): a stable tree to attack while others edit this one."""
    short = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.strip()
    dest = Path(tempfile.mkdtemp(prefix=f"offer-room-{short}-"))
    archive = subprocess.run(["git", "archive", short], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest, short


async def run_all(cases: list[Case], tree: Path, cap_mb: float,
                  commit: str | None = None) -> dict[str, Any]:
    started = time.monotonic()
    info = tree_info(tree)
    if commit:
        info.update(commit=commit, dirty=False)
    run: dict[str, Any] = {
        "tree": info, "machine": machine(),
        "started_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rss_cap_mb": cap_mb, "cases": [],
    }
    for case in cases:
        print(f"[{case.id:>3}] {case.title} …", file=sys.stderr, flush=True)
        row = await run_case(case, tree, cap_mb=cap_mb, kill_mb=max(RSS_KILL_MB, cap_mb * 1.5))
        run["cases"].append(row)
        print(f"      {_summary(row)}", file=sys.stderr, flush=True)
    run["wall_s"] = round(time.monotonic() - started, 1)
    return run


def _summary(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"error: {row['error']}"
    if row["kind"] == "check":
        return "; ".join(f"{a['check']}: {a['got']}" for a in row["answers"]) or row["outcome"]
    return (f"{row['duration_s']} s, RSS +{row['rss_growth_mb']} MB, worst stall "
            f"{row.get('worst_stall_ms')} ms, {row['outcome']}"
            + (f" [stopped: {row['stopped']}]" if row.get("stopped") else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/attacks.py", description=__doc__)
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="offer-room source tree to attack (default: this checkout)")
    parser.add_argument("--commit", metavar="REV",
                        help="attack this revision instead (a `git archive` in a temp dir), "
                             "e.g. --commit 8cf8cf4 for the tree before the hardening work")
    parser.add_argument("--only", help="comma-separated ids or numbers, e.g. 1,4,8b")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="Markdown to write; the run's JSON goes beside it (.json)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE.json", "AFTER.json"),
                        help="run nothing: merge two runs into one before/after table in --out")
    parser.add_argument("--rss-cap-mb", type=float, default=RSS_CAP_MB,
                        help="stop an attack once the node's RSS passes this (default: 4096)")
    parser.add_argument("--note", default="",
                        help="a line for the report's header, e.g. how quiet the machine was")
    parser.add_argument("--list", action="store_true", help="list the attacks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for case in select(None):
            print(f"{case.id:>3}  {case.title}")
        return 0
    if args.compare:
        runs = [json.loads(path.read_text()) for path in args.compare]
        markdown = render(runs, ["before", "after"], args.note)
    else:
        # A thousand sockets of our own (attack 8a) need descriptors.
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        cases = select(args.only)
        tree, commit = (export(args.commit) if args.commit else (args.tree.resolve(), None))
        try:
            run = asyncio.run(run_all(cases, tree, args.rss_cap_mb, commit))
        finally:
            if args.commit:
                shutil.rmtree(tree, ignore_errors=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".json").write_text(json.dumps(run, indent=1) + "\n")
        markdown = render([run], ["this tree"], args.note)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown)
    print(markdown)
    return 0
