"""The WebSocket endpoint: authenticate, join the room, pump frames, leave.

The socket is accepted before the token is checked because a browser cannot read an HTTP refusal;
a close code (DESIGN §4) is the only thing a y-websocket client can act on. Broad exception handling
lives only here, at the connection boundary: log, close with 1011, never swallow silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from server.auth import TokenError, verify
from server.http.services import Services
from server.rooms.connection import Connection
from server.rooms.registry import NoSuchOffer
from server.rooms.room import Room
from server.wire import CloseCode, Error, app_frame

log = logging.getLogger("offer_room.socket")

#: How long a closing connection may take to send what it has queued.
_CLOSE_GRACE_SECONDS = 2.0


class WebSocketChannel:
    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket

    async def send(self, frame: bytes) -> None:
        await self._ws.send_bytes(frame)

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # already gone is fine
            await self._ws.close(code=code, reason=reason)


async def offer_socket(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    config = services.config
    offer_id = websocket.path_params["offer_id"]
    await websocket.accept()
    try:
        claims = verify(config.secret, websocket.query_params.get("token", ""))
    except TokenError as exc:
        services.metrics.closes[CloseCode.BAD_TOKEN] += 1
        await websocket.close(code=CloseCode.BAD_TOKEN, reason=str(exc))
        return
    if claims.offer != offer_id:
        services.metrics.closes[CloseCode.NOT_A_PARTY] += 1
        await websocket.close(code=CloseCode.NOT_A_PARTY, reason="not a party of this offer")
        return
    conn = Connection(
        WebSocketChannel(websocket),
        claims,
        queue_max=config.send_queue_max,
        rate_per_second=config.rate_per_second,
        rate_burst=config.rate_burst,
    )
    try:
        room = await services.registry.join(offer_id, conn)
    except NoSuchOffer:
        services.metrics.closes[CloseCode.NO_SUCH_OFFER] += 1
        await websocket.close(code=CloseCode.NO_SUCH_OFFER, reason="no such offer")
        return
    conn.start()
    try:
        await _pump(websocket, conn, room, services)
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("connection of %s to offer %s failed", claims.sub, offer_id)
        conn.close(CloseCode.INTERNAL_ERROR, "internal error")
    finally:
        await services.registry.leave(room, conn)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(conn.closed.wait(), _CLOSE_GRACE_SECONDS)
        await conn.stop()


async def _pump(websocket: WebSocket, conn: Connection, room: Room, services: Services) -> None:
    max_bytes = services.config.max_frame_bytes
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("bytes")
        if data is None:
            conn.send(app_frame(Error(code="bad_frame", message="text frames are not supported")))
            continue
        if len(data) > max_bytes:
            services.metrics.closes[CloseCode.FRAME_TOO_LARGE] += 1
            conn.send(app_frame(Error(code="too_large", message=f"frames are limited to "
                                      f"{max_bytes} bytes")))
            conn.close(CloseCode.FRAME_TOO_LARGE, "frame too large")
            return
        if not conn.allow_message():
            services.metrics.closes[CloseCode.TOO_MANY_MESSAGES] += 1
            conn.close(CloseCode.TOO_MANY_MESSAGES, "too many messages")
            return
        room.receive(conn, data)
