"""Negotiation over REST: the socket's commands for integrators, plus history reads.

``POST /api/offers/{id}/commands`` takes the same JSON as the socket's app messages. The actor is
the participant whose token authorises the call, or — with the integrator API key — the party
named by ``?as=client|freelancer``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import ROLE_COLORS
from server.http.api import VERSION_MAX, json_response, offer_id_of, services_of, version_number
from server.http.bodies import COMMAND_BYTES, read_json
from server.http.callers import caller
from server.http.errors import ApiError
from server.http.services import Services
from server.negotiation.explaining import flags_for
from server.negotiation.service import CommandError
from server.offers.diff import diff_terms
from server.rooms.registry import NoSuchOffer
from server.wire import Command, UserInfo

#: The socket's negotiation commands (not its lock messages), the same structs the socket decodes.
_COMMAND: msgspec.json.Decoder[Command] = msgspec.json.Decoder(Command)

_STATUS = {
    "stale": 409, "not_open": 409, "proposal_pending": 409, "no_pending_proposal": 409,
    "explanation_pending": 409, "expired": 410, "not_your_turn": 403, "forbidden": 403,
    "invalid_terms": 422, "no_changes": 422, "bad_request": 400, "rate_limited": 429,
    "no_such_version": 404, "not_expired": 409,
}


async def _actor(request: Request, services: Services, offer_id: str) -> UserInfo | None:
    """The acting participant; None means the integrator itself (API key, no ``as``)."""
    claims = await caller(request, services, offer_id)
    if claims is None:
        return None
    return UserInfo(id=claims.sub, name=claims.name, role=claims.role,
                    color=ROLE_COLORS[claims.role])


async def post_command(request: Request) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    actor = await _actor(request, services, offer_id)
    cmd = await read_json(request, _COMMAND, COMMAND_BYTES, services, "body_command")
    try:
        async with services.registry.use(offer_id) as room:
            if actor is None:
                role = request.query_params.get("as")
                party = {"client": room.offer.client, "freelancer": room.offer.freelancer}.get(
                    role or "")
                if party is None:
                    raise ApiError(422, "invalid", "with the API key, say ?as=client|freelancer")
                actor = UserInfo(id=party.id, name=party.name, role=role,  # type: ignore[arg-type]
                                 color=ROLE_COLORS[role or "viewer"])
            ack = await services.negotiation.run(room, actor, cmd)
    except NoSuchOffer as exc:
        raise ApiError(404, "not_found", f"no offer {offer_id!r}") from exc
    except CommandError as exc:
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.fields:
            body["fields"] = msgspec.to_builtins(exc.fields)
        headers = None
        if exc.retry_after_s is not None:
            body["retry_after_s"] = exc.retry_after_s
            headers = {"Retry-After": str(exc.retry_after_s)}
        return json_response({"error": body}, _STATUS.get(exc.code, 400), headers)
    return json_response(ack)


async def get_diff(request: Request) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    await _actor(request, services, offer_id)
    a = version_number(request.query_params.get("from"))
    b = version_number(request.query_params.get("to"))
    if a is None or b is None:
        services.metrics.limit_hit("version_number")
        raise ApiError(400, "bad_request",
                       f"give ?from=<version>&to=<version>, each from 1 to {VERSION_MAX}")
    versions = [await services.store.get_version(offer_id, n) for n in (a, b)]
    if versions[0] is None or versions[1] is None:
        raise ApiError(404, "not_found", "no such version")
    return json_response({"from": a, "to": b,
                          "changes": diff_terms(versions[0].terms, versions[1].terms)})


async def get_proposals(request: Request) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    actor = await _actor(request, services, offer_id)
    out = []
    for p in await services.store.list_proposals(offer_id):
        item = msgspec.to_builtins(p)
        if p.explanation is not None:
            # Risk flags are private to the party at risk; the integrator (API key) sees all.
            flags = (p.explanation.flags if actor is None
                     else flags_for(p.explanation.flags, actor.role))
            item["explanation"]["flags"] = msgspec.to_builtins(flags)
        out.append(item)
    return json_response(out)


routes = [
    Route("/api/offers/{offer_id}/commands", post_command, methods=["POST"]),
    Route("/api/offers/{offer_id}/diff", get_diff),
    Route("/api/offers/{offer_id}/proposals", get_proposals),
]
