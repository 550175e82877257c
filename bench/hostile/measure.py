"""One attack on a fresh node: the honest probe in another room, memory sampled, the attack run
within its budget, and one result row.

Every attack stops by itself: at its own count, at ``Case.seconds``, or as soon as the server's
RSS passed the cap (``Ctx.should_stop`` tells it). A backstop timeout covers an attack stuck in a
wait, and the sampler kills a server that grows past the kill line before the attack notices.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hostile.node import Node, RssSampler, limit_open_files
from hostile.probe import Probe

#: Server RSS at which an attack is told to stop, and at which the server is killed outright.
RSS_CAP_MB = 4096.0
RSS_KILL_MB = 6144.0
#: The honest pair keeps measuring this long after the attack ended: work the node deferred
#: (a commit, a compaction, a backlog of frames) still stalls others.
SETTLE_S = 1.0


class Ctx:
    """What an attack gets: the node, an offer of its own, its budget, a place for details."""

    def __init__(self, node: Node, offer: dict[str, Any], sampler: RssSampler,
                 seconds: float, timed: bool = False) -> None:
        self.node = node
        self.offer = offer
        self.offer_id: str = offer["id"]
        self.sampler = sampler
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.seconds = seconds
        self.timed = timed
        self.stopped: str | None = None
        self.details: dict[str, Any] = {}
        #: For checks: (what was asked, what is expected, what the node answered).
        self.answers: list[dict[str, str]] = []

    def answer(self, check: str, got: str, expect: str = "") -> None:
        self.answers.append({"check": check, "expect": expect, "got": got})

    def url(self, token: str, offer_id: str | None = None) -> str:
        return f"{self.node.ws_base}/{offer_id or self.offer_id}?token={token}"

    def party(self, role: str) -> str:
        token: str = self.offer["tokens"][role]
        return token

    def viewer(self, user: str = "v-1") -> str:
        return self.node.viewer(self.offer_id, user)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def should_stop(self) -> bool:
        """True once the attack must end; the first reason is kept for the table."""
        if self.stopped is None:
            if self.sampler.over_cap.is_set():
                self.stopped = (f"server RSS passed {self.sampler.cap_mb:.0f} MB "
                                f"at {self.elapsed():.1f} s")
            elif time.monotonic() >= self.deadline:
                if self.timed:  # the attack is defined by its length: this is its end
                    return True
                self.stopped = f"time limit ({self.seconds:.0f} s)"
        return self.stopped is not None


Attack = Callable[[Ctx], Awaitable[str]]


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    #: flood: the bound the hardened tree sets; check: the answer expected from it.
    bound: str
    attack: Attack
    kind: Literal["flood", "check"] = "flood"
    #: The attack's own time budget (the honest probe and the set-up come on top).
    seconds: float = 20.0
    #: The attack lasts ``seconds`` by definition (reaching it is not a stop by the harness).
    timed: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    #: RLIMIT_NOFILE of the server process, when the attack needs it low.
    open_files: int | None = None
    #: Builds the attack's big payloads before the node starts (cached, never measured).
    prepare: Callable[[], object] | None = None


async def run_case(case: Case, tree: Path, *, cap_mb: float = RSS_CAP_MB,
                   kill_mb: float = RSS_KILL_MB) -> dict[str, Any]:
    row: dict[str, Any] = {"id": case.id, "title": case.title, "bound": case.bound,
                           "kind": case.kind}
    if case.prepare is not None:
        case.prepare()
    with tempfile.TemporaryDirectory(prefix="offer-room-attack-") as tmp:
        preexec = limit_open_files(case.open_files) if case.open_files else None
        node = Node(tree, Path(tmp) / "data", dict(case.env), preexec)
        probe: Probe | None = None
        sampler: RssSampler | None = None
        try:
            node.start()
            offer = node.offer()
            if case.kind == "flood":
                honest = node.offer(client="honest-c", freelancer="honest-f")
                probe = Probe(node.ws_base, honest["id"], honest["tokens"]["client"],
                              honest["tokens"]["freelancer"], node.viewer(honest["id"], "probe"))
                await probe.start()
            sampler = RssSampler(node.pid, cap_mb, kill_mb)
            ctx = Ctx(node, offer, sampler, case.seconds, case.timed)
            row["outcome"] = await _attack(case, ctx)
            row["duration_s"] = round(ctx.elapsed(), 1)
            if probe is not None:
                await asyncio.sleep(SETTLE_S)
                row["honest"] = await probe.stop()
                row["worst_stall_ms"] = _worst(row["honest"])
            sampler.stop()
            row["rss_start_mb"] = round(sampler.start_mb, 1)
            row["rss_peak_mb"] = round(sampler.peak_mb, 1)
            row["rss_growth_mb"] = round(sampler.growth_mb, 1)
            row["stopped"] = ctx.stopped
            if sampler.killed:
                row["stopped"] = f"server killed at {kill_mb:.0f} MB RSS"
            row["details"] = ctx.details
            row["answers"] = ctx.answers
        except Exception as exc:  # a node that will not start, a set-up that failed: a row
            row["error"] = f"{exc!r}"[:500]
        finally:
            if sampler is not None:
                sampler.stop()
            if probe is not None:
                await probe.kill()
            node.stop()
    return row


async def _attack(case: Case, ctx: Ctx) -> str:
    # The attacks bound themselves; this backstop only catches one stuck in a wait.
    try:
        async with asyncio.timeout(case.seconds + 60):
            return await case.attack(ctx)
    except TimeoutError:
        return "harness backstop timeout (attack stuck)"
    except Exception as exc:
        ctx.details["traceback"] = traceback.format_exc(limit=4)
        return f"harness error: {exc!r}"[:300]


def _worst(honest: dict[str, Any]) -> float | None:
    if "error" in honest:
        return None
    worst: float = max(honest["round_trip"]["worst_ms"], honest["ping"]["worst_ms"])
    return worst
