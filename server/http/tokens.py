"""The integrator's hold on participant tokens: minting links, and revoking them.

A revocation is a rule the store keeps (``auth.Revocation``); every token check reads the offer's
rules, so it applies to REST at once on every node. The store write happens before the answer;
then the registry closes matching live sockets here and tells the other nodes.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import Revocation, TokenError, now_ms, signed_claims
from server.http.api import json_response, offer_id_of, offer_of, require_api_key, services_of
from server.http.bodies import SMALL_BYTES, read_json
from server.http.errors import ApiError
from server.negotiation.creation import (
    PARTY_ID_MAX,
    PARTY_NAME_MAX,
    LinkExpired,
    mint_for,
    participant_link,
)
from server.offers.checks import FieldError, line_problem
from server.offers.terms import Party
from server.store.base import OfferNotFound

#: Shortest link worth minting: a page load and a reconnect or two.
TTL_MIN_S = 60
#: Our jtis are 16 URL-safe characters; allow other lengths, never unbounded ones.
_JTI = re.compile(r"[A-Za-z0-9_-]{1,64}")


class TokenRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: Literal["client", "freelancer", "viewer"]
    user: Party
    ttl: int | None = None


class RevocationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Exactly one of: a token of this offer, a token id, a user id, or ``all: true``."""

    token: str | None = None
    jti: str | None = None
    user: str | None = None
    all: bool | None = None


_TOKEN_REQUEST = msgspec.json.Decoder(TokenRequest)
_REVOCATION_REQUEST = msgspec.json.Decoder(RevocationRequest)


def _user_errors(user: Party) -> list[FieldError]:
    """The same checks as the parties of a new offer (``creation._check_parties``): the name is
    shown to everyone in the room and the id is written to the audit log."""
    errors = []
    if not user.id.strip() or len(user.id) > PARTY_ID_MAX:
        errors.append(FieldError("user.id", f"must be a non-empty id of at most {PARTY_ID_MAX}"
                                            " characters"))
    elif (problem := line_problem(user.id)) is not None:
        errors.append(FieldError("user.id", problem))
    name = user.name.strip()
    if not name or len(name) > PARTY_NAME_MAX:
        errors.append(FieldError("user.name",
                                 f"must be a name of 1 to {PARTY_NAME_MAX} characters"))
    elif (problem := line_problem(name)) is not None:
        errors.append(FieldError("user.name", problem))
    return errors


async def post_token(request: Request) -> Response:
    require_api_key(request)
    services = services_of(request)
    config = services.config
    offer = await offer_of(request, offer_id_of(request))
    body = await read_json(request, _TOKEN_REQUEST, SMALL_BYTES, services, "body_token")
    errors = _user_errors(body.user)
    if errors:
        raise ApiError(422, "invalid", "the user is not valid", errors)
    party = {"client": offer.client, "freelancer": offer.freelancer}.get(body.role)
    if party is not None and party.id != body.user.id:
        raise ApiError(422, "not_a_party", f"the {body.role} of this offer is {party.id!r}")
    if body.ttl is not None and not TTL_MIN_S <= body.ttl <= config.token_max_ttl_seconds:
        if body.ttl > config.token_max_ttl_seconds:
            services.metrics.limit_hit("token_max_ttl")
        raise ApiError(422, "invalid", f"ttl must be between {TTL_MIN_S} and "
                       f"{config.token_max_ttl_seconds} seconds (OFFER_ROOM_TOKEN_MAX_TTL_SECONDS)")
    try:
        user = Party(id=body.user.id, name=body.user.name.strip())
        token = mint_for(config, offer, body.role, user, body.ttl)
    except LinkExpired as exc:
        raise ApiError(410, "offer_expired", "this offer has expired; no link to it can be "
                       "minted any more") from exc
    return json_response({"token": token, "link": participant_link(config, offer.id, token)}, 201)


def _rule(request: Request, offer_id: str, body: RevocationRequest) -> Revocation:
    """The rule a revocation request names; 422 unless it names exactly one valid thing."""
    named = [k for k in ("token", "jti", "user", "all") if getattr(body, k) is not None]
    if len(named) != 1 or body.all is False:
        raise ApiError(422, "invalid",
                       'name exactly one of "token", "jti", "user" or "all": true')
    at = now_ms()
    if body.token is not None:
        try:
            claims = signed_claims(services_of(request).config.secret, body.token)
        except TokenError as exc:
            raise ApiError(422, "invalid", "that is not a token this server issued") from exc
        if claims.offer != offer_id:
            raise ApiError(422, "invalid", "that token is for another offer")
        if claims.jti is not None:
            return Revocation(offer_id, at, jti=claims.jti)
        # A token minted before tokens had ids: revoke its user's tokens up to its mint time,
        # which takes it and older links of that user, never one issued after it.
        return Revocation(offer_id, claims.minted_ms, user=claims.sub)
    if body.jti is not None:
        if not _JTI.fullmatch(body.jti):
            raise ApiError(422, "invalid", "jti must be 1 to 64 URL-safe characters")
        return Revocation(offer_id, at, jti=body.jti)
    if body.user is not None:
        if not body.user.strip() or len(body.user) > PARTY_ID_MAX:
            raise ApiError(422, "invalid", f"user must be an id of 1 to {PARTY_ID_MAX} characters")
        return Revocation(offer_id, at, user=body.user)
    return Revocation(offer_id, at)


async def post_revocation(request: Request) -> Response:
    require_api_key(request)
    services = services_of(request)
    offer_id = offer_id_of(request)
    await offer_of(request, offer_id)
    body = await read_json(request, _REVOCATION_REQUEST, SMALL_BYTES, services,
                           "body_revocation")
    rule = _rule(request, offer_id, body)
    # Durable first: once the integrator has its 201, no node accepts the token again.
    try:
        await services.store.add_revocation(rule)
    except OfferNotFound as exc:
        raise ApiError(404, "not_found", f"no offer {offer_id!r}") from exc
    stored = _as_stored(rule, await services.store.revocations(offer_id))
    if stored != rule and stored.jti is None and stored.user is None and rule.user != stored.user:
        # The offer's rules were full and collapsed into one revoking every link minted so far.
        services.metrics.limit_hit("revocations_per_offer")
    services.registry.revoke(stored)
    return json_response(stored, 201)


def _as_stored(rule: Revocation, held: list[Revocation]) -> Revocation:
    """The rule the store keeps for ``rule``: an equal one already held (a retried call), or,
    when the offer's rules were full and collapsed into one, that wider rule."""
    for kept in reversed(held):
        same = (kept.jti == rule.jti if rule.jti is not None
                else kept.jti is None and kept.user == rule.user and kept.at_ms == rule.at_ms)
        if same:
            return kept
    return held[-1] if held else rule


async def get_revocations(request: Request) -> Response:
    require_api_key(request)
    offer_id = offer_id_of(request)
    await offer_of(request, offer_id)
    return json_response(await services_of(request).store.revocations(offer_id))


routes = [
    Route("/api/offers/{offer_id}/tokens", post_token, methods=["POST"]),
    Route("/api/offers/{offer_id}/revocations", post_revocation, methods=["POST"]),
    Route("/api/offers/{offer_id}/revocations", get_revocations, methods=["GET"]),
]
