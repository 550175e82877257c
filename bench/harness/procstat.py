"""CPU and memory of a process, read from /proc (Linux only; no third-party dependency)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it (offer-room's workers run under a supervisor)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo.extend(int(child) for child in fh.read().split())
        except OSError:  # gone meanwhile
            continue
    return found


def _ticks(stat_path: str) -> int:
    try:
        with open(stat_path) as fh:
            # The command name may hold spaces; fields after it start behind the last ')'.
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _own_ticks(pid: int) -> int:
    return _ticks(f"/proc/{pid}/stat")


def cpu_ticks(pid: int) -> int:
    """utime + stime of every thread of ``pid`` and of the processes below it, in clock ticks."""
    return sum(_own_ticks(p) for p in tree(pid))


def loop_ticks(pid: int) -> int:
    """utime + stime of the main thread of ``pid`` and of each process below it: where every
    server here runs its event loop. The rest of ``cpu_ticks`` ran on other threads (offer-room:
    the SQLite writer and compaction rebuilds; Node: libuv's pool and V8's collector)."""
    return sum(_ticks(f"/proc/{p}/task/{p}/stat") for p in tree(pid))


def _own_rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_KB
    except OSError:
        return 0


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and of the processes below it."""
    return sum(_own_rss_kb(p) for p in tree(pid))


def machine_busy_ticks() -> int:
    """Busy ticks of all cores together (everything but idle and iowait)."""
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:]]
    return sum(parts) - parts[3] - parts[4]


@dataclass(frozen=True)
class Sample:
    """One reading of the server, the generator and the whole machine."""

    at: float
    server: int
    generator: int
    machine: int
    server_rss_kb: int
    #: The server's ticks on its event loops' threads (``loop_ticks``), part of ``server``.
    server_loop: int

    @classmethod
    def take(cls, server_pid: int, generator_pid: int) -> Sample:
        return cls(
            at=time.monotonic(),
            server_loop=loop_ticks(server_pid),
            server=cpu_ticks(server_pid),
            generator=cpu_ticks(generator_pid),
            machine=machine_busy_ticks(),
            server_rss_kb=rss_kb(server_pid),
        )


def cpu_between(a: Sample, b: Sample) -> dict[str, float]:
    """CPU use in % of one core between two samples; `other` is everything else on the machine."""
    wall = max(b.at - a.at, 1e-6)

    def pct(ticks: int) -> float:
        return round(100.0 * ticks / CLK_TCK / wall, 1)

    server = b.server - a.server
    generator = b.generator - a.generator
    return {
        "server_cpu_pct": pct(server),
        "generator_cpu_pct": pct(generator),
        "other_cpu_pct": pct(max(0, b.machine - a.machine - server - generator)),
    }


def wait_for_quiet(max_wait: float, busy_pct: float = 30.0, looks: int = 3) -> float:
    """Waits (up to ``max_wait`` s) until the machine used under ``busy_pct`` % of one core in
    ``looks`` one-second looks in a row; returns the last reading. Other people's test runs on a
    shared machine skew a benchmark; with ``max_wait`` 0 it only takes one short reading."""
    deadline = time.monotonic() + max_wait
    look = 1.0 if max_wait > 0 else 0.2
    quiet = 0
    while True:
        before, at = machine_busy_ticks(), time.monotonic()
        time.sleep(look)
        busy = 100.0 * (machine_busy_ticks() - before) / CLK_TCK / (time.monotonic() - at)
        quiet = quiet + 1 if busy < busy_pct else 0
        if quiet >= looks or max_wait <= 0 or time.monotonic() >= deadline:
            return busy


class RssWatch:
    """Samples a process's RSS every ``interval`` seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_kb = max(self.peak_kb, rss_kb(self.pid))
            except OSError:
                return  # the process is gone
            self._stop.wait(self.interval)
