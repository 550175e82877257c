"""The logging filter: tokens never reach a log line, and one record is always one line."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import pytest

from server.logs import RedactTokens, escape_controls, log_config, redact

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
    names = ("uvicorn", "uvicorn.access", "offer_room", "")  # "": the root logger
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level,
                 logging.getLogger(n).propagate) for n in names}
    logging.config.dictConfig(config)
    yield stream
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name or None)
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



# --- one record, one line -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/ws/offers/abc\r\nFAKE LINE", "/ws/offers/abc\\r\\nFAKE LINE"),
        ("a\tb", "a\\tb"),
        ("\x1b[2J\x1b[H cleared", "\\x1b[2J\\x1b[H cleared"),  # a terminal escape sequence
        ("next\x85line", "next\\x85line"),  # NEL: a line break to some readers
        ("a\x00b\x7f", "a\\x00b\\x7f"),
        ("one\u2028two\u2029three", "one\\u2028two\\u2029three"),
        ("user \u202egnp.exe", "user \\u202egnp.exe"),  # shown reversed without the escape
        ("\u2066isolated\u2069", "\\u2066isolated\\u2069"),
    ],
)
def test_controls_are_escaped(text: str, expected: str) -> None:
    assert escape_controls(text) == expected
    assert len(escape_controls(text).splitlines()) == 1


@pytest.mark.parametrize(
    "text",
    [
        "GET /healthz HTTP/1.1", "", "Ada Lovelace joined",
        "Zo\u00eb \U0001f469\u200d\U0001f4bb \u00a0 \u200f\u05e2\u05d1",  # joiner, RLM
        "a\\nb",  # a backslash and an n, as a person wrote them
    ],
)
def test_other_text_is_left_alone_by_escaping(text: str) -> None:
    assert escape_controls(text) == text


def test_a_client_value_with_a_line_break_stays_in_its_record() -> None:
    rec = record("refused a socket for offer %s: %s (%d)", ("abc\r\nFAKE LINE", "bad token", 4401))
    RedactTokens().filter(rec)
    assert rec.getMessage() == "refused a socket for offer abc\\r\\nFAKE LINE: bad token (4401)"


def test_a_token_before_a_line_break_is_redacted_and_the_break_escaped() -> None:
    rec = record("socket %s", (f"/ws/offers/o-1?token={JWT}\r\nFAKE token={JWT}",))
    RedactTokens().filter(rec)
    assert rec.getMessage() == (
        "socket /ws/offers/o-1?token=[redacted]\\r\\nFAKE token=[redacted]"
    )


def test_every_record_is_one_line_but_a_traceback_stays_whole(configured: io.StringIO) -> None:
    log = logging.getLogger("offer_room.socket")
    log.info("%s (viewer) joined offer %s", "v-1\n2026-01-01 00:00:00,000 INFO x: FAKE", "o-1")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("joining offer %s failed", "o-1\r\nFAKE")
    logging.getLogger("asyncio").warning("Task exception: %s", "x\nFAKE")  # via the root logger
    lines = configured.getvalue().splitlines()
    assert [line for line in lines if "FAKE" in line and "\\n" not in line] == []
    joined, failed = lines[0], lines[1]
    assert joined.endswith("offer_room.socket: v-1\\n2026-01-01 00:00:00,000 INFO x: FAKE "
                           "(viewer) joined offer o-1")
    assert failed.endswith("offer_room.socket: joining offer o-1\\r\\nFAKE failed")
    trace = lines[2 : lines.index("ValueError: boom") + 1]
    assert trace[0] == "Traceback (most recent call last):"
    assert any(line.strip() == 'raise ValueError("boom")' for line in trace)
    assert lines[-1].endswith("WARNING asyncio: Task exception: x\\nFAKE")
