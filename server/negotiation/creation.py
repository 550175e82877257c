"""Creating an offer: validate the initial terms, seed its Y.Doc once, store it atomically."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import msgspec

from server.auth import ROLE_COLORS, Role, mint
from server.config import Config
from server.crdt.layout import OfferDoc
from server.notify.addresses import valid_address
from server.notify.schedule import expiry_reminders
from server.offers.checks import (
    FieldError,
    TermsInvalid,
    check_date_range,
    check_terms,
    line_problem,
)
from server.offers.lifecycle import default_expiry
from server.offers.limits import Limits
from server.offers.terms import Milestone, Party, Terms, TermsInput, terms_to_builtins
from server.store.base import OfferRecord, Store

#: Party ids are the integrator's user ids; names are shown to the other party.
PARTY_ID_MAX = 128
PARTY_NAME_MAX = 100
#: How long a party's link outlives its offer's expiry: whoever opens the room as the offer
#: expires sees it turn "expired" and reads its final state, instead of a dead link. The expiry
#: sweep runs every 30 s and nodes' clocks differ by seconds, so an hour is ample, and short.
LINK_GRACE = timedelta(hours=1)


class LinkExpired(Exception):
    """The offer expired more than ``LINK_GRACE`` ago: a link minted now could never be used."""


class PartyInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: str
    #: Where the node e-mails this party's digests while they are away (OFFER_ROOM_SMTP_URL).
    email: str | None = None




class CreateOffer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    terms: TermsInput
    client: PartyInput
    freelancer: PartyInput
    expires_at: datetime | None = None
    #: The experiment arm (OFFER_ROOM_VARIANTS) when the marketplace assigns it; by default the
    #: offer id is hashed into the configured split (server/experiments.py).
    variant: str | None = None


class CreatedOffer(msgspec.Struct, frozen=True):
    id: str
    links: dict[str, str]
    tokens: dict[str, str]
    variant: str = "default"


def _new_id() -> str:
    return secrets.token_hex(8)


def normalise_terms(raw: TermsInput, config: Config) -> Terms:
    """Trim titles, assign milestone ids, and run the shape checks the guard applies to live
    edits plus what only a finished offer must meet: titles not blank, dates in range."""
    blank: list[FieldError] = []
    title = raw.title.strip()
    if not title:
        blank.append(FieldError("title", "must not be blank"))
    milestones: list[Milestone] = []
    for i, m in enumerate(raw.milestones):
        if not m.title.strip():
            blank.append(FieldError(f"milestones[{i}].title", "must not be blank"))
        milestones.append(Milestone(id=m.id or f"m{_new_id()[:8]}", title=m.title.strip(),
                                    amount=m.amount, due_date=m.due_date))
    terms = Terms(
        **{f: getattr(raw, f) for f in raw.__struct_fields__ if f not in ("title", "milestones")},
        title=title,
        milestones=tuple(milestones),
    )
    plain = terms_to_builtins(terms)
    description = plain.pop("description")
    milestone_list = plain.pop("milestones")
    scalars = {k: v for k, v in plain.items() if v is not None}
    try:
        checked = check_terms(scalars, description, milestone_list, config.limits)
    except TermsInvalid as exc:
        raise TermsInvalid(blank + exc.errors) from exc
    errors = blank + check_date_range(checked)
    if errors:
        raise TermsInvalid(errors)
    return checked


def _check_parties(body: CreateOffer, now: datetime, limits: Limits) -> list[FieldError]:
    errors = []
    for role, party in (("client", body.client), ("freelancer", body.freelancer)):
        # An id is the integrator's key for a user: checked as given, never trimmed into another.
        if not party.id.strip() or len(party.id) > PARTY_ID_MAX:
            message = f"must be a non-empty id of at most {PARTY_ID_MAX} characters"
            errors.append(FieldError(f"{role}.id", message))
        elif (problem := line_problem(party.id)) is not None:
            errors.append(FieldError(f"{role}.id", problem))
        name = party.name.strip()
        if not name or len(name) > PARTY_NAME_MAX:
            errors.append(FieldError(f"{role}.name",
                                     f"must be a name of 1 to {PARTY_NAME_MAX} characters"))
        elif (problem := line_problem(name)) is not None:
            errors.append(FieldError(f"{role}.name", problem))
        if party.email is not None and not valid_address(party.email):
            errors.append(FieldError(f"{role}.email", "must be an e-mail address"))
    if body.client.id == body.freelancer.id:
        errors.append(FieldError("freelancer.id", "must differ from the client's id"))
    if body.expires_at is not None:
        latest = now + timedelta(days=limits.offer_max_days)
        if body.expires_at.tzinfo is None:
            errors.append(FieldError("expires_at", "must carry a time zone (e.g. 'Z')"))
        elif body.expires_at <= now:
            errors.append(FieldError("expires_at", "must be in the future"))
        elif body.expires_at > latest:
            errors.append(FieldError(
                "expires_at", f"must be at most {limits.offer_max_days} days from now"))
    return errors


def participant_link(config: Config, offer_id: str, token: str) -> str:
    return f"{config.base_url()}/offers/{offer_id}?token={token}"


def mint_for(config: Config, offer: OfferRecord, role: Role, user: Party, ttl: int | None = None
             ) -> str:
    """A token for ``user`` on ``offer``, living ``ttl`` seconds (by default until the offer
    expires), but never longer than ``config.token_max_ttl_seconds`` nor past the offer's expiry
    plus ``LINK_GRACE``: a leaked link dies on its own, whatever expiry or ttl was asked for.

    Raises LinkExpired when the offer expired more than ``LINK_GRACE`` ago.
    """
    if ttl is not None and ttl <= 0:
        raise ValueError(f"a link must live at least a second, not {ttl}")
    left = int((offer.expires_at + LINK_GRACE - datetime.now(UTC)).total_seconds())
    if left <= 0:
        raise LinkExpired(f"offer {offer.id} expired at {offer.expires_at.isoformat()}")
    lifetime = min(left, config.token_max_ttl_seconds)
    if ttl is not None:
        lifetime = min(lifetime, ttl)
    return mint(config.secret, offer=offer.id, user=user.id, name=user.name, role=role,
                ttl=lifetime)


def seeded_doc(record: OfferRecord) -> bytes:
    """The Y.Doc a new offer starts from, as one update: its terms and who is in it."""
    odoc = OfferDoc()
    odoc.seed(
        record.terms,
        {
            "status": "open",
            "version": 1,
            "expires_at": record.expires_at.isoformat().replace("+00:00", "Z"),
            "parties": [
                {"id": record.client.id, "name": record.client.name, "role": "client",
                 "color": ROLE_COLORS["client"]},
                {"id": record.freelancer.id, "name": record.freelancer.name,
                 "role": "freelancer", "color": ROLE_COLORS["freelancer"]},
            ],
        },
    )
    return odoc.doc.get_update()


async def create_offer(store: Store, config: Config, body: CreateOffer) -> CreatedOffer:
    """Validate, seed and store a new offer; raises TermsInvalid naming every bad field."""
    now = datetime.now(UTC)
    errors = _check_parties(body, now, config.limits)
    try:
        terms = normalise_terms(body.terms, config)
    except TermsInvalid as exc:
        errors = exc.errors + errors
    offer_id = _new_id()
    try:
        variant = config.variants.choose(body.variant, offer_id)
    except ValueError as exc:
        errors.append(FieldError("variant", str(exc)))
    if errors:
        raise TermsInvalid(errors)
    client = Party(id=body.client.id, name=body.client.name.strip(), email=body.client.email)
    freelancer = Party(id=body.freelancer.id, name=body.freelancer.name.strip(),
                       email=body.freelancer.email)
    expires_at = body.expires_at or default_expiry(now, config.limits)
    record = OfferRecord(
        id=offer_id,
        status="open",
        version=1,
        client=client,
        freelancer=freelancer,
        created_at=now,
        expires_at=expires_at.astimezone(UTC),
        terms=terms,
        variant=variant,
    )
    await store.create_offer(record, seeded_doc(record))
    if config.variants.features(variant).reminders:
        for reminder in expiry_reminders(record, now):
            await store.schedule_reminder(reminder)
    tokens = {
        "client": mint_for(config, record, "client", client),
        "freelancer": mint_for(config, record, "freelancer", freelancer),
    }
    links = {role: participant_link(config, record.id, tok) for role, tok in tokens.items()}
    return CreatedOffer(id=record.id, links=links, tokens=tokens, variant=variant)
