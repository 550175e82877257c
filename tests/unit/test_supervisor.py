"""The supervisor's readiness and signals, with real worker processes (a few lines of Python that
stand in for ``offer-room serve --worker-index``: they say they serve, then wait for SIGTERM).

Each case runs the supervisor in a process of its own, as ``serve --workers N`` does, so that a
signal the supervisor fails to handle ends that process and not the test run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# A worker: says it serves (one byte on its control socket) unless told not to, then waits for
# SIGTERM and exits 0 as a worker's ordered shutdown does; "die" exits 3 before serving.
_WORKER = """
import os, signal, socket, sys
fd, mode = int(sys.argv[1]), sys.argv[2]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
if mode == "die":
    sys.exit(3)
# A name, not a temporary: the handler's SystemExit, if it ran while a temporary socket was
# freed, would be ignored (an exception in __del__) and the worker would go on waiting.
control = socket.socket(fileno=fd)
if mode == "serve":
    control.send(b"r")
signal.alarm(30)  # a stand-in the supervisor failed to stop does not outlive the test run
while True:
    signal.pause()
"""

# The supervisor: starts the workers, runs ``supervise``, and prints what happened as JSON.
_SUPERVISOR = """
import asyncio, json, os, signal, sys
from server.workers.supervisor import Worker, control_pair, supervise

WORKER, modes, signal_at = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
announced = []

async def main() -> None:
    workers = []
    for index, mode in enumerate(modes):
        ours, theirs = control_pair()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER, str(theirs.fileno()), mode, pass_fds=[theirs.fileno()],
            # Not our pipes: what we print must end when we do, not when the workers do.
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        theirs.close()
        workers.append(Worker(index, proc, ours))

    def on_ready() -> None:
        announced.append(True)
        if signal_at == "ready":  # at once, as a service manager's quick stop may
            os.kill(os.getpid(), signal.SIGTERM)

    async def signal_before_serving() -> None:
        # Once every worker handles SIGTERM (its caught-signals mask, SigCgt, has the bit): this
        # case is about the supervisor, not about a worker killed before it set its handler.
        for worker in workers:
            while True:
                status = open(f"/proc/{worker.proc.pid}/status").read()
                caught = int(status.split("SigCgt:")[1].split()[0], 16)
                if caught & (1 << (signal.SIGTERM - 1)):
                    break
                await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    if signal_at == "start":  # before every worker serves
        signalling = asyncio.ensure_future(signal_before_serving())
    status = await supervise(workers, on_ready)
    print(json.dumps({"status": status, "announced": len(announced),
                      "workers": [w.proc.returncode for w in workers]}))

asyncio.run(main())
"""

ROOT = Path(__file__).resolve().parents[2]


def _supervise(modes: str, signal_at: str) -> dict[str, object]:
    """Run a supervisor of workers in ``modes`` ("serve", "wait" or "die", comma-separated),
    signalled at ``signal_at`` ("ready", "start" or "never"); what it printed."""
    try:
        done = subprocess.run([sys.executable, "-c", _SUPERVISOR, _WORKER, modes, signal_at],
                              cwd=ROOT, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the supervisor did not stop within 20 s")
    assert done.returncode == 0, f"the supervisor ended with {done.returncode}: {done.stderr}"
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_sigterm_right_after_the_readiness_line_stops_every_worker_in_order() -> None:
    # The handlers are in place before the node is announced: the signal is forwarded.
    assert _supervise("serve,serve", "ready") == {"status": 0, "announced": 1,
                                                  "workers": [0, 0]}


def test_a_sigterm_before_every_worker_serves_stops_them_and_announces_nothing() -> None:
    assert _supervise("serve,wait", "start") == {"status": 0, "announced": 0,
                                                 "workers": [0, 0]}


@pytest.mark.parametrize("modes", ["die,wait", "serve,die"])
def test_a_worker_that_dies_stops_the_node_with_status_1(modes: str) -> None:
    result = _supervise(modes, "never")
    assert result["status"] == 1
    assert result["announced"] == 0
    dead = modes.split(",").index("die")
    statuses = result["workers"]
    assert isinstance(statuses, list) and statuses[dead] == 3
    # The other was stopped: in order, or by the signal itself if it came before the worker had
    # set its handler up (it had only just started).
    assert statuses[1 - dead] in (0, -15)
