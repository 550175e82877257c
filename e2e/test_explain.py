"""Explanations from the Anthropic explainer, against a local fake of the Messages API.

The server uses the Anthropic explainer when ANTHROPIC_API_KEY is set; ANTHROPIC_BASE_URL points the
SDK at the fake (tests/support/fake_anthropic.py), which streams slowly enough to watch the stream
arrive in both browsers, and to see Accept stay disabled until the explanation is done.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DESKTOP, PHONE, OpenRoom, start_server
from harness import ROOT, ServerProcess
from playwright.sync_api import expect
from room import RoomPage

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.support.fake_anthropic import FakeAnthropic, normal, slow

MODEL = "claude-e2e-fake"
# Every figure is a fact of the change (45 -> 50 an hour), so the grounding check keeps it.
TEXT = (
    "This proposal raises the hourly rate from $45.00 to $50.00. Nothing else in the offer "
    "changes. The client pays more for each hour worked. The scope and the dates stay as "
    "agreed. The weekly limit stays as agreed too."
)
# Records every text the explanation shows, in order, so two pages' streams can be compared.
RECORDER = """() => {
  window.__seen = []
  const look = () => {
    const el = document.querySelector('.neg-explain-text')
    const text = el === null ? '' : el.textContent
    if (text !== '' && window.__seen[window.__seen.length - 1] !== text) window.__seen.push(text)
  }
  const all = { subtree: true, childList: true, characterData: true }
  new MutationObserver(look).observe(document.body, all)
}"""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(model=MODEL) as f:
        yield f


@pytest.fixture(scope="module")
def ai_server(
    fake: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = {
        "ANTHROPIC_API_KEY": "sk-ant-e2e-fake",
        "ANTHROPIC_BASE_URL": fake.url,
        "OFFER_ROOM_AI_MODEL": MODEL,
    }
    srv = start_server(tmp_path_factory.mktemp("ai-server"), env)
    yield srv
    srv.stop()


def _text(room: RoomPage) -> str:
    return room.explanation.locator(".neg-explain-text").inner_text()


def _seen(room: RoomPage) -> list[str]:
    return list(room.page.evaluate("() => window.__seen"))


def test_same_stream_in_both_rooms_and_accept_waits_for_it(
    ai_server: ServerProcess, fake: FakeAnthropic, open_room: OpenRoom, artifacts: Path
) -> None:
    fake.script(slow(TEXT, delay_s=0.6, pieces=8))
    offer = ai_server.create_offer()
    client = open_room(offer["links"]["client"], viewport=DESKTOP)
    freelancer = open_room(offer["links"]["freelancer"], viewport=PHONE)
    for room in (client, freelancer):
        room.page.evaluate(RECORDER)

    freelancer.commit("Hourly rate", "50")
    freelancer.propose("Happy to start early. Let's continue on Telegram, it's quicker.")

    # Mid-stream: text is arriving in both rooms, with a typing cursor; Accept waits for it.
    accept = client.panel.get_by_role("button", name="Accept", exact=True)
    for room in (client, freelancer):
        expect(room.explanation).to_have_attribute("aria-busy", "true")
        expect(room.explanation.locator(".neg-explain-text")).not_to_be_empty()
        expect(room.explanation.locator(".neg-attrib")).to_have_text("Writing…")
    expect(accept).to_be_disabled()
    expect(client.panel.locator("#neg-accept-hint")).to_have_text(
        "Accept unlocks when the explanation is finished."
    )
    client.shot(client.panel, str(artifacts / "proposal-streaming-desktop.png"))
    freelancer.shot(freelancer.panel, str(artifacts / "proposal-streaming-phone.png"))
    assert client.explanation.get_attribute("aria-busy") == "true", "the shots came too late"
    expect(accept).to_be_disabled()

    # Done: the same words in both rooms, chunk by chunk, and Accept is enabled.
    for room in (client, freelancer):
        expect(room.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
        expect(room.explanation.locator(".neg-attrib")).to_have_text(f"AI: {MODEL}")
        expect(room.explanation.locator(".neg-fallback")).to_be_hidden()
    assert _text(client) == _text(freelancer) == TEXT
    seen_client, seen_freelancer = _seen(client), _seen(freelancer)
    assert seen_client == seen_freelancer, (seen_client, seen_freelancer)
    # Released a checked sentence at a time: several steps, each a prefix of the whole.
    assert len(seen_client) >= 3 and all(TEXT.startswith(t) for t in seen_client), seen_client
    expect(accept).to_be_enabled()
    expect(client.panel.locator("#neg-accept-hint")).to_be_hidden()

    # The off-platform request in the note is flagged to the client only.
    flag = client.panel.locator('.flag[data-code="off_platform_contact"]')
    expect(flag).to_contain_text("Contact outside the platform")
    expect(flag.locator(".flag-sev")).to_have_text("Caution")
    expect(flag.locator(".flag-evidence")).to_contain_text("continue on Telegram")
    expect(flag.locator(".flag-evidence")).to_contain_text("in the proposal\u2019s note")
    expect(client.panel.locator(".neg-flags-head")).to_contain_text("Only you can see this")
    expect(freelancer.panel.locator(".flag")).to_have_count(0)
    client.shot(client.panel, str(artifacts / "proposal-done-desktop.png"))

    # A reload gets the stored text (nothing is generated twice) and its own flags again.
    requests = len(fake.requests)
    client.page.reload()
    client.wait_ready()
    expect(client.explanation).to_have_attribute("aria-busy", "false")
    assert _text(client) == TEXT
    expect(client.panel.locator('.flag[data-code="off_platform_contact"]')).to_be_visible()
    expect(accept).to_be_enabled()
    assert len(fake.requests) == requests
    accept.click()
    expect(freelancer.page.locator(".meta")).to_contain_text("Version 2")
    assert client.errors == [] and freelancer.errors == []


def test_ungrounded_ai_text_is_replaced_and_says_so(
    ai_server: ServerProcess, fake: FakeAnthropic, open_room: OpenRoom, artifacts: Path
) -> None:
    wrong = "The weekly limit rises, which doubles the cost to $90.00 an hour."
    fake.script(normal(wrong, pieces=3))
    offer = ai_server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    for room in (client, freelancer):
        room.page.evaluate(RECORDER)
    client.commit("Weekly limit", "30")
    client.propose()

    for room in (client, freelancer):
        expect(room.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
        expect(room.explanation.locator(".neg-attrib")).to_have_text("Offline explainer")
        expect(room.explanation.locator(".neg-fallback")).to_contain_text(
            "cited figures that are not in the offer"
        )
        # The unchecked figure never reached a screen; the offline text streamed instead.
        assert _seen(room) and not any("$90.00" in t for t in _seen(room)), _seen(room)
        assert "$90.00" not in _text(room)
    assert _text(client) == _text(freelancer)
    expect(freelancer.panel.get_by_role("button", name="Accept", exact=True)).to_be_enabled()
    freelancer.shot(freelancer.panel, str(artifacts / "proposal-fallback-desktop.png"))


def test_a_reconnect_mid_stream_replays_without_repeating(
    ai_server: ServerProcess, fake: FakeAnthropic, open_room: OpenRoom
) -> None:
    fake.script(slow(TEXT, delay_s=0.5, pieces=8))
    offer = ai_server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    client.page.evaluate(RECORDER)
    freelancer.commit("Hourly rate", "50")
    freelancer.propose()
    expect(client.explanation.locator(".neg-explain-text")).not_to_be_empty()
    # The client's socket drops mid-stream; the server replays the text so far on reconnect.
    client.page.evaluate("() => window.offerRoom.provider.ws.close()")
    expect(client.explanation).to_have_attribute("aria-busy", "false", timeout=15_000)
    assert _text(client) == TEXT
    assert all(TEXT.startswith(t) for t in _seen(client)), _seen(client)
    expect(client.panel.get_by_role("button", name="Accept", exact=True)).to_be_enabled()
