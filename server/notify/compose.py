"""What a digest says: its one-line summary, and the e-mail's subject, text and HTML (pure).

Everything party-written (names, the offer's title, message text inside item summaries) is
flattened to one line and cut to a bound here, and HTML-escaped in the HTML body, so a digest is
bounded whatever was said: at most ``DIGEST_ITEMS_MAX`` (20) items of ``ITEM_CHARS`` (300) make
a text body under 8 KiB, and the HTML body, where escaping grows a character to at most six
(``&quot;``), under 48 KiB.
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import UTC, datetime

from server.notify.mail import SUBJECT_MAX, one_line
from server.store.base import DIGEST_ITEMS_MAX, NotificationItem

#: One item's line: a message's first words are enough to decide to open the room.
ITEM_CHARS = 300
#: A one-line summary ("3 new messages and a proposal from Ada").
SUMMARY_CHARS = 200
#: The offer's title and a party's name as shown in a digest (creation allows 100 for names).
TITLE_CHARS = 100
NAME_CHARS = 100

#: What the other party did, counted: "3 new messages and a proposal from Ada".
_BY_OTHER: dict[str, tuple[str, str]] = {
    "message": ("a new message", "{n} new messages"),
    "question": ("a question", "{n} questions"),
    "answer": ("an answer", "{n} answers"),
    "proposed": ("a proposal", "{n} proposals"),
}
#: Everything else, counted after those.
_OTHER: dict[str, tuple[str, str]] = {
    "proposal_accepted": ("a proposal accepted", "{n} proposals accepted"),
    "proposal_rejected": ("a proposal rejected", "{n} proposals rejected"),
    "proposal_withdrawn": ("a proposal withdrawn", "{n} proposals withdrawn"),
    "proposal_decided": ("a proposal answered change by change",
                         "{n} proposals answered change by change"),
    "reverted": ("a change reverted", "{n} changes reverted"),
    "offer_accepted": ("the offer accepted", "the offer accepted"),
    "offer_withdrawn": ("the offer withdrawn", "the offer withdrawn"),
    "offer_declined": ("the offer declined", "the offer declined"),
    "offer_expired": ("the offer expired", "the offer expired"),
    "reminder": ("a reminder", "{n} reminders"),
}
_UNKNOWN = ("an update", "{n} updates")


def reasons(items: list[NotificationItem]) -> list[str]:
    """The kinds a digest covers, in the order they first happened."""
    return list(dict.fromkeys(item.kind for item in items))


def summarize(items: list[NotificationItem], count: int, other_name: str) -> str:
    """One line: a lone item says itself; several are counted by kind, with who did them."""
    if count <= 1 and len(items) == 1:
        return one_line(items[0].summary, SUMMARY_CHARS)
    kinds = Counter(item.kind for item in items)
    by_other = [_phrase(_BY_OTHER[k], kinds[k]) for k in _BY_OTHER if kinds[k]]
    rest = [_phrase(_OTHER.get(k, _UNKNOWN), n) for k, n in kinds.items() if k not in _BY_OTHER]
    parts = []
    if by_other:
        parts.append(f"{_join(by_other)} from {one_line(other_name, NAME_CHARS)}")
    parts.extend(rest)
    text = _join(parts) if parts else "Updates"
    if count > len(items):
        text += f" and {count - len(items)} more"
    return one_line(text[:1].upper() + text[1:], SUMMARY_CHARS)


def subject(title: str, summary: str) -> str:
    """"Checkout redesign: 3 new messages from Ada", within ``SUBJECT_MAX``."""
    return one_line(f"{one_line(title, TITLE_CHARS)}: {summary}", SUBJECT_MAX)


def text_body(title: str, summary: str, items: list[NotificationItem], count: int,
              link: str | None) -> str:
    lines = [summary, "", f"Offer: {one_line(title, TITLE_CHARS)}", ""]
    shown = items[-DIGEST_ITEMS_MAX:]
    lines += [f"- {_when(item.at)}  {one_line(item.summary, ITEM_CHARS)}" for item in shown]
    if count > len(shown):
        lines.append(f"- and {count - len(shown)} earlier updates")
    lines += ["", f"Open the offer: {link}" if link else _NO_LINK, "", _WHY]
    return "\n".join(lines) + "\n"


def html_body(title: str, summary: str, items: list[NotificationItem], count: int,
              link: str | None) -> str:
    e = html.escape
    shown = items[-DIGEST_ITEMS_MAX:]
    rows = "".join(
        f"<li><span style=\"color:#6b7280\">{e(_when(item.at))}</span> "
        f"{e(one_line(item.summary, ITEM_CHARS))}</li>"
        for item in shown
    )
    if count > len(shown):
        rows += f"<li>and {count - len(shown)} earlier updates</li>"
    action = (f"<p><a href=\"{e(link)}\">Open the offer</a></p>" if link
              else f"<p>{e(_NO_LINK)}</p>")
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>"
        "<body style=\"font-family:sans-serif\">"
        f"<p><strong>{e(summary)}</strong></p>"
        f"<p>Offer: {e(one_line(title, TITLE_CHARS))}</p>"
        f"<ul>{rows}</ul>{action}"
        f"<p style=\"color:#6b7280;font-size:small\">{e(_WHY)}</p>"
        "</body></html>"
    )


_NO_LINK = "Open the offer where you found it: its link has expired."
_WHY = "You receive this because you are a party to this offer and were not in its room."


def _phrase(forms: tuple[str, str], n: int) -> str:
    return forms[0] if n == 1 else forms[1].format(n=n)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%d %b %H:%M UTC")
