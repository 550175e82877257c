"""Offer terms: the typed shape of what two parties negotiate.

Money is always an integer count of minor units (cents) of the offer's currency; dates are ISO
``YYYY-MM-DD`` strings on the wire and ``datetime.date`` here. These Structs are the one schema
for terms in the REST API, the store and the negotiation layer; the CRDT layer converts to and
from them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import msgspec

ContractType = Literal["hourly", "fixed"]

#: Scalar keys of the ``terms`` map in the Y.Doc, in display order.
SCALAR_FIELDS: tuple[str, ...] = (
    "title",
    "contract_type",
    "currency",
    "hourly_rate",
    "weekly_limit",
    "manual_time",
    "fixed_price",
    "start_date",
    "end_date",
)
MILESTONE_FIELDS: tuple[str, ...] = ("id", "title", "amount", "due_date")
#: Every top-level field name a diff, a lock or a rejection may name.
ALL_FIELDS: tuple[str, ...] = (*SCALAR_FIELDS, "description", "milestones")


class Party(msgspec.Struct, frozen=True):
    id: str
    name: str
    #: Where digests go when the node sends e-mail itself (OFFER_ROOM_SMTP_URL); optional.
    email: str | None = None


class Milestone(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    title: str
    amount: int
    due_date: date | None = None


class Terms(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: str
    contract_type: ContractType
    currency: str
    hourly_rate: int | None = None
    weekly_limit: int | None = None
    manual_time: bool = False
    fixed_price: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    description: str = ""
    milestones: tuple[Milestone, ...] = ()


class MilestoneInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A milestone as an integrator sends it: the id is optional and assigned by the server."""

    title: str
    amount: int
    due_date: date | None = None
    id: str | None = None


class TermsInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: str
    contract_type: ContractType
    currency: str
    hourly_rate: int | None = None
    weekly_limit: int | None = None
    manual_time: bool = False
    fixed_price: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    description: str = ""
    milestones: tuple[MilestoneInput, ...] = ()


_JSON_ENCODER = msgspec.json.Encoder()
_JSON_DECODER = msgspec.json.Decoder()


def terms_to_builtins(terms: Terms) -> dict[str, Any]:
    """Terms as plain JSON values (dates as ISO strings, sequences as lists)."""
    out: dict[str, Any] = _JSON_DECODER.decode(_JSON_ENCODER.encode(terms))
    return out

