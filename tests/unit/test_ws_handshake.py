"""The opening handshake: parsing replayed request heads and writing the responses."""

from __future__ import annotations

import base64
import os

import h11
import pytest
from websockets.utils import accept_key

from server.ws.handshake import (
    MAX_HEAD_BYTES,
    HandshakeError,
    accept_response,
    error_response,
    find_head_end,
    parse_request,
)

KEY = "dGhlIHNhbXBsZSBub25jZQ=="

CHROME = (
    "GET /ws/offers/caf%C3%A9%20room?token=xyz&a=1&a=2&blank= HTTP/1.1\r\n"
    "Host: offers.example.com\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36\r\n"
    "Upgrade: websocket\r\n"
    "Origin: https://offers.example.com\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    f"Sec-WebSocket-Key: {KEY}\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "\r\n"
).encode()


def head(
    request_line: str = "GET /ws/offers/abc?token=xyz HTTP/1.1", **overrides: str | None
) -> bytes:
    """A head as uvicorn replays it (lowercase names); None in overrides drops a header."""
    headers: dict[str, str | None] = {
        "host": "localhost:8000",
        "upgrade": "websocket",
        "connection": "Upgrade",
        "sec-websocket-key": KEY,
        "sec-websocket-version": "13",
    }
    headers.update({name.replace("_", "-"): value for name, value in overrides.items()})
    lines = [request_line] + [f"{n}: {v}" for n, v in headers.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def refused(data: bytes) -> HandshakeError:
    with pytest.raises(HandshakeError) as caught:
        parse_request(data)
    return caught.value


# --- parsing ------------------------------------------------------------------------------------


def test_browser_request() -> None:
    request = parse_request(CHROME)
    assert request.path == "/ws/offers/café room"
    assert request.query == {"token": "xyz", "a": "1", "blank": ""}
    assert request.key == KEY
    assert request.headers["host"] == "offers.example.com"
    assert request.headers["origin"] == "https://offers.example.com"
    assert request.headers["accept-language"] == "en-US,en;q=0.9"
    assert all(name == name.lower() for name in request.headers)


def test_uvicorn_replay_with_lowercase_names() -> None:
    request = parse_request(head())
    assert request.path == "/ws/offers/abc"
    assert request.query == {"token": "xyz"}
    assert request.headers["upgrade"] == "websocket"


def test_head_without_final_blank_line() -> None:
    assert parse_request(head()[:-4]) == parse_request(head())


def test_no_query() -> None:
    request = parse_request(head("GET /ws/offers/abc HTTP/1.1"))
    assert (request.path, request.query) == ("/ws/offers/abc", {})


def test_percent_encoded_query_value() -> None:
    request = parse_request(head("GET /ws?token=a%2Bb%3D&x=%20y+z HTTP/1.1"))
    assert request.query == {"token": "a+b=", "x": " y z"}


def test_token_lists_and_case() -> None:
    # Firefox sends "keep-alive, Upgrade"; tokens compare case-insensitively.
    request = parse_request(head(connection="keep-alive, Upgrade", upgrade="WebSocket"))
    assert request.headers["connection"] == "keep-alive, Upgrade"


def test_repeated_headers_are_joined() -> None:
    data = head().replace(b"\r\n\r\n", b"\r\nX-Forwarded-For: 1.1.1.1\r\nx-forwarded-for: 2.2.2.2"
                          b"\r\n\r\n")
    assert parse_request(data).headers["x-forwarded-for"] == "1.1.1.1, 2.2.2.2"


def test_header_value_whitespace_is_trimmed() -> None:
    data = head().replace(b"host: localhost:8000", b"host:  \tlocalhost:8000 \t")
    assert parse_request(data).headers["host"] == "localhost:8000"


def test_find_head_end() -> None:
    assert find_head_end(b"") == -1
    assert find_head_end(CHROME[:-1]) == -1
    assert find_head_end(CHROME) == len(CHROME)
    assert find_head_end(CHROME + b"\x81\x85") == len(CHROME)


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_line",
    [
        "GET /ws HTTP/1.1 extra",
        "GET /ws",
        "GET  /ws HTTP/1.1",
        "",
        "G\tT /ws HTTP/1.1",
        "GET ws HTTP/1.1",
        "GET http://host/ws HTTP/1.1",
        "GET /caf\xe9 HTTP/1.1",
    ],
)
def test_malformed_request_line(request_line: str) -> None:
    error = refused(head(request_line))
    assert (error.status, error.headers) == (400, ())


@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/2", "http/1.1", "HTTP/1.1x"])
def test_not_http_11(version: str) -> None:
    assert refused(head(f"GET /ws {version}")).status == 400


@pytest.mark.parametrize("method", ["POST", "HEAD", "PUT", "get"])
def test_method_other_than_get(method: str) -> None:
    error = refused(head(f"{method} /ws HTTP/1.1"))
    assert (error.status, error.headers) == (405, (("Allow", "GET"),))


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "not base64!",
        "dGhlIHNhbXBsZSBub25jZQ",  # unpadded
        base64.b64encode(os.urandom(15)).decode(),
        base64.b64encode(os.urandom(17)).decode(),
    ],
)
def test_missing_or_invalid_key(key: str | None) -> None:
    error = refused(head(sec_websocket_key=key))
    assert (error.status, error.headers) == (400, ())


def test_repeated_key_is_invalid() -> None:
    data = head().replace(b"\r\n\r\n", f"\r\nsec-websocket-key: {KEY}\r\n\r\n".encode())
    assert refused(data).status == 400


@pytest.mark.parametrize("upgrade", [None, "", "h2c", "websockets", "http/2, foo"])
def test_upgrade_without_websocket(upgrade: str | None) -> None:
    assert refused(head(upgrade=upgrade)).status == 400


@pytest.mark.parametrize("connection", [None, "", "keep-alive", "upgraded", "close"])
def test_connection_without_upgrade(connection: str | None) -> None:
    assert refused(head(connection=connection)).status == 400


@pytest.mark.parametrize("version", [None, "", "8", "12", "13, 8", " "])
def test_unsupported_version(version: str | None) -> None:
    error = refused(head(sec_websocket_version=version))
    assert (error.status, error.headers) == (426, (("Sec-WebSocket-Version", "13"),))


@pytest.mark.parametrize(
    "line",
    [b"no colon here", b"bad name: x", b" folded: x", b"\tfolded", b": empty name", b"x: a\nb",
     b"x: a\x00b", b""],
)
def test_malformed_header_line(line: bytes) -> None:
    data = head().replace(b"\r\n\r\n", b"\r\n" + line + b"\r\n\r\n")
    assert refused(data).status == 400


def test_head_too_large() -> None:
    data = head(x_padding="a" * MAX_HEAD_BYTES)
    assert len(data) > MAX_HEAD_BYTES
    assert refused(data).status == 431
    just_fits = head(x_padding="")
    just_fits = head(x_padding="a" * (MAX_HEAD_BYTES - len(just_fits)))
    assert len(just_fits) == MAX_HEAD_BYTES
    assert parse_request(just_fits).headers["x-padding"].startswith("a")


def test_handshake_error_attributes() -> None:
    error = HandshakeError(426, "nope", (("Sec-WebSocket-Version", "13"),))
    assert (error.status, error.message, error.headers) == (
        426, "nope", (("Sec-WebSocket-Version", "13"),)
    )
    assert HandshakeError(400, "bad").headers == ()


# --- responses ----------------------------------------------------------------------------------


def test_accept_response_rfc_example() -> None:
    assert accept_response(KEY) == (
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        b"\r\n"
    )


def test_accept_key_matches_websockets() -> None:
    for _ in range(20):
        key = base64.b64encode(os.urandom(16)).decode()
        expected = f"Sec-WebSocket-Accept: {accept_key(key)}\r\n".encode()
        assert expected in accept_response(key)


def _client_read(response: bytes) -> tuple[h11.Response, bytes]:
    """Read a response the way an HTTP client would (h11 is uvicorn's own HTTP/1.1 parser)."""
    client = h11.Connection(our_role=h11.CLIENT)
    client.send(h11.Request(method="GET", target="/ws", headers=[("Host", "x")]))
    client.send(h11.EndOfMessage())
    client.receive_data(response)
    client.receive_data(b"")
    events = []
    while True:
        event = client.next_event()
        if event is h11.NEED_DATA or isinstance(event, h11.ConnectionClosed):
            break
        events.append(event)
    assert isinstance(events[0], h11.Response)
    assert isinstance(events[-1], h11.EndOfMessage)
    body = b"".join(bytes(e.data) for e in events if isinstance(e, h11.Data))
    return events[0], body


@pytest.mark.parametrize(
    ("status", "phrase"),
    [(400, b"Bad Request"), (405, b"Method Not Allowed"), (426, b"Upgrade Required"),
     (431, b"Request Header Fields Too Large"), (403, b"Forbidden")],
)
def test_error_response_is_parsable(status: int, phrase: bytes) -> None:
    message = "refusé: the offer is closed"
    data = error_response(status, message, (("Sec-WebSocket-Version", "13"),))
    assert data.startswith(b"HTTP/1.1 %d %s\r\n" % (status, phrase))
    response, body = _client_read(data)
    assert response.status_code == status
    assert response.reason == phrase
    headers = dict(response.headers)
    assert headers[b"content-type"] == b"text/plain; charset=utf-8"
    assert headers[b"content-length"] == str(len(message.encode())).encode()
    assert headers[b"connection"] == b"close"
    assert headers[b"sec-websocket-version"] == b"13"
    assert body.decode() == message


def test_error_response_from_a_handshake_error() -> None:
    error = refused(head("POST /ws HTTP/1.1"))
    response, body = _client_read(error_response(error.status, error.message, error.headers))
    assert response.status_code == 405
    assert dict(response.headers)[b"allow"] == b"GET"
    assert body == error.message.encode()


def test_error_response_refuses_header_injection() -> None:
    with pytest.raises(ValueError):
        error_response(400, "bad", (("X-Evil", "a\r\nSet-Cookie: x=y"),))
    with pytest.raises(ValueError):
        error_response(400, "bad", (("X Evil", "a"),))
