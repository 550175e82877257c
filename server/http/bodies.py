"""Request bodies, bounded before they are read, and decoded without ever answering 500.

Each endpoint names its own limit, far below the node-wide cap (``Config.body_bytes``, enforced in
the HTTP protocol): the declared ``Content-Length`` is checked first, then the body is streamed
with a running total, so a 50 MB upload is refused after at most one limit's worth of bytes has
been buffered. POST bodies must be ``application/json``: that is not a "simple" content type, so
a cross-site form or ``text/plain`` fetch cannot reach a handler without a CORS preflight, which
this server never answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

import msgspec
from starlette.requests import ClientDisconnect, Request

from server.http.errors import ApiError
from server.http.services import Services
from server.metrics import Metrics

T = TypeVar("T")

_KIB = 1024

#: Creating an offer: the largest valid offer (a 20,000-character scope, 50 milestones titled in
#: 200 characters) is ~125 KB as UTF-8 and ~185 KB with every character \u-escaped (Python's
#: json.dumps default); 256 KiB holds either.
CREATE_OFFER_BYTES = 256 * _KIB
#: Minting a token (a role, a party id of 128 and a name of 100 characters, a ttl) or naming a
#: revocation (one of our JWTs: under 4.5 KB even with every character of the name and id
#: \u-escaped as an astral one); 8 KiB holds either.
SMALL_BYTES = 8 * _KIB
#: A negotiation command: ids, versions and at most a 2,000-character note or reason (24,000
#: bytes when every character is an escaped astral one); 64 KiB leaves room to spare.
COMMAND_BYTES = 64 * _KIB

_MEDIA_TYPE = "application/json"


async def read_body(request: Request, limit: int, services: Services, counter: str) -> bytes:
    """The body of a JSON POST, at most ``limit`` bytes; raises ApiError (413, 415, 400).

    ``counter`` names this endpoint's bound in ``offer_room_limit_hits_total``.
    """
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != _MEDIA_TYPE:
        services.metrics.limit_hit("content_type")
        raise ApiError(415, "unsupported_media_type",
                       f"send the body as {_MEDIA_TYPE} (Content-Type: {_MEDIA_TYPE})")
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise await _too_large(request.stream(), 0, declared, limit, services, counter)
    stream = request.stream()
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in stream:
            total += len(chunk)
            if total > limit:  # a chunked body, or a Content-Length that lied
                raise await _too_large(stream, total, declared, limit, services, counter)
            chunks.append(chunk)
    except ClientDisconnect as exc:  # nobody is left to answer; not a server error either
        raise ApiError(400, "bad_request", "the client hung up mid-body") from exc
    return b"".join(chunks)


def _declared_length(request: Request) -> int | None:
    """The Content-Length header as a number (None when absent; 400 when not a number)."""
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    declared = declared.strip()
    if not declared.isascii() or not declared.isdigit():
        raise ApiError(400, "bad_request", "Content-Length is not a number")
    digits = declared.lstrip("0") or "0"
    # Length first: int() of a 5,000-digit header would itself be work (and raise).
    return int(digits) if len(digits) <= 18 else 10**18


async def _too_large(rest: AsyncIterator[bytes], read: int, declared: int | None, limit: int,
                     services: Services, counter: str) -> ApiError:
    """The 413 for a body over ``limit``, of which ``read`` bytes have been read.

    A body within the node's cap (``Config.body_bytes``) is read to its end and dropped, chunk by
    chunk, so the answer reaches the client and the connection stays usable: closing a socket
    with unread bytes in it makes the kernel reset the connection, and the client loses the 413.
    A larger body is not worth reading: the answer closes the connection.
    """
    services.metrics.limit_hit(counter)
    error = ApiError(413, "too_large", f"this request body is limited to {limit} bytes")
    budget = services.config.body_bytes
    if declared is not None and declared > budget:
        error.headers = {"Connection": "close"}
        return error
    try:
        async for chunk in rest:  # bounded: at most ``budget`` bytes are read
            read += len(chunk)
            if read > budget:
                error.headers = {"Connection": "close"}
                break
    except ClientDisconnect:
        pass
    return error


def decode_json(raw: bytes, decoder: msgspec.json.Decoder[T], metrics: Metrics) -> T:
    """``raw`` as the decoder's type: 400 ``bad_json`` for malformed or too deeply nested JSON,
    422 ``invalid`` for JSON of the wrong shape."""
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise ApiError(422, "invalid", str(exc)) from exc
    except msgspec.DecodeError as exc:
        raise ApiError(400, "bad_json", f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        # msgspec recurses once per nesting level of untyped or skipped values and stops at
        # Python's recursion limit (~1,000): no request of ours nests deeper than 4.
        metrics.limit_hit("json_depth")
        raise ApiError(400, "bad_json", "the body's JSON is nested too deeply") from exc


async def read_json(request: Request, decoder: msgspec.json.Decoder[T], limit: int,
                    services: Services, counter: str) -> T:
    """A bounded JSON POST body decoded by ``decoder`` (see ``read_body`` and ``decode_json``)."""
    raw = await read_body(request, limit, services, counter)
    return decode_json(raw, decoder, services.metrics)
