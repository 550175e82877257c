"""Screenshots of a lively room at desktop and phone widths, saved to artifacts/ to look at."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import DESKTOP, PHONE, OpenRoom
from harness import ServerProcess
from playwright.sync_api import FloatRect, expect
from room import RoomPage

DESCRIPTION = (
    "Redesign the checkout of our React storefront as a single page: address autocomplete, "
    "saved cards through our existing Stripe account, and accessibility fixes to WCAG 2.2 AA.\n\n"
    "Out of scope: the product pages and the back office."
)


def _top(*rooms: RoomPage) -> None:
    """Full-page shots of a scrolled page draw the sticky header mid-page: scroll up first."""
    for room in rooms:
        room.page.evaluate("() => window.scrollTo(0, 0)")


def _segments(room: RoomPage, stem: Path) -> None:
    """A tall phone page as screen-sized pieces (-1.png, -2.png, …), readable at full size."""
    height = int(room.page.evaluate("() => document.documentElement.scrollHeight"))
    vp = room.page.viewport_size or PHONE
    for i, y in enumerate(range(0, height, vp["height"]), start=1):
        clip: FloatRect = {
            "x": 0,
            "y": y,
            "width": vp["width"],
            "height": min(vp["height"], height - y),
        }
        room.page.screenshot(path=f"{stem}-{i}.png", full_page=True, clip=clip)


def test_screenshots(server: ServerProcess, open_room: OpenRoom, artifacts: Path) -> None:
    offer = server.create_offer(
        title="Checkout redesign for an online bike shop",
        contract_type="fixed",
        hourly_rate=None,
        weekly_limit=None,
        fixed_price=240000,
        description=DESCRIPTION,
        milestones=[
            {
                "title": "Wireframes and clickable prototype",
                "amount": 60000,
                "due_date": "2026-12-18",
            },
            {
                "title": "Checkout build and payment integration",
                "amount": 120000,
                "due_date": "2027-01-15",
            },
            {"title": "Accessibility audit and fixes", "amount": 60000, "due_date": "2027-01-29"},
        ],
    )
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)

    # The freelancer counters: a higher price and a later end; the client tightens a milestone.
    freelancer.commit("Fixed price", "2,800")
    freelancer.commit("Amount", "1,600", 1)
    freelancer.field("End date").fill("2027-02-12")
    freelancer.field("End date").blur()
    client.field("Milestone title", 2).fill("Accessibility audit, fixes and handover")
    client.field("Milestone title", 2).blur()
    expect(client.highlight("fixed_price")).to_have_class(re.compile(r"\bchanged\b"))
    # The freelancer is typing in the description; the client is in the fixed price.
    freelancer.field("Description").click()
    client.field("Fixed price").click()
    expect(freelancer.wrapper("fixed_price")).to_have_class(re.compile(r"\blocked\b"))
    expect(client.wrapper("description")).to_have_class(re.compile(r"\bpeer-focus\b"))

    _top(client, freelancer)
    client.page.screenshot(path=str(artifacts / "room-desktop-client.png"), full_page=True)
    freelancer.page.screenshot(path=str(artifacts / "room-phone-freelancer.png"), full_page=True)
    _segments(freelancer, artifacts / "room-phone-freelancer")

    # The agreed value on hover.
    client.field("Fixed price").blur()
    client.highlight("fixed_price").hover()
    expect(client.highlight("fixed_price").locator(".agreed")).to_have_text("Agreed: $2,400.00")
    client.page.screenshot(path=str(artifacts / "room-desktop-agreed.png"))

    # Same offer, hourly, at both widths the other way round.
    client.field("Contract type").select_option("hourly")
    client.field("Contract type").blur()
    client.commit("Hourly rate", "55")
    client.commit("Weekly limit", "25")
    client.page.set_viewport_size(PHONE)
    freelancer.page.set_viewport_size(DESKTOP)
    expect(freelancer.page.locator(".summary")).to_contain_text("$1,375.00")
    _top(client, freelancer)
    freelancer.page.screenshot(path=str(artifacts / "room-desktop-hourly.png"), full_page=True)
    client.page.screenshot(path=str(artifacts / "room-phone-hourly.png"), full_page=True)
    _segments(client, artifacts / "room-phone-hourly")
    assert client.errors == [] and freelancer.errors == []


def test_screenshots_of_states(server: ServerProcess, open_room: OpenRoom, artifacts: Path) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    client.commit("Hourly rate", "50")
    viewer = open_room(server.viewer_link(offer["id"]), viewport={"width": 360, "height": 780})
    expect(viewer.field("Hourly rate")).to_have_value("50.00")
    viewer.page.screenshot(path=str(artifacts / "state-viewer-360.png"))
    bad = open_room(f"{server.base_url}/offers/{offer['id']}?token=expired", wait=False)
    expect(bad.conn).to_have_attribute("data-state", "fatal", timeout=10_000)
    bad.page.screenshot(path=str(artifacts / "state-bad-link.png"))


def test_screenshots_of_a_proposal(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)
    freelancer.commit("Hourly rate", "60")
    freelancer.commit("Weekly limit", "30")
    freelancer.page.get_by_label("Note (optional)").fill(
        "Happy to start sooner. Message me on WhatsApp +1 555 0100 to speed things up."
    )
    freelancer.page.get_by_role("button", name="Propose changes").click()
    panel = client.page.locator(".card-negotiation")
    expect(panel.locator(".neg-explain")).to_have_attribute("aria-busy", "false", timeout=15_000)
    _top(client)
    client.page.screenshot(path=str(artifacts / "proposal-desktop-client.png"), full_page=True)
    expect(freelancer.page.locator(".card-negotiation .neg-explain")).to_have_attribute(
        "aria-busy", "false"
    )
    freelancer.page.locator(".card-negotiation").scroll_into_view_if_needed()
    freelancer.page.locator(".card-negotiation").screenshot(
        path=str(artifacts / "proposal-phone-freelancer.png")
    )


def test_screenshots_of_a_fixed_price_comparison(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    """Milestones row by row and the description's changed sentences, at 1280 and 360 px."""
    offer = server.create_offer(
        contract_type="fixed",
        hourly_rate=None,
        weekly_limit=None,
        fixed_price=240000,
        description=DESCRIPTION,
        milestones=[
            {"title": "Wireframes and prototype", "amount": 60000, "due_date": "2026-12-18"},
            {"title": "Checkout build", "amount": 120000, "due_date": "2027-01-15"},
            {"title": "Accessibility audit", "amount": 60000, "due_date": "2027-01-29"},
        ],
    )
    client = open_room(offer["links"]["client"], viewport={"width": 360, "height": 780})
    freelancer = open_room(offer["links"]["freelancer"], viewport=DESKTOP)
    freelancer.commit("Fixed price", "2,800")
    freelancer.commit("Amount", "1,600", 1)
    freelancer.field("End date").fill("2027-02-12")
    freelancer.field("End date").blur()
    freelancer.field("Due date", 2).fill("2027-02-12")
    freelancer.field("Due date", 2).blur()
    freelancer.field("Description").fill(
        DESCRIPTION.replace(
            "saved cards through our existing Stripe account", "saved cards via Stripe"
        )
        + "\n\nIncludes two rounds of revisions."
    )
    freelancer.field("Description").blur()
    freelancer.propose("The payment integration is bigger than it looked.")
    expect(freelancer.page.locator(".toast").filter(has_text="Proposal sent")).to_be_visible()

    # The client, on a phone, is told at the top and can jump to the proposal.
    banner = client.page.locator(".banner-accent")
    expect(banner).to_contain_text("waiting on you")
    expect(client.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    client.top()
    client.page.screenshot(path=str(artifacts / "proposal-phone-360-top.png"))
    banner.get_by_role("button", name="Review the proposal").click()
    expect(client.panel).to_be_focused()
    client.shot(client.panel, str(artifacts / "proposal-phone-360-drawer.png"))
    client.panel.get_by_role("button", name="Accept", exact=True).click()

    for room in (client, freelancer):
        table = room.compare_table
        expect(table.locator("caption")).to_contain_text("Version 1 compared with version 2")
        expect(table.locator('tr[data-key="fixed_price"]')).to_have_class(
            re.compile(r"\bchanged\b")
        )
        expect(table.locator("tr.cmp-milestone")).to_have_count(3)
        expect(table.locator("tr.cmp-milestone.changed")).to_have_count(2)
        expect(table.locator("tr.cmp-description td").nth(0).locator("del")).to_have_text(
            re.compile("saved cards through our existing Stripe account")
        )
        expect(table.locator("tr.cmp-description td").nth(1).locator("ins")).to_have_count(2)
    assert client.page.evaluate("() => document.documentElement.scrollWidth") <= 360
    freelancer.shot(freelancer.history.locator(".cmp"), str(artifacts / "compare-desktop.png"))
    client.shot(client.history, str(artifacts / "history-phone-360.png"))
    assert client.errors == [] and freelancer.errors == []
