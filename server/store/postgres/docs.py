"""Offers, events and the CRDT log on PostgreSQL (functions of the engine, ``PgCore``).

Sequence numbers of the CRDT log are per offer and dense (1, 2, 3, ...), as in SQLite, and handed
out by the database, never from a node's memory: an appender locks the offer's ``doc_snapshots``
row, then reads the highest seq with a fresh statement (READ COMMITTED: it sees every commit that
released the lock before it). So every node appending to one offer takes turns, seqs are unique,
and a seq becomes visible only after every lower one of its offer — which a global sequence
(BIGSERIAL) would not give: there, seq 11 can commit before seq 10, a reader that saw 11 would
compact past 10, and 10 would be lost.
"""

from __future__ import annotations

from typing import Any

from server.store.base import (
    DocState,
    EventRecord,
    OfferExists,
    OfferNotFound,
    OfferRecord,
    VersionRecord,
)
from server.store.postgres import outbox as outbox_rows
from server.store.postgres.core import Conn, PgCore, insert_events, lock_offer
from server.store.postgres.rows import PG, marks
from server.store.rows import OFFER_COLUMNS, VERSION_COLUMNS, utc
from server.store.rules import Update, created_payload


async def create_offer(core: PgCore, offer: OfferRecord, first: VersionRecord, doc: bytes) -> None:
    async with core.transaction() as conn:
        # A concurrent insert of the same id waits for ours, then finds the conflict.
        cursor = await conn.execute(
            f"INSERT INTO offers ({OFFER_COLUMNS}) VALUES ({marks(10)}) "
            "ON CONFLICT (id) DO NOTHING RETURNING id",
            PG.offer_params(offer),
        )
        if await cursor.fetchone() is None:
            raise OfferExists(offer.id)
        await conn.execute(
            f"INSERT INTO versions ({VERSION_COLUMNS}) VALUES ({marks(8)})",
            PG.version_params(first),
        )
        await conn.execute(
            "INSERT INTO doc_snapshots (offer_id, data, upto_seq) VALUES (%s, %s, 0)",
            [offer.id, doc],
        )
        created = ("created", None, None, created_payload(offer))
        await insert_events(conn, offer.id, [created], utc(offer.created_at))


async def _lock_logs(conn: Conn, offer_ids: list[str]) -> dict[str, int]:
    """Lock the logs of ``offer_ids``; returns offer -> last seq, for the offers that exist.

    Locks are taken in id order, so two nodes' batches over the same offers never deadlock.
    """
    cursor = await conn.execute(
        "SELECT offer_id, upto_seq FROM doc_snapshots WHERE offer_id = ANY(%s) "
        "ORDER BY offer_id FOR UPDATE",
        [offer_ids],
    )
    upto = {str(offer_id): int(seq) for offer_id, seq in await cursor.fetchall()}
    if not upto:
        return upto
    # A new statement, so a new snapshot: it sees the rows of whoever held the locks before us.
    # (Compaction may have deleted the newest rows; upto_seq remembers them.)
    cursor = await conn.execute(
        "SELECT o, (SELECT MAX(seq) FROM doc_updates WHERE offer_id = o) "
        "FROM unnest(%s::text[]) AS o",
        [list(upto)],
    )
    return {str(o): max(upto[o], int(top or 0)) for o, top in await cursor.fetchall()}


async def append_updates(core: PgCore, batch: list[Update]) -> list[int | Exception]:
    """Every update in ``batch`` in a single transaction, in order."""
    outcomes: list[int | Exception] = []
    async with core.transaction() as conn:
        last = await _lock_logs(conn, sorted({offer_id for offer_id, _ in batch}))
        ids: list[str] = []
        seqs: list[int] = []
        datas: list[bytes] = []
        for offer_id, data in batch:
            if offer_id not in last:
                outcomes.append(OfferNotFound(offer_id))  # only this pair fails
                continue
            last[offer_id] += 1
            ids.append(offer_id)
            seqs.append(last[offer_id])
            datas.append(data)
            outcomes.append(last[offer_id])
        if ids:
            await conn.execute(
                "INSERT INTO doc_updates (offer_id, seq, data) "
                "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bytea[])",
                [ids, seqs, datas],
            )
    return outcomes


async def load_doc(core: PgCore, offer_id: str) -> DocState:
    # One statement, so one snapshot: a compaction committing meanwhile cannot make the log
    # read here start after the snapshot read here ends.
    found = await core.all(
        "WITH s AS (SELECT data, upto_seq FROM doc_snapshots WHERE offer_id = ?) "
        "SELECT NULL::bigint AS seq, data, upto_seq FROM s "
        "UNION ALL "
        "SELECT seq, data, NULL FROM doc_updates "
        "WHERE offer_id = ? AND seq > COALESCE((SELECT upto_seq FROM s), 0) "
        "ORDER BY seq NULLS FIRST",
        offer_id,
        offer_id,
    )
    snapshot: bytes | None = None
    upto = 0
    if found and found[0][0] is None:
        snapshot, upto = bytes(found[0][1]), int(found[0][2])
        found = found[1:]
    return DocState(
        snapshot=snapshot,
        updates=[bytes(row[1]) for row in found],
        last_seq=int(found[-1][0]) if found else upto,
    )


async def compact(core: PgCore, offer_id: str, snapshot: bytes, upto_seq: int) -> None:
    """Replace the snapshot and drop the log it covers (see ``Store.compact``).

    Under the log's lock, so two nodes compacting one offer take turns: the second sees the
    first's snapshot and keeps whichever covers more.
    """
    async with core.transaction() as conn:
        last = await _lock_logs(conn, [offer_id])
        if offer_id not in last:
            raise OfferNotFound(offer_id)
        if upto_seq > last[offer_id]:
            raise ValueError(
                f"{offer_id}: cannot compact up to {upto_seq}; last seq is {last[offer_id]}"
            )
        cursor = await conn.execute(
            "UPDATE doc_snapshots SET data = %s, upto_seq = %s "
            "WHERE offer_id = %s AND upto_seq <= %s",
            [snapshot, upto_seq, offer_id, upto_seq],
        )
        if cursor.rowcount == 0:
            # Stale: the stored snapshot already covers more, and the log rows this one would
            # still need are gone. Keeping the newer snapshot loses nothing.
            return
        await conn.execute(
            "DELETE FROM doc_updates WHERE offer_id = %s AND seq <= %s", [offer_id, upto_seq]
        )


async def append_event(
    core: PgCore,
    offer_id: str,
    kind: str,
    actor: str | None,
    reason: str | None,
    payload: dict[str, Any],
    outbox: bool,
) -> EventRecord:
    async with core.transaction() as conn:
        await lock_offer(conn, offer_id)
        now = utc(core.now())
        (event,) = await insert_events(conn, offer_id, [(kind, actor, reason, payload)], now)
        if outbox:
            await outbox_rows.enqueue(conn, [event], now)
    return event
