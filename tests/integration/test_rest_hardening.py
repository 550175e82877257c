"""The REST front door against a hostile caller: bounded bodies, JSON answers, origins, headers,
and the integrator's hold on tokens (revocation, maximum lifetime, closed offers)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from server.app import create_app
from server.auth import mint
from server.config import Config
from tests.support.hostile import RssSampler
from tests.support.server import API_KEY, SECRET, ServerProcess

MB = 1024 * 1024
#: Four 50 MB uploads grew the server by 355 MB before bodies were bounded; refused up front,
#: they must cost less than this.
RSS_BUDGET_MB = 20.0


def _api(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"},
                        timeout=10)


def _anon(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10)


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


def _limit_hits(server: ServerProcess, name: str) -> int:
    return server.limit_hits(name)


def _command(server: ServerProcess, offer_id: str, token: str, body: dict[str, Any],
             **headers: str) -> httpx.Response:
    with _anon(server) as http:
        return http.post(f"/api/offers/{offer_id}/commands", params={"token": token}, json=body,
                         headers=headers)


# --- finding 12: every error is JSON, never a 500 -----------------------------------------------


@pytest.mark.parametrize("n", ["0", "-1", "abc", "1e3", "2147483648", str(2**63),
                               str(2**64), "9" * 5000, "%00"])
def test_version_numbers_out_of_range_answer_404_json(server: ServerProcess, n: str) -> None:
    offer = server.create_offer()
    with _api(server) as http:
        _error(http.get(f"/api/offers/{offer['id']}/versions/{n}"), 404, "not_found")
        assert http.get(f"/api/offers/{offer['id']}/versions/1").json()["number"] == 1


@pytest.mark.parametrize(
    "query",
    [{"from": str(2**64), "to": "1"}, {"from": "1", "to": str(2**63)},
     {"from": "0", "to": "1"}, {"from": "abc", "to": "1"}, {"from": "1"}, {},
     {"from": "1", "to": "2147483648"}, {"from": "1", "to": "9" * 5000}],
)
def test_diff_with_bad_version_numbers_answers_400_json(
    server: ServerProcess, query: dict[str, str]
) -> None:
    offer = server.create_offer()
    with _api(server) as http:
        _error(http.get(f"/api/offers/{offer['id']}/diff", params=query), 400, "bad_request")
        good = http.get(f"/api/offers/{offer['id']}/diff", params={"from": "1", "to": "1"})
        assert good.status_code == 200 and good.json()["changes"] == []


def test_json_nested_a_thousand_deep_answers_400(server: ServerProcess) -> None:
    offer = server.create_offer()
    before = _limit_hits(server, "json_depth")
    deep = "[" * 1000 + "]" * 1000
    body = f'{{"type": "propose", "id": "d1", "base_version": 1, "extra": {deep}}}'
    with _anon(server) as http:
        response = http.post(f"/api/offers/{offer['id']}/commands",
                             params={"token": offer["tokens"]["client"]}, content=body,
                             headers={"Content-Type": "application/json"})
    _error(response, 400, "bad_json")
    assert _limit_hits(server, "json_depth") == before + 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [(b"{", 400, "bad_json"), (b"", 400, "bad_json"), (b"\xff\xfe", 400, "bad_json"),
     (b'{"type": "propose", "base_version": "one"}', 422, "invalid"),
     (b'{"type": "lock", "field": "hourly_rate"}', 422, "invalid"),
     (b"[]", 422, "invalid")],
)
def test_bad_command_bodies_get_json_answers(
    server: ServerProcess, body: bytes, status: int, code: str
) -> None:
    offer = server.create_offer()
    with _anon(server) as http:
        response = http.post(f"/api/offers/{offer['id']}/commands",
                             params={"token": offer["tokens"]["client"]}, content=body,
                             headers={"Content-Type": "application/json"})
    _error(response, status, code)


@pytest.mark.parametrize("path", ["/api/offers/%00x", "/api/offers/" + "a" * 300,
                                  "/api/offers/%E2%82%AC/versions", "/api/offers/x%2Fy/events",
                                  "/api/offers/nope/diff?from=1&to=1"])
def test_garbage_offer_ids_answer_404_json(server: ServerProcess, path: str) -> None:
    with _api(server) as http:
        _error(http.get(path), 404, "not_found")


def test_an_unexpected_exception_answers_json_500_with_the_security_headers(
    tmp_path: Path,
) -> None:
    # The real app with one extra route that fails the way a bug would.
    app = create_app(Config(data_dir=tmp_path, secret=SECRET, api_key=API_KEY))

    async def broken(request: Request) -> Response:
        raise RuntimeError("a bug")

    app.router.routes.append(Route("/api/broken", broken))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/broken")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "internal"
    assert "a bug" not in response.text  # no internals leak to the caller
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


# --- bodies are bounded before they are read ---------------------------------------------------


async def _upload(server: ServerProcess, path: str, headers: dict[str, str], total: int,
                  chunked: bool) -> tuple[int | None, int]:
    """POST ``total`` bytes of JSON whitespace to ``path`` until the server answers.

    Returns the status (None when the server cut the connection before its answer could be
    read: closing a socket with unread bytes in it resets the connection) and how many bytes of
    the body were sent.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{framing}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    answer = asyncio.create_task(reader.readuntil(b"\r\n\r\n"))
    piece = b" " * (64 * 1024)
    sent = 0
    try:
        writer.write(head.encode())
        for _ in range(total // len(piece)):  # bounded: at most 800 pieces of 64 KiB
            if answer.done():
                break
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            await asyncio.wait_for(writer.drain(), 10)
            sent += len(piece)
    except (ConnectionError, TimeoutError):
        pass  # the server stopped reading and hung up: what it should do
    try:
        status_line = await asyncio.wait_for(answer, 10)
    except (ConnectionError, asyncio.IncompleteReadError):
        return None, sent
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return int(status_line.split(b" ", 2)[1]), sent


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_four_50_mb_bodies_are_refused_without_the_server_growing(
    server: ServerProcess, chunked: bool
) -> None:
    offer = server.create_offer()
    token = offer["tokens"]["client"]
    json_type = {"Content-Type": "application/json"}
    uploads = [
        (f"/api/offers/{offer['id']}/commands?token={token}", json_type),
        (f"/api/offers/{offer['id']}/commands?token={token}", json_type),
        ("/api/offers", {**json_type, "Authorization": f"Bearer {API_KEY}"}),
        ("/api/offers", {**json_type, "Authorization": f"Bearer {API_KEY}"}),
    ]
    assert server.proc is not None
    async with RssSampler(server.proc.pid) as rss:
        results = await asyncio.gather(
            *(_upload(server, path, headers, 50 * MB, chunked) for path, headers in uploads))
    assert all(status in (413, None) for status, _ in results), results
    # The server stopped reading long before the end (the sender's buffers hold a few MB).
    assert all(sent < 20 * MB for _, sent in results), results
    assert rss.growth_mb < RSS_BUDGET_MB, f"grew {rss.growth_mb:.1f} MB"
    # … and the server still serves.
    assert _command(server, offer["id"], token, {"type": "propose", "id": "after",
                                                 "base_version": 1}).status_code == 422


@pytest.mark.parametrize(
    ("path", "size", "counter"),
    [("/api/offers", 256 * 1024 + 1, "body_create_offer"),
     ("commands", 64 * 1024 + 1, "body_command"),
     ("tokens", 8 * 1024 + 1, "body_token"),
     ("revocations", 8 * 1024 + 1, "body_revocation")],
)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_each_endpoint_refuses_a_body_one_byte_over_its_own_limit(
    server: ServerProcess, path: str, size: int, counter: str, chunked: bool
) -> None:
    offer = server.create_offer()
    url = path if path.startswith("/") else f"/api/offers/{offer['id']}/{path}"
    params = {"as": "client"} if path == "commands" else {}
    body = b" " * (size - 2) + b"{}"  # valid JSON: only its size is wrong
    content: bytes | Iterator[bytes] = iter([body[:1000], body[1000:]]) if chunked else body
    before = _limit_hits(server, counter)
    with _api(server) as http:
        response = http.post(url, params=params, content=content,
                             headers={"Content-Type": "application/json"})
        _error(response, 413, "too_large")
        # The body was small enough to be read and dropped: the client got its answer, and the
        # connection stays open for the next request.
        assert response.headers.get("connection") != "close"
        # One byte under the limit is read and judged on its content.
        fits = http.post(url, params=params, content=body[1:],
                         headers={"Content-Type": "application/json"})
        assert fits.status_code in (400, 422), fits.text
    assert _limit_hits(server, counter) == before + 1


# --- finding 10: cross-site requests ------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_a_post_that_is_not_json_is_refused_415_before_it_runs(
    server: ServerProcess, content_type: str | None
) -> None:
    offer = server.create_offer()
    body = b'{"type": "withdraw_offer", "base_version": 1, "reason": "csrf"}'
    headers = {} if content_type is None else {"Content-Type": content_type}
    with _anon(server) as http:
        response = http.post(f"/api/offers/{offer['id']}/commands",
                             params={"token": offer["tokens"]["client"]}, content=body,
                             headers=headers)
        _error(response, 415, "unsupported_media_type")
    with _api(server) as http:
        _error(http.post("/api/offers", content=b"{}", headers=headers), 415,
               "unsupported_media_type")
        assert http.get(f"/api/offers/{offer['id']}").json()["status"] == "open"


def test_a_write_from_a_page_on_another_origin_is_refused(server: ServerProcess) -> None:
    offer = server.create_offer()
    token = offer["tokens"]["client"]
    withdraw = {"type": "withdraw_offer", "base_version": 1, "reason": "hijacked"}
    before = _limit_hits(server, "origin")
    for origin in ("https://evil.example", "null", server.url + ".evil.example"):
        _error(_command(server, offer["id"], token, withdraw, Origin=origin), 403,
               "origin_not_allowed")
    assert _limit_hits(server, "origin") == before + 3
    with _anon(server) as http:
        # Reads from anywhere stay possible (a page elsewhere cannot read the answer: no CORS).
        read = http.get(f"/api/offers/{offer['id']}", params={"token": token},
                        headers={"Origin": "https://evil.example"})
        assert read.status_code == 200 and read.json()["status"] == "open"
    with _api(server) as http:
        # The API key is no ambient browser credential: the integrator's servers may send one.
        assert http.get(f"/api/offers/{offer['id']}").json()["status"] == "open"
    # The room's own origin, and callers that are not browsers (no Origin), may act.
    proposed = _command(server, offer["id"], token,
                        {"type": "propose", "id": "o1", "base_version": 1},
                        Origin=server.url)
    assert proposed.status_code == 422 and proposed.json()["error"]["code"] == "no_changes"
    withdrawn = _command(server, offer["id"], token, withdraw)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


@pytest.fixture
def market_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", env={
        "OFFER_ROOM_ALLOWED_ORIGINS": "https://market.example,https://app.market.example:8443"})
    proc.start()
    yield proc
    proc.stop()


def test_the_allowed_origins_are_the_configured_ones(market_server: ServerProcess) -> None:
    offer = market_server.create_offer()
    token = offer["tokens"]["client"]
    propose = {"type": "propose", "base_version": 1}
    for origin in ("https://market.example", "https://APP.market.example:8443/"):
        answer = _command(market_server, offer["id"], token, propose, Origin=origin)
        assert answer.json()["error"]["code"] == "no_changes", (origin, answer.text)
    for origin in (market_server.url, "http://market.example", "https://market.example:444"):
        _error(_command(market_server, offer["id"], token, propose, Origin=origin), 403,
               "origin_not_allowed")
    with _anon(market_server) as http:
        page = http.get(f"/offers/{offer['id']}", params={"token": token})
    assert re.search(r"frame-ancestors 'self' https://app\.market\.example:8443 "
                     r"https://market\.example(;|$)", page.headers["content-security-policy"])
    # The page knows the same origins: the only ones its embedding API talks to (embed.ts).
    assert ('data-embed-origins="\'self\' https://app.market.example:8443 '
            'https://market.example"') in page.text.replace("&#x27;", "'")


# --- security headers ---------------------------------------------------------------------------


def test_the_room_page_carries_its_policy_and_is_never_cached(server: ServerProcess) -> None:
    offer = server.create_offer()
    with _anon(server) as http:
        page = http.get(f"/offers/{offer['id']}", params={"token": offer["tokens"]["client"]})
    assert page.status_code == 200 and "<script" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    policy = {name: value for name, _, value in (
        part.strip().partition(" ") for part in page.headers["content-security-policy"].split(";"))}
    host = server.url.removeprefix("http://")
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == f"'self' ws://{host} wss://{host}"
    # Only this node's own pages may frame it when no marketplace origin is configured.
    ancestors = policy["frame-ancestors"].split()
    assert ancestors[0] == "'self'" and server.url in ancestors
    assert all(re.fullmatch(rf"http://(127\.0\.0\.1|localhost|\[::1\]):{server.port}", a)
               for a in ancestors[1:]), ancestors
    # CSP has no IPv6 literals: one would make Chromium report the directive on every load.
    assert "[" not in page.headers["content-security-policy"]
    assert policy["base-uri"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"


def test_the_embedding_helper_may_be_imported_from_other_origins(server: ServerProcess) -> None:
    with _anon(server) as http:
        helper = http.get("/assets/offer-room-embed.js")
        app = http.get("/assets/app.js")
    assert helper.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in app.headers


def test_a_forged_host_cannot_write_into_the_policy(server: ServerProcess) -> None:
    offer = server.create_offer()
    with _anon(server) as http:
        page = http.get(f"/offers/{offer['id']}",
                        headers={"Host": "x; script-src * 'unsafe-inline'"})
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "connect-src 'self';" in policy


def test_api_answers_and_errors_are_never_cached_nor_sniffed(server: ServerProcess) -> None:
    offer = server.create_offer()
    with _api(server) as http:
        for response in (http.get(f"/api/offers/{offer['id']}"),
                         http.get("/api/offers/unknown"),
                         http.get(f"/api/offers/{offer['id']}/versions/1")):
            assert response.headers["cache-control"] == "no-store", response.url
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
        health = http.get("/healthz")
        assert health.headers["x-content-type-options"] == "nosniff"


# --- finding 11: tokens the integrator controls -------------------------------------------------


def _read(server: ServerProcess, offer_id: str, token: str) -> httpx.Response:
    with _anon(server) as http:
        return http.get(f"/api/offers/{offer_id}/versions",
                        headers={"Authorization": f"Bearer {token}"})


def _revoke(server: ServerProcess, offer_id: str, body: dict[str, Any]) -> httpx.Response:
    with _api(server) as http:
        return http.post(f"/api/offers/{offer_id}/revocations", json=body)


def test_revoking_one_token_leaves_the_others(server: ServerProcess) -> None:
    offer = server.create_offer()
    oid, tokens = offer["id"], offer["tokens"]
    second = server.mint(oid, "client", "c-1", "Ada")
    revoked = _revoke(server, oid, {"token": tokens["client"]})
    assert revoked.status_code == 201, revoked.text
    rule = revoked.json()
    assert rule["offer_id"] == oid and rule["jti"] and rule["user"] is None
    _error(_read(server, oid, tokens["client"]), 401, "token_revoked")
    _error(_command(server, oid, tokens["client"], {"type": "propose", "base_version": 1}),
           401, "token_revoked")
    assert _read(server, oid, second).status_code == 200
    assert _read(server, oid, tokens["freelancer"]).status_code == 200
    # By its id as well.
    jti_rule = _revoke(server, oid, {"jti": "no-such-token-id"}).json()
    with _api(server) as http:
        listed = http.get(f"/api/offers/{oid}/revocations").json()
    assert listed == [rule, jti_rule]


def test_revoking_a_partys_tokens_then_reissuing_a_link(server: ServerProcess) -> None:
    offer = server.create_offer()
    oid, tokens = offer["id"], offer["tokens"]
    viewer_as_freelancer = server.mint(oid, "viewer", "f-1", "Linus")
    assert _revoke(server, oid, {"user": "f-1"}).status_code == 201
    _error(_read(server, oid, tokens["freelancer"]), 401, "token_revoked")
    _error(_read(server, oid, viewer_as_freelancer), 401, "token_revoked")
    assert _read(server, oid, tokens["client"]).status_code == 200
    reissued = server.mint(oid, "freelancer", "f-1", "Linus")
    assert _read(server, oid, reissued).status_code == 200


def test_revoking_every_token_of_an_offer(server: ServerProcess) -> None:
    offer = server.create_offer()
    other = server.create_offer()
    oid, tokens = offer["id"], offer["tokens"]
    viewer = server.mint(oid, "viewer", "v-1", "Grace")
    assert _revoke(server, oid, {"all": True}).status_code == 201
    for token in (tokens["client"], tokens["freelancer"], viewer):
        _error(_read(server, oid, token), 401, "token_revoked")
    assert _read(server, other["id"], other["tokens"]["client"]).status_code == 200
    assert _read(server, oid, server.mint(oid, "client", "c-1", "Ada")).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"all": False}, {"user": "f-1", "all": True}, {"jti": ""}, {"jti": "x" * 65},
     {"user": ""}, {"user": "u" * 129}, {"token": "garbage"}, {"everyone": True},
     {"token": mint("another-secret-that-is-long-enough-for-hs256", offer="x", user="c-1",
                    name="Ada", role="client", ttl=600)}],
)
def test_a_revocation_names_exactly_one_valid_thing(
    server: ServerProcess, body: dict[str, Any]
) -> None:
    offer = server.create_offer()
    _error(_revoke(server, offer["id"], body), 422, "invalid")
    assert _read(server, offer["id"], offer["tokens"]["client"]).status_code == 200


def test_revocations_are_for_the_integrator_of_an_offer_that_exists(
    server: ServerProcess,
) -> None:
    offer, other = server.create_offer(), server.create_offer()
    _error(_revoke(server, offer["id"], {"token": other["tokens"]["client"]}), 422, "invalid")
    _error(_revoke(server, "0123456789abcdef", {"all": True}), 404, "not_found")
    with _anon(server) as http:
        token = offer["tokens"]["client"]
        for response in (
            http.post(f"/api/offers/{offer['id']}/revocations", json={"all": True},
                      headers={"Authorization": f"Bearer {token}"}),
            http.get(f"/api/offers/{offer['id']}/revocations",
                     headers={"Authorization": f"Bearer {token}"}),
        ):
            _error(response, 401, "unauthorized")
    assert _read(server, offer["id"], offer["tokens"]["client"]).status_code == 200


def test_a_token_living_longer_than_the_maximum_is_refused(server: ServerProcess) -> None:
    offer = server.create_offer()
    day = 86400
    before = _limit_hits(server, "token_max_ttl")
    until_9999 = mint(SECRET, offer=offer["id"], user="c-1", name="Ada", role="client",
                      ttl=253_402_300_000 - int(time.time()))
    _error(_read(server, offer["id"], until_9999), 401, "token_too_long_lived")
    with _api(server) as http:
        asked = http.post(f"/api/offers/{offer['id']}/tokens",
                          json={"role": "viewer", "user": {"id": "v", "name": "V"},
                                "ttl": 90 * day + 1})
        _error(asked, 422, "invalid")
        assert "7776000" in asked.json()["error"]["message"]
        for ttl in (59, 0, -1):
            _error(http.post(f"/api/offers/{offer['id']}/tokens",
                             json={"role": "viewer", "user": {"id": "v", "name": "V"},
                                   "ttl": ttl}), 422, "invalid")
    assert _limit_hits(server, "token_max_ttl") == before + 2
    longest = server.mint(offer["id"], "viewer", "v", "V", ttl=90 * day)
    assert _read(server, offer["id"], longest).status_code == 200


def test_a_viewer_never_acts_whatever_its_user_id(server: ServerProcess) -> None:
    offer = server.create_offer()
    oid = offer["id"]
    as_client = server.mint(oid, "viewer", "c-1", "Ada")
    as_freelancer = server.mint(oid, "viewer", "f-1", "Linus")
    for token, command in (
        (as_client, {"type": "propose", "base_version": 1}),
        (as_client, {"type": "withdraw_offer", "base_version": 1}),
        (as_client, {"type": "revert", "version": 1}),
        (as_freelancer, {"type": "accept_offer", "base_version": 1}),
        (as_freelancer, {"type": "decline_offer", "base_version": 1}),
    ):
        _error(_command(server, oid, token, command), 403, "forbidden")
    with _api(server) as http:
        state = http.get(f"/api/offers/{oid}").json()
        events = http.get(f"/api/offers/{oid}/events").json()
    assert state["status"] == "open" and state["version"] == 1
    assert [e["kind"] for e in events] == ["created"]


def test_a_closed_offer_turns_participant_tokens_read_only(server: ServerProcess) -> None:
    offer = server.create_offer()
    oid, tokens = offer["id"], offer["tokens"]
    closed = _command(server, oid, tokens["client"],
                      {"type": "withdraw_offer", "base_version": 1, "reason": "Hired elsewhere"})
    assert closed.status_code == 200 and closed.json()["status"] == "withdrawn"
    for token, command in (
        (tokens["client"], {"type": "propose", "base_version": 1}),
        (tokens["freelancer"], {"type": "accept_offer", "base_version": 1}),
        (tokens["freelancer"], {"type": "revert", "version": 1}),
    ):
        error = _error(_command(server, oid, token, command), 409, "not_open")
        assert "withdrawn" in error["message"]
    for token in tokens.values():
        assert _read(server, oid, token).status_code == 200
        with _anon(server) as http:
            state = http.get(f"/api/offers/{oid}", params={"token": token})
        assert state.json()["status"] == "withdrawn"
