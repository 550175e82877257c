"""A raw TCP client for what WebSocket libraries will not send: request heads that never end,
upgrade requests with a frame pipelined behind them, 1-byte fragments, pings never read."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import struct

from hostile import wire


class RawSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.sent = 0
        #: Why the last write failed, for the table.
        self.failure = ""

    @classmethod
    async def open(cls, port: int, *, rcvbuf: int | None = None,
                   seconds: float = 10.0) -> RawSocket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # set before connecting, so the window is small from the start
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(
                asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port)), seconds)
            reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        except BaseException:
            sock.close()
            raise
        return cls(reader, writer)

    async def write(self, data: bytes, seconds: float) -> bool:
        """Write and wait for the kernel to take it; False when refused or not done in time."""
        try:
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), seconds)
        except ConnectionError as exc:
            self.failure = f"refused ({type(exc).__name__})"
            return False
        except TimeoutError:
            self.failure = f"blocked (the node stopped reading for {seconds:.0f} s)"
            return False
        self.sent += len(data)
        return True

    async def upgrade(self, path: str, *, version: str = "1.1", origin: str | None = None,
                      then: bytes = b"", seconds: float = 10.0) -> int | None:
        """Send a WebSocket upgrade request (and ``then`` in the same write); the status, or
        None when the server closed or said nothing in ``seconds``."""
        key = base64.b64encode(os.urandom(16)).decode()
        head = (f"GET {path} HTTP/{version}\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n")
        if origin is not None:
            head += f"Origin: {origin}\r\n"
        if not await self.write(head.encode() + b"\r\n" + then, seconds):
            return None
        return await self.read_status(seconds)

    async def read_status(self, seconds: float) -> int | None:
        """Read a response head; its status code (None: closed or silent for ``seconds``)."""
        try:
            head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), seconds)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                TimeoutError):
            return None
        parts = head.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None

    async def read_frame(self, seconds: float) -> tuple[int, bytes] | None:
        """The next server frame (opcode, payload); None at EOF; TimeoutError after
        ``seconds`` (the stream may then be mid-frame: stop reading)."""
        try:
            async with asyncio.timeout(seconds):
                first, second = await self.reader.readexactly(2)
                size = second & 0x7F
                if size == 126:
                    (size,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif size == 127:
                    (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
                return first & 0x0F, await self.reader.readexactly(size)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None

    async def until_close(self, seconds: float, *, pong: bytes | None = None) -> str:
        """Read frames for up to ``seconds`` s: "closed CODE", "dropped", "pong" (when a pong
        carrying ``pong`` arrived) or "open" (still open, nothing decisive seen)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            try:
                got = await self.read_frame(remaining)
            except TimeoutError:
                return "open"
            if got is None:
                return "dropped (no close frame)"
            opcode, payload = got
            if opcode == wire.CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                return f"closed {code}"
            if opcode == wire.PONG and pong is not None and payload == pong:
                return "pong"
        return "open"

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.transport.abort()
