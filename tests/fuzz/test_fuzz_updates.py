"""Property tests of the v1 update decoder: any bytes are refused cleanly, real updates are read
exactly, and the work it does is bounded by ``max_items`` whatever the input declares."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text

from server.crdt.updates import TooComplex, decode_state_vector, read_update
from server.wire import WireError, write_var_uint

# One editing step on a replica: (kind, position seed, text). ASCII, so yrs' byte offsets and
# Python's character offsets agree.
_STEPS = st.lists(
    st.tuples(st.sampled_from(["insert", "delete", "set", "row"]), st.integers(0, 10_000),
              st.text(alphabet=string.ascii_letters, max_size=8)),
    max_size=25,
)


@given(st.binary(max_size=2_000))
def test_any_bytes_are_an_update_or_a_wire_error(data: bytes) -> None:
    try:
        info = read_update(data, max_items=500)
    except WireError:
        return
    assert info.structs + info.ranges <= 500
    assert info.size == len(data)


def _edit(doc: Doc[Any], steps: list[tuple[str, int, str]]) -> None:
    text = doc.get("description", type=Text)
    terms = doc.get("terms", type=Map)
    rows = doc.get("milestones", type=Array)
    for kind, seed, value in steps:
        with doc.transaction():
            if kind == "insert":
                text.insert(seed % (len(text) + 1), value or "x")
            elif kind == "delete" and len(text):
                start = seed % len(text)
                del text[start:min(len(text), start + 1 + seed % 3)]
            elif kind == "set":
                terms[f"k{seed % 4}"] = value
            else:
                rows.append(Map({"id": f"m{seed}", "title": value}))


@given(_STEPS, _STEPS)
def test_real_updates_are_read_and_depend_only_on_what_they_build_on(
    before: list[tuple[str, int, str]], after: list[tuple[str, int, str]]
) -> None:
    doc: Doc[Any] = Doc(client_id=7)
    _edit(doc, before)
    server: Doc[Any] = Doc(client_id=1)
    server.apply_update(doc.get_update())
    state = server.get_state()
    _edit(doc, after)
    diff = doc.get_update(state)
    info = read_update(diff)
    assert not info.missing_dependencies(decode_state_vector(state))
    # Without what it builds on, a diff that builds on anything is recognised as incomplete.
    if before and info.refs:
        assert info.missing_dependencies({})


@given(st.integers(1, 10_000), st.integers(1, 10_000), st.integers(0, 3))
def test_declared_counts_past_the_bound_are_refused_before_being_read(
    structs: int, ranges: int, blocks: int
) -> None:
    # Headers only: the entries they announce are never there, so reading any would fail with
    # "truncated"; a decoder that checks the counts first raises TooComplex instead.
    data = bytearray(write_var_uint(blocks))
    for client in range(blocks):
        data += write_var_uint(structs) + write_var_uint(client) + write_var_uint(0)
    if blocks == 0:
        data += write_var_uint(1) + write_var_uint(5) + write_var_uint(ranges)
    limit = 100
    declared = (structs + 1) * blocks if blocks else ranges + 1
    try:
        read_update(bytes(data), max_items=limit)
    except TooComplex:
        assert (structs + 1 if blocks else declared) > limit
    except WireError:
        assert (structs + 1 if blocks else declared) <= limit
