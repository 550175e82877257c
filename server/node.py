"""Run one node: bind, build the app (``server.app.create_app``), serve until stopped.

The readiness lines on stdout ("offer-room listening on URL") are what test harnesses and
benchmarks wait for, so they are printed only once the socket is really served.
"""

from __future__ import annotations

import asyncio
import gc
import socket

import msgspec
import uvicorn

from server.app import create_app
from server.config import Config
from server.demo import ensure_demo, print_links
from server.http.front import raise_open_file_limit
from server.logs import log_config


async def serve(config: Config, *, demo: bool = False) -> None:
    """Serve ``config`` until the process is stopped; with ``demo``, print the demo links."""
    # Every connection holds a descriptor: take all the process may have before sizing the cap.
    raise_open_file_limit()
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    config = msgspec.structs.replace(config, port=sock.getsockname()[1])
    links = await ensure_demo(config) if demo else None
    app = create_app(config)
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
        mode = "cluster" if config.redis_url or config.database_url else "single node"
        print(f"offer-room node {config.node_id} ({mode})", flush=True)
        print(f"offer-room listening on {config.base_url()}", flush=True)
        if links:
            print_links(links, config)
    await task
