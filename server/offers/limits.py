"""Configurable bounds on offer terms.

Two layers: *shape* limits (what the guard enforces on every live edit: types, lengths, ranges) and
*policy* (what must hold when a draft is proposed: platform minimums, sums, date order). Both are
policy a marketplace sets, so they live in one struct read from config, not in constants.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec


class Limits(msgspec.Struct, frozen=True):
    title_max: int = 200
    description_max: int = 20_000
    milestones_max: int = 50
    milestone_title_max: int = 200
    #: Upper bound for any money field, in minor units (10 million in major units).
    money_max: int = 1_000_000_000
    weekly_limit_min: int = 1
    weekly_limit_max: int = 168
    #: Platform minimums, applied when a draft is proposed (reference: $3/h, $5 fixed).
    hourly_rate_min: int = 300
    fixed_price_min: int = 500
    milestone_min: int = 500
    #: Change requests per party per rolling hour (reference: 3), so a party cannot flood the
    #: other with proposals; checked by ``lifecycle.check_rate_limit``.
    proposals_per_hour: int = 3
    #: An offer nobody acts on expires after this many days (reference: 30).
    offer_ttl_days: int = 30
    #: The same lifetime in minutes; when set it wins over ``offer_ttl_days``. For tests and
    #: demos of expiry (e.g. 1), and for a marketplace whose offers live hours, not days.
    offer_ttl_minutes: int | None = None
    #: The latest expiry an integrator may set on a new offer, in days from its creation. An offer
    #: is an invitation to start work soon; a year covers any real hiring cycle (a contract agreed
    #: months before a season or a school year) while no offer's room, rows and links stay live
    #: for ever (an expiry in 9999 made its links valid until 9999).
    offer_max_days: int = 365
    #: Risk-flag thresholds (``explain.flags``), in minor units of the offer's currency: a rate
    #: or price this high on a task described in fewer than ``vague_task_words`` words is a lure
    #: often used to make a fake job look attractive.
    hourly_rate_high: int = 15_000
    fixed_price_high: int = 1_000_000
    vague_task_words: int = 20
    #: A first milestone worth more than this share of the fixed price, due on a start date of
    #: today, means most of the money moves before any work can be reviewed.
    upfront_share_pct: int = 50

    def offer_lifetime(self) -> timedelta:
        """How long a new offer stays open when its creator gives no ``expires_at``."""
        if self.offer_ttl_minutes is not None:
            return timedelta(minutes=self.offer_ttl_minutes)
        return timedelta(days=self.offer_ttl_days)
