"""The thread over REST: read it a page at a time, and post, edit, delete, resolve, mark read.

The same commands as the socket's (``server/conversation/service.py`` runs both), so a
marketplace can show the thread in its own inbox, or post on a party's behalf with the API key
and ``?as=client|freelancer``. Participants read with their own token and see the risk flags
meant for them; the integrator sees every flag.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.conversation.items import item_for
from server.errors import CommandError
from server.http.acting import acting_party, actor_of, refusal
from server.http.api import (
    json_response,
    offer_id_of,
    offer_of,
    reader,
    request_lang,
    services_of,
)
from server.http.bodies import COMMAND_BYTES, read_json
from server.http.errors import ApiError
from server.rooms.registry import NoSuchOffer
from server.wire import DeleteMessage, EditMessage, MarkRead, Post, ResolveQuestion, ThreadCommand

#: A page of the thread: what a screen shows, and a bound on one read.
_PAGE_MAX = 200


class _PostBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    body: str
    kind: str = "message"
    about: str | None = None
    reply_to: str | None = None
    id: str | None = None


class _EditBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    body: str
    id: str | None = None


class _ReadBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    upto: int


_POST: msgspec.json.Decoder[_PostBody] = msgspec.json.Decoder(_PostBody)
_EDIT: msgspec.json.Decoder[_EditBody] = msgspec.json.Decoder(_EditBody)
_READ: msgspec.json.Decoder[_ReadBody] = msgspec.json.Decoder(_ReadBody)


def _position(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ApiError(400, "bad_request", f"?{name}= takes a thread position")
    return int(raw)


async def list_messages(request: Request) -> Response:
    offer_id, claims = await reader(request)
    offer = await offer_of(request, offer_id)
    store = services_of(request).store
    limit = _position(request.query_params.get("limit"), "limit") or 50
    records = await store.list_messages(
        offer_id, before=_position(request.query_params.get("before"), "before"),
        after=_position(request.query_params.get("after"), "after"), limit=min(limit, _PAGE_MAX))
    role = claims.role if claims is not None else None
    body: dict[str, object] = {
        "items": [item_for(r, offer, role, request_lang(request)) for r in records],
        "more": bool(records) and records[0].n > 1,
    }
    if claims is not None:
        body["last_read"], body["unread"] = await store.read_state(offer_id, claims.sub)
    return json_response(body)


async def _run(request: Request, cmd: ThreadCommand, status: int = 200) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    actor = await actor_of(request, services, offer_id)
    try:
        async with services.registry.use(offer_id) as room:
            ack = await services.conversation.run(room, acting_party(request, room, actor), cmd)
            record = (await services.store.get_message(offer_id, ack.message_id)
                      if ack.message_id is not None else None)
            answer = (item_for(record, room.offer, actor.role if actor else None,
                               request_lang(request))
                      if record is not None else ack)
    except NoSuchOffer as exc:
        raise ApiError(404, "not_found", f"no offer {offer_id!r}") from exc
    except CommandError as exc:
        return refusal(exc)
    return json_response(answer, status)


async def post_message(request: Request) -> Response:
    services = services_of(request)
    offer_id_of(request)
    body = await read_json(request, _POST, COMMAND_BYTES, services, "body_command")
    if body.kind not in ("message", "question", "answer"):
        raise ApiError(422, "invalid", "kind is message, question or answer")
    return await _run(request, Post(body=body.body, kind=body.kind,  # type: ignore[arg-type]
                                    about=body.about, reply_to=body.reply_to, id=body.id), 201)


async def edit_message(request: Request) -> Response:
    services = services_of(request)
    body = await read_json(request, _EDIT, COMMAND_BYTES, services, "body_command")
    return await _run(request, EditMessage(message_id=request.path_params["message_id"],
                                           body=body.body, id=body.id))


async def delete_message(request: Request) -> Response:
    return await _run(request, DeleteMessage(message_id=request.path_params["message_id"]))


async def resolve_question(request: Request) -> Response:
    return await _run(request, ResolveQuestion(message_id=request.path_params["message_id"]))


async def mark_read(request: Request) -> Response:
    services = services_of(request)
    offer_id = offer_id_of(request)
    if await actor_of(request, services, offer_id) is None:
        raise ApiError(422, "invalid", "read state is a participant's: use their token")
    body = await read_json(request, _READ, COMMAND_BYTES, services, "body_command")
    answer = await _run(request, MarkRead(upto=body.upto))
    if answer.status_code != 200:
        return answer
    claims_actor = await actor_of(request, services, offer_id)
    assert claims_actor is not None
    last_read, unread = await services.store.read_state(offer_id, claims_actor.id)
    return json_response({"last_read": last_read, "unread": unread})


routes = [
    Route("/api/offers/{offer_id}/messages", list_messages, methods=["GET"]),
    Route("/api/offers/{offer_id}/messages", post_message, methods=["POST"]),
    Route("/api/offers/{offer_id}/messages/{message_id}", edit_message, methods=["PATCH"]),
    Route("/api/offers/{offer_id}/messages/{message_id}", delete_message, methods=["DELETE"]),
    Route("/api/offers/{offer_id}/messages/{message_id}/resolve", resolve_question,
          methods=["POST"]),
    Route("/api/offers/{offer_id}/read", mark_read, methods=["POST"]),
]
