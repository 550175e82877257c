"""How SQLite rows hold values (``SQLITE``, a ``server.store.rows.RowCodec``).

JSON is msgspec-encoded TEXT. Times are ISO-8601 UTC text of fixed width (microseconds,
``+00:00``), so text order is time order: the schema's indexes on times sort correctly.
"""

from __future__ import annotations

from datetime import datetime

from server.store.rows import RowCodec, json_encoder, utc


def to_json(value: object) -> str:
    return json_encoder.encode(value).decode()


def to_text(moment: datetime) -> str:
    return utc(moment).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


SQLITE = RowCodec(json=to_json, time=to_text, read_time=from_text)
