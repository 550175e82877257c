"""Property tests of what a room decodes besides Yjs updates: awareness and app messages.

Whatever the bytes, the answer is a WireError (never another exception), and the presence table
never holds more than its bounds, whoever sends what.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from server.presence.awareness import AwarenessTable, decode_update, encode_update
from server.wire import WireError, decode_client_message

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
_ENTRY = st.tuples(st.integers(0, 2**53), st.integers(0, 2**32),
                   _JSON.map(lambda v: json.dumps(v)) | st.text(max_size=40))
_IDENTITY: dict[str, Any] = {"id": "u", "name": "U", "role": "viewer", "color": "#000"}


@given(st.binary(max_size=1_000))
def test_any_bytes_decode_as_awareness_or_a_wire_error(data: bytes) -> None:
    try:
        entries = decode_update(data, max_entries=64)
    except WireError:
        return
    assert len(entries) <= 64


@given(st.lists(st.tuples(st.integers(0, 5), st.lists(_ENTRY, max_size=6)), max_size=12))
def test_the_presence_table_never_passes_its_bounds(
    sends: list[tuple[int, list[tuple[int, int, str]]]],
) -> None:
    table = AwarenessTable(max_entries=12, max_per_owner=3, max_state_bytes=200)
    owners = [object() for _ in range(6)]
    for owner_index, entries in sends:
        owner = owners[owner_index]
        with contextlib.suppress(WireError):
            table.apply(owner, encode_update(entries), _IDENTITY, lambda other: False)
        assert len(table.entries) <= 12
        for each in owners:
            assert sum(1 for e in table.entries.values() if e.owner is each) <= 3
        for entry in table.entries.values():
            assert entry.state is None or json.loads(entry.state)["user"] == _IDENTITY


@given(st.binary(max_size=500) | _JSON.map(lambda v: json.dumps(v).encode()))
def test_any_app_message_decodes_or_is_a_wire_error(data: bytes) -> None:
    with contextlib.suppress(WireError):
        decode_client_message(data)


@given(st.integers(100, 200_000))
def test_deeply_nested_app_messages_are_a_wire_error(depth: int) -> None:
    raw = '{"type":"lock","field":"title","x":' + "[" * depth + "]" * depth + "}"
    with contextlib.suppress(WireError):
        decode_client_message(raw.encode())
