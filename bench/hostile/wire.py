"""Bytes as an attacker writes them: y-websocket messages and masked WebSocket frames.

Kept independent of the ``server`` package so the same attacks run against any tree (and do not
break while the checkout they run from is being edited).
"""

from __future__ import annotations

import functools
import json
import struct
from typing import Any

from pycrdt import Doc, Text

SYNC, AWARENESS, APP = 0, 1, 100
STEP1, STEP2, UPDATE = 0, 1, 2
TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


def var_uint(num: int) -> bytes:
    out = bytearray()
    while num > 0x7F:
        out.append(0x80 | (num & 0x7F))
        num >>= 7
    out.append(num)
    return bytes(out)


def read_var_uint(data: bytes, pos: int) -> tuple[int, int]:
    num = shift = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        num |= (byte & 0x7F) << shift
        if byte < 0x80:
            return num, pos
        shift += 7
    raise ValueError("truncated varint")


def var_bytes(payload: bytes) -> bytes:
    return var_uint(len(payload)) + payload


def sync_message(sync_type: int, payload: bytes) -> bytes:
    return bytes((SYNC, sync_type)) + var_bytes(payload)


#: The answer to the server's sync step 1 from a client that has nothing: an empty update.
EMPTY_STEP2 = sync_message(STEP2, b"\x00\x00")


def app_message(body: dict[str, Any] | str) -> bytes:
    text = body if isinstance(body, str) else json.dumps(body)
    return bytes((APP,)) + var_bytes(text.encode())


def awareness_message(entries: list[tuple[int, int, str]]) -> bytes:
    out = bytearray(var_uint(len(entries)))
    for client_id, clock, state in entries:
        out += var_uint(client_id) + var_uint(clock) + var_bytes(state.encode())
    return bytes((AWARENESS,)) + var_bytes(bytes(out))


def frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """A client frame. The mask key is zero: servers must accept any key, and a zero key makes
    masking a no-op, so multi-megabyte frames cost one concatenation to build."""
    size = len(payload)
    head = bytes(((0x80 if fin else 0) | opcode,))
    if size < 126:
        head += bytes((0x80 | size,))
    elif size < 1 << 16:
        head += bytes((0x80 | 126,)) + struct.pack("!H", size)
    else:
        head += bytes((0x80 | 127,)) + struct.pack("!Q", size)
    return head + b"\x00\x00\x00\x00" + payload


# --- the big payloads, built once per process ------------------------------------------------


def insert_update(client_id: int, text: str) -> bytes:
    """A v1 update inserting ``text`` into the description, from a client id nobody has seen."""
    doc: Doc[Any] = Doc(client_id=client_id)
    doc.get("description", type=Text).insert(0, text)
    return doc.get_update()


@functools.cache
def big_insert(client_id: int, char: str = "x") -> bytes:
    """A sync update message of ~1.9 MB (just under the 2 MiB frame limit)."""
    return sync_message(UPDATE, insert_update(client_id, char * 1_900_000))


@functools.cache
def delete_set_update(ranges: int = 600_000) -> bytes:
    """An update that is only a delete set: ``ranges`` one-item ranges of one client (~1.9 MB)."""
    out = bytearray(var_uint(0) + var_uint(1) + var_uint(1) + var_uint(ranges))
    for i in range(ranges):
        out += var_uint(i % 100) + var_uint(1)
    return sync_message(UPDATE, bytes(out))


@functools.cache
def awareness_batches(total: int = 1_000_000, per_frame: int = 50_000) -> tuple[bytes, ...]:
    """``total`` awareness client ids in frames of ``per_frame`` (~0.6 MB each, under 2 MiB)."""
    return tuple(
        awareness_message([(cid, 1, '{"x":1}') for cid in range(start, start + per_frame)])
        for start in range(1, total + 1, per_frame)
    )
