"""Records, writes, a clock and append helpers shared by the store test suites (the contract on
both engines, and the SQLite- and PostgreSQL-specific ones)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec

from server.explain.flags import Flag
from server.offers.terms import Milestone, Party, Terms
from server.store.base import (
    CommandRecord,
    Decision,
    EventRecord,
    Expect,
    NewEvent,
    NewMessage,
    NotificationItem,
    OfferRecord,
    ProposalRecord,
    Store,
    VersionRecord,
    Write,
)

T0 = datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
TERMS = Terms(
    title="Landing page — ünïcode ✓",
    contract_type="fixed",
    currency="USD",
    fixed_price=150_000,
    start_date=date(2026, 4, 1),
    description="Design and build.\nTwo lines, 'quotes' and \"doubles\".",
    milestones=(Milestone(id="m1", title="Design", amount=50_000, due_date=date(2026, 4, 10)),),
)
RAISED = msgspec.structs.replace(TERMS, fixed_price=180_000)


class Clock:
    """A settable clock for the store: events and decisions get predictable times."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_offer(
    offer_id: str = "o1",
    *,
    created_at: datetime = T0,
    expires_at: datetime | None = None,
    status: str = "open",
    terms: Terms = TERMS,
) -> OfferRecord:
    return OfferRecord(
        id=offer_id,
        status=status,
        version=1,
        client=Party(id="c1", name="Carla"),
        freelancer=Party(id="f1", name="Femi"),
        created_at=created_at,
        expires_at=expires_at or created_at + timedelta(days=30),
        terms=terms,
    )


def proposal(
    pid: str = "p1", offer_id: str = "o1", *, by: str = "f1", at: datetime = T0
) -> ProposalRecord:
    return ProposalRecord(
        id=pid,
        offer_id=offer_id,
        by=by,
        by_role="freelancer" if by.startswith("f") else "client",
        base_version=1,
        terms=RAISED,
        created_at=at,
        note="more scope",
    )


def version(number: int = 2, offer_id: str = "o1", terms: Terms = RAISED) -> VersionRecord:
    return VersionRecord(
        offer_id=offer_id,
        number=number,
        terms=terms,
        created_at=T0,
        author="f1",
        accepted_by="c1",
        proposal_id="p1",
    )


def command(command_id: str, offer_id: str = "o1", kind: str = "propose") -> CommandRecord:
    return CommandRecord(
        offer_id=offer_id,
        command_id=command_id,
        actor="f1",
        kind=kind,
        result={"ok": True, "proposal": "p1"},
        at=T0,
    )


PROPOSE = Write(
    events=[NewEvent("proposed", actor="f1", payload={"proposal": "p1"})],
    proposal=proposal(),
    command=command("cmd-1"),
)
ACCEPT = Write(
    events=[NewEvent("proposal_accepted", actor="c1", payload={"version": 2})],
    decision=Decision("p1", "accepted", decided_by="c1"),
    version=version(),
)
WITHDRAW = Write(
    events=[NewEvent("proposal_withdrawn", actor="f1", reason="changed my mind")],
    decision=Decision("p1", "withdrawn", decided_by="f1", reason="changed my mind"),
)


async def propose(store: Store, *, outbox: bool = False) -> list[EventRecord]:
    return await store.commit("o1", Expect(version=1), PROPOSE, outbox=outbox)


def say(
    message_id: str,
    body: str = "Hello",
    *,
    by: str = "c1",
    kind: str = "message",
    about: str | None = None,
    reply_to: str | None = None,
    flags: list[Flag] | None = None,
) -> NewMessage:
    """A thread entry by ``by`` on an offer of ``make_offer`` (c… the client, f… the freelancer)."""
    return NewMessage(
        id=message_id,
        kind=kind,
        author=by,
        author_role="client" if by.startswith("c") else "freelancer",
        body=body,
        about=about,
        reply_to=reply_to,
        flags=flags or [],
    )


def note(i: int, at: datetime = T0, kind: str = "message") -> NotificationItem:
    """The ``i``-th item queued for a party in a test (its summary names it)."""
    return NotificationItem(kind, f"Carla: message {i}", at, n=i)


async def append_batch(store: Store, batch: list[tuple[str, bytes]]) -> list[int]:
    """Append a batch as the rooms' Flusher does (``append_updates``); its seqs, or the first
    pair's error raised."""
    seqs: list[int] = []
    for outcome in await store.append_updates(batch):
        if isinstance(outcome, Exception):
            raise outcome
        seqs.append(outcome)
    return seqs


async def append(store: Store, offer_id: str, update: bytes) -> int:
    """Append one update in a batch of its own; its seq, or its error raised."""
    (seq,) = await append_batch(store, [(offer_id, update)])
    return seq


#: Writes the store must refuse as a Conflict (writing nothing), once p1 is pending.
CONFLICTS = {
    "version": (Expect(version=2, pending="p1"), WITHDRAW),
    "status": (Expect(version=1, status="agreed", pending="p1"), WITHDRAW),
    "pending is another": (Expect(version=1, pending="p9"), WITHDRAW),
    "pending expected none": (Expect(version=1), Write(events=[NewEvent("viewed")])),
    "decision of a non-pending proposal": (
        Expect(version=1, pending="p1"),
        Write(events=[NewEvent("x")], decision=Decision("p0", "closed", None)),
    ),
    "command id reused": (
        Expect(version=1, pending="p1"),
        msgspec.structs.replace(WITHDRAW, command=command("cmd-1", kind="withdraw")),
    ),
}
