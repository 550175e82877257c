"""The WebSocket opening handshake (RFC 6455 §4.2), server side.

uvicorn's HTTP protocol hands an upgrade request over to our raw protocol by replaying the request
head as bytes, so we parse that head ourselves: just enough HTTP/1.1 to validate a WebSocket
upgrade and hand the route its path, query and headers. Nothing here does I/O; the protocol feeds
bytes in and writes the returned bytes out. We negotiate no extension and no subprotocol:
permessage-deflate costs CPU per message for frames that are already small, and browsers accept a
server that declines it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, unquote

__all__ = [
    "MAX_HEAD_BYTES",
    "HandshakeError",
    "Request",
    "accept_response",
    "error_response",
    "find_head_end",
    "parse_request",
]

MAX_HEAD_BYTES = 16 * 1024

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# RFC 9110 §5.1 field names are tokens; values may not hold control characters other than tab
# (a stray CR or LF inside a line is how request smuggling starts).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class HandshakeError(Exception):
    """Refuse the upgrade: answer ``status`` with ``message`` and the extra ``headers``."""

    def __init__(
        self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.headers = headers

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"


@dataclass(frozen=True, slots=True)
class Request:
    path: str  # percent-decoded, without the query
    query: dict[str, str]  # first value per name
    headers: dict[str, str]  # lowercase names; repeated headers joined with ", "
    key: str  # Sec-WebSocket-Key


def find_head_end(buffer: bytes, start: int = 0) -> int:
    """The index just past the blank line that ends the request head, or -1 if not there yet;
    ``start`` skips bytes already searched (a caller appending chunks passes its old length - 3)."""
    end = buffer.find(b"\r\n\r\n", start)
    return -1 if end < 0 else end + 4


def parse_request(head: bytes) -> Request:
    """Validate a WebSocket upgrade request head (with or without its final blank line)."""
    if len(head) > MAX_HEAD_BYTES:
        raise HandshakeError(431, "request head too large")
    if head.endswith(b"\r\n\r\n"):
        head = head[:-4]
    # latin-1 maps every byte to a character, so decoding cannot fail; anything non-ASCII that
    # matters (the target) is rejected below.
    request_line, *lines = head.decode("latin-1").split("\r\n")
    path, query = _parse_request_line(request_line)
    headers = _parse_headers(lines)

    if "websocket" not in _tokens(headers.get("upgrade")):
        raise HandshakeError(400, "missing Upgrade: websocket")
    if "upgrade" not in _tokens(headers.get("connection")):
        raise HandshakeError(400, "missing Connection: Upgrade")
    if headers.get("sec-websocket-version") != "13":
        # RFC 6455 §4.2.2: tell the client which version we speak so it can retry.
        raise HandshakeError(
            426, "unsupported WebSocket version", (("Sec-WebSocket-Version", "13"),)
        )
    key = headers.get("sec-websocket-key", "")
    if not _valid_key(key):
        raise HandshakeError(400, "missing or invalid Sec-WebSocket-Key")
    return Request(path=path, query=query, headers=headers, key=key)


def _parse_request_line(line: str) -> tuple[str, dict[str, str]]:
    parts = line.split(" ")
    if len(parts) != 3 or not parts[0] or not _TOKEN.fullmatch(parts[0]):
        raise HandshakeError(400, "malformed request line")
    method, target, version = parts
    if version != "HTTP/1.1":
        # RFC 6455 §4.1: the upgrade needs HTTP/1.1 (HTTP/2 and 3 use RFC 8441/9220 instead).
        raise HandshakeError(400, "WebSocket upgrade requires HTTP/1.1")
    if method != "GET":
        raise HandshakeError(405, "WebSocket upgrade requires GET", (("Allow", "GET"),))
    # Browsers percent-encode the target, so a non-ASCII byte or a control character means a
    # broken or hostile client, not a path to decode.
    if not target.startswith("/") or not target.isascii() or _BAD_VALUE.search(target):
        raise HandshakeError(400, "malformed request target")
    raw_path, _, raw_query = target.partition("?")
    query = {
        name: values[0]
        for name, values in parse_qs(raw_query, keep_blank_values=True).items()
    }
    return unquote(raw_path), query


def _parse_headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        # No whitespace before the colon and no obsolete line folding (RFC 9112 §5.1, §5.2).
        if not colon or not _TOKEN.fullmatch(name):
            raise HandshakeError(400, "malformed header line")
        value = value.strip(" \t")
        if _BAD_VALUE.search(value):
            raise HandshakeError(400, "control character in a header value")
        name = name.lower()
        previous = headers.get(name)
        headers[name] = value if previous is None else f"{previous}, {value}"
    return headers


def _tokens(value: str | None) -> set[str]:
    """The comma-separated, case-insensitive tokens of a header such as Connection."""
    if value is None:
        return set()
    return {token.strip(" \t").lower() for token in value.split(",")}


def _valid_key(key: str) -> bool:
    """RFC 6455 §4.2.1: the key is the base64 encoding of 16 (random) bytes."""
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def accept_response(key: str) -> bytes:
    """The 101 response completing the handshake for ``key``; no extension, no subprotocol."""
    accept = base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest())
    return (
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


def error_response(
    status: int, message: str, headers: tuple[tuple[str, str], ...] = ()
) -> bytes:
    """A complete plain-text HTTP/1.1 error response that closes the connection."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    body = message.encode()
    lines = [
        f"HTTP/1.1 {status} {phrase}",
        "content-type: text/plain; charset=utf-8",
        f"content-length: {len(body)}",
        "connection: close",
    ]
    for name, value in headers:
        # Headers we add are ours, but a CR/LF sneaking in would split the response.
        if not _TOKEN.fullmatch(name) or _BAD_VALUE.search(value):
            raise ValueError(f"invalid response header {name!r}")
        lines.append(f"{name}: {value}")
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body
