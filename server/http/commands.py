"""Negotiation over REST: the socket's commands for integrators, plus history reads.

``POST /api/offers/{id}/commands`` takes the same JSON as the socket's app messages. The actor is
the participant whose token authorises the call, or — with the integrator API key — the party
named by ``?as=client|freelancer``.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.errors import CommandError
from server.explain.flags import flags_for
from server.http.acting import acting_party, actor_of, refusal
from server.http.api import (
    VERSION_MAX,
    json_response,
    offer_id_of,
    request_lang,
    services_of,
    version_number,
)
from server.http.bodies import COMMAND_BYTES, read_json
from server.http.errors import ApiError
from server.offers.diff import diff_terms
from server.rooms.registry import NoSuchOffer
from server.wire import Command

#: The socket's negotiation commands (not its lock messages), the same structs the socket decodes.
_COMMAND: msgspec.json.Decoder[Command] = msgspec.json.Decoder(Command)



async def post_command(request: Request) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    actor = await actor_of(request, services, offer_id)
    cmd = await read_json(request, _COMMAND, COMMAND_BYTES, services, "body_command")
    try:
        async with services.registry.use(offer_id) as room:
            ack = await services.negotiation.run(room, acting_party(request, room, actor), cmd)
    except NoSuchOffer as exc:
        raise ApiError(404, "not_found", f"no offer {offer_id!r}") from exc
    except CommandError as exc:
        return refusal(exc)
    return json_response(ack)


async def get_diff(request: Request) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    await actor_of(request, services, offer_id)
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
    actor = await actor_of(request, services, offer_id)
    out = []
    for p in await services.store.list_proposals(offer_id):
        item = msgspec.to_builtins(p)
        if p.explanation is not None:
            # Risk flags are private to the party at risk; the integrator (API key) sees all.
            flags = flags_for(p.explanation.flags, actor.role if actor else None,
                              request_lang(request))
            item["explanation"]["flags"] = msgspec.to_builtins(flags)
        out.append(item)
    return json_response(out)


routes = [
    Route("/api/offers/{offer_id}/commands", post_command, methods=["POST"]),
    Route("/api/offers/{offer_id}/diff", get_diff),
    Route("/api/offers/{offer_id}/proposals", get_proposals),
]
