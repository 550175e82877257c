"""Statistics behind the outcome report: every figure per variant, with its uncertainty.

What each figure means for a product manager:

- ``Rate``: the share of rooms with an outcome (e.g. accepted within 7 days). ``low``..``high``
  is the range the true rate plausibly lies in (95% Wilson interval); it is wide when n is small.
- ``Summary``: a duration or count. The median is the typical room; ``low``..``high`` is the
  plausible range of that median (exact, no assumption about the shape of the data);
  ``p25``/``p75`` are the middle half of rooms.
- ``Nps``: net promoter score (-100..100) with a bootstrap range for it.
- ``Comparison``: a variant against the baseline. ``difference`` is variant minus baseline,
  ``low``..``high`` the plausible range of the true difference (a range containing 0 means
  "could be no effect"), ``p_value`` how surprising the gap would be if the variants were
  really the same; ``significant`` is p < 5%.

Every figure is ``None`` when the data cannot support it (no rooms, a single value, a test
that is undefined for the table); nothing here emits a warning on such input. All
distributions and tests come from scipy; this module only picks them and guards inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from server.reports.model import Comparison, Nps, Rate, Summary

CONFIDENCE = 0.95
#: Bootstrap resamples; fixed seed so the same data gives the same report.
RESAMPLES = 2000
SEED = 20261202

#: Largest sample per side that the bootstrap resamples in full. A bootstrap costs
#: RESAMPLES x n draws, so at n = 200,000 a full one takes tens of seconds; above this the
#: bootstrap runs on a seeded subsample of this size whose spread is rescaled to the full n
#: (m-out-of-n bootstrap, see ``_bootstrap_ci``). Point estimates and p-values always use
#: all the data.
BOOTSTRAP_CAP = 4_000
#: Bytes of resampled data the bootstrap may hold at once (``batch=``).
_BOOTSTRAP_BYTES = 64_000_000

_ALPHA = 1 - CONFIDENCE

Floats = NDArray[np.float64]
_Statistic = Callable[..., Any]
_Location = Callable[[Floats], Any]


def _float(value: Any) -> float | None:
    """A plain float for msgspec, or None for NaN (scipy's "undefined")."""
    out = float(value)
    return None if math.isnan(out) else out


def _values(values: Sequence[float]) -> Floats:
    """One conversion to numpy; non-finite values would make every scipy call warn."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(array)):
        raise ValueError("values must be finite")
    return array


def _significant(p_value: float | None) -> bool:
    return p_value is not None and p_value < _ALPHA


def _batch(n: int) -> int:
    """Resamples per batch so one batch of n-sized resamples stays near 64 MB."""
    return max(1, _BOOTSTRAP_BYTES // (8 * max(n, 1)))


def _mean_difference(a: Floats, b: Floats, axis: int = -1) -> Any:
    return np.mean(b, axis=axis) - np.mean(a, axis=axis)


def _median_difference(a: Floats, b: Floats, axis: int = -1) -> Any:
    return np.median(b, axis=axis) - np.median(a, axis=axis)


def _mean(a: Floats, axis: int = -1) -> Any:
    return np.mean(a, axis=axis)


def _bootstrap_ci(
    samples: tuple[Floats, ...], location: _Location, statistic: _Statistic
) -> tuple[float | None, float | None]:
    """Percentile bootstrap CI of ``statistic`` over independent samples, at bounded cost.

    ``statistic`` must be built from ``location`` (np.mean or np.median) of each sample: the
    location itself, or variant minus baseline. A sample larger than BOOTSTRAP_CAP is replaced
    by a seeded subsample of m = BOOTSTRAP_CAP values, moved so its location equals the full
    sample's and shrunk towards it by sqrt(m / n): its resampled location then varies around
    the full-data estimate as much as a full resample's would (m-out-of-n bootstrap, Bickel,
    Goetze & van Zwet 1997). So the interval keeps the width the full data warrants while
    costing RESAMPLES x m draws. A new seeded Generator per call makes the same data give the
    same interval.
    """
    if any(sample.size < 2 for sample in samples):
        return None, None
    rng = np.random.default_rng(SEED)
    prepared: list[Floats] = []
    for sample in samples:
        if sample.size > BOOTSTRAP_CAP:
            centre = float(location(sample))
            sub = rng.choice(sample, size=BOOTSTRAP_CAP, replace=False)
            shrink = math.sqrt(BOOTSTRAP_CAP / sample.size)
            sample = centre + shrink * (sub - float(location(sub)))
        prepared.append(sample)
    result = stats.bootstrap(
        tuple(prepared),
        statistic,
        n_resamples=RESAMPLES,
        batch=_batch(max(sample.size for sample in prepared)),
        vectorized=True,
        confidence_level=CONFIDENCE,
        method="percentile",
        rng=rng,
    )
    return _float(result.confidence_interval.low), _float(result.confidence_interval.high)


def _check_pair(count: int, n: int) -> None:
    if n < 0 or not 0 <= count <= n:
        raise ValueError(f"need 0 <= count <= n, got {count}/{n}")


def rate(count: int, n: int) -> Rate:
    """Share with its Wilson interval: unlike the normal approximation it stays inside [0, 1]
    and keeps its coverage near 0% and 100%, where conversion rates often live."""
    _check_pair(count, n)
    if n == 0:
        return Rate(count=count, n=n, rate=None, low=None, high=None)
    ci = stats.binomtest(count, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return Rate(count=count, n=n, rate=count / n, low=_float(ci.low), high=_float(ci.high))


def summary(values: Sequence[float]) -> Summary:
    """Durations are skewed (a few rooms take weeks), so the median and quartiles describe the
    typical room better than the mean; its CI is the exact order-statistic interval, which
    assumes no distribution shape. It needs about 6 values at 95%; fewer give None."""
    x = _values(values)
    n = int(x.size)
    if n == 0:
        return Summary(n=0, mean=None, median=None, low=None, high=None, p25=None, p75=None)
    median = float(np.median(x))
    p25, p75 = np.percentile(x, [25.0, 75.0])
    ci = stats.quantile_test(x, q=median, p=0.5).confidence_interval(CONFIDENCE)
    return Summary(
        n=n,
        mean=float(np.mean(x)),
        median=median,
        low=_float(ci.low),
        high=_float(ci.high),
        p25=float(p25),
        p75=float(p75),
    )


def _nps_classes(scores: Sequence[int]) -> NDArray[np.int64]:
    """Counts of (promoters 9-10, passives 7-8, detractors 0-6)."""
    x = np.asarray(scores, dtype=np.int64).reshape(-1)
    if np.any((x < 0) | (x > 10)):
        raise ValueError("NPS answers must be integers 0..10")
    promoters = int(np.count_nonzero(x >= 9))
    detractors = int(np.count_nonzero(x <= 6))
    return np.array([promoters, x.size - promoters - detractors, detractors], dtype=np.int64)


def _nps_points(scores: Sequence[int]) -> Floats:
    """Each answer as +100 (promoter), 0 (passive), -100 (detractor): NPS is their mean,
    so the bootstrap can resample answers and take a plain (vectorized) mean."""
    x = np.asarray(scores, dtype=np.int64).reshape(-1)
    return np.where(x >= 9, 100.0, np.where(x <= 6, -100.0, 0.0))


def _nps_score(classes: NDArray[np.int64]) -> float | None:
    """NPS from (promoters, passives, detractors) counts; None with no answers."""
    n = int(classes.sum())
    if n == 0:
        return None
    return 100.0 * (int(classes[0]) - int(classes[2])) / n


def nps(scores: Sequence[int]) -> Nps:
    """NPS with a bootstrap CI (no closed form that scipy offers for a difference of shares).
    One answer gives no CI; answers all in one class give a collapsed interval at the score,
    since every resample then has the same score."""
    classes = _nps_classes(scores)
    promoters, passives, detractors = (int(c) for c in classes)
    n = promoters + passives + detractors
    score = _nps_score(classes)
    if score is None:
        return Nps(n=0, promoters=0, passives=0, detractors=0, score=None, low=None, high=None)
    low: float | None
    high: float | None
    if n < 2:
        low = high = None
    elif np.count_nonzero(classes) == 1:
        low = high = score
    else:
        low, high = _bootstrap_ci((_nps_points(scores),), np.mean, _mean)
    return Nps(
        n=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        score=score,
        low=low,
        high=high,
    )


def _chi2_p(table: NDArray[np.int64]) -> float | None:
    """p of the chi-square test of independence, None when the test is undefined.

    All-zero columns (a class nobody answered) carry no information and would make scipy
    divide by a zero expected count, so they are dropped; fewer than 2 columns, or a row with
    no observations, leave nothing to test.
    """
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or np.any(table.sum(axis=1) == 0):
        return None
    return _float(stats.chi2_contingency(table, correction=False).pvalue)


def _comparison(metric: str, baseline: str, variant: str, difference: float | None,
                interval: tuple[float | None, float | None], p_value: float | None, test: str,
                ) -> Comparison:
    return Comparison(metric=metric, baseline=baseline, variant=variant, difference=difference,
                      low=interval[0], high=interval[1], p_value=p_value, test=test,
                      significant=_significant(p_value))


def compare_rates(
    metric: str, baseline: str, a: tuple[int, int], variant: str, b: tuple[int, int]
) -> Comparison:
    """Difference of two rates (proportions, variant minus baseline).

    The p-value is the pooled two-proportion z-test: chi-square on the 2x2 table without
    continuity correction is exactly that test (chi2 = z**2, same p). Newcombe's interval for
    the difference is not in scipy, so the CI bootstraps the two 0/1 samples instead.
    """
    (ca, na), (cb, nb) = a, b
    _check_pair(ca, na)
    _check_pair(cb, nb)
    test = "two-proportion z-test"
    if na == 0 or nb == 0:
        return _comparison(metric, baseline, variant, None, (None, None), None, test)
    rate_a, rate_b = ca / na, cb / nb
    p_value = _chi2_p(np.array([[ca, na - ca], [cb, nb - cb]], dtype=np.int64))
    sample_a = np.zeros(na, dtype=np.float64)
    sample_a[:ca] = 1.0
    sample_b = np.zeros(nb, dtype=np.float64)
    sample_b[:cb] = 1.0
    low, high = _bootstrap_ci((sample_a, sample_b), np.mean, _mean_difference)
    return _comparison(metric, baseline, variant, rate_b - rate_a, (low, high), p_value,
                       test)


def compare_durations(
    metric: str, baseline: str, a: Sequence[float], variant: str, b: Sequence[float]
) -> Comparison:
    """Difference of medians with a bootstrap CI, tested by Mann-Whitney U.

    Durations are skewed with long tails, so a t-test on means would be driven by a few slow
    rooms; Mann-Whitney compares the whole distributions by rank and assumes no shape.
    It is undefined when every value on both sides is equal (no ranks to compare): p is None.
    """
    test = "Mann-Whitney U"
    xa, xb = _values(a), _values(b)
    if xa.size == 0 or xb.size == 0:
        return _comparison(metric, baseline, variant, None, (None, None), None, test)
    median_a, median_b = float(np.median(xa)), float(np.median(xb))
    pooled_min = min(float(xa.min()), float(xb.min()))
    pooled_max = max(float(xa.max()), float(xb.max()))
    p_value: float | None = None
    if pooled_min != pooled_max:
        p_value = _float(stats.mannwhitneyu(xb, xa, alternative="two-sided").pvalue)
    low, high = _bootstrap_ci((xa, xb), np.median, _median_difference)
    return _comparison(metric, baseline, variant, median_b - median_a, (low, high), p_value,
                       test)


def compare_nps(
    metric: str, baseline: str, a: Sequence[int], variant: str, b: Sequence[int]
) -> Comparison:
    """Difference of NPS in points, with a bootstrap CI and a chi-square test on how answers
    split into promoters, passives and detractors (the only thing NPS looks at)."""
    test = "chi-square (promoter/passive/detractor)"
    classes_a, classes_b = _nps_classes(a), _nps_classes(b)
    score_a, score_b = _nps_score(classes_a), _nps_score(classes_b)
    if score_a is None or score_b is None:
        return _comparison(metric, baseline, variant, None, (None, None), None, test)
    p_value = _chi2_p(np.stack([classes_a, classes_b]))
    low, high = _bootstrap_ci((_nps_points(a), _nps_points(b)), np.mean, _mean_difference)
    return _comparison(metric, baseline, variant, score_b - score_a, (low, high), p_value,
                       test)
