"""pycrdt-websocket as a peer: its WebsocketServer behind uvicorn, in-memory rooms.

Run with the peers' venv: ``python pycrdt_server.py``; prints "pycrdt-websocket listening on PORT".
``get_room`` is serialised with one asyncio.Lock: concurrent first joins of a room deadlock in
pycrdt-websocket 0.16 otherwise (two ``start_room`` calls race on the room's start).
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from pycrdt.websocket import ASGIServer, WebsocketServer, YRoom, exception_logger


class SerialisedServer(WebsocketServer):  # type: ignore[misc]
    def __init__(self) -> None:
        # Without a handler, one client vanishing mid-send tears down the whole server task group.
        super().__init__(auto_clean_rooms=True, exception_handler=exception_logger)
        self._room_lock = asyncio.Lock()

    async def get_room(self, name: str) -> YRoom:
        async with self._room_lock:
            return await super().get_room(name)


async def main() -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    websocket_server = SerialisedServer()
    app = ASGIServer(websocket_server)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    async with websocket_server:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        print(f"pycrdt-websocket listening on {port}", flush=True)
        await task


if __name__ == "__main__":
    asyncio.run(main())
