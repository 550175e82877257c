"""Configuration read once from an env mapping; generated secrets live in the data dir."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from server.config import DEFAULT_FIELD_POLICY, Config, ConfigError, load_config
from server.offers.limits import Limits
from server.offers.terms import ALL_FIELDS


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"OFFER_ROOM_DATA_DIR": str(tmp_path / "data"), **extra}


def test_defaults(tmp_path: Path) -> None:
    config = load_config(env_for(tmp_path))
    assert (config.host, config.port) == ("127.0.0.1", 8000)
    assert config.data_dir == tmp_path / "data" and config.data_dir.is_dir()
    assert config.limits == Limits()
    assert config.field_policy == DEFAULT_FIELD_POLICY
    assert config.lock_ttl_ms == 10_000 and config.compact_every == 500
    assert config.base_url() == "http://127.0.0.1:8000"


def test_secrets_are_generated_once_owner_only_and_stable(tmp_path: Path) -> None:
    first = load_config(env_for(tmp_path))
    secret_file, key_file = tmp_path / "data" / "secret", tmp_path / "data" / "api_key"
    for path in (secret_file, key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret) >= 40 and len(first.api_key) >= 30
    assert first.secret != first.api_key
    assert secret_file.read_text().strip() == first.secret
    second = load_config(env_for(tmp_path))
    assert (second.secret, second.api_key) == (first.secret, first.api_key)


def test_each_data_dir_gets_its_own_secrets(tmp_path: Path) -> None:
    a = load_config({}, data_dir=tmp_path / "a")
    b = load_config({}, data_dir=tmp_path / "b")
    assert a.secret != b.secret and a.api_key != b.api_key


def test_env_values_override(tmp_path: Path) -> None:
    config = load_config(env_for(
        tmp_path,
        OFFER_ROOM_HOST="0.0.0.0",
        OFFER_ROOM_PORT="9001",
        OFFER_ROOM_SECRET="s3cret-that-is-at-least-32-bytes-long",
        OFFER_ROOM_API_KEY="k3y",
        OFFER_ROOM_PUBLIC_URL="https://offers.example.com/",
        OFFER_ROOM_WEB_DIR=str(tmp_path / "web"),
        OFFER_ROOM_LOCK_TTL_MS="600",
        OFFER_ROOM_MAX_FRAME_BYTES="1024",
        OFFER_ROOM_RATE_PER_SECOND="5",
        OFFER_ROOM_RATE_BURST="20",
        OFFER_ROOM_COMPACT_EVERY="7",
        OFFER_ROOM_FLUSH_MS="2.5",
        OFFER_ROOM_SEND_BUFFER_BYTES="65536",
        OFFER_ROOM_WS_PING_SECONDS="7",
    ))
    assert (config.host, config.port, config.secret, config.api_key) == (
        "0.0.0.0", 9001, "s3cret-that-is-at-least-32-bytes-long", "k3y")
    assert config.web_dir == tmp_path / "web"
    assert (config.lock_ttl_ms, config.max_frame_bytes, config.compact_every) == (600, 1024, 7)
    assert (config.rate_per_second, config.rate_burst) == (5.0, 20.0)
    assert (config.flush_ms, config.send_buffer_bytes, config.ws_ping_seconds) == (2.5, 65536, 7)
    assert config.base_url() == "https://offers.example.com"
    # Secrets given in the environment are not written to disk.
    assert not (tmp_path / "data" / "secret").exists()
    assert not (tmp_path / "data" / "api_key").exists()


def test_command_line_arguments_win_over_env(tmp_path: Path) -> None:
    env = env_for(tmp_path, OFFER_ROOM_HOST="0.0.0.0", OFFER_ROOM_PORT="9001")
    config = load_config(env, host="localhost", port=0, data_dir=tmp_path / "cli")
    assert (config.host, config.port, config.data_dir) == ("localhost", 0, tmp_path / "cli")
    assert (tmp_path / "cli" / "secret").exists()


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_base_url_for_wildcard_hosts(host: str) -> None:
    assert Config(host=host, port=8123).base_url() == "http://127.0.0.1:8123"


def test_field_policy_narrows_one_role(tmp_path: Path) -> None:
    allowed = [f for f in ALL_FIELDS if f != "fixed_price"]
    policy = json.dumps({"freelancer": allowed})
    config = load_config(env_for(tmp_path, OFFER_ROOM_FIELD_POLICY=policy))
    assert config.field_policy["freelancer"] == frozenset(allowed)
    assert "fixed_price" not in config.field_policy["freelancer"]
    assert config.field_policy["client"] == frozenset(ALL_FIELDS)
    assert config.field_policy["viewer"] == frozenset()


@pytest.mark.parametrize(
    "policy",
    [
        '{"admin": ["title"]}',
        '{"client": ["title", "bonus"]}',
        '{"freelancer": "title"}',
        "{not json",
    ],
)
def test_bad_field_policy_is_refused(tmp_path: Path, policy: str) -> None:
    with pytest.raises(ValueError):
        load_config(env_for(tmp_path, OFFER_ROOM_FIELD_POLICY=policy))


def test_default_policy_is_not_shared_between_configs(tmp_path: Path) -> None:
    policy = json.dumps({"client": ["title"]})
    narrowed = load_config(env_for(tmp_path, OFFER_ROOM_FIELD_POLICY=policy))
    assert narrowed.field_policy["client"] == frozenset({"title"})
    assert DEFAULT_FIELD_POLICY["client"] == frozenset(ALL_FIELDS)
    assert load_config(env_for(tmp_path)).field_policy["client"] == frozenset(ALL_FIELDS)


def test_limits_from_json_keep_other_defaults(tmp_path: Path) -> None:
    limits = json.dumps({"title_max": 80, "money_max": 5_000_000})
    config = load_config(env_for(tmp_path, OFFER_ROOM_LIMITS=limits))
    assert config.limits.title_max == 80 and config.limits.money_max == 5_000_000
    assert config.limits.milestones_max == Limits().milestones_max


@pytest.mark.parametrize("limits", ['{"title_max": "long"}', "[1]", "{oops"])
def test_bad_limits_are_refused(tmp_path: Path, limits: str) -> None:
    with pytest.raises(ConfigError, match="OFFER_ROOM_LIMITS"):
        load_config(env_for(tmp_path, OFFER_ROOM_LIMITS=limits))


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(env_for(tmp_path))
    with pytest.raises(AttributeError):
        config.port = 1  # type: ignore[misc]


@pytest.mark.parametrize("raw", ['["title"]', '{"client": null}', '{"client": "title"}'])
def test_a_malformed_field_policy_says_what_is_wrong(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ValueError, match="OFFER_ROOM_FIELD_POLICY"):
        load_config({"OFFER_ROOM_FIELD_POLICY": raw}, data_dir=tmp_path)


def test_a_short_secret_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        load_config(env_for(tmp_path, OFFER_ROOM_SECRET="x"))


@pytest.mark.parametrize(("name", "value", "message"), [
    ("OFFER_ROOM_PORT", "eighty", "OFFER_ROOM_PORT='eighty' is not a valid int"),
    ("OFFER_ROOM_HELD_BYTES", "0", "OFFER_ROOM_HELD_BYTES must be positive"),
    ("OFFER_ROOM_COST_PER_SECOND", "-1", "OFFER_ROOM_COST_PER_SECOND must be positive"),
    ("OFFER_ROOM_ALLOWED_ORIGINS", "example.com", "is not an origin"),
])
def test_a_bad_setting_names_its_variable(tmp_path: Path, name: str, value: str,
                                          message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(env_for(tmp_path, **{name: value}))


def test_every_setting_is_readable_from_its_variable(tmp_path: Path) -> None:
    config = load_config(env_for(
        tmp_path,
        OFFER_ROOM_WEBHOOK_MAX_ATTEMPTS="3",
        OFFER_ROOM_ALLOWED_ORIGINS="https://market.example, https://app.market.example:8443",
        OFFER_ROOM_SOCKETS_PER_USER="2",
        OFFER_ROOM_DOC_BYTES_MAX="1_000_000",
    ))
    assert config.webhook_max_attempts == 3
    assert config.origins() == {"https://market.example", "https://app.market.example:8443"}
    assert config.ancestors()[0] == "'self'"
    assert (config.sockets_per_user, config.doc_bytes_max) == (2, 1_000_000)


def test_the_default_origin_is_the_public_urls(tmp_path: Path) -> None:
    config = load_config(env_for(tmp_path, OFFER_ROOM_PUBLIC_URL="https://Offers.Example.com/x/"))
    assert config.origins() == {"https://offers.example.com"}


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example.com", "smtp://"),
        ("smtp://user:hunter2@mail.example.com", "unencrypted"),
        ("smtp://mail.example.com?tls=1", "unknown parameter"),
        ("smtp://mail.example.com:99999", "port"),
    ],
)
def test_a_bad_smtp_url_is_refused_at_start_without_the_password(
        tmp_path: Path, url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match="OFFER_ROOM_SMTP_URL") as caught:
        load_config(env_for(tmp_path, OFFER_ROOM_SMTP_URL=url))
    assert problem in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_smtp_url_forms_and_sender_are_accepted(tmp_path: Path) -> None:
    config = load_config(env_for(tmp_path, OFFER_ROOM_SMTP_URL="smtp://u:p@mail.example.com?starttls=1",
                                 OFFER_ROOM_SMTP_FROM="Offers <offers@example.com>"))
    assert config.smtp_url.endswith("?starttls=1")


@pytest.mark.parametrize("sender", ["offers", "Offers <a@b.com>\r\nBcc: x@y.com", "<@example.com>"])
def test_a_bad_sender_is_refused_at_start(tmp_path: Path, sender: str) -> None:
    with pytest.raises(ConfigError, match="OFFER_ROOM_SMTP_FROM"):
        load_config(env_for(tmp_path, OFFER_ROOM_SMTP_FROM=sender))
