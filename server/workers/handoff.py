"""Moving a connection to the worker that owns its offer, and adopting one moved here.

Each worker has an inbox: one end of a ``SOCK_SEQPACKET`` Unix socket pair, whose other end every
worker holds to send to it. A hand-off is one message: the client's socket as an SCM_RIGHTS
descriptor, and as data the bytes already read from it and not yet parsed (the request head and
whatever followed it). Messages keep their boundaries and arrive whole, so many senders can
share one end without framing; each carries its own descriptor, so the bytes and the socket
cannot be paired wrongly.

The owner adopts the socket with ``loop.connect_accepted_socket`` and the same HTTP protocol
class uvicorn builds for its own connections (so the connection counts against the node's caps,
and uvicorn's shutdown closes it like any other), and replays the bytes before reading more.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import socket
from collections.abc import Callable, Sequence
from typing import Any

from server.workers.ownership import offer_in_head, owner_of

log = logging.getLogger("offer_room.workers")

#: Largest hand-off: a 16 KiB head and what one read brought behind it (uvloop reads up to
#: 256 KiB at a time). No request naming an offer takes a body over 64 KiB, so more is refused
#: (413) rather than moved. The send buffer must hold a whole message, hence ``SNDBUF``.
HANDOFF_BYTES_MAX = 320 * 1024
SNDBUF = 1024 * 1024


class Sent(enum.Enum):
    SENT = "sent"
    #: The owner's inbox is full (a burst of connections): try again shortly.
    BUSY = "busy"
    #: The owner is gone (or the message cannot be sent at all).
    FAILED = "failed"


def inbox_pair() -> tuple[socket.socket, socket.socket]:
    """(receive end, send end) of one worker's inbox; both inheritable by the workers."""
    receive, send = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with contextlib.suppress(OSError):  # capped by net.core.wmem_max: larger messages then fail
        send.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
    for end in (receive, send):
        end.set_inheritable(True)
    return receive, send


class Router:
    """Which worker a request head belongs to, and sending a connection there."""

    def __init__(self, index: int, outboxes: Sequence[socket.socket], *,
                 fallback_local: bool) -> None:
        """``outboxes[i]`` sends to worker ``i`` (our own inbox included, never used).
        ``fallback_local``: when a hand-off fails, serve the request here (a cluster with
        PostgreSQL and Redis, where any worker may hold any room) instead of refusing it."""
        self.index = index
        self.count = len(outboxes)
        self.fallback_local = fallback_local
        self.max_bytes = HANDOFF_BYTES_MAX
        self._outboxes = list(outboxes)

    def owner(self, head: bytes) -> int | None:
        """The worker that must serve this request head, or None when it is ours (or names no
        offer: served by whichever worker accepted it)."""
        offer_id = offer_in_head(head)
        if offer_id is None:
            return None
        owner = owner_of(offer_id, self.count)
        return None if owner == self.index else owner

    def send(self, owner: int, fd: int, data: bytes) -> Sent:
        """Hand the socket ``fd`` (still ours to close) and its unparsed ``data`` to ``owner``
        (at most ``max_bytes``). Never blocks: a full inbox answers BUSY."""
        try:
            socket.send_fds(self._outboxes[owner], [data], [fd], socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return Sent.BUSY
        except OSError as exc:  # the owner is gone (EPIPE, ECONNREFUSED)
            log.warning("hand-off to worker %d failed: %s", owner, exc)
            return Sent.FAILED
        return Sent.SENT


class Inbox:
    """Receives connections handed to this worker and serves them as if accepted here."""

    def __init__(self, sock: socket.socket, make_protocol: Callable[[], Any],
                 closing: Callable[[], bool]) -> None:
        """``make_protocol``: uvicorn's protocol factory (what its server calls per accepted
        connection), making a ``FrontDoor`` (``server/http/front.py``), whose ``adopt`` replays
        the bytes the accepting worker read. ``closing``: whether this worker is shutting down
        (then a handed socket is closed: uvicorn would not wait for it)."""
        self._sock = sock
        self._sock.setblocking(False)
        self._make_protocol = make_protocol
        self._closing = closing
        self._adopting: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._sock.fileno(), self._readable)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._loop = None

    def _readable(self) -> None:
        while True:
            try:
                data, fds, flags, _ = socket.recv_fds(self._sock, HANDOFF_BYTES_MAX, 1)
            except (BlockingIOError, InterruptedError):
                return
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC) or len(fds) != 1:
                # Cannot happen between our own workers; never leak a descriptor if it does.
                log.error("dropped a malformed hand-off (flags %#x, %d fds)", flags, len(fds))
                for fd in fds:
                    socket.close(fd)
                continue
            self._adopt(fds[0], data)

    def _adopt(self, fd: int, data: bytes) -> None:
        sock = socket.socket(fileno=fd)
        if self._closing() or self._loop is None:
            sock.close()
            return
        protocol = self._make_protocol()
        # Replayed from ``connection_made``, before the transport reads anything newer.
        protocol.adopt(data)
        task = self._loop.create_task(
            self._loop.connect_accepted_socket(lambda: protocol, sock))
        self._adopting.add(task)
        task.add_done_callback(self._adopted)

    def _adopted(self, task: asyncio.Task[Any]) -> None:
        self._adopting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("adopting a handed-off connection failed", exc_info=task.exception())
