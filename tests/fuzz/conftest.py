"""Hypothesis profiles for the property-based tests here, chosen by ``HYPOTHESIS_PROFILE``.

"ci" (the default, what ``make test`` runs): a small fixed budget, derandomized so every run
tries the same examples and a failure is reproducible from the test name alone; the whole
directory runs in a few seconds. "fuzz" (``make fuzz``): a long random run, 50,000 examples per
test, keeping failures in Hypothesis' example database (``.hypothesis/``) for replay.

Loading a profile sets Hypothesis' default settings for the session, so ``@given`` tests
collected after this file (in ``tests/unit`` too) run with it as well.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    database=None,
    # Timing on a shared 2-core machine says nothing about the code: no deadline, and no
    # health check failing a test because generating its data was slow.
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    max_examples=50_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
