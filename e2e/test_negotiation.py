"""Propose, explain, accept or reject, and accept the offer — from two browsers."""

from __future__ import annotations

import re

from conftest import OpenRoom
from harness import ServerProcess
from playwright.sync_api import expect


def test_propose_accept_reject_and_agree(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    c_panel = client.page.locator(".card-negotiation")
    f_panel = freelancer.page.locator(".card-negotiation")
    expect(c_panel.get_by_role("button", name="Propose changes")).to_be_disabled()
    expect(f_panel).to_contain_text("The draft matches version 1")

    # The freelancer counters with a higher rate and says why.
    freelancer.commit("Hourly rate", "55")
    expect(f_panel).to_contain_text("1 change from version 1")
    freelancer.page.get_by_label("Note (optional)").fill("Stripe work needs a senior rate.")
    f_panel.get_by_role("button", name="Propose changes").click()
    expect(freelancer.page.locator(".toast")).to_contain_text("Proposal sent")

    # The client's turn: the changes, the note and the streamed explanation are there.
    expect(c_panel.locator(".neg-headline")).to_have_text(
        "Linus Torvalds proposed changes — waiting on you."
    )
    expect(c_panel.locator(".neg-changes")).to_contain_text("Hourly rate: $45.00/h → $55.00/h")
    expect(c_panel.locator(".neg-note")).to_have_text("Stripe work needs a senior rate.")
    expect(c_panel.locator(".neg-explain")).to_have_attribute("aria-busy", "false", timeout=15_000)
    expect(c_panel.locator(".neg-explain-text")).to_contain_text(re.compile(r"\$55|55\.00"))
    expect(f_panel.locator(".neg-headline")).to_contain_text("Waiting on Ada Lovelace")
    # The draft is frozen while the proposal is pending.
    expect(client.field("Weekly limit")).to_be_disabled()
    expect(freelancer.field("Title")).to_be_disabled()

    c_panel.get_by_role("button", name="Accept", exact=True).click()
    for room in (client, freelancer):
        expect(room.page.locator(".meta")).to_contain_text("Version 2")
        expect(room.highlight("hourly_rate")).not_to_have_class(re.compile(r"\bchanged\b"))
        expect(room.field("Hourly rate")).to_be_enabled()
    expect(
        freelancer.page.locator(".toast").filter(has_text="accepted the proposal")
    ).to_be_visible()

    # The client proposes a lower weekly limit; the freelancer rejects it with a reason.
    client.commit("Weekly limit", "10")
    c_panel.get_by_role("button", name="Propose changes").click()
    expect(f_panel.locator(".neg-headline")).to_contain_text("waiting on you", timeout=10_000)
    expect(f_panel.locator(".neg-explain")).to_have_attribute("aria-busy", "false", timeout=15_000)
    f_panel.get_by_role("button", name="Reject", exact=True).click()
    freelancer.page.get_by_label("Reason (optional)").fill("Ten hours is too few for this scope.")
    freelancer.choose_reason("Scope unclear")
    f_panel.get_by_role("button", name="Reject proposal").click()
    for room in (client, freelancer):
        expect(room.field("Weekly limit")).to_have_value("20")
        expect(room.page.locator(".meta")).to_contain_text("Version 2")
    expect(client.page.locator(".toast").filter(has_text="rejected the proposal")).to_contain_text(
        "Ten hours is too few"
    )

    # The freelancer accepts the offer: agreed, and read-only for both.
    freelancer.ask_accept_offer().get_by_role("button", name="Confirm and accept").click()
    for room in (client, freelancer):
        expect(room.page.locator(".badge")).to_have_text("Agreed")
        expect(room.field("Hourly rate")).to_be_disabled()
        expect(room.page.locator(".banner-closed")).to_contain_text("Agreed on version 2")
    expect(c_panel.locator(".neg-headline")).to_contain_text("This offer is agreed on version 2")
    client.page.evaluate("() => window.scrollTo(0, 0)")
    client.page.screenshot(path=str(server.data_dir.parent / "agreed.png"))


def test_invalid_proposal_points_at_the_field(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    client.commit("Hourly rate", "1")  # below the platform minimum: fine to draft, not to propose
    panel = client.page.locator(".card-negotiation")
    panel.get_by_role("button", name="Propose changes").click()
    # Every problem is listed with its field's name, a link to it (e2e/test_fields.py has more).
    expect(panel.locator(".neg-problems")).to_contain_text(
        "Hourly rate: The hourly rate must be at least $3.00 an hour")
    expect(client.wrapper("hourly_rate").locator(".field-msg")).not_to_be_empty()
    expect(client.page.locator(".badge")).to_have_text("Open")
