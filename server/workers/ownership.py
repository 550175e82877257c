"""Which worker owns an offer, and which request heads name one.

Without Redis the workers of a node share nothing but the SQLite file, so an offer's live room
must exist on one worker only: its owner. Ownership is a stable hash of the offer id (CRC-32, the
same in every process, unlike ``hash``) modulo the number of workers, so every worker computes
the same owner without asking anyone.
"""

from __future__ import annotations

import zlib
from urllib.parse import unquote

#: Path prefixes whose next segment is an offer id: the socket, the REST API, the room page.
#: ``/api/offers`` alone (creating an offer) names none and is served where it lands.
_SCOPED = (("ws", "offers"), ("api", "offers"), ("offers",))


def owner_of(offer_id: str, workers: int) -> int:
    """The index of the worker that owns ``offer_id`` among ``workers``."""
    return zlib.crc32(offer_id.encode()) % workers


def offer_in_target(target: bytes) -> str | None:
    """The offer id a request target names (``/ws/offers/{id}``, ``/api/offers/{id}/...``,
    ``/offers/{id}``), or None. Decoded as the router decodes it, so a percent-encoded id goes
    to the same owner as the plain one."""
    if not target.startswith(b"/"):
        # absolute-form (``http://host/path``): the path starts at the first slash after "//".
        scheme_end = target.find(b"://")
        if scheme_end < 0:
            return None
        slash = target.find(b"/", scheme_end + 3)
        if slash < 0:
            return None
        target = target[slash:]
    path = target.split(b"?", 1)[0].split(b"#", 1)[0]
    segments = unquote(path.decode("latin-1")).split("/")[1:]
    for prefix in _SCOPED:
        size = len(prefix)
        if tuple(segments[:size]) == prefix and len(segments) > size and segments[size]:
            return segments[size]
    return None


def offer_in_head(head: bytes) -> str | None:
    """The offer id named by a complete request head's request line, or None (a malformed
    line is left to the HTTP parser to refuse)."""
    line = head[:head.find(b"\r\n")]
    parts = line.split(b" ")
    if len(parts) != 3:
        return None
    return offer_in_target(parts[1])
