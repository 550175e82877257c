"""What the layers above a room do at its lifecycle points, given to the registry at construction.

In the spirit of Hocuspocus' extensions: the room knows when something happens, the negotiation
layer knows what it means. Nothing is attached to a room after it exists; a room without a
negotiation layer (the room tests, the benchmarks of the guard) gets ``NoHooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from server.bus.base import BusMessage
    from server.rooms.connection import Connection
    from server.rooms.room import Room
    from server.wire import AssistCommand, Command, ThreadCommand


class RoomHooks(Protocol):
    async def loaded(self, room: Room) -> None:
        """A room was loaded from the store, before anyone joins it (reconcile it here)."""

    def joined(self, room: Room, conn: Connection) -> None:
        """``conn`` joined and has the document's step 1 (replay what it missed here)."""

    def command(
        self, room: Room, conn: Connection, cmd: Command | ThreadCommand | AssistCommand
    ) -> None:
        """A negotiation, thread or assistant command from a connection; runs as its own task,
        never blocks."""

    def edited(self, room: Room) -> None:
        """The document changed by an edit (here or on another node): cheap, called per update
        (anything costly is to be debounced)."""

    def remote(self, room: Room, msg: BusMessage) -> None:
        """Another node's message the room does not handle itself ("state", "explain_done"),
        or the bus's "resync" after the room has re-read its document."""


class NoHooks:
    """A room on its own: commands are refused, nothing else happens."""

    async def loaded(self, room: Room) -> None:
        return None

    def joined(self, room: Room, conn: Connection) -> None:
        return None

    def command(
        self, room: Room, conn: Connection, cmd: Command | ThreadCommand | AssistCommand
    ) -> None:
        from server.wire import Error, app_frame

        conn.send(app_frame(Error(code="unsupported", message="commands are off here")))

    def edited(self, room: Room) -> None:
        return None

    def remote(self, room: Room, msg: BusMessage) -> None:
        return None
