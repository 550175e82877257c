"""What notifying an absent party needs from the rest of the node: who is present, and mail."""

from __future__ import annotations

from typing import Protocol


class Presence(Protocol):
    async def present(self, offer_id: str, user_id: str) -> bool:
        """Whether ``user_id`` has a socket in the offer's room on any node right now."""
        ...


class Mailer(Protocol):
    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        """Send one e-mail (plain text and HTML alternatives); raise MailError when it was not
        accepted (the caller retries)."""
        ...


class MailError(Exception):
    """The mail server refused, failed or did not answer in time."""
