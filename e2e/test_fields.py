"""Validation in the user's words, and locks that end when their holder stops typing.

A field says what the draft breaks the moment it breaks it, in plain words with the reader's money
and dates, and goes quiet once the value is valid again; Propose lists every problem with its
field's name as a link to it; a money field's typing reaches the other party before the editor
leaves it; a lock whose holder sits idle is released (docs/PROTOCOL.md, "Locks").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe import violations
from conftest import OpenRoom, start_server
from harness import ServerProcess
from playwright.sync_api import expect


def test_a_field_error_shows_at_once_and_goes_when_fixed(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    rate = client.wrapper("hourly_rate").locator(".field-msg")
    # Typed, not yet left: the draft holds 0 within a moment and the field says why it can't stay.
    client.field("Hourly rate").fill("0")
    expect(rate).to_have_text("The hourly rate must be at least $3.00 an hour")
    expect(client.field("Hourly rate")).to_have_attribute("aria-invalid", "true")
    assert client.terms()["hourly_rate"] == 0
    # A start in 2020 and an end before it: said at each date, in the reader's date format.
    client.commit("Start date", "2020-03-01")
    client.commit("End date", "2020-02-01")
    expect(client.wrapper("start_date").locator(".field-msg")).to_have_text(
        "This date is in the past: choose today or later")
    expect(client.wrapper("end_date").locator(".field-msg")).to_contain_text(
        "The end date must be on or after the start date (Mar 1, 2020)")
    client.page.screenshot(path=str(artifacts / "fields-errors.png"))
    for text in client.page.locator(".field-msg").all_inner_texts():
        assert "cents" not in text and "must be between 0" not in text

    # More than any amount may be: the field says so in money, and the draft keeps its value.
    client.field("Hourly rate").fill("20000000")
    client.field("Hourly rate").blur()
    expect(rate).to_have_text("Enter at most $10,000,000.00")
    # Fixed: the messages go.
    client.commit("Hourly rate", "50")
    expect(rate).to_be_empty()
    expect(client.field("Hourly rate")).not_to_have_attribute("aria-invalid", "true")
    client.commit("Start date", "2027-01-04")
    client.commit("End date", "2027-02-26")
    expect(client.wrapper("start_date").locator(".field-msg")).to_be_empty()
    expect(client.wrapper("end_date").locator(".field-msg")).to_be_empty()
    assert client.page.locator(".field.has-problem").count() == 0


def test_propose_lists_every_problem_with_links(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    client.commit("Hourly rate", "0")
    client.commit("Start date", "2020-03-01")
    client.commit("End date", "2020-02-01")
    client.button("Propose changes").click()
    problems = client.panel.locator(".neg-problems")
    expect(problems).to_be_visible()
    expect(problems.locator(".neg-problems-head")).to_have_text(
        "Fix these 4 things before proposing:")
    items = problems.locator("li")
    expect(items).to_have_count(4)
    expect(items.nth(0)).to_have_text(
        "Hourly rate: The hourly rate must be at least $3.00 an hour")
    expect(items.nth(1)).to_have_text("Start date: This date is in the past: choose today or later")
    expect(items.nth(3)).to_contain_text(
        "End date: The end date must be on or after the start date")
    client.panel.screenshot(path=str(artifacts / "fields-propose-list.png"))
    client.page.wait_for_timeout(250)  # axe reads computed colours: let highlights settle
    assert violations(client.page) == []
    assert client.page.evaluate("() => window.offerRoom.od.pendingProposal()") is None
    # Each field's name is a link that takes the cursor there.
    problems.get_by_role("link", name="Hourly rate").click()
    expect(client.field("Hourly rate")).to_be_focused()
    client.page.keyboard.press("Control+A")
    client.page.keyboard.type("48")
    client.field("Hourly rate").blur()
    expect(items).to_have_count(3)
    client.commit("Start date", "2027-01-04")
    client.commit("End date", "2027-02-26")
    expect(problems).to_be_hidden()
    client.button("Propose changes").click()
    expect(client.page.locator(".toast")).to_contain_text("Proposal sent.")


def test_money_typing_reaches_the_other_party_before_blur(
    server: ServerProcess, open_room: OpenRoom
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    client.field("Hourly rate").click()
    expect(freelancer.field("Hourly rate")).to_be_disabled()
    client.page.keyboard.press("Control+A")
    client.page.keyboard.type("77.5")
    # Still in the field: the other party already reads the amount.
    expect(freelancer.field("Hourly rate")).to_have_value("77.50")
    expect(client.field("Hourly rate")).to_be_focused()
    expect(client.field("Hourly rate")).to_have_value("77.5")  # what was typed stays as typed
    assert freelancer.terms()["hourly_rate"] == 7750


@pytest.fixture
def idle_server(tmp_path: Path) -> Iterator[ServerProcess]:
    srv = start_server(tmp_path, {"OFFER_ROOM_LOCK_IDLE_MS": "2000"})
    yield srv
    srv.stop()


def test_an_idle_lock_is_released(idle_server: ServerProcess, open_room: OpenRoom,
                                  artifacts: Path) -> None:
    offer = idle_server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    freelancer.field("Hourly rate").click()
    expect(client.field("Hourly rate")).to_be_disabled()
    client.wrapper("hourly_rate").get_by_role("button", name="Request release").click()
    # Linus ignores the request and sits in the field: after 2 s without typing it is free.
    expect(client.field("Hourly rate")).to_be_enabled(timeout=6000)
    expect(client.wrapper("hourly_rate").locator(".lock-note")).to_be_hidden()
    expect(freelancer.field("Hourly rate")).to_be_focused()
    expect(freelancer.wrapper("hourly_rate").locator(".field-msg")).to_have_text(
        "Released after 2 seconds without typing. Type to edit it again.")
    freelancer.page.evaluate("() => document.querySelectorAll('.toast').forEach((t) => t.remove())")
    freelancer.wrapper("hourly_rate").screenshot(path=str(artifacts / "fields-idle-released.png"))
    # His open tab keeps renewing, but that does not take the field back ...
    freelancer.page.wait_for_timeout(3500)
    expect(client.field("Hourly rate")).to_be_enabled()
    # ... typing does.
    freelancer.page.keyboard.type("5")
    expect(client.field("Hourly rate")).to_be_disabled()
    expect(client.wrapper("hourly_rate").locator(".lock-note")).to_contain_text(
        "Linus Torvalds is editing")


def test_hide_my_focus_says_what_it_hides(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    freelancer.page.locator("label.toggle[for='hide-focus']").click()
    toggle = freelancer.page.get_by_label("Hide my focus")
    expect(toggle).to_have_accessible_description(re.compile("stays locked, with your name"))
    # The title field does not lock: with focus hidden nothing tells where Linus is.
    freelancer.field("Title").click()
    client.page.wait_for_timeout(300)
    expect(client.wrapper("title")).not_to_have_class(re.compile(r"\bpeer-focus\b"))
    expect(client.field("Title")).to_be_enabled()
    # A money field he edits stays locked with his name on it, and his own field says so.
    freelancer.field("Hourly rate").click()
    expect(client.wrapper("hourly_rate").locator(".lock-note")).to_contain_text(
        "Linus Torvalds is editing")
    expect(client.wrapper("hourly_rate")).not_to_have_class(re.compile(r"\bpeer-focus\b"))
    expect(freelancer.wrapper("hourly_rate").locator(".lock-text")).to_have_text(
        "Your focus is hidden, but the other party sees that you are editing this field.")


def test_field_errors_in_the_readers_language_and_formats(
    server: ServerProcess, open_room: OpenRoom
) -> None:
    offer = server.create_offer()
    german = open_room(offer["links"]["freelancer"], locale="de-DE")
    german.field("Stundensatz").fill("0")
    expect(german.wrapper("hourly_rate").locator(".field-msg")).to_have_text(
        re.compile(r"^Der Stundensatz muss mindestens 3,00\s\$ pro Stunde betragen$"))
    german.commit("Startdatum", "2027-03-01")
    german.commit("Enddatum", "2027-02-01")
    expect(german.wrapper("end_date").locator(".field-msg")).to_have_text(
        "Das Enddatum darf nicht vor dem Startdatum (01.03.2027) liegen")
