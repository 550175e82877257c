"""Undo and redo of one's own edits (Yjs' UndoManager, this page's edits only) and the currency
picker (ISO 4217 codes the server accepts, named in the reader's language)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import PHONE, OpenRoom
from harness import DESCRIPTION, ServerProcess
from playwright.sync_api import expect


def test_undo_restores_only_ones_own_edit(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    undo, redo = client.button("Undo"), client.button("Redo")
    expect(undo).to_be_disabled()
    expect(redo).to_be_disabled()

    # Both edit different fields: the client the rate, the freelancer the title.
    client.commit("Hourly rate", "60")
    expect(freelancer.field("Hourly rate")).to_have_value("60.00")
    freelancer.field("Title").fill("Checkout, phase 1")
    freelancer.field("Title").blur()
    expect(client.field("Title")).to_have_value("Checkout, phase 1")
    expect(undo).to_be_enabled()

    # Ctrl+Z with the focus in the form undoes the client's change, and only that.
    client.field("Weekly limit").focus()
    client.page.keyboard.press("Control+z")
    for room in (client, freelancer):
        expect(room.field("Hourly rate")).to_have_value("45.00")
        expect(room.field("Title")).to_have_value("Checkout, phase 1")
    assert client.terms()["hourly_rate"] == 4500
    expect(undo).to_be_disabled()  # the freelancer's title is not the client's to undo
    expect(redo).to_be_enabled()
    client.field("Weekly limit").blur()

    # The Redo button, by keyboard: the change comes back.
    redo.focus()
    client.page.keyboard.press("Enter")
    expect(freelancer.field("Hourly rate")).to_have_value("60.00")

    # An amount typed with pauses (it reaches the other party as it is typed) is one step.
    rate = client.field("Hourly rate")
    rate.fill("")
    for part in ("7", "5"):
        rate.press_sequentially(part)
        client.page.wait_for_timeout(800)
    rate.blur()
    expect(freelancer.field("Hourly rate")).to_have_value("75.00")
    undo.click()
    expect(freelancer.field("Hourly rate")).to_have_value("60.00")

    # The freelancer's own undo takes back their title, not the client's rate.
    freelancer.field("Weekly limit").focus()
    freelancer.page.keyboard.press("Control+z")
    expect(client.field("Title")).to_have_value("Checkout redesign for an online bike shop")
    expect(client.field("Hourly rate")).to_have_value("60.00")
    freelancer.field("Weekly limit").blur()
    assert client.errors == [] and freelancer.errors == []


def test_description_typing_undoes_by_word(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    box = client.field("Description")
    box.click()
    box.press("Control+End")
    client.page.keyboard.type(" Two rounds of review.", delay=25)
    expect(freelancer.field("Description")).to_have_value(DESCRIPTION + " Two rounds of review.")

    # Meanwhile the freelancer adds to the start of the same text.
    theirs = freelancer.field("Description")
    theirs.click()
    theirs.press("Control+Home")
    freelancer.page.keyboard.type("Scope: ", delay=10)
    expect(box).to_have_value("Scope: " + DESCRIPTION + " Two rounds of review.")
    theirs.blur()

    # One press takes back a word, not a character; the freelancer's words stay.
    box.click()
    client.page.keyboard.press("Control+z")
    expect(box).to_have_value("Scope: " + DESCRIPTION + " Two rounds of ")
    client.page.keyboard.press("Control+z")
    expect(box).to_have_value("Scope: " + DESCRIPTION + " Two rounds ")
    expect(freelancer.field("Description")).to_have_value("Scope: " + DESCRIPTION + " Two rounds ")
    client.page.keyboard.press("Control+Shift+z")
    expect(box).to_have_value("Scope: " + DESCRIPTION + " Two rounds of ")
    client.page.keyboard.press("Control+y")
    expect(box).to_have_value("Scope: " + DESCRIPTION + " Two rounds of review.")
    for _ in range(5):
        client.page.keyboard.press("Control+z")
    expect(box).to_have_value("Scope: " + DESCRIPTION)
    expect(freelancer.field("Description")).to_have_value("Scope: " + DESCRIPTION)
    client.shot(client.page.locator(".col-main"), str(artifacts / "undo-description.png"))
    assert client.errors == [] and freelancer.errors == []


def test_the_currency_is_chosen_while_the_offer_is_a_draft(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"], locale="de-DE")
    picker = client.field("Currency")
    expect(picker).to_have_value("USD")
    expect(picker.locator("option[value=USD]")).to_have_text("US Dollar (USD)")
    # Named in the reader's language.
    expect(freelancer.page.locator("#f-currency option[value=USD]")).to_have_text("US-Dollar (USD)")

    picker.select_option("EUR")
    expect(freelancer.page.locator("#f-currency")).to_have_value("EUR")
    assert freelancer.terms()["currency"] == "EUR"
    expect(client.page.locator(".field", has=client.field("Hourly rate")).locator(".affix").first) \
        .to_have_text("€")
    expect(freelancer.page.locator("#f-hourly_rate")).to_have_value("45,00")

    # A currency without minor units: the figures stay (45, not 4,500), formatted without decimals.
    picker.select_option("JPY")
    expect(client.field("Hourly rate")).to_have_value("45")
    expect(freelancer.page.locator("#f-hourly_rate")).to_have_value("45")
    assert client.terms()["hourly_rate"] == 45
    expect(client.page.locator(".summary")).to_contain_text(re.compile(r"¥\s?45/h"))
    picker.blur()
    client.shot(client.page.locator(".col-main"), str(artifacts / "currency-picker.png"))

    # Undo takes the currency back too.
    picker.focus()
    client.page.keyboard.press("Control+z")
    expect(freelancer.page.locator("#f-currency")).to_have_value("EUR")
    expect(freelancer.page.locator("#f-hourly_rate")).to_have_value("45,00")
    picker.blur()

    # An amount with cents in a currency without them is rounded, and the picker says so.
    client.commit("Hourly rate", "45.50")
    client.field("Currency").select_option("JPY")
    expect(client.field("Hourly rate")).to_have_value("46")
    expect(client.page.locator("#f-currency-msg")).to_contain_text("Amounts were rounded")
    assert client.errors == [] and freelancer.errors == []


def test_a_proposal_and_its_answer_are_not_steps_to_undo(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    undo = client.button("Undo")
    client.commit("Weekly limit", "10")
    expect(undo).to_be_enabled()

    # Proposed: the draft is frozen, so nothing can be undone, and the currency is fixed too.
    client.panel.get_by_role("button", name="Propose changes").click()
    expect(freelancer.panel.locator(".neg-headline")).to_contain_text("waiting on you",
                                                                       timeout=10_000)
    expect(undo).to_be_disabled()
    expect(client.field("Currency")).to_be_disabled()

    # Rejected: the server puts the draft back; that reset is not the client's to undo, and the
    # client's own change before it is gone from the stack with it.
    freelancer.panel.get_by_role("button", name="Reject", exact=True).click()
    freelancer.choose_reason("Terms")
    freelancer.panel.get_by_role("button", name="Reject proposal").click()
    expect(client.field("Weekly limit")).to_have_value("20")
    expect(client.field("Currency")).to_be_enabled()
    expect(undo).to_be_disabled()
    client.field("Title").focus()
    client.page.keyboard.press("Control+z")
    expect(freelancer.field("Weekly limit")).to_have_value("20")
    client.field("Title").blur()
    assert client.errors == [] and freelancer.errors == []


def test_undo_waits_while_the_other_party_edits_that_field(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    client.commit("Hourly rate", "60")
    expect(freelancer.field("Hourly rate")).to_have_value("60.00")
    freelancer.field("Hourly rate").focus()  # the freelancer takes the field's lock
    expect(client.wrapper("hourly_rate")).to_have_class(re.compile(r"\blocked\b"))

    client.button("Undo").click()
    toast = client.page.locator(".toast").filter(has_text="Linus Torvalds is editing the field")
    expect(toast).to_be_visible()
    expect(client.field("Hourly rate")).to_have_value("60.00")
    client.top()
    client.page.screenshot(path=str(artifacts / "undo-locked.png"))

    freelancer.field("Hourly rate").blur()
    expect(client.wrapper("hourly_rate")).not_to_have_class(re.compile(r"\blocked\b"))
    client.button("Undo").click()
    expect(freelancer.field("Hourly rate")).to_have_value("45.00")
    assert client.errors == [] and freelancer.errors == []


def test_undo_and_currency_on_a_phone(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"], viewport=PHONE, locale="es-ES")
    client.page.locator("#f-currency").select_option("EUR")
    expect(client.button("Deshacer")).to_be_enabled()
    expect(client.page.locator("#f-currency option[value=EUR]")).to_have_text("euro (EUR)")
    client.page.locator("#f-currency").blur()
    client.shot(client.page.locator(".col-main"), str(artifacts / "undo-currency-phone.png"))
    assert client.errors == []
