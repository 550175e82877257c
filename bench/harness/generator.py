"""Runs the Node load generator (pinned to core 1) and samples /proc at each phase it announces."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.procstat import CLK_TCK, RssWatch, Sample, cpu_between
from harness.servers import BENCH, ROOT, Running, priority

GENERATOR_CORE = "1"

#: Called at each mark with its name, the event and the sample taken then.
OnMark = Callable[[str, dict[str, Any], Sample], None]


class GeneratorError(RuntimeError):
    pass


@dataclass
class GeneratorRun:
    marks: list[tuple[str, dict[str, Any], Sample]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    first: Sample | None = None
    peak_rss_kb: int = 0

    def mark(self, name: str) -> Sample:
        for mark_name, _, sample in self.marks:
            if mark_name == name:
                return sample
        raise GeneratorError(f"the generator never reached {name!r}")


def run_generator(
    config: dict[str, Any],
    server: Running,
    *,
    timeout: float,
    on_mark: OnMark | None = None,
    nice: int = 0,
) -> GeneratorRun:
    """Runs one generator process to its result; raises GeneratorError on failure or time-out."""
    path = server.workdir / f"gen-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(config))
    stderr_path = path.with_suffix(".stderr")
    run = GeneratorRun()
    with open(stderr_path, "wb") as stderr, RssWatch(server.pid) as watch:
        proc = subprocess.Popen(
            [*priority(nice), "taskset", "-c", GENERATOR_CORE, "node",
             str(BENCH / "gen/loadgen.mjs"), str(path)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=ROOT,
        )
        # Every run is bounded: a generator still running at the limit is killed.
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _follow(proc, server, run, on_mark)
        finally:
            killer.cancel()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            assert proc.stdout is not None
            proc.stdout.close()
        run.peak_rss_kb = watch.peak_kb
    if not run.result:
        stderr_text = stderr_path.read_text(errors="replace")
        raise GeneratorError(f"no result (killed after {timeout:.0f} s?); stderr:\n{stderr_text}")
    return run


def cost_per_write(step: dict[str, Any], start: Sample, end: Sample) -> dict[str, Any]:
    """CPU seconds of server and generator over a step's measured window, and per write.

    The window (measure_start .. measure_end) is the one whose scheduled writes the step counts,
    so server CPU / delivered writes is the server's cost per delivered edit, and generator CPU /
    offered writes what one write costs the generator (sending it, receiving the peer's copy and
    the echo): 1e6 / that is the writes/s one generator core could sustain at 100 %.
    """
    server_s = (end.server - start.server) / CLK_TCK
    loop_s = (end.server_loop - start.server_loop) / CLK_TCK
    generator_s = (end.generator - start.generator) / CLK_TCK
    delivered = int(step.get("delivered", 0)) - int(step.get("late", 0))
    writes = int(step.get("writes", 0))
    return {
        "window_s": round(end.at - start.at, 3),
        "server_cpu_s": round(server_s, 2),
        "generator_cpu_s": round(generator_s, 2),
        "server_us_per_edit": round(1e6 * server_s / delivered, 1) if delivered else None,
        # Of that, on the event loop's thread (the rest: the server's other threads).
        "server_loop_us_per_edit": round(1e6 * loop_s / delivered, 1) if delivered else None,
        "generator_us_per_write": round(1e6 * generator_s / writes, 1) if writes else None,
    }


def _follow(
    proc: subprocess.Popen[bytes],
    server: Running,
    run: GeneratorRun,
    on_mark: OnMark | None,
) -> None:
    assert proc.stdout is not None
    run.first = Sample.take(server.pid, proc.pid)
    window: dict[str, Sample] = {}
    for raw in proc.stdout:
        event: dict[str, Any] = json.loads(raw)
        kind = event.get("event")
        if kind == "mark":
            sample = Sample.take(server.pid, proc.pid)
            name = str(event["name"])
            run.marks.append((name, event, sample))
            window[name] = sample
            if on_mark is not None:
                on_mark(name, event, sample)
        elif kind == "step":
            start, end = window["measure_start"], window["measure_end"]
            run.steps.append({**event, **cpu_between(start, end),
                              **cost_per_write(event, start, end),
                              "server_rss_kb": end.server_rss_kb})
        elif kind == "result":
            run.result = event
        elif kind == "error":
            raise GeneratorError(str(event.get("message")))
