"""Logging set-up: one record is one line, and tokens never reach a log line.

Both rules are applied to the formatted message of every record, in one filter on every handler:
tokens ride in participant links' query strings, and logged values come from clients (a path is
percent-decoded, so ``/ws/offers/abc%0d%0aFAKE`` would log a line break and a forged line after
it). Tracebacks (``exc_info``) are formatted after the message, by the formatter, and stay
multi-line: their text comes from our code's frames, and a reader needs them whole.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_PARAM = re.compile(r"(token=)[^&\s\"']+")
#: What a log line must not hold: C0 and C1 controls (CR, LF, NEL, ESC for terminal escape
#: sequences, ...), the Unicode line and paragraph separators, and the bidi embedding, override and
#: isolate controls that make a viewer show a line's text in another order than it was written.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: The escapes Python itself writes for these, so a reader knows them at sight.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def redact(text: str) -> str:
    return _SECRET_PARAM.sub(r"\1[redacted]", text)


def _escape_one(found: re.Match[str]) -> str:
    char = found.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every character a log line must not hold written as a Python escape."""
    # Fast path: nearly every line is printable already (isprintable() is one C-level pass, and
    # every character escaped here is one it rejects), so the regex runs only on the rest.
    if text.isprintable():
        return text
    return _UNSAFE.sub(_escape_one, text)


class RedactTokens(logging.Filter):
    """Formats the message, then redacts tokens and escapes control characters in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Work on the formatted line: "?token=%s" with the token in args only becomes visible
        # after formatting, and editing msg alone would break the %-formatting.
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = escape_controls(redact(message))
        record.args = None
        return True


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A uvicorn-compatible dictConfig with the redacting filter on every handler."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactTokens}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["stderr"], "level": level, "propagate": False},
            "offer_room": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
        # Everything else (asyncio's "Task exception was never retrieved", library warnings)
        # goes through the same filter rather than logging's unfiltered last-resort handler.
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
