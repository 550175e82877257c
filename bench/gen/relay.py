"""The Python floor: a relay with no CRDT on uvloop, ``python bench/gen/relay.py PORT``.

``gen/relay.mjs``'s twin, measuring the other end: what CPython, uvloop and the kernel cost per
delivered edit when the server does nothing else. offer-room's server CPU per edit minus this
one's is what its own code costs (the guard, the room, the store, the assistant); a Python server
cannot go below this line without leaving Python for its socket path (issue 17).

It does what offer-room does per edit and nothing more, with offer-room's own handshake and frame
code (``server.ws``): read one masked WebSocket frame, unmask it, send it as one unmasked frame to
the other sockets of its room (the URL path; not back to the sender, as offer-room does not
echo). Sync step 1 is answered with an empty step 2, so clients
count as synced; awareness is dropped. One process, one thread, like offer-room's event loop.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import cast

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.ws.frames import FrameReader, Opcode, ProtocolError, encode_frame
from server.ws.handshake import accept_response

#: Sync, step 2, an update of 2 bytes (empty): what step 1 is answered with.
_EMPTY_STEP2 = encode_frame(Opcode.BINARY, bytes((0, 1, 2, 0, 0)))
_HEAD_END = b"\r\n\r\n"
#: Handshakes larger than this are refused (the generator's are ~200 bytes).
_MAX_HEAD = 8192
#: offer-room's own bound on a message.
_MAX_MESSAGE = 1 << 20

rooms: dict[bytes, set[Relay]] = {}


class Relay(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.head = b""
        self.reader = FrameReader(_MAX_MESSAGE)
        self.room: set[Relay] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A TCP server's transport is a full one (uvloop's does not subclass asyncio's classes).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.room is None:
            data = self._handshake(data)
            if not data:
                return
        # offer-room's socket reads a message the same way (server/ws/protocol.py).
        payload = self.reader.whole_binary(data)
        if payload is not None:
            self._message(payload)
            return
        try:
            events = self.reader.feed(data)
        except ProtocolError:
            self._close()
            return
        for opcode, body in events:
            if opcode == Opcode.CLOSE:
                self._close()
                return
            if opcode == Opcode.BINARY:
                self._message(body)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.room is not None:
            self.room.discard(self)

    def _handshake(self, data: bytes) -> bytes:
        """Answer the upgrade once its head is in; what follows it is the first frames."""
        self.head += data
        if _HEAD_END not in self.head:
            if len(self.head) > _MAX_HEAD:
                self._close()
            return b""
        head, _, rest = self.head.partition(_HEAD_END)
        self.head = b""
        lines = head.split(b"\r\n")
        key = next((line.split(b":", 1)[1].strip() for line in lines[1:]
                    if line.lower().startswith(b"sec-websocket-key:")), None)
        if key is None:
            self._close()
            return b""
        assert self.transport is not None
        self.transport.write(accept_response(key.decode("ascii")))
        self.room = rooms.setdefault(lines[0].split(b" ")[1], set())
        self.room.add(self)
        return rest

    def _message(self, payload: bytes) -> None:
        if len(payload) < 2 or payload[0] != 0:
            return  # awareness and anything else: dropped
        if payload[1] == 0:
            self._send(_EMPTY_STEP2)
            return
        frame = encode_frame(Opcode.BINARY, payload)
        assert self.room is not None
        for peer in self.room:
            if peer is not self:
                peer._send(frame)

    def _send(self, frame: bytes) -> None:
        if self.transport is not None:
            self.transport.write(frame)

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Relay, "127.0.0.1", port)
    print(f"relay listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(_serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
