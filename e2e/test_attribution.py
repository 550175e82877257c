"""Attribution and history (issue 15): everyone who changed a field is named in their colours, the
history keeps each proposal's note and each rejection's reason, and a field's activity shows who
changed it, when, from what to what."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import DESKTOP, PHONE, OpenRoom
from harness import ServerProcess
from playwright.sync_api import Locator, expect
from room import RoomPage


def _chip(room: RoomPage, field: str) -> Locator:
    return room.highlight(field).locator(".chg-chip")


def _answer_ready(room: RoomPage) -> None:
    expect(room.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)


def test_attribution_shows_both_parties_after_both_typed(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"], viewport=DESKTOP)

    # The freelancer changes the rate first, then the client changes it again.
    freelancer.commit("Hourly rate", "60")
    expect(client.field("Hourly rate")).to_have_value("60.00")
    expect(_chip(client, "hourly_rate")).to_have_text("Changed by Linus")
    client.commit("Hourly rate", "50")
    expect(freelancer.field("Hourly rate")).to_have_value("50.00")

    # Both are named, in the order they first changed it, one colour dot each.
    expect(_chip(client, "hourly_rate")).to_have_text("Changed by Linus and you")
    expect(_chip(freelancer, "hourly_rate")).to_have_text("Changed by you and Ada")
    expect(_chip(client, "hourly_rate").locator(".chg-dot")).to_have_count(2)
    colours = _chip(client, "hourly_rate").locator(".chg-dot").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)")
    assert len(set(colours)) == 2, colours
    expect(_chip(client, "hourly_rate")).to_have_attribute(
        "title", re.compile(r"^Changed by Linus Torvalds and you\. Agreed: \$45\.00/h$"))
    summary = client.page.locator(".card-summary .change-list")
    expect(summary.locator(".change-who")).to_have_text(["Linus Torvalds", "you"])
    # A field only one of them changed names only that one.
    freelancer.commit("Weekly limit", "25")
    expect(_chip(client, "weekly_limit")).to_have_text("Changed by Linus")
    client.shot(client.highlight("hourly_rate"), str(artifacts / "attribution-chip.png"))
    client.shot(client.page.locator(".card-summary"), str(artifacts / "attribution-summary.png"))

    # The client proposes with a note; the proposal names who changed each field.
    client.propose("Meet in the middle on the rate.")
    _answer_ready(freelancer)
    rate = freelancer.panel.locator('.neg-change[data-key="hourly_rate"]')
    expect(rate.locator(".chg-by")).to_have_text("Changed by you and Ada Lovelace")
    expect(rate.locator(".chg-by .chg-dot")).to_have_count(2)
    freelancer.shot(freelancer.panel, str(artifacts / "attribution-proposal.png"))
    # The freelancer accepts: the marks are cleared.
    freelancer.panel.get_by_role("button", name="Accept", exact=True).click()
    for room in (client, freelancer):
        expect(room.page.locator(".meta")).to_contain_text("Version 2")
        expect(_chip(room, "hourly_rate")).to_be_hidden()

    # The freelancer asks for more; the client rejects it with a reason.
    freelancer.commit("Hourly rate", "58")
    expect(_chip(client, "hourly_rate")).to_have_text("Changed by Linus")
    freelancer.propose("Senior rate for payment work.")
    _answer_ready(client)
    client.panel.get_by_role("button", name="Reject", exact=True).click()
    client.page.get_by_label("Reason (optional)").fill("Too high for this budget.")
    client.choose_reason("Budget")
    client.panel.get_by_role("button", name="Reject proposal").click()
    expect(client.field("Hourly rate")).to_have_value("50.00")

    # The history keeps the accepted proposal's note, and the rejection with its note and reason.
    for room, rejected in ((client, "Proposal by Linus Torvalds, rejected"),
                           (freelancer, "Your proposal, rejected")):
        v2 = room.history.locator('.ver[data-version="2"]')
        expect(v2.locator(".ver-notes > .ver-note")).to_have_text(
            "Note: “Meet in the middle on the rate.”")
        rej = v2.locator(".ver-rej")
        expect(rej).to_have_count(1, timeout=10_000)
        expect(rej.locator(".ver-who")).to_contain_text(rejected)
        expect(rej.locator(".ver-note")).to_have_text("Note: “Senior rate for payment work.”")
        expect(rej.locator(".ver-reason")).to_have_text("Reason: “Too high for this budget.”")
    client.shot(client.history.locator(".versions"), str(artifacts / "attribution-history.png"))

    # The rate's activity, opened from the keyboard: newest first, from what to what, the fate.
    opener = client.page.get_by_role("button", name="Activity of Hourly rate")
    opener.focus()
    client.page.keyboard.press("Enter")
    dialog = client.page.get_by_role("dialog", name="Activity: Hourly rate")
    expect(dialog).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "true")
    items = dialog.locator(".act-item")
    expect(items).to_have_count(3, timeout=10_000)
    expect(items.nth(0)).to_contain_text("Linus Torvalds · Proposed")
    expect(items.nth(0).locator(".act-change")).to_have_text("$50.00/h → $58.00/h")
    expect(items.nth(0).locator(".act-note")).to_have_text("Note: “Senior rate for payment work.”")
    expect(items.nth(0).locator(".act-outcome")).to_have_text(
        "Rejected by you: “Too high for this budget.”")
    expect(items.nth(1)).to_contain_text("You · Proposed")
    expect(items.nth(1).locator(".act-change")).to_have_text("$45.00/h → $50.00/h")
    expect(items.nth(1).locator(".act-outcome")).to_have_text(
        "Accepted by Linus Torvalds: version 2")
    expect(items.nth(2)).to_contain_text("You · Sent the offer")
    expect(items.nth(2).locator(".act-change")).to_have_text("$45.00/h")
    client.page.evaluate("() => document.querySelectorAll('.toast').forEach(t => t.remove())")
    client.shot(client.highlight("hourly_rate"), str(artifacts / "attribution-activity.png"))
    client.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    # A field nobody changed says so; the draft's live changes lead the list.
    freelancer.commit("Weekly limit", "30")
    expect(_chip(client, "weekly_limit")).to_have_text("Changed by Linus")
    client.page.get_by_role("button", name="Activity of Weekly limit").click()
    limit = client.page.get_by_role("dialog", name="Activity: Weekly limit")
    expect(limit.locator(".act-draft")).to_contain_text("Changed by Linus Torvalds")
    expect(limit.locator(".act-draft .act-change")).to_have_text("25 h/week → 30 h/week")
    expect(limit.locator(".act-proposed")).to_contain_text("You · Proposed")  # Linus typed it
    freelancer.commit("Weekly limit", "35")  # an open panel follows the draft
    expect(limit.locator(".act-draft .act-change")).to_have_text("25 h/week → 35 h/week")
    client.page.evaluate("() => document.querySelectorAll('.toast').forEach(t => t.remove())")
    client.shot(client.highlight("weekly_limit"), str(artifacts / "attribution-activity-draft.png"))
    client.page.get_by_role("button", name="Activity of Title").click()
    expect(limit).to_be_hidden()
    title = client.page.get_by_role("dialog", name="Activity: Title")
    expect(title).to_contain_text("Nobody has changed this field since the offer was sent.")

    # On a phone the panel sits under the field, inside the page's width.
    freelancer.page.set_viewport_size(PHONE)
    freelancer.page.get_by_role("button", name="Activity of Hourly rate").click()
    phone = freelancer.page.get_by_role("dialog", name="Activity: Hourly rate")
    expect(phone.locator(".act-item")).to_have_count(3, timeout=10_000)
    expect(phone.locator(".act-item").nth(0)).to_contain_text("You · Proposed")
    assert freelancer.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    freelancer.page.evaluate("() => document.querySelectorAll('.toast').forEach(t => t.remove())")
    freelancer.shot(freelancer.highlight("hourly_rate"),
                    str(artifacts / "attribution-activity-phone.png"))
    for room in (client, freelancer):
        assert room.errors == [], room.errors
