"""The outcome report: the figures of each variant and how each compares with the baseline.

Built from a ``Tally`` (server/reports/outcomes.py) in a worker thread: the intervals and tests
(server/reports/stats.py) take scipy, which is imported here and only here, on the first report
a node computes, so a node that never reports never loads it.
"""

from __future__ import annotations

from datetime import datetime

from server.reports import stats
from server.reports.model import Comparison, OutcomeReport, VariantReport
from server.reports.outcomes import Arm, Tally
from server.wire import Features


def _variant_report(arm: Arm, variant: str, features: Features) -> VariantReport:
    closed = arm.offers - arm.status["open"]
    agreed = arm.status["agreed"]
    return VariantReport(
        variant=variant, features=features, offers=arm.offers,
        status={s: arm.status[s] for s in
                ("open", "agreed", "withdrawn", "declined", "expired")},
        accepted_7d=stats.rate(arm.accepted_7d, arm.decided_7d),
        agreed=stats.rate(agreed, closed),
        agreed_after_counter=stats.rate(arm.after_counter, agreed),
        time_to_agreement_h=stats.summary(arm.agreement_h),
        time_to_start_d=stats.summary(arm.start_d),
        rounds=stats.summary(arm.rounds),
        proposals={r: stats.summary(v) for r, v in arm.proposals.items()},
        response_h={r: stats.summary(v) for r, v in arm.response_h.items()},
        reasons={k: dict(sorted(c.items())) for k, c in arm.reasons.items()},
        expired_turn=dict(sorted(arm.expired_turn.items())),
        nps={**{r: stats.nps(v) for r, v in arm.scores.items()},
             "all": stats.nps(arm.scores["client"] + arm.scores["freelancer"])},
    )


def build_report(tally: Tally, start: datetime, end: datetime, truncated: bool) -> OutcomeReport:
    """The figures and comparisons (CPU-bound: the caller runs it off the event loop)."""
    configured = tally.experiment.names()
    # Configured variants in their order (the first is the baseline), then any the data
    # holds that are no longer configured (offers from an earlier experiment).
    names = [n for n in configured if n in tally.arms]
    names += sorted(set(tally.arms) - set(names))
    variants = [_variant_report(tally.arms[n], n, tally.experiment.features(n)) for n in names]
    baseline = names[0] if names else None
    comparisons: list[Comparison] = []
    if baseline is not None:
        base = tally.arms[baseline]
        for name in names[1:]:
            comparisons += _compare(baseline, base, name, tally.arms[name])
    return OutcomeReport(start=start, end=end, generated_at=tally.now,
                  confidence=stats.CONFIDENCE, offers=tally.offers, truncated=truncated,
                  baseline=baseline, variants=variants, comparisons=comparisons)


def _compare(base_name: str, a: Arm, name: str, b: Arm) -> list[Comparison]:
    agreed_a, agreed_b = a.status["agreed"], b.status["agreed"]
    return [
        stats.compare_rates("accepted_7d", base_name, (a.accepted_7d, a.decided_7d),
                            name, (b.accepted_7d, b.decided_7d)),
        stats.compare_rates("agreed_after_counter", base_name, (a.after_counter, agreed_a),
                            name, (b.after_counter, agreed_b)),
        stats.compare_durations("time_to_agreement_h", base_name, a.agreement_h,
                                name, b.agreement_h),
        stats.compare_durations("time_to_start_d", base_name, a.start_d, name, b.start_d),
        stats.compare_durations("rounds", base_name, a.rounds, name, b.rounds),
        stats.compare_nps("nps", base_name, a.scores["client"] + a.scores["freelancer"],
                          name, b.scores["client"] + b.scores["freelancer"]),
    ]
