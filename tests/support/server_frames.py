"""Reading what a server wrote on a raw socket: its (unmasked) WebSocket frames."""

from __future__ import annotations

import struct
from collections.abc import Iterator


def server_frames(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(opcode, payload) of each complete server frame in ``data``; a cut-off last one is left."""
    pos = 0
    while pos + 2 <= len(data):
        opcode, length = data[pos] & 0x0F, data[pos + 1] & 0x7F
        pos += 2
        if length == 126:
            (length,) = struct.unpack_from("!H", data, pos)
            pos += 2
        elif length == 127:
            (length,) = struct.unpack_from("!Q", data, pos)
            pos += 8
        if pos + length > len(data):
            return
        yield opcode, data[pos:pos + length]
        pos += length


def close_code(data: bytes) -> int | None:
    """The code of the first close frame the server sent in ``data``."""
    for opcode, payload in server_frames(data):
        if opcode == 0x8 and len(payload) >= 2:
            code: int = struct.unpack_from("!H", payload)[0]
            return code
    return None
