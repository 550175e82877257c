"""The guard's cost per update on a realistic offer (issue 3): µs, median and p99.

A fixed-price offer with a 2,000-character scope and 6 milestones; a client replica makes the
edits people make (a rate or price, a milestone amount, typing in the description, a date), and
each update is timed through ``Guard.apply`` alone (decode, apply, observe, check), with a share
of invalid edits that must be compensated. Runs in-process: no network, no disk.

    .venv/bin/python bench/guard_cost.py [--updates 20000]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from pycrdt import Doc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.config import DEFAULT_FIELD_POLICY
from server.crdt.guard import EditContext, Guard
from server.crdt.layout import OfferDoc
from server.offers.limits import Limits
from server.offers.terms import Milestone, Terms

SCOPE = ("Redesign the checkout of our storefront: one-page flow, address autocomplete, saved "
         "cards, WCAG 2.2 AA fixes, analytics events, and a weekly demo. ") * 14


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--invalid-share", type=float, default=0.05)
    args = parser.parse_args()
    terms = Terms(
        title="Checkout redesign", contract_type="fixed", currency="USD", fixed_price=600_000,
        start_date=date(2026, 12, 7), description=SCOPE[:2000],
        milestones=tuple(Milestone(f"m{i}", f"Milestone {i}", 100_000, date(2026, 12, 10 + i))
                         for i in range(6)),
    )
    server = OfferDoc(Doc(client_id=1))
    server.seed(terms, {"status": "open", "version": 1})
    guard = Guard(server, Limits())
    client = OfferDoc(Doc(client_id=2))
    client.doc.apply_update(server.doc.get_update())
    ctx = EditContext(user_id="c-1", role="client", editable=DEFAULT_FIELD_POLICY["client"])
    # What a browser sends: each transaction's own update (y-websocket's 'update' event), not a
    # state diff (which would carry the whole document's delete set every time).
    sent: list[bytes] = []
    sub = client.doc.observe(lambda event: sent.append(event.update))
    rng = random.Random(7)
    timings: list[float] = []
    cpu: list[float] = []
    rejected = 0
    gc.freeze()
    for _ in range(args.updates):
        roll = rng.random()
        with client.doc.transaction():
            if roll < args.invalid_share:
                client.terms["fixed_price"] = 12.5  # compensated
            elif roll < 0.4:
                client.terms["fixed_price"] = 500_000 + rng.randrange(200_000)
            elif roll < 0.6:
                client.milestones[rng.randrange(6)]["amount"] = 50_000 + rng.randrange(100_000)
            elif roll < 0.95:
                text = str(client.description)
                pos = len(text[: rng.randrange(len(text))].encode())
                client.description.insert(pos, "x")
            else:
                client.terms["end_date"] = f"2027-0{1 + rng.randrange(9)}-1{rng.randrange(10)}"
        update = sent.pop()
        guard.outbox.clear()
        # Thread CPU time: what the guard costs, whatever else the machine is doing meanwhile.
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        result = guard.apply(update, "conn", ctx, lambda f: None)
        cpu.append((time.thread_time_ns() - c0) / 1000)
        timings.append((time.perf_counter_ns() - t0) / 1000)
        for sender, out in guard.outbox:
            if sender is None:
                client.doc.apply_update(out)
                sent.clear()  # our own echo of the compensation is not an edit
        rejected += result is not None
    del sub
    timings.sort()
    cpu.sort()
    n = len(timings)
    print(f"updates: {n} ({rejected} rejected and compensated), offer: 2,000-char scope, "
          f"6 milestones")
    print(f"guard CPU per update:  median {statistics.median(cpu):.1f} µs, "
          f"p99 {cpu[int(n * 0.99)]:.1f} µs")
    print(f"guard wall per update: median {statistics.median(timings):.1f} µs, "
          f"p99 {timings[int(n * 0.99)]:.1f} µs, max {timings[-1]:.1f} µs (load: "
          f"{Path('/proc/loadavg').read_text().split()[0]})")


if __name__ == "__main__":
    main()
