"""The supervisor: one port, N worker processes (``offer-room serve --workers N``).

It binds the listening socket, prepares the store once (migrations, the demo offer: never N
times), starts each worker as ``offer-room serve --worker-index I`` with the socket and the
hand-off channels inherited, prints the readiness line only once every worker serves, forwards
SIGTERM and SIGINT for the ordered shutdown, and waits.

A worker that dies unexpectedly stops the node: the others are shut down in order and the
supervisor exits with status 1, for the service manager (systemd ``Restart=on-failure``, a
container's restart policy) to start it again. Restarting a worker in place would hide a crash
loop, and while it is down the offers it owns could not be served anywhere (their rooms live
only on their owner): a clean restart of the node is simpler to reason about.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable

from server.config import Config
from server.workers.handoff import inbox_pair

log = logging.getLogger("offer_room.workers")

#: Exit status when a worker died on its own.
WORKER_DIED = 1


class Worker:
    """A started worker process, and the supervisor's end of its control socket."""

    def __init__(self, index: int, proc: asyncio.subprocess.Process,
                 control: socket.socket) -> None:
        self.index = index
        self.proc = proc
        self.control = control


def control_pair() -> tuple[socket.socket, socket.socket]:
    """A worker's control socket: the supervisor's end, and the end the worker inherits (it
    says "serving" on it; the supervisor reads end-of-file when the worker is gone)."""
    ours, theirs = socket.socketpair()
    theirs.set_inheritable(True)
    # The loop reads ours (sock_recv): blocking, it would stall the loop in recv until the worker
    # serves, and hold a signal's forwarding back until then.
    ours.setblocking(False)
    return ours, theirs


async def start_workers(config: Config, listener: socket.socket) -> list[Worker]:
    """Start ``config.workers`` workers sharing ``listener``; returns them once started (not yet
    serving)."""
    count = config.workers
    inboxes = [inbox_pair() for _ in range(count)]
    senders = [send for _, send in inboxes]
    workers: list[Worker] = []
    try:
        for index in range(count):
            ours, theirs = control_pair()
            fds = [listener.fileno(), theirs.fileno(), inboxes[index][0].fileno(),
                   *(send.fileno() for send in senders)]
            # Each worker is a node of its own to the bus (Redis), so its id must differ.
            env = {**os.environ, "OFFER_ROOM_NODE_ID": f"{config.node_id}-{index}"}
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "server.cli", "serve",
                "--host", config.host, "--port", str(config.port),
                "--data-dir", str(config.data_dir), "--workers", str(count),
                "--worker-index", str(index), "--worker-fds", ",".join(map(str, fds)),
                pass_fds=fds, env=env,
                # Its own session: a terminal's Ctrl-C reaches the supervisor only, which
                # forwards one SIGTERM (a second SIGINT would make uvicorn skip the flush).
                start_new_session=True,
            )
            theirs.close()
            workers.append(Worker(index, proc, ours))
    finally:
        # The workers hold their copies; the supervisor serves nothing itself.
        for receive, send in inboxes:
            receive.close()
            send.close()
    return workers


async def _announce_when_ready(workers: list[Worker], stopping: asyncio.Event,
                               on_ready: Callable[[], None]) -> None:
    """Call ``on_ready`` once every worker serves; not if one exits first (that stops the node),
    nor once a signal asked for the stop."""
    loop = asyncio.get_running_loop()
    try:
        for worker in workers:
            if await loop.sock_recv(worker.control, 1) == b"":
                return
    except OSError as error:
        log.error("reading the workers' readiness failed: %r", error)
        return
    if not stopping.is_set():
        on_ready()


async def supervise(workers: list[Worker], on_ready: Callable[[], None]) -> int:
    """Call ``on_ready`` once every worker serves, then wait for a signal (forwarded) or a
    worker's death (the rest are stopped); the exit status.

    The signal handlers are in place before ``on_ready`` announces the node: a SIGTERM that
    follows the readiness line at once (a service manager's quick stop, a test) must be
    forwarded, not end the supervisor by the default action and leave the workers to notice."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    signals = 0

    def on_signal() -> None:
        nonlocal signals
        signals += 1
        stopping.set()
        # The first asks for the ordered shutdown; another one insists (uvicorn then stops
        # waiting for open connections).
        _signal_all(workers, signal.SIGTERM if signals == 1 else signal.SIGINT)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)

    ready = asyncio.ensure_future(_announce_when_ready(workers, stopping, on_ready))
    exits = {asyncio.ensure_future(w.proc.wait()): w for w in workers}
    stop_wait = asyncio.ensure_future(stopping.wait())
    done, _ = await asyncio.wait([*exits, stop_wait], return_when=asyncio.FIRST_COMPLETED)
    status = 0
    if not stopping.is_set():
        for task in done:
            worker = exits[task]
            log.error("worker %d (pid %d) exited with status %s: stopping the node",
                      worker.index, worker.proc.pid, worker.proc.returncode)
        status = WORKER_DIED
        stopping.set()
        _signal_all(workers, signal.SIGTERM)
    await asyncio.gather(*exits)
    stop_wait.cancel()
    ready.cancel()
    await asyncio.wait([ready])  # its read is off the control sockets before they close
    for worker in workers:
        worker.control.close()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)
    return status


def _signal_all(workers: list[Worker], sig: int) -> None:
    for worker in workers:
        if worker.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                worker.proc.send_signal(sig)
