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

#: Rows this process may journal before an append folds them into ``doc_updates``. A fold
#: writes one page of the log's key per offer it carries, however many of that offer's rows it
#: moves, so the more rows a fold moves the fewer pages each costs. Group commits of 200 rows
#: into 1,000 offers, on the writer thread and the loop together (issue 17): 8.2 to 8.4 µs per row
#: folding every 4,096 rows, 6.7 every 16,384, 6.3 every 32,768. A fold of 16,384 rows takes
#: ~45 ms of the writer thread (the loop goes on meanwhile: SQLite runs it without the GIL); a
#: room's load that finds the journal full waits that long for it.
FOLD_ROWS = 16_384

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
