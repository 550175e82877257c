"""One frozen Config, read once from ``OFFER_ROOM_*`` environment variables and passed down.

Every setting is a field of ``Config`` with its one default; ``load_config`` reads each from
``OFFER_ROOM_<FIELD NAME IN CAPITALS>`` (lists are comma-separated, ``limits`` and
``field_policy`` are JSON) and refuses to start with a ``ConfigError`` naming the variable when a
value does not parse or is out of range. Secrets the operator did not set are generated once and
kept in the data dir, so tokens minted before a restart stay valid and ``make run`` works on a
fresh machine with no set-up.

The resource budget (the "Limits" table in the README) lives here too: every bound a participant
or a stranger could push against has a setting, a defined answer and a counter.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from server.experiments import Experiment, parse_variants
from server.notify.addresses import parse_smtp_url, valid_address
from server.offers.limits import Limits
from server.offers.terms import ALL_FIELDS
from server.presence.locks import DEFAULT_LOCK_FIELDS, LOCKABLE
from server.rooms.flusher import LINGER_MS

#: Roles and the terms fields each may edit; a viewer edits nothing.
FieldPolicy = dict[str, frozenset[str]]

DEFAULT_FIELD_POLICY: FieldPolicy = {
    "client": frozenset(ALL_FIELDS),
    "freelancer": frozenset(ALL_FIELDS),
    "viewer": frozenset(),
}

_REPO_WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
_KIB = 1024
_MIB = 1024 * 1024
_DAY = 24 * 3600

#: HS256 keys shorter than the hash (32 bytes) make tokens guessable offline (RFC 7518 §3.2).
MIN_SECRET_BYTES = 32


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity where the OS has one, else all."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the environment variable."""


class Config(msgspec.Struct, frozen=True, kw_only=True):
    # --- the node -----------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    #: HMAC secret for participant tokens (JWT HS256), at least 32 bytes.
    secret: str = ""
    #: Bearer key for integrator endpoints.
    api_key: str = ""
    #: Base URL used in the links the API returns; derived from host/port when empty.
    public_url: str = ""
    web_dir: Path = _REPO_WEB_DIST
    #: This node's name in the cluster (printed at start, carried on every bus message).
    node_id: str = ""
    #: Processes serving the port (``offer-room serve --workers``): each offer's connections go
    #: to the one that owns it (server/workers/). By default one per core this process may run
    #: on (``taskset -c 0`` means one); 1 serves from the process started, as a single process.
    workers: int = msgspec.field(default_factory=usable_cores)

    # --- offers -------------------------------------------------------------------------------
    limits: Limits = Limits()
    field_policy: FieldPolicy = msgspec.field(default_factory=lambda: dict(DEFAULT_FIELD_POLICY))
    #: Lifetime of a token minted from the command line.
    token_ttl_seconds: int = 30 * _DAY
    #: No token lives longer, whatever its offer's expiry or the ttl asked for: a leaked link
    #: must die on its own. 90 days outlasts the default 30-day offer three times over.
    token_max_ttl_seconds: int = 90 * _DAY

    # --- origins and headers ------------------------------------------------------------------
    #: Browser origins allowed to open sockets and send token-authorised writes; empty means the
    #: public URL's origin. Add the embedding marketplace's origins here.
    allowed_origins: tuple[str, ...] = ()
    #: CSP frame-ancestors of the room page; empty means 'self' plus the allowed origins.
    frame_ancestors: tuple[str, ...] = ()

    # --- the front door (per node) ------------------------------------------------------------
    #: Open connections (HTTP and WebSocket) a node serves; more are closed on accept. Also capped
    #: below the process's open-file limit, so the health check always finds a descriptor.
    max_connections: int = 10_000
    #: Connections that have not finished their request head; at the cap the oldest is dropped
    #: (an honest client sends its head in one segment, a slow-loris never finishes it).
    max_pending_heads: int = 1024
    #: A request head (request line + headers) larger than this is answered 431.
    head_bytes: int = 16 * _KIB
    #: A request head must be complete this long after the connection opened (or the previous
    #: response ended), else the connection is closed.
    head_timeout_s: float = 10.0
    #: Largest request body the node reads at all (413); endpoints have smaller limits of their own.
    body_bytes: int = 1 * _MIB
    #: A request body must be complete this long after its head (1 MiB at 35 KB/s), else 408.
    body_timeout_s: float = 30.0

    # --- sockets (per user, per offer, per connection) ----------------------------------------
    #: Sockets one user may hold on one offer: a browser with a few tabs, and a reconnect
    #: racing its old socket's close.
    sockets_per_user: int = 8
    #: Sockets all viewers of one offer may hold together; the two parties are never counted
    #: here, so viewers cannot lock the parties out.
    viewer_sockets_per_offer: int = 32
    #: Largest WebSocket message; a reconnecting client's offline history rides in one message.
    max_frame_bytes: int = 2 * _MIB
    #: Frames one message may arrive in. Browsers and the Yjs clients send one frame per message;
    #: every frame costs ~1 µs to parse, so at the message rate's 200/s, 64 bounds it at 13 ms/s.
    max_fragments: int = 64
    #: Pings and pongs a client may send per keep-alive period (ws_ping_seconds): one is plenty;
    #: a flood that never reads our pongs would otherwise look alive forever.
    max_control_frames: int = 1000
    #: A frame or fragmented message must be complete this long after its first byte
    #: (2 MiB at 35 KB/s).
    message_timeout_s: float = 60.0
    #: Bytes waiting in one slow client's write buffer (pongs and closes included) before it is
    #: disconnected with 1013.
    send_buffer_bytes: int = 4 * _MIB
    #: Bytes a connection may send before it is admitted and has answered the sync (kept until
    #: then): step 1, awareness and the edits typed during the handshake fit in a few KB.
    held_bytes: int = 1 * _MIB
    #: Token bucket per connection: sustained messages/s and burst.
    rate_per_second: float = 200.0
    rate_burst: float = 400.0
    #: Cost budget per user in a room (all viewers of an offer share one), in µs of server work
    #: (server/rooms/budget.py): sustained per second and burst. Typing costs ~600/s; 20,000/s
    #: is 2 % of a core; the burst takes a reconnect replaying its largest allowed offline
    #: history (~200,000) at once. Reconnecting does not refill it.
    cost_per_second: float = 20_000.0
    cost_burst: float = 400_000.0
    #: Structs plus delete ranges one Yjs update may carry (server/crdt/updates.py): ~100 ms of
    #: work at most. Typing, pasting and a reconnect's offline history stay far below it.
    update_items_max: int = 20_000
    #: Keep-alive: seconds between pings on an idle socket (proxies drop silent connections).
    ws_ping_seconds: float = 20.0

    # --- rooms --------------------------------------------------------------------------------
    #: Awareness client ids one connection may introduce (one per Y.Doc the client runs).
    awareness_ids_per_connection: int = 4
    #: Awareness entries a room keeps (2 parties and a few viewers, a few tabs each).
    awareness_entries_per_room: int = 64
    #: Largest awareness state (JSON) a client may set: name, colour, focus and a cursor.
    awareness_state_bytes: int = 4 * _KIB
    #: Largest encoded document a room may grow to; edits that would pass it are refused. A full
    #: offer (20,000-character scope, 50 milestones) with a long history stays under 1 MiB.
    doc_bytes_max: int = 4 * _MIB
    lock_ttl_ms: int = 10_000
    #: A field lock also ends this long after its holder's last sign of input (docs/PROTOCOL.md,
    #: "Locks"): a person who sits in a field and ignores "please release" loses it. 20 s is time
    #: to think about a figure; the other party waits no longer than that.
    lock_idle_ms: int = 20_000
    #: The fields that lock while someone edits them: scalar terms fields, and "milestones" for
    #: every milestone row. Money and the contract type by default; the rest merge freely.
    lock_fields: tuple[str, ...] = DEFAULT_LOCK_FIELDS
    #: How long room updates wait to share one commit (see server/rooms/flusher.py).
    flush_ms: float = LINGER_MS
    #: Log entries above the snapshot that trigger a compaction.
    compact_every: int = 500

    # --- the thread (messages and questions) -----------------------------------------------------
    #: Characters in one message, question or answer: a paragraph or two, like a proposal note.
    message_chars: int = 2000
    #: Messages one user may post to one offer per minute (sustained; a burst of 10 passes):
    #: people type a few a minute, a script thousands.
    messages_per_minute: float = 20.0
    #: How long after writing it an author may edit or delete a message (the audit log keeps
    #: what it said either way).
    message_edit_seconds: float = 300.0
    #: Entries an offer's thread keeps (system entries included): years of an active negotiation.
    thread_max_entries: int = 10_000
    #: Open questions an offer may have at once.
    open_questions_max: int = 50
    #: Entries sent on join; older ones come from REST, a page at a time.
    thread_page: int = 50

    # --- the assistant (offer check, suggestions, reports) ---------------------------------------
    #: A burst of edits is checked once, this long after its first change (then again while it
    #: goes on): the prompts follow typing within about this much, and a flood of edits costs
    #: at most one check per room per period.
    advice_delay_s: float = 0.2
    #: Middle-ground suggestions one user may ask for per offer per minute (a burst of 3).
    suggestions_per_minute: float = 6.0
    #: Reports one user may file per offer per hour (a burst of 3): enough to add what was
    #: forgotten, not enough to flood the trust team.
    reports_per_hour: float = 3.0
    #: Characters of a report's reason.
    report_chars: int = 2000

    # --- notifications and reminders for the party who is away -----------------------------------
    #: How long a digest waits for more after its first item: a burst of messages is one e-mail.
    notify_delay_s: float = 120.0
    #: At most one digest per party and offer this often.
    notify_throttle_s: float = 900.0
    #: The node sends digests by e-mail itself when set: smtp://user:pass@mail?starttls=1 (STARTTLS,
    #: port 587), smtps://user:pass@mail (TLS, 465) or smtp://127.0.0.1:1025 (plain, credentials
    #: only on loopback); the sender is OFFER_ROOM_SMTP_FROM. Forms: server/notify/mail.py.
    smtp_url: str = ""
    smtp_from: str = "offer-room <offers@localhost>"
    #: "Waiting on you": after this long with a proposal or a question unanswered.
    remind_waiting_after_s: float = 86_400.0
    #: How often due digests and reminders are looked for.
    notify_sweep_seconds: float = 10.0

    # --- webhooks ------------------------------------------------------------------------------
    #: Where every audit event is POSTed (empty: webhooks off), and the HMAC key that signs them.
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_max_attempts: int = 12
    #: Delay before the first retry; each later one doubles it (capped at an hour).
    webhook_backoff_s: float = 2.0
    #: How often open offers are checked for expiry (access also expires them on the spot).
    expiry_sweep_seconds: float = 30.0

    # --- experiments (server/experiments.py) ----------------------------------------------------
    #: The variants new offers are split into and what each switches off (JSON, see
    #: server/experiments.py); unset: one variant, "default", with everything on.
    variants: Experiment = Experiment()
    #: Salts the hash that assigns variants: a new name reshuffles new offers, never old ones.
    experiment: str = "offers"
    #: The outcome report (GET /api/reports/outcomes) reads at most this many offers; a wider
    #: range says so ("truncated") rather than holding more in memory.
    report_offers_max: int = 200_000

    # --- explanations ---------------------------------------------------------------------------
    #: The Anthropic explainer is used when a key is set (``ANTHROPIC_API_KEY``); otherwise
    #: offline. A small fast model: ~120 words must start streaming before anyone decides.
    anthropic_api_key: str = ""
    ai_model: str = "claude-haiku-5-5"
    ai_max_tokens: int = 400
    explain_timeout_s: float = 20.0

    # --- cluster --------------------------------------------------------------------------------
    #: A PostgreSQL URL for the shared store and a Redis URL for the bus and leases.
    database_url: str = ""
    redis_url: str = ""
    #: How long a node holds another node's update (shown to its own connections at once) for
    #: that node's word that it is stored, before storing it itself: far above a healthy group
    #: commit (``flush_ms`` plus the commit), so only a dead or failing producer triggers it
    #: (docs/ARCHITECTURE.md, "Cluster").
    cluster_hold_ms: float = 2500.0
    #: Another node's updates one room holds at most; beyond it they are stored here at once.
    cluster_hold_updates: int = 1000
    #: Fault injection for crash tests only, e.g. "crash_after_commit:proposal_accepted" makes
    #: the process SIGKILL itself right after that event is durable and before anyone is told.
    fault: str = ""

    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    def origins(self) -> frozenset[str]:
        """Browser origins allowed to act with a participant's token."""
        if self.allowed_origins:
            return frozenset(o.rstrip("/").lower() for o in self.allowed_origins)
        origins = {origin_of(self.base_url())}
        if not self.public_url:
            # No public URL: a local node, reached as 127.0.0.1 or as localhost alike.
            origins |= {f"http://{name}:{self.port}" for name in ("127.0.0.1", "localhost",
                                                                   "[::1]")}
        return frozenset(origins)

    def ancestors(self) -> tuple[str, ...]:
        """The CSP frame-ancestors sources of the room page."""
        if self.frame_ancestors:
            return self.frame_ancestors
        return ("'self'", *sorted(self.origins()))


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lowercased, as browsers send it in ``Origin``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


# --- reading the environment ------------------------------------------------------------------

#: Settings read from a variable other than OFFER_ROOM_<NAME>.
_ENV_NAMES = {"anthropic_api_key": "ANTHROPIC_API_KEY"}

#: Numeric settings that may be zero (port 0 picks a free port; no flush linger). Every other
#: number bounds or paces something and must be positive.
_MAY_BE_ZERO = frozenset({"port", "flush_ms", "notify_delay_s", "notify_throttle_s"})


def env_name(field: str) -> str:
    return _ENV_NAMES.get(field, f"OFFER_ROOM_{field.upper()}")


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


def _field_policy(raw: str) -> FieldPolicy:
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"OFFER_ROOM_FIELD_POLICY is not JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ConfigError("OFFER_ROOM_FIELD_POLICY must be a JSON object: role -> [fields]")
    policy = dict(DEFAULT_FIELD_POLICY)
    for role, fields in parsed.items():
        if role not in policy or not isinstance(fields, list):
            raise ConfigError(f"OFFER_ROOM_FIELD_POLICY: {role!r} must be a role with a list")
        unknown = set(fields) - set(ALL_FIELDS)
        if unknown:
            raise ConfigError(f"OFFER_ROOM_FIELD_POLICY: unknown fields {sorted(unknown)}")
        policy[role] = frozenset(fields)
    return policy


def _parse(name: str, kind: Any, raw: str) -> Any:
    """One environment value as the field's type."""
    if name == "field_policy":
        return _field_policy(raw)
    if name == "variants":
        try:
            return parse_variants(raw)
        except ValueError as exc:
            raise ConfigError(f"OFFER_ROOM_VARIANTS {exc}") from None
    try:
        if name == "limits":
            return msgspec.json.decode(raw, type=Limits)
        if kind == tuple[str, ...]:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if kind is Path:
            return Path(raw)
        if kind is int:
            return int(raw.replace("_", ""))
        if kind is float:
            return float(raw)
        return raw
    except (ValueError, msgspec.DecodeError) as exc:
        label = getattr(kind, "__name__", str(kind))
        raise ConfigError(f"{env_name(name)}={raw!r} is not a valid {label}: {exc}") from None


def _validate_lifetimes(limits: Limits) -> None:
    """An offer's default lifetime: at least a minute, at most ``offer_max_days``."""
    if limits.offer_max_days < 1:
        raise ConfigError("OFFER_ROOM_LIMITS: offer_max_days must be at least 1")
    if limits.offer_ttl_minutes is not None:
        if limits.offer_ttl_minutes < 1:
            raise ConfigError("OFFER_ROOM_LIMITS: offer_ttl_minutes must be at least 1")
        if limits.offer_ttl_minutes > limits.offer_max_days * 24 * 60:
            raise ConfigError(
                "OFFER_ROOM_LIMITS: offer_ttl_minutes must not exceed offer_max_days")
        return
    if limits.offer_ttl_days < 1:
        raise ConfigError(
            "OFFER_ROOM_LIMITS: offer_ttl_days must be at least 1; for a shorter lifetime set "
            "offer_ttl_minutes (e.g. 60)")
    if limits.offer_ttl_days > limits.offer_max_days:
        raise ConfigError("OFFER_ROOM_LIMITS: offer_ttl_days must not exceed offer_max_days")


def _validate(config: Config) -> None:
    for field in msgspec.structs.fields(Config):
        value = getattr(config, field.name)
        if field.type in (int, float) and field.name not in _MAY_BE_ZERO and not value > 0:
            raise ConfigError(f"{env_name(field.name)} must be positive (got {value!r})")
    if len(config.secret.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"OFFER_ROOM_SECRET must be at least {MIN_SECRET_BYTES} bytes (got "
            f"{len(config.secret.encode())}); unset it to have one generated in the data dir"
        )
    for origin in config.allowed_origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            raise ConfigError(
                f"OFFER_ROOM_ALLOWED_ORIGINS: {origin!r} is not an origin like https://example.com"
            )
    _validate_lifetimes(config.limits)
    unknown_locks = sorted(set(config.lock_fields) - LOCKABLE)
    if unknown_locks:
        raise ConfigError(
            f"OFFER_ROOM_LOCK_FIELDS: {', '.join(unknown_locks)} cannot be locked (choose from "
            f"{', '.join(sorted(LOCKABLE))})"
        )
    if config.rate_burst < 1 or config.cost_burst < config.cost_per_second / 10:
        raise ConfigError("OFFER_ROOM_RATE_BURST and OFFER_ROOM_COST_BURST are too small")
    if config.smtp_url:
        try:
            parse_smtp_url(config.smtp_url)
        except ValueError as exc:  # the message never quotes the password
            raise ConfigError(f"OFFER_ROOM_SMTP_URL {exc}") from None
    if not valid_address(parseaddr(config.smtp_from)[1]) or not config.smtp_from.isprintable():
        raise ConfigError(
            f"OFFER_ROOM_SMTP_FROM={config.smtp_from!r} is not an address like "
            "'Offer Room <offers@example.com>'"
        )


def load_config(
    env: Mapping[str, str] | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: Path | None = None,
) -> Config:
    """Read the configuration; explicit arguments (from the command line) win over env vars."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(Config):
        raw = env.get(env_name(field.name))
        if raw:  # unset or empty: the default
            values[field.name] = _parse(field.name, field.type, raw)
    for name, given in (("host", host), ("port", port), ("data_dir", data_dir)):
        if given is not None:
            values[name] = given
    ddir: Path = values.setdefault("data_dir", Path("data"))
    ddir.mkdir(parents=True, exist_ok=True)
    # Generated only when not given (the files are created on first use).
    generated = {"secret": ("secret", 32), "api_key": ("api_key", 24)}
    if values.get("webhook_url"):
        generated["webhook_secret"] = ("webhook_secret", 32)
    for name, (filename, nbytes) in generated.items():
        if name not in values:
            values[name] = _read_or_create(ddir / filename, nbytes)
    if "node_id" not in values:
        values["node_id"] = f"{socket.gethostname()}-{secrets.token_hex(3)}"
    if "variants" in values:
        values["variants"] = msgspec.structs.replace(values["variants"],
                                                     name=values.get("experiment", "offers"))
    config = Config(**values)
    _validate(config)
    return config
