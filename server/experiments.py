"""Experiments: each offer gets a variant at creation, and a variant switches features.

``OFFER_ROOM_VARIANTS`` names the variants, their share of new offers and what each turns off::

    {"control": {"weight": 50, "off": ["explanations", "middle_ground"]},
     "assist":  {"weight": 50}}

The first variant is the baseline the report compares the others with. An integrator may name
the variant when it creates the offer (its own experiment platform decides); otherwise the offer
id is hashed with ``OFFER_ROOM_EXPERIMENT``, so an offer's variant is stable and the split
matches the weights. The variant is stored with the offer (and in its ``created`` event): a
change of the configuration never moves a running offer to another arm. Without the variable
every offer is in the one variant ``default`` with everything on.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

import msgspec

from server.wire import Features

FeatureName = Literal["explanations", "offer_check", "middle_ground", "reminders"]
FEATURES: tuple[FeatureName, ...] = ("explanations", "offer_check", "middle_ground", "reminders")
DEFAULT_VARIANT = "default"
#: Variant names are short identifiers: they are Prometheus label values and report keys.
VARIANT_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
#: More arms than this is not an experiment a report can show (nor a label set to keep small).
VARIANTS_MAX = 6
ALL_ON = Features()


class Variant(msgspec.Struct, frozen=True):
    name: str
    weight: int
    features: Features = ALL_ON


class _VariantSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    weight: int = 1
    off: list[str] = []


class Experiment(msgspec.Struct, frozen=True):
    """The configured variants, in order (the first is the baseline)."""

    name: str = "offers"
    variants: tuple[Variant, ...] = (Variant(DEFAULT_VARIANT, 1),)

    @property
    def baseline(self) -> str:
        return self.variants[0].name

    def names(self) -> list[str]:
        return [v.name for v in self.variants]

    def features(self, variant: str) -> Features:
        """What ``variant`` switches on; a variant no longer configured keeps everything on
        (an offer created under an older configuration still works)."""
        for v in self.variants:
            if v.name == variant:
                return v.features
        return ALL_ON

    def assign(self, offer_id: str) -> str:
        """The variant of a new offer: its id hashed into the weights, stable across nodes."""
        total = sum(v.weight for v in self.variants)
        digest = hashlib.sha256(f"{self.name}:{offer_id}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") % total
        for v in self.variants:
            if point < v.weight:
                return v.name
            point -= v.weight
        return self.variants[-1].name  # unreachable: the weights add up to ``total``

    def choose(self, asked: str | None, offer_id: str) -> str:
        """The integrator's choice when it names a configured variant, else ``assign``.

        Raises ValueError for a name that is not configured (a typo must not create an arm the
        report has never heard of)."""
        if asked is None:
            return self.assign(offer_id)
        if asked not in self.names():
            raise ValueError(f"variant must be one of {', '.join(self.names())}")
        return asked


def parse_variants(raw: str, name: str = "offers") -> Experiment:
    """``OFFER_ROOM_VARIANTS`` (JSON) as an Experiment; ValueError says what is wrong."""
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"is not JSON: {exc}") from None
    if not isinstance(parsed, dict) or not parsed:
        raise ValueError('must be a JSON object like {"control": {"weight": 50}, ...}')
    if len(parsed) > VARIANTS_MAX:
        raise ValueError(f"at most {VARIANTS_MAX} variants")
    variants = []
    for key, body in parsed.items():
        if not isinstance(key, str) or not VARIANT_NAME.fullmatch(key):
            raise ValueError(f"{key!r} is not a variant name (a-z, 0-9, _ or -, 1 to 32)")
        try:
            spec = msgspec.convert(body, _VariantSpec)
        except msgspec.ValidationError as exc:
            raise ValueError(f"{key}: {exc}") from None
        if not 1 <= spec.weight <= 10_000:
            raise ValueError(f"{key}: weight must be 1 to 10000")
        unknown = sorted(set(spec.off) - set(FEATURES))
        if unknown:
            raise ValueError(f"{key}: unknown features {unknown} (choose from "
                             f"{', '.join(FEATURES)})")
        features = Features(**{f: f not in spec.off for f in FEATURES})
        variants.append(Variant(key, spec.weight, features))
    return Experiment(name=name, variants=tuple(variants))
