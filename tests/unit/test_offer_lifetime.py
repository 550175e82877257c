"""An offer's default lifetime from OFFER_ROOM_LIMITS: days, or minutes for tests and demos;
checked when the server starts, used by creation when no ``expires_at`` is given."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.config import ConfigError, load_config
from server.negotiation.creation import CreateOffer, PartyInput, create_offer
from server.offers.lifecycle import default_expiry
from server.offers.limits import Limits
from server.offers.terms import TermsInput
from server.store.sqlite import SQLiteStore

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def env_for(tmp_path: Path, limits: dict[str, object]) -> dict[str, str]:
    return {"OFFER_ROOM_DATA_DIR": str(tmp_path / "data"), "OFFER_ROOM_LIMITS": json.dumps(limits)}


def test_days_by_default_minutes_when_set() -> None:
    assert default_expiry(NOW, Limits()) == NOW + timedelta(days=30)
    assert default_expiry(NOW, Limits(offer_ttl_days=2)) == NOW + timedelta(days=2)
    assert default_expiry(NOW, Limits(offer_ttl_minutes=1)) == NOW + timedelta(minutes=1)
    # Minutes win over days, whatever the days say.
    assert Limits(offer_ttl_days=7, offer_ttl_minutes=90).offer_lifetime() == timedelta(minutes=90)


def test_lifetimes_from_the_environment(tmp_path: Path) -> None:
    assert load_config(env_for(tmp_path, {"offer_ttl_minutes": 1})).limits.offer_ttl_minutes == 1
    assert load_config(env_for(tmp_path, {"offer_ttl_days": 3})).limits.offer_lifetime() == \
        timedelta(days=3)


@pytest.mark.parametrize(("limits", "says"), [
    ({"offer_ttl_days": 0}, "offer_ttl_minutes"),
    ({"offer_ttl_days": -1}, "offer_ttl_days must be at least 1"),
    ({"offer_ttl_minutes": 0}, "offer_ttl_minutes must be at least 1"),
    ({"offer_ttl_minutes": 60 * 24 * 2, "offer_max_days": 1}, "must not exceed offer_max_days"),
    ({"offer_ttl_days": 40, "offer_max_days": 30}, "must not exceed offer_max_days"),
    ({"offer_ttl_minutes": 1.5}, "OFFER_ROOM_LIMITS"),
    ({"offer_max_days": 0}, "offer_max_days must be at least 1"),
])
def test_a_lifetime_that_cannot_work_is_refused_at_start(
        tmp_path: Path, limits: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_config(env_for(tmp_path, limits))


def _body(expires_at: datetime | None = None) -> CreateOffer:
    terms = TermsInput(title="Logo", contract_type="fixed", currency="EUR", fixed_price=50_000)
    return CreateOffer(terms=terms, client=PartyInput(id="c1", name="Ada"),
                       freelancer=PartyInput(id="f1", name="Linus"), expires_at=expires_at)


async def test_creation_uses_the_configured_lifetime(tmp_path: Path) -> None:
    config = load_config(env_for(tmp_path, {"offer_ttl_minutes": 1}))
    async with SQLiteStore(tmp_path / "offers.db") as store:
        before = datetime.now(UTC)
        created = await create_offer(store, config, _body())
        offer = await store.get_offer(created.id)
        assert offer is not None
        left = offer.expires_at - before
        assert timedelta(seconds=55) <= left <= timedelta(seconds=65), left
        # An explicit expiry still wins.
        later = datetime.now(UTC) + timedelta(days=3)
        created = await create_offer(store, config, _body(later))
        offer = await store.get_offer(created.id)
        assert offer is not None and abs(offer.expires_at - later) < timedelta(seconds=1)
