"""The assistant over real sockets and REST: advice as the draft changes, in each reader's
language; private draft flags; middle-ground suggestions; reports and flags for the marketplace."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.receiver import WebhookReceiver
from tests.support.server import API_KEY, ServerProcess
from tests.support.yclient import YClient

_ids = itertools.count(1)
SECRET = "assistant-webhook-secret"
INCOMPLETE = {"title": "Build my website", "contract_type": "fixed", "hourly_rate": None,
              "weekly_limit": None, "fixed_price": 200000, "start_date": None,
              "description": "I need a website for my shop."}


async def connect(server: ServerProcess, offer: dict[str, Any], role: str,
                  lang: str | None = None, token: str | None = None) -> YClient:
    query = f"token={token or offer['tokens'][role]}" + (f"&lang={lang}" if lang else "")
    client = YClient(f"{server.ws_base}/{offer['id']}?{query}")
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 5)
    return client


async def command(client: YClient, msg: dict[str, Any], answer: tuple[str, ...] = ("ack", "error"),
                  timeout: float = 10) -> dict[str, Any]:
    ref = msg.setdefault("id", f"a-{next(_ids)}")
    before = len(client.app)
    await client.send_app(msg)

    def found() -> dict[str, Any] | None:
        for m in client.app[before:]:
            if m["type"] in answer and (m.get("ref") in (ref, None) or m["type"] == "suggestion"):
                return m
        return None

    await client.wait_for(lambda: found() is not None, timeout)
    result = found()
    assert result is not None
    return result


def advice(client: YClient) -> dict[str, Any]:
    return client.messages("advice")[-1]


def codes(client: YClient) -> set[str]:
    return {item["code"] for item in advice(client).get("check", [])}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hooks = WebhookReceiver(SECRET)
    yield hooks
    hooks.close()


@pytest.fixture
def hooked(tmp_path: Path, receiver: WebhookReceiver) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path / "data", env={
        "OFFER_ROOM_WEBHOOK_URL": receiver.url, "OFFER_ROOM_WEBHOOK_SECRET": SECRET,
        "OFFER_ROOM_WEBHOOK_BACKOFF_S": "0.2"})
    server.start()
    yield server
    server.stop()


async def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_an_incomplete_offer_gets_prompts_in_each_readers_language(
    server: ServerProcess,
) -> None:
    offer = server.create_offer(**INCOMPLETE)
    client = await connect(server, offer, "client", "en-US")
    freelancer = await connect(server, offer, "freelancer", "de-DE")
    await client.wait_for(lambda: bool(client.messages("advice")))
    await freelancer.wait_for(lambda: bool(freelancer.messages("advice")))
    en, de = advice(client)["check"], advice(freelancer)["check"]
    # The same findings from the same draft, each in the reader's language.
    assert [i["code"] for i in en] == [i["code"] for i in de]
    assert {"fixed_no_milestones"} <= codes(client)
    by_code = {i["code"]: i for i in de}
    assert by_code["fixed_no_milestones"]["field"] == "milestones"
    assert by_code["fixed_no_milestones"]["text"] != {i["code"]: i for i in en}[
        "fixed_no_milestones"]["text"]
    assert "Meilenstein" in by_code["fixed_no_milestones"]["text"]
    # One click: a prompt's question becomes a question in the thread, about its field.
    item = next(i for i in de if i["owner"] in ("client", "both"))
    asked = await command(freelancer, {"type": "post", "kind": "question",
                                       "about": item["field"], "body": item["question"]})
    assert asked["type"] == "ack"
    # The client adds milestones: the prompt goes, for both, within the check's delay.
    with client.edit() as doc:
        from pycrdt import Map

        doc.milestones.append(Map({"id": "m1", "title": "Design", "amount": 100000,
                                   "due_date": None}))
        doc.milestones.append(Map({"id": "m2", "title": "Build", "amount": 100000,
                                   "due_date": None}))
    await client.wait_for(lambda: "fixed_no_milestones" not in codes(client))
    await freelancer.wait_for(lambda: "fixed_no_milestones" not in codes(freelancer))
    assert server.metric("offer_room_advice_delay_seconds_count") >= 1
    # Switching language re-sends the advice in the new one.
    count = len(client.messages("advice"))
    await client.send_app({"type": "set_language", "lang": "es"})
    await client.wait_for(lambda: len(client.messages("advice")) > count)
    assert [i["code"] for i in advice(client)["check"]] == [
        i["code"] for i in advice(freelancer)["check"]]
    for ws in (client, freelancer):
        await ws.close()


async def test_viewers_get_no_advice_and_cannot_suggest_or_report(server: ServerProcess) -> None:
    offer = server.create_offer(**INCOMPLETE)
    viewer = await connect(server, offer, "viewer", token=server.mint(offer["id"], "viewer",
                                                                       "v-1", "Grace"))
    suggestion = await command(viewer, {"type": "suggest"})
    report = await command(viewer, {"type": "report", "category": "spam"})
    assert (suggestion["type"], suggestion["code"]) == ("error", "read_only")
    assert (report["type"], report["code"]) == ("error", "read_only")
    assert viewer.messages("advice") == []
    await viewer.close()


async def test_text_typed_into_the_draft_is_screened_privately_for_the_other_party(
    server: ServerProcess,
) -> None:
    offer = server.create_offer()
    client = await connect(server, offer, "client")
    freelancer = await connect(server, offer, "freelancer")
    await client.wait_for(lambda: bool(client.messages("advice")))
    await freelancer.wait_for(lambda: bool(freelancer.messages("advice")))
    with freelancer.edit() as doc:
        doc.description += " Before we start, send me a copy of your passport please."
    await client.wait_for(lambda: any(f["code"] == "personal_data"
                                      for f in advice(client).get("flags", [])))
    flag = next(f for f in advice(client)["flags"] if f["code"] == "personal_data")
    assert "passport" in flag["evidence"] and flag["source"] == "description"
    await asyncio.sleep(0.5)  # the freelancer's own advice carries no flag about his text
    assert not any(f["code"] == "personal_data" for f in advice(freelancer).get("flags", []))
    for ws in (client, freelancer):
        await ws.close()


async def test_a_middle_ground_after_a_rejection_is_the_same_whoever_asks(
    server: ServerProcess,
) -> None:
    offer = server.create_offer()  # hourly at $45.00
    client = await connect(server, offer, "client")
    freelancer = await connect(server, offer, "freelancer", "es")
    with freelancer.edit() as doc:
        doc.terms["hourly_rate"] = 6000
    await freelancer.wait_for(lambda: client.terms().get("hourly_rate") == 6000)
    proposed = await command(freelancer, {"type": "propose", "base_version": 1})
    assert proposed["type"] == "ack", proposed
    await client.wait_for(lambda: bool(client.messages("explain_done")), 15)
    rejected = await command(client, {"type": "reject", "base_version": 1,
                                      "proposal_id": proposed["proposal_id"],
                                      "reason": "Too much for us."})
    assert rejected["type"] == "ack", rejected
    mine = await command(client, {"type": "suggest"}, ("suggestion", "error"))
    theirs = await command(freelancer, {"type": "suggest"}, ("suggestion", "error"))
    assert mine["type"] == theirs["type"] == "suggestion", (mine, theirs)
    [rate] = [i for i in mine["items"] if i["field"] == "hourly_rate"]
    assert 4500 < rate["value"] < 6000
    assert (rate["client"], rate["freelancer"]) == (4500, 6000)
    assert mine["basis"] == theirs["basis"]
    assert [(i["field"], i["value"]) for i in mine["items"]] == [
        (i["field"], i["value"]) for i in theirs["items"]]
    assert mine["items"][0]["reason"] != theirs["items"][0]["reason"]  # English vs Spanish
    # Only the asker hears it, and nothing was applied.
    assert len(client.messages("suggestion")) == 1
    assert client.terms()["hourly_rate"] == 4500
    # Asking again and again is bounded.
    answers = [await command(client, {"type": "suggest"}, ("suggestion", "error"))
               for _ in range(5)]
    assert any(a["type"] == "error" and a["code"] == "rate_limited" for a in answers)
    assert server.limit_hits("suggestions_per_minute") >= 1
    for ws in (client, freelancer):
        await ws.close()


async def test_reports_and_high_flags_reach_the_marketplace_and_nobody_else(
    hooked: ServerProcess, receiver: WebhookReceiver,
) -> None:
    server = hooked
    offer = server.create_offer(
        description="Data entry job. You must pay a $50 registration fee by gift card before "
                    "you start the work.")
    await wait_until(lambda: "risk.flagged" in receiver.kinds())
    flagged = next(e for e in receiver.received if e["kind"] == "risk.flagged")
    assert flagged["payload"]["source"] == "creation"
    assert {"upfront_fee", "gift_cards"} <= {f["code"] for f in flagged["payload"]["flags"]}
    assert all(f["at_risk"] == "freelancer" for f in flagged["payload"]["flags"])
    freelancer = await connect(server, offer, "freelancer")
    # The freelancer sees the first offer's flags on arrival, before anything is proposed.
    await freelancer.wait_for(lambda: any(f["code"] == "gift_cards"
                                          for f in advice(freelancer).get("flags", [])))
    ack = await command(freelancer, {"type": "report", "category": "scam",
                                     "reason": "Asks for a fee by gift card."})
    assert ack["type"] == "ack" and ack["command"] == "report"
    again = await command(freelancer, {"type": "report", "category": "scam",
                                       "id": ack["ref"]})  # a retry: acknowledged once
    assert again["type"] == "ack"
    await wait_until(lambda: "risk.reported" in receiver.kinds())
    reports = [e for e in receiver.received if e["kind"] == "risk.reported"]
    assert len(reports) == 1
    assert reports[0]["payload"]["reported"]["id"] == "c-1"
    assert reports[0]["payload"]["reason"] == "Asks for a fee by gift card."
    # The reported client's token never sees either event; the API key does.
    with server.api() as api:
        as_client = api.get(f"/api/offers/{offer['id']}/events",
                            headers={"Authorization": f"Bearer {offer['tokens']['client']}"})
        as_key = api.get(f"/api/offers/{offer['id']}/events",
                         headers={"Authorization": f"Bearer {API_KEY}"})
    assert not {"risk.flagged", "risk.reported"} & {e["kind"] for e in as_client.json()}
    assert {"risk.flagged", "risk.reported"} <= {e["kind"] for e in as_key.json()}
    # Bounds: a reason too long, then too many reports.
    long = await command(freelancer, {"type": "report", "category": "other",
                                      "reason": "x" * 2001})
    assert (long["type"], long["code"]) == ("error", "too_long")
    answers = [await command(freelancer, {"type": "report", "category": "spam"})
               for _ in range(4)]
    assert answers[-1]["type"] == "error" and answers[-1]["code"] == "rate_limited"
    assert server.limit_hits("reports_per_hour") >= 1
    await freelancer.close()


async def test_reports_and_suggestions_over_rest(server: ServerProcess) -> None:
    offer = server.create_offer()
    with server.api() as api:
        token = {"Authorization": f"Bearer {offer['tokens']['client']}"}
        report = api.post(f"/api/offers/{offer['id']}/reports", headers=token,
                          json={"category": "off_platform", "reason": "Wants WhatsApp."})
        bad = api.post(f"/api/offers/{offer['id']}/reports", headers=token,
                       json={"category": "nonsense"})
        suggestion = api.post(f"/api/offers/{offer['id']}/suggestions?lang=de", headers=token)
    assert report.status_code == 201 and report.json()["command"] == "report"
    assert bad.status_code in (400, 422)
    assert suggestion.status_code == 200
    body = suggestion.json()
    assert body["items"] == [] and body["message"]  # nothing differs yet: says why, in German


async def advised_pair(server: ServerProcess) -> tuple[YClient, YClient]:
    """Client and freelancer of a new incomplete offer, once the freelancer has its advice."""
    offer = server.create_offer(**INCOMPLETE)
    client = await connect(server, offer, "client")
    freelancer = await connect(server, offer, "freelancer")
    await freelancer.wait_for(lambda: bool(freelancer.messages("advice")))
    return client, freelancer


def advice_checks(server: ServerProcess) -> float:
    return server.metric("offer_room_room_events_total", kind="advice_checks")


async def test_a_flood_of_language_switches_and_edits_costs_bounded_work(
    server: ServerProcess,
) -> None:
    client, freelancer = await advised_pair(server)
    checks = advice_checks(server)
    # 150 language switches and 150 edits in one burst: answered, never amplified.
    for i in range(150):
        await client.send_app({"type": "set_language", "lang": ("de", "es", "en")[i % 3]})
        with client.edit() as doc:
            doc.description += "x"
    await freelancer.wait_for(lambda: freelancer.terms() == client.terms())
    await asyncio.sleep(1.0)
    # The burst of edits was checked a handful of times, not 150 (one per ADVICE_DELAY_S).
    done = advice_checks(server) - checks
    assert 1 <= done <= 10, done
    # Each switch re-sends at most one advice frame: bounded by the switches themselves.
    assert len(client.messages("advice")) <= 152
    ack = await command(client, {"type": "post", "body": "Still here?"})
    assert ack["type"] == "ack"
    for ws in (client, freelancer):
        await ws.close()


async def test_two_parties_editing_in_turn_are_checked_once_a_second_and_the_last_edit_counts(
    server: ServerProcess,
) -> None:
    client, freelancer = await advised_pair(server)
    assert "no_acceptance_criteria" in codes(freelancer)
    checks = advice_checks(server)
    # Three seconds of edits in turn, each after a pause longer than the 0.2 s delay: without a
    # gap between checks each edit would be checked (ten checks); once a second is three or four.
    started = time.monotonic()
    for i in itertools.count():
        if time.monotonic() - started >= 3.0:
            break
        with (client if i % 2 == 0 else freelancer).edit() as doc:
            doc.terms["title"] = f"Build my website, take {i}"
        await asyncio.sleep(0.3)
    during = advice_checks(server) - checks
    assert 2 <= during <= 5, during
    # The edit that ends the exchange is checked as soon as the gap allows.
    with client.edit() as doc:
        doc.description += " Done when the pages pass review and the shop is live."
    await freelancer.wait_for(lambda: "no_acceptance_criteria" not in codes(freelancer), 3.0)
    for ws in (client, freelancer):
        await ws.close()


async def test_advice_waits_for_a_pause_in_typing_and_comes_every_two_seconds_without_one(
    server: ServerProcess,
) -> None:
    client, freelancer = await advised_pair(server)
    checks = advice_checks(server)
    # Three seconds of typing without a pause (a character every 50 ms).
    started = time.monotonic()
    while time.monotonic() - started < 3.0:
        with client.edit() as doc:
            doc.description += "y"
        await asyncio.sleep(0.05)
    during = advice_checks(server) - checks
    # Checked once two seconds into the burst, not six times (one per 0.2 s).
    assert 1 <= during <= 2, during
    # Once the typing stops, the last state is checked 0.2 s later.
    await wait_until(lambda: advice_checks(server) - checks > during, timeout=3.0)
    for ws in (client, freelancer):
        await ws.close()
