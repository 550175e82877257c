"""How PostgreSQL rows hold values (``PG``, a ``server.store.rows.RowCodec``).

JSON columns are ``jsonb`` written from msgspec-encoded Structs and read back as raw bytes (see
``raw_json``) straight into msgspec decoders, never through Python's ``json``. Times are
``timestamptz``: written as aware UTC datetimes (a naive one is taken to be UTC, as the SQLite
engine does) and read back converted to UTC, whatever the session's TimeZone.
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

from server.store.rows import RowCodec, json_encoder, utc


def marks(n: int) -> str:
    """``n`` comma-separated placeholders, for an INSERT's VALUES list."""
    return ", ".join(["%s"] * n)


def raw_json(data: str | bytes) -> bytes:
    """The jsonb loader installed on every connection: hand the text over undecoded."""
    return data.encode() if isinstance(data, str) else bytes(data)


def jsonb(value: object) -> Jsonb:
    return Jsonb(value, dumps=json_encoder.encode)


PG = RowCodec(json=jsonb, time=utc, read_time=utc)
