"""Who acts in a command sent over REST, and how a refused command is answered.

The actor is the participant whose token authorises the call, or — with the integrator's API
key — the party named by ``?as=client|freelancer``. A refusal is the socket's error code with
an HTTP status, the same JSON shape as every other error.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from server.auth import ROLE_COLORS
from server.errors import CommandError
from server.http.api import json_response
from server.http.callers import caller
from server.http.errors import ApiError
from server.http.services import Services
from server.rooms.room import Room
from server.wire import UserInfo

#: HTTP statuses of the command error codes (docs/PROTOCOL.md, "Errors"); others are 400.
STATUS = {
    "stale": 409, "not_open": 409, "proposal_pending": 409, "no_pending_proposal": 409,
    "explanation_pending": 409, "expired": 410, "not_your_turn": 403, "forbidden": 403,
    "read_only": 403, "invalid_terms": 422, "no_changes": 422, "invalid": 422, "too_long": 422,
    "bad_request": 400, "rate_limited": 429, "no_such_version": 404, "not_found": 404,
    "not_expired": 409, "too_late": 409, "too_many_questions": 409, "thread_full": 409,
    "not_closed": 409, "already_rated": 409,
}


async def actor_of(request: Request, services: Services, offer_id: str) -> UserInfo | None:
    """The acting participant; None means the integrator itself (API key, no ``as`` yet)."""
    claims = await caller(request, services, offer_id)
    if claims is None:
        return None
    return UserInfo(id=claims.sub, name=claims.name, role=claims.role,
                    color=ROLE_COLORS[claims.role])


def acting_party(request: Request, room: Room, actor: UserInfo | None) -> UserInfo:
    """``actor``, or for the API key the party named by ``?as=`` (422 without one)."""
    if actor is not None:
        return actor
    role = request.query_params.get("as")
    party = {"client": room.offer.client, "freelancer": room.offer.freelancer}.get(role or "")
    if party is None:
        raise ApiError(422, "invalid", "with the API key, say ?as=client|freelancer")
    return UserInfo(id=party.id, name=party.name, role=role,  # type: ignore[arg-type]
                    color=ROLE_COLORS[role or "viewer"])


def refusal(exc: CommandError) -> Response:
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.fields:
        body["fields"] = msgspec.to_builtins(exc.fields)
    headers = None
    if exc.retry_after_s is not None:
        body["retry_after_s"] = exc.retry_after_s
        headers = {"Retry-After": str(exc.retry_after_s)}
    return json_response({"error": body}, STATUS.get(exc.code, 400), headers)
