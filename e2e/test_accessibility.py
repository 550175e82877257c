"""Accessibility in CI: axe-core on every main view (open, proposal pending, history compare,
agreed, phone), with zero violations, and a screenshot of each view in artifacts/ to look at.
Also the states and looks of issue 15: avatars, the agreed value, the compare table and toasts on a
phone, accepting a proposal versus the offer, and "Offline" after a stated time."""

from __future__ import annotations

import re
from pathlib import Path

from axe import violations
from conftest import DESKTOP, PHONE, OpenRoom
from harness import ServerProcess
from playwright.sync_api import Locator, expect
from room import RoomPage

#: web/src/linkstate.ts OFFLINE_AFTER_MS (stated in web/README.md and docs/ARCHITECTURE.md).
OFFLINE_AFTER_S = 20


def _check(room: RoomPage, name: str, artifacts: Path, found: dict[str, list[str]]) -> None:
    """Run axe on the page as it is now and keep a picture of it (from the top)."""
    room.top()
    room.page.wait_for_timeout(250)  # let toasts and highlights settle (axe reads computed colours)
    found[name] = violations(room.page)
    room.page.screenshot(path=str(artifacts / f"a11y-{name}.png"), full_page=True)


def _viewport_shot(room: RoomPage, part: Locator, path: Path) -> None:
    """What a phone shows with `part` at the top of the screen (toasts and floating chips too)."""
    part.evaluate("el => el.scrollIntoView({block: 'start'})")
    room.page.wait_for_timeout(200)
    room.page.screenshot(path=str(path))


def _overlaps(a: Locator, b: Locator) -> bool:
    ra, rb = a.bounding_box(), b.bounding_box()
    assert ra is not None and rb is not None
    return not (
        ra["x"] + ra["width"] <= rb["x"]
        or rb["x"] + rb["width"] <= ra["x"]
        or ra["y"] + ra["height"] <= rb["y"]
        or rb["y"] + rb["height"] <= ra["y"]
    )


def _initials_uncovered(room: RoomPage) -> None:
    """Each avatar's initials end (by 2 px at least) before the next avatar begins."""
    gaps = room.page.evaluate(
        """() => [...document.querySelectorAll('.avatars .avatar')].map((li, i, all) => {
             const next = all[i + 1]; if (!next) return 99
             const text = li.firstElementChild.getBoundingClientRect()
             return next.getBoundingClientRect().left - text.right })"""
    )
    assert all(g >= 2 for g in gaps), gaps  # a clear gap, not a white ring touching a letter


def test_main_views_have_no_axe_violations(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer(title="Checkout redesign for an online bike shop")
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)
    found: dict[str, list[str]] = {}

    # Open: both in the room; the client's draft differs and its agreed value is open.
    expect(client.avatars).to_have_count(2)
    expect(freelancer.avatars).to_have_count(2)
    _initials_uncovered(client)
    _initials_uncovered(freelancer)
    client.commit("Hourly rate", "55")
    for room in (client, freelancer):
        chip = room.highlight("hourly_rate").locator(".chg-chip")
        expect(chip).to_be_visible()
        chip.click()
        agreed = room.highlight("hourly_rate").locator(".agreed")
        expect(agreed).to_have_text("Agreed: $45.00/h")
        expect(agreed).to_be_visible()
        # In the flow: it covers no label (the one below it moved down instead).
        for label in ("Weekly limit", "Manual time"):
            assert not _overlaps(agreed, room.page.locator("label").filter(has_text=label).first)
    _check(client, "open-desktop", artifacts, found)
    _check(freelancer, "open-phone", artifacts, found)
    room = freelancer
    _viewport_shot(room, room.highlight("hourly_rate"), artifacts / "a11y-agreed-value-phone.png")

    # Proposal pending: the freelancer answers it. "Accept" answers the proposal; the offer-level
    # action is apart, under its own heading, in other words.
    client.propose("Stripe work needs a senior rate.")
    f_panel = freelancer.panel
    expect(f_panel.locator(".neg-changes")).to_be_visible()
    expect(freelancer.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    offer_group = f_panel.get_by_role("group", name="The offer as a whole")
    expect(offer_group.get_by_role("button")).to_have_text(
        ["Accept version 1 unchanged", "Decline offer"]
    )
    expect(offer_group).to_contain_text("without the proposed changes")
    expect(f_panel.get_by_role("button", name="Accept", exact=True)).to_be_visible()
    expect(f_panel.get_by_role("button", name="Accept offer")).to_have_count(0)
    _check(client, "pending-desktop", artifacts, found)
    _check(freelancer, "pending-phone", artifacts, found)
    _viewport_shot(freelancer, f_panel, artifacts / "a11y-pending-panel-phone.png")
    f_panel.get_by_role("button", name="Accept", exact=True).click()
    expect(offer_group.get_by_role("button", name="Accept offer")).to_be_visible()

    # History compare: version 1 against 2 on both screens.
    for room in (client, freelancer):
        expect(room.compare_table.locator("caption")).to_contain_text("1 row differs")
    _check(client, "compare-desktop", artifacts, found)
    _check(freelancer, "compare-phone", artifacts, found)
    # On the phone the table says it scrolls sideways, and stops saying so at its end.
    hint = freelancer.history.locator(".cmp-scroll-hint")
    expect(hint).to_have_text(
        "The table is wider than the screen: scroll it sideways to see version 2."
    )
    expect(client.history.locator(".cmp-scroll-hint")).to_be_hidden()
    scroll = freelancer.history.locator(".cmp-scroll")
    expect(scroll).to_have_class(re.compile(r"\bhas-more-right\b"))
    # A toast on a phone stays in the strip beside the conversation button, one at a time.
    toasts = freelancer.page.locator(".toast:visible")
    expect(toasts.first).to_be_visible()
    assert toasts.count() == 1
    fab = freelancer.page.locator(".convo-fab").bounding_box()
    toast = toasts.first.bounding_box()
    assert fab is not None and toast is not None
    assert toast["x"] + toast["width"] <= fab["x"], (toast, fab)
    _viewport_shot(
        freelancer,
        freelancer.history.locator(".cmp-summary"),
        artifacts / "a11y-compare-phone-table.png",
    )
    scroll.evaluate("el => { el.scrollLeft = el.scrollWidth }")
    expect(hint).to_be_hidden()
    expect(scroll).not_to_have_class(re.compile(r"\bhas-more-right\b"))
    freelancer.page.wait_for_timeout(200)
    freelancer.page.screenshot(path=str(artifacts / "a11y-compare-phone-scrolled.png"))

    # The freelancer leaves: the client sees an absent person.
    freelancer.page.context.close()
    expect(client.avatars).to_have_count(1, timeout=20_000)
    _check(client, "absent-desktop", artifacts, found)

    # Agreed: the freelancer comes back on a phone and accepts the offer.
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)
    freelancer.ask_accept_offer().get_by_role("button", name="Confirm and accept").click()
    for room in (client, freelancer):
        expect(room.page.locator(".badge")).to_have_text("Agreed")
    _check(client, "agreed-desktop", artifacts, found)
    _check(freelancer, "agreed-phone", artifacts, found)

    assert {view: v for view, v in found.items() if v} == {}


def test_offline_after_stated_time_visible_anywhere(
    own_server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = own_server.create_offer()
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE, locale="de-DE")
    # Scrolled down on the phone, the connection state still shows (floating at the top).
    freelancer.page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(freelancer.conn).to_have_class(re.compile(r"\bconn-floating\b"))
    expect(freelancer.conn).to_be_in_viewport()
    expect(freelancer.conn).to_have_text("Live")

    own_server.stop()
    for room, text in ((client, "Reconnecting…"), (freelancer, "Erneut verbinden…")):
        expect(room.conn).to_have_text(text, timeout=10_000)
    expect(freelancer.conn).to_be_in_viewport()
    for room, text in ((client, "Offline"), (freelancer, "Offline")):
        expect(room.conn).to_have_attribute("data-state", "offline", timeout=OFFLINE_AFTER_S * 1000)
        expect(room.conn).to_have_text(text)
    expect(client.page.locator(".banner-warn")).to_contain_text(
        f"no connection for over {OFFLINE_AFTER_S} seconds"
    )
    expect(freelancer.page.locator(".banner-warn")).to_contain_text(
        f"seit über {OFFLINE_AFTER_S} Sekunden keine Verbindung"
    )
    expect(freelancer.conn).to_be_in_viewport()
    freelancer.page.screenshot(path=str(artifacts / "a11y-offline-phone-scrolled.png"))
    found = {
        "offline-phone": violations(freelancer.page),
        "offline-desktop": violations(client.page),
    }
    client.top()
    client.page.screenshot(path=str(artifacts / "a11y-offline-desktop.png"))
    assert {view: v for view, v in found.items() if v} == {}

    own_server.start()
    for room in (client, freelancer):
        expect(room.conn).to_have_attribute("data-state", "connected", timeout=15_000)
        expect(room.page.locator(".banner-warn")).to_be_hidden()


def test_phone_in_spanish_and_german(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    """The same looks in the other two languages on a 390 px phone: the offer-level group while a
    proposal waits, the compare table's hint, the agreed value; axe-clean."""
    offer = server.create_offer()
    client = open_room(offer["links"]["client"], viewport=PHONE, locale="de-DE")
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE, locale="es-ES")
    _initials_uncovered(client)
    client.commit("Stundensatz", "55")
    client.panel.get_by_role("button", name="Änderungen vorschlagen").click()
    panel = freelancer.panel
    expect(freelancer.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    group = panel.get_by_role("group", name="La oferta en su conjunto")
    expect(group.get_by_role("button").first).to_have_text("Aceptar la versión 1 sin cambios")
    found = {"pending-phone-es": violations(freelancer.page)}
    _viewport_shot(freelancer, panel, artifacts / "a11y-pending-panel-phone-es.png")
    panel.get_by_role("button", name="Aceptar", exact=True).click()
    expect(freelancer.history.locator(".cmp-scroll-hint")).to_contain_text("ver la versión 2")
    expect(client.history.locator(".cmp-scroll-hint")).to_contain_text("um Version 2 zu sehen")
    found["compare-phone-de"] = violations(client.page)
    _viewport_shot(
        client,
        client.history.locator(".cmp-summary"),
        artifacts / "a11y-compare-phone-table-de.png",
    )
    assert {view: v for view, v in found.items() if v} == {}


def test_milestones_agreed_value_covers_nothing(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    """The milestones card's "Agreed: …" opens under its title; the first row moves down."""
    offer = server.create_offer(
        contract_type="fixed",
        hourly_rate=None,
        weekly_limit=None,
        fixed_price=150000,
        milestones=[
            {"title": "Concepts", "amount": 50000, "due_date": "2026-12-18"},
            {"title": "Build", "amount": 100000, "due_date": "2027-01-15"},
        ],
    )
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    client.commit("Amount", "600", 0)
    card = client.page.locator(".card").filter(has=client.page.locator("#h-milestones"))
    card.locator(".card-title .chg-chip").click()
    agreed = card.locator(":scope > .agreed")
    expect(agreed).to_be_visible()
    assert not _overlaps(agreed, client.page.get_by_text("Milestone title").first)
    assert violations(client.page) == []
    client.shot(card, str(artifacts / "a11y-milestones-agreed-desktop.png"))
