"""REST for integrators (API key) and participants (their own token, read-only endpoints)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import api_key_ok
from server.http.callers import caller
from server.http.errors import ApiError
from server.http.services import Services
from server.negotiation.creation import CreateOffer, create_offer, mint_for, participant_link
from server.negotiation.figures import figure_lines
from server.offers.checks import TermsInvalid
from server.offers.terms import Party, terms_to_builtins
from server.rooms.registry import load_offer_doc
from server.store.base import OfferRecord

_MAX_BODY = 256 * 1024


class TokenRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: Literal["client", "freelancer", "viewer"]
    user: Party
    ttl: int | None = None


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _require_api_key(request: Request) -> None:
    if not api_key_ok(_services(request).config.api_key, request.headers.get("authorization")):
        raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer)")


def _require_reader(request: Request, offer_id: str) -> None:
    """The API key, or a participant token (header or ?token=) for this very offer."""
    caller(request, _services(request).config, offer_id)


async def _body(request: Request, kind: type[Any]) -> Any:
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        raise ApiError(413, "too_large", f"request bodies are limited to {_MAX_BODY} bytes")
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as exc:
        raise ApiError(422, "invalid", str(exc)) from exc
    except msgspec.DecodeError as exc:
        raise ApiError(400, "bad_json", f"the body is not valid JSON: {exc}") from exc


async def _offer(request: Request, offer_id: str) -> OfferRecord:
    offer = await _services(request).store.get_offer(offer_id)
    if offer is None:
        raise ApiError(404, "not_found", f"no offer {offer_id!r}")
    return offer


def _json(data: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(data), status_code=status, media_type="application/json")


async def post_offer(request: Request) -> Response:
    _require_api_key(request)
    body = await _body(request, CreateOffer)
    try:
        created = await create_offer(_services(request).store, _services(request).config, body)
    except TermsInvalid as exc:
        raise ApiError(422, "invalid_terms", str(exc), exc.errors) from exc
    return _json(created, 201)


async def get_offer(request: Request) -> Response:
    offer_id = request.path_params["offer_id"]
    _require_reader(request, offer_id)
    offer = await _offer(request, offer_id)
    services = _services(request)
    room = services.registry.rooms.get(offer_id)
    if room is not None:
        draft = room.odoc.read_terms(services.config.limits)
        status = room.offer.status
    else:
        odoc, _ = await load_offer_doc(services.store, offer_id)
        draft = odoc.read_terms(services.config.limits)
        status = offer.status
    return _json(
        {
            "id": offer.id,
            "status": status,
            "version": offer.version,
            "parties": {"client": offer.client, "freelancer": offer.freelancer},
            "created_at": offer.created_at,
            "expires_at": offer.expires_at,
            "committed": terms_to_builtins(offer.terms),
            "draft": terms_to_builtins(draft),
        }
    )


async def post_token(request: Request) -> Response:
    _require_api_key(request)
    offer = await _offer(request, request.path_params["offer_id"])
    body = await _body(request, TokenRequest)
    party = {"client": offer.client, "freelancer": offer.freelancer}.get(body.role)
    if party is not None and party.id != body.user.id:
        raise ApiError(422, "not_a_party", f"the {body.role} of this offer is {party.id!r}")
    if body.ttl is not None and not 60 <= body.ttl <= 365 * 86400:
        raise ApiError(422, "invalid", "ttl must be between 60 seconds and a year")
    token = mint_for(_services(request).config, offer, body.role, body.user, body.ttl)
    link = participant_link(_services(request).config, offer.id, token)
    return _json({"token": token, "link": link}, 201)


async def get_versions(request: Request) -> Response:
    offer_id = request.path_params["offer_id"]
    _require_reader(request, offer_id)
    await _offer(request, offer_id)
    return _json(await _services(request).store.list_versions(offer_id))


async def get_version(request: Request) -> Response:
    offer_id = request.path_params["offer_id"]
    _require_reader(request, offer_id)
    await _offer(request, offer_id)
    version = await _services(request).store.get_version(offer_id, request.path_params["n"])
    if version is None:
        raise ApiError(404, "not_found", "no such version")
    return _json(version)


async def get_events(request: Request) -> Response:
    offer_id = request.path_params["offer_id"]
    _require_reader(request, offer_id)
    await _offer(request, offer_id)
    return _json(await _services(request).store.list_events(offer_id))


async def healthz(request: Request) -> Response:
    services = _services(request)
    store_ok = await services.store.ping()
    bus_ok = await services.bus.ping()
    ok = store_ok and bus_ok
    body = {"status": "ok" if ok else "degraded", "node": services.config.node_id,
            "store": store_ok, "bus": bus_ok if services.bus.clustered else None}
    return JSONResponse(body, status_code=200 if ok else 503)


async def metrics(request: Request) -> Response:
    services = _services(request)
    text = services.metrics.render(figure_lines(await services.store.metrics_summary()))
    return Response(text, media_type="text/plain; version=0.0.4")


routes = [
    Route("/healthz", healthz),
    Route("/metrics", metrics),
    Route("/api/offers", post_offer, methods=["POST"]),
    Route("/api/offers/{offer_id}", get_offer),
    Route("/api/offers/{offer_id}/tokens", post_token, methods=["POST"]),
    Route("/api/offers/{offer_id}/versions", get_versions),
    Route("/api/offers/{offer_id}/versions/{n:int}", get_version),
    Route("/api/offers/{offer_id}/events", get_events),
]
