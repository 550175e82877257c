"""One frozen Config, read once from ``OFFER_ROOM_*`` environment variables and passed down.

Secrets the operator did not set are generated once and kept in the data dir, so tokens minted
before a restart stay valid and ``make run`` works on a fresh machine with no set-up.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Mapping
from pathlib import Path

import msgspec

from server.offers.limits import Limits
from server.offers.terms import ALL_FIELDS

#: Roles and the terms fields each may edit; a viewer edits nothing.
FieldPolicy = dict[str, frozenset[str]]

DEFAULT_FIELD_POLICY: FieldPolicy = {
    "client": frozenset(ALL_FIELDS),
    "freelancer": frozenset(ALL_FIELDS),
    "viewer": frozenset(),
}

_REPO_WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"


class Config(msgspec.Struct, frozen=True):
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    #: HMAC secret for participant tokens (JWT HS256).
    secret: str = ""
    #: Bearer key for integrator endpoints.
    api_key: str = ""
    #: Base URL used in the links the API returns; derived from host/port when empty.
    public_url: str = ""
    web_dir: Path = _REPO_WEB_DIST
    limits: Limits = Limits()
    field_policy: FieldPolicy = msgspec.field(default_factory=lambda: dict(DEFAULT_FIELD_POLICY))
    #: Largest WebSocket frame accepted; a reconnecting client's offline history rides in one frame.
    max_frame_bytes: int = 2 * 1024 * 1024
    #: Bytes waiting in one slow client's write buffer before it is disconnected with 1013.
    send_buffer_bytes: int = 4 * 1024 * 1024
    #: Token bucket per connection: sustained messages/s and burst.
    rate_per_second: float = 200.0
    rate_burst: float = 400.0
    lock_ttl_ms: int = 10_000
    #: How long room updates wait to share one commit (see server/rooms/flusher.py).
    flush_ms: float = 20.0
    #: Log entries above the snapshot that trigger a compaction.
    compact_every: int = 500
    offer_ttl_days: int = 30
    token_ttl_seconds: int = 30 * 24 * 3600
    #: Where every audit event is POSTed (empty: webhooks off), and the HMAC key that signs them.
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_max_attempts: int = 12
    #: Delay before the first retry; each later one doubles it (capped at an hour).
    webhook_backoff_s: float = 2.0
    #: How often open offers are checked for expiry (access also expires them on the spot).
    expiry_sweep_seconds: float = 30.0
    #: Explanations: the Anthropic explainer is used when a key is set; otherwise offline. A small
    #: fast model by default: ~120 words must start streaming before anyone decides anything.
    anthropic_api_key: str = ""
    ai_model: str = "claude-haiku-5-5"
    ai_max_tokens: int = 400
    explain_timeout_s: float = 20.0
    #: Cluster mode: a PostgreSQL URL for the shared store and a Redis URL for the bus and leases.
    database_url: str = ""
    redis_url: str = ""
    #: This node's name in the cluster (printed at start, carried on every bus message).
    node_id: str = ""
    #: Seconds between keep-alive pings on an idle socket (proxies drop silent connections).
    ws_ping_seconds: float = 20.0
    #: Fault injection for crash tests only, e.g. "crash_after_commit:proposal_accepted" makes
    #: the process SIGKILL itself right after that event is durable and before anyone is told.
    fault: str = ""

    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


def _read_or_create(path: Path, nbytes: int) -> str:
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(nbytes)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Secrets are readable by the owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def _field_policy(raw: str | None) -> FieldPolicy:
    if not raw:
        return dict(DEFAULT_FIELD_POLICY)
    parsed = json.loads(raw)
    if not isinstance(parsed, dict):
        raise ValueError("OFFER_ROOM_FIELD_POLICY must be a JSON object: role -> [fields]")
    policy = dict(DEFAULT_FIELD_POLICY)
    for role, fields in parsed.items():
        if role not in policy or not isinstance(fields, list):
            raise ValueError(f"OFFER_ROOM_FIELD_POLICY: {role!r} must be a role with a list")
        unknown = set(fields) - set(ALL_FIELDS)
        if unknown:
            raise ValueError(f"OFFER_ROOM_FIELD_POLICY: unknown fields {sorted(unknown)}")
        policy[role] = frozenset(fields)
    return policy


def load_config(
    env: Mapping[str, str] | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: Path | None = None,
) -> Config:
    """Read the configuration; explicit arguments (from the command line) win over env vars."""
    env = os.environ if env is None else env
    ddir = data_dir or Path(env.get("OFFER_ROOM_DATA_DIR", "data"))
    ddir.mkdir(parents=True, exist_ok=True)
    limits = Limits()
    if "OFFER_ROOM_LIMITS" in env:
        limits = msgspec.json.decode(env["OFFER_ROOM_LIMITS"], type=Limits)
    return Config(
        host=host or env.get("OFFER_ROOM_HOST", "127.0.0.1"),
        port=port if port is not None else int(env.get("OFFER_ROOM_PORT", "8000")),
        data_dir=ddir,
        secret=env.get("OFFER_ROOM_SECRET") or _read_or_create(ddir / "secret", 32),
        api_key=env.get("OFFER_ROOM_API_KEY") or _read_or_create(ddir / "api_key", 24),
        public_url=env.get("OFFER_ROOM_PUBLIC_URL", ""),
        web_dir=Path(env.get("OFFER_ROOM_WEB_DIR", str(_REPO_WEB_DIST))),
        limits=limits,
        field_policy=_field_policy(env.get("OFFER_ROOM_FIELD_POLICY")),
        lock_ttl_ms=int(env.get("OFFER_ROOM_LOCK_TTL_MS", "10000")),
        max_frame_bytes=int(env.get("OFFER_ROOM_MAX_FRAME_BYTES", str(2 * 1024 * 1024))),
        send_buffer_bytes=int(env.get("OFFER_ROOM_SEND_BUFFER_BYTES", str(4 * 1024 * 1024))),
        rate_per_second=float(env.get("OFFER_ROOM_RATE_PER_SECOND", "200")),
        rate_burst=float(env.get("OFFER_ROOM_RATE_BURST", "400")),
        compact_every=int(env.get("OFFER_ROOM_COMPACT_EVERY", "500")),
        flush_ms=float(env.get("OFFER_ROOM_FLUSH_MS", "20")),
        webhook_url=env.get("OFFER_ROOM_WEBHOOK_URL", ""),
        webhook_secret=env.get("OFFER_ROOM_WEBHOOK_SECRET")
        or (_read_or_create(ddir / "webhook_secret", 32) if env.get("OFFER_ROOM_WEBHOOK_URL")
            else ""),
        webhook_backoff_s=float(env.get("OFFER_ROOM_WEBHOOK_BACKOFF_S", "2")),
        expiry_sweep_seconds=float(env.get("OFFER_ROOM_EXPIRY_SWEEP_SECONDS", "30")),
        anthropic_api_key=env.get("ANTHROPIC_API_KEY", ""),
        ai_model=env.get("OFFER_ROOM_AI_MODEL", "claude-haiku-5-5"),
        ai_max_tokens=int(env.get("OFFER_ROOM_AI_MAX_TOKENS", "400")),
        explain_timeout_s=float(env.get("OFFER_ROOM_EXPLAIN_TIMEOUT_S", "20")),
        fault=env.get("OFFER_ROOM_FAULT", ""),
        ws_ping_seconds=float(env.get("OFFER_ROOM_WS_PING_SECONDS", "20")),
        database_url=env.get("OFFER_ROOM_DATABASE_URL", ""),
        redis_url=env.get("OFFER_ROOM_REDIS_URL", ""),
        node_id=env.get("OFFER_ROOM_NODE_ID") or f"{socket.gethostname()}-{secrets.token_hex(3)}",
    )
