"""What may be said in an offer's thread: pure checks, no I/O (docs/RULES.md, "The thread").

Messages are plain text, never HTML: the browser renders them as text and turns only http(s)
links into links. A body is trimmed, must not be empty, fits ``message_chars`` characters, and
holds no control characters but line breaks and tabs (they break rendering, logs and e-mail).
A question names what it is about: a terms field, a milestone of the draft, or the pending
proposal; an answer names the question it answers.
"""

from __future__ import annotations

import re

from server.errors import CommandError
from server.offers.terms import ALL_FIELDS

#: C0 controls but tab and line feed, DEL, C1 controls; bidi overrides and isolates (they can
#: make a message read as something else: "pay ‮lanoitan‬ bank").
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MILESTONE = re.compile(r"milestone:([A-Za-z0-9_-]{1,64})")
_PROPOSAL = re.compile(r"proposal:([A-Za-z0-9_-]{1,64})")
_FIELDS = frozenset(ALL_FIELDS)


def clean_body(body: str, limit: int, *, what: str = "message", optional: bool = False) -> str:
    """The body as stored: line endings unified, trimmed; CommandError when it cannot be.

    ``what`` names the text in the errors ("message", "reason"); an ``optional`` one may be
    empty (a report's reason)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text and not optional:
        raise CommandError("invalid", "Write something first.")
    if len(text) > limit:
        raise CommandError("too_long", f"A {what} is limited to {limit:,} characters "
                           f"(this one has {len(text):,}).")
    if _FORBIDDEN.search(text):
        raise CommandError("invalid", f"The {what} contains control or direction characters.")
    return text


def check_about(about: str | None, milestone_ids: set[str], pending_proposal: str | None) -> str:
    """The topic of a question as stored; CommandError unless it names something that exists."""
    if about is None:
        raise CommandError("invalid", "Say what the question is about.")
    if about in _FIELDS:
        return about
    milestone = _MILESTONE.fullmatch(about)
    if milestone is not None:
        if milestone.group(1) not in milestone_ids:
            raise CommandError("not_found", "That milestone is not part of the offer.")
        return about
    proposal = _PROPOSAL.fullmatch(about)
    if proposal is not None:
        if proposal.group(1) != pending_proposal:
            raise CommandError("not_found", "That proposal is not pending any more.")
        return about
    raise CommandError("invalid", f"{about[:64]!r} is not a field, a milestone or a proposal.")
