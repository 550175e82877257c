"""The offer check's cost per draft change: ``check_offer`` + ``check_items``, µs, median and p99.

Both CPU time (the thread's: what the code costs, unaffected by other processes on the machine)
and wall-clock time (what the room waits, preemption included) are printed.

The room runs the check on every (debounced) draft change, once for the draft and once per reader
for the wording, so both are timed together, for each language, with every text read anew; the
check alone is also timed on texts it has read before (a figure changed, no text did):

- typical: a fixed-price offer with a 2,000-character scope and 6 milestones, complete;
- typical draft: "Build my website", $2,000, nothing else yet (every rule has something to say);
- maximal: a 20,000-character description (``Limits.description_max``) and 50 milestones
  (``milestones_max``) with 200-character titles, complete;
- maximal worst: the same size, written so that nothing matches (each vocabulary is read to the
  end) and with every date and figure out of line (every finding, every figure formatted).

Runs in-process, nothing else: ``.venv/bin/python bench/offer_check.py [--rounds 2000]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.advice import check as check_module
from server.advice.check import Finding, check_items, check_offer
from server.i18n import LANGS, Lang
from server.offers.limits import Limits
from server.offers.terms import Milestone, Terms
from server.wire import CheckItem

TODAY = date(2026, 11, 20)
LIMITS = Limits()
SCOPE = (
    "Redesign the checkout of our storefront: one-page flow, address autocomplete, saved cards, "
    "WCAG 2.2 AA fixes and analytics events, built on our React codebase. "
)
CLOSING = (
    "Done when all end-to-end tests pass on staging and we approve the final review. "
    "Weekly call on Mondays, a short status update every Friday."
)


def _typical() -> Terms:
    body = (SCOPE * 14)[: 2000 - len(CLOSING)] + CLOSING
    return Terms(
        title="Checkout redesign", contract_type="fixed", currency="USD", fixed_price=600_000,
        start_date=date(2026, 12, 7), end_date=date(2027, 2, 26), description=body,
        milestones=tuple(Milestone(f"m{i}", f"Milestone {i}", 100_000, date(2026, 12, 10 + i))
                         for i in range(6)),
    )  # fmt: skip


def _draft() -> Terms:
    return Terms(title="Build my website", contract_type="fixed", currency="USD",
                 fixed_price=200_000)  # fmt: skip


def _maximal() -> Terms:
    body = (SCOPE * 200)[: LIMITS.description_max - len(CLOSING)] + CLOSING
    return Terms(
        title="Checkout redesign " + "x" * (LIMITS.title_max - 18), contract_type="fixed",
        currency="EUR", fixed_price=LIMITS.milestones_max * 100_000,
        start_date=date(2026, 12, 7), end_date=date(2027, 6, 30), description=body,
        milestones=tuple(
            Milestone(f"m{i}", f"Milestone {i} " + "y" * (LIMITS.milestone_title_max - 14),
                      100_000, date(2027, 1, 1 + i % 28))
            for i in range(LIMITS.milestones_max)
        ),
    )  # fmt: skip


def _worst() -> Terms:
    # Made-up words of syllables no vocabulary starts with or contains: every pattern reads the
    # whole scope, and the list search visits every line.
    rng = random.Random(7)
    syllables = ["ka", "lo", "mi", "ne", "tu", "ra", "si", "po", "ve", "zu", "ba", "qe"]
    words: list[str] = []
    size = 0
    while size < LIMITS.description_max:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))
        words.append(word + ("\n" if rng.random() < 0.05 else " "))
        size += len(words[-1])
    body = "".join(words)[: LIMITS.description_max]
    title = ("kalo " * 100)[: LIMITS.milestone_title_max]
    return Terms(
        title=("mine " * 100)[: LIMITS.title_max], contract_type="fixed", currency="EUR",
        fixed_price=LIMITS.money_max, start_date=date(2026, 11, 1), end_date=date(2026, 11, 10),
        description=body,
        milestones=tuple(
            Milestone(f"m{i}", title, 1_000, date(2026, 10 if i % 2 else 12, 1 + i % 28))
            for i in range(LIMITS.milestones_max)
        ),
    )  # fmt: skip


def _fresh(terms: Terms) -> list[Finding]:
    """The check of a draft whose every text is new (each text's reading is remembered)."""
    check_module._text_mentions.cache_clear()
    return check_offer(terms, LIMITS, TODAY)


def _both(terms: Terms, lang: Lang) -> list[CheckItem]:
    """What the room does for one reader: the check, then its wording."""
    return check_items(_fresh(terms), lang, terms.currency)


def _time(fn: Callable[[], object], rounds: int) -> tuple[float, float, float, float]:
    """Median and p99 in µs of the thread's CPU time (what the code costs, whatever else runs on
    the machine), then of the wall clock (what a caller waits, preemption included)."""
    for _ in range(min(200, rounds)):  # warm: Babel's locale data, regex caches
        fn()
    cpu: list[float] = []
    wall: list[float] = []
    gc.disable()
    try:
        for _ in range(rounds):
            started_cpu, started = time.thread_time_ns(), time.perf_counter_ns()
            fn()
            wall.append((time.perf_counter_ns() - started) / 1000)
            cpu.append((time.thread_time_ns() - started_cpu) / 1000)
    finally:
        gc.enable()
    return (*_median_p99(cpu), *_median_p99(wall))


def _median_p99(samples: list[float]) -> tuple[float, float]:
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    offers = {"typical": _typical(), "typical draft": _draft(), "maximal": _maximal(),
              "maximal worst": _worst()}  # fmt: skip
    print(f"{'':<14} {'':>6} {'':>5} {'':<24} {'CPU µs':>19} {'wall µs':>19}")
    print(f"{'offer':<14} {'chars':>6} {'items':>5} {'step':<24} {'median':>9} {'p99':>9} "
          f"{'median':>9} {'p99':>9}")  # fmt: skip
    for name, terms in offers.items():
        found = check_offer(terms, LIMITS, TODAY)
        chars = (
            len(terms.title) + len(terms.description) + sum(len(m.title) for m in terms.milestones)
        )
        rows: list[tuple[str, Callable[[], object]]] = [
            ("check_offer", partial(_fresh, terms)),
            # A figure changed, no text did (a rate, a date): every text's reading is remembered.
            ("check_offer, same texts", partial(check_offer, terms, LIMITS, TODAY)),
        ]
        rows += [(f"check_offer+items {lang}", partial(_both, terms, lang)) for lang in LANGS]
        for step, fn in rows:
            cpu_median, cpu_p99, median, p99 = _time(fn, args.rounds)
            print(f"{name:<14} {chars:>6} {len(found):>5} {step:<24} {cpu_median:>9.1f} "
                  f"{cpu_p99:>9.1f} {median:>9.1f} {p99:>9.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
