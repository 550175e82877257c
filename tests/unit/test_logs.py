"""Tokens never reach a log line: the redacting filter on messages and on their arguments."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import pytest

from server.logs import RedactTokens, log_config, redact

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTEifQ.c2lnbmF0dXJl"


def record(msg: object, args: tuple[object, ...] | None = None) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, msg, args, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"/offers/o-1?token={JWT}", "/offers/o-1?token=[redacted]"),
        (f"/ws/offers/o-1?token={JWT}&x=1", "/ws/offers/o-1?token=[redacted]&x=1"),
        (f"/a?x=1&token={JWT} HTTP/1.1", "/a?x=1&token=[redacted] HTTP/1.1"),
        (f"'token={JWT}'", "'token=[redacted]'"),
        (f'"GET /o?token={JWT}"', '"GET /o?token=[redacted]"'),
        (f"token={JWT} and token=abc", "token=[redacted] and token=[redacted]"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert JWT not in redact(text)


@pytest.mark.parametrize(
    "text",
    ["GET /healthz HTTP/1.1", "tokens: 3 left", "token = none", "a token, then token=", ""],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_filter_redacts_the_uvicorn_access_log_args() -> None:
    # uvicorn.access: '%s - "%s %s HTTP/%s" %d' % (client, method, path, version, status)
    rec = record('%s - "%s %s HTTP/%s" %d',
                 ("127.0.0.1:5000", "GET", f"/offers/o-1?token={JWT}", "1.1", 200))
    assert RedactTokens().filter(rec) is True
    assert rec.getMessage() == '127.0.0.1:5000 - "GET /offers/o-1?token=[redacted] HTTP/1.1" 200'


def test_a_token_passed_as_a_format_argument_is_redacted() -> None:
    # "?token=%s" only shows the token after formatting; redacting msg alone used to break the
    # formatting and made logging print the raw arguments (the token) to stderr.
    rec = record("socket /ws?token=%s", (JWT,))
    assert RedactTokens().filter(rec) is True
    assert rec.getMessage() == "socket /ws?token=[redacted]"


def test_filter_redacts_the_message_itself() -> None:
    rec = record(f"connection open /ws/offers/o-1?token={JWT}")
    RedactTokens().filter(rec)
    assert rec.getMessage() == "connection open /ws/offers/o-1?token=[redacted]"


def test_filter_keeps_non_string_messages_and_args() -> None:
    error = ValueError("boom")
    rec = record(error, None)
    assert RedactTokens().filter(rec) is True
    assert rec.getMessage() == "boom"
    rec = record("%d frames for %s", (3, "c-1"))
    RedactTokens().filter(rec)
    assert rec.getMessage() == "3 frames for c-1"


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    config = log_config("INFO")
    config["handlers"]["stderr"]["stream"] = stream
    names = ("uvicorn", "uvicorn.access", "offer_room")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level,
                 logging.getLogger(n).propagate) for n in names}
    logging.config.dictConfig(config)
    yield stream
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            handler.close()
        logger.handlers, logger.level, logger.propagate = handlers, level, propagate


def test_log_config_wires_the_filter_onto_every_logger(configured: io.StringIO) -> None:
    logging.getLogger("uvicorn.access").info('%s - "%s %s"', "ip", "GET", f"/o?token={JWT}")
    logging.getLogger("offer_room").warning(f"bad link /o?token={JWT}")
    logging.getLogger("uvicorn.error").error("socket %s", f"/ws?token={JWT}")
    out = configured.getvalue()
    assert JWT not in out
    assert out.count("token=[redacted]") == 3

