"""Participant tokens: JWT HS256 naming one user, one role, one offer, and an expiry."""

from __future__ import annotations

import hmac
import time
from typing import Literal

import jwt
import msgspec

Role = Literal["client", "freelancer", "viewer"]
ROLES: tuple[Role, ...] = ("client", "freelancer", "viewer")
_ALGORITHM = "HS256"

#: Presence colours by role, so each party reads the same colour everywhere.
ROLE_COLORS: dict[str, str] = {"client": "#2563eb", "freelancer": "#c2410c", "viewer": "#6b7280"}


class Claims(msgspec.Struct, frozen=True):
    offer: str
    sub: str
    name: str
    role: Role
    exp: int
    iat: int = 0


class Revocation(msgspec.Struct, frozen=True):
    """An integrator's revocation of tokens of one offer, kept by the store.

    With ``jti``: that one token. Otherwise every token minted at or before ``at_ms`` (ms since the
    epoch) — of ``user`` only when given, else of everyone on the offer. Tokens minted later (a
    re-issued link) are not affected.
    """

    offer_id: str
    at_ms: int
    jti: str | None = None
    user: str | None = None


class TokenError(Exception):
    """A token that cannot be used; ``code`` is "expired" or "invalid"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def mint(secret: str, *, offer: str, user: str, name: str, role: Role, ttl: int) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    now = int(time.time())
    claims = {"offer": offer, "sub": user, "name": name, "role": role, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify(secret: str, token: str) -> Claims:
    try:
        raw = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "sub", "offer", "role"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("expired", "this link has expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("invalid", "this link is not valid") from exc
    try:
        return msgspec.convert(raw, Claims)
    except msgspec.ValidationError as exc:
        raise TokenError("invalid", "this link is not valid") from exc


def api_key_ok(expected: str, header: str | None) -> bool:
    """Constant-time check of an ``Authorization: Bearer <key>`` header."""
    if not expected or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), expected.encode())
