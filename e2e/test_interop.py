"""The browser and a Node client on the stock y-websocket provider edit the same offer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import OpenRoom
from harness import DESCRIPTION, ServerProcess
from playwright.sync_api import expect
from yclient import YClient


@pytest.fixture
def node_freelancer(server: ServerProcess) -> Iterator[tuple[dict[str, Any], YClient]]:
    offer = server.create_offer()
    ws_base = server.base_url.replace("http://", "ws://") + "/ws/offers"
    client = YClient(ws_base, offer["id"], offer["tokens"]["freelancer"])
    yield offer, client
    client.close()


def test_browser_and_node_client(
    node_freelancer: tuple[dict[str, Any], YClient], open_room: OpenRoom
) -> None:
    offer, node = node_freelancer
    assert node("wait_synced")["ok"]
    browser = open_room(offer["links"]["client"])

    assert node("set", field="weekly_limit", value=35)["ok"]
    expect(browser.field("Weekly limit")).to_have_value("35")
    assert node("insert_text", index=0, text="From Node: ")["ok"]
    expect(browser.field("Description")).to_have_value("From Node: " + DESCRIPTION)

    browser.commit("Hourly rate", "48.25")
    assert node("wait_for", field="hourly_rate", value=4825)["ok"]
    browser.field("Title").fill("Typed in Chromium")
    assert node("wait_for", field="title", value="Typed in Chromium")["ok"]

    # The Node client sees the browser's lock, and the browser sees the Node client's.
    browser.field("Hourly rate").click()
    browser.page.wait_for_timeout(300)
    assert any(
        entry["field"] == "hourly_rate"
        for m in node.app_messages("locks") for entry in m["locks"]
    )
    browser.field("Hourly rate").blur()
    assert node("app", msg={"type": "lock", "field": "contract_type"})["ok"]
    expect(browser.field("Contract type")).to_be_disabled()
    expect(browser.wrapper("contract_type").locator(".lock-note")).to_contain_text(
        "Linus Torvalds is editing"
    )
    assert node("app", msg={"type": "unlock", "field": "contract_type"})["ok"]
    expect(browser.field("Contract type")).to_be_enabled()

    state = node("get")
    assert state["terms"]["hourly_rate"] == 4825
    assert state["offer"]["status"] == "open"
