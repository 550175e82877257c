"""Presence: the awareness wire format, identity stamping and per-connection ownership."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.presence.awareness import AwarenessTable, decode_update, encode_update, stamp
from server.wire import WireError, var_bytes, write_var_uint

ADA: dict[str, Any] = {"id": "c-1", "name": "Ada", "role": "client", "color": "#2563eb"}
LINUS: dict[str, Any] = {"id": "f-1", "name": "Linus", "role": "freelancer", "color": "#c2410c"}


def update(*entries: tuple[int, int, Any]) -> bytes:
    return encode_update([(cid, clock, json.dumps(state)) for cid, clock, state in entries])


def never(owner: object) -> bool:
    return False


def always(owner: object) -> bool:
    return True


def test_encode_decode_round_trip_with_large_ids_and_unicode() -> None:
    entries = [(1, 0, '{"focus":"title"}'), (2**32 - 1, 300, '{"n":"Zoë 🚀"}'), (7, 9, "null")]
    assert decode_update(encode_update(entries)) == entries
    assert decode_update(encode_update([])) == []


def test_encoding_uses_utf8_byte_lengths() -> None:
    raw = encode_update([(5, 1, '"é"')])
    assert raw == write_var_uint(1) + bytes([5, 1]) + var_bytes('"é"'.encode())


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x01", b"\x01\x05", b"\x01\x05\x01\x09{}", b"\x01\x05\x01\x02\xff\xfe"],
    ids=["empty", "no-entry", "no-clock", "short-state", "not-utf8"],
)
def test_malformed_updates_raise_wire_error(raw: bytes) -> None:
    with pytest.raises(WireError):
        decode_update(raw)


def test_stamp_replaces_a_forged_user() -> None:
    forged = json.dumps({"user": {"name": "Linus", "role": "freelancer"}, "focus": "title"})
    stamped = json.loads(stamp(forged, ADA) or "null")
    assert stamped == {"user": ADA, "focus": "title"}


def test_stamp_strips_focus_when_hidden() -> None:
    stamped = json.loads(stamp('{"hidden": true, "focus": "fixed_price"}', ADA) or "null")
    assert stamped["focus"] is None and stamped["user"] == ADA
    visible = json.loads(stamp('{"hidden": false, "focus": "fixed_price"}', ADA) or "null")
    assert visible["focus"] == "fixed_price"


def test_stamp_of_null_is_a_removal() -> None:
    assert stamp("null", ADA) is None


@pytest.mark.parametrize("raw", ["{not json", '"a string"', "[1, 2]", "42"])
def test_stamp_refuses_non_object_states(raw: str) -> None:
    with pytest.raises(WireError):
        stamp(raw, ADA)


def test_apply_accepts_and_stamps_the_owners_state() -> None:
    table = AwarenessTable()
    out, refused = table.apply("conn-a", update((10, 1, {"focus": "title"})), ADA, never)
    assert refused == [] and out is not None
    [(cid, clock, state)] = decode_update(out)
    assert (cid, clock) == (10, 1) and json.loads(state)["user"] == ADA
    assert table.states() == {10: {"focus": "title", "user": ADA}}
    assert table.full_update() == out


def test_another_owner_cannot_set_a_client_id_it_did_not_introduce() -> None:
    table = AwarenessTable()
    table.apply("conn-a", update((10, 1, {"focus": "title"})), ADA, never)
    out, refused = table.apply("conn-b", update((10, 99, {"focus": "fixed_price"})), LINUS, never)
    assert (out, refused) == (None, [10])
    assert table.states()[10] == {"focus": "title", "user": ADA}


def test_same_user_may_take_over_a_client_id() -> None:
    # A reconnecting browser keeps its client id while its old socket lingers.
    table = AwarenessTable()
    table.apply("old-socket", update((10, 1, {"focus": "title"})), ADA, never)
    out, refused = table.apply("new-socket", update((10, 2, {"focus": None})), ADA, always)
    assert refused == [] and out is not None
    assert table.entries[10].owner == "new-socket"
    assert table.remove_owner("old-socket") is None


def test_refused_and_accepted_entries_in_one_update() -> None:
    table = AwarenessTable()
    table.apply("conn-a", update((10, 1, {})), ADA, never)
    out, refused = table.apply("conn-b", update((10, 5, {}), (20, 1, {"focus": "title"})),
                               LINUS, never)
    assert refused == [10]
    assert out is not None and [cid for cid, _, _ in decode_update(out)] == [20]


def test_out_of_date_clock_is_ignored() -> None:
    table = AwarenessTable()
    table.apply("conn-a", update((10, 5, {"focus": "title"})), ADA, never)
    out, refused = table.apply("conn-a", update((10, 4, {"focus": "end_date"})), ADA, never)
    assert (out, refused) == (None, [])
    assert table.states()[10]["focus"] == "title"
    assert table.entries[10].clock == 5


def test_null_state_removes_presence_but_keeps_ownership() -> None:
    table = AwarenessTable()
    table.apply("conn-a", update((10, 1, {"focus": "title"})), ADA, never)
    out, _ = table.apply("conn-a", update((10, 2, None)), ADA, never)
    assert out is not None and decode_update(out) == [(10, 2, "null")]
    assert table.states() == {} and table.full_update() is None
    _, refused = table.apply("conn-b", update((10, 3, {})), LINUS, never)
    assert refused == [10]


def test_remove_owner_emits_removals_with_the_next_clock() -> None:
    table = AwarenessTable()
    table.apply("conn-a", update((10, 4, {}), (11, 7, {})), ADA, never)
    table.apply("conn-b", update((20, 1, {})), LINUS, never)
    removal = table.remove_owner("conn-a")
    assert removal is not None
    assert sorted(decode_update(removal)) == [(10, 5, "null"), (11, 8, "null")]
    assert set(table.states()) == {20}
    assert table.remove_owner("conn-a") is None


def test_malformed_state_raises_wire_error() -> None:
    table = AwarenessTable()
    with pytest.raises(WireError):
        table.apply("conn-a", encode_update([(10, 1, "{oops")]), ADA, never)
    with pytest.raises(WireError):
        table.apply("conn-a", encode_update([(10, 1, "[1]")]), ADA, never)
