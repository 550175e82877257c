"""Outcomes over REST and the socket on a real server: variants, reasons, the closing
question, expiry's turn, the report endpoint, its metrics, and what each variant switches."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.postgres import create_database, drop_database
from tests.support.server import API_KEY, ServerProcess
from tests.support.yclient import YClient, connected

VARIANTS = ('{"plain": {"weight": 1, "off": ["explanations", "offer_check", "middle_ground", '
            '"reminders"]}, "full": {"weight": 1}}')


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[ServerProcess]:
    """A node on each store: the embedded SQLite default, and PostgreSQL."""
    env = {"OFFER_ROOM_VARIANTS": VARIANTS}
    database = create_database("outcomes") if request.param == "postgres" else None
    if database is not None:
        env["OFFER_ROOM_DATABASE_URL"] = database
    proc = ServerProcess(tmp_path_factory.mktemp("data"), env)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
        if database is not None:
            drop_database(database)


def _command(server: ServerProcess, offer_id: str, body: dict[str, Any], *,
             as_role: str | None = None, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or API_KEY}"}
    params = {"as": as_role} if as_role else {}
    return httpx.post(f"{server.url}/api/offers/{offer_id}/commands", json=body,
                      params=params, headers=headers, timeout=10)


def _events(server: ServerProcess, offer_id: str, token: str = API_KEY) -> list[dict[str, Any]]:
    found = httpx.get(f"{server.url}/api/offers/{offer_id}/events",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert found.status_code == 200, found.text
    events: list[dict[str, Any]] = found.json()
    return events


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def test_the_variant_is_given_or_assigned_and_kept_in_the_created_event(
        server: ServerProcess) -> None:
    given = server.create_offer(variant="plain")
    assert given["variant"] == "plain"
    assert _events(server, given["id"])[0]["payload"] == {"version": 1, "variant": "plain"}
    assigned = {server.create_offer()["variant"] for _ in range(12)}
    assert assigned <= {"plain", "full"} and assigned  # hashed into the configured split
    with server.api() as api:
        typo = api.post("/api/offers", json={**_body(), "variant": "ful"})
    assert typo.status_code == 422
    assert any(f["field"] == "variant" for f in typo.json()["error"]["fields"]), typo.text


def _body() -> dict[str, Any]:
    from tests.support.server import sample_offer_body
    return sample_offer_body()


def test_withdraw_with_a_reason_then_each_party_answers_once(server: ServerProcess) -> None:
    offer = server.create_offer(variant="full")
    oid = offer["id"]
    # A reason the action does not offer is refused before anything is written.
    _error(_command(server, oid, {"type": "decline_offer", "reason_code": "hired_someone_else"},
                    as_role="freelancer"), 400, "bad_request")
    _error(_command(server, oid, {"type": "withdraw_offer", "reason_code": "budgett"},
                    as_role="client"), 400, "bad_request")
    # The closing question comes after the close.
    _error(_command(server, oid, {"type": "rate", "score": 9}, as_role="freelancer"),
           409, "not_closed")
    done = _command(server, oid, {"type": "withdraw_offer", "reason_code": "budget",
                                  "reason": "We found a cheaper option"}, as_role="client")
    assert done.status_code == 200, done.text
    withdrawn = [e for e in _events(server, oid) if e["kind"] == "offer_withdrawn"]
    assert withdrawn[0]["payload"]["reason_code"] == "budget"
    assert withdrawn[0]["reason"] == "We found a cheaper option"

    _error(_command(server, oid, {"type": "rate", "score": 11}, as_role="client"),
           400, "bad_request")
    _error(_command(server, oid, {"type": "rate", "score": 5, "comment": "x" * 1001},
                    as_role="client"), 422, "too_long")
    _error(_command(server, oid, {"type": "rate", "score": 5, "comment": "a\x00b"},
                    as_role="client"), 422, "invalid")
    with server.api() as api:
        viewer = api.post(f"/api/offers/{oid}/tokens",
                          json={"role": "viewer", "user": {"id": "v-1", "name": "Vera"}})
    assert viewer.status_code == 201, viewer.text
    _error(_command(server, oid, {"type": "rate", "score": 10}, token=viewer.json()["token"]),
           403, "forbidden")
    rated = _command(server, oid, {"type": "rate", "score": 9, "comment": "Quick and clear"},
                     token=offer["tokens"]["freelancer"])
    assert rated.status_code == 200 and rated.json()["command"] == "rate", rated.text
    _error(_command(server, oid, {"type": "rate", "score": 2},
                    token=offer["tokens"]["freelancer"]), 409, "already_rated")
    assert _command(server, oid, {"type": "rate", "score": 3}, as_role="client").status_code \
        == 200

    ratings = [e for e in _events(server, oid) if e["kind"] == "satisfaction_rated"]
    assert sorted((e["payload"]["role"], e["payload"]["score"]) for e in ratings) == [
        ("client", 3), ("freelancer", 9)]
    # A rating and its comment are the integrator's: the other party never reads them.
    seen = _events(server, oid, offer["tokens"]["client"])
    assert not [e for e in seen if e["kind"] == "satisfaction_rated"]
    # The offer's own figures, as the report counts them; the integrator's alone.
    with server.api() as api:
        figures = api.get(f"/api/offers/{oid}/outcome").json()
    assert figures["status"] == "withdrawn" and figures["variant"] == "full"
    assert figures["reasons"] == {"withdrawn": ["budget"]}
    assert figures["ratings"] == {"client": 3, "freelancer": 9}
    assert figures["accepted_7d"] is False and figures["time_to_agreement_h"] is None
    assert httpx.get(f"{server.url}/api/offers/{oid}/outcome", timeout=10, headers={
        "Authorization": f"Bearer {offer['tokens']['client']}"}).status_code == 401
    assert server.metric("offer_room_offers_closed_total", status="withdrawn",
                         variant="full") >= 1
    assert server.metric("offer_room_close_reasons_total", outcome="withdrawn",
                         reason="budget", variant="full") >= 1
    assert server.metric("offer_room_ratings_total", role="freelancer", category="promoter",
                         variant="full") >= 1


async def _app(client: YClient, kind: str, **match: Any) -> dict[str, Any]:
    await client.wait_for(lambda: any(all(m.get(k) == v for k, v in match.items())
                                      for m in client.messages(kind)))
    return next(m for m in client.messages(kind) if all(m.get(k) == v for k, v in match.items()))


async def test_the_socket_asks_both_parties_when_the_offer_closes(server: ServerProcess) -> None:
    offer = server.create_offer(variant="full")
    oid = offer["id"]
    freelancer = await connected(server.ws_base, oid, offer["tokens"]["freelancer"])
    try:
        assert not freelancer.messages("survey")  # nothing to ask while it is open
        assert _command(server, oid, {"type": "decline_offer", "reason_code": "not_available"},
                        token=offer["tokens"]["freelancer"]).status_code == 200
        await _app(freelancer, "survey", rated=False)
        await freelancer.send_app({"type": "rate", "id": "r1", "score": 10})
        await _app(freelancer, "ack", ref="r1")
        await _app(freelancer, "survey", rated=True, score=10)
    finally:
        await freelancer.close()
    again = await connected(server.ws_base, oid, offer["tokens"]["freelancer"])
    try:
        await _app(again, "survey", rated=True, score=10)  # not asked twice
    finally:
        await again.close()


async def test_expiry_records_whose_answer_it_was_waiting_for(server: ServerProcess) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=4)
    offer = server.create_offer(variant="plain", expires_at=soon.isoformat())
    oid = offer["id"]
    freelancer = await connected(server.ws_base, oid, offer["tokens"]["freelancer"])
    try:
        with freelancer.edit() as doc:
            doc.terms["hourly_rate"] = 5000
        await freelancer.send_app({"type": "propose", "id": "p1", "base_version": 1})
        await _app(freelancer, "ack", ref="p1")
    finally:
        await freelancer.close()
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.5)
    # Any access to an offer past its time expires it.
    _error(_command(server, oid, {"type": "withdraw_offer"}, as_role="client"), 409, "not_open")
    expired = [e for e in _events(server, oid) if e["kind"] == "offer_expired"]
    assert expired[0]["payload"]["turn"] == "client"  # the freelancer's proposal waited


async def test_a_variant_with_everything_off(server: ServerProcess) -> None:
    offer = server.create_offer(variant="plain")
    oid = offer["id"]
    client = await connected(server.ws_base, oid, offer["tokens"]["client"])
    freelancer = await connected(server.ws_base, oid, offer["tokens"]["freelancer"])
    try:
        hello = client.messages("hello")[0]
        assert hello["variant"] == "plain"
        assert hello["features"] == {"explanations": False, "offer_check": False,
                                     "middle_ground": False, "reminders": False}
        with freelancer.edit() as doc:
            doc.terms["hourly_rate"] = 1  # far below the floor: the offer check would object
            doc.terms["hourly_rate"] = 5200
        await freelancer.send_app({"type": "propose", "id": "p1", "base_version": 1})
        ack = await _app(freelancer, "ack", ref="p1")
        # No explanation is written, and accepting does not wait for one.
        await client.send_app({"type": "accept", "id": "a1", "base_version": 1,
                               "proposal_id": ack["proposal_id"]})
        accepted = await _app(client, "ack", ref="a1")
        assert accepted["version"] == 2
        assert not client.messages("explain_delta") and not client.messages("explain_done")
        await client.wait_for(lambda: bool(client.messages("advice")))
        for advice in client.messages("advice") + freelancer.messages("advice"):
            assert not advice.get("check")
    finally:
        await client.close()
        await freelancer.close()
    # The same draft where the check is on: it has something to say.
    full = server.create_offer(variant="full")
    other = await connected(server.ws_base, full["id"], full["tokens"]["client"])
    try:
        with other.edit() as doc:
            doc.terms["hourly_rate"] = 5200
        await other.wait_for(lambda: any(a.get("check") for a in other.messages("advice")))
    finally:
        await other.close()
    with server.api() as api:
        asked = api.post(f"/api/offers/{oid}/suggestions", params={"as": "client"})
    assert asked.status_code >= 400 and asked.json()["error"]["code"] == "unsupported"


def test_the_report_endpoint(server: ServerProcess) -> None:
    server.create_offer(variant="plain")  # the baseline has offers in the range too
    offer = server.create_offer(variant="full")
    oid = offer["id"]
    assert _command(server, oid, {"type": "withdraw_offer", "reason_code": "timeline",
                                  "reason": "secret words"}, as_role="client").status_code == 200
    assert _command(server, oid, {"type": "rate", "score": 0, "comment": "private comment"},
                    as_role="client").status_code == 200
    url = f"{server.url}/api/reports/outcomes"
    assert httpx.get(url, timeout=10).status_code == 401
    key = {"Authorization": f"Bearer {API_KEY}"}
    for query in ({"from": "yesterday"}, {"from": "2026-13-01"}, {"to": "2026-01-01T00:00:00"},
                  {"from": "2026-12-01", "to": "2026-11-01"}, {"from": "9" * 200}):
        _error(httpx.get(url, params=query, headers=key, timeout=10), 400, "bad_request")
    today = datetime.now(UTC).date()
    started = time.monotonic()
    found = httpx.get(url, params={"from": str(today - timedelta(days=1)), "to": str(today)},
                      headers=key, timeout=60)
    assert found.status_code == 200, found.text
    assert time.monotonic() - started < 60
    report = found.json()
    assert "secret words" not in found.text and "private comment" not in found.text
    arms = {v["variant"]: v for v in report["variants"]}
    assert report["baseline"] == "plain" and set(arms) == {"plain", "full"}
    full = arms["full"]
    assert full["reasons"]["withdrawn"]["timeline"] >= 1
    assert full["nps"]["client"]["detractors"] >= 1
    assert full["features"]["explanations"] is True
    assert report["offers"] == sum(v["offers"] for v in report["variants"])
    assert {c["metric"] for c in report["comparisons"]} >= {"accepted_7d", "nps"}


def test_a_reason_or_note_with_control_characters_is_refused_on_every_store(
        server: ServerProcess) -> None:
    offer = server.create_offer(variant="full")
    for body in ({"type": "withdraw_offer", "reason_code": "other", "reason": "a\x00b"},
                 {"type": "withdraw_offer", "reason": "pay \u202eknab"},
                 {"type": "propose", "base_version": 1, "note": "bell\x07"}):
        _error(_command(server, offer["id"], body, as_role="client"), 422, "invalid")
    # Nothing was written: the offer is still open and takes a clean reason.
    done = _command(server, offer["id"], {"type": "withdraw_offer", "reason_code": "other",
                                          "reason": "line one\nline two\ttabbed"},
                    as_role="client")
    assert done.status_code == 200, done.text
