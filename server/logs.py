"""Logging set-up: tokens never reach a log line (participant links carry them in the query)."""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_PARAM = re.compile(r"(token=)[^&\s\"']+")


def redact(text: str) -> str:
    return _SECRET_PARAM.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Redact the formatted line: "?token=%s" with the token in args only becomes visible
        # after formatting, and editing msg alone would break the %-formatting.
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
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
    }
