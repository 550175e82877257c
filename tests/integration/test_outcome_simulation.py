"""The outcome report recovers effects planted in a seeded simulation, on both stores.

1,000 offers in two variants (server/reports/simulate.py: the baseline accepts 40 % within a
week and starts 20 days after creation, the other 50 % and 14 days; NPS 10 against 40; more
counter-offers) are written through the store; the report read back from the event log must
hold each planted figure inside its interval, and each planted difference inside the interval
of its comparison. The seed is fixed: the same data, the same report, every run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest
from psycopg import sql

from server.config import load_config
from server.experiments import parse_variants
from server.reports.service import Reports
from server.reports.simulate import BASELINE, TREATMENT, SimClock, simulate
from server.store.base import Store
from server.store.postgres import PostgresStore
from server.store.sqlite import SQLiteStore
from tests.support import postgres as pgtest

OFFERS = 1000
SEED = 7
NOW = datetime(2026, 12, 1, tzinfo=UTC)
VARIANTS = '{"control": {"weight": 50, "off": ["explanations", "middle_ground"]}, ' \
           '"assist": {"weight": 50}}'


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    url = pgtest.create_database("outcomes")
    # What is under test is the report, not durability: commits need not wait for the disk
    # (6,000 of them, about a minute otherwise).
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(
            sql.Identifier(str(psycopg.conninfo.conninfo_to_dict(url)["dbname"]))))
    yield url
    pgtest.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
async def simulated(request: pytest.FixtureRequest, tmp_path: Path
                    ) -> AsyncIterator[tuple[Store, dict[str, Any]]]:
    clock = SimClock()
    store: Store
    if request.param == "sqlite":
        store = SQLiteStore(tmp_path / "offers.db", clock=clock)
    else:
        store = PostgresStore(pgtest.with_schema(request.getfixturevalue("pg_database")),
                              clock=clock)
    await store.open()
    try:
        experiment = parse_variants(VARIANTS)
        await simulate(store, clock, experiment, offers=OFFERS, seed=SEED, now=NOW)
        config = msgspec.structs.replace(load_config({}, data_dir=tmp_path / "data"),
                                         variants=experiment)
        body = await Reports(store, config, clock=lambda: NOW).outcomes(
            NOW - timedelta(days=120), NOW)
        report: dict[str, Any] = msgspec.json.decode(body)
        _print_table(request.param, report)
        yield store, report
    finally:
        await store.close()


def _within(value: float, figure: dict[str, Any]) -> bool:
    return figure["low"] is not None and figure["low"] <= value <= figure["high"]


async def test_the_report_recovers_each_planted_effect(
        simulated: tuple[Store, dict[str, Any]]) -> None:
    _, report = simulated
    assert report["offers"] == OFFERS and not report["truncated"]
    assert report["baseline"] == "control"
    arms = {v["variant"]: v for v in report["variants"]}
    assert set(arms) == {"control", "assist"}
    assert arms["control"]["features"]["explanations"] is False
    assert sum(a["offers"] for a in arms.values()) == OFFERS
    for name, planted in (("control", BASELINE), ("assist", TREATMENT)):
        arm = arms[name]
        assert arm["status"]["open"] == 0  # every simulated offer's week is over
        assert _within(planted.accept_7d, arm["accepted_7d"]), (name, arm["accepted_7d"])
        # The start day is a rounded normal around the planted mean: its median is the mean.
        assert _within(planted.start_days, arm["time_to_start_d"]), arm["time_to_start_d"]
        assert _within(planted.nps, arm["nps"]["all"]), (name, arm["nps"]["all"])
        assert arm["nps"]["client"]["n"] > 0 and arm["nps"]["freelancer"]["n"] > 0
        withdrawn = arm["reasons"]["withdrawn"]
        assert sum(withdrawn.values()) == arm["status"]["withdrawn"]
        assert "unspecified" not in withdrawn
        assert sum(arm["expired_turn"].values()) == arm["status"]["expired"]
        assert arm["response_h"]["freelancer"]["n"] > 0
    # Withdrawn to change the terms: the baseline's commonest reason (40 % planted), far rarer
    # where counter-offers are easier (15 %).
    control, assist = (arms[n]["reasons"]["withdrawn"] for n in ("control", "assist"))
    assert max(control.items(), key=lambda kv: kv[1])[0] == "terms"
    assert assist["terms"] / sum(assist.values()) < control["terms"] / sum(control.values())

    compared = {c["metric"]: c for c in report["comparisons"]}
    planted_differences = {
        "accepted_7d": TREATMENT.accept_7d - BASELINE.accept_7d,
        "time_to_start_d": TREATMENT.start_days - BASELINE.start_days,
        "nps": TREATMENT.nps - BASELINE.nps,
    }
    for metric, difference in planted_differences.items():
        c = compared[metric]
        assert c["baseline"] == "control" and c["variant"] == "assist"
        assert _within(difference, c), (metric, difference, c)
        assert c["significant"] and c["p_value"] < 0.05, c
    assert compared["accepted_7d"]["test"] == "two-proportion z-test"
    assert compared["time_to_start_d"]["test"] == "Mann-Whitney U"
    # More counter-offers planted in the treatment: more agreements follow one.
    assert compared["agreed_after_counter"]["difference"] > 0


def _print_table(store: str, report: dict[str, Any]) -> None:
    """The simulated report as a table (pytest -s shows it; the closing note quotes it)."""
    print(f"\n{store}: {report['offers']} offers, baseline {report['baseline']}")
    print("| variant | offers | accepted in 7 days | start (days, median) | NPS |")
    print("|---|---|---|---|---|")
    for v in report["variants"]:
        a, s, n = v["accepted_7d"], v["time_to_start_d"], v["nps"]["all"]
        print(f"| {v['variant']} | {v['offers']} | {a['rate']:.1%} [{a['low']:.1%}, "
              f"{a['high']:.1%}] | {s['median']:.0f} [{s['low']:.0f}, {s['high']:.0f}] | "
              f"{n['score']:.0f} [{n['low']:.0f}, {n['high']:.0f}] |")
    print("| metric | difference | 95 % CI | p | test |")
    print("|---|---|---|---|---|")
    for c in report["comparisons"]:
        print(f"| {c['metric']} | {c['difference']:+.3g} | [{c['low']:+.3g}, {c['high']:+.3g}] "
              f"| {c['p_value']:.2g} | {c['test']} |")
