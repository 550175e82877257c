"""What the outcome report is made of: the figures (with their intervals) and the report.

Plain msgspec Structs, free of the statistics library, so the API document (server/http/
openapi.py) can describe them without loading it; server/reports/stats.py fills them in and
explains what each figure means.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from server.wire import Features


class Rate(msgspec.Struct, frozen=True):
    """count of n rooms; rate = count / n with its Wilson interval (None when n == 0)."""

    count: int
    n: int
    rate: float | None
    low: float | None
    high: float | None


class Summary(msgspec.Struct, frozen=True):
    """A duration or count distribution."""

    n: int
    mean: float | None
    median: float | None
    low: float | None
    high: float | None
    p25: float | None
    p75: float | None


class Nps(msgspec.Struct, frozen=True):
    """Promoters 9-10, passives 7-8, detractors 0-6; score in [-100, 100] with bootstrap CI."""

    n: int
    promoters: int
    passives: int
    detractors: int
    score: float | None
    low: float | None
    high: float | None


class Comparison(msgspec.Struct, frozen=True):
    """Variant minus baseline for one metric, the CI of that difference and the test's p."""

    metric: str
    baseline: str
    variant: str
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    test: str
    significant: bool


class VariantReport(msgspec.Struct, frozen=True):
    variant: str
    features: Features
    offers: int
    status: dict[str, int]
    #: Agreed within ``ACCEPT_WINDOW`` of creation, of the offers whose week is over or that
    #: closed (an open offer younger than a week is still undecided and not counted).
    accepted_7d: Rate
    #: Agreed, of the closed offers.
    agreed: Rate
    #: Of the agreed offers, those agreed after at least one counter-offer (proposal).
    agreed_after_counter: Rate
    time_to_agreement_h: Summary
    #: From creation to the agreed start date, in days (the seed's "contract start time").
    time_to_start_d: Summary
    #: Proposals per closed offer.
    rounds: Summary
    proposals: dict[str, Summary]
    response_h: dict[str, Summary]
    reasons: dict[str, dict[str, int]]
    expired_turn: dict[str, int]
    nps: dict[str, Nps]


class OutcomeReport(msgspec.Struct, frozen=True):
    """``GET /api/reports/outcomes``: offers created in ``[from, to)``, by variant."""

    start: datetime = msgspec.field(name="from")
    end: datetime = msgspec.field(name="to")
    generated_at: datetime
    confidence: float
    offers: int
    #: More offers were created in the range than the report reads (``report_offers_max``):
    #: the figures cover the oldest ones.
    truncated: bool
    baseline: str | None
    variants: list[VariantReport]
    comparisons: list[Comparison]
