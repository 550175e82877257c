"""An in-memory Channel for driving Connections and Rooms without sockets."""

from __future__ import annotations


class MemoryChannel:
    """Records what a connection wrote; ``backlog`` plays the bytes a slow peer has not read."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.closed_with: tuple[int, str] | None = None
        self.backlog = 0

    @property
    def closed(self) -> bool:
        return self.closed_with is not None

    def write(self, frame: bytes) -> None:
        assert self.closed_with is None, "a connection wrote after closing its channel"
        self.frames.append(frame)

    def buffered(self) -> int:
        return self.backlog

    def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)
