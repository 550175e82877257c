"""Who is calling a REST endpoint: the integrator (API key) or a participant (their token)."""

from __future__ import annotations

from starlette.requests import Request

from server.auth import Claims, TokenError, api_key_ok, is_revoked, verify
from server.config import Config
from server.http.errors import ApiError
from server.http.services import Services

#: Methods that change nothing: a cross-site page may send them, but cannot read the answer
#: (this server sends no CORS headers).
_SAFE_METHODS = frozenset({"GET", "HEAD"})


async def caller(request: Request, services: Services, offer_id: str) -> Claims | None:
    """None for the integrator's API key; a participant's claims for a token for this offer.

    The token may come as ``Authorization: Bearer`` or ``?token=`` (the browser's link). Refused:
    a bad, expired or too long-lived token (401), one for another offer (403), a state-changing
    request from a browser page on an origin that is not allowed (403), a revoked token (401).
    """
    config = services.config
    header = request.headers.get("authorization")
    if api_key_ok(config.api_key, header):
        return None
    token = request.query_params.get("token") or (
        header[7:].strip() if header and header.startswith("Bearer ") else ""
    )
    if not token:
        raise ApiError(401, "unauthorized", "an API key or a participant token is required")
    try:
        claims = verify(config.secret, token, config.token_max_ttl_seconds)
    except TokenError as exc:
        if exc.code == "too_long_lived":
            services.metrics.limit_hit("token_max_ttl")
        raise ApiError(401, f"token_{exc.code}", str(exc)) from exc
    if claims.offer != offer_id:
        raise ApiError(403, "forbidden", "this token is for another offer")
    if request.method not in _SAFE_METHODS and not origin_allowed(
        request.headers.get("origin"), config
    ):
        services.metrics.limit_hit("origin")
        raise ApiError(403, "origin_not_allowed",
                       "this page's origin may not act on offers; see OFFER_ROOM_ALLOWED_ORIGINS")
    # Read from the store on every call, so a revocation made on any node applies at once.
    if is_revoked(claims, await services.store.revocations(offer_id)):
        raise ApiError(401, "token_revoked", "this link has been revoked; ask for a new one")
    return claims


def origin_allowed(origin: str | None, config: Config) -> bool:
    """Whether a token-authorised write may come from a page on ``origin`` (the header's value).

    Browsers name the page's origin on every cross-site and every non-GET request, and a page
    cannot forge it (a sandboxed or redirected one sends "null", never allowed). No Origin at all
    means no browser (a server, curl): a leaked link used there gains nothing from this check.
    """
    if origin is None:
        return True
    return origin.strip().rstrip("/").lower() in config.origins()
