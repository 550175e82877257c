"""Presence: Yjs awareness states owned by connections and stamped with the token's identity.

Wire format (y-protocols/awareness): varUint(count), then per entry varUint(clientID),
varUint(clock), varString(JSON state or "null"). The server keeps the table itself instead of using
pycrdt's Awareness because it must know which connection introduced each client id: a connection
may only set the states it introduced, and exactly those vanish the moment it closes.
"""

from __future__ import annotations

import json
from typing import Any

from server.wire import WireError, read_var_bytes, read_var_uint, var_bytes, write_var_uint


class AwarenessEntry:
    __slots__ = ("clock", "owner", "state")

    def __init__(self, clock: int, state: str | None, owner: object) -> None:
        self.clock = clock
        self.state = state  # stamped JSON, or None once removed
        self.owner = owner


class AwarenessLimit(WireError):
    """An awareness update past one of the table's bounds; nothing of it was applied."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


def decode_update(update: bytes, max_entries: int | None = None) -> list[tuple[int, int, str]]:
    """The (client id, clock, JSON) entries; with ``max_entries``, the count is checked before
    any entry is read."""
    entries: list[tuple[int, int, str]] = []
    count, pos = read_var_uint(update, 0)
    if max_entries is not None and count > max_entries:
        raise AwarenessLimit("awareness_entries",
                             f"an awareness update may carry at most {max_entries} states")
    for _ in range(count):
        client_id, pos = read_var_uint(update, pos)
        clock, pos = read_var_uint(update, pos)
        raw, pos = read_var_bytes(update, pos)
        try:
            entries.append((client_id, clock, raw.decode()))
        except UnicodeDecodeError as exc:
            raise WireError("awareness state is not UTF-8") from exc
    return entries


def encode_update(entries: list[tuple[int, int, str]]) -> bytes:
    out = bytearray(write_var_uint(len(entries)))
    for client_id, clock, state in entries:
        out += write_var_uint(client_id)
        out += write_var_uint(clock)
        out += var_bytes(state.encode())
    return bytes(out)


def stamp(raw_state: str, identity: dict[str, Any]) -> str | None:
    """The client's state with ``user`` replaced by the server's identity; None for 'removed'."""
    try:
        state = json.loads(raw_state)
    except (ValueError, RecursionError) as exc:  # deep nesting exhausts the parser's stack
        raise WireError("awareness state is not JSON") from exc
    if state is None:
        return None
    if not isinstance(state, dict):
        raise WireError("awareness state must be an object")
    state["user"] = identity
    if state.get("hidden"):
        # Privacy is enforced here, not trusted to the client: a hidden user shows no focus,
        # and does not show typing either.
        state["focus"] = None
        state["typing"] = False
    return json.dumps(state, separators=(",", ":"))


class AwarenessTable:
    """The room's presence states, bounded: entries in all, client ids per owner, state size.

    Defaults suit a room of 2 parties and a few viewers with a few tabs each; the bounds keep
    one participant from filling it (a million client ids once made every joiner's first
    frame 77 MB).
    """

    # One per room, thousands per node: no per-instance __dict__ (~100 bytes a room).
    __slots__ = ("entries", "max_entries", "max_per_owner", "max_state_bytes")

    def __init__(
        self, max_entries: int = 64, max_per_owner: int = 4, max_state_bytes: int = 4096
    ) -> None:
        self.entries: dict[int, AwarenessEntry] = {}
        self.max_entries = max_entries
        self.max_per_owner = max_per_owner
        self.max_state_bytes = max_state_bytes

    def apply(
        self, owner: object, update: bytes, identity: dict[str, Any], same_user: Any
    ) -> tuple[bytes | None, list[int]]:
        """Apply a connection's update; returns (update to broadcast or None, refused client ids).

        ``same_user(other_owner)`` says whether a client id held by another connection may pass
        to this one — a reconnecting browser keeps its client id while its old socket lingers.
        Raises AwarenessLimit, having applied nothing, for an update past a bound.
        """
        entries = decode_update(update, self.max_entries)
        self._check_bounds(owner, entries)
        accepted: list[tuple[int, int, str]] = []
        refused: list[int] = []
        for client_id, clock, raw in entries:
            entry = self.entries.get(client_id)
            if entry is not None and entry.owner is not owner and not same_user(entry.owner):
                # The stock provider re-sends every state it applies, other people's included,
                # at the clock it got: that echo is harmless. A newer clock is a forgery.
                if clock > entry.clock:
                    refused.append(client_id)
                continue
            state = stamp(raw, identity)
            if entry is not None and entry.owner is owner and clock < entry.clock:
                continue  # an out-of-date state
            if entry is None:
                entry = AwarenessEntry(clock, state, owner)
                self.entries[client_id] = entry
            entry.clock, entry.state, entry.owner = clock, state, owner
            accepted.append((client_id, clock, "null" if state is None else state))
        return (encode_update(accepted) if accepted else None), refused

    def _check_bounds(self, owner: object, entries: list[tuple[int, int, str]]) -> None:
        new: set[int] = set()
        for client_id, _clock, raw in entries:
            if len(raw) > self.max_state_bytes:  # characters: within 4x of bytes, cheap
                raise AwarenessLimit("awareness_state_bytes", f"a presence state may be at most "
                                     f"{self.max_state_bytes} bytes")
            if client_id not in self.entries:
                new.add(client_id)
        if not new:
            return
        if len(self.entries) + len(new) > self.max_entries:
            raise AwarenessLimit("awareness_entries", "this room has as many presence states "
                                 "as it keeps")
        owned = sum(1 for e in self.entries.values() if e.owner is owner)
        if owned + len(new) > self.max_per_owner:
            raise AwarenessLimit("awareness_ids", f"a connection may show at most "
                                 f"{self.max_per_owner} presence states")

    def apply_remote(self, update: bytes, owner: object) -> bytes | None:
        """States another node accepted (and stamped): kept as they are, newest clock wins."""
        accepted: list[tuple[int, int, str]] = []
        for client_id, clock, raw in decode_update(update, self.max_entries):
            entry = self.entries.get(client_id)
            if entry is not None and clock < entry.clock:
                continue
            if entry is None and len(self.entries) >= self.max_entries:
                continue  # each node bounds its own; together they must not pass the room's
            state = None if raw == "null" else raw
            if state is None:
                self.entries.pop(client_id, None)
            else:
                self.entries[client_id] = AwarenessEntry(clock, state, owner)
            accepted.append((client_id, clock, raw))
        return encode_update(accepted) if accepted else None

    def remove_owner(self, owner: object) -> bytes | None:
        """Drop every state the connection introduced; returns the removal to broadcast."""
        gone = [cid for cid, e in self.entries.items() if e.owner is owner]
        removal = []
        for cid in gone:
            entry = self.entries.pop(cid)
            removal.append((cid, entry.clock + 1, "null"))
        return encode_update(removal) if removal else None

    def full_update(self) -> bytes | None:
        live = [(cid, e.clock, e.state) for cid, e in self.entries.items() if e.state]
        return encode_update(live) if live else None

    def states(self) -> dict[int, dict[str, Any]]:
        return {cid: json.loads(e.state) for cid, e in self.entries.items() if e.state}
