"""The assistant over REST: report the other party, and ask for a middle-ground suggestion.

The same code path as the socket's ``report`` and ``suggest`` (``server/advice/service.py``), so a
marketplace can offer them in its own UI, or act for a party with the API key and
``?as=client|freelancer``. A suggestion is answered in the language of ``?lang=`` (or the
request's Accept-Language).
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.errors import CommandError
from server.http.acting import acting_party, actor_of, refusal
from server.http.api import json_response, offer_id_of, request_lang, services_of
from server.http.bodies import SMALL_BYTES, read_json
from server.http.errors import ApiError
from server.rooms.registry import NoSuchOffer
from server.wire import Report, Suggest

_REPORT: msgspec.json.Decoder[Report] = msgspec.json.Decoder(Report)


async def post_report(request: Request) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    actor = await actor_of(request, services, offer_id)
    # The reason is bounded by report_chars (2,000): four bytes a character and the rest fit.
    cmd = await read_json(request, _REPORT, SMALL_BYTES + 4 * services.config.report_chars,
                          services, "body_report")
    try:
        async with services.registry.use(offer_id) as room:
            ack = await services.assistant.report(room, acting_party(request, room, actor), cmd)
    except NoSuchOffer as exc:
        raise ApiError(404, "not_found", f"no offer {offer_id!r}") from exc
    except CommandError as exc:
        return refusal(exc)
    return json_response(ack, 201)


async def post_suggestion(request: Request) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    actor = await actor_of(request, services, offer_id)
    lang = request_lang(request)
    try:
        async with services.registry.use(offer_id) as room:
            suggestion = await services.assistant.suggestion(
                room, acting_party(request, room, actor), lang, Suggest())
    except NoSuchOffer as exc:
        raise ApiError(404, "not_found", f"no offer {offer_id!r}") from exc
    except CommandError as exc:
        return refusal(exc)
    return json_response(suggestion)


routes = [
    Route("/api/offers/{offer_id}/reports", post_report, methods=["POST"]),
    Route("/api/offers/{offer_id}/suggestions", post_suggestion, methods=["POST"]),
]
