"""One offer's outcome from its event log, and the tally by variant (server/reports/outcomes.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from server.experiments import parse_variants
from server.offers.terms import Party
from server.reports.outcomes import OfferOutcome, Tally, offer_outcome
from server.reports.report import build_report
from server.store.base import EventRecord, OfferRecord
from tests.support.store_records import TERMS

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _offer(variant: str = "assist", start: date | None = date(2026, 11, 16)) -> OfferRecord:
    return OfferRecord(id="o1", status="open", version=1, client=Party(id="c", name="C"),
                       freelancer=Party(id="f", name="F"), created_at=T0,
                       expires_at=T0 + timedelta(days=30),
                       terms=msgspec.structs.replace(TERMS, start_date=start), variant=variant)


def _events(*steps: tuple[float, str, str | None, dict[str, Any]]) -> list[EventRecord]:
    return [EventRecord(offer_id="o1", seq=i, kind=kind, at=T0 + timedelta(hours=h), actor=actor,
                        payload=payload)
            for i, (h, kind, actor, payload) in enumerate(steps, start=1)]


def test_an_offer_agreed_after_a_counter_offer() -> None:
    outcome = offer_outcome(_offer(), _events(
        (0, "created", None, {"version": 1, "variant": "assist"}),
        (5, "proposed", "f", {"proposal_id": "p1"}),
        (8, "proposal_rejected", "c", {"proposal_id": "p1", "reason_code": "budget"}),
        (9, "proposed", "c", {"proposal_id": "p2"}),
        (20, "proposal_accepted", "f", {"proposal_id": "p2"}),
        (21, "offer_accepted", "f", {"version": 2}),
        (30, "satisfaction_rated", "c", {"role": "client", "score": 10}),
        (31, "satisfaction_rated", "f", {"role": "freelancer", "score": 6}),
    ))
    assert outcome.status == "agreed" and outcome.closed_at == T0 + timedelta(hours=21)
    assert outcome.proposals == (1, 1)
    # The freelancer answered the offer after 5 h and the client's proposal after 11 h; the
    # client answered the freelancer's after 3 h.
    assert sorted(outcome.responses) == [("client", 3.0), ("freelancer", 5.0),
                                         ("freelancer", 11.0)]
    assert outcome.reasons == (("rejected", "budget"),)
    assert outcome.start_days == 14.0  # 2 November to 16 November
    assert outcome.ratings == (("client", 10), ("freelancer", 6))


def test_withdrawn_declined_and_expired_keep_their_reasons_and_turn() -> None:
    withdrawn = offer_outcome(_offer(), _events(
        (0, "created", None, {}), (2, "offer_withdrawn", "c", {"reason_code": "terms"})))
    assert (withdrawn.status, withdrawn.reasons) == ("withdrawn", (("withdrawn", "terms"),))
    assert withdrawn.start_days is None  # only an agreed start date counts
    declined = offer_outcome(_offer(), _events((0, "created", None, {}),
                                               (2, "offer_declined", "f", {})))
    assert declined.reasons == (("declined", "unspecified"),)  # an older call, no category
    expired = offer_outcome(_offer(), _events(
        (0, "created", None, {}), (3, "proposed", "f", {}),
        (720, "offer_expired", None, {"turn": "client"})))
    assert (expired.status, expired.expired_turn) == ("expired", "client")
    assert expired.responses == (("freelancer", 3.0),)  # the client never answered


def _outcome(status: str, age_days: float, now: datetime, closed_after_days: float | None = None
             ) -> OfferOutcome:
    created = now - timedelta(days=age_days)
    closed = None if closed_after_days is None else created + timedelta(days=closed_after_days)
    return OfferOutcome(variant="assist", status=status, created_at=created, closed_at=closed,
                        start_days=10.0 if status == "agreed" else None, proposals=(0, 1),
                        responses=(), reasons=(), expired_turn=None, ratings=())


def test_acceptance_within_seven_days_leaves_young_open_offers_out() -> None:
    now = T0 + timedelta(days=60)
    tally = Tally(parse_variants('{"control": {}, "assist": {}}'), now)
    tally.add(_outcome("agreed", 20, now, 2))       # agreed in time
    tally.add(_outcome("agreed", 20, now, 9))       # agreed, but after the week
    tally.add(_outcome("open", 10, now))            # its week is over: a "no"
    tally.add(_outcome("open", 3, now))             # still undecided: not counted
    tally.add(_outcome("withdrawn", 2, now, 1))     # closed: a "no", young or not
    report = build_report(tally, T0, now, False)
    assert report.baseline == "assist"  # the configured baseline has no offers here
    (arm,) = report.variants
    assert (arm.accepted_7d.count, arm.accepted_7d.n) == (1, 4)
    assert (arm.agreed.count, arm.agreed.n) == (2, 3)
    assert arm.agreed_after_counter.count == 2
    assert arm.status["open"] == 2 and report.comparisons == []
