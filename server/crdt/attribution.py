"""The entries of the server-only ``changed_by`` root (docs/PROTOCOL.md, "The document").

Each field maps to the list of everyone who changed it since the last commit, in the order they
first did (``[{id, name, role, color?}, …]``). Docs written before the list kept one identity per
field (a plain ``{id, …}`` object): both shapes read the same, and the next write turns the old
one into a list. The root is cleared on every commit, so a list holds at most one entry per person
who can edit (the two parties); ``MAX_CHANGERS`` bounds it anyway.
"""

from __future__ import annotations

from typing import Any

#: The most identities one field's entry keeps (a party with many accounts cannot grow it).
MAX_CHANGERS = 8


def changers(value: object) -> list[dict[str, Any]]:
    """The identities of one ``changed_by`` entry, either shape; malformed parts are skipped."""
    items = value if isinstance(value, list) else [value]
    return [dict(v) for v in items if isinstance(v, dict) and isinstance(v.get("id"), str)]


def changer_ids(value: object) -> frozenset[str]:
    return frozenset(v["id"] for v in changers(value))


def with_changer(value: object, identity: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The entry with ``identity`` added last, or None when it already names them."""
    current = changers(value)
    if any(v["id"] == identity.get("id") for v in current):
        return None
    if len(current) >= MAX_CHANGERS:
        current = current[: MAX_CHANGERS - 1]
    return [*current, dict(identity)]
