"""The offer's Y.Doc layout: seeding from terms, reading them back, replacing a draft minimally."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from msgspec.structs import replace
from pycrdt import Doc

from server.crdt.layout import PARTY_ROOTS, SERVER_ROOTS, OfferDoc
from server.offers.checks import TermsInvalid
from server.offers.limits import Limits
from server.offers.terms import Milestone, Terms

LIMITS = Limits()
HOURLY = Terms(
    title="Support engineer",
    contract_type="hourly",
    currency="EUR",
    hourly_rate=4500,
    weekly_limit=20,
    manual_time=True,
    start_date=date(2026, 12, 1),
    description="Answer tickets — in English and Français.",
)
FIXED = Terms(
    title="Landing page",
    contract_type="fixed",
    currency="USD",
    fixed_price=150_000,
    start_date=date(2026, 12, 1),
    end_date=date(2027, 1, 31),
    description="Design and build the landing page.",
    milestones=(
        Milestone(id="m1", title="Design", amount=50_000, due_date=date(2026, 12, 15)),
        Milestone(id="m2", title="Build", amount=100_000, due_date=date(2027, 1, 31)),
    ),
)


def seeded(terms: Terms) -> OfferDoc:
    odoc = OfferDoc(Doc())
    odoc.seed(terms, {"status": "open", "version": 1, "expires_at": "2026-12-25T00:00:00Z"})
    return odoc


def replica_of(odoc: OfferDoc) -> OfferDoc:
    copy = OfferDoc(Doc())
    copy.doc.apply_update(odoc.doc.get_update())
    return copy


@pytest.mark.parametrize("terms", [HOURLY, FIXED], ids=["hourly", "fixed"])
def test_seed_then_read_terms_round_trips(terms: Terms) -> None:
    odoc = seeded(terms)
    assert odoc.read_terms(LIMITS) == terms
    # A replica built from the binary state reads the same terms (numbers arrive as floats).
    assert replica_of(odoc).read_terms(LIMITS) == terms


def test_seed_fills_offer_meta_and_committed() -> None:
    odoc = seeded(FIXED)
    meta = replica_of(odoc).offer_meta()
    assert meta["version"] == 1 and isinstance(meta["version"], int)
    assert meta["status"] == "open"
    committed = odoc.committed.to_py() or {}
    assert committed["fixed_price"] == 150_000
    assert committed["milestones"][1]["due_date"] == "2027-01-31"
    assert odoc.changed_by.to_py() == {} and odoc.proposal.to_py() == {}


def test_optional_fields_absent_from_the_doc_read_as_none() -> None:
    odoc = seeded(FIXED)
    raw, _, _ = odoc.raw_terms()
    assert "hourly_rate" not in raw and "weekly_limit" not in raw
    assert raw["manual_time"] is False


@pytest.mark.parametrize("value", [float("nan"), float("inf"), None, b"\x01\x02", 2**60, 12.5])
@pytest.mark.parametrize("where", ["terms", "milestone"])
def test_a_draft_reads_what_the_doc_holds_even_where_json_could_not_say_it(
    value: Any, where: str
) -> None:
    """The draft is read as yrs's JSON, which writes NaN, infinity and undefined as null and
    bytes as a list of numbers: such a value must still read as what it is."""
    odoc = seeded(FIXED)
    if where == "terms":
        odoc.terms["fixed_price"] = value
    else:
        odoc.milestones[0]["amount"] = value
    raw, description, milestones = odoc.raw_terms()
    expected = (odoc.terms.to_py(), str(odoc.description), odoc.milestones.to_py())
    shown = (raw, description, milestones)
    assert repr(shown) == repr(expected) or shown == expected
    got = raw["fixed_price"] if where == "terms" else milestones[0]["amount"]
    want = expected[0]["fixed_price"] if where == "terms" else expected[2][0]["amount"]
    assert type(got) is type(want)


def test_roots_are_the_documented_layout() -> None:
    assert set(OfferDoc().roots()) == set(PARTY_ROOTS) | set(SERVER_ROOTS)
    assert set(PARTY_ROOTS).isdisjoint(SERVER_ROOTS)


def test_read_terms_raises_on_an_invalid_draft() -> None:
    odoc = seeded(HOURLY)
    odoc.terms["hourly_rate"] = 12.5
    del odoc.terms["currency"]
    with pytest.raises(TermsInvalid) as info:
        odoc.read_terms(LIMITS)
    assert {e.field for e in info.value.errors} == {"hourly_rate", "currency"}


class Recorder:
    """Keeps what write_terms did to the terms map and the description text."""

    def __init__(self, odoc: OfferDoc) -> None:
        self.keys: dict[str, Any] = {}
        self.deltas: list[list[dict[str, Any]]] = []
        self.updates: list[bytes] = []
        self._subs = [
            odoc.terms.observe(self._on_terms),
            odoc.description.observe(self._on_text),
            odoc.doc.observe(lambda e: self.updates.append(e.update)),
        ]

    def _on_terms(self, event: Any) -> None:
        self.keys.update(event.keys)

    def _on_text(self, event: Any) -> None:
        self.deltas.append(event.delta)


def test_write_terms_edits_only_the_differing_middle_of_the_description() -> None:
    odoc = seeded(FIXED)
    seen = Recorder(odoc)
    with odoc.doc.transaction():
        odoc.write_terms(replace(FIXED, description="Design and build the pricing page."))
    assert seen.deltas == [[{"retain": 21}, {"delete": 4}, {"insert": "pric"}]]
    assert str(odoc.description) == "Design and build the pricing page."
    assert seen.keys == {}


def test_write_terms_touches_only_changed_keys_and_drops_cleared_ones() -> None:
    odoc = seeded(HOURLY)
    seen = Recorder(odoc)
    switched = replace(HOURLY, contract_type="fixed", hourly_rate=None, weekly_limit=None,
                       fixed_price=80_000)
    with odoc.doc.transaction():
        odoc.write_terms(switched)
    assert set(seen.keys) == {"contract_type", "hourly_rate", "weekly_limit", "fixed_price"}
    assert seen.keys["hourly_rate"]["action"] == "delete"
    assert seen.deltas == []
    assert odoc.read_terms(LIMITS) == switched


def test_write_terms_with_the_same_terms_changes_nothing() -> None:
    odoc = seeded(FIXED)
    seen = Recorder(odoc)
    with odoc.doc.transaction():
        odoc.write_terms(FIXED)
    assert seen.updates == []


def test_write_terms_replaces_milestones_and_replicas_follow() -> None:
    odoc = seeded(FIXED)
    peer = replica_of(odoc)
    before = odoc.doc.get_state()
    fewer = replace(FIXED, milestones=(Milestone(id="m3", title="All", amount=150_000),))
    with odoc.doc.transaction():
        odoc.write_terms(fewer)
    peer.doc.apply_update(odoc.doc.get_update(before))
    assert peer.read_terms(LIMITS) == fewer
    assert peer.milestones.to_py() == [{"id": "m3", "title": "All", "amount": 150_000}]



def test_handles_share_read_only_event_stream_stand_ins() -> None:
    # Memory per room: pycrdt's per-handle async event streams are replaced by one shared,
    # read-only stand-in; using events() must fail loudly rather than share state between docs.
    first, second = OfferDoc(), OfferDoc()
    assert first.terms._send_streams is second.description._send_streams  # type: ignore[attr-defined]
    with pytest.raises((TypeError, AttributeError)):
        first.terms.events()
