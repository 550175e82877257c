"""The connection indicator follows the server going away and coming back; offline edits sync."""

from __future__ import annotations

from conftest import ARTIFACTS, OpenRoom
from harness import DESCRIPTION, ServerProcess
from playwright.sync_api import expect


def test_server_restart_and_offline_edit(own_server: ServerProcess, open_room: OpenRoom) -> None:
    offer = own_server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])

    own_server.stop()
    # A short drop is not worth a banner: still "Live" for the first few seconds...
    client.page.wait_for_timeout(1500)
    expect(client.conn).to_have_attribute("data-state", "connected")
    # ...then the indicator and the banner say so.
    expect(client.conn).to_have_attribute("data-state", "reconnecting", timeout=10_000)
    expect(client.conn).to_have_text("Reconnecting…")
    expect(client.page.locator(".banner-warn")).to_contain_text("reconnecting")
    ARTIFACTS.mkdir(exist_ok=True)
    client.page.screenshot(path=str(ARTIFACTS / "state-reconnecting.png"))

    # Edits made while disconnected stay in the local doc...
    client.field("Title").fill("Edited while the server was down")
    client.field("Title").blur()
    client.commit("Hourly rate", "77")
    client.field("Description").click()
    client.page.keyboard.press("ControlOrMeta+End")
    client.page.keyboard.type(" Offline note.")
    client.field("Description").blur()
    expect(freelancer.field("Title")).not_to_have_value("Edited while the server was down")

    # ...and reach the other party once the server is back on the same port and data.
    own_server.start()
    for room in (client, freelancer):
        expect(room.conn).to_have_attribute("data-state", "connected", timeout=15_000)
        expect(room.conn).to_have_text("Live")
        expect(room.page.locator(".banner-warn")).to_be_hidden()
    expect(freelancer.field("Title")).to_have_value("Edited while the server was down")
    expect(freelancer.field("Hourly rate")).to_have_value("77.00")
    expect(freelancer.field("Description")).to_have_value(DESCRIPTION + " Offline note.")
    # Presence came back too.
    expect(client.avatars).to_have_count(2)
    # And the edits are durable: a fresh page after the restart has them.
    again = open_room(offer["links"]["client"])
    expect(again.field("Hourly rate")).to_have_value("77.00")


def test_browser_offline_indicator(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    client.page.context.set_offline(True)
    expect(client.conn).to_have_attribute("data-state", "offline")
    expect(client.conn).to_have_text("Offline")
    expect(client.page.locator(".banner-warn")).to_contain_text("You are offline")
    client.page.context.set_offline(False)
    expect(client.conn).to_have_attribute("data-state", "connected", timeout=15_000)
