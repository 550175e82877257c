"""Run a node: bind, build the app (``server.app.create_app``), serve until stopped.

One worker (``--workers 1``) is one process serving the socket itself. With more, this process
is the supervisor (``server/workers/supervisor.py``) and each worker runs ``serve_worker``: the
same app on the inherited socket, handing each offer's connections to the worker that owns it.

The readiness lines on stdout ("offer-room listening on URL") are what test harnesses and
benchmarks wait for, so they are printed only once the socket is really served (by every
worker).
"""

from __future__ import annotations

import asyncio
import gc
import logging.config
import socket
from collections.abc import Callable
from typing import Any

import msgspec
import uvicorn

from server.app import create_app, default_store
from server.config import Config
from server.demo import ensure_demo, print_links
from server.http.front import raise_open_file_limit
from server.logs import log_config
from server.workers.link import WorkerLink
from server.workers.ownership import owner_of
from server.workers.supervisor import start_workers, supervise


def bind(config: Config) -> tuple[socket.socket, Config]:
    """The listening socket, and ``config`` with the port it got (``--port 0``)."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    return sock, msgspec.structs.replace(config, port=sock.getsockname()[1])


def _announce(config: Config, detail: str = "") -> None:
    mode = "cluster" if config.redis_url or config.database_url else "single node"
    print(f"offer-room node {config.node_id} ({mode}{detail})", flush=True)
    print(f"offer-room listening on {config.base_url()}", flush=True)


async def serve(config: Config, *, demo: bool = False) -> None:
    """Serve ``config`` in this process until it is stopped; with ``demo``, print the demo
    links."""
    # Every connection holds a descriptor: take all the process may have before sizing the cap.
    raise_open_file_limit()
    sock, config = bind(config)
    links = await ensure_demo(config) if demo else None

    def started(_: uvicorn.Server) -> None:
        _announce(config)
        if links:
            print_links(links, config)

    await _serve_app(create_app(config), sock, started)


async def serve_workers(config: Config, *, demo: bool = False) -> int:
    """Supervise ``config.workers`` worker processes on one port; the exit status."""
    # The workers' records go through uvicorn's set-up; the supervisor's through the same one.
    logging.config.dictConfig(log_config())
    sock, config = bind(config)
    sock.set_inheritable(True)
    links = await ensure_demo(config) if demo else None  # the demo migrates the store too
    if not demo and not config.database_url:
        # SQLite's migrations run here, once, before any worker opens the file: N workers
        # migrating at once would race on its schema version. (PostgreSQL's are serialised by
        # an advisory lock, as between the nodes of a cluster.)
        store = default_store(config)
        await store.open()
        await store.close()
    workers = await start_workers(config, sock)
    sock.close()

    def ready() -> None:
        pids = ", ".join(str(w.proc.pid) for w in workers)
        _announce(config, f", {len(workers)} workers: pids {pids}")
        if links:
            print_links(links, config)

    return await supervise(workers, ready)


async def serve_worker(config: Config, index: int, fds: list[int]) -> None:
    """Worker ``index`` of a supervised node, on the descriptors it inherited: serve on the
    shared socket, adopt the connections other workers hand over, hand over those that belong
    to another worker."""
    raise_open_file_limit()
    # In a cluster (PostgreSQL and Redis) any worker may hold any room, as any node may: what
    # cannot be handed over is served here. Otherwise it is refused (503) rather than opening
    # a second live room for the offer.
    link = WorkerLink(index, fds, fallback_local=bool(config.redis_url and config.database_url))
    count, index = link.count, link.index

    def owns(offer_id: str) -> bool:
        return owner_of(offer_id, count) == index

    # Its expiry sweep loads only its own offers' rooms, and it fires only its own offers'
    # reminders, whose banners go to the rooms it holds.
    app = create_app(config, owns=owns)
    # Set before the first connection is accepted: no request may be served by the wrong
    # worker, not even during start-up.
    app.state.http_protocol.router = link.router

    def started(running: uvicorn.Server) -> None:
        def make_protocol() -> Any:
            # What uvicorn's own server builds per accepted connection (uvicorn/server.py).
            return running.config.http_protocol_class(  # type: ignore[call-arg]
                config=running.config, server_state=running.server_state,
                app_state=running.lifespan.state)

        def stop() -> None:
            running.should_exit = True

        link.serving(make_protocol, stop, lambda: running.should_exit)

    try:
        await _serve_app(app, link.listener, started)
    finally:
        link.close()


async def _serve_app(app: Any, sock: socket.socket,
                     started: Callable[[uvicorn.Server], None]) -> None:
    """Serve ``app`` on ``sock`` until stopped; ``started`` runs once the socket is served."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_config=log_config(),
            # uvicorn serves HTTP, behind our bounds on connections, heads and bodies, and hands
            # upgraded sockets to our own WebSocket protocol.
            http=app.state.http_protocol,
            ws=app.state.ws_protocol,
            lifespan="on",
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    # uvicorn offers no start-up callback; poll its flag (a few ms) so the readiness line that
    # test harnesses wait for is printed only once the socket is really served.
    while not server.started and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    if server.started:
        # Everything allocated so far lives for the whole process: move it out of the cyclic
        # collector's sight, and collect the young generation less often (each room message
        # allocates, and full collections were the long pauses of Python Yjs servers).
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)
        started(server)
    await task
