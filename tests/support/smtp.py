"""A real SMTP server on 127.0.0.1 (aiosmtpd, in its own thread) that keeps what it accepts:
the mailbox of the notification tests."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.server import free_port


class SmtpSink:
    """A real SMTP server (aiosmtpd, in its own thread) that keeps what it accepts.

    ``refuse``: answer the next that many DATA commands 554. ``hang_for``: never answer RCPT for
    these recipients (a server that stalls on one message while serving others).
    """

    def __init__(self, *, refuse: int = 0, hang_for: frozenset[str] = frozenset(),
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.refuse = refuse
        self.hang_for = hang_for
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str], bool]] = []  # from, to, over TLS
        self.attempts = 0
        self._lock = threading.Lock()
        extra: dict[str, Any] = {}
        if tls_context is not None:
            extra = {"tls_context": tls_context, "require_starttls": False}
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **extra)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.hang_for:
            await asyncio.sleep(3600)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.attempts += 1
            if self.refuse > 0:
                self.refuse -= 1
                return "554 5.7.1 refused for the test"
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos),
                                   session.ssl is not None))
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """The messages once there are ``count`` of them (raises past ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} e-mails, got {len(self.messages)}")
