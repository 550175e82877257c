"""Conversions between store records and PostgreSQL rows (tuples, in the column order below).

JSON columns are ``jsonb`` written from msgspec-encoded Structs and read back as raw bytes (see
``raw_json``) straight into msgspec decoders, never through Python's ``json``. Times are
``timestamptz``: written as aware UTC datetimes (a naive one is taken to be UTC, as the SQLite
store does) and read back converted to UTC, whatever the session's TimeZone.
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

# The same columns, decoders and time rule as the SQLite store: one schema, two engines.
from server.store.rows import (
    COMMAND_COLUMNS,
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    OFFER_COLUMNS,
    PROPOSAL_COLUMNS,
    REVOCATION_COLUMNS,
    VERSION_COLUMNS,
    RowCodec,
    json_encoder,
    utc,
)

__all__ = [  # the column lists and ``utc`` are re-exported for the PG modules
    "COMMAND_COLUMNS", "DELIVERY_COLUMNS", "EVENT_COLUMNS", "OFFER_COLUMNS", "PG",
    "PROPOSAL_COLUMNS", "REVOCATION_COLUMNS", "VERSION_COLUMNS", "jsonb", "marks", "raw_json",
    "utc",
]


def marks(n: int) -> str:
    """``n`` comma-separated placeholders, for an INSERT's VALUES list."""
    return ", ".join(["%s"] * n)


def raw_json(data: str | bytes) -> bytes:
    """The jsonb loader installed on every connection: hand the text over undecoded."""
    return data.encode() if isinstance(data, str) else bytes(data)


def jsonb(value: object) -> Jsonb:
    return Jsonb(value, dumps=json_encoder.encode)


#: Records <-> PostgreSQL rows (see server/store/rows.py).
PG = RowCodec(json=jsonb, time=utc, read_time=utc)
