"""The cluster engine: offer-room on PostgreSQL shared by every node (``PostgresStore``).

Imported only for a ``postgresql://`` database URL (``server.store.open``): psycopg is an
optional extra, never loaded by a single-node server.
"""

from server.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
