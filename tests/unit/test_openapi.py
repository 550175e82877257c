"""The OpenAPI document: valid OpenAPI 3.1, and in step with the app's routes both ways."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from openapi_spec_validator import validate
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from server.advice.risk_events import flag_payload
from server.app import create_app
from server.config import Config
from server.explain.flags import Flag
from server.http import openapi
from server.http.reference import render
from server.notify import digests
from server.offers.terms import Party, Terms
from server.store.base import Digest, NotificationItem, OfferRecord

SECRET = "test-secret-that-is-long-enough-for-hs256"
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.build_document()


def app_routes(tmp_path: Path) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves; a mount as ``{prefix}/{path}``."""
    app = create_app(Config(data_dir=tmp_path, secret=SECRET, api_key="k"))
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Route):
            assert route.methods is not None
            found |= {(m, route.path) for m in route.methods & _METHODS}
        elif isinstance(route, Mount):
            found.add(("GET", f"{route.path}/{{path}}"))
        else:  # a new kind of route: give it an entry and teach this test about it
            raise AssertionError(f"unexpected route {route!r}")
    return found


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items()
            for method in item}


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_is_documented_and_nothing_else(tmp_path: Path,
                                                    document: dict[str, Any]) -> None:
    routes = app_routes(tmp_path)
    assert routes - documented(document) == set(), "routes missing from OPERATIONS"
    assert documented(document) - routes == set(), "OPERATIONS names routes the app lacks"


def test_path_parameters_match_the_path(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        names = set(re.findall(r"\{(\w+)\}", path))
        for op in item.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, op["operationId"])


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    ids += [op["operationId"] for item in document["webhooks"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    for ref in refs:
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in document["components"][section], ref


def test_it_covers_errors_commands_and_webhooks(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    error = schemas["ErrorBody"]
    assert set(error["properties"]) == {"code", "message", "fields", "retry_after_s"}
    assert schemas["ErrorEnvelope"]["required"] == ["error"]
    command = document["paths"]["/api/offers/{offer_id}/commands"]["post"]
    body = command["requestBody"]["content"]["application/json"]["schema"]
    kinds = {ref["$ref"].rsplit("/", 1)[1] for ref in body["anyOf"]}
    assert {"Propose", "Accept", "Reject", "Decide", "AcceptOffer"} <= kinds
    assert {"event", "notification", "risk.flagged", "risk.reported"} <= set(
        document["webhooks"])
    headers = {p["name"] for p in document["webhooks"]["event"]["post"]["parameters"]}
    assert headers == {"X-Offer-Room-Signature", "X-Offer-Room-Timestamp",
                       "X-Offer-Room-Event-Id"}
    schemes = document["components"]["securitySchemes"]
    assert schemes["participantQuery"] == {**schemes["participantQuery"], "in": "query",
                                           "name": "token"}


def test_served_once_and_the_page_has_no_script(tmp_path: Path) -> None:
    app = create_app(Config(data_dir=tmp_path, secret=SECRET, api_key="k"))
    with TestClient(app) as client:
        first = client.get("/openapi.json")
        assert first.status_code == 200
        assert first.headers["content-type"] == "application/json"
        assert client.get("/openapi.json").content == first.content
        page = client.get("/docs/api")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "<script" not in page.text and "http://" not in page.text.replace(
            "https://spec.openapis.org", "")
        assert 'href="/docs/api.css"' in page.text
        assert "createOffer" in page.text and "ErrorEnvelope" in page.text
        css = client.get("/docs/api.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_the_page_escapes_what_it_shows(document: dict[str, Any]) -> None:
    hostile = {**document, "info": {**document["info"], "title": "<script>x</script>"}}
    html = render(hostile)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_webhook_payload_structs_hold_what_the_writers_write() -> None:
    """The payloads are built as dicts where the events are written; decode them strictly."""
    now = datetime(2026, 12, 2, 9, 16, tzinfo=UTC)
    client = Party(id="c-1", name="Ada", email="ada@example.com")
    offer = OfferRecord(id="o1", status="open", version=1, client=client,
                        freelancer=Party(id="f-1", name="Linus"), created_at=now,
                        expires_at=now, terms=Terms(title="T", contract_type="fixed",
                                                    currency="USD", fixed_price=100))
    items = [NotificationItem(kind="message", summary="Ada: hi", at=now, n=4),
             NotificationItem(kind="reminder", summary="2 days left", at=now)]
    digest = Digest(id=42, offer_id="o1", user_id="c-1", role="client", items=items, count=2,
                    created_at=now, due_at=now)
    for link in ("https://example.com/offers/o1?token=t", None):
        payload = digests._payload(offer, digest, "client", client, "2 things", link)
        msgspec.convert(payload, openapi.NotificationPayload)
    flag = Flag(code="off_platform", severity="danger", evidence="whatsapp",
                message="Paying outside", at_risk="freelancer", source="description")
    msgspec.convert({"source": "creation", "ref": None, "flags": flag_payload([flag])},
                    openapi.RiskFlaggedPayload)
