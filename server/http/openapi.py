"""The OpenAPI 3.1 document, generated from the msgspec types the server decodes and encodes.

Nothing here is a hand-written schema: request and response bodies come from
``msgspec.json.schema_components`` over the structs the handlers use (``CreateOffer``,
``CreatedOffer``, ``TokenRequest``, ``Command``, ``Ack``, ``ThreadItem``, ``VersionRecord``, …).
A handful of endpoints answer with a dict built in the handler; for those, the small structs
below spell the same shape (the integration test decodes real answers with them, strictly, so
they cannot drift). What is kept by hand is the table of operations (``OPERATIONS``): per route
its method, summary, who may call it, its parameters and its body and answer types.
``tests/unit/test_openapi.py`` compares that table with the app's routes, both ways, so a new
route without an entry fails the test.

Served at ``GET /openapi.json`` (built once, on first request) and read as a page at
``GET /docs/api`` (``server/http/reference.py``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from server.auth import Revocation
from server.http.messages import _EditBody, _PostBody, _ReadBody
from server.http.tokens import RevocationRequest, TokenRequest
from server.negotiation.creation import CreatedOffer, CreateOffer
from server.offers.diff import FieldChange
from server.offers.terms import Terms
from server.reports.model import OutcomeReport
from server.reports.outcomes import OfferOutcomeView
from server.store.base import EventRecord, ProposalRecord, VersionRecord
from server.store.rules import WebhookBody
from server.wire import Ack, Command, FieldProblem, FlagOut, Report, Suggestion, ThreadItem

# --- shapes of answers built as dicts in the handlers ---------------------------------------


class ErrorBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """What went wrong: a stable ``code`` and an English sentence."""

    code: str
    message: str
    #: For ``invalid``/``invalid_terms``: which fields are wrong and why.
    fields: list[FieldProblem] | None = None
    #: For ``rate_limited`` (also sent as ``Retry-After``): seconds until it is allowed again.
    retry_after_s: int | None = None


class ErrorEnvelope(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Every error answer of the REST API."""

    error: ErrorBody


class PartyView(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A party as a reader sees it; ``email`` only for the integrator."""

    id: str
    name: str
    email: str | None = None


class Parties(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    client: PartyView
    freelancer: PartyView


class DraftProblem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    field: str
    message: str


class OfferView(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """``GET /api/offers/{offer_id}``: the offer, its committed terms and the live draft."""

    id: str
    #: open | agreed | withdrawn | declined | expired
    status: str
    version: int
    parties: Parties
    created_at: datetime
    expires_at: datetime
    #: The terms of the current version.
    committed: Terms
    #: The shared draft as it stands now.
    draft: Terms
    #: What the draft lacks under today's rules, when it was written under older ones.
    draft_problems: list[DraftProblem] | None = None


class TokenCreated(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST /api/offers/{offer_id}/tokens``: a token and its room link."""

    token: str
    #: ``{public URL}/offers/{offer_id}?token={token}``
    link: str


class Diff(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``GET /api/offers/{offer_id}/diff``: the changes between two versions."""

    from_: int = msgspec.field(name="from")
    to: int
    changes: list[FieldChange]


class MessagesPage(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """``GET /api/offers/{offer_id}/messages``: a page of the thread."""

    items: list[ThreadItem]
    #: Entries older than ``items[0]`` exist.
    more: bool
    #: A participant's own read state (not for the API key).
    last_read: int | None = None
    unread: int | None = None


class ReadState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    last_read: int
    unread: int


class Health(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    status: Literal["ok", "degraded"]
    node: str
    store: bool
    #: None on a single node (no bus to check).
    bus: bool | None


# --- webhook payloads (built as dicts where they are written) -----------------------------------


class Recipient(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    id: str
    name: str
    role: Literal["client", "freelancer"]
    email: str | None = None


class DigestItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: str
    summary: str
    #: The thread position it refers to (None for a reminder).
    n: int | None
    at: datetime


class NotificationPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``payload`` of a ``notification`` event: a digest for a party who is away."""

    digest: int
    recipient: Recipient
    reason: list[str]
    summary: str
    title: str
    items: list[DigestItem]
    count: int
    link: str | None


class RiskFlag(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    severity: str
    evidence: str
    message: str
    at_risk: str
    source: str


class RiskFlaggedPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``payload`` of a ``risk.flagged`` event: the high-severity flags of a text."""

    source: str
    ref: str | None
    flags: list[RiskFlag]


class Person(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: str
    role: str


class RiskReportedPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``payload`` of a ``risk.reported`` event: a party's report of the other."""

    category: str
    reason: str
    reporter: Person
    reported: Person
    ref: str | None


WEBHOOK_PAYLOADS: dict[str, type] = {
    "notification": NotificationPayload,
    "risk.flagged": RiskFlaggedPayload,
    "risk.reported": RiskReportedPayload,
}

# --- the operations ------------------------------------------------------------------------------

Auth = Literal["none", "key", "reader"]


@dataclass(frozen=True)
class Param:
    name: str
    where: Literal["path", "query"]
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    operation_id: str
    summary: str
    auth: Auth
    tag: str
    #: status -> body type, or a tuple of types for "one of these" (None: the media type
    #: below with no schema of ours).
    responses: dict[int, Any]
    request: Any = None
    params: tuple[Param, ...] = ()
    #: Error statuses beyond the ones every operation of its kind may answer.
    errors: tuple[int, ...] = ()
    media_type: str = "application/json"
    description: str = ""


_OFFER_ID = Param("offer_id", "path", "The offer's id.", {"type": "string",
                                                          "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                  required=True)
_MESSAGE_ID = Param("message_id", "path", "A thread entry's id.", required=True)
_AS = Param("as", "query", "With the API key: the party to act as.",
            {"type": "string", "enum": ["client", "freelancer"]})
_LANG = Param("lang", "query", "Language to write in (else Accept-Language), e.g. `de`.")
_POSITION = {"type": "integer", "minimum": 0, "maximum": 999_999_999}

OPERATIONS: tuple[Op, ...] = (
    Op("GET", "/healthz", "health", "Health of this node: its store and bus.", "none", "ops",
       {200: Health, 503: Health}),
    Op("GET", "/metrics", "metrics", "Prometheus metrics of this node.", "none", "ops",
       {200: None}, media_type="text/plain"),
    Op("POST", "/api/offers", "createOffer", "Create an offer; answers its id, links and "
       "tokens for both parties.", "key", "offers", {201: CreatedOffer}, CreateOffer,
       errors=(422,)),
    Op("GET", "/api/offers/{offer_id}", "getOffer", "Read an offer: status, parties, the "
       "committed terms and the live draft.", "reader", "offers", {200: OfferView},
       params=(_OFFER_ID,)),
    Op("GET", "/api/offers/{offer_id}/versions", "listVersions", "Every committed version.",
       "reader", "offers", {200: list[VersionRecord]}, params=(_OFFER_ID,)),
    Op("GET", "/api/offers/{offer_id}/versions/{n}", "getVersion", "One committed version.",
       "reader", "offers", {200: VersionRecord},
       params=(_OFFER_ID, Param("n", "path", "The version number (1, 2, …).",
                                {"type": "string", "pattern": "^[0-9]{1,10}$"}, required=True))),
    Op("GET", "/api/offers/{offer_id}/events", "listEvents", "The audit log (participants do "
       "not see notification, message_edited/deleted and risk.* events).", "reader", "offers",
       {200: list[EventRecord]}, params=(_OFFER_ID,)),
    Op("POST", "/api/offers/{offer_id}/tokens", "createToken", "Mint a participant token and "
       "link.", "key", "tokens", {201: TokenCreated}, TokenRequest, params=(_OFFER_ID,),
       errors=(410, 422)),
    Op("POST", "/api/offers/{offer_id}/revocations", "revokeTokens", "Revoke one token, a "
       "token id, a user's tokens or all tokens; answers the rule kept.", "key", "tokens",
       {201: Revocation}, RevocationRequest, params=(_OFFER_ID,), errors=(422,)),
    Op("GET", "/api/offers/{offer_id}/revocations", "listRevocations", "The offer's "
       "revocation rules.", "key", "tokens", {200: list[Revocation]}, params=(_OFFER_ID,)),
    Op("POST", "/api/offers/{offer_id}/commands", "runCommand", "Run a negotiation command "
       "(the socket's JSON).", "reader", "negotiation", {200: Ack}, Command,
       params=(_OFFER_ID, _AS), errors=(409, 410, 422, 429)),
    Op("GET", "/api/offers/{offer_id}/diff", "getDiff", "The changes between two versions.",
       "reader", "negotiation", {200: Diff},
       params=(_OFFER_ID,
               Param("from", "query", "A version number.", {"type": "integer", "minimum": 1},
                     required=True),
               Param("to", "query", "A version number.", {"type": "integer", "minimum": 1},
                     required=True)), errors=(400,)),
    Op("GET", "/api/offers/{offer_id}/proposals", "listProposals", "Every proposal, with its "
       "explanation and the risk flags meant for the reader.", "reader", "negotiation",
       {200: list[ProposalRecord]}, params=(_OFFER_ID, _LANG)),
    Op("GET", "/api/offers/{offer_id}/messages", "listMessages", "A page of the thread, oldest "
       "first.", "reader", "thread", {200: MessagesPage},
       params=(_OFFER_ID,
               Param("before", "query", "Entries before this position.", _POSITION),
               Param("after", "query", "Entries after this position.", _POSITION),
               Param("limit", "query", "At most this many (50; up to 200).", _POSITION),
               _LANG), errors=(400,)),
    Op("POST", "/api/offers/{offer_id}/messages", "postMessage", "Post a message, question or "
       "answer.", "reader", "thread", {201: (ThreadItem, Ack)}, _PostBody,
       params=(_OFFER_ID, _AS, _LANG), errors=(409, 422, 429)),
    Op("PATCH", "/api/offers/{offer_id}/messages/{message_id}", "editMessage", "Edit one's own "
       "message.", "reader", "thread", {200: (ThreadItem, Ack)}, _EditBody,
       params=(_OFFER_ID, _MESSAGE_ID, _AS, _LANG), errors=(409, 422, 429)),
    Op("DELETE", "/api/offers/{offer_id}/messages/{message_id}", "deleteMessage", "Delete one's "
       "own message.", "reader", "thread", {200: (ThreadItem, Ack)},
       params=(_OFFER_ID, _MESSAGE_ID, _AS, _LANG), errors=(400, 409, 422, 429)),
    Op("POST", "/api/offers/{offer_id}/messages/{message_id}/resolve", "resolveQuestion",
       "Mark a question resolved.", "reader", "thread", {200: (ThreadItem, Ack)},
       params=(_OFFER_ID, _MESSAGE_ID, _AS, _LANG), errors=(400, 409, 422)),
    Op("POST", "/api/offers/{offer_id}/read", "markRead", "A participant has read up to a "
       "position (participant token only).", "reader", "thread", {200: ReadState}, _ReadBody,
       params=(_OFFER_ID,), errors=(422,)),
    Op("POST", "/api/offers/{offer_id}/reports", "reportParty", "Report the other party to the "
       "trust team (a risk.reported event).", "reader", "assistant", {201: Ack}, Report,
       params=(_OFFER_ID, _AS), errors=(422, 429)),
    Op("POST", "/api/offers/{offer_id}/suggestions", "suggest", "A middle-ground suggestion "
       "between the parties' positions, for the asker.", "reader", "assistant",
       {200: Suggestion}, params=(_OFFER_ID, _AS, _LANG), errors=(400, 409, 422, 429)),
    Op("GET", "/api/reports/outcomes", "getOutcomeReport", "Outcomes of the offers created in "
       "a range, by experiment variant: rates and durations with 95 % intervals, reasons, NPS, "
       "and each variant against the baseline.", "key", "reports", {200: OutcomeReport},
       params=(Param("from", "query", "First day (YYYY-MM-DD) or time with a zone; default 90 "
                     "days before `to`."),
               Param("to", "query", "Last day, included (YYYY-MM-DD), or a time with a zone, "
                     "excluded; default now.")), errors=(400,)),
    Op("GET", "/api/offers/{offer_id}/outcome", "getOfferOutcome", "One offer's outcome figures "
       "as the report counts them (7-day acceptance, time to agreement and start, proposals, "
       "response times, reasons, ratings).", "key", "reports", {200: OfferOutcomeView},
       params=(_OFFER_ID,)),
    Op("GET", "/offers/{offer_id}", "offerPage", "The room page (the participant's link; the "
       "token is in `?token=`).", "none", "pages", {200: None, 503: None}, params=(_OFFER_ID,),
       media_type="text/html"),
    Op("GET", "/reports", "reportPage", "The outcome report as a page for integrators (the API "
       "key is typed in, or passed in the URL fragment `#key=`).", "none", "pages",
       {200: None, 503: None}, media_type="text/html"),
    Op("GET", "/assets/{path}", "asset", "The web app's built files.", "none", "pages",
       {200: None}, params=(Param("path", "path", "A file of web/dist.", required=True),),
       media_type="application/octet-stream"),
    Op("GET", "/openapi.json", "openapi", "This document.", "none", "meta", {200: None}),
    Op("GET", "/docs/api", "apiReference", "This document as a page.", "none", "meta",
       {200: None}, media_type="text/html"),
    Op("GET", "/docs/api.css", "apiReferenceStyle", "The reference page's stylesheet.", "none",
       "meta", {200: None}, media_type="text/css"),
)

_ERROR_TEXT = {
    400: "Malformed request (`bad_request`, `bad_json`).",
    401: "No valid API key or token (`unauthorized`, `token_expired`, `token_invalid`, "
         "`token_revoked`, `token_too_long_lived`).",
    403: "Token for another offer, a role that may not do this, or a browser origin not "
         "allowed (`forbidden`, `read_only`, `not_your_turn`, `origin_not_allowed`).",
    404: "No such offer, version or entry (`not_found`).",
    405: "Method not allowed.",
    409: "Not now: the offer's state forbids it (`stale`, `not_open`, `proposal_pending`, …).",
    410: "The offer has expired (`expired`, `offer_expired`).",
    413: "The body is too large (`too_large`).",
    415: "The body is not `application/json`.",
    422: "The body or its values are not valid (`invalid`, `invalid_terms`, …); `fields` "
         "says which.",
    429: "Too many (`rate_limited`); `retry_after_s` and `Retry-After` say when to retry.",
    500: "Something went wrong on the server (`internal`).",
}

_WEBHOOK_HEADERS = {
    "X-Offer-Room-Signature": ("`sha256=` + hex HMAC-SHA256 keyed with "
                               "OFFER_ROOM_WEBHOOK_SECRET over `<timestamp>.` + the raw body.",
                               {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"}),
    "X-Offer-Room-Timestamp": ("Seconds since the epoch when this attempt was signed; refuse "
                               "old ones.", {"type": "string", "pattern": "^[0-9]+$"}),
    "X-Offer-Room-Event-Id": ("`<offer id>:<seq>`, also `id` in the body: deduplicate on it.",
                              {"type": "string"}),
}

_SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer",
               "description": "The integrator: `Authorization: Bearer $OFFER_ROOM_API_KEY`."},
    "participantToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                         "description": "A participant token minted for this offer."},
    "participantQuery": {"type": "apiKey", "in": "query", "name": "token",
                         "description": "The same participant token as `?token=` (the "
                                        "browser's link)."},
}

_SECURITY: dict[Auth, list[dict[str, list[str]]]] = {
    "none": [],
    "key": [{"apiKey": []}],
    "reader": [{"apiKey": []}, {"participantToken": []}, {"participantQuery": []}],
}

_REF = "#/components/schemas/{name}"
#: The handlers' private body structs, under the names the document gives them.
_RENAME = {"_PostBody": "NewMessageBody", "_EditBody": "EditMessageBody", "_ReadBody": "ReadBody"}


def _body_types() -> list[Any]:
    # FlagOut: the proposals' flags as a reader sees them (``_derive_proposal_view``).
    types: list[Any] = [ErrorEnvelope, WebhookBody, FlagOut, *WEBHOOK_PAYLOADS.values()]
    for op in OPERATIONS:
        if op.request is not None:
            types.append(op.request)
        for t in op.responses.values():
            types.extend(t if isinstance(t, tuple) else [t] if t is not None else [])
    return types


def _derive_proposal_view(components: dict[str, Any]) -> dict[str, Any]:
    """A proposal as ``listProposals`` answers it: the explanation's flags are the reader's."""
    explanation = copy.deepcopy(components["Explanation"])
    explanation["title"] = "ExplanationView"
    explanation["properties"]["flags"] = {"type": "array",
                                          "items": {"$ref": _REF.format(name="FlagOut")}}
    proposal = copy.deepcopy(components["ProposalRecord"])
    proposal["title"] = "ProposalView"
    proposal["properties"]["explanation"] = {
        "anyOf": [{"$ref": _REF.format(name="ExplanationView")}, {"type": "null"}],
        "default": None}
    return {"ExplanationView": explanation, "ProposalView": proposal}


def _operation(op: Op, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary,
                           "tags": [op.tag], "security": _SECURITY[op.auth]}
    if op.description:
        out["description"] = op.description
    if op.params:
        out["parameters"] = [
            {"name": p.name, "in": p.where, "required": p.required or p.where == "path",
             "description": p.description, "schema": p.schema} for p in op.params]
    if op.request is not None:
        out["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": refs[op.request]}}}
    responses: dict[str, Any] = {}
    for status, body in op.responses.items():
        answer: dict[str, Any] = {"description": "OK" if status < 300 else "Unavailable"}
        if body is not None:
            answer["content"] = {op.media_type: {"schema": refs[body]}}
        else:
            kind = "object" if op.media_type == "application/json" else "string"
            answer["content"] = {op.media_type: {"schema": {"type": kind}}}
        responses[str(status)] = answer
    errors = set(op.errors)
    if op.auth != "none":
        errors |= {401, 500}
    if "{offer_id}" in op.path and op.path.startswith("/api/"):
        errors.add(404)
        if op.auth == "reader":
            errors.add(403)
            if op.method != "GET":  # a command: refused with the socket's codes (acting.STATUS)
                errors |= {400, 409, 410, 422, 429}
    if op.request is not None:
        errors |= {400, 413, 415, 422}
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    out["responses"] = responses
    return out


def build_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (a fresh dict each call; ``document_bytes`` keeps one)."""
    types = _body_types()
    unique: list[Any] = []
    for t in types:
        if not any(t is u or t == u for u in unique):
            unique.append(t)
    schemas, components = msgspec.json.schema_components(unique, ref_template=_REF)
    refs: dict[Any, dict[str, Any]] = {}
    for t, schema in zip(unique, schemas, strict=True):
        refs[t] = schema
    components.update(_derive_proposal_view(components))
    for private, public in _RENAME.items():
        components[public] = {**components.pop(private), "title": public}
    for op in OPERATIONS:  # an answer of one of several types (a thread entry, or an ack)
        for t in op.responses.values():
            if isinstance(t, tuple):
                refs[t] = {"anyOf": [refs[u] for u in t]}
    refs[list[ProposalRecord]] = {"type": "array",
                                  "items": {"$ref": _REF.format(name="ProposalView")}}

    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)

    error_ref = {"$ref": _REF.format(name="ErrorEnvelope")}
    responses = {
        f"Error{status}": {
            "description": text,
            "content": {"application/json": {"schema": error_ref}},
            **({"headers": {"Retry-After": {"description": "Seconds to wait.",
                                            "schema": {"type": "integer"}}}}
               if status == 429 else {}),
        }
        for status, text in _ERROR_TEXT.items()
    }

    envelope = {"$ref": _REF.format(name="WebhookBody")}
    headers = {name: {"description": text, "required": True, "schema": schema}
               for name, (text, schema) in _WEBHOOK_HEADERS.items()}
    webhook_ok = {"2XX": {"description": "Delivered; anything else is retried with backoff."}}

    def webhook(summary: str, schema: dict[str, Any], op_id: str) -> dict[str, Any]:
        return {"post": {
            "operationId": op_id, "summary": summary, "tags": ["webhooks"],
            "parameters": [{"name": n, "in": "header", **h} for n, h in headers.items()],
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
            "responses": webhook_ok}}

    webhooks = {"event": webhook(
        "Every audit event written by a negotiation command (and the ones below), POSTed to "
        "OFFER_ROOM_WEBHOOK_URL.", envelope, "webhookEvent")}
    for kind, payload in WEBHOOK_PAYLOADS.items():
        schema = {"allOf": [envelope, {"type": "object", "properties": {
            "kind": {"const": kind}, "payload": refs[payload]}}]}
        webhooks[kind] = webhook(f"The `{kind}` event.", schema,
                                 "webhook" + kind.title().replace(".", ""))

    document = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "offer-room",
            "version": "1",
            "description": "A self-hostable real-time offer room. REST for integrators (API key) "
                           "and participants (their token); the WebSocket protocol is in "
                           "docs/PROTOCOL.md. Every error is `{\"error\": {code, message, "
                           "fields?, retry_after_s?}}`.",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": n} for n in dict.fromkeys(op.tag for op in OPERATIONS)]
        + [{"name": "webhooks"}],
        "paths": paths,
        "webhooks": webhooks,
        "components": {"schemas": dict(sorted(components.items())), "responses": responses,
                       "securitySchemes": _SECURITY_SCHEMES},
    }
    # Through JSON and back: defaults such as () become [], and the private structs' references
    # take their public names.
    text = msgspec.json.encode(document).decode()
    for private, public in _RENAME.items():
        text = text.replace(f'"{_REF.format(name=private)}"', f'"{_REF.format(name=public)}"')
    out: dict[str, Any] = msgspec.json.decode(text)
    return out


_cached: bytes | None = None


def document_bytes() -> bytes:
    """The document as JSON, built on first use and kept."""
    global _cached
    if _cached is None:
        _cached = msgspec.json.encode(build_document())
    return _cached


async def openapi_json(request: Request) -> Response:
    return Response(document_bytes(), media_type="application/json",
                    headers={"Cache-Control": "public, max-age=300"})
