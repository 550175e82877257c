"""Why an offer or a proposal ended: the structured reason categories (docs/RULES.md,
"Outcomes").

A party who withdraws, declines or rejects picks one category (and may add words of their own);
the category is what the outcome report counts, the words are shown to the other party and
never leave the offer. Categories are per action: a client never "is not available", a
freelancer never "hired someone else".
"""

from __future__ import annotations

from typing import Literal

ReasonCode = Literal[
    "terms", "budget", "timeline", "scope_unclear", "no_response", "hired_someone_else",
    "not_available", "other",
]

#: The categories each closing answer offers, in the order a picker lists them.
REASONS: dict[str, tuple[ReasonCode, ...]] = {
    # The client takes the offer back (the seed's 18 % "withdrawn to change terms").
    "withdraw_offer": ("terms", "budget", "timeline", "scope_unclear", "no_response",
                       "hired_someone_else", "other"),
    # The freelancer turns the offer down.
    "decline_offer": ("terms", "budget", "timeline", "scope_unclear", "no_response",
                      "not_available", "other"),
    # Either party turns a proposal down (or declines every change of it).
    "reject": ("terms", "budget", "timeline", "scope_unclear", "other"),
}


def reason_problem(action: str, code: str | None) -> str | None:
    """Why ``code`` cannot be the reason of ``action``, as a sentence; None when it can (or when
    no category was given: integrators' older calls omit it, and the report counts them as
    "unspecified")."""
    if code is None:
        return None
    allowed = REASONS.get(action, ())
    if code not in allowed:
        return f"reason_code must be one of {', '.join(allowed)}"
    return None
