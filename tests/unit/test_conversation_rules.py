"""What may be said in a thread: bodies and question topics (server/conversation/rules.py)."""

from __future__ import annotations

import pytest

from server.conversation.rules import check_about, clean_body
from server.errors import CommandError


def test_a_body_is_trimmed_and_its_line_endings_unified() -> None:
    assert clean_body("  Hello,\r\nwhen can you start?\r  ", 2000) == (
        "Hello,\nwhen can you start?")
    assert clean_body("tabs\tand\nlines stay", 2000) == "tabs\tand\nlines stay"


@pytest.mark.parametrize(("body", "code"), [
    ("", "invalid"), ("   \n\t ", "invalid"), ("x" * 2001, "too_long"),
    ("bell\x07", "invalid"), ("nul\x00", "invalid"), ("pay \u202edlrow\u202c", "invalid"),
    ("c1\x85end", "invalid"),
])
def test_bodies_that_cannot_be_shown_are_refused_with_a_reason(body: str, code: str) -> None:
    with pytest.raises(CommandError) as refused:
        clean_body(body, 2000)
    assert refused.value.code == code and refused.value.message


def test_the_limit_counts_characters_not_bytes() -> None:
    assert clean_body("é" * 2000, 2000) == "é" * 2000


@pytest.mark.parametrize("about", ["hourly_rate", "description", "milestones",
                                   "milestone:m-1", "proposal:p-9"])
def test_a_question_may_be_about_a_field_a_milestone_or_the_pending_proposal(about: str) -> None:
    assert check_about(about, {"m-1"}, "p-9") == about


@pytest.mark.parametrize(("about", "code"), [
    (None, "invalid"), ("bonus", "invalid"), ("milestone:m-2", "not_found"),
    ("proposal:p-1", "not_found"), ("proposal:p-9 ", "invalid"), ("x" * 500, "invalid"),
])
def test_a_topic_that_names_nothing_is_refused(about: str | None, code: str) -> None:
    with pytest.raises(CommandError) as refused:
        check_about(about, {"m-1"}, "p-9")
    assert refused.value.code == code
