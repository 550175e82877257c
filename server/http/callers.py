"""Who is calling a REST endpoint: the integrator (API key) or a participant (their token)."""

from __future__ import annotations

from starlette.requests import Request

from server.auth import Claims, TokenError, api_key_ok, verify
from server.config import Config
from server.http.errors import ApiError


def caller(request: Request, config: Config, offer_id: str) -> Claims | None:
    """None for the integrator's API key; a participant's claims for a token for this offer.

    The token may come as ``Authorization: Bearer`` or ``?token=`` (the browser's link).
    """
    header = request.headers.get("authorization")
    if api_key_ok(config.api_key, header):
        return None
    token = request.query_params.get("token") or (
        header[7:].strip() if header and header.startswith("Bearer ") else ""
    )
    if not token:
        raise ApiError(401, "unauthorized", "an API key or a participant token is required")
    try:
        claims = verify(config.secret, token)
    except TokenError as exc:
        raise ApiError(401, f"token_{exc.code}", str(exc)) from exc
    if claims.offer != offer_id:
        raise ApiError(403, "forbidden", "this token is for another offer")
    return claims
