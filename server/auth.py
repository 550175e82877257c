"""Participant tokens: JWT HS256 naming one user, one role, one offer, and an expiry.

Each token also carries a random ``jti`` and its mint time in milliseconds (``iat_ms``), so an
integrator can revoke one token, or every token minted up to a moment (``Revocation``), without
the server keeping a list of the tokens it issued.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Iterable
from typing import Any, Literal

import jwt
import msgspec

Role = Literal["client", "freelancer", "viewer"]
ROLES: tuple[Role, ...] = ("client", "freelancer", "viewer")
_ALGORITHM = "HS256"
#: 96 random bits: unguessable and unique across every token a deployment will ever mint.
_JTI_BYTES = 12
#: Seconds a minting node's clock may run ahead of the verifying node's: a token whose expiry is
#: more than the maximum lifetime away counts as too long-lived only beyond this slack.
CLOCK_SKEW_S = 60

#: Presence colours by role, so each party reads the same colour everywhere.
ROLE_COLORS: dict[str, str] = {"client": "#2563eb", "freelancer": "#c2410c", "viewer": "#6b7280"}


class Claims(msgspec.Struct, frozen=True):
    offer: str
    sub: str
    name: str
    role: Role
    exp: int
    iat: int = 0
    #: Absent from tokens minted before revocation existed; such tokens still verify.
    jti: str | None = None
    #: Mint time in ms since the epoch (a custom claim: ``iat`` has only second precision, and a
    #: link re-issued in the same second as a revocation must outlive it).
    iat_ms: int | None = None

    @property
    def minted_ms(self) -> int:
        """When the token was minted, in ms; a token without ``iat_ms`` counts as minted at iat."""
        return self.iat_ms if self.iat_ms is not None else self.iat * 1000


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
    """A token that cannot be used; ``code`` is "expired", "invalid" or "too_long_lived"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def mint(secret: str, *, offer: str, user: str, name: str, role: Role, ttl: int) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    minted = now_ms()
    now = minted // 1000
    claims = {"offer": offer, "sub": user, "name": name, "role": role, "iat": now,
              "exp": now + ttl, "jti": secrets.token_urlsafe(_JTI_BYTES), "iat_ms": minted}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def _decode(secret: str, token: str, *, check_expiry: bool) -> Claims:
    try:
        raw: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            # Not PyJWT's iat check: it refuses a token minted a few ms "in the future" by a node
            # whose clock runs ahead; verify() bounds how far ahead the expiry may lie instead.
            options={"require": ["exp", "sub", "offer", "role"], "verify_exp": check_expiry,
                     "verify_iat": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("expired", "this link has expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("invalid", "this link is not valid") from exc
    try:
        return msgspec.convert(raw, Claims)
    except msgspec.ValidationError as exc:
        raise TokenError("invalid", "this link is not valid") from exc


def verify(secret: str, token: str, max_ttl_seconds: int | None = None) -> Claims:
    """The claims of a usable token; raises TokenError.

    With ``max_ttl_seconds``, a token issued to live longer (exp - iat), or whose expiry lies
    further ahead than that (an ``iat`` set in the future), is refused: a leaked link must die on
    its own, whatever lifetime it was minted with.
    """
    claims = _decode(secret, token, check_expiry=True)
    if max_ttl_seconds is not None and (
        claims.exp - claims.iat > max_ttl_seconds
        or claims.exp - int(time.time()) > max_ttl_seconds + CLOCK_SKEW_S
    ):
        raise TokenError(
            "too_long_lived",
            f"this link was issued to live longer than {max_ttl_seconds // 86400} days; "
            "ask for a new one",
        )
    return claims


def signed_claims(secret: str, token: str) -> Claims:
    """The claims of a token this server signed, expired or not (to name it in a revocation)."""
    return _decode(secret, token, check_expiry=False)


def is_revoked(claims: Claims, rules: Iterable[Revocation]) -> bool:
    """Whether any of ``rules`` (see ``Revocation``) revokes the token ``claims`` came from."""
    minted = claims.minted_ms
    for rule in rules:
        if rule.offer_id != claims.offer:
            continue
        if rule.jti is not None:
            if rule.jti == claims.jti:
                return True
            continue
        if rule.user is not None and rule.user != claims.sub:
            continue
        if minted <= rule.at_ms:
            return True
    return False


def api_key_ok(expected: str, header: str | None) -> bool:
    """Constant-time check of an ``Authorization: Bearer <key>`` header."""
    if not expected or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), expected.encode())
