"""What a negotiation step does to the shared Y.Doc (server-only roots, and the draft).

These run only after the store has made the step durable (durable before announced:
docs/ARCHITECTURE.md, "Durability"), inside one server transaction each, so every replica sees a
step as one update. ``reconcile``
repairs a doc whose last server writes were lost (a crash between the durable commit and the
doc's own persistence): the store is the authority for status, version and the pending proposal.
"""

from __future__ import annotations

from typing import Any

import msgspec

from server.crdt.attribution import changers
from server.crdt.layout import OfferDoc
from server.offers.diff import diff_terms
from server.offers.terms import Terms, terms_to_builtins
from server.store.base import OfferRecord, ProposalRecord


def iso(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


def proposal_root(proposal: ProposalRecord, committed: Terms, by: dict[str, Any]) -> dict[str, Any]:
    """The plain content of the ``proposal`` root for a pending proposal."""
    root: dict[str, Any] = {
        "id": proposal.id,
        "by": by,
        "base_version": proposal.base_version,
        "created_at": iso(proposal.created_at),
        "status": proposal.status,
        "note": proposal.note or "",
        "changes": msgspec.to_builtins(diff_terms(committed, proposal.terms)),
    }
    if proposal.counter_to is not None:  # a counter-proposal (``decide``)
        root["counter_to"] = proposal.counter_to
    if proposal.explanation is not None:
        e = proposal.explanation
        root["explanation"] = {
            "text": e.text,
            "explainer": e.explainer,
            "model": e.model,
            "grounded": e.grounded,
            "fallback_reason": e.fallback_reason,
        }
    return root


def write_proposal(odoc: OfferDoc, root: dict[str, Any] | None) -> None:
    """Write the ``proposal`` root (None: empty it). A pending proposal also carries who changed
    each of its fields since the agreed version (``changed_by``: field -> identities, in the order
    they first did), from the ``changed_by`` root as it stands: the draft is frozen while the
    proposal is pending, so every write of the root (explanation, reconcile) copies the same."""
    if root is not None and "changed_by" not in root:
        fields = {c.get("field") for c in root.get("changes", []) if isinstance(c, dict)}
        current = odoc.changed_by.to_py() or {}
        root = {**root, "changed_by": {f: changers(current[f]) for f in sorted(current)
                                       if f in fields and changers(current[f])}}
    for key in list(odoc.proposal.keys()):
        if root is None or key not in root:
            del odoc.proposal[key]
    for key, value in (root or {}).items():
        if odoc.proposal.get(key) != value:
            odoc.proposal[key] = value


def write_offer_meta(odoc: OfferDoc, offer: OfferRecord) -> None:
    meta = {"status": offer.status, "version": offer.version, "expires_at": iso(offer.expires_at)}
    current = odoc.offer_meta()
    for key, value in meta.items():
        if current.get(key) != value:
            odoc.offer[key] = value


def write_committed(odoc: OfferDoc, terms: Terms) -> None:
    plain = terms_to_builtins(terms)
    current = odoc.committed.to_py() or {}
    for key, value in plain.items():
        if _normal(current.get(key)) != value:
            odoc.committed[key] = value


def clear_changed_by(odoc: OfferDoc) -> None:
    for key in list(odoc.changed_by.keys()):
        del odoc.changed_by[key]


def _normal(value: Any) -> Any:
    """Yjs hands integers back as floats; compare them as the integers they are."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


def needs_reconcile(odoc: OfferDoc, offer: OfferRecord, pending: ProposalRecord | None) -> bool:
    meta = odoc.offer_meta()
    if meta.get("status") != offer.status or meta.get("version") != offer.version:
        return True
    if _normal(odoc.committed.to_py() or {}) != terms_to_builtins(offer.terms):
        return True
    return odoc.proposal.get("id") != (pending.id if pending is not None else None)
