"""One line per thread entry, for a party who was away: what a digest and its e-mail list."""

from __future__ import annotations

from server.store.base import MessageRecord, OfferRecord

#: A digest line quotes at most this much of a message: enough to know whether to open it.
QUOTE_CHARS = 140

_EVENTS = {
    "proposed": "{who} proposed changes",
    "proposal_accepted": "{who} accepted the proposal",
    "proposal_rejected": "{who} rejected the proposal",
    "proposal_withdrawn": "{who} withdrew the proposal",
    "proposal_decided": "{who} accepted part of the proposal or countered it",
    "reverted": "{who} loaded an earlier version into the draft",
    "offer_accepted": "{who} accepted the offer: it is agreed",
    "offer_withdrawn": "{who} withdrew the offer",
    "offer_declined": "{who} declined the offer",
    "offer_expired": "The offer expired",
}


def who(user_id: str | None, offer: OfferRecord) -> str:
    for party in (offer.client, offer.freelancer):
        if party.id == user_id:
            return party.name
    return "Someone"


def quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1].rstrip() + "…"


def summary(record: MessageRecord, offer: OfferRecord) -> str:
    """"Ada: Could you start Monday?", "Linus asked about the weekly limit: …", "Ada proposed…"."""
    name = who(record.author, offer)
    if record.kind == "system":
        line = _EVENTS.get(record.event_kind or "", "{who} changed the negotiation")
        text = line.format(who=name)
        return f"{text}: “{quote(record.body)}”" if record.body else text
    if record.kind == "question":
        topic = (record.about or "the offer").replace("_", " ")
        return f"{name} asked about {topic}: {quote(record.body)}"
    if record.kind == "answer":
        return f"{name} answered: {quote(record.body)}"
    return f"{name}: {quote(record.body)}"
