"""A worker's side of what the supervisor hands it: descriptors, readiness, and the lifeline.

The supervisor starts each worker with ``--worker-index I --worker-fds L,C,R,S0,...,Sn-1``: the
listening socket (L), the control socket to the supervisor (C), this worker's inbox (R) and the
send end of every worker's inbox (S0…, ``server/workers/handoff.py``). A worker says it serves by
writing one byte on C; the supervisor never writes, so reading end-of-file on C means the
supervisor is gone (even killed with SIGKILL), and the worker shuts down in order rather than
serve on unsupervised.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from server.workers.handoff import Inbox, Router

READY = b"1"


class WorkerLink:
    def __init__(self, index: int, fds: list[int], *, fallback_local: bool) -> None:
        if len(fds) < 4 or not 0 <= index < len(fds) - 3:
            raise ValueError(f"--worker-fds {fds} does not fit worker {index}")
        listen, control, inbox, *outboxes = fds
        self.index = index
        self.count = len(outboxes)
        self.listener = socket.socket(fileno=listen)
        self._control = socket.socket(fileno=control)
        self._inbox_sock = socket.socket(fileno=inbox)
        self.router = Router(index, [socket.socket(fileno=fd) for fd in outboxes],
                             fallback_local=fallback_local)
        self._inbox: Inbox | None = None

    def serving(self, make_protocol: Callable[[], Any], stop: Callable[[], None],
                closing: Callable[[], bool]) -> None:
        """The worker serves: adopt handed connections, tell the supervisor, and ``stop`` when
        it goes away."""
        self._inbox = Inbox(self._inbox_sock, make_protocol, closing)
        self._inbox.start()
        self._control.setblocking(False)
        loop = asyncio.get_running_loop()
        loop.add_reader(self._control.fileno(), self._lifeline, stop)
        self._control.send(READY)

    def _lifeline(self, stop: Callable[[], None]) -> None:
        try:
            data = self._control.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        if not data:
            asyncio.get_running_loop().remove_reader(self._control.fileno())
            stop()

    def close(self) -> None:
        if self._inbox is not None:
            self._inbox.stop()
