"""The wire: lib0 varints, y-websocket framing and the application message schema."""

from __future__ import annotations

import json

import msgspec
import pytest

from server.wire import (
    CloseCode,
    Error,
    Hello,
    Lock,
    LockEntry,
    Locks,
    MessageType,
    Notice,
    Rejected,
    RequestRelease,
    SyncType,
    Unlock,
    UserInfo,
    WireError,
    app_frame,
    awareness_frame,
    decode_client_message,
    read_var_bytes,
    read_var_uint,
    sync_frame,
    var_bytes,
    write_var_uint,
)

ZOE = UserInfo(id="f-1", name="Zoë 日本", role="freelancer", color="#c2410c")


@pytest.mark.parametrize(
    ("num", "encoded"),
    [(0, b"\x00"), (1, b"\x01"), (127, b"\x7f"), (128, b"\x80\x01"), (300, b"\xac\x02"),
     (16384, b"\x80\x80\x01")],
)
def test_var_uint_matches_lib0(num: int, encoded: bytes) -> None:
    assert write_var_uint(num) == encoded
    assert read_var_uint(encoded, 0) == (num, len(encoded))


@pytest.mark.parametrize("num", [2**32 - 1, 2**32, 2**53 - 1, 2**53, 2**63 - 1])
def test_var_uint_round_trips_large_numbers(num: int) -> None:
    encoded = write_var_uint(num)
    assert read_var_uint(b"\x09" + encoded + b"\x05", 1) == (num, 1 + len(encoded))


@pytest.mark.parametrize("data", [b"", b"\x80", b"\xff\xff\xff", b"\x80" * 20])
def test_var_uint_truncated_or_too_long_raises(data: bytes) -> None:
    with pytest.raises(WireError):
        read_var_uint(data, 0)


def test_var_uint_reading_past_the_end_raises() -> None:
    with pytest.raises(WireError):
        read_var_uint(b"\x05", 1)


def test_var_bytes_round_trip_and_truncation() -> None:
    payload = bytes(range(256)) * 2
    framed = var_bytes(payload)
    assert read_var_bytes(framed, 0) == (payload, len(framed))
    assert read_var_bytes(memoryview(framed), 0) == (payload, len(framed))
    with pytest.raises(WireError):
        read_var_bytes(framed[:-1], 0)
    assert read_var_bytes(var_bytes(b""), 0) == (b"", 1)


def test_sync_and_awareness_frames() -> None:
    assert sync_frame(SyncType.STEP1, b"\x00") == b"\x00\x00\x01\x00"
    assert sync_frame(SyncType.UPDATE, b"ab") == b"\x00\x02\x02ab"
    assert awareness_frame(b"xyz") == b"\x01\x03xyz"
    assert [int(m) for m in MessageType] == [0, 1, 2, 3, 100]


def _decode_app(frame: bytes) -> dict[str, object]:
    kind, pos = read_var_uint(frame, 0)
    assert kind == MessageType.APP
    body, end = read_var_bytes(frame, pos)
    assert end == len(frame)
    decoded: dict[str, object] = json.loads(body)
    return decoded


def test_app_frame_length_is_utf8_bytes_not_characters() -> None:
    frame = app_frame(Notice(kind="release_requested", text="Zoë 日本 asks 🙏", by=ZOE))
    body_len, pos = read_var_uint(frame, 1)
    assert body_len == len(frame) - pos  # the length prefix covers every byte of the body
    message = _decode_app(frame)
    assert message["text"] == "Zoë 日本 asks 🙏"
    assert message["by"] == {"id": "f-1", "name": "Zoë 日本", "role": "freelancer",
                             "color": "#c2410c"}


def test_server_messages_carry_their_type_tag_and_omit_defaults() -> None:
    hello = _decode_app(app_frame(Hello(offer_id="o-1", user=ZOE, read_only=False)))
    assert hello == {"type": "hello", "offer_id": "o-1", "user": msgspec.to_builtins(ZOE),
                     "read_only": False}
    locks = _decode_app(app_frame(Locks(locks=[LockEntry("title", ZOE, 900)])))
    assert locks["type"] == "locks"
    assert locks["locks"] == [{"field": "title", "user": msgspec.to_builtins(ZOE),
                               "expires_in_ms": 900}]
    rejected = _decode_app(app_frame(Rejected(fields=["title"], reason="R.", code="invalid")))
    assert rejected == {"type": "rejected", "fields": ["title"], "reason": "R.",
                        "code": "invalid"}
    error = _decode_app(app_frame(Error(code="locked", message="M", ref="cmd-1")))
    assert error == {"type": "error", "code": "locked", "message": "M", "ref": "cmd-1"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"type":"lock","field":"title"}', Lock(field="title")),
        (b'{"type":"lock","field":"milestone:m1","id":"l-1"}',
         Lock(field="milestone:m1", id="l-1")),
        (b'{"type":"unlock","field":"title","id":"u"}', Unlock(field="title", id="u")),
        (b'{"id":"r","field":"hourly_rate","type":"request_release"}',
         RequestRelease(field="hourly_rate", id="r")),
    ],
)
def test_decode_client_message(raw: bytes, expected: object) -> None:
    assert decode_client_message(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[1,2]",
        b'"lock"',
        b'{"field":"title"}',
        b'{"type":"nope","field":"title"}',
        b'{"type":"hello","offer_id":"o"}',
        b'{"type":"lock"}',
        b'{"type":"lock","field":7}',
        b'{"type":"lock","field":"title"',
        b"\xff\xfe",
    ],
)
def test_decode_client_message_refuses_bad_input(raw: bytes) -> None:
    with pytest.raises(WireError):
        decode_client_message(raw)


def test_close_codes_follow_4000_plus_http_status() -> None:
    codes = {code.name: int(code) for code in CloseCode}
    assert codes | {
        "BAD_TOKEN": 4401, "NOT_A_PARTY": 4403, "NO_SUCH_OFFER": 4404, "EPOCH_CHANGED": 4409,
        "FRAME_TOO_LARGE": 4413, "TOO_MANY_MESSAGES": 4429, "OVERLOADED": 1013,
        "INTERNAL_ERROR": 1011,
    } == codes
