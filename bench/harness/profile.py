"""A running server profiled: py-spy's flame graph (SVG) and collapsed stacks for a top list,
and, where ``perf`` can sample, the CPU split by thread and library.

py-spy samples with ``--native``, so the time the event loop spends in C (uvloop, the socket
``write``/``read`` calls, pycrdt's Rust) is charged to those frames instead of appearing as
``Runner.run``'s own time. That pauses the server for each sample: a profiled run's figures are
not comparable with an unprofiled one's (``run.py --profile`` writes them apart). perf's
``cpu-clock`` sampling adds the kernel's share (TCP on loopback, the WAL's writes), which py-spy
cannot see.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path

from harness.servers import BENCH

PY_SPY = BENCH / ".venv-peers/bin/py-spy"
PERF = shutil.which("perf")


class PySpy:
    """Records ``pid`` from start() until stop(): ``<stem>.svg`` and ``<stem>.txt`` (collapsed)."""

    def __init__(self, pid: int, stem: Path, rate: int = 100) -> None:
        self.pid = pid
        self.stem = stem
        self.rate = rate
        self._procs: list[subprocess.Popen[bytes]] = []
        self._perf_data = stem.with_suffix(".perf")

    def start(self) -> None:
        for fmt, suffix in (("flamegraph", ".svg"), ("raw", ".txt")):
            self._procs.append(subprocess.Popen(
                [str(PY_SPY), "record", "--pid", str(self.pid), "--rate", str(self.rate),
                 "--format", fmt, "--output", str(self.stem.with_suffix(suffix)), "--native"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ))
        if PERF is not None:
            self._procs.append(subprocess.Popen(
                [PERF, "record", "-e", "cpu-clock", "-F", "499", "-p", str(self.pid),
                 "-o", str(self._perf_data)],
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
        self._cpu_split()

    def _cpu_split(self) -> None:
        """``<stem>-cpu.txt``: "percent<TAB>thread<TAB>library" per line, from perf's samples
        (the thread "main" is the event loop's; the others are the store's writer and pools)."""
        data = self._perf_data
        if PERF is None or not data.exists():
            return
        try:
            out = subprocess.run(
                [PERF, "report", "-i", str(data), "--stdio", "--sort", "pid,dso", "-g", "none",
                 "--percent-limit", "0.5"],
                capture_output=True, text=True, timeout=120, check=False).stdout
        finally:
            data.unlink(missing_ok=True)
            data.with_name(data.name + ".old").unlink(missing_ok=True)
        lines = []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) < 3 or line.startswith("#") or not parts[0].endswith("%"):
                continue
            tid = parts[1].split(":", 1)[0]
            library = " ".join(parts[2:]).strip("[]")
            thread = "main" if tid == str(self.pid) else "other"
            lines.append(f"{parts[0].rstrip('%')}\t{thread}\t{library}")
        if lines:
            self.stem.with_name(self.stem.name + "-cpu.txt").write_text("\n".join(lines) + "\n")


#: Inclusive time is listed for these frames only: the project's code and the CRDT library. The
#: event loop, runpy and ASGI plumbing sit under every sample and would crowd the list.
FOCUS = ("server/", "pycrdt/")


def cpu_split(path: Path) -> list[tuple[str, str, float]]:
    """(thread, library, percent) from a ``<stem>-cpu.txt``, the "other" threads summed."""
    shares: dict[tuple[str, str], float] = {}
    for line in path.read_text().splitlines():
        pct, thread, library = line.split("\t")
        shares[(thread, library)] = shares.get((thread, library), 0.0) + float(pct)
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    return [(t, lib, round(p, 1)) for (t, lib), p in ranked]


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
        if not frames or _waiting(frames):
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


#: Native frames of a thread that waits (for the GIL, for work, for the network) rather than
#: runs: py-spy samples them with ``--native``, perf's cpu-clock does not, and neither should
#: the top lists.
_WAITS = ("pthread_cond_timedwait", "pthread_cond_wait", "epoll_pwait", "epoll_wait",
          "sem_timedwait", "sem_clockwait", "sem_wait", "PyThread_acquire_lock_timed")


def _waiting(frames: list[str]) -> bool:
    return any(f.startswith(_WAITS) for f in frames[-4:])


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
