"""The embedded engine: offer-room on one SQLite file (``SQLiteStore``)."""

from server.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
