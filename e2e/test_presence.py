"""Presence, focus rings, field locks, server rejections and read-only rooms."""

from __future__ import annotations

import re

from conftest import OpenRoom
from harness import ServerProcess
from playwright.sync_api import expect


def test_avatars_focus_ring_and_lock(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])

    for room, me in ((client, "Ada Lovelace"), (freelancer, "Linus Torvalds")):
        expect(room.avatars).to_have_count(2)
        expect(room.avatars.filter(has_text=re.compile("^AL$"))).to_have_attribute(
            "title", re.compile("Ada Lovelace")
        )
        expect(room.page.locator(f'.avatar[title^="{me} (you)"]')).to_have_count(1)
        expect(room.page.locator(".party.online")).to_have_count(2)

    # The freelancer goes into the hourly rate: the client sees the ring and the lock.
    freelancer.field("Hourly rate").click()
    ring = client.wrapper("hourly_rate")
    expect(ring).to_have_class(re.compile(r"\bpeer-focus\b"))
    expect(ring.locator(".focus-tag")).to_have_text("Linus Torvalds")
    expect(client.field("Hourly rate")).to_be_disabled()
    expect(ring.locator(".lock-note")).to_contain_text("Linus Torvalds is editing")
    expect(client.page.locator(".people")).to_contain_text("editing Hourly rate")
    # ...while the freelancer's own field stays editable and unmarked.
    expect(freelancer.field("Hourly rate")).to_be_enabled()
    expect(freelancer.wrapper("hourly_rate").locator(".lock-note")).to_be_hidden()

    # Asking for the field sends the holder a notice.
    ring.get_by_role("button", name="Request release").click()
    expect(freelancer.page.locator(".toast")).to_contain_text("Ada Lovelace asks you to release")
    freelancer.page.locator(".toast").get_by_role("button", name="Release").click()
    expect(client.field("Hourly rate")).to_be_enabled()
    expect(ring).not_to_have_class(re.compile(r"\bpeer-focus\b"))

    # Money locks the same way in the other direction too; the title does not lock at all
    # (OFFER_ROOM_LOCK_FIELDS: money and the contract type by default).
    client.field("Hourly rate").click()
    expect(freelancer.field("Hourly rate")).to_be_disabled()
    client.field("Hourly rate").blur()
    expect(freelancer.field("Hourly rate")).to_be_enabled()
    client.field("Title").click()
    freelancer.page.wait_for_timeout(300)
    expect(freelancer.field("Title")).to_be_enabled()
    client.field("Title").blur()


def test_hide_my_focus(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    freelancer.page.locator("label.toggle[for='hide-focus']").click()
    expect(freelancer.page.get_by_label("Hide my focus")).to_be_checked()
    freelancer.field("Hourly rate").click()
    # The lock still shows (the field is taken) but no focus ring gives the person away.
    expect(client.field("Hourly rate")).to_be_disabled()
    expect(client.wrapper("hourly_rate")).not_to_have_class(re.compile(r"\bpeer-focus\b"))
    freelancer.page.wait_for_timeout(300)
    expect(client.wrapper("hourly_rate")).not_to_have_class(re.compile(r"\bpeer-focus\b"))


def test_rejected_edit_snaps_back_in_both_views(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    # Not a whole number of cents: the server's guard undoes it and tells the sender.
    client.page.evaluate("() => window.offerRoom.doc.getMap('terms').set('hourly_rate', 12.5)")
    expect(client.wrapper("hourly_rate").locator(".field-msg")).to_contain_text("Not saved")
    for room in (client, freelancer):
        expect(room.field("Hourly rate")).to_have_value("45.00")
        assert room.terms()["hourly_rate"] == 4500
    # A field locked by someone else is refused too, even when written behind the UI's back.
    freelancer.field("Hourly rate").click()
    expect(client.field("Hourly rate")).to_be_disabled()
    client.page.evaluate("() => window.offerRoom.doc.getMap('terms').set('hourly_rate', 9900)")
    expect(client.wrapper("hourly_rate").locator(".field-msg")).to_contain_text(
        "Not saved — Linus Torvalds is editing this field.")
    for room in (client, freelancer):
        expect(room.field("Hourly rate")).to_have_value("45.00")
        assert room.terms()["hourly_rate"] == 4500
    # Server-only roots are refused as well.
    client.page.evaluate("() => window.offerRoom.doc.getMap('offer').set('status', 'agreed')")
    expect(client.page.locator(".status-open")).to_be_visible()
    expect(freelancer.page.locator(".status-open")).to_be_visible()


def test_viewer_sees_everything_read_only(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    client.commit("Hourly rate", "50")
    viewer = open_room(server.viewer_link(offer["id"]))
    expect(viewer.field("Hourly rate")).to_have_value("50.00")
    expect(viewer.page.locator(".banner-info")).to_contain_text(
        "Read-only: you are viewing as Grace Hopper"
    )
    for label in (
        "Title",
        "Contract type",
        "Hourly rate",
        "Weekly limit",
        "Manual time",
        "Start date",
        "End date",
        "Description",
    ):
        expect(viewer.field(label)).to_be_disabled()
    expect(viewer.avatars).to_have_count(2)
    expect(client.avatars).to_have_count(2)
    expect(client.page.locator('.avatar[title*="Grace Hopper"]')).to_have_count(1)


def test_bad_link_is_fatal(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    room = open_room(f"{server.base_url}/offers/{offer['id']}?token=not-a-token", wait=False)
    expect(room.conn).to_have_attribute("data-state", "fatal", timeout=10_000)
    expect(room.page.get_by_role("alert")).to_contain_text("This link has expired or is invalid")
    expect(room.page.locator("#main")).to_be_hidden()
    other = open_room(
        f"{server.base_url}/offers/{offer['id']}x?token={offer['tokens']['client']}", wait=False
    )
    expect(other.conn).to_have_attribute("data-state", "fatal", timeout=10_000)
