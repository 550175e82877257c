"""How an offer ended and how it felt (issue 18): the client withdraws with a reason category and
words, both parties read it in the closed banner, both are asked the closing question, each
answers once, and the audit log over REST has the category and both scores."""

from __future__ import annotations

import json
import re
from pathlib import Path

from axe import violations
from conftest import DESKTOP, OpenRoom, start_server
from harness import ServerProcess
from playwright.sync_api import ViewportSize, expect
from room import RoomPage

PHONE_375: ViewportSize = {"width": 375, "height": 812}
NOTE = "We found a cheaper option"
QUESTION = "How likely are you to recommend negotiating offers this way?"


def _clear_toasts(room: RoomPage) -> None:
    """The toasts float over the card: gone for the pictures."""
    room.page.evaluate("() => document.querySelector('.toasts')?.replaceChildren()")


def _answer(room: RoomPage, score: int, comment: str | None) -> None:
    card = room.page.locator(".survey-card")
    card.get_by_role("radio", name=str(score), exact=True).check()
    if comment is not None:
        card.get_by_label("Comment (optional)").fill(comment)
    card.get_by_role("button", name="Send", exact=True).click()
    expect(card.get_by_role("status")).to_have_text("Thanks for your answer.", timeout=10_000)


def test_withdraw_with_a_category_then_both_rate(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE_375)

    # The client withdraws: the category is required, the words are optional.
    client.panel.get_by_role("button", name="Withdraw offer").click()
    confirm = client.panel.locator(".neg-confirm")
    expect(confirm.get_by_role("radiogroup", name="Main reason (required)")).to_be_visible()
    # The client's categories: never "Not available" (that is the freelancer's).
    expect(confirm.get_by_role("radio")).to_have_count(7)
    expect(confirm.get_by_role("radio", name="Hired someone else")).to_be_visible()
    expect(confirm.get_by_role("radio", name="Not available")).to_have_count(0)
    client.page.get_by_label("Reason (optional)").fill(NOTE)
    client.button("Withdraw for good").click()
    expect(confirm.locator(".reason-error")).to_have_text("Choose the main reason.")
    expect(client.page.locator(".badge")).to_have_text("Open")  # nothing was sent
    client.choose_reason("Budget")
    expect(confirm.locator(".reason-error")).to_be_hidden()
    _clear_toasts(client)
    confirm.screenshot(path=str(artifacts / "outcomes-withdraw-reason.png"))
    assert violations(client.page) == []
    client.button("Withdraw for good").click()

    # Both read the category and the words in the closed banner, and get the closing question.
    for room in (client, freelancer):
        expect(room.page.locator(".badge")).to_have_text("Withdrawn", timeout=10_000)
        expect(room.closed_banner.locator(".closed-title")).to_have_text("Withdrawn — Budget.")
        expect(room.closed_banner).to_contain_text(f"“{NOTE}”")
        card = room.page.locator(".survey-card")
        expect(card).to_be_visible(timeout=10_000)
        expect(card.get_by_role("group", name=QUESTION)).to_be_visible()
        expect(card.get_by_role("radio")).to_have_count(11)
        expect(card.get_by_role("radio", name="0 Not at all likely")).to_be_visible()
        expect(card.get_by_role("radio", name="10 Extremely likely")).to_be_visible()
        expect(card.get_by_role("button", name="Not now")).to_be_visible()
        assert room.errors == []

    # The closed room with the card, on a desktop and a 375 px phone; axe finds nothing.
    for room, name in ((client, "outcomes-survey-desktop"), (freelancer, "outcomes-survey-phone")):
        _clear_toasts(room)
        room.top()
        room.page.screenshot(path=str(artifacts / f"{name}.png"))
        room.page.locator(".banners").screenshot(path=str(artifacts / f"{name}-card.png"))
    assert violations(client.page) == []
    assert violations(freelancer.page) == []

    # The comment counts its characters; Send without a score says so inline.
    f_card = freelancer.page.locator(".survey-card")
    f_card.get_by_label("Comment (optional)").fill("Clear")
    expect(f_card.locator(".survey-count")).to_have_text("5 / 1,000")
    f_card.get_by_role("button", name="Send", exact=True).click()
    expect(f_card.locator(".survey-error")).to_have_text("Choose a number from 0 to 10.")

    _answer(freelancer, 9, "Clear and quick, even though it did not work out.")
    _answer(client, 3, None)
    _clear_toasts(freelancer)
    freelancer.page.locator(".banners").screenshot(
        path=str(artifacts / "outcomes-survey-thanks-phone.png"))

    # After a reload the question does not come back.
    freelancer.page.reload()
    freelancer.wait_ready()
    expect(freelancer.closed_banner.locator(".closed-title")).to_have_text("Withdrawn — Budget.")
    freelancer.page.wait_for_timeout(1500)  # time for a `survey` message to arrive, if any
    expect(freelancer.page.locator(".survey-card")).to_be_hidden()

    # The audit log: the category of the withdrawal and both answers (role and score only).
    events = server.api("GET", f"/api/offers/{offer['id']}/events")
    withdrawn = [e for e in events if e["kind"] == "offer_withdrawn"]
    assert len(withdrawn) == 1, events
    assert withdrawn[0]["payload"]["reason_code"] == "budget"
    rated = sorted(
        ({"role": e["payload"]["role"], "score": e["payload"]["score"]}
         for e in events if e["kind"] == "satisfaction_rated"),
        key=lambda p: str(p["role"]),
    )
    assert rated == [{"role": "client", "score": 3}, {"role": "freelancer", "score": 9}], events


def test_not_now_hides_the_question_for_this_page_view(
    server: ServerProcess, open_room: OpenRoom
) -> None:
    offer = server.create_offer()
    freelancer = open_room(offer["links"]["freelancer"])
    freelancer.panel.get_by_role("button", name="Decline offer").click()
    confirm = freelancer.panel.locator(".neg-confirm")
    # The freelancer's categories: "Not available", never "Hired someone else".
    expect(confirm.get_by_role("radio", name="Not available")).to_be_visible()
    expect(confirm.get_by_role("radio", name="Hired someone else")).to_have_count(0)
    freelancer.choose_reason("Not available")
    freelancer.button("Decline for good").click()
    expect(freelancer.closed_banner.locator(".closed-title")).to_have_text(
        "Declined — Not available.", timeout=10_000)
    card = freelancer.page.locator(".survey-card")
    expect(card).to_be_visible(timeout=10_000)
    card.get_by_role("button", name="Not now").click()
    expect(card).to_be_hidden()
    # Not answered, so a new page view asks again.
    freelancer.page.reload()
    freelancer.wait_ready()
    expect(freelancer.page.locator(".survey-card")).to_be_visible(timeout=10_000)


def test_a_variant_without_explanations_and_middle_ground(
    tmp_path: Path, open_room: OpenRoom
) -> None:
    """hello `features`: no explanation is shown or waited for (Accept works at once), and the
    middle-ground button never shows."""
    env = {"OFFER_ROOM_VARIANTS": json.dumps(
        {"control": {"weight": 1, "off": ["explanations", "middle_ground", "offer_check"]}})}
    server = start_server(tmp_path, env)
    try:
        offer = server.create_offer()
        client = open_room(offer["links"]["client"])
        freelancer = open_room(offer["links"]["freelancer"])
        freelancer.commit("Hourly rate", "55")
        freelancer.propose()
        expect(client.panel.locator(".neg-headline")).to_contain_text("waiting on you",
                                                                       timeout=10_000)
        expect(client.panel.locator(".neg-changes")).to_contain_text("Hourly rate")
        expect(client.explanation).to_be_hidden()
        expect(client.panel.locator(".neg-typing")).to_be_hidden()
        expect(client.button("Accept")).to_be_enabled()
        client.button("Reject").click()
        client.choose_reason("Budget")
        client.panel.get_by_role("button", name="Reject proposal").click()
        expect(client.field("Hourly rate")).to_be_enabled(timeout=10_000)
        # The positions differ now (test_assistant.py shows the button here); this variant has none.
        client.page.wait_for_timeout(1000)
        expect(client.page.get_by_role("button", name="Suggest a middle ground")).to_have_count(0)
        assert client.errors == [] and freelancer.errors == []
    finally:
        server.stop()


def test_declining_every_change_asks_for_the_category(
    server: ServerProcess, open_room: OpenRoom
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    freelancer.commit("Hourly rate", "55")
    freelancer.propose()
    expect(client.panel.locator(".neg-headline")).to_contain_text("waiting on you", timeout=10_000)
    expect(client.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    client.button("Answer change by change").click()
    foot = client.panel.locator(".dec-foot")
    categories = foot.get_by_role("radiogroup", name="Main reason (required)")
    expect(categories).to_be_hidden()
    row = client.panel.locator('.neg-change[data-key="hourly_rate"]')
    row.get_by_label("Decline", exact=True).check()
    # Every change declined is a reject: the reject categories, required.
    expect(categories).to_be_visible()
    expect(categories.get_by_role("radio")).to_have_count(5)
    client.button("Send decision").click()
    expect(foot.locator(".reason-error")).to_have_text("Choose the main reason.")
    categories.get_by_role("radio", name="Timeline", exact=True).check()
    client.button("Send decision").click()
    expect(freelancer.page.locator(".toast").filter(has_text="rejected the proposal")).to_have_text(
        re.compile("Ada Lovelace rejected the proposal — Timeline"), timeout=10_000)
    expect(client.field("Hourly rate")).to_have_value("45.00", timeout=10_000)
