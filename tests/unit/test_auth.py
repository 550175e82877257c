"""Participant tokens and the integrator API key."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.auth import (
    ROLES,
    Claims,
    Revocation,
    Role,
    TokenError,
    api_key_ok,
    is_revoked,
    mint,
    signed_claims,
    verify,
)

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
    "make",
    [
        pytest.param(lambda: _encode(_claims(), OTHER), id="wrong-secret"),
        pytest.param(lambda: "garbage", id="garbage"),
        pytest.param(lambda: "", id="empty"),
        pytest.param(lambda: _encode(_claims(offer=None)), id="no-offer"),
        pytest.param(lambda: _encode(_claims(sub=None)), id="no-sub"),
        pytest.param(lambda: _encode(_claims(role=None)), id="no-role"),
        pytest.param(lambda: _encode(_claims(exp=None)), id="no-exp"),
        pytest.param(lambda: _encode(_claims(name=None)), id="no-name"),
        pytest.param(lambda: _encode(_claims(role="admin")), id="unknown-role"),
        pytest.param(lambda: _encode(_claims(sub=7)), id="numeric-sub"),
        pytest.param(lambda: jwt.encode(_claims(), key=None, algorithm="none"), id="alg-none"),
        pytest.param(lambda: jwt.encode(_claims(), SECRET, algorithm="HS512"), id="hs512"),
    ],
)
def test_bad_tokens_are_invalid(make: Callable[[], str]) -> None:
    # Made when the test runs, not when it is collected: a slow suite reaches this more than
    # the claims' 600 s after collection, and the token would be refused as expired instead.
    with pytest.raises(TokenError) as info:
        verify(SECRET, make())
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


# --- token ids, mint times and lifetimes ----------------------------------------------------


def test_tokens_carry_a_unique_id_and_their_mint_time_in_ms() -> None:
    before = time.time_ns() // 1_000_000
    tokens = [mint(SECRET, offer="o-1", user="c-1", name="Ada", role="client", ttl=600)
              for _ in range(50)]
    after = time.time_ns() // 1_000_000
    claims = [verify(SECRET, token) for token in tokens]
    assert len({c.jti for c in claims}) == 50
    for c in claims:
        assert c.jti is not None and len(c.jti) >= 16
        assert before <= c.minted_ms <= after
        assert c.iat == c.minted_ms // 1000


def test_a_token_minted_before_ids_existed_still_verifies_and_counts_as_minted_at_iat() -> None:
    now = int(time.time())
    claims = verify(SECRET, _encode(_claims(iat=now - 60, exp=now + 600)), 90 * 86400)
    assert claims.jti is None
    assert claims.minted_ms == (now - 60) * 1000


def test_a_token_living_longer_than_the_maximum_is_refused() -> None:
    day = 86400
    long_lived = mint(SECRET, offer="o-1", user="c-1", name="Ada", role="client", ttl=91 * day)
    with pytest.raises(TokenError) as info:
        verify(SECRET, long_lived, max_ttl_seconds=90 * day)
    assert info.value.code == "too_long_lived"
    assert "90 days" in str(info.value)
    at_the_limit = mint(SECRET, offer="o-1", user="c-1", name="Ada", role="client", ttl=90 * day)
    assert verify(SECRET, at_the_limit, max_ttl_seconds=90 * day).sub == "c-1"
    # Without a maximum (the command line's own checks), lifetime is not judged.
    assert verify(SECRET, long_lived).sub == "c-1"


def test_an_issue_time_in_the_future_does_not_stretch_a_token_past_the_maximum() -> None:
    # exp - iat is one hour, but the token would stay valid until 9999.
    far = 253_402_300_000
    with pytest.raises(TokenError) as info:
        verify(SECRET, _encode(_claims(iat=far - 3600, exp=far)), max_ttl_seconds=90 * 86400)
    assert info.value.code == "too_long_lived"


def test_a_token_from_a_node_whose_clock_runs_a_little_ahead_verifies() -> None:
    ahead = int(time.time()) + 2
    claims = verify(SECRET, _encode(_claims(iat=ahead, exp=ahead + 600)), 90 * 86400)
    assert claims.iat == ahead


def test_a_token_without_an_issue_time_has_no_known_lifetime_and_is_refused() -> None:
    token = _encode(_claims(iat=None, exp=int(time.time()) + 600))
    assert verify(SECRET, token).iat == 0  # readable without a maximum …
    with pytest.raises(TokenError):
        verify(SECRET, token, max_ttl_seconds=90 * 86400)  # … never usable with one


def test_signed_claims_read_an_expired_token_but_not_a_forged_one() -> None:
    expired = mint(SECRET, offer="o-1", user="c-1", name="Ada", role="client", ttl=-10)
    assert signed_claims(SECRET, expired).sub == "c-1"
    with pytest.raises(TokenError):
        signed_claims(SECRET, mint(OTHER, offer="o-1", user="c-1", name="Ada", role="client",
                                   ttl=600))


# --- revocation rules -------------------------------------------------------------------------

T = 1_900_000_000_000  # a mint time, in ms


def _token(sub: str = "c-1", jti: str | None = "j-1", minted_ms: int = T,
           offer: str = "o-1") -> Claims:
    return Claims(offer=offer, sub=sub, name="N", role="client", exp=minted_ms // 1000 + 600,
                  iat=minted_ms // 1000, jti=jti, iat_ms=minted_ms)


@pytest.mark.parametrize(
    ("rule", "token", "revoked"),
    [
        pytest.param(Revocation("o-1", T + 5, jti="j-1"), _token(), True, id="its-jti"),
        pytest.param(Revocation("o-1", T + 5, jti="j-2"), _token(), False, id="another-jti"),
        pytest.param(Revocation("o-1", T - 5, jti="j-1"), _token(), True,
                     id="jti-whatever-the-time"),
        pytest.param(Revocation("o-1", T + 5, jti="j-1"), _token(jti=None), False,
                     id="jti-rule-vs-token-without-id"),
        pytest.param(Revocation("o-1", T), _token(), True, id="everyone-minted-at-the-same-ms"),
        pytest.param(Revocation("o-1", T - 1), _token(), False, id="everyone-minted-after"),
        pytest.param(Revocation("o-1", T + 1, user="c-1"), _token(), True, id="its-user"),
        pytest.param(Revocation("o-1", T + 1, user="f-1"), _token(), False, id="another-user"),
        pytest.param(Revocation("o-1", T - 1, user="c-1"), _token(), False,
                     id="its-user-reissued-after"),
        pytest.param(Revocation("o-2", T + 1), _token(), False, id="another-offer"),
        pytest.param(Revocation("o-2", T + 1, jti="j-1"), _token(), False,
                     id="another-offers-jti"),
        pytest.param(Revocation("o-1", T + 999), _token(jti=None, minted_ms=T - T % 1000),
                     True, id="old-token-counts-as-minted-at-iat"),
    ],
)
def test_is_revoked(rule: Revocation, token: Claims, revoked: bool) -> None:
    assert is_revoked(token, [rule]) is revoked


def test_no_rules_revoke_nothing_and_one_matching_rule_among_many_suffices() -> None:
    assert is_revoked(_token(), []) is False
    others = [Revocation("o-1", T + 1, user=f"u-{i}") for i in range(100)]
    assert is_revoked(_token(), others) is False
    assert is_revoked(_token(), [*others, Revocation("o-1", T + 1, jti="j-1")]) is True


@given(
    rules=st.lists(
        st.builds(Revocation, offer_id=st.sampled_from(["o-1", "o-2"]),
                  at_ms=st.integers(T - 10_000, T + 10_000),
                  jti=st.one_of(st.none(), st.sampled_from(["j-1", "j-2"])),
                  user=st.one_of(st.none(), st.sampled_from(["c-1", "f-1"]))),
        max_size=8,
    ),
    later_ms=st.integers(1, 10_000),
)
def test_a_link_reissued_after_every_rule_is_never_revoked(
    rules: list[Revocation], later_ms: int
) -> None:
    newest = max((r.at_ms for r in rules), default=T)
    reissued = _token(jti="fresh", minted_ms=newest + later_ms)
    assert is_revoked(reissued, rules) is False
    # … while the rule for everyone on its offer, made after it, always takes it.
    assert is_revoked(reissued, [*rules, Revocation("o-1", newest + later_ms)]) is True
