"""Versions: history, side-by-side compare, loading an old version into the draft, agreement."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import DESKTOP, PHONE, OpenRoom
from harness import ServerProcess
from playwright.sync_api import expect
from room import RoomPage

CHANGED = re.compile(r"\bchanged\b")


def _row(room: RoomPage, key: str) -> tuple[str, str, bool]:
    row = room.compare_table.locator(f'tr[data-key="{key}"]')
    cells = row.locator("td")
    classes = row.get_attribute("class") or ""
    return cells.nth(0).inner_text(), cells.nth(1).inner_text(), "changed" in classes.split()


def test_history_compare_revert_and_agree(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)

    # Before anything is proposed, the freelancer can accept as it stands: their move.
    expect(freelancer.turn).to_have_text("Waiting on you")
    expect(client.turn).to_have_text("Waiting on Linus")
    expect(client.history.locator(".ver")).to_have_count(1)
    expect(client.history).to_contain_text("There is only version 1 so far")
    expect(client.history.get_by_role("button", name=re.compile("^Load version"))).to_have_count(0)

    # The freelancer changes the rate and proposes; the client sees it and accepts.
    freelancer.commit("Hourly rate", "55")
    freelancer.propose("Stripe work needs a senior rate.")
    expect(client.turn).to_have_text("Waiting on you")
    expect(freelancer.turn).to_have_text("Waiting on Ada")
    expect(client.panel.locator(".neg-changes")).to_contain_text("Hourly rate: $45.00/h → $55.00/h")
    expect(client.panel.locator(".chg-delta")).to_have_text("+$10.00 (+22.2%)")
    expect(client.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    client.panel.get_by_role("button", name="Accept", exact=True).click()

    # Both see version 2 in the history (current, who proposed, who accepted) and in the compare.
    for room, author, accepter in (
        (client, "Linus Torvalds", "you"),
        (freelancer, "you", "Ada Lovelace"),
    ):
        v2 = room.history.locator('.ver[data-version="2"]')
        expect(v2).to_contain_text("Current")
        expect(v2).to_contain_text(f"Proposed by {author}")
        expect(v2).to_contain_text(f"accepted by {accepter}")
        expect(room.history.locator('.ver[data-version="1"]')).to_contain_text("Offer as sent by")
        expect(room.compare_table.locator("caption")).to_contain_text(
            "Version 1 compared with version 2: 1 row differs"
        )
        assert _row(room, "hourly_rate") == ("$45.00/h", "$55.00/h", True)
        assert _row(room, "weekly_limit") == ("20 h/week", "20 h/week", False)
        expect(room.field("From version")).to_have_value("1")
        expect(room.field("To version")).to_have_value("2")
    expect(
        freelancer.page.locator(".toast").filter(has_text="accepted the proposal")
    ).to_be_visible()

    # On a phone the table scrolls sideways inside its box; the page itself does not.
    scroll = freelancer.history.locator(".cmp-scroll")
    scroll.scroll_into_view_if_needed()
    widths = scroll.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1], widths
    assert freelancer.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # "Only changed rows" leaves the rate.
    client.page.get_by_label("Only changed rows").check()
    expect(client.compare_table.locator("tbody tr:visible")).to_have_count(1)
    client.page.get_by_label("Only changed rows").uncheck()

    client.shot(client.history, str(artifacts / "history-desktop.png"))
    freelancer.shot(freelancer.history, str(artifacts / "history-phone.png"))

    # A viewer in Germany reads the same comparison in German and their own formats, and cannot
    # load versions.
    viewer = open_room(server.viewer_link(offer["id"]), locale="de-DE", viewport=PHONE)
    rate = viewer.compare_table.locator('tr[data-key="hourly_rate"] td')
    expect(rate.nth(0)).to_have_text(re.compile(r"^45,00\s\$/Std\.$"))
    expect(rate.nth(1)).to_have_text(re.compile(r"^55,00\s\$/Std\.$"))
    expect(viewer.history.locator('.ver[data-version="2"] time')).to_contain_text(".")
    load_any = viewer.history.get_by_role("button", name=re.compile("in den Entwurf laden$"))
    expect(load_any).to_have_count(0)
    expect(viewer.turn).to_have_text("Linus ist am Zug")

    # The client loads version 1 into the draft, by keyboard: a draft change for both, never a
    # silent commit. Escape cancels and gives the focus back.
    load = client.button("Load version 1 into the draft")
    load.focus()
    client.page.keyboard.press("Enter")
    confirm = client.history.locator(".neg-confirm")
    expect(confirm).to_contain_text("Nothing is agreed until you propose it and Linus accepts")
    expect(client.button("Load version 1")).to_be_focused()
    client.page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(load).to_be_focused()
    client.page.keyboard.press("Enter")
    expect(client.button("Load version 1")).to_be_focused()
    client.page.keyboard.press("Enter")
    expect(client.history.locator(".hist-done")).to_contain_text("Version 1 is now in the draft")
    for room, who in ((client, "Changed by you"), (freelancer, "Changed by Ada")):
        expect(room.field("Hourly rate")).to_have_value("45.00")
        expect(room.highlight("hourly_rate")).to_have_class(CHANGED)
        expect(room.highlight("hourly_rate").locator(".chg-chip")).to_have_text(who)
        expect(room.page.locator(".meta")).to_contain_text("Version 2")
        expect(room.panel.locator(".neg-headline")).to_contain_text("1 change from version 2")
    expect(client.turn).to_have_text("Waiting on you")  # their unproposed draft change
    expect(freelancer.page.locator(".toast").filter(has_text="loaded version 1")).to_be_visible()

    # The freelancer accepts the offer as agreed (version 2): the draft change is dropped.
    expect(freelancer.ask_accept_offer()).to_contain_text(
        "the draft changes are dropped"
    )
    freelancer.button("Confirm and accept").click()
    for room, who in ((client, "Linus Torvalds accepted"), (freelancer, "You accepted")):
        expect(room.closed_banner).to_contain_text("Agreed on version 2.")
        expect(room.closed_banner).to_contain_text(re.compile(who + r" the offer on \w"))
        expect(room.closed_banner).to_contain_text("read-only")
        expect(room.page.locator(".badge")).to_have_text("Agreed")
        expect(room.turn).to_be_hidden()
        expect(room.page.locator(".meta .expiry")).to_be_hidden()
        expect(room.field("Hourly rate")).to_have_value("55.00")
        expect(room.field("Hourly rate")).to_be_disabled()
        expect(room.history.get_by_role("button", name=re.compile("^Load version"))).to_have_count(
            0
        )
    expect(client.page.locator(".toast").filter(has_text="accepted the offer")).to_be_visible()

    client.top()
    freelancer.top()
    client.page.screenshot(path=str(artifacts / "agreed-desktop.png"))
    freelancer.page.screenshot(path=str(artifacts / "agreed-phone.png"))
    assert client.errors == [] and freelancer.errors == []


def test_withdrawn_and_expired_banners(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    # Withdrawn: the client says why; both read who, when and why.
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)
    client.panel.get_by_role("button", name="Withdraw offer").click()
    client.page.get_by_label("Reason (optional)").fill("The budget was cut.")
    client.choose_reason("Budget")
    client.button("Withdraw for good").click()
    expect(client.closed_banner).to_contain_text(re.compile(r"You withdrew this offer on \w"))
    expect(freelancer.closed_banner).to_contain_text("Ada Lovelace withdrew this offer on")
    expect(freelancer.closed_banner).to_contain_text("Reason: “The budget was cut.”")
    expect(freelancer.page.locator(".toast").filter(has_text="withdrew the offer")).to_be_visible()
    expect(freelancer.field("Title")).to_be_disabled()
    freelancer.top()
    freelancer.page.screenshot(path=str(artifacts / "withdrawn-phone.png"))

    # Expired: a countdown under a day is urgent; when it runs out the room closes and says so.
    from datetime import UTC, datetime, timedelta

    soon = (datetime.now(UTC) + timedelta(seconds=7)).isoformat().replace("+00:00", "Z")
    offer = server.create_offer(expires_at=soon)
    client = open_room(offer["links"]["client"])
    expiry = client.page.locator(".meta .expiry")
    expect(expiry).to_have_text("Expires in less than a minute")
    expect(expiry).to_have_class(re.compile(r"\burgent\b"))
    expect(client.closed_banner).to_contain_text("Expired.", timeout=15_000)
    expect(client.closed_banner).to_contain_text("Nobody accepted this offer before it expired on")
    expect(client.page.locator(".toast").filter(has_text="expired")).to_be_visible()
    expect(client.field("Hourly rate")).to_be_disabled()
    expect(expiry).to_contain_text("Expired")
    client.top()
    client.page.screenshot(path=str(artifacts / "expired-desktop.png"))
