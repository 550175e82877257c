"""REST for integrators (API key) and participants (their own token, read-only endpoints)."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import Claims, api_key_ok
from server.http.bodies import CREATE_OFFER_BYTES, read_json
from server.http.callers import caller
from server.http.errors import ApiError
from server.http.services import Services
from server.i18n import Lang, pick_lang
from server.negotiation.creation import CreateOffer, create_offer
from server.offers.checks import TermsInvalid
from server.offers.terms import Party, terms_to_builtins
from server.rooms.registry import load_offer_doc
from server.store.base import OfferRecord

#: Offer ids are 16 hex characters (``creation._new_id``); anything else names no offer, and is
#: refused before it reaches a store (PostgreSQL answers a NUL byte in a text with an error).
_OFFER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Version numbers fit a signed 32-bit integer (an offer with 2 billion versions is not one);
#: larger numbers overflow the stores' integer columns.
VERSION_MAX = 2**31 - 1
_VERSION = re.compile(r"[0-9]{1,10}")
_CREATE_OFFER = msgspec.json.Decoder(CreateOffer)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def require_api_key(request: Request) -> None:
    if not api_key_ok(services_of(request).config.api_key, request.headers.get("authorization")):
        raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer)")


def offer_id_of(request: Request) -> str:
    """The ``{offer_id}`` of the path, or 404 when it cannot name an offer."""
    offer_id: str = request.path_params["offer_id"]
    if not _OFFER_ID.fullmatch(offer_id):
        raise ApiError(404, "not_found", "no such offer")
    return offer_id


def version_number(raw: str | None) -> int | None:
    """A version number from a path or query string: 1 to 2^31 - 1, else None."""
    if raw is None or not _VERSION.fullmatch(raw):
        return None
    n = int(raw)
    return n if 1 <= n <= VERSION_MAX else None


async def reader(request: Request) -> tuple[str, Claims | None]:
    """The offer id and who reads it: the API key (None), or a participant token for it."""
    offer_id = offer_id_of(request)
    return offer_id, await caller(request, services_of(request), offer_id)


async def offer_of(request: Request, offer_id: str) -> OfferRecord:
    offer = await services_of(request).store.get_offer(offer_id)
    if offer is None:
        raise ApiError(404, "not_found", f"no offer {offer_id!r}")
    return offer


def request_lang(request: Request) -> Lang:
    """The language to write in for this request: ``?lang=``, else its Accept-Language."""
    return pick_lang(request.query_params.get("lang") or request.headers.get("accept-language"))


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:
    return Response(msgspec.json.encode(data), status_code=status, headers=headers,
                    media_type="application/json")


async def post_offer(request: Request) -> Response:
    require_api_key(request)
    services = services_of(request)
    body = await read_json(request, _CREATE_OFFER, CREATE_OFFER_BYTES, services,
                           "body_create_offer")
    try:
        created = await create_offer(services.store, services.config, body)
        services.metrics.offer_created(created.variant)
    except TermsInvalid as exc:
        raise ApiError(422, "invalid_terms", str(exc), exc.errors) from exc
    # The client's first offer is screened at once: the freelancer sees its flags on arrival
    # and the marketplace hears of a high-severity one before anyone opens the room.
    offer = await services.store.get_offer(created.id)
    if offer is not None:
        await services.assistant.screen_offer(offer)
    return json_response(created, 201)


def _party_view(party: Party, integrator: bool) -> dict[str, str]:
    """A party as a reader sees it: the e-mail address is the integrator's to know, never the
    other party's or a viewer's."""
    view = {"id": party.id, "name": party.name}
    if integrator and party.email is not None:
        view["email"] = party.email
    return view


async def get_offer(request: Request) -> Response:
    offer_id, claims = await reader(request)
    offer = await offer_of(request, offer_id)
    services = services_of(request)
    room = services.registry.rooms.get(offer_id)
    status = room.offer.status if room is not None else offer.status
    problems: list[dict[str, str]] = []
    try:
        if room is not None:
            draft = room.draft()
        else:
            odoc, _ = await load_offer_doc(services.store, offer_id)
            draft = odoc.read_terms(services.config.limits)
    except TermsInvalid as exc:
        # A draft from before a rule was tightened (say, a currency retired since): show the
        # agreed terms and say what the draft lacks, rather than failing the whole read.
        draft = offer.terms
        problems = [{"field": e.field, "message": e.message} for e in exc.errors]
    return json_response(
        {
            "id": offer.id,
            "status": status,
            "version": offer.version,
            "parties": {"client": _party_view(offer.client, claims is None),
                        "freelancer": _party_view(offer.freelancer, claims is None)},
            "created_at": offer.created_at,
            "expires_at": offer.expires_at,
            "committed": terms_to_builtins(offer.terms),
            "draft": terms_to_builtins(draft),
            **({"draft_problems": problems} if problems else {}),
        }
    )


async def get_versions(request: Request) -> Response:
    offer_id, _ = await reader(request)
    await offer_of(request, offer_id)
    return json_response(await services_of(request).store.list_versions(offer_id))


async def get_version(request: Request) -> Response:
    offer_id, _ = await reader(request)
    await offer_of(request, offer_id)
    services = services_of(request)
    n = version_number(request.path_params["n"])
    if n is None:
        services.metrics.limit_hit("version_number")
        raise ApiError(404, "not_found", f"versions are numbered 1 to {VERSION_MAX}")
    version = await services.store.get_version(offer_id, n)
    if version is None:
        raise ApiError(404, "not_found", "no such version")
    return json_response(version)


#: Events for the integrator only: a notification carries its recipient's e-mail address and a
#: live link with their token, which the other party (or a viewer) must never see; an edit or a
#: delete keeps the words their author took back, for the marketplace's trust team, not the room;
#: a report names its reporter, and a flag is private to the party at risk.
_INTEGRATOR_EVENTS = frozenset({"notification", "message_edited", "message_deleted",
                                "risk.flagged", "risk.reported", "satisfaction_rated"})


async def get_events(request: Request) -> Response:
    offer_id, claims = await reader(request)
    await offer_of(request, offer_id)
    events = await services_of(request).store.list_events(offer_id)
    if claims is not None:
        events = [e for e in events if e.kind not in _INTEGRATOR_EVENTS]
    return json_response(events)


async def healthz(request: Request) -> Response:
    services = services_of(request)
    store_ok = await services.store.ping()
    bus_ok = await services.bus.ping()
    ok = store_ok and bus_ok
    body = {"status": "ok" if ok else "degraded", "node": services.config.node_id,
            "store": store_ok, "bus": bus_ok if services.bus.clustered else None}
    return JSONResponse(body, status_code=200 if ok else 503)


async def metrics(request: Request) -> Response:
    # Counters kept as things happen: a scrape reads them, it never queries the store.
    return Response(services_of(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


routes = [
    Route("/healthz", healthz),
    Route("/metrics", metrics),
    Route("/api/offers", post_offer, methods=["POST"]),
    Route("/api/offers/{offer_id}", get_offer),
    Route("/api/offers/{offer_id}/versions", get_versions),
    # {n} rather than {n:int}: the int convertor takes any run of digits, and 2^64 reached the
    # store as an integer it cannot bind (a 500); version_number checks the range first.
    Route("/api/offers/{offer_id}/versions/{n}", get_version),
    Route("/api/offers/{offer_id}/events", get_events),
]
