"""The CRDT log's journal on SQLite: where group commits append, and how it joins the log.

``doc_updates`` is keyed by (offer, seq), so each row a group commit appends lands on its own
offer's page of that key: a commit carrying forty offers' updates dirtied about forty pages and
wrote every one of them to the WAL (in bench scenario (b), ~1.8 ``pwrite`` calls per edit, issue
17). ``doc_journal`` has no key but its rowid, so a commit's rows go to the end of one table: a
page or two per commit, whatever the number of offers.

Rows move into ``doc_updates`` in bulk (``fold``), sorted by offer and seq, so each offer's page
is written once per fold for all of its rows:

- by an append, once this process has journaled ``FOLD_ROWS`` rows since its last fold;
- before anything reads the log (loading a room, compacting, finding the seq an offer's first
  append continues from), so every reader sees the whole log in one table;
- when the store opens (what a crash left behind) and when it closes.

A fold is two statements in one transaction, so a row is always in exactly one of the tables.
The journal holds at most ``FOLD_ROWS`` rows per process writing the file (the workers of a
node), plus one batch.
"""

from __future__ import annotations

import sqlite3

#: Rows this process may journal before an append folds them into ``doc_updates``: a fold of
#: this many takes a few milliseconds on the writer thread; more buys little (a SQLite
#: microbenchmark: ~4.4 µs per row at 1,024, ~3.7 at 4,096, against ~6.8 appending straight
#: to ``doc_updates``).
FOLD_ROWS = 4096

APPEND = "INSERT INTO doc_journal (offer_id, seq, data) VALUES (?, ?, ?)"

# Rows of an offer deleted meanwhile have nowhere to go (``doc_updates`` references ``offers``):
# they are dropped with the rest, as ON DELETE CASCADE would have dropped them from the log.
_MOVE = (
    "INSERT INTO doc_updates (offer_id, seq, data) "
    "SELECT offer_id, seq, data FROM doc_journal "
    "WHERE offer_id IN (SELECT id FROM offers) ORDER BY offer_id, seq"
)
_EMPTY = "DELETE FROM doc_journal"
_ANY = "SELECT 1 FROM doc_journal LIMIT 1"


def fold(conn: sqlite3.Connection) -> None:
    """Move every journaled row into ``doc_updates``; call inside a write transaction."""
    conn.execute(_MOVE)
    conn.execute(_EMPTY)


def pending(conn: sqlite3.Connection) -> bool:
    """Whether any row (this process's or another's) waits in the journal."""
    return conn.execute(_ANY).fetchone() is not None
