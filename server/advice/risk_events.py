"""Risk flags and reports for the marketplace's trust team: the ``risk.flagged`` and
``risk.reported`` audit events (docs/PROTOCOL.md, "Webhooks").

A flag shown privately in the room (to the party at risk) is counted; a high-severity one
("danger") is also recorded as a ``risk.flagged`` event, which the webhook outbox delivers when
webhooks are on. Both events are the integrator's alone: ``GET …/events`` shows them only to the
API key, since a report names its reporter and a flag quotes the other party.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from server.explain.flags import Flag
from server.metrics import Metrics
from server.store.base import EventRecord, Store

log = logging.getLogger("offer_room.advice")

FLAGGED = "risk.flagged"
REPORTED = "risk.reported"
#: Where a flag was found: at creation (the client's first offer), in a proposal, in a message.
Source = str


def flag_payload(flags: list[Flag]) -> list[dict[str, Any]]:
    return [{"code": f.code, "severity": f.severity, "evidence": f.evidence,
             "message": f.message, "at_risk": f.at_risk, "source": f.source} for f in flags]


async def record_flags(
    store: Store,
    metrics: Metrics,
    offer_id: str,
    flags: list[Flag],
    source: Source,
    *,
    actor: str | None,
    ref: str | None = None,
    outbox: bool = False,
    wake: Callable[[], None] | None = None,
) -> EventRecord | None:
    """Count ``flags`` and record the high-severity ones as one ``risk.flagged`` event.

    Never raises: the text is already stored and shown; only the marketplace's copy is lost if
    the store fails here (logged).
    """
    for f in flags:
        metrics.risk_flag(f.code, source)
    danger = [f for f in flags if f.severity == "danger"]
    if not danger:
        return None
    payload = {"source": source, "ref": ref, "flags": flag_payload(danger)}
    try:
        event = await store.append_event(offer_id, FLAGGED, actor=actor, payload=payload,
                                         outbox=outbox)
    except Exception:
        log.exception("recording risk flags of offer %s failed", offer_id)
        return None
    if wake is not None:
        wake()
    return event
