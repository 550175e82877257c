"""Participant tokens and the integrator API key."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from server.auth import ROLES, Role, TokenError, api_key_ok, mint, verify

SECRET = "a-test-secret-that-is-long-enough-for-hs256-and-for-hs512-as-well"
OTHER = "another-secret-that-is-also-long-enough-!!"


def _encode(claims: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"offer": "o-1", "sub": "c-1", "name": "Ada", "role": "client", "iat": now,
            "exp": now + 600}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize("role", ROLES)
def test_mint_verify_round_trip(role: Role) -> None:
    before = int(time.time())
    token = mint(SECRET, offer="o-1", user="u-7", name="Zoë Ñúñez", role=role, ttl=3600)
    claims = verify(SECRET, token)
    assert (claims.offer, claims.sub, claims.name, claims.role) == ("o-1", "u-7", "Zoë Ñúñez", role)
    assert before + 3600 <= claims.exp <= int(time.time()) + 3600
    assert before <= claims.iat <= claims.exp


def test_mint_refuses_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="admin"):
        mint(SECRET, offer="o-1", user="u", name="N", role="admin", ttl=60)  # type: ignore[arg-type]


def test_expired_token_says_expired() -> None:
    token = mint(SECRET, offer="o-1", user="c-1", name="Ada", role="client", ttl=-10)
    with pytest.raises(TokenError) as info:
        verify(SECRET, token)
    assert info.value.code == "expired"
    assert "expired" in str(info.value)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(_encode(_claims(), OTHER), id="wrong-secret"),
        pytest.param("garbage", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param(_encode(_claims(offer=None)), id="no-offer"),
        pytest.param(_encode(_claims(sub=None)), id="no-sub"),
        pytest.param(_encode(_claims(role=None)), id="no-role"),
        pytest.param(_encode(_claims(exp=None)), id="no-exp"),
        pytest.param(_encode(_claims(name=None)), id="no-name"),
        pytest.param(_encode(_claims(role="admin")), id="unknown-role"),
        pytest.param(_encode(_claims(sub=7)), id="numeric-sub"),
        pytest.param(jwt.encode(_claims(), key=None, algorithm="none"), id="alg-none"),
        pytest.param(jwt.encode(_claims(), SECRET, algorithm="HS512"), id="hs512"),
    ],
)
def test_bad_tokens_are_invalid(token: str) -> None:
    with pytest.raises(TokenError) as info:
        verify(SECRET, token)
    assert info.value.code == "invalid"


def test_tampered_payload_is_invalid() -> None:
    token = mint(SECRET, offer="o-1", user="v-1", name="Grace", role="viewer", ttl=600)
    header, _, signature = token.split(".")
    forged_body = _encode(_claims(role="client")).split(".")[1]
    with pytest.raises(TokenError) as info:
        verify(SECRET, f"{header}.{forged_body}.{signature}")
    assert info.value.code == "invalid"


@pytest.mark.parametrize(
    ("expected", "header", "ok"),
    [
        ("k3y", "Bearer k3y", True),
        ("k3y", "Bearer k3y ", True),
        ("k3y", "Bearer k3", False),
        ("k3y", "Bearer k3yy", False),
        ("k3y", "Basic k3y", False),
        ("k3y", "k3y", False),
        ("k3y", "Bearerk3y", False),
        ("k3y", "", False),
        ("k3y", None, False),
        ("", "Bearer ", False),
        ("", "Bearer anything", False),
        ("", None, False),
        ("clé", "Bearer clé", True),
    ],
)
def test_api_key_ok(expected: str, header: str | None, ok: bool) -> None:
    assert api_key_ok(expected, header) is ok
