"""The assistant in two browsers: the offer check's prompts (fix your own, ask about the other's),
private flags of the draft's text, a middle ground after a rejection applied to the draft by hand,
reporting the other party, and the viewer who sees none of it."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe import violations
from conftest import PHONE, OpenRoom, start_server
from harness import ROOT, ServerProcess
from playwright.sync_api import Locator, expect
from room import RoomPage

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.support.receiver import WebhookReceiver

WEBHOOK_SECRET = "e2e-webhook-secret"

#: A fixed-price offer that says little: the check has something to say to both parties.
INCOMPLETE: dict[str, Any] = {
    "title": "Build my website",
    "contract_type": "fixed",
    "hourly_rate": None,
    "weekly_limit": None,
    "fixed_price": 200000,
    "start_date": None,
    "description": "I need a website for my shop.",
}


def card(room: RoomPage) -> Locator:
    return room.page.locator(".card-assist")


def check_item(room: RoomPage, code: str) -> Locator:
    return card(room).locator(f'.ax-item[data-code="{code}"]')


def thread_items(room: RoomPage) -> list[dict[str, Any]]:
    return list(room.page.evaluate("() => window.offerRoom.thread.items"))


def test_offer_check_prompts_questions_and_private_flags(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer(**INCOMPLETE)
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)
    viewer = open_room(server.viewer_link(offer["id"]))

    # Both parties see what the offer lacks; each prompt says whose it is.
    for room in (client, freelancer):
        expect(card(room).get_by_role("heading", name="What this offer still lacks")).to_be_visible(
            timeout=10_000)
        expect(check_item(room, "fixed_no_milestones")).to_be_visible()
    # The field a prompt is about carries a marker that leads to the prompt.
    marker = client.page.locator('.ax-marker[data-field="description"]')
    expect(marker).to_be_visible()
    marker.click()
    expect(client.page.locator(".ax-item:focus")).to_have_attribute("data-field", "description")

    # The client's own prompt takes them to the field (the milestones: their card's first control).
    own = card(client).locator(".ax-item .ax-fix").first
    field = own.evaluate("b => b.closest('.ax-item').dataset.field")
    own.click()
    assert client.page.evaluate(
        """f => {
          const a = document.activeElement
          if (f === 'milestones') return a?.closest('.card')?.querySelector('.ms-list') != null
          return a?.closest('[data-lock-field]')?.dataset.lockField === f
        }""", field), field

    # The freelancer asks the client about one of the client's prompts, in one click.
    askable = card(freelancer).locator(".ax-item").filter(
        has=freelancer.page.get_by_role("button", name="Ask about this"))
    code = askable.first.get_attribute("data-code")
    theirs = check_item(freelancer, str(code))
    about = theirs.get_attribute("data-field")
    question_text = theirs.get_by_role("button", name="Ask about this").get_attribute("title")
    theirs.get_by_role("button", name="Ask about this").click()
    expect(theirs.locator(".ax-asked")).to_have_text(re.compile("Asked"))
    client.page.wait_for_function(
        "f => window.offerRoom.thread.items.some(i => i.kind === 'question' && i.about === f)",
        arg=about, timeout=10_000)
    asked = [i for i in thread_items(client) if i["kind"] == "question" and i.get("about") == about]
    assert asked and asked[0]["author"]["id"] == "f-linus"
    assert question_text is not None and asked[0]["body"] in question_text

    # Text typed into the draft that could hurt the client is flagged for the client alone.
    freelancer.field("Description").click()
    freelancer.page.keyboard.press("End")
    freelancer.page.keyboard.type(" Before we start, send me a copy of your passport please.")
    flag = card(client).locator('.ax-flags .flag[data-code="personal_data"]')
    expect(flag).to_be_visible(timeout=10_000)
    expect(card(client).locator(".ax-flags")).to_contain_text("Only you see this")
    expect(flag.locator(".flag-evidence")).to_contain_text("passport")
    expect(card(freelancer).locator('.ax-flags .flag[data-code="personal_data"]')).to_have_count(0)
    assert violations(client.page) == []
    assert violations(freelancer.page) == []

    # A viewer sees none of the assistant.
    expect(viewer.page.locator(".card-assist")).to_be_hidden()
    expect(viewer.page.locator(".ax-report-open")).to_be_hidden()
    expect(viewer.page.locator(".ax-marker")).to_have_count(0)

    client.shot(card(client), str(artifacts / "assistant-check-desktop.png"))
    freelancer.shot(card(freelancer), str(artifacts / "assistant-check-phone.png"))
    for room in (client, freelancer, viewer):
        assert room.errors == []


def test_a_middle_ground_after_a_rejection_is_applied_by_hand(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()  # hourly at $45.00
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    suggest = client.page.get_by_role("button", name="Suggest a middle ground")
    expect(suggest).to_be_hidden()  # the positions do not differ yet

    freelancer.commit("Hourly rate", "60")
    freelancer.propose()
    expect(client.panel.locator(".neg-explain")).to_have_attribute("aria-busy", "false",
                                                                   timeout=15_000)
    client.panel.get_by_role("button", name="Reject", exact=True).click()
    client.choose_reason("Budget")
    client.panel.get_by_role("button", name="Reject proposal").click()
    expect(client.field("Hourly rate")).to_be_enabled()

    # After the rejection the client may ask; the answer is for the client alone.
    expect(suggest).to_be_visible()
    suggest.click()
    dialog = client.page.get_by_role("dialog", name="A middle ground")
    expect(dialog).to_be_visible(timeout=10_000)
    item = dialog.locator('.ax-sugg-item[data-field="hourly_rate"]')
    expect(item).to_contain_text("$45.00/h")
    expect(item).to_contain_text("$60.00/h")
    assert violations(client.page) == []
    expect(freelancer.page.get_by_role("dialog")).to_have_count(0)
    client.shot(dialog, str(artifacts / "assistant-suggestion.png"))
    # Nothing changed until "Apply to my draft".
    assert client.terms()["hourly_rate"] == 4500

    offered = item.inner_text()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # The freelancer asks too and gets the same middle ground (the positions decide, not the
    # asker), applies it to the draft by hand and proposes it; the client receives it.
    theirs = freelancer.page.get_by_role("button", name="Suggest a middle ground")
    expect(theirs).to_be_visible()
    theirs.click()
    their_dialog = freelancer.page.get_by_role("dialog", name="A middle ground")
    expect(their_dialog).to_be_visible(timeout=10_000)
    assert freelancer.terms()["hourly_rate"] == 4500  # nothing applied by itself
    their_dialog.get_by_role("button", name="Apply to my draft").click()
    expect(their_dialog).to_be_hidden()
    expect(freelancer.page.locator(".toast").filter(has_text="Your draft was filled")
           ).to_be_visible()
    rate = freelancer.terms()["hourly_rate"]
    assert 4500 < rate < 6000, rate
    assert f"${rate / 100:.2f}/h" in offered, offered  # what the client was shown
    # The same path as a person's edit: the other party sees it, tinted as the freelancer's.
    client.page.wait_for_function(
        "r => window.offerRoom.doc.getMap('terms').get('hourly_rate') === r", arg=rate)
    expect(client.highlight("hourly_rate")).to_have_class(re.compile(r"\bchanged\b"))
    freelancer.propose("Meeting you in the middle.")
    expect(client.panel.locator(".neg-explain")).to_have_attribute("aria-busy", "false",
                                                                   timeout=15_000)
    expect(client.panel.locator(".neg-explain-text")).to_contain_text(f"${rate / 100:.2f}")
    for room in (client, freelancer):
        assert room.errors == []


def test_each_party_reads_the_proposal_in_their_own_language(
    server: ServerProcess, open_room: OpenRoom, artifacts: Path
) -> None:
    offer = server.create_offer()  # hourly at $45.00
    client = open_room(offer["links"]["client"])  # en-US
    freelancer = open_room(offer["links"]["freelancer"], locale="de-DE")
    client.commit("Hourly rate", "50")
    client.propose()
    for room in (client, freelancer):
        expect(room.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    english = client.explanation.locator(".neg-explain-text")
    german = freelancer.explanation.locator(".neg-explain-text")
    # The same facts, each in the reader's words and formats.
    expect(english).to_contain_text("$45.00")
    expect(english).to_contain_text("$50.00")
    expect(german).to_contain_text("45,00\u00a0$")
    expect(german).to_contain_text("50,00\u00a0$")
    expect(german).to_contain_text("Stundensatz")
    freelancer.shot(freelancer.panel, str(artifacts / "assistant-explain-de.png"))
    client.shot(client.panel, str(artifacts / "assistant-explain-en.png"))
    # The freelancer can read it as the client does.
    freelancer.explanation.get_by_role("button", name="English").click()
    expect(german).to_contain_text("$50.00")
    assert violations(freelancer.page) == []
    for room in (client, freelancer):
        assert room.errors == []


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hooks = WebhookReceiver(WEBHOOK_SECRET)
    yield hooks
    hooks.close()


@pytest.fixture
def hooked_server(tmp_path: Path, receiver: WebhookReceiver) -> Iterator[ServerProcess]:
    srv = start_server(tmp_path, {"OFFER_ROOM_WEBHOOK_URL": receiver.url,
                                  "OFFER_ROOM_WEBHOOK_SECRET": WEBHOOK_SECRET})
    yield srv
    srv.stop()


def test_reporting_the_other_party(hooked_server: ServerProcess, receiver: WebhookReceiver,
                                   open_room: OpenRoom, artifacts: Path) -> None:
    server = hooked_server
    offer = server.create_offer()
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)
    opener = freelancer.page.get_by_role("button", name="Report Ada Lovelace to the marketplace")
    opener.click()
    dialog = freelancer.page.get_by_role("dialog", name="Report Ada Lovelace")
    expect(dialog).to_be_visible()
    # Escape closes it and the focus goes back to where it was.
    freelancer.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    opener.click()
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.get_by_role("alert")).to_have_text("Choose what happened.")
    dialog.get_by_label("What happened?").select_option("off_platform")
    reason = dialog.get_by_label("What should the trust team know? (optional)")
    reason.fill("Asked me to pay a deposit by bank transfer.")
    expect(dialog).to_contain_text("43 / 2,000 characters")
    freelancer.page.screenshot(path=str(artifacts / "assistant-report-phone.png"))
    assert violations(freelancer.page) == []
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog).to_contain_text("Thanks \u2014 the marketplace\u2019s trust team has been told.")
    events = server.api("GET", f"/api/offers/{offer['id']}/events")
    items = events["events"] if isinstance(events, dict) else events
    reported = [e for e in items if e.get("kind") == "risk.reported"]
    assert reported, items
    assert reported[0]["payload"]["category"] == "off_platform"
    # The marketplace's trust team hears of it through the signed webhook.
    freelancer.page.wait_for_function("() => true")  # let the dispatcher run
    for _ in range(100):
        if "risk.reported" in receiver.kinds():
            break
        freelancer.page.wait_for_timeout(100)
    [hook] = [e for e in receiver.received if e["kind"] == "risk.reported"]
    assert hook["payload"]["reported"]["name"] == "Ada Lovelace"
    assert hook["payload"]["reason"] == "Asked me to pay a deposit by bank transfer."
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    assert freelancer.errors == []
