"""The benchmark splits a server's CPU by thread (bench/harness/procstat.py, issue 17): work moved
off the event loop, such as offer-room's SQLite writer, is a few µs per edit, lost in the whole
figure's run-to-run noise but plain in its own."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
from harness import procstat, report  # noqa: E402

sys.path.remove(str(BENCH))

# Burns ~0.6 s of CPU on a second thread while the main thread sleeps, then says so and waits.
BURNER = """
import threading, time
def burn():
    end = time.thread_time() + 0.6
    while time.thread_time() < end:
        pass
t = threading.Thread(target=burn)
t.start(); t.join()
print("burnt", flush=True)
time.sleep(60)
"""


@pytest.fixture
def burner() -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", BURNER], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "burnt"
        yield proc
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_cpu_on_other_threads_is_counted_apart_from_the_main_thread(
    burner: subprocess.Popen[str],
) -> None:
    whole = procstat.cpu_ticks(burner.pid)
    loop = procstat.loop_ticks(burner.pid)
    # The burning thread has exited: its time stays in the process's total, not its main's.
    assert whole >= 0.5 * procstat.CLK_TCK
    assert loop < whole - 0.4 * procstat.CLK_TCK


def _row(server: str, us: float, loop: float | None) -> dict[str, object]:
    step = {"server_us_per_edit": us}
    if loop is not None:
        step["server_loop_us_per_edit"] = loop
    return {"server": server, "steps": [step]}


def test_the_report_says_where_each_servers_cpu_per_edit_ran() -> None:
    note = report._threads_note([_row("offer-room", 89.0, 75.5), _row("node-ref", 72.0, 70.0)])
    assert note == ["", "Server µs per edit on its event loop's thread / on its other threads "
                        "— **offer-room**: 75.5 / 13.5; @y/websocket-server 0.1.1: 70.0 / 2.0."]
    # Results written before the split (no loop figure) get no note, not a wrong one.
    assert report._threads_note([_row("offer-room", 89.0, None)]) == []
