"""A client built from /openapi.json alone performs create → token → read against a real node.

``OpenApiClient`` knows nothing of this server but the document: it finds an operation by its
``operationId``, fills the path and query parameters the document declares, checks the request
body against the declared schema before sending it, and checks every answer against the schema
declared for its status (``jsonschema``, which openapi-spec-validator brings). The answers are
also decoded strictly with the structs the document was generated from, so a field a handler
adds without its struct fails here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
from jsonschema import Draft202012Validator

from server.http.openapi import (
    ErrorEnvelope,
    MessagesPage,
    OfferView,
    RiskReportedPayload,
    TokenCreated,
)
from server.negotiation.creation import CreatedOffer
from server.store.base import EventRecord, VersionRecord
from tests.support.server import API_KEY, ServerProcess, sample_offer_body
from tests.support.yclient import connected


class OpenApiClient:
    def __init__(self, base_url: str, document: dict[str, Any]) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.document = document
        self.operations: dict[str, tuple[str, str, dict[str, Any]]] = {
            op["operationId"]: (method.upper(), path, op)
            for path, item in document["paths"].items() for method, op in item.items()}

    def _check(self, schema: dict[str, Any], instance: Any) -> None:
        # The schema's $refs ("#/components/schemas/...") resolve against this root.
        Draft202012Validator({**schema, "components": self.document["components"]}).validate(
            instance)

    def call(self, operation_id: str, *, body: Any = None, api_key: str | None = None,
             token: str | None = None, **params: Any) -> httpx.Response:
        method, path, op = self.operations[operation_id]
        query: dict[str, Any] = {}
        for p in op.get("parameters", []):
            name = p["name"]
            if p["in"] == "path":
                path = path.replace("{" + name + "}", str(params.pop(name)))
            elif p["in"] == "query" and name in params:
                query[name] = params.pop(name)
        assert not params, f"{operation_id} takes no parameters {sorted(params)}"
        headers: dict[str, str] = {}
        schemes = {name for rule in op.get("security", []) for name in rule}
        if api_key is not None:
            assert "apiKey" in schemes
            headers["Authorization"] = f"Bearer {api_key}"
        elif token is not None:
            # Exactly as the document says a participant token may travel: ?token=.
            scheme = self.document["components"]["securitySchemes"]["participantQuery"]
            assert "participantQuery" in schemes and scheme["in"] == "query"
            query[scheme["name"]] = token
        kwargs: dict[str, Any] = {}
        if body is not None:
            self._check(op["requestBody"]["content"]["application/json"]["schema"], body)
            kwargs["json"] = body
        response = self.http.request(method, path, params=query, headers=headers, **kwargs)
        answer = op["responses"].get(str(response.status_code))
        assert answer is not None, f"{operation_id} answered undocumented {response.status_code}"
        if "$ref" in answer:
            answer = self.document["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        content = answer.get("content", {}).get("application/json")
        if content is not None:
            self._check(content["schema"], response.json())
        return response


@pytest.fixture(scope="module")
def api(server: ServerProcess) -> Iterator[OpenApiClient]:
    document = httpx.get(f"{server.url}/openapi.json", timeout=10).json()
    client = OpenApiClient(server.url, document)
    yield client
    client.http.close()


def test_create_token_read(api: OpenApiClient) -> None:
    created = api.call("createOffer", body=sample_offer_body(), api_key=API_KEY)
    assert created.status_code == 201
    offer = msgspec.json.decode(created.content, type=CreatedOffer)

    minted = api.call("createToken", offer_id=offer.id, api_key=API_KEY,
                      body={"role": "viewer", "user": {"id": "v-1", "name": "Grace"}})
    assert minted.status_code == 201
    token = msgspec.json.decode(minted.content, type=TokenCreated).token

    read = api.call("getOffer", offer_id=offer.id, token=token)
    assert read.status_code == 200
    view = msgspec.json.decode(read.content, type=OfferView)
    assert (view.id, view.status, view.version) == (offer.id, "open", 1)
    assert view.committed.title == "Landing page for a coffee roaster"
    assert view.parties.client.email is None

    as_integrator = api.call("getOffer", offer_id=offer.id, api_key=API_KEY)
    msgspec.json.decode(as_integrator.content, type=OfferView)

    versions = api.call("listVersions", offer_id=offer.id, token=token)
    [version] = msgspec.json.decode(versions.content, type=list[VersionRecord])
    assert version.number == 1
    version_1 = api.call("getVersion", offer_id=offer.id, n=1, token=token)
    assert msgspec.json.decode(version_1.content, type=VersionRecord) == version
    events = api.call("listEvents", offer_id=offer.id, api_key=API_KEY)
    assert [e.kind for e in msgspec.json.decode(events.content, type=list[EventRecord])] == [
        "created"]


def test_thread_over_the_document(api: OpenApiClient) -> None:
    offer = msgspec.json.decode(
        api.call("createOffer", body=sample_offer_body(), api_key=API_KEY).content,
        type=CreatedOffer)
    client_token = offer.tokens["client"]
    posted = api.call("postMessage", offer_id=offer.id, token=client_token,
                      body={"body": "When can you start?"})
    assert posted.status_code == 201
    page = api.call("listMessages", offer_id=offer.id, token=offer.tokens["freelancer"])
    messages = msgspec.json.decode(page.content, type=MessagesPage)
    assert [m.body for m in messages.items] == ["When can you start?"]
    assert messages.unread == 1
    read = api.call("markRead", offer_id=offer.id, token=offer.tokens["freelancer"],
                    body={"upto": messages.items[0].n})
    assert read.json() == {"last_read": 1, "unread": 0}
    proposals = api.call("listProposals", offer_id=offer.id, api_key=API_KEY)
    assert proposals.json() == []


def test_errors_have_the_documented_shape(api: OpenApiClient) -> None:
    missing = api.call("getOffer", offer_id="nope", api_key=API_KEY)
    assert missing.status_code == 404
    assert msgspec.json.decode(missing.content, type=ErrorEnvelope).error.code == "not_found"
    unauthorized = api.call("createToken", offer_id="nope",
                            body={"role": "viewer", "user": {"id": "v", "name": "V"}},
                            api_key="wrong")
    assert unauthorized.status_code == 401
    invalid = api.call("createOffer", api_key=API_KEY,
                       body=sample_offer_body(hourly_rate=-5))
    assert invalid.status_code == 422
    error = msgspec.json.decode(invalid.content, type=ErrorEnvelope).error
    assert error.fields


def test_commands_and_assistant_over_the_document(api: OpenApiClient) -> None:
    offer = msgspec.json.decode(
        api.call("createOffer", body=sample_offer_body(), api_key=API_KEY).content,
        type=CreatedOffer)
    unchanged = api.call("runCommand", offer_id=offer.id, api_key=API_KEY, **{"as": "client"},
                         body={"type": "propose", "id": "p-1", "base_version": 1})
    assert unchanged.status_code == 422 and unchanged.json()["error"]["code"] == "no_changes"
    accepted = api.call("runCommand", offer_id=offer.id, token=offer.tokens["freelancer"],
                        body={"type": "accept_offer", "base_version": 1})
    assert accepted.json()["status"] == "agreed"
    diff = api.call("getDiff", offer_id=offer.id, api_key=API_KEY, **{"from": 1, "to": 1})
    assert diff.json() == {"from": 1, "to": 1, "changes": []}
    report = api.call("reportParty", offer_id=offer.id, token=offer.tokens["freelancer"],
                      body={"type": "report", "category": "spam", "reason": "links"})
    assert report.status_code == 201
    suggestion = api.call("suggest", offer_id=offer.id, token=offer.tokens["client"])
    assert suggestion.status_code == 200
    events = api.call("listEvents", offer_id=offer.id, api_key=API_KEY)
    reported = [e for e in events.json() if e["kind"] == "risk.reported"]
    assert len(reported) == 1
    # The webhook payload schemas describe what the event log (and so the webhook) carries.
    msgspec.convert(reported[0]["payload"], RiskReportedPayload)


async def test_a_proposal_and_its_diff_over_the_document(server: ServerProcess,
                                                         api: OpenApiClient) -> None:
    offer = msgspec.json.decode(
        api.call("createOffer", body=sample_offer_body(), api_key=API_KEY).content,
        type=CreatedOffer)
    client = await connected(server.ws_base, offer.id, offer.tokens["client"])
    with client.edit() as doc:
        doc.terms["weekly_limit"] = 30
    await asyncio.sleep(0.3)
    await client.close()
    proposed = api.call("runCommand", offer_id=offer.id, token=offer.tokens["client"],
                        body={"type": "propose", "id": "r1", "base_version": 1})
    assert proposed.status_code == 200, proposed.text
    for _ in range(50):  # the explanation is written after the answer
        listed = api.call("listProposals", offer_id=offer.id, token=offer.tokens["freelancer"])
        if listed.json()[0]["explanation"]:
            break
        await asyncio.sleep(0.1)
    assert listed.json()[0]["explanation"]["text"]
    accepted = api.call("runCommand", offer_id=offer.id, api_key=API_KEY, **{"as": "freelancer"},
                        body={"type": "accept", "base_version": 1,
                              "proposal_id": proposed.json()["proposal_id"]})
    assert accepted.json()["version"] == 2
    diff = api.call("getDiff", offer_id=offer.id, token=offer.tokens["client"],
                    **{"from": 1, "to": 2})
    assert [c["field"] for c in diff.json()["changes"]] == ["weekly_limit"]
