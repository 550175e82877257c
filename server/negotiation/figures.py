"""The derived negotiation figures of DOMAIN.md, as Prometheus lines, from the event log."""

from __future__ import annotations

from statistics import mean, median

from server.store.base import MetricsSummary

_OUTCOMES = ("proposal_accepted", "proposal_rejected", "proposal_withdrawn")


def figure_lines(summary: MetricsSummary) -> list[str]:
    lines = ["# TYPE offer_room_offers gauge"]
    for status, count in sorted(summary.offers_by_status.items()):
        lines.append(f'offer_room_offers{{status="{status}"}} {count}')
    lines.append("# TYPE offer_room_events_total counter")
    for kind, count in sorted(summary.events_by_kind.items()):
        lines.append(f'offer_room_events_total{{kind="{kind}"}} {count}')
    opened = sum(summary.offers_by_status.values())
    agreed = summary.offers_by_status.get("agreed", 0)
    lines += [
        "# HELP offer_room_acceptance_rate Offers agreed / offers opened.",
        "# TYPE offer_room_acceptance_rate gauge",
        f"offer_room_acceptance_rate {agreed / opened if opened else 0:.4f}",
    ]
    rounds = summary.proposals_per_offer
    lines += [
        "# HELP offer_room_rounds_per_offer Proposals per negotiated offer.",
        "# TYPE offer_room_rounds_per_offer gauge",
        f"offer_room_rounds_per_offer {mean(rounds) if rounds else 0:.3f}",
    ]
    seconds = summary.agreement_seconds
    lines += [
        "# HELP offer_room_time_to_agreement_seconds From creation to the freelancer's accept.",
        "# TYPE offer_room_time_to_agreement_seconds summary",
        f'offer_room_time_to_agreement_seconds{{quantile="0.5"}} '
        f"{median(seconds) if seconds else 0:.1f}",
        f"offer_room_time_to_agreement_seconds_sum {sum(seconds):.1f}",
        f"offer_room_time_to_agreement_seconds_count {len(seconds)}",
    ]
    answered = sum(summary.events_by_kind.get(k, 0) for k in _OUTCOMES)
    lines.append("# TYPE offer_room_counter_outcome_ratio gauge")
    for kind in _OUTCOMES:
        share = summary.events_by_kind.get(kind, 0) / answered if answered else 0
        lines.append(f'offer_room_counter_outcome_ratio{{outcome="{kind[9:]}"}} {share:.4f}')
    lines += [
        "# TYPE offer_room_webhooks_pending gauge",
        f"offer_room_webhooks_pending {summary.webhooks_pending}",
        "# TYPE offer_room_webhooks_dead gauge",
        f"offer_room_webhooks_dead {summary.webhooks_dead}",
    ]
    return lines
