"""An offer's lifetime set through OFFER_ROOM_LIMITS is the one its room counts down and keeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import OpenRoom, start_server
from harness import ServerProcess
from playwright.sync_api import expect


@pytest.fixture
def minute_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """Offers live one minute; the expiry sweep runs every second."""
    srv = start_server(tmp_path, {"OFFER_ROOM_LIMITS": '{"offer_ttl_minutes": 1}',
                                  "OFFER_ROOM_EXPIRY_SWEEP_SECONDS": "1"})
    yield srv
    srv.stop()


def test_the_expiry_countdown_reaches_zero_with_a_short_lifetime(
    minute_server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    before = datetime.now(UTC)
    offer = minute_server.create_offer()  # no expires_at: the configured lifetime
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    expires = datetime.fromisoformat(
        client.page.evaluate("() => window.offerRoom.od.meta().expires_at"))
    assert timedelta(seconds=50) < expires - before < timedelta(seconds=70)

    expiry = client.page.locator(".meta .expiry")
    # A minute from creation, not the default 30 days; under a minute by the time the page shows.
    expect(expiry).to_have_text(re.compile(r"^Expires in (1 minute|less than a minute)$"))
    client.shot(client.page.locator(".topbar"), str(artifacts / "lifetime-countdown.png"))
    expect(expiry).to_have_text("Expires in less than a minute", timeout=20_000)

    # The sweep expires it: both rooms turn read-only with the closed banner.
    for room in (client, freelancer):
        expect(room.closed_banner).to_contain_text("Expired", timeout=75_000)
        expect(room.field("Title")).to_be_disabled()
    expect(client.button("Undo")).to_be_disabled()
    client.shot(client.page.locator("body"), str(artifacts / "lifetime-expired.png"))
    assert client.errors == [] and freelancer.errors == []
