"""The single-node bus: there is no other node, so publishing goes nowhere."""

from __future__ import annotations

from server.bus.base import Handler, Kind, Link


class LocalLink:
    clustered = False

    def publish(
        self, kind: Kind, data: bytes, target: str | None = None, skip: str | None = None
    ) -> None:
        return None


class LocalBus:
    clustered = False

    def __init__(self, node_id: str = "local") -> None:
        self.node_id = node_id
        self._link = LocalLink()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        return True

    async def attach(self, offer_id: str, handler: Handler, replay_ms: int = 0) -> Link:
        return self._link

    async def detach(self, offer_id: str) -> None:
        return None

    def announce(
        self, offer_id: str, kind: Kind, data: bytes, target: str | None = None
    ) -> None:
        return None


class LocalBoard:
    """One node: nobody is elsewhere."""

    def arrived(self, offer_id: str, user_id: str) -> None:
        return None

    def departed(self, offer_id: str, user_id: str) -> None:
        return None

    async def elsewhere(self, offer_id: str, user_id: str) -> bool:
        return False

    def start(self) -> None:
        return None
