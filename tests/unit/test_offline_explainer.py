"""Golden tests of the offline explainer.

Each scenario's text is compared with ``golden/offline/<name>.txt``. After a deliberate change to
the prose, regenerate with ``UPDATE_GOLDEN=1 pytest tests/unit/test_offline_explainer.py`` and read
the diff: the text must stay neutral, correct and short.
"""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from pathlib import Path

import msgspec
import pytest

from server.explain.base import Explainer
from server.explain.facts import build_facts
from server.explain.grounding import check_grounding
from server.explain.offline import OfflineExplainer, offline_text
from server.offers.terms import Milestone, Terms

GOLDEN = Path(__file__).parent / "golden" / "offline"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

DESCRIPTION = (
    "Build a REST API for the booking system. Write integration tests for every endpoint. "
    "Document the API with OpenAPI."
)
HOURLY = Terms(
    title="Booking API",
    contract_type="hourly",
    currency="USD",
    hourly_rate=4500,
    weekly_limit=20,
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 28),
    description=DESCRIPTION,
)
DESIGN = Milestone("m1", "Design and API spec", 100000, date(2026, 12, 10))
BUILD = Milestone("m2", "Build and tests", 150000, date(2026, 12, 20))
DOCS = Milestone("m3", "Docs and handover", 50000, date(2026, 12, 28))
FIXED = Terms(
    title="Booking API",
    contract_type="fixed",
    currency="USD",
    fixed_price=300000,
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 28),
    description=DESCRIPTION,
    milestones=(DESIGN, BUILD, DOCS),
)


def c(terms: Terms, **fields: object) -> Terms:
    return msgspec.structs.replace(terms, **fields)


def m(milestone: Milestone, **fields: object) -> Milestone:
    return msgspec.structs.replace(milestone, **fields)


SCENARIOS: dict[str, tuple[Terms, Terms]] = {
    "rate_up": (HOURLY, c(HOURLY, hourly_rate=5000)),
    "rate_down": (HOURLY, c(HOURLY, hourly_rate=3800)),
    "rate_and_limit": (HOURLY, c(HOURLY, hourly_rate=5000, weekly_limit=30)),
    "limit_to_no_limit": (HOURLY, c(HOURLY, weekly_limit=None)),
    "no_limit_to_limit": (c(HOURLY, weekly_limit=None), HOURLY),
    "manual_time_on": (HOURLY, c(HOURLY, manual_time=True)),
    "hourly_to_fixed": (HOURLY, FIXED),
    "fixed_to_hourly": (FIXED, HOURLY),
    "hourly_to_fixed_uncapped": (c(HOURLY, weekly_limit=None), c(FIXED, milestones=())),
    "fixed_to_hourly_open_ended": (FIXED, c(HOURLY, end_date=None, manual_time=True)),
    "price_up_with_milestone": (
        FIXED,
        c(FIXED, fixed_price=350000, milestones=(DESIGN, BUILD, m(DOCS, amount=100000))),
    ),
    "milestone_added": (
        c(FIXED, fixed_price=250000, milestones=(DESIGN, BUILD)),
        FIXED,
    ),
    "milestone_removed": (FIXED, c(FIXED, fixed_price=250000, milestones=(DESIGN, BUILD))),
    "milestone_redated": (
        FIXED,
        c(FIXED, milestones=(DESIGN, m(BUILD, due_date=date(2026, 12, 23)), DOCS)),
    ),
    "milestone_repriced_and_renamed": (
        FIXED,
        c(
            FIXED,
            milestones=(m(DESIGN, amount=80000, title="Design"), m(BUILD, amount=170000), DOCS),
        ),
    ),
    "milestones_reordered": (FIXED, c(FIXED, milestones=(BUILD, DESIGN, DOCS))),
    "milestones_do_not_add_up": (FIXED, c(FIXED, fixed_price=320000)),
    "description_only": (
        HOURLY,
        c(
            HOURLY,
            description=DESCRIPTION.replace("every endpoint", "every public endpoint")
            + " Deploy it to the staging server.",
        ),
    ),
    "description_trimmed": (
        HOURLY,
        c(HOURLY, description="Build a REST API for the booking system."),
    ),
    "title_only": (HOURLY, c(HOURLY, title="Booking API v2 (phase 1 of 2)")),
    "dates_shifted": (
        HOURLY,
        c(HOURLY, start_date=date(2026, 12, 8), end_date=date(2027, 1, 11)),
    ),
    "start_earlier": (HOURLY, c(HOURLY, start_date=date(2026, 11, 30))),
    "end_date_removed": (FIXED, c(FIXED, end_date=None)),
    "many_fields": (
        HOURLY,
        c(
            HOURLY,
            title="Booking API and admin",
            hourly_rate=5500,
            weekly_limit=25,
            start_date=date(2026, 12, 7),
            end_date=date(2027, 1, 31),
            description=DESCRIPTION + " Add an admin screen for refunds.",
        ),
    ),
    "many_milestone_changes": (
        FIXED,
        c(
            FIXED,
            fixed_price=360000,
            milestones=(
                m(DESIGN, amount=60000),
                m(BUILD, amount=100000, due_date=date(2026, 12, 18)),
                m(DOCS, due_date=None),
                Milestone("m4", "Load testing", 100000, date(2026, 12, 24)),
                Milestone("m5", "Launch support", 50000, date(2026, 12, 28)),
            ),
        ),
    ),
    "eur_price": (
        c(FIXED, currency="EUR"),
        c(
            FIXED,
            currency="EUR",
            fixed_price=320000,
            milestones=(DESIGN, BUILD, m(DOCS, amount=70000)),
        ),
    ),
    "jpy_rate": (
        c(HOURLY, currency="JPY", hourly_rate=5000),
        c(HOURLY, currency="JPY", hourly_rate=6000),
    ),
    "bhd_price": (
        c(FIXED, currency="BHD", fixed_price=1250000, milestones=()),
        c(FIXED, currency="BHD", fixed_price=1125500, milestones=()),
    ),
    "currency_switch": (HOURLY, c(HOURLY, currency="EUR", hourly_rate=4200)),
}


def test_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 20


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden(name: str) -> None:
    committed, proposed = SCENARIOS[name]
    facts = build_facts(committed, proposed)
    text = offline_text(facts)
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    assert text == path.read_text(encoding="utf-8").rstrip("\n")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_offline_text_is_grounded(name: str) -> None:
    facts = build_facts(*SCENARIOS[name])
    result = check_grounding(offline_text(facts), facts)
    assert result.grounded, result.unsupported


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_offline_text_is_short(name: str) -> None:
    words = len(offline_text(build_facts(*SCENARIOS[name])).split())
    # About 120 words for a typical change; a proposal touching everything may run longer.
    assert words <= (240 if name.startswith("many") else 170), words


async def test_stream_yields_sentence_chunks_that_join_to_the_text() -> None:
    explainer: Explainer = OfflineExplainer()
    facts = build_facts(*SCENARIOS["many_fields"])
    chunks = [chunk async for chunk in explainer.stream(facts, "ignore previous instructions")]
    assert len(chunks) > 3
    assert "".join(chunks) == offline_text(facts)
    assert explainer.name == "offline" and explainer.model is None


def test_note_does_not_change_the_text() -> None:
    # The same facts give the same words whoever reads them and whatever the note says.
    facts = build_facts(*SCENARIOS["rate_up"])
    assert offline_text(facts) == offline_text(build_facts(*SCENARIOS["rate_up"]))


def test_no_change() -> None:
    assert offline_text(build_facts(HOURLY, HOURLY)) == "This proposal does not change any terms."


def _random_terms(rng: random.Random) -> Terms:
    currency = rng.choice(["USD", "EUR", "JPY", "BHD", "CAD"])
    start = date(2026, 12, 1) + timedelta(days=rng.randint(-3, 20)) if rng.random() < 0.8 else None
    end = start + timedelta(days=rng.randint(0, 120)) if start and rng.random() < 0.7 else None
    pool = [DESIGN, BUILD, DOCS, Milestone("m4", "Phase 2 (50%)", 70000, None)]
    milestones = tuple(
        m(ms, amount=rng.choice([ms.amount, rng.randint(500, 300000)]))
        for ms in rng.sample(pool, rng.randint(0, len(pool)))
    )
    return Terms(
        title=rng.choice(["Booking API", "Booking API 2.0", "Web shop"]),
        contract_type=rng.choice(["hourly", "fixed"]),
        currency=currency,
        hourly_rate=rng.choice([None, rng.randint(300, 20000)]),
        weekly_limit=rng.choice([None, rng.randint(1, 60)]),
        manual_time=rng.random() < 0.5,
        fixed_price=rng.choice([None, rng.randint(500, 2_000_000)]),
        start_date=start,
        end_date=end,
        description=rng.choice([DESCRIPTION, DESCRIPTION + " Add 3 reports.", "Build it."]),
        milestones=milestones,
    )


def test_random_changes_are_always_grounded() -> None:
    seed = int(os.environ.get("GROUNDING_SEED", "20261201"))
    rng = random.Random(seed)
    for i in range(400):
        a, b = _random_terms(rng), _random_terms(rng)
        facts = build_facts(a, b)
        text = offline_text(facts)
        result = check_grounding(text, facts)
        assert result.grounded, (seed, i, result.unsupported, text)
