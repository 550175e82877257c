"""The thread in two browsers: chat, a question on a field answered and resolved in place, the
negotiation's steps between the messages; the party who was away gets a digest by e-mail (a
real SMTP server) and comes back to an unread count."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import PHONE, OpenRoom, start_server
from harness import ROOT, ServerProcess
from playwright.sync_api import Locator, expect
from room import RoomPage

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.support.smtp import SmtpSink

#: A digest waits half a second for company; due digests are looked for every 0.2 s.
QUICK_DIGESTS = {"OFFER_ROOM_NOTIFY_DELAY_S": "0.5", "OFFER_ROOM_NOTIFY_SWEEP_SECONDS": "0.2"}


@pytest.fixture
def mailbox() -> Iterator[SmtpSink]:
    with SmtpSink() as box:
        yield box


@pytest.fixture
def mail_server(tmp_path: Path, mailbox: SmtpSink) -> Iterator[ServerProcess]:
    """A server that e-mails digests to ``mailbox``."""
    srv = start_server(tmp_path, {**QUICK_DIGESTS, "OFFER_ROOM_SMTP_URL": mailbox.url})
    yield srv
    srv.stop()


def the_digest(mailbox: SmtpSink, timeout: float = 15.0) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while not mailbox.messages:
        assert time.monotonic() < deadline, "no digest reached the SMTP server"
        time.sleep(0.05)
    [mail] = mailbox.messages
    return mail


def panel(room: RoomPage) -> Locator:
    return room.page.get_by_role("region", name="Conversation")


def open_panel(room: RoomPage) -> Locator:
    region = panel(room)
    if not region.is_visible():
        room.page.get_by_role("button", name=re.compile(r"^Conversation")).first.click()
    expect(region).to_be_visible()
    return region


def send(room: RoomPage, text: str) -> None:
    region = open_panel(room)
    region.get_by_role("textbox", name="Message").fill(text)
    region.get_by_role("button", name="Send").click()


def test_they_chat_ask_answer_and_resolve(
    server: ServerProcess, open_room: OpenRoom, artifacts: str
) -> None:
    offer = server.create_offer()
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])

    send(client, "Hi Linus — happy to adjust the dates if you need.")
    f_log = open_panel(freelancer).get_by_role("log", name="Messages")
    expect(f_log).to_contain_text("happy to adjust the dates")
    expect(f_log).to_contain_text("Ada")

    # The freelancer asks about Hourly rate; the question shows on the field for both.
    region = open_panel(freelancer)
    region.get_by_role("button", name="Ask a question").click()
    region.get_by_role("combobox", name="Question about").select_option(label="Hourly rate")
    region.get_by_role("textbox", name="Message").fill("Does the rate include the weekly demo?")
    region.get_by_role("button", name="Send").click()
    marker = client.page.get_by_role("button", name=re.compile("question.* open about Hourly rate"))
    expect(marker).to_be_visible()

    # The client answers in place; only the freelancer may resolve it.
    c_log = open_panel(client).get_by_role("log", name="Messages")
    question = c_log.locator("li, article").filter(has_text="Does the rate include").last
    question.get_by_role("button", name="Answer").click()
    open_panel(client).get_by_role("textbox", name="Message").fill("Yes, demos are included.")
    open_panel(client).get_by_role("button", name="Send").click()
    expect(f_log).to_contain_text("Yes, demos are included.")
    expect(c_log.get_by_role("button", name="Mark resolved")).to_have_count(0)
    f_question = f_log.locator("li, article").filter(has_text="Does the rate include").last
    f_question.get_by_role("button", name="Mark resolved").click()
    expect(marker).to_have_count(0)
    expect(c_log).to_contain_text("resolved", ignore_case=True)
    client.page.screenshot(path=f"{artifacts}/conversation-desktop-client.png", full_page=False)
    assert client.errors == [] and freelancer.errors == []


def test_the_absent_party_gets_a_digest_and_comes_back_to_the_unread_count_and_the_proposal(
    mail_server: ServerProcess, mailbox: SmtpSink, open_room: OpenRoom, artifacts: str
) -> None:
    offer = mail_server.create_offer(emails=True)
    client = open_room(offer["links"]["client"])
    freelancer = open_room(offer["links"]["freelancer"])
    send(freelancer, "I'll look at the scope tonight.")
    expect(open_panel(client).get_by_role("log", name="Messages")).to_contain_text("scope tonight")
    freelancer.page.context.close()  # the freelancer closes the tab

    send(client, "Meanwhile I raised the rate.")
    # At this width the conversation is a drawer over the right column: close it to propose.
    client.page.get_by_role("button", name="Close conversation").click()
    client.commit("Hourly rate", "50")
    client.page.locator(".card-negotiation").get_by_role(
        "button", name="Propose changes").click()
    expect(client.page.locator(".toast")).to_contain_text("Proposal sent")

    # Both reach the freelancer's mailbox as one digest, with the way back to the room.
    mail = the_digest(mailbox)
    assert mail["To"] == "linus@example.com"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Meanwhile I raised the rate." in text
    assert "proposed" in text
    assert f"/offers/{offer['id']}?token=" in text
    assert mailbox.envelopes[0][1] == ["linus@example.com"]

    back = open_room(offer["links"]["freelancer"], viewport=PHONE)
    title = re.compile(r"^\(2\) ")  # the message and the proposal
    expect(back.page).to_have_title(title, timeout=10_000)
    fab = back.page.get_by_role("button", name=re.compile(r"^Conversation\W+2 unread"))
    expect(fab).to_be_visible()
    back.page.screenshot(path=f"{artifacts}/conversation-phone-unread.png")
    fab.click()
    log = back.page.get_by_role("log", name="Messages")
    expect(log).to_contain_text("Meanwhile I raised the rate.")
    expect(log).to_contain_text("Ada proposed changes to Hourly rate")
    back.page.screenshot(path=f"{artifacts}/conversation-phone-sheet.png")
    expect(back.page).not_to_have_title(title, timeout=10_000)  # read once shown
    assert client.errors == [] and back.errors == []


def test_a_reminder_before_expiry_shows_as_a_banner_in_the_room(
    mail_server: ServerProcess, open_room: OpenRoom, artifacts: str
) -> None:
    # Created a day and a few seconds before it expires: the 24 h reminder comes due at once.
    expires = datetime.now(UTC) + timedelta(hours=24, seconds=4)
    offer = mail_server.create_offer(expires_at=expires.isoformat(), emails=True)
    client = open_room(offer["links"]["client"])
    banner = client.page.get_by_role("status").filter(has_text="This offer expires tomorrow")
    expect(banner).to_be_visible(timeout=15_000)
    client.page.screenshot(path=f"{artifacts}/reminder-banner-desktop.png")
    banner.get_by_role("button", name="Dismiss").click()
    expect(banner).to_be_hidden()
    assert client.errors == []
