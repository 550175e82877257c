"""What one row of the CRDT log costs on SQLite: ``python bench/store_rows.py``.

Group commits of ``--rows`` updates (60 bytes each, spread over ``--offers`` offers) go through
the real ``SQLiteStore.append_updates`` on its writer thread, as the Flusher hands them over, and
the process's CPU time (the writer thread and the loop together) is divided by the rows
appended. ``--fold-rows`` sets how many rows the journal gathers before they move into the log
(``server/store/sqlite/journal.py``). Also prints the longest append (a fold, or a checkpoint of
the WAL). Issue 17 chose the group commit's linger and the fold's size with it: in bench scenario
(c) a 50 ms linger makes commits of ~200 rows, 20 ms of ~80.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.store.sqlite import SQLiteStore, journal  # noqa: E402
from tests.support.store_records import make_offer  # noqa: E402

#: Offers in turn: each commit's rows land on offers far apart, as rooms of a busy node do.
_STRIDE = 7


async def measure(rows: int, commits: int, offers: int) -> tuple[float, float]:
    """(process CPU µs per row, the longest append in ms) over ``commits`` group commits."""
    with tempfile.TemporaryDirectory() as tmp:
        async with SQLiteStore(Path(tmp) / "rows.db") as store:
            ids = [f"offer-{i:05d}-{'x' * 24}" for i in range(offers)]
            for offer_id in ids:
                await store.create_offer(make_offer(offer_id), b"")
            update = os.urandom(60)
            turn = 0

            def batch() -> list[tuple[str, bytes]]:
                nonlocal turn
                out = []
                for _ in range(rows):
                    turn += _STRIDE
                    out.append((ids[turn % offers], update))
                return out

            for _ in range(max(1, commits // 10)):  # warm: statements prepared, pages cached
                await store.append_updates(batch())
            longest = 0.0
            started = time.process_time()
            for _ in range(commits):
                rows_now = batch()
                at = time.perf_counter()
                await store.append_updates(rows_now)
                longest = max(longest, time.perf_counter() - at)
            spent = time.process_time() - started
    return 1e6 * spent / (rows * commits), 1e3 * longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200, help="rows per group commit")
    parser.add_argument("--commits", type=int, default=600)
    parser.add_argument("--offers", type=int, default=1000)
    parser.add_argument("--fold-rows", type=int, default=journal.FOLD_ROWS)
    args = parser.parse_args()
    journal.FOLD_ROWS = args.fold_rows
    per_row, longest = asyncio.run(measure(args.rows, args.commits, args.offers))
    print(f"{args.rows} rows per commit into {args.offers} offers, folding every "
          f"{args.fold_rows}: {per_row:.2f} µs of CPU per row; longest append {longest:.1f} ms")


if __name__ == "__main__":
    main()
