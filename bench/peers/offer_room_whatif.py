"""What-if variant of offer-room: the tree under test unchanged, plus TCP_NODELAY.

Run from an offer-room source tree: ``python bench/peers/offer_room_whatif.py serve ...``.
- ``BENCH_NODELAY=1``: TCP_NODELAY on the listening socket. Linux copies it to every accepted
  socket. Without it, a second small frame written before the first is acknowledged waits for the
  client's delayed ACK (~40 ms): `hello` then step1 on every join, or two frames fanned out to one
  client back to back.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

_bind = socket.socket.bind


def _bind_nodelay(self: socket.socket, address: Any) -> None:
    if self.type == socket.SOCK_STREAM and self.family in (socket.AF_INET, socket.AF_INET6):
        self.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _bind(self, address)


if __name__ == "__main__":
    if os.environ.get("BENCH_NODELAY") == "1":
        socket.socket.bind = _bind_nodelay  # type: ignore[method-assign,assignment]
    sys.path.insert(0, os.getcwd())  # the offer-room tree under test, not this directory
    from server.cli import main

    main(sys.argv[1:])
