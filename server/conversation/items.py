"""A stored thread entry as one reader sees it: who wrote it, and the flags meant for them."""

from __future__ import annotations

from datetime import datetime

from server.auth import ROLE_COLORS
from server.explain.flags import flags_for
from server.store.base import MessageRecord, OfferRecord
from server.wire import ThreadItem, UserInfo


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def author_of(record: MessageRecord, offer: OfferRecord) -> UserInfo | None:
    """The author as the room shows people: a party of the offer (viewers never post)."""
    if record.author is None:
        return None
    for role, party in (("client", offer.client), ("freelancer", offer.freelancer)):
        if party.id == record.author:
            return UserInfo(id=party.id, name=party.name, role=role,  # type: ignore[arg-type]
                            color=ROLE_COLORS[role])
    return UserInfo(id=record.author, name=record.author, role="viewer",
                    color=ROLE_COLORS["viewer"])


def item_for(record: MessageRecord, offer: OfferRecord, role: str | None, lang: str = "en"
             ) -> ThreadItem:
    """``record`` for a reader in ``role`` ("client", "freelancer", "viewer"; None: integrator),
    its flags worded in ``lang``."""
    deleted = record.deleted_at is not None
    return ThreadItem(
        n=record.n,
        id=record.id,
        kind=record.kind,  # type: ignore[arg-type]
        at=iso(record.at),
        author=author_of(record, offer),
        body="" if deleted else record.body,
        about=record.about,
        reply_to=record.reply_to,
        status=record.status,
        edited_at=iso(record.edited_at) if record.edited_at is not None else None,
        deleted=deleted,
        event=record.event_kind,
        payload=record.payload or None,
        flags=[] if deleted else flags_for(record.flags, role, lang),
    )
