"""The proposal policy, case by case, as the web app checks it too.

``tests/data/policy_cases.json`` lists drafts and what ``policy.check_proposal`` finds wrong with
each (field and code, in order); ``web/test/validate.test.mjs`` runs the same cases through the
browser's ``checkProposal`` (web/src/validate.ts). When a rule changes on one side, one of the two
fails: ``python -m tests.unit.test_policy_cases`` rewrites the expectations from the server.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.offers.limits import Limits
from server.offers.policy import check_proposal
from server.offers.terms import Terms

CASES = Path(__file__).resolve().parent.parent / "data" / "policy_cases.json"


def _load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CASES.read_text())
    return data


def _terms(raw: dict[str, Any]) -> Terms:
    return msgspec.convert(raw, Terms)


def found(case: dict[str, Any], today: date) -> list[list[Any]]:
    limits = msgspec.structs.replace(Limits(), **case.get("limits", {}))
    problems = check_proposal(_terms(case["draft"]), _terms(case["committed"]), limits, today)
    return [[p.field, p.code, p.params or {}] for p in problems]


@pytest.mark.parametrize("case", _load()["cases"], ids=lambda c: c["name"])
def test_the_server_finds_what_the_cases_say(case: dict[str, Any]) -> None:
    assert found(case, date.fromisoformat(_load()["today"])) == case["expect"]


def test_every_problem_has_a_code_and_the_cases_cover_them() -> None:
    codes = {p[1] for case in _load()["cases"] for p in case["expect"]}
    assert "" not in codes
    assert codes == {"unchanged", "required", "below_min", "sum_mismatch", "past", "before_start",
                     "after_end", "before_previous", "out_of_range"}


if __name__ == "__main__":  # regenerate the expectations from the server's rules
    data = _load()
    for c in data["cases"]:
        c["expect"] = found(c, date.fromisoformat(data["today"]))
    CASES.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
