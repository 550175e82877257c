"""E-mail addresses and SMTP URLs, checked without I/O: at start (config), at creation (a party's
address) and by the mailer. The URL forms are described in ``server/notify/mail.py``."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

Security = Literal["none", "starttls", "tls"]

_DEFAULT_PORTS: dict[Security, int] = {"none": 25, "starttls": 587, "tls": 465}
#: RFC 5321 §4.5.3.1.3: a path (an address) is at most 256 octets.
_ADDRESS_MAX = 254
#: An ASCII address (RFC 5322 dot-atom local part, a dotted host name): anything else (quoted
#: local parts, international addresses needing SMTPUTF8) is treated as no address at all.
_ADDR = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:localhost|(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpTarget:
    """The server an ``OFFER_ROOM_SMTP_URL`` names; ValueError (never quoting the password) when
    it is not one of the forms described in ``server/notify/mail.py``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("must start with smtp:// or smtps://")
    try:
        host, port_given = parts.hostname, parts.port
    except ValueError:
        raise ValueError("has a port that is not a number from 1 to 65535") from None
    if not host:
        raise ValueError("names no host")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"starttls"}
    if unknown:
        raise ValueError(f"has an unknown parameter {sorted(unknown)[0]!r} (only starttls=1)")
    starttls = query.get("starttls", ["0"])[-1]
    if starttls not in ("0", "1"):
        raise ValueError("starttls must be 0 or 1")
    security: Security = "tls" if parts.scheme == "smtps" else "none"
    if starttls == "1":
        if security == "tls":
            raise ValueError("smtps:// is TLS already; starttls=1 applies to smtp:// only")
        security = "starttls"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username or password) and security == "none" and not _loopback(host):
        raise ValueError("would send the password unencrypted: use smtps:// or ?starttls=1")
    return SmtpTarget(host=host, port=port_given or _DEFAULT_PORTS[security], security=security,
                      username=username, password=password)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def valid_address(address: str) -> bool:
    """A bare ``local@domain`` fit for an envelope and a To header: one line, no display name,
    no characters that could add a header or a second recipient."""
    return len(address) <= _ADDRESS_MAX and _ADDR.fullmatch(address) is not None
