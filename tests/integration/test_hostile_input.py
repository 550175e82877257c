"""Hostile input on a real server: what creating an offer refuses and trims, how long a minted link
may live, and that nothing a client sends writes a log line of its own."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from server.auth import mint
from server.config import Config
from server.negotiation.creation import LINK_GRACE, LinkExpired, mint_for
from server.offers.terms import Party, Terms
from server.store.base import OfferRecord
from tests.support.server import SECRET, ServerProcess, sample_offer_body
from tests.support.yclient import connected

DAY = 86400
#: What the server's default config allows (server/config.py, server/offers/limits.py).
TOKEN_MAX_TTL = 90 * DAY
OFFER_MAX_DAYS = 365


def _create(server: ServerProcess, **overrides: Any) -> httpx.Response:
    with server.api() as http:
        return http.post("/api/offers", json=sample_offer_body(**overrides))


def _refused_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_terms"
    return [f["field"] for f in error["fields"]]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, SECRET, algorithms=["HS256"])
    return claims


# --- creation -------------------------------------------------------------------------------

MILESTONE = {"title": "Design", "amount": 5000}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "Logo\r\nFAKE LINE"}, "title"),
        ({"title": "Logo gpj.exe\u202e"}, "title"),  # would show as "Logo exe.jpg"
        ({"title": "Logo\U000e0069\U000e0067\U000e006e\U000e006f"}, "title"),  # invisible tags
        ({"currency": "XXX"}, "currency"),
        ({"currency": "ABC"}, "currency"),
        ({"currency": "BGN"}, "currency"),  # withdrawn: Bulgaria pays in euros since 2026
        ({"start_date": "0001-01-01"}, "start_date"),
        ({"end_date": "2101-01-01"}, "end_date"),
        ({"milestones": [{**MILESTONE, "due_date": "9999-12-31"}]}, "milestones[0].due_date"),
        ({"milestones": [MILESTONE, {**MILESTONE, "title": " \t "}]}, "milestones[1].title"),
        ({"client": {"id": "c-1\nFAKE LINE", "name": "Ada"}}, "client.id"),
        ({"client": {"id": "c-1", "name": "   "}}, "client.name"),
        ({"freelancer": {"id": "f-1", "name": "Linus\u2066"}}, "freelancer.name"),
        ({"freelancer": {"id": "f-\u202e1", "name": "Linus"}}, "freelancer.id"),
        ({"expires_at": "9999-12-31T00:00:00Z"}, "expires_at"),
        ({"expires_at": "0001-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_creation_refuses_what_no_honest_integrator_sends(
    server: ServerProcess, overrides: dict[str, Any], field: str
) -> None:
    assert _refused_fields(_create(server, **overrides)) == [field]


def test_expiry_is_at_most_offer_max_days_ahead(server: ServerProcess) -> None:
    now = datetime.now(UTC)
    late = _create(server, expires_at=_iso(now + timedelta(days=OFFER_MAX_DAYS, hours=1)))
    assert _refused_fields(late) == ["expires_at"]
    assert f"at most {OFFER_MAX_DAYS} days" in late.json()["error"]["fields"][0]["message"]
    inside = _create(server, expires_at=_iso(now + timedelta(days=OFFER_MAX_DAYS - 1)))
    assert inside.status_code == 201, inside.text


def test_titles_and_names_are_trimmed(server: ServerProcess) -> None:
    created = _create(
        server,
        title="  Logo design\t",
        milestones=[{"title": " Concepts ", "amount": 5000}],
        client={"id": "c-1", "name": "  Ada  "},
    )
    assert created.status_code == 201, created.text
    offer_id = created.json()["id"]
    with server.api() as http:
        state = http.get(f"/api/offers/{offer_id}").json()
    for terms in (state["committed"], state["draft"]):
        assert terms["title"] == "Logo design"
        assert [m["title"] for m in terms["milestones"]] == ["Concepts"]
    assert state["parties"]["client"] == {"id": "c-1", "name": "Ada"}
    assert _claims(created.json()["tokens"]["client"])["name"] == "Ada"


def test_what_people_type_in_their_own_script_is_kept(server: ServerProcess) -> None:
    title = "D\u00e9veloppeuse \U0001f469\u200d\U0001f4bb \u05e9\u05dc\u05d5\u05dd\u200f " \
            "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    name = "\u0645\u06cc\u200c\u0646\u0627"  # a Persian name spelled with a ZWNJ
    created = _create(server, title=title, freelancer={"id": "f-1", "name": name})
    assert created.status_code == 201, created.text
    with server.api() as http:
        state = http.get(f"/api/offers/{created.json()['id']}").json()
    assert state["committed"]["title"] == title
    assert state["parties"]["freelancer"]["name"] == name


# --- how long a link lives ------------------------------------------------------------------


def test_links_of_a_long_lived_offer_last_the_token_maximum(server: ServerProcess) -> None:
    created = _create(server, expires_at=_iso(datetime.now(UTC) + timedelta(days=300)))
    assert created.status_code == 201, created.text
    for token in created.json()["tokens"].values():
        claims = _claims(token)
        assert claims["exp"] - claims["iat"] == TOKEN_MAX_TTL


def test_links_die_an_hour_after_their_offer(server: ServerProcess) -> None:
    expires = datetime.now(UTC) + timedelta(days=2)
    created = _create(server, expires_at=_iso(expires)).json()
    grace_end = (expires + LINK_GRACE).timestamp()
    asked_for_longer = server.mint(created["id"], "viewer", "v-1", "Grace", ttl=TOKEN_MAX_TTL)
    for token in [*created["tokens"].values(), asked_for_longer]:
        assert abs(_claims(token)["exp"] - grace_end) <= 2
    short = _claims(server.mint(created["id"], "viewer", "v-1", "Grace", ttl=600))
    assert short["exp"] - short["iat"] == 600


def _offer(expires_at: datetime) -> OfferRecord:
    return OfferRecord(
        id="o1", status="expired", version=1, client=Party("c-1", "Ada"),
        freelancer=Party("f-1", "Linus"), created_at=expires_at - timedelta(days=30),
        expires_at=expires_at, terms=Terms(title="T", contract_type="hourly", currency="USD"),
    )  # fmt: skip


def test_a_link_to_an_offer_past_its_grace_is_never_minted() -> None:
    config = Config(secret=SECRET)
    viewer = Party("v-1", "Grace")
    now = datetime.now(UTC)
    recent = _claims(mint_for(config, _offer(now - timedelta(minutes=30)), "viewer", viewer))
    assert abs(recent["exp"] - (now + timedelta(minutes=30)).timestamp()) <= 2
    with pytest.raises(LinkExpired):
        mint_for(config, _offer(now - LINK_GRACE - timedelta(seconds=5)), "viewer", viewer)


# --- log injection --------------------------------------------------------------------------


async def _log_since(server: ServerProcess, start: int, marker: str, wait_s: float) -> list[str]:
    """The server's log lines from ``start`` on, waiting up to ``wait_s`` for ``marker``."""
    deadline = time.monotonic() + wait_s
    # Polled: the log is filled by ServerProcess's reader thread, which signals nothing.
    while time.monotonic() < deadline:
        if any(marker in line for line in server.log[start:]):
            break
        await asyncio.sleep(0.05)
    return server.log[start:]


def _forged(lines: list[str], marker: str) -> list[str]:
    """Lines that begin with text a client wrote. One record is one line, so a line holding the
    marker must be the record that logged it, with the line break before the marker escaped."""
    return [line for line in lines if marker in line and "\\n" not in line.split(marker)[0]]


async def test_a_line_break_in_a_socket_path_forges_no_log_line(server: ServerProcess) -> None:
    start = len(server.log)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    with sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (f"GET /ws/offers/abc%0d%0aFAKE%20LINE%20A?token=x HTTP/1.1\r\nHost: localhost\r\n"
             f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n").encode()
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 ")  # refused or upgraded, the server answered
    lines = await _log_since(server, start, "FAKE LINE A", wait_s=1.0)
    assert _forged(lines, "FAKE LINE A") == []


async def test_a_line_break_in_a_user_id_stays_inside_its_log_record(
    server: ServerProcess,
) -> None:
    # A token the integrator minted (offer-room token --user ...) for a user id with a line break
    # and a whole fake record after it; the join is logged with the user's id.
    offer = server.create_offer()
    forged_user = "v-1\r\n2026-01-01 00:00:00,000 INFO offer_room.socket: FAKE LINE B"
    token = mint(SECRET, offer=offer["id"], user=forged_user, name="V", role="viewer", ttl=600)
    start = len(server.log)
    viewer = await connected(server.ws_base, offer["id"], token)
    try:
        lines = await _log_since(server, start, "FAKE LINE B", wait_s=5.0)
    finally:
        await viewer.close()
    logged = [line for line in lines if "FAKE LINE B" in line]
    assert len(logged) == 1, lines
    assert "v-1\\r\\n2026-01-01 00:00:00,000 INFO offer_room.socket: FAKE LINE B" in logged[0]
    assert _forged(lines, "FAKE LINE B") == []


async def test_a_line_break_in_a_party_id_is_refused_and_forges_nothing(
    server: ServerProcess,
) -> None:
    start = len(server.log)
    injected = "c-1\n2026-01-01 00:00:00,000 INFO offer_room.http: FAKE LINE C"
    assert _refused_fields(_create(server, client={"id": injected, "name": "Ada"})) == [
        "client.id"
    ]
    lines = await _log_since(server, start, "FAKE LINE C", wait_s=0.5)
    assert _forged(lines, "FAKE LINE C") == []
