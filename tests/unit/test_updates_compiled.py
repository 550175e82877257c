"""The compiled update decoder (setup.py) is the Python source, compiled: same answers, never stale.

``make install`` compiles server/crdt/updates.py; the extension then shadows the .py at import.
These tests load the plain source beside it and compare the two on real and broken updates.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text

from server.crdt import updates
from server.wire import write_var_uint

SOURCE = Path(updates.__file__).with_name("updates.py")
COMPILED = not updates.__file__.endswith(".py")


def _plain() -> ModuleType:
    spec = importlib.util.spec_from_file_location("updates_as_python", SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PLAIN = _plain()


def _answer(module: ModuleType, data: bytes) -> Any:
    try:
        info = module.read_update(data, 50)
    except Exception as exc:  # the same refusal, by class name and message
        return type(exc).__name__, str(exc)
    scalar = info.scalar and (info.scalar.client, info.scalar.clock, info.scalar.origin,
                              info.scalar.value)
    return (info.own, info.refs, info.deletes, info.inserts_nul, info.structs, info.ranges,
            info.size, scalar, info.unit_deletes)


def test_the_compiled_decoder_is_built_from_the_current_source() -> None:
    # make install compiles it wherever gcc is (the build is optional only so that a machine
    # without one still runs): a silent fallback would cost every edit ~6x in the decoder.
    assert COMPILED, "server/crdt/updates.py is not compiled; run make install (needs gcc)"
    built = Path(updates.__file__).stat().st_mtime
    for source in (SOURCE, SOURCE.with_suffix(".pxd")):
        assert built >= source.stat().st_mtime, f"{source.name} changed since; run make install"


def _updates() -> list[bytes]:
    doc: Doc[Any] = Doc()
    out: list[bytes] = []
    subscription = doc.observe(lambda event: out.append(event.update))
    terms, text = doc.get("terms", type=Map), doc.get("d", type=Text)
    rows = doc.get("m", type=Array)
    terms["title"] = "Landing page"
    terms["hourly_rate"] = 4500
    terms["rate"] = 2**60
    terms["flag"] = True
    text += "Hello, wörld \x00 ✓"
    del text[2:5]
    rows.append(Map({"id": "m1", "amount": 1.25}))
    doc.unobserve(subscription)
    return [*out, doc.get_update()]


@pytest.mark.parametrize("index", range(8))
def test_real_updates_read_the_same(index: int) -> None:
    data = _updates()[index]
    assert _answer(updates, data) == _answer(PLAIN, data)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 7), st.integers(0, 200), st.binary(max_size=6))
def test_broken_updates_are_refused_the_same(index: int, cut: int, junk: bytes) -> None:
    data = _updates()[index]
    broken = data[:cut] + junk + data[cut + len(junk):]
    assert _answer(updates, broken) == _answer(PLAIN, broken)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_read_the_same(data: bytes) -> None:
    assert _answer(updates, data) == _answer(PLAIN, data)


#: The largest count a varint may carry (63 bits): the compiled decoder counts in C integers.
_HUGE = write_var_uint(2**63 - 1)


@pytest.mark.parametrize("data", [
    # one client block claiming 2**63 - 1 structs
    write_var_uint(1) + _HUGE + write_var_uint(7) + write_var_uint(0),
    # no structs; a delete set claiming 2**63 - 1 ranges for one client
    write_var_uint(0) + write_var_uint(1) + write_var_uint(7) + _HUGE,
    # a small block first, then the huge one: the running count must not wrap around
    write_var_uint(2) + write_var_uint(0) + write_var_uint(7) + write_var_uint(0)
    + _HUGE + write_var_uint(8) + write_var_uint(0),
])
def test_a_count_near_the_varint_limit_is_too_complex_not_an_overflow(data: bytes) -> None:
    for module in (updates, PLAIN):
        with pytest.raises(module.TooComplex):
            module.read_update(data, 50)


# What lib0 (Yjs's encoder) writes for a map value, as a browser sends it, and what yrs reads.
LIB0_VALUES = [
    (bytes([126]), (True, None)),
    (bytes([121]), (True, False)),
    (bytes([120]), (True, True)),
    (bytes([125, 0x05]), (True, 5.0)),
    (bytes([125, 0x45]), (True, -5.0)),
    (bytes([125, 0x9B, 0x8E, 0x0C]), (True, float(0x1B | 0x0E << 6 | 0x0C << 13))),
    (bytes([124]) + bytes.fromhex("3fa00000"), (True, 1.25)),
    (bytes([123]) + bytes.fromhex("3ff4000000000000"), (True, 1.25)),
    (bytes([122]) + (-3).to_bytes(8, "big", signed=True), (True, -3)),
    (bytes([119, 3]) + b"abc", (True, "abc")),
    (bytes([119, 2]) + "é".encode(), (True, "é")),
    (bytes([127]), (False, None)),  # undefined: the slow path decides
    (bytes([118, 0]), (False, None)),  # an object
]


@pytest.mark.parametrize(("data", "expected"), LIB0_VALUES)
def test_plain_values_read_as_yrs_reads_them(data: bytes, expected: tuple[bool, Any]) -> None:
    for module in (updates, PLAIN):
        reader = module._Reader(data)
        assert module._plain_value(reader) == expected
        if expected[0]:
            assert reader.pos == len(data)  # nothing left unread


@pytest.mark.parametrize("data", [bytes([119, 4]) + b"abc", bytes([123]) + b"\x3f\xf4",
                                  bytes([124, 1]), bytes([122]) + b"\x00" * 7, bytes([125, 0x80])])
def test_truncated_plain_values_are_wire_errors(data: bytes) -> None:
    for module in (updates, PLAIN):
        with pytest.raises(module.WireError):
            module._plain_value(module._Reader(data))
