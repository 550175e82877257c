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


def decode_update(update: bytes) -> list[tuple[int, int, str]]:
    entries: list[tuple[int, int, str]] = []
    count, pos = read_var_uint(update, 0)
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
    except ValueError as exc:
        raise WireError("awareness state is not JSON") from exc
    if state is None:
        return None
    if not isinstance(state, dict):
        raise WireError("awareness state must be an object")
    state["user"] = identity
    if state.get("hidden"):
        # Privacy is enforced here, not trusted to the client: a hidden user shows no focus.
        state["focus"] = None
    return json.dumps(state, separators=(",", ":"))


class AwarenessTable:
    def __init__(self) -> None:
        self.entries: dict[int, AwarenessEntry] = {}

    def apply(
        self, owner: object, update: bytes, identity: dict[str, Any], same_user: Any
    ) -> tuple[bytes | None, list[int]]:
        """Apply a connection's update; returns (update to broadcast or None, refused client ids).

        ``same_user(other_owner)`` says whether a client id held by another connection may pass
        to this one — a reconnecting browser keeps its client id while its old socket lingers.
        """
        accepted: list[tuple[int, int, str]] = []
        refused: list[int] = []
        for client_id, clock, raw in decode_update(update):
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

    def apply_remote(self, update: bytes, owner: object) -> bytes | None:
        """States another node accepted (and stamped): kept as they are, newest clock wins."""
        accepted: list[tuple[int, int, str]] = []
        for client_id, clock, raw in decode_update(update):
            entry = self.entries.get(client_id)
            if entry is not None and clock < entry.clock:
                continue
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
