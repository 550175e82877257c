"""Answering a proposal change by change, from two browsers: the client accepts the rate and
counters the dates in one step; both see version 2 with the rate and a pending counter with the
dates, and the history says which change went which way."""

from __future__ import annotations

import re

from conftest import ARTIFACTS, OpenRoom
from harness import ServerProcess
from playwright.sync_api import Locator, expect


def test_accept_the_rate_and_counter_the_dates(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])

    # The freelancer asks for a higher rate and later dates.
    freelancer.commit("Hourly rate", "55")
    freelancer.field("Start date").fill("2026-12-14")
    freelancer.field("End date").fill("2027-02-26")
    expect(client.field("End date")).to_have_value("2027-02-26")
    freelancer.propose("Senior rate, and I am booked until mid-December.")

    panel = client.panel
    expect(panel.locator(".neg-headline")).to_contain_text("waiting on you", timeout=10_000)
    expect(client.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    # Whole Accept / Reject are still there; the per-change answer opens beside them.
    expect(client.button("Accept")).to_be_visible()
    expect(client.button("Reject")).to_be_visible()
    client.button("Answer change by change").click()
    send = client.button("Send decision")
    expect(send).to_be_disabled()
    expect(panel.locator(".dec-left")).to_have_text("3 changes still need an answer")

    def row(key: str) -> Locator:
        return panel.locator(f'.neg-change[data-key="{key}"]')

    row("hourly_rate").get_by_label("Accept", exact=True).check()
    row("start_date").get_by_label("Counter", exact=True).check()
    row("start_date").get_by_label("Your value").fill("2026-12-10")
    row("end_date").get_by_label("Counter", exact=True).check()
    row("end_date").get_by_label("Your value").fill("2027-02-12")
    expect(panel.locator(".dec-left")).to_have_text("1 accepted, 2 countered, 0 declined")
    client.page.get_by_label("Reason (optional, shown to the proposer)").fill(
        "The rate is fine; I need it done sooner."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    client.shot(panel, str(ARTIFACTS / "decide-drawer.png"))
    send.click()
    expect(client.page.locator(".toast").filter(has_text="Decision sent")).to_be_visible()

    # Both see version 2 with the rate, and the client's counter with the dates, pending.
    for room in (client, freelancer):
        expect(room.page.locator(".meta")).to_contain_text("Version 2", timeout=10_000)
        expect(room.panel.locator(".neg-counter-note")).to_be_visible()
        changes = room.panel.locator(".neg-changes")
        expect(changes.locator(".neg-change")).to_have_count(2)
        expect(changes).to_contain_text("Start date")
        expect(changes).to_contain_text("End date")
        expect(changes).not_to_contain_text("Hourly rate")
        expect(room.field("Start date")).to_have_value("2026-12-10")
        expect(room.field("Hourly rate")).to_have_value(re.compile(r"^55(\.00)?$"))
    assert client.page.evaluate(
        "() => window.offerRoom.doc.getMap('committed').toJSON().hourly_rate"
    ) == 5500
    expect(freelancer.panel.locator(".neg-headline")).to_contain_text(
        "waiting on you", timeout=10_000
    )
    expect(
        freelancer.page.locator(".toast").filter(has_text="accepted part of the proposal")
    ).to_contain_text("version 2")
    expect(client.panel.locator(".neg-headline")).to_contain_text("Waiting on Linus")

    # The history shows what became of each change of the freelancer's proposal.
    outcomes = freelancer.history.locator('.ver[data-version="2"] .ver-outcomes')
    expect(outcomes).to_contain_text("Accepted: Hourly rate", timeout=10_000)
    expect(outcomes).to_contain_text("Countered: Start date, End date")
    freelancer.shot(freelancer.history, str(ARTIFACTS / "decide-history.png"))

    # The freelancer answers the counter as a whole: version 3 has the rate and the dates.
    expect(freelancer.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    freelancer.button("Accept").click()
    for room in (client, freelancer):
        expect(room.page.locator(".meta")).to_contain_text("Version 3", timeout=10_000)
        expect(room.field("End date")).to_have_value("2027-02-12")
    assert client.errors == [] and freelancer.errors == []


def test_a_direct_counter_in_german(server: ServerProcess, open_room: OpenRoom) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    freelancer.commit("Hourly rate", "60")
    freelancer.propose()
    expect(client.panel.locator(".neg-headline")).to_contain_text("waiting on you",
                                                                  timeout=10_000)
    client.page.get_by_label("Language", exact=True).select_option("de")
    client.button("Änderungen einzeln beantworten").click()
    row = client.panel.locator('.neg-change[data-key="hourly_rate"]')
    row.get_by_label("Gegenvorschlag", exact=True).check()
    row.get_by_label("Ihr Wert").fill("50,00")
    ARTIFACTS.mkdir(exist_ok=True)
    client.shot(client.panel, str(ARTIFACTS / "decide-drawer-de.png"))
    client.button("Entscheidung senden").click()
    # Nothing accepted: still version 1, and the client's counter is pending for the freelancer.
    expect(freelancer.panel.locator(".neg-headline")).to_contain_text("waiting on you",
                                                                      timeout=10_000)
    expect(freelancer.panel.locator(".neg-changes")).to_contain_text("$50.00")
    expect(freelancer.page.locator(".meta")).to_contain_text("Version 1")
    expect(
        freelancer.page.locator(".toast").filter(has_text="countered the proposal")
    ).to_be_visible()
