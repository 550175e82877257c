"""The node's metrics, as Prometheus instruments updated where things happen.

One ``Metrics`` per node (``create_app``), each with a registry of its own, so several nodes (or
test apps) in one process never share a counter. Everything is counted by the node that saw it:
in a cluster, sum over nodes (``sum(rate(offer_room_room_events_total[5m]))``); nothing here is
recomputed from the store at scrape time. The outcome figures of docs/RULES.md ("Metrics") are
derived in PromQL from these, e.g. the acceptance rate as
``sum(offer_room_offers_closed_total{status="agreed"}) / sum(offer_room_offers_created_total)``.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily

#: Time to agreement spans minutes to the 30-day expiry (and beyond for long-lived offers).
_AGREEMENT_BUCKETS = (60, 600, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400,
                      30 * 86400, 90 * 86400)
#: Waiting for a reply: a live chat answers in seconds, an absent party in hours or days.
_RESPONSE_BUCKETS = (10, 60, 300, 1800, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400)
#: From a draft change to the advice it causes: the debounce (0.2 s) plus the work.
_ADVICE_BUCKETS = (0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 2.0)
#: Negotiation rounds (proposals) per offer: most agree within a few.
_ROUND_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.connections = Gauge("offer_room_connections", "Open room sockets.", registry=r)
        self.rooms = Gauge("offer_room_rooms", "Rooms loaded on this node.", registry=r)
        self._events = _RoomEvents()
        r.register(self._events)
        self._rejections = Counter("offer_room_rejected_edits", "Edits the guard undid.",
                                   ["code"], registry=r)
        self._closes = Counter("offer_room_closes", "Sockets closed by the server, by code.",
                               ["code"], registry=r)
        self._limits = Counter("offer_room_limit_hits",
                               "Refusals because a bound of the resource budget was reached "
                               "(README, Limits).", ["limit"], registry=r)
        self._negotiation = Counter("offer_room_negotiation_events",
                                    "Audit events committed by this node.", ["kind"],
                                    registry=r)
        # Outcomes carry the offer's experiment variant (server/experiments.py): at most
        # VARIANTS_MAX values, so the label keeps series few.
        self._created = Counter("offer_room_offers_created", "Offers created, by variant.",
                                ["variant"], registry=r)
        self._closed = Counter("offer_room_offers_closed", "Offers that left 'open'.",
                               ["status", "variant"], registry=r)
        self._close_reasons = Counter(
            "offer_room_close_reasons", "Withdrawn, declined and rejected, by reason category "
            "(server/offers/reasons.py; 'unspecified' when none was given).",
            ["outcome", "reason", "variant"], registry=r)
        self._agreement = Histogram("offer_room_time_to_agreement_seconds",
                                    "From an offer's creation to its agreement.", ["variant"],
                                    buckets=_AGREEMENT_BUCKETS, registry=r)
        self._rounds = Histogram("offer_room_rounds_per_offer",
                                 "Proposals made in an offer, observed when it closes.",
                                 ["status", "variant"], buckets=_ROUND_BUCKETS, registry=r)
        self._ratings = Counter(
            "offer_room_ratings", "Answers to the closing question, by NPS category "
            "(promoter 9-10, passive 7-8, detractor 0-6).", ["role", "category", "variant"],
            registry=r)
        self._webhooks = Counter("offer_room_webhook_deliveries", "Webhook delivery attempts.",
                                 ["outcome"], registry=r)
        self._thread = Counter("offer_room_thread_entries",
                               "Messages, questions, answers posted, and questions resolved.",
                               ["kind", "role"], registry=r)
        self._response = Histogram("offer_room_response_seconds",
                                   "How long a party waited for the other's reply in the thread.",
                                   ["role", "first"], buckets=_RESPONSE_BUCKETS, registry=r)
        self._notifications = Counter("offer_room_notifications",
                                      "Digests for a party who is away, by channel and outcome.",
                                      ["channel", "outcome"], registry=r)
        self._reminders = Counter("offer_room_reminders", "Reminders that came due, by outcome.",
                                  ["kind", "outcome"], registry=r)
        self._advice = Histogram("offer_room_advice_delay_seconds",
                                 "From a draft change to the offer check and draft flags it "
                                 "causes, as sent.", buckets=_ADVICE_BUCKETS, registry=r)
        self._assistant = Counter("offer_room_assistant_requests",
                                  "Suggestions and reports asked for, by outcome.",
                                  ["kind", "outcome"], registry=r)
        self._risk = Counter("offer_room_risk_flags",
                             "Risk flags raised, by signal and where they were found "
                             "(creation, draft, proposal, message).", ["code", "source"],
                             registry=r)
        self._cluster_held = Gauge("offer_room_cluster_held_updates",
                                   "Other nodes' updates applied here and held until their "
                                   "producer says they are stored.", registry=r)
        self._cluster_self_persisted = Counter(
            "offer_room_cluster_self_persisted",
            "Other nodes' updates this node stored itself, by why: timeout (no durable mark in "
            "OFFER_ROOM_CLUSTER_HOLD_MS), cap (OFFER_ROOM_CLUSTER_HOLD_UPDATES), close.",
            ["reason"], registry=r)

    # --- the room and the socket -------------------------------------------------------------

    def count(self, kind: str) -> None:
        """One room event: "updates", "bad_frames", "forged_awareness", …
        (``offer_room_room_events_total{kind=...}``)."""
        counts = self._events.counts
        counts[kind] = counts.get(kind, 0) + 1

    def rejected(self, code: str) -> None:
        self._rejections.labels(code).inc()

    def closed_socket(self, code: int) -> None:
        self._closes.labels(str(code)).inc()

    def limit_hit(self, limit: str) -> None:
        """Count one refusal (or drop) because ``limit`` was reached."""
        self._limits.labels(limit).inc()

    # --- the negotiation -----------------------------------------------------------------------

    def offer_created(self, variant: str) -> None:
        self._created.labels(variant).inc()

    def negotiation_event(self, kind: str) -> None:
        self._negotiation.labels(kind).inc()

    def close_reason(self, outcome: str, reason_code: str | None, variant: str) -> None:
        """An offer ``withdrawn`` or ``declined``, or a proposal ``rejected``, and its reason
        category (``unspecified`` when none was given)."""
        self._close_reasons.labels(outcome, reason_code or "unspecified", variant).inc()

    def offer_closed(self, status: str, rounds: int, seconds_open: float, variant: str) -> None:
        """An offer left "open": how, after how many proposals, and (agreed) how long it took."""
        self._closed.labels(status, variant).inc()
        self._rounds.labels(status, variant).observe(rounds)
        if status == "agreed":
            self._agreement.labels(variant).observe(seconds_open)

    def rated(self, role: str, score: int, variant: str) -> None:
        """A party answered the closing question (0-10)."""
        category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        self._ratings.labels(role, category, variant).inc()

    def thread_message(self, kind: str, role: str) -> None:
        """A thread entry posted ("message", "question", "answer") or a question "resolved"."""
        self._thread.labels(kind, role).inc()

    def response(self, role: str, seconds: float, *, first: bool) -> None:
        """``role`` answered after the other party waited ``seconds`` (``first``: the first
        time in that offer, the seed's "time to first response")."""
        self._response.labels(role, "true" if first else "false").observe(seconds)

    def webhook(self, outcome: str) -> None:
        """A delivery attempt's outcome: "delivered", "failed" (retried) or "dead"."""
        self._webhooks.labels(outcome).inc()

    # --- notifications for the party who is away ------------------------------------------------

    def notification(self, channel: str, outcome: str) -> None:
        """A digest on ``channel`` ("webhook": the ``notification`` event was recorded into the
        outbox; "email": sent by this node) ended ``outcome``: "sent", "failed" (retried),
        "dead" (given up) or "skipped" (the party came back first)."""
        self._notifications.labels(channel, outcome).inc()

    def reminder(self, kind: str, outcome: str) -> None:
        """A reminder (``expires_72h``, ``expires_24h``, ``waiting``) came due: "fired" (queued
        and shown), "stale" (nothing left to remind of) or "failed" (could not be queued)."""
        self._reminders.labels(kind, outcome).inc()

    # --- the assistant -------------------------------------------------------------------------

    def advice(self, seconds: float) -> None:
        """Advice went out ``seconds`` after the first draft change it answers."""
        self._advice.observe(seconds)

    def assistant(self, kind: str, outcome: str) -> None:
        """A ``suggestion`` or ``report`` request ended ``outcome`` ("ok", "empty",
        "rate_limited", "refused")."""
        self._assistant.labels(kind, outcome).inc()

    def risk_flag(self, code: str, source: str) -> None:
        self._risk.labels(code, source).inc()

    # --- the cluster -------------------------------------------------------------------------

    def cluster_held(self, delta: int) -> None:
        """Updates held for their producer's durable mark changed by ``delta``."""
        self._cluster_held.inc(delta)

    def cluster_self_persisted(self, reason: str, updates: int) -> None:
        """``updates`` held updates were stored by this node ("timeout", "cap", "close")."""
        self._cluster_self_persisted.labels(reason).inc(updates)

    # --- reading them ----------------------------------------------------------------------------

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def limit_hits(self, limit: str) -> float:
        return self.value("offer_room_limit_hits_total", limit=limit)

    def value(self, name: str, **labels: str) -> float:
        """One sample's current value (0 when it was never set): for tests and the health page."""
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found


class _RoomEvents:
    """``offer_room_room_events_total`` as plain integers, read when scraped.

    Every edit counts one, and a ``Counter`` takes a lock per increment: ~2 µs of an edit's
    path on the server in bench scenario (b), issue 17. Only the event loop's thread counts.
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily("offer_room_room_events", "Room events on this node.",
                                     labels=["kind"])
        for kind, n in list(self.counts.items()):
            family.add_metric([kind], n)
        yield family
