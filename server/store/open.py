"""Pick the Store a node runs on from its database URL (``OFFER_ROOM_DATABASE_URL``).

No URL (or ``sqlite:``) keeps the embedded single-node default, a SQLite file in the data
directory; ``sqlite:///path/to/file.db`` names another file. ``postgresql://`` (or
``postgres://``) selects the cluster store. psycopg is imported only then, so a single-node server
never loads it (it is an optional extra: ``offer-room[cluster]``).
"""

from __future__ import annotations

from pathlib import Path

from server.store.base import Store
from server.store.rules import Clock, utc_now

#: The SQLite file's name inside the data directory.
SQLITE_FILE = "offer-room.db"


def store_from_url(url: str | None, data_dir: Path, clock: Clock = utc_now) -> Store:
    """A new, unopened store for ``url``; ValueError for a scheme offer-room does not know.

    ``clock`` stamps what the store writes (the outcome simulation runs its own)."""
    url = (url or "").strip()
    scheme = url.partition(":")[0].lower() if ":" in url else url.lower()
    if not url or scheme == "sqlite":
        from server.store.sqlite import SQLiteStore

        return SQLiteStore(_sqlite_path(url, data_dir), clock=clock)
    if scheme in ("postgresql", "postgres"):
        from server.store.postgres import PostgresStore

        return PostgresStore(url, clock=clock)
    raise ValueError(
        f"unsupported database URL scheme {scheme!r}: use sqlite: (the default) or postgresql://"
    )


def _sqlite_path(url: str, data_dir: Path) -> Path:
    rest = url.partition(":")[2]
    if rest in ("", "//"):
        return data_dir / SQLITE_FILE
    if rest.startswith("///") and len(rest) > 3:
        return Path(rest[2:])  # sqlite:///abs/path.db -> /abs/path.db
    raise ValueError(f"{url!r}: write sqlite: (the data directory) or sqlite:///absolute/path.db")
