"""The Python floor: a relay with no CRDT on uvloop, ``python bench/gen/relay.py PORT``.

``gen/relay.mjs``'s twin, measuring the other end: what CPython, uvloop and the kernel cost per
delivered edit when the server does nothing else. offer-room's server CPU per edit minus this
one's is what its own code costs (the guard, the room, the store, the assistant); a Python server
cannot go below this line without leaving Python for its socket path (issue 17).

It does what offer-room does per edit and nothing more: read one masked WebSocket frame, unmask
it, send it as one unmasked frame to the other sockets of its room (the URL path; not back to the
sender, as offer-room does not echo). Sync step 1 is answered with an empty step 2, so clients
count as synced; awareness is dropped. One process, one thread, like offer-room's event loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import sys
from typing import cast

import uvloop

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: A binary frame: sync, step 2, an update of 2 bytes (empty).
_EMPTY_STEP2 = bytes((0x82, 5, 0, 1, 2, 0, 0))
_HEAD_END = b"\r\n\r\n"
#: Handshakes larger than this are refused (the generator's are ~200 bytes).
_MAX_HEAD = 8192

rooms: dict[bytes, set[Relay]] = {}


class Relay(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.room: set[Relay] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A TCP server's transport is a full one (uvloop's does not subclass asyncio's classes).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.room is None:
            data = self._handshake(data)
        if data:
            self._frames(self.buffer + data if self.buffer else data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.room is not None:
            self.room.discard(self)

    def _handshake(self, data: bytes) -> bytes:
        """Answer the upgrade once its head is in; what follows it is the first frames."""
        assert self.transport is not None
        self.buffer += data
        if _HEAD_END not in self.buffer:
            if len(self.buffer) > _MAX_HEAD:
                self.transport.close()
            return b""
        head, _, rest = self.buffer.partition(_HEAD_END)
        self.buffer = b""
        lines = head.split(b"\r\n")
        key = next((line.split(b":", 1)[1].strip() for line in lines[1:]
                    if line.lower().startswith(b"sec-websocket-key:")), None)
        if key is None:
            self.transport.close()
            return b""
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        self.transport.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept
                             + b"\r\n\r\n")
        self.room = rooms.setdefault(lines[0].split(b" ")[1], set())
        self.room.add(self)
        return rest

    def _frames(self, buf: bytes) -> None:
        assert self.transport is not None and self.room is not None
        pos, end = 0, len(buf)
        while end - pos >= 6:
            opcode, size, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if size == 126:
                size, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif size == 127:
                self.transport.close()  # the generator never sends 64 KiB
                return
            stop = pos + head + 4 + size
            if stop > end:
                break
            mask = buf[pos + head:pos + head + 4]
            body = buf[pos + head + 4:stop]
            keys = (mask * (size // 4 + 1))[:size]
            payload = (int.from_bytes(body, "big")
                       ^ int.from_bytes(keys, "big")).to_bytes(size, "big")
            pos = stop
            if opcode == 8:
                self.transport.close()
                return
            if opcode != 2 or len(payload) < 2 or payload[0] != 0:
                continue  # awareness and anything else: dropped
            if payload[1] == 0:
                self.transport.write(_EMPTY_STEP2)
                continue
            frame = (bytes((0x82, size)) if size < 126
                     else b"\x82\x7e" + size.to_bytes(2, "big")) + payload
            for peer in self.room:
                if peer is not self and peer.transport is not None:
                    peer.transport.write(frame)
        self.buffer = buf[pos:]


async def _serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Relay, "127.0.0.1", port)
    print(f"relay listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(_serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
