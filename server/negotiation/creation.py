"""Creating an offer: validate the initial terms, seed its Y.Doc once, store it atomically."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import msgspec

from server.auth import ROLE_COLORS, Role, mint
from server.config import Config
from server.crdt.layout import OfferDoc
from server.offers.checks import FieldError, TermsInvalid, check_terms
from server.offers.terms import Milestone, Party, Terms, TermsInput, terms_to_builtins
from server.store.base import OfferRecord, Store


class PartyInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: str


class CreateOffer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    terms: TermsInput
    client: PartyInput
    freelancer: PartyInput
    expires_at: datetime | None = None


class CreatedOffer(msgspec.Struct, frozen=True):
    id: str
    links: dict[str, str]
    tokens: dict[str, str]


def _new_id() -> str:
    return secrets.token_hex(8)


def normalise_terms(raw: TermsInput, config: Config) -> Terms:
    """Assign milestone ids and run the same shape checks the guard applies to live edits."""
    milestones = tuple(
        Milestone(id=m.id or f"m{_new_id()[:8]}", title=m.title, amount=m.amount,
                  due_date=m.due_date)
        for m in raw.milestones
    )
    terms = Terms(
        **{f: getattr(raw, f) for f in raw.__struct_fields__ if f != "milestones"},
        milestones=milestones,
    )
    plain = terms_to_builtins(terms)
    description = plain.pop("description")
    milestone_list = plain.pop("milestones")
    scalars = {k: v for k, v in plain.items() if v is not None}
    return check_terms(scalars, description, milestone_list, config.limits)


def _check_parties(body: CreateOffer, now: datetime) -> list[FieldError]:
    errors = []
    for role, party in (("client", body.client), ("freelancer", body.freelancer)):
        if not party.id.strip() or len(party.id) > 128:
            errors.append(FieldError(f"{role}.id", "must be a non-empty id"))
        if not party.name.strip() or len(party.name) > 100:
            errors.append(FieldError(f"{role}.name", "must be a name of 1 to 100 characters"))
    if body.client.id == body.freelancer.id:
        errors.append(FieldError("freelancer.id", "must differ from the client's id"))
    if body.expires_at is not None:
        if body.expires_at.tzinfo is None:
            errors.append(FieldError("expires_at", "must carry a time zone (e.g. 'Z')"))
        elif body.expires_at <= now:
            errors.append(FieldError("expires_at", "must be in the future"))
    return errors


def participant_link(config: Config, offer_id: str, token: str) -> str:
    return f"{config.base_url()}/offers/{offer_id}?token={token}"


def mint_for(config: Config, offer: OfferRecord, role: Role, user: Party, ttl: int | None = None
             ) -> str:
    if ttl is None:
        # A party's link lives as long as the offer can still be acted on.
        remaining = int((offer.expires_at - datetime.now(UTC)).total_seconds())
        ttl = max(remaining, 3600)
    return mint(config.secret, offer=offer.id, user=user.id, name=user.name, role=role, ttl=ttl)


async def create_offer(store: Store, config: Config, body: CreateOffer) -> CreatedOffer:
    """Validate, seed and store a new offer; raises TermsInvalid naming every bad field."""
    now = datetime.now(UTC)
    errors = _check_parties(body, now)
    try:
        terms = normalise_terms(body.terms, config)
    except TermsInvalid as exc:
        errors = exc.errors + errors
    if errors:
        raise TermsInvalid(errors)
    client = Party(id=body.client.id, name=body.client.name.strip())
    freelancer = Party(id=body.freelancer.id, name=body.freelancer.name.strip())
    expires_at = body.expires_at or now + timedelta(days=config.limits.offer_ttl_days)
    record = OfferRecord(
        id=_new_id(),
        status="open",
        version=1,
        client=client,
        freelancer=freelancer,
        created_at=now,
        expires_at=expires_at.astimezone(UTC),
        terms=terms,
    )
    odoc = OfferDoc()
    odoc.seed(
        terms,
        {
            "status": "open",
            "version": 1,
            "expires_at": record.expires_at.isoformat().replace("+00:00", "Z"),
            "parties": [
                {"id": client.id, "name": client.name, "role": "client",
                 "color": ROLE_COLORS["client"]},
                {"id": freelancer.id, "name": freelancer.name, "role": "freelancer",
                 "color": ROLE_COLORS["freelancer"]},
            ],
        },
    )
    await store.create_offer(record, odoc.doc.get_update())
    tokens = {
        "client": mint_for(config, record, "client", client),
        "freelancer": mint_for(config, record, "freelancer", freelancer),
    }
    links = {role: participant_link(config, record.id, tok) for role, tok in tokens.items()}
    return CreatedOffer(id=record.id, links=links, tokens=tokens)
