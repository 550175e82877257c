"""Two browsers, client and freelancer, co-edit every field of an offer live."""

from __future__ import annotations

import re

from conftest import OpenRoom
from harness import ServerProcess
from playwright.sync_api import expect


def test_scalar_fields_sync_both_ways(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])

    # Title commits as you type; the header follows.
    client.field("Title").fill("Checkout redesign, phase 1")
    expect(freelancer.field("Title")).to_have_value("Checkout redesign, phase 1")
    expect(freelancer.page.locator("h1")).to_have_text("Checkout redesign, phase 1")

    # Money commits on change, in minor units, formatted in the viewer's locale.
    freelancer.commit("Hourly rate", "52.5")
    expect(client.field("Hourly rate")).to_have_value("52.50")
    assert client.terms()["hourly_rate"] == 5250

    client.commit("Weekly limit", "30")
    expect(freelancer.field("Weekly limit")).to_have_value("30")
    client.commit("Weekly limit", "")  # empty = no limit: the key is deleted
    expect(freelancer.field("Weekly limit")).to_have_value("")
    assert "weekly_limit" not in freelancer.terms()
    expect(freelancer.page.locator(".summary")).to_contain_text("No limit")

    freelancer.field("Manual time").check()
    expect(client.field("Manual time")).to_be_checked()

    client.field("Start date").fill("2026-12-14")
    client.field("End date").fill("2027-02-26")
    expect(freelancer.field("Start date")).to_have_value("2026-12-14")
    expect(freelancer.field("End date")).to_have_value("2027-02-26")
    client.field("End date").fill("")
    expect(freelancer.field("End date")).to_have_value("")
    assert "end_date" not in freelancer.terms()

    # Switching the contract type changes which fields apply, in both views.
    client.field("Contract type").select_option("fixed")
    expect(freelancer.field("Contract type")).to_have_value("fixed")
    for room in (client, freelancer):
        expect(room.field("Fixed price")).to_be_visible()
        expect(room.field("Hourly rate")).to_be_hidden()
        expect(room.page.get_by_role("button", name="Add milestone")).to_be_visible()
    freelancer.commit("Fixed price", "1,500")
    expect(client.field("Fixed price")).to_have_value("1,500.00")
    assert client.terms()["fixed_price"] == 150000

    client.field("Contract type").select_option("hourly")
    expect(freelancer.field("Hourly rate")).to_be_visible()
    expect(freelancer.field("Fixed price")).to_be_hidden()
    assert client.errors == [] and freelancer.errors == []


def test_milestones_add_edit_remove(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer(
        contract_type="fixed",
        hourly_rate=None,
        weekly_limit=None,
        fixed_price=120000,
        milestones=[{"title": "Design", "amount": 40000, "due_date": "2026-12-18"}],
    )
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    expect(freelancer.milestone_rows()).to_have_count(1)

    client.page.get_by_role("button", name="Add milestone").click()
    expect(freelancer.milestone_rows()).to_have_count(2)
    # The new row's title has the focus; typing there syncs.
    expect(client.field("Milestone title", 1)).to_be_focused()
    client.page.keyboard.type("Build")
    client.commit("Amount", "800", 1)
    client.field("Due date", 1).fill("2027-01-15")
    client.field("Due date", 1).blur()
    expect(freelancer.field("Milestone title", 1)).to_have_value("Build")
    expect(freelancer.field("Amount", 1)).to_have_value("800.00")
    expect(freelancer.field("Due date", 1)).to_have_value("2027-01-15")
    expect(freelancer.page.locator(".ms-total")).to_have_text(
        re.compile(r"Total \$1,200\.00 of \$1,200\.00")
    )

    freelancer.field("Milestone title", 0).fill("Design & prototype")
    expect(client.field("Milestone title", 0)).to_have_value("Design & prototype")
    freelancer.field("Milestone title", 0).blur()

    freelancer.page.get_by_role("button", name="Remove milestone").nth(0).click()
    expect(client.milestone_rows()).to_have_count(1)
    expect(client.field("Milestone title", 0)).to_have_value("Build")
    ms = client.milestones()
    assert [(m["title"], m["amount"]) for m in ms] == [("Build", 80000)]
    expect(client.page.locator(".ms-total")).to_contain_text("does not match")


def test_description_typed_in_both_at_once(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer(description="Scope.")
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    c_box = client.field("Description")
    f_box = freelancer.field("Description")
    c_box.click()
    client.page.keyboard.press("ControlOrMeta+End")
    f_box.click()
    freelancer.page.keyboard.press("ControlOrMeta+Home")

    mine = " Client adds tests."
    theirs = "Freelancer writes docs. "
    # Interleave keystrokes so each page's edits cross the other's in flight.
    for i in range(max(len(mine), len(theirs))):
        if i < len(mine):
            client.page.keyboard.type(mine[i])
        if i < len(theirs):
            freelancer.page.keyboard.type(theirs[i])

    expected = theirs + "Scope." + mine
    expect(c_box).to_have_value(expected)
    expect(f_box).to_have_value(expected)
    assert client.description() == freelancer.description() == expected
    # Both carets stayed where their owners were typing.
    assert client.page.evaluate("() => document.activeElement.selectionStart") == len(expected)
    assert freelancer.page.evaluate("() => document.activeElement.selectionStart") == len(theirs)


def test_locale_money_input(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    # A de-DE browser reads the room in German (e2e/test_languages.py), figures included.
    german = open_room(offer["links"]["freelancer"], locale="de-DE")
    client = open_room(offer["links"]["client"])
    expect(german.field("Stundensatz")).to_have_value("45,00")
    german.commit("Stundensatz", "1.234,50")
    expect(client.field("Hourly rate")).to_have_value("1,234.50")
    assert client.terms()["hourly_rate"] == 123450
    german.commit("Stundensatz", "12.34.5")
    expect(german.wrapper("hourly_rate").locator(".field-msg")).to_contain_text(
        "Geben Sie einen Betrag ein"
    )
    expect(german.field("Stundensatz")).to_have_value(
        "1.234,50"
    )  # left the field: back to the doc's value
    assert client.terms()["hourly_rate"] == 123450


def test_late_joiner_gets_full_state(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    client.field("Title").fill("Late joiner check")
    client.commit("Hourly rate", "61")
    client.field("Description").fill("Everything the late joiner must see.")
    client.field("Description").blur()
    expect(client.highlight("hourly_rate")).to_have_class(re.compile(r"\bchanged\b"))

    late = open_room(offer["links"]["freelancer"], viewport={"width": 390, "height": 844})
    expect(late.field("Title")).to_have_value("Late joiner check")
    expect(late.field("Hourly rate")).to_have_value("61.00")
    expect(late.field("Description")).to_have_value("Everything the late joiner must see.")
    expect(late.highlight("hourly_rate")).to_have_class(re.compile(r"\bchanged\b"))
    expect(late.avatars).to_have_count(2)
