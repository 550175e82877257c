"""The benchmark's median of interleaved runs (bench/run.py, issue 17): one run of (b) or (c)
moves by up to ±15 %, so the targets read the median run of each server, never a lucky one."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _run_module() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # run.py imports its harness package as a script would
    try:
        spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


RUN = _run_module()


def _run(us: float, *, lag_ms: float = 1.0, error: bool = False) -> dict[str, Any]:
    if error:
        return {"server": "offer-room", "error": "did not start"}
    return {"server": "offer-room", "steps": [{
        "server_us_per_edit": us, "other_cpu_pct": 0.0, "generator_cpu_pct": 20.0,
        "send_lag_ms": {"p99": lag_ms}, "rate": 5,
    }]}


def test_the_row_kept_is_the_median_run_and_every_run_is_listed() -> None:
    kept = RUN._median_run([_run(190.0), _run(160.0), _run(175.0)])
    assert kept["steps"][0]["server_us_per_edit"] == 175.0
    assert kept["rounds"] == [190.0, 160.0, 175.0]


def test_a_run_the_generator_bounded_or_that_failed_is_never_the_median() -> None:
    # The lagging run is the cheapest: it must not be kept just for being in the middle.
    kept = RUN._median_run([_run(120.0, lag_ms=50.0), _run(190.0), _run(150.0), _run(180.0),
                            _run(0.0, error=True)])
    assert kept["steps"][0]["server_us_per_edit"] == 180.0  # of 150, 180, 190
    assert kept["rounds"] == [120.0, 190.0, 150.0, 180.0]


def test_a_single_run_is_kept_as_it_is() -> None:
    only = _run(150.0)
    assert RUN._median_run([only]) is only


def test_a_failed_run_is_never_kept_over_one_that_measured_something() -> None:
    # Every run that measured had a lagging step: still better than none.
    kept = RUN._median_run([_run(0.0, error=True), _run(200.0, lag_ms=50.0),
                            _run(210.0, lag_ms=50.0), _run(0.0, error=True)])
    assert kept["steps"][0]["server_us_per_edit"] == 200.0
    assert kept["rounds"] == [200.0, 210.0]
