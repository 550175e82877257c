#!/usr/bin/env python3
"""Measure what hostile participants cost an offer-room node (issue 11).

    .venv/bin/python bench/attacks.py [--tree PATH] [--only 1,4,8b] [--out FILE]
    .venv/bin/python bench/attacks.py --compare BEFORE.json AFTER.json [--out FILE]

Each attack runs against a fresh node started from ``--tree`` (127.0.0.1 only, bounded in count,
time and the node's memory) while an honest pair edits another offer; the table gives the peak
RSS growth, the worst stall the pair saw and how the attacker ended. The code is in
``bench/attacks/`` (a package next to this script: ``import hostile`` finds the package).
"""

import sys

from hostile.cli import main

if __name__ == "__main__":
    sys.exit(main())
