"""Field-level differences between two versions of the terms.

Used by ``GET /api/offers/{id}/diff``, by the pending ``proposal`` in the Y.Doc and by the proposal
drawer, so every value is plain JSON (dates as ISO strings). Scalars and the description are one
``FieldChange`` each; milestones are matched by id, not by position, so re-ordering or inserting a
row does not read as every later row changing.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any, Literal

import msgspec

from server.offers.terms import SCALAR_FIELDS, Milestone, Terms

MilestoneOp = Literal["added", "removed", "changed", "moved"]
#: Keys of a milestone a change can name, in display order.
MILESTONE_KEYS: tuple[str, ...] = ("title", "amount", "due_date")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class KeyChange(msgspec.Struct, frozen=True):
    """One key of a milestone that differs."""

    key: str
    old: Any
    new: Any


class FieldChange(msgspec.Struct, frozen=True, omit_defaults=True):
    """One difference. ``field`` is a scalar name, ``"description"`` or ``"milestones"``.

    For milestone rows, ``id`` names the milestone, ``op`` says what happened to it, ``old``/``new``
    are the whole row (``None`` when added/removed) and ``keys`` lists the keys that changed.
    ``moved`` is true when the row changed position relative to the other rows it shares.
    """

    field: str
    old: Any
    new: Any
    id: str | None = None
    op: MilestoneOp | None = None
    keys: tuple[KeyChange, ...] = ()
    moved: bool = False


def _json(value: Any) -> Any:
    return msgspec.to_builtins(value)


def diff_terms(a: Terms, b: Terms) -> list[FieldChange]:
    """The changes that turn ``a`` into ``b``: scalars in display order, description, milestones."""
    changes: list[FieldChange] = []
    for name in SCALAR_FIELDS:
        old, new = getattr(a, name), getattr(b, name)
        if old != new:
            changes.append(FieldChange(name, _json(old), _json(new)))
    if a.description != b.description:
        changes.append(FieldChange("description", a.description, b.description))
    changes.extend(diff_milestones(a.milestones, b.milestones))
    return changes


def diff_milestones(a: tuple[Milestone, ...], b: tuple[Milestone, ...]) -> list[FieldChange]:
    """Rows added, changed or moved (in ``b``'s order), then rows removed; matched by id."""
    old_by_id = {m.id: m for m in a}
    new_ids = {m.id for m in b}
    moved = _moved_ids([m.id for m in a if m.id in new_ids], [m.id for m in b if m.id in old_by_id])
    out: list[FieldChange] = []
    for m in b:
        before = old_by_id.get(m.id)
        if before is None:
            out.append(FieldChange("milestones", None, _json(m), id=m.id, op="added"))
            continue
        keys = tuple(
            KeyChange(k, _json(getattr(before, k)), _json(getattr(m, k)))
            for k in MILESTONE_KEYS
            if getattr(before, k) != getattr(m, k)
        )
        is_moved = m.id in moved
        if keys or is_moved:
            op: MilestoneOp = "changed" if keys else "moved"
            out.append(
                FieldChange(
                    "milestones", _json(before), _json(m), id=m.id, op=op, keys=keys, moved=is_moved
                )
            )
    for m in a:
        if m.id not in new_ids:
            out.append(FieldChange("milestones", _json(m), None, id=m.id, op="removed"))
    return out


def _moved_ids(old_order: list[str], new_order: list[str]) -> set[str]:
    """Ids outside the longest common run structure of the two orders: the rows that moved."""
    matcher = SequenceMatcher(a=old_order, b=new_order, autojunk=False)
    kept: set[str] = set()
    for block in matcher.get_matching_blocks():
        kept.update(old_order[block.a : block.a + block.size])
    return set(new_order) - kept


def changed_fields(a: Terms, b: Terms) -> list[str]:
    """Top-level field names that differ, each once, in display order."""
    seen: dict[str, None] = {}
    for change in diff_terms(a, b):
        seen.setdefault(change.field, None)
    return list(seen)


class TextDiff(msgspec.Struct, frozen=True):
    """Sentence-level changes of a text: new, dropped and edited-in-place sentences, verbatim."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    #: (old, new) pairs.
    reworded: tuple[tuple[str, str], ...]


def sentences(text: str) -> list[str]:
    """The text split into sentences (or lines), stripped, blanks dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def diff_text(old: str, new: str) -> TextDiff:
    """Which sentences of ``old`` were added, removed or reworded in ``new``."""
    a, b = sentences(old), sentences(new)
    added: list[str] = []
    removed: list[str] = []
    reworded: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        # A replaced block pairs its sentences up as rewordings; the longer side's rest is
        # plain additions or removals.
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        reworded += zip(a[i1 : i1 + paired], b[j1 : j1 + paired], strict=True)
        removed += a[i1 + paired : i2]
        added += b[j1 + paired : j2]
    return TextDiff(tuple(added), tuple(removed), tuple(reworded))
