"""The front door: uvicorn's httptools protocol, with a bounded cost per connection and request.

uvicorn's HTTP protocol trusts its peer until a request head is complete: httptools hands it the
URL and headers in pieces and it keeps them (and httptools keeps the header being read) until the
blank line arrives, which a hostile client never sends; a socket that sends nothing is kept
forever too. ``FrontDoor`` guards the parser from in front, before a byte is parsed and before any
token is looked at:

* head bytes: at most ``head_bytes`` are fed to the parser before the head completes; one more
  byte is answered 431 and the connection closed.
* head time: the head must be complete ``head_timeout_s`` after the connection opened (or the
  previous response ended); a trickle of bytes does not extend it. Answer 408 and close.
* pending heads: the node keeps the connections still waiting for their head in arrival order;
  at ``max_pending_heads`` the oldest is dropped to make room (an honest client sends its head in
  one segment, a slow-loris never finishes it).
* connections: at the node's cap (``max_connections``, and never past the open-file limit, so the
  health check always finds a descriptor) a newcomer takes the place of the oldest pending head,
  or is closed on accept when every connection is a request or a socket in use.
* body bytes: a declared Content-Length above ``body_bytes`` is answered 413 before the app runs;
  a chunked body is cut (413) past ``body_bytes`` on the wire (chunk framing and trailers in).
* body time: a body must be complete ``body_timeout_s`` after its head (408 and close): a body
  trickled byte by byte would otherwise hold its connection, and its slot under the cap, forever.
* pipelining: one request may wait behind the one being served; what the client sends after it
  stays unparsed until its turn (up to ``head_bytes + body_bytes``, then the connection is
  closed). uvicorn parses all it reads and queues a request object per pipelined request: 10
  sockets pipelining 1 MB of ``GET /healthz`` each grew a node by 165 MB (1.3 MB held instead).
* WebSocket upgrades need HTTP/1.1 (RFC 6455 §4.1: 400 otherwise), and bytes the client sent
  right behind its upgrade request reach the WebSocket protocol instead of being dropped.
* with several workers (``router`` set, ``server/workers/``): a request head naming an offer
  another worker owns is not parsed here. Once nothing else is in flight on the connection, the
  socket and every byte not yet parsed go to the owner, which adopts the connection (``adopt``)
  and parses them as if it had read them; this worker forgets the connection without hanging up.

To know which phase each byte belongs to, the parser is fed in pieces that end where a phase can:
a head (and a chunked body with its trailers) ends with the first CRLFCRLF - llhttp demands CRLF
line ends - and a Content-Length body after its length. So every piece lies in one phase, and is
counted against that phase's budget before the parser sees it.

Every refusal is counted: ``offer_room_limit_hits_total{limit="..."}`` on /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
from typing import Any, ClassVar, Protocol

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from server.http.services import Services
from server.metrics import Metrics
from server.workers.handoff import Sent

#: Descriptors kept back from the connection cap for everything that is not a client: stdio (3),
#: the listening socket, the event loop's epoll, signal and wake-up descriptors (~5), SQLite's
#: database, WAL and shared-memory files (3), or a PostgreSQL pool (up to 10, plus one to
#: migrate), Redis (bus reader and writer, leases: 3 or more under load), the webhook and
#: Anthropic HTTP clients (a few each), and the static files being sent. An idle single node uses
#: 17 (counted in /proc/<pid>/fd); 64 leaves room for the cluster clients and a burst of files.
FD_RESERVE = 64

_HEAD, _BODY = 0, 1
#: ``_body_size`` of a chunked body, whose length is known only at its end.
_CHUNKED = -1
_BLANK_LINE = b"\r\n\r\n"

#: How long a request waits for room in a busy owner's inbox, retried every few ms without
#: blocking this worker's loop, before it is refused (503): the owner is stuck.
HANDOFF_WAIT_S = 2.0
_HANDOFF_RETRY_S = 0.005


class WorkerRouter(Protocol):
    """Where a request belongs when the node runs several workers (``server/workers/``)."""

    #: Serve here what cannot be handed over (a cluster, where any worker may hold any room).
    fallback_local: bool
    #: Most unparsed bytes one hand-off carries.
    max_bytes: int

    def owner(self, head: bytes) -> int | None:
        """The worker that must serve this complete request head; None when it is ours."""
        ...

    def send(self, owner: int, fd: int, data: bytes) -> Sent:
        """Hand socket ``fd`` (still the caller's to close) and its unparsed bytes over."""
        ...


class FrontDoor(HttpToolsProtocol):
    """One HTTP connection; limits and the node's registry are bound by ``front_door_class``."""

    services: ClassVar[Services]
    metrics: ClassVar[Metrics]
    head_bytes: ClassVar[int]
    head_timeout_s: ClassVar[float]
    body_bytes: ClassVar[int]
    body_timeout_s: ClassVar[float]
    max_pending_heads: ClassVar[int]
    #: ``config.max_connections`` capped below the open-file limit (``connection_cap``).
    max_connections: ClassVar[int]
    #: This node's connections still waiting for a request head, oldest first.
    pending: ClassVar[dict[FrontDoor, None]]
    #: Set in a worker of several: requests naming another worker's offer go there.
    router: ClassVar[WorkerRouter | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # uvicorn's arguments, passed on
        super().__init__(*args, **kwargs)
        self._phase = _HEAD
        self._head_seen = 0  # bytes of the current head (from the end of the previous message)
        self._body_seen = 0  # bytes of the current body on the wire (chunk framing included)
        self._body_size = 0  # its Content-Length, or _CHUNKED
        self._tail = b""  # the last 3 bytes fed: a CRLFCRLF may straddle two reads
        self._deadline: asyncio.TimerHandle | None = None
        self._responses = 0
        self._held = b""  # bytes behind a pipelined request, parsed when its turn comes
        self._head_parts: list[bytes] = []  # with a router: the current head's earlier pieces
        self._adopted = b""  # bytes another worker read from this connection, replayed first

    def adopt(self, data: bytes) -> None:
        """This connection was accepted by another worker, which read ``data`` from it: parse
        them as soon as the connection is made here."""
        self._adopted = data

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.server_state.connections) >= self.max_connections:
            self.metrics.limit_hit("max_connections")
            if not self._evict_oldest_head():
                # Every connection is a request being served or an open socket: nothing to drop.
                self.transport = transport
                transport.close()
                return
        super().connection_made(transport)
        self._await_head()
        if self._adopted:
            data, self._adopted = self._adopted, b""
            self.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_wait()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._held:
            data, self._held = self._held + data, b""
        view = memoryview(data)
        pos, size = 0, len(data)
        while pos < size and not self.transport.is_closing():
            if self.pipeline:
                self._hold(data[pos:])
                return
            end = self._piece_end(data, pos)
            if end == pos:
                self._over_budget()
                return
            # Counted before parsing: the piece lies in one phase, and a phase that ends ends
            # with it (the callbacks then start the next phase's count at zero).
            if self._phase == _HEAD:
                self._head_seen += end - pos
                if self.router is not None and self._routed(data, pos, end):
                    return
            else:
                self._body_seen += end - pos
            self._tail = (self._tail + data[max(pos, end - 3):end])[-3:]
            try:
                self.parser.feed_data(view[pos:end])
            except httptools.HttpParserError:
                # Counted, not logged at warning level: anyone can send garbage as fast as they
                # like, and a log line per request would let them fill the disk.
                self.metrics.limit_hit("bad_request")
                msg = "Invalid HTTP request received."
                self.logger.debug(msg)
                self.send_400_response(msg)
                return
            except httptools.HttpParserUpgrade as upgrade:
                # The offset is where the bytes after the request head start, in what was fed.
                self._upgrade(data[pos + upgrade.args[0]:])
                return
            pos = end

    # -- parser callbacks -------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        self._stop_head_wait()
        self._phase = _BODY
        self._body_seen = 0
        self._body_size = self._declared_body_size()
        if self._body_size > self.body_bytes:
            self.metrics.limit_hit("body_bytes")
            self._answer(413, "body_too_large",
                         f"request bodies are limited to {self.body_bytes} bytes")
            return  # the app never runs
        if self._body_size and not (self.parser.should_upgrade() and self._should_upgrade()):
            self._deadline = self.loop.call_later(self.body_timeout_s, self._body_expired)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._phase = _HEAD
        self._head_seen = 0
        if self._deadline is not None:  # the body's clock (the head's was stopped at its end)
            self._deadline.cancel()
            self._deadline = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # starts the pipelined request, if there is one
        self._responses += 1
        if self._held and not self.transport.is_closing():
            self.data_received(b"")
        # The next head's clock starts now, unless it is already in (a pipelined request).
        if (self._phase == _HEAD and self.cycle.response_complete
                and not self.transport.is_closing()):
            self._await_head()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request the parser refuses, as our JSON error."""
        self._answer(400, "bad_request", msg)

    # -- the WebSocket upgrade ----------------------------------------------------------------

    def _upgrade(self, rest: bytes) -> None:
        if self.transport.is_closing():  # refused at its head (a body too large)
            return
        if not self._should_upgrade():
            self._unsupported_upgrade_warning()
        elif self.parser.get_http_version() != "1.1":
            # uvicorn would replay it to the WebSocket protocol as HTTP/1.1 (RFC 6455 §4.1).
            self._answer(400, "bad_upgrade", "a WebSocket upgrade needs HTTP/1.1")
        else:
            self.handle_websocket_upgrade(rest)

    def handle_websocket_upgrade(self, rest: bytes = b"") -> None:
        """uvicorn's hand-over (the head replayed to the WebSocket protocol), plus ``rest``: what
        the client sent after its head in the same read, such as its first frame."""
        self.connections.discard(self)
        method = self.scope["method"].encode()
        output = [method, b" ", self.url, b" HTTP/1.1\r\n"]
        for name, value in self.scope["headers"]:
            output += [name, b": ", value, b"\r\n"]
        output += [b"\r\n", rest]
        protocol = self.ws_protocol_class(  # type: ignore[call-arg, misc]
            config=self.config,
            server_state=self.server_state,
            app_state=self.app_state,
        )
        protocol.connection_made(self.transport)
        protocol.data_received(b"".join(output))
        self.transport.set_protocol(protocol)

    # -- several workers ------------------------------------------------------------------------

    def _routed(self, data: bytes, pos: int, end: int) -> bool:
        """Before the piece ``data[pos:end]`` of a head is parsed: True when the request is not
        to be served here now (handed to its owner, or held until the connection is idle)."""
        router = self.router
        assert router is not None
        piece = data[pos:end]
        if (self._tail + piece[-4:])[-4:] != _BLANK_LINE:
            self._head_parts.append(piece)  # bounded by head_bytes, like the parser's copy
            return False
        head = b"".join([*self._head_parts, piece])
        self._head_parts = []
        owner = router.owner(head)
        if owner is None:
            return False
        if (self.cycle is not None and not self.cycle.response_complete) or self.pipeline:
            # A response is still on its way here: the request waits unparsed, like a pipelined
            # one, and is handed over once it is answered (``on_response_complete``). The
            # parser has seen the head's earlier pieces: a fresh one will read it all again.
            self.parser = httptools.HttpRequestParser(self)
            self._head_seen = 0
            self._tail = b""
            self._hold(head + data[end:])
            return True
        unparsed = head + data[end:]
        if len(unparsed) > router.max_bytes:
            # No request naming an offer takes a body this large (64 KiB at most).
            self.metrics.limit_hit("body_bytes")
            self._answer(413, "body_too_large", "request too large")
            return True
        self._stop_head_wait()
        self.transport.pause_reading()
        deadline = self.loop.time() + HANDOFF_WAIT_S
        if self._hand_off(router, owner, unparsed, deadline, local=router.fallback_local):
            return True
        self.transport.resume_reading()  # served here after all (a cluster)
        self._await_head()
        return False

    def _hand_off(self, router: WorkerRouter, owner: int, data: bytes, deadline: float, *,
                  local: bool = False) -> bool:
        """Send the connection to ``owner`` now, or retry shortly while its inbox is full, or
        refuse it (503). False only when it failed and ``local`` lets the caller serve it."""
        transport = self.transport
        if transport.is_closing():  # the client hung up meanwhile
            return True
        sock = transport.get_extra_info("socket")
        sent = Sent.FAILED
        if sock is not None:
            # The owner gets its own descriptor of the socket: closing ours (the transport) then
            # drops only this process's reference, and the TCP connection stays up.
            fd = os.dup(sock.fileno())
            try:
                sent = router.send(owner, fd, data)
            finally:
                os.close(fd)
        if sent is Sent.SENT:
            self._unset_keepalive_if_required()
            self.connections.discard(self)
            transport.close()
        elif sent is Sent.BUSY and self.loop.time() < deadline:
            self.loop.call_later(_HANDOFF_RETRY_S, self._hand_off, router, owner, data, deadline)
        elif sent is Sent.FAILED and local:
            return False
        else:
            self._answer(503, "worker_unavailable", "the server is busy or restarting: retry")
        return True

    # -- the bounds ---------------------------------------------------------------------------

    def _piece_end(self, data: bytes, pos: int) -> int:
        """Where the next piece to parse ends: at the budget left, or where the phase may end.
        ``pos`` when the budget is spent."""
        size = len(data)
        if self._phase == _HEAD:
            stop = min(size, pos + self.head_bytes - self._head_seen)
        elif self._body_size == _CHUNKED:
            stop = min(size, pos + self.body_bytes - self._body_seen)
        else:  # a Content-Length body ends after its length
            return min(size, pos + self._body_size - self._body_seen)
        end = _blank_line_end(self._tail, data, pos, stop)
        return stop if end < 0 else end

    def _over_budget(self) -> None:
        if self._phase == _HEAD:
            self.metrics.limit_hit("head_bytes")
            self._answer(431, "head_too_large",
                         f"request heads are limited to {self.head_bytes} bytes")
        else:
            self.metrics.limit_hit("body_bytes")
            self._answer(413, "body_too_large",
                         f"request bodies are limited to {self.body_bytes} bytes")

    def _hold(self, rest: bytes) -> None:
        # uvicorn paused reading when the request was queued, but the app serving the earlier one
        # resumes it whenever it waits for its own body (a few times at most): bound what we keep.
        if len(rest) > self.head_bytes + self.body_bytes:
            self.metrics.limit_hit("pipelined_bytes")
            self.transport.close()
            return
        self._held = rest
        self.flow.pause_reading()

    def _declared_body_size(self) -> int:
        # llhttp has already refused a head with both, a repeated Content-Length or a bad number.
        size = 0
        for name, value in self.headers:
            if name == b"transfer-encoding":
                return _CHUNKED
            if name == b"content-length":
                size = int(value)
        return size

    def _await_head(self) -> None:
        """Start waiting for a request head: join the pending registry (last) and arm the clock."""
        pending = self.pending
        if len(pending) >= self.max_pending_heads:
            self._evict_oldest_head()
        pending[self] = None
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.head_timeout_s, self._head_expired)

    def _stop_head_wait(self) -> None:
        self.pending.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _evict_oldest_head(self) -> bool:
        oldest = next(iter(self.pending), None)
        if oldest is None:
            return False
        oldest._drop_head("max_pending_heads", "head_evicted",
                          "the server is busy: send the request head at once")
        return True

    def _body_expired(self) -> None:
        self._deadline = None
        self.metrics.limit_hit("body_timeout_s")
        self._answer(408, "body_timeout",
                     f"the request body must arrive within {self.body_timeout_s:g} s")

    def _head_expired(self) -> None:
        self._deadline = None
        self._drop_head("head_timeout_s", "head_timeout",
                        f"the request head must arrive within {self.head_timeout_s:g} s")

    def _drop_head(self, limit: str, code: str, message: str) -> None:
        self.metrics.limit_hit(limit)
        self._stop_head_wait()
        if self._head_seen == 0 and self._responses:
            # An idle keep-alive connection: an answer now could cross the client's next request
            # and be read as its response, so hang up silently as uvicorn's keep-alive timer does.
            self.transport.close()
        else:
            self._answer(408, code, message)

    def _answer(self, status: int, code: str, message: str) -> None:
        """A JSON error and ``connection: close``, then hang up; only hang up if a response is
        already on its way (it cannot be interrupted cleanly)."""
        self._stop_head_wait()
        transport, cycle = self.transport, self.cycle
        if transport.is_closing():
            return
        if cycle is None or cycle.response_complete or not cycle.response_started:
            transport.write(error_response(status, code, message,
                                           self.server_state.default_headers))
        if cycle is not None and not cycle.response_complete:
            # The app still serving an earlier request now sees a client that has gone.
            cycle.disconnected = True
            cycle.message_event.set()
        transport.close()


def _blank_line_end(tail: bytes, data: bytes, start: int, stop: int) -> int:
    """The index just past the first CRLFCRLF ending in ``data[start:stop]``, -1 if none; ``tail``
    holds the (up to 3) bytes fed before ``start``."""
    if tail:
        found = (tail + data[start:start + 3]).find(_BLANK_LINE)
        if found >= 0:  # it straddles: a match within 3 bytes of data cannot exist
            end = start + found + 4 - len(tail)
            return end if end <= stop else -1
    found = data.find(_BLANK_LINE, start, stop)
    return -1 if found < 0 else found + 4


def error_response(status: int, code: str, message: str,
                   default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """A complete HTTP/1.1 response with our JSON error body, closing the connection."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    content = [STATUS_LINE[status]]
    for name, value in default_headers:
        content += [name, b": ", value, b"\r\n"]
    content += [b"content-type: application/json\r\n",
                b"content-length: %d\r\n" % len(body),
                b"connection: close\r\n\r\n", body]
    return b"".join(content)


def raise_open_file_limit() -> None:
    """Raise the soft open-file limit to the hard one.

    Every connection is a descriptor, and the soft limit is often 1,024 (for select(), which
    nothing here uses) while the hard limit is far higher: at 1,024 about a thousand idle sockets
    would be the node's capacity."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        # An unlimited hard limit may still be refused (Linux: above fs.nr_open): keep the soft.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connection_cap(configured: int) -> int:
    """Connections this process may hold: the setting, but ``FD_RESERVE`` below the open-file
    limit, so that past the cap a newcomer is refused by us, not by accept() failing (EMFILE)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, soft - FD_RESERVE))


def front_door_class(services: Services) -> type[FrontDoor]:
    """The protocol class uvicorn instantiates per connection, bound to this node's services."""
    config = services.config
    return type("BoundFrontDoor", (FrontDoor,), {
        "services": services,
        "metrics": services.metrics,
        "head_bytes": config.head_bytes,
        "head_timeout_s": config.head_timeout_s,
        "body_bytes": config.body_bytes,
        "body_timeout_s": config.body_timeout_s,
        "max_pending_heads": config.max_pending_heads,
        "max_connections": connection_cap(config.max_connections),
        "pending": {},
    })
