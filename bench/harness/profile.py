"""py-spy attached to a running server: a flame graph (SVG) and collapsed stacks for a top list."""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from pathlib import Path

from harness.servers import BENCH

PY_SPY = BENCH / ".venv-peers/bin/py-spy"


class PySpy:
    """Records ``pid`` from start() until stop(): ``<stem>.svg`` and ``<stem>.txt`` (collapsed)."""

    def __init__(self, pid: int, stem: Path, rate: int = 100) -> None:
        self.pid = pid
        self.stem = stem
        self.rate = rate
        self._procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        for fmt, suffix in (("flamegraph", ".svg"), ("raw", ".txt")):
            self._procs.append(subprocess.Popen(
                [str(PY_SPY), "record", "--pid", str(self.pid), "--rate", str(self.rate),
                 "--format", fmt, "--output", str(self.stem.with_suffix(suffix)), "--nonblocking"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ))

    def stop(self) -> None:
        # SIGINT makes py-spy stop sampling and write its output.
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self._procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # The flame graph's title is py-spy's command line: keep this machine's paths out of
        # files that get committed.
        root = str(BENCH.parent)
        for suffix in (".svg", ".txt"):
            path = self.stem.with_suffix(suffix)
            if path.exists():
                text = path.read_text()
                for prefix in (f"{self.stem.parent.resolve()}/", f"{root}/"):
                    text = text.replace(prefix, "./")
                path.write_text(text)


#: Inclusive time is listed for these frames only: the project's code and the CRDT library. The
#: event loop, runpy and ASGI plumbing sit under every sample and would crowd the list.
FOCUS = ("server/", "pycrdt/")


def top_frames(collapsed: Path, limit: int = 10) -> tuple[list[tuple[str, float]],
                                                          list[tuple[str, float]]]:
    """(self-time top list, inclusive-time top list of FOCUS frames) in % of samples, from
    py-spy's raw output (one collapsed stack and its count per line)."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")]
        if not frames:
            continue
        total += count
        self_time[frames[-1]] += count
        for frame in set(frames):
            if any(f"({p}" in frame for p in FOCUS) and "(server/cli.py" not in frame:
                inclusive[frame] += count
    if total == 0:
        return [], []

    def pct(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(f, round(100.0 * n / total, 1)) for f, n in counter.most_common(limit)]

    return pct(self_time), pct(inclusive)


#: The checkout's own path, stripped from frames (never written into a report).
_ROOT = str(Path(__file__).resolve().parents[2])


def _short(frame: str) -> str:
    """'apply (server/crdt/guard.py:140)' -> 'apply (server/crdt/guard.py)' with a short path."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", f"{_ROOT}/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})" if path else name
