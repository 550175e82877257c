"""Outcome-report statistics: known values, planted effects, degenerate input, determinism.

pytest runs with filterwarnings = error, so every degenerate case below also proves scipy
emitted no warning for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
import numpy as np
import pytest
from scipy import stats as sp

from server.reports import stats
from server.reports.stats import (
    Comparison,
    Nps,
    Rate,
    Summary,
    compare_durations,
    compare_nps,
    compare_rates,
    nps,
    rate,
    summary,
)

Struct = Rate | Summary | Nps | Comparison


def durations(median: float, n: int, seed: int) -> list[float]:
    """Skewed, duration-like values (exponential) with the given true median."""
    rng = np.random.default_rng(seed)
    return list(rng.exponential(median / math.log(2), n))


def assert_plain(struct: Struct) -> None:
    """Every float field is a Python float (np.float64 subclasses float, so check the type)."""
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        assert value is None or type(value) in (float, int, str, bool), (name, type(value))
    msgspec.json.decode(msgspec.json.encode(struct), type=type(struct))


# -- rate ---------------------------------------------------------------------------------


def test_wilson_interval_matches_textbook_values() -> None:
    forty = rate(40, 100)
    assert forty.rate == 0.4
    assert forty.low == pytest.approx(0.3094, abs=5e-4)
    assert forty.high == pytest.approx(0.4980, abs=5e-4)
    # Newcombe (1998), Table I: 0/10 -> Wilson 0.0000 to 0.2775.
    none = rate(0, 10)
    assert none.low == 0.0
    assert none.high == pytest.approx(0.2775, abs=5e-4)


def test_rate_degenerate_inputs() -> None:
    assert rate(0, 0) == Rate(count=0, n=0, rate=None, low=None, high=None)
    everyone = rate(10, 10)
    assert everyone.rate == 1.0
    assert everyone.high == 1.0
    assert everyone.low is not None and 0.7 < everyone.low < 1.0
    one = rate(1, 1)
    assert one.low is not None and one.high == 1.0
    with pytest.raises(ValueError):
        rate(3, 2)
    with pytest.raises(ValueError):
        rate(-1, 2)


# -- summary ------------------------------------------------------------------------------


def test_summary_of_known_values() -> None:
    result = summary([1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert (result.n, result.mean, result.median, result.p25, result.p75) == (9, 5, 5, 3, 7)
    assert result.low is not None and result.high is not None
    assert result.low <= 5 <= result.high


def test_median_interval_contains_median_and_narrows_with_n() -> None:
    small = summary(durations(20, 50, seed=1))
    large = summary(durations(20, 5000, seed=1))
    for result in (small, large):
        assert result.low is not None and result.high is not None and result.median is not None
        assert result.low <= result.median <= result.high
    assert small.low is not None and small.high is not None
    assert large.low is not None and large.high is not None
    assert large.high - large.low < (small.high - small.low) / 3
    assert large.low > 18 and large.high < 22


def test_summary_degenerate_inputs() -> None:
    assert summary([]) == Summary(0, None, None, None, None, None, None)
    one = summary([4.0])
    assert (one.n, one.mean, one.median, one.low, one.high) == (1, 4.0, 4.0, None, None)
    # Fewer than 6 values cannot give a 95% distribution-free interval for the median.
    assert summary([1, 2, 3, 4, 5]).low is None
    flat = summary([3.0] * 20)
    assert (flat.low, flat.median, flat.high, flat.p25, flat.p75) == (3.0,) * 5
    with pytest.raises(ValueError):
        summary([1.0, math.nan])


# -- nps ----------------------------------------------------------------------------------


def test_nps_counts_and_score() -> None:
    result = nps([10, 9, 9, 8, 7, 6, 0, 3, 10, 5, 9, 10])
    assert (result.n, result.promoters, result.passives, result.detractors) == (12, 6, 2, 4)
    assert result.score == pytest.approx(100 * (6 - 4) / 12)
    assert result.low is not None and result.high is not None and result.score is not None
    assert -100 <= result.low < result.score < result.high <= 100


def test_nps_degenerate_inputs() -> None:
    assert nps([]) == Nps(0, 0, 0, 0, None, None, None)
    one = nps([9])
    assert (one.score, one.low, one.high) == (100.0, None, None)
    promoters = nps([10, 9, 10])
    assert (promoters.low, promoters.score, promoters.high) == (100.0, 100.0, 100.0)
    passives = nps([7, 8])
    assert (passives.low, passives.score, passives.high) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        nps([11])


# -- compare_rates ------------------------------------------------------------------------


def test_compare_rates_finds_planted_difference() -> None:
    result = compare_rates("accepted_7d", "control", (200, 500), "treatment", (250, 500))
    assert (result.metric, result.baseline, result.variant) == (
        "accepted_7d",
        "control",
        "treatment",
    )
    assert result.test == "two-proportion z-test"
    assert result.difference == pytest.approx(0.10)
    assert result.low is not None and result.high is not None and result.p_value is not None
    assert result.low < 0.10 < result.high
    assert result.low > 0  # the planted effect is clear at this n
    assert result.p_value < 0.05
    assert result.significant


def test_compare_rates_p_value_is_the_pooled_z_test() -> None:
    result = compare_rates("m", "a", (200, 500), "b", (250, 500))
    pooled = 450 / 1000
    z = 0.10 / math.sqrt(pooled * (1 - pooled) * (1 / 500 + 1 / 500))
    assert result.p_value == pytest.approx(2 * sp.norm.sf(z), rel=1e-9)


def test_compare_rates_identical_samples() -> None:
    result = compare_rates("m", "a", (200, 500), "b", (200, 500))
    assert result.difference == 0.0
    assert result.p_value == pytest.approx(1.0)
    assert result.low is not None and result.high is not None
    assert result.low <= 0 <= result.high
    assert not result.significant


def test_compare_rates_degenerate_inputs() -> None:
    empty = compare_rates("m", "a", (0, 0), "b", (5, 10))
    assert (empty.difference, empty.low, empty.high, empty.p_value) == (None,) * 4
    assert not empty.significant
    # All successes on both sides: a zero column total, so no test, and a collapsed interval.
    everyone = compare_rates("m", "a", (500, 500), "b", (500, 500))
    assert (everyone.difference, everyone.low, everyone.high) == (0.0, 0.0, 0.0)
    assert everyone.p_value is None and not everyone.significant
    nobody = compare_rates("m", "a", (0, 40), "b", (0, 40))
    assert nobody.p_value is None and nobody.low == nobody.high == 0.0
    # One room per side: the test is defined, a bootstrap is not.
    single = compare_rates("m", "a", (1, 1), "b", (0, 1))
    assert single.difference == -1.0
    assert single.low is None and single.high is None and single.p_value is not None
    with pytest.raises(ValueError):
        compare_rates("m", "a", (6, 5), "b", (1, 5))


def test_compare_rates_large_n_interval_has_full_data_width() -> None:
    """Above BOOTSTRAP_CAP the bootstrap subsamples; its CI must still be as narrow as n says."""
    n = 100_000
    result = compare_rates("m", "a", (40_000, n), "b", (41_000, n))
    assert result.low is not None and result.high is not None
    se = math.sqrt(2 * 0.405 * 0.595 / n)
    expected_width = 2 * sp.norm.ppf(0.975) * se
    assert result.high - result.low == pytest.approx(expected_width, rel=0.15)
    assert result.low < 0.01 < result.high


# -- compare_durations --------------------------------------------------------------------


def test_compare_durations_recovers_planted_median_shift() -> None:
    baseline = durations(20, 1000, seed=11)
    variant = durations(14, 1000, seed=12)
    result = compare_durations("hours_to_accept", "control", baseline, "treatment", variant)
    assert result.test == "Mann-Whitney U"
    assert result.difference is not None and result.difference == pytest.approx(-6, abs=2.5)
    assert result.low is not None and result.high is not None and result.p_value is not None
    assert result.low < -6 < result.high
    assert result.low <= result.difference <= result.high
    assert result.high < 0
    assert result.p_value < 0.05 and result.significant


def test_compare_durations_subsampled_bootstrap_matches_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The m-out-of-n shortcut above BOOTSTRAP_CAP gives about the full bootstrap's interval."""
    baseline = durations(20, 3 * stats.BOOTSTRAP_CAP, seed=21)
    variant = durations(14, 3 * stats.BOOTSTRAP_CAP, seed=22)
    capped = compare_durations("m", "a", baseline, "b", variant)
    monkeypatch.setattr(stats, "BOOTSTRAP_CAP", 10**9)
    full = compare_durations("m", "a", baseline, "b", variant)
    assert capped.difference == full.difference and capped.p_value == full.p_value
    assert capped.low is not None and capped.high is not None
    assert full.low is not None and full.high is not None
    width = full.high - full.low
    assert capped.high - capped.low == pytest.approx(width, rel=0.2)
    assert capped.low == pytest.approx(full.low, abs=0.2 * width)
    assert capped.high == pytest.approx(full.high, abs=0.2 * width)


def test_compare_durations_degenerate_inputs() -> None:
    empty = compare_durations("m", "a", [], "b", [1.0, 2.0])
    assert (empty.difference, empty.low, empty.high, empty.p_value) == (None,) * 4
    assert not empty.significant
    single = compare_durations("m", "a", [1.0], "b", [2.0])
    assert single.difference == 1.0
    assert single.low is None and single.high is None
    flat = compare_durations("m", "a", [3.0] * 30, "b", [3.0] * 30)
    assert (flat.difference, flat.low, flat.high, flat.p_value) == (0.0, 0.0, 0.0, None)
    assert not flat.significant
    with pytest.raises(ValueError):
        compare_durations("m", "a", [1.0, math.inf], "b", [1.0, 2.0])


# -- compare_nps --------------------------------------------------------------------------


def test_compare_nps_finds_planted_difference() -> None:
    baseline = [10] * 30 + [8] * 30 + [3] * 40  # NPS -10
    variant = [9] * 50 + [7] * 30 + [0] * 20  # NPS +30
    result = compare_nps("nps", "control", baseline, "treatment", variant)
    assert result.test == "chi-square (promoter/passive/detractor)"
    assert result.difference == pytest.approx(40.0)
    assert result.low is not None and result.high is not None and result.p_value is not None
    assert result.low < 40 < result.high
    assert result.low > 0
    assert result.p_value < 0.05 and result.significant


def test_compare_nps_degenerate_inputs() -> None:
    empty = compare_nps("m", "a", [], "b", [9, 10])
    assert (empty.difference, empty.low, empty.high, empty.p_value) == (None,) * 4
    # Only promoters anywhere: one column is left, nothing to test.
    same = compare_nps("m", "a", [10, 9, 10], "b", [9, 9])
    assert (same.difference, same.low, same.high, same.p_value) == (0.0, 0.0, 0.0, None)
    # Unused classes are dropped, the rest is still tested.
    two_classes = compare_nps("m", "a", [10] * 20, "b", [10] * 10 + [8] * 10)
    assert two_classes.p_value is not None and two_classes.difference == -50.0
    single = compare_nps("m", "a", [10], "b", [0])
    assert single.difference == -200.0
    assert single.low is None and single.high is None


# -- report properties --------------------------------------------------------------------


def every_figure() -> list[Struct]:
    a = durations(20, 300, seed=31)
    b = durations(15, 300, seed=32)
    votes_a: Sequence[int] = [10, 9, 8, 7, 6, 5, 10, 2, 9, 9]
    votes_b: Sequence[int] = [10, 10, 8, 3, 6, 9, 10, 9, 9, 7]
    return [
        rate(40, 100),
        rate(0, 0),
        summary(a),
        summary([]),
        nps(votes_a),
        nps([]),
        compare_rates("m", "a", (40, 100), "b", (55, 100)),
        compare_rates("m", "a", (0, 0), "b", (1, 2)),
        compare_durations("m", "a", a, "b", b),
        compare_durations("m", "a", [3.0, 3.0], "b", [3.0, 3.0]),
        compare_nps("m", "a", votes_a, "b", votes_b),
        compare_nps("m", "a", [10], "b", [10]),
    ]


def test_same_data_gives_same_report() -> None:
    assert every_figure() == every_figure()


def test_every_figure_is_json_encodable_with_plain_floats() -> None:
    for figure in every_figure():
        assert_plain(figure)
