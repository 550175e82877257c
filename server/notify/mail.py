"""Sends digests by e-mail over SMTP (aiosmtplib), so a small marketplace needs no mail service.

URL forms (``OFFER_ROOM_SMTP_URL``), explicit so nothing depends on what a server advertises:

- ``smtp://host[:port]`` (port 25): plain SMTP, **never** upgraded, even when the server offers
  STARTTLS (an opportunistic upgrade that an attacker on the path can strip buys little and
  hides what the operator asked for). Credentials are refused here unless the host is loopback,
  so a password never crosses a network in clear.
- ``smtp://[user:pass@]host[:port]?starttls=1`` (port 587): STARTTLS required; a server that
  does not offer it fails the send (no silent downgrade). Certificates are verified.
- ``smtps://[user:pass@]host[:port]`` (port 465): TLS from the first byte, verified.

User and password are percent-decoded (``%40`` for ``@``). The password is never logged nor part
of any message, error or ``repr``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import aiosmtplib

from server.notify.addresses import parse_smtp_url, valid_address
from server.notify.base import MailError


class MailTimeout(MailError):
    """The server did not answer within the mailer's bounds (a hanging or overloaded server)."""


#: RFC 5322 §2.1.1 advises lines under 78 characters; a subject longer than ~150 is cut by every
#: mail client anyway, and it carries party-written text (the offer title), so it is bounded.
SUBJECT_MAX = 150
#: An error kept for the digest's row and the log: enough to tell "550 mailbox unavailable" from
#: a timeout, not a server's whole multi-line answer.
_ERROR_MAX = 200
def one_line(text: str, limit: int) -> str:
    """``text`` as one header-safe line of at most ``limit`` characters (cut with "…")."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def build_message(sender: str, to: str, subject: str, text: str, html: str, *,
                  now: datetime | None = None) -> EmailMessage:
    """A multipart/alternative message, text first (clients show the last part they can)."""
    name, address = parseaddr(sender)
    domain = address.rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = Address(display_name=one_line(name, 100), addr_spec=address)
    message["To"] = to
    message["Subject"] = one_line(subject, SUBJECT_MAX)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    # ``domain`` given: make_msgid would otherwise call socket.getfqdn(), a blocking DNS lookup.
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: machines (vacation responders) must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class SmtpMailer:
    """One SMTP connection per e-mail; every send bounded in time and failing only as MailError.

    ``timeout_s`` bounds the connection and each server reply; ``total_s`` (by default three of
    those) the whole send, so a server that trickles out replies cannot hold a digest either.
    """

    def __init__(self, url: str, sender: str, *, timeout_s: float = 10.0,
                 total_s: float | None = None) -> None:
        self._target = parse_smtp_url(url)
        _, address = parseaddr(sender)
        if not valid_address(address):
            raise ValueError(f"sender {sender!r} is not 'Name <local@domain>' nor an address")
        self._sender = sender
        self._envelope_from = address
        # EHLO names the domain we send for. Left unset, aiosmtplib would call socket.getfqdn(),
        # which blocks the event loop on DNS.
        self._helo = address.rpartition("@")[2]
        self._timeout = timeout_s
        self._total = total_s if total_s is not None else 3 * timeout_s

    def __repr__(self) -> str:
        t = self._target
        return f"SmtpMailer({t.security}://{t.host}:{t.port}, user={t.username!r})"

    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        if not valid_address(to):
            raise MailError("the recipient is not a plain e-mail address")
        t = self._target
        try:
            message = build_message(self._sender, to, subject, text, html)
            async with asyncio.timeout(self._total):
                await aiosmtplib.send(
                    message,
                    sender=self._envelope_from,
                    recipients=[to],
                    hostname=t.host,
                    port=t.port,
                    username=t.username,
                    password=t.password,
                    use_tls=t.security == "tls",
                    # False, not None: None lets aiosmtplib upgrade when offered (see docstring).
                    start_tls=t.security == "starttls",
                    timeout=self._timeout,
                    local_hostname=self._helo,
                )
        except TimeoutError as exc:  # aiosmtplib's own timeouts are TimeoutErrors too
            raise MailTimeout(f"no answer from {t.host}:{t.port} in time") from exc
        except (aiosmtplib.SMTPException, OSError, ValueError) as exc:
            raise MailError(one_line(f"{type(exc).__name__}: {exc}", _ERROR_MAX)) from exc
