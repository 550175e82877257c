"""``bench/run.py --commit REV`` measures REV as ``make install`` would have built it.

An exported tree has no compiled decoder; run as plain Python it cost several times as much per
edit as the checkout it was compared with, so a before/after comparison favoured "after".
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.unit.test_bench_rounds import RUN


def test_an_exported_commit_runs_with_its_decoder_compiled() -> None:
    tree, commit = RUN._export("HEAD")
    try:
        assert commit
        built = list((tree / "server" / "crdt").glob("updates.*.so"))
        assert built, "the exported tree has no compiled decoder"
        # The tree's own server imports it (not this checkout's), compiled.
        probe = subprocess.run(
            [sys.executable, "-c", "import server.crdt.updates as u; print(u.__file__)"],
            cwd=tree, capture_output=True, text=True, check=True,
        )
        assert probe.stdout.strip() == str(built[0])
    finally:
        shutil.rmtree(tree, ignore_errors=True)
