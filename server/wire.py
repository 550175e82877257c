"""The wire: y-websocket v3 framing plus offer-room's application messages.

Yjs frames stay raw bytes (sync = 0, awareness = 1, auth = 2, query-awareness = 3). Application
messages are ``[100, varString(JSON)]`` where the JSON is one of the tagged Structs below, the
single schema shared by the server, the web app and the tests. Extend with fields, never rename.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Literal

import msgspec


class MessageType(IntEnum):
    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3
    APP = 100


class SyncType(IntEnum):
    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


class CloseCode(IntEnum):
    """WebSocket close codes; 44xx tell the client not to reconnect (4000 + HTTP status)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    UNSUPPORTED_DATA = 1003
    INTERNAL_ERROR = 1011
    OVERLOADED = 1013
    BAD_TOKEN = 4401
    NOT_A_PARTY = 4403
    NO_SUCH_OFFER = 4404
    EPOCH_CHANGED = 4409
    FRAME_TOO_LARGE = 4413
    TOO_MANY_MESSAGES = 4429


class WireError(Exception):
    """A frame that cannot be parsed; the connection answers with an `error` message."""


# --- varint / varstring framing (lib0 encoding) -------------------------------------------


def read_var_uint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    num = 0
    shift = 0
    n = len(data)
    while True:
        if pos >= n:
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        num |= (byte & 0x7F) << shift
        if byte < 0x80:
            return num, pos
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def write_var_uint(num: int) -> bytes:
    if 0 <= num < 0x80:  # one byte: the length of nearly every frame sent (issue 17)
        return bytes((num,))
    out = bytearray()
    while num > 0x7F:
        out.append(0x80 | (num & 0x7F))
        num >>= 7
    out.append(num)
    return bytes(out)


def read_var_bytes(data: bytes | memoryview, pos: int) -> tuple[bytes, int]:
    length, pos = read_var_uint(data, pos)
    end = pos + length
    if end > len(data):
        raise WireError("truncated payload")
    return bytes(data[pos:end]), end


def var_bytes(payload: bytes) -> bytes:
    return write_var_uint(len(payload)) + payload


#: Read per frame: a module constant is a dict lookup, an IntEnum member ~60 ns (issue 17).
_SYNC = int(MessageType.SYNC)


def sync_frame(sync_type: SyncType, payload: bytes) -> bytes:
    size = len(payload)
    if size < 0x80:
        # Every keystroke's update: one header of three bytes, where var_bytes would add a call
        # and a concatenation (~120 ns a frame, once per update: issue 17).
        return bytes((_SYNC, sync_type, size)) + payload
    return bytes((_SYNC, sync_type)) + var_bytes(payload)


def awareness_frame(update: bytes) -> bytes:
    return bytes((MessageType.AWARENESS,)) + var_bytes(update)


# --- application messages -----------------------------------------------------------------


class _Msg(msgspec.Struct, tag_field="type", rename=None, omit_defaults=True):
    pass


# client -> server
class Lock(_Msg, tag="lock"):
    field: str
    id: str | None = None
    #: The holder showed input (focus, typing) since its last ``lock``: only then does a renewal
    #: move the lease's idle limit (``OFFER_ROOM_LOCK_IDLE_MS``) on.
    active: bool = False


class Unlock(_Msg, tag="unlock"):
    field: str
    id: str | None = None


class RequestRelease(_Msg, tag="request_release"):
    field: str
    id: str | None = None


class Propose(_Msg, tag="propose"):
    id: str | None = None
    base_version: int | None = None
    note: str | None = None


class Accept(_Msg, tag="accept"):
    id: str | None = None
    proposal_id: str | None = None
    base_version: int | None = None


class Reject(_Msg, tag="reject"):
    id: str | None = None
    proposal_id: str | None = None
    base_version: int | None = None
    reason: str | None = None
    #: The category (``server/offers/reasons.py``, ``REASONS["reject"]``); ``reason`` adds words.
    reason_code: str | None = None


class WithdrawProposal(_Msg, tag="withdraw_proposal"):
    id: str | None = None
    proposal_id: str | None = None


class Revert(_Msg, tag="revert"):
    version: int
    id: str | None = None
    base_version: int | None = None


class AcceptOffer(_Msg, tag="accept_offer"):
    id: str | None = None
    base_version: int | None = None


class WithdrawOffer(_Msg, tag="withdraw_offer"):
    id: str | None = None
    base_version: int | None = None
    reason: str | None = None
    #: The category (``REASONS["withdraw_offer"]``); ``reason`` adds the party's own words.
    reason_code: str | None = None


class DeclineOffer(_Msg, tag="decline_offer"):
    id: str | None = None
    base_version: int | None = None
    reason: str | None = None
    #: The category (``REASONS["decline_offer"]``); ``reason`` adds the party's own words.
    reason_code: str | None = None


class Decide(_Msg, tag="decide"):
    """Answer the pending proposal change by change (docs/PROTOCOL.md, "Negotiation commands").

    Every change key of the proposal (a scalar field name, ``"description"`` or
    ``"milestone:<id>"``) is named exactly once: accepted (they become version n+1 at once),
    countered with the receiver's value (they become a counter-proposal by the receiver) or
    declined (dropped).
    """

    proposal_id: str | None = None
    base_version: int | None = None
    accept: list[str] = []
    #: key -> the receiver's value: a field's JSON value, the description's text, or a milestone
    #: row (``{title?, amount?, due_date?}``; null: no such row).
    counter: dict[str, Any] = {}
    decline: list[str] = []
    #: Why (shown to the proposer); ``note`` goes with the counter-proposal.
    reason: str | None = None
    note: str | None = None
    id: str | None = None
    #: When every change is declined (a reject): its category, as ``Reject.reason_code``.
    reason_code: str | None = None


class Rate(_Msg, tag="rate"):
    """A party's answer to the closing question (docs/RULES.md, "Satisfaction"): how likely,
    0 to 10, they are to recommend negotiating offers this way. Once per party, after close."""

    score: int
    #: Optional words (at most ``RATING_COMMENT_MAX`` characters), for the integrator only.
    comment: str | None = None
    id: str | None = None


#: Commands that change the negotiation; each may carry a client-chosen ``id`` for idempotency.
Command = (
    Propose | Accept | Reject | WithdrawProposal | Revert | AcceptOffer | WithdrawOffer
    | DeclineOffer | Decide | Rate
)


# client -> server: the conversation (docs/PROTOCOL.md, "The thread")
class Post(_Msg, tag="post"):
    """A message, a question about the terms, or the answer to a question."""

    body: str
    #: "message" (default), "question" (needs ``about``) or "answer" (needs ``reply_to``).
    kind: Literal["message", "question", "answer"] = "message"
    #: What a question is about: a terms field ("hourly_rate"), "milestone:<id>", or
    #: "proposal:<id>".
    about: str | None = None
    #: The id of the question an answer answers.
    reply_to: str | None = None
    id: str | None = None


class EditMessage(_Msg, tag="edit_message"):
    message_id: str
    body: str
    id: str | None = None


class DeleteMessage(_Msg, tag="delete_message"):
    message_id: str
    id: str | None = None


class ResolveQuestion(_Msg, tag="resolve_question"):
    message_id: str
    id: str | None = None


class MarkRead(_Msg, tag="mark_read"):
    """Everything up to thread position ``upto`` has been seen by this user."""

    upto: int
    id: str | None = None


#: The conversation's client messages, each answered by an ``ack`` (or an ``error``) with its id.
ThreadCommand = Post | EditMessage | DeleteMessage | ResolveQuestion | MarkRead


# client -> server: the assistant (docs/PROTOCOL.md, "The assistant")
class SetLanguage(_Msg, tag="set_language"):
    """The language this socket reads in from now on (a tag such as "de-DE"; unsupported
    languages read English). The socket URL's ``lang`` query sets the first one."""

    lang: str


class Suggest(_Msg, tag="suggest"):
    """Ask for a middle-ground suggestion; answered to this socket alone by ``suggestion``."""

    id: str | None = None


#: What a report is about; ``reason`` adds the reporter's own words.
ReportCategory = Literal[
    "scam", "off_platform", "personal_data", "harassment", "spam", "other"
]


class Report(_Msg, tag="report"):
    """Report the other party to the marketplace's trust team (a ``risk.reported`` event)."""

    category: ReportCategory
    reason: str = ""
    id: str | None = None


AssistCommand = SetLanguage | Suggest | Report
ClientMessage = Lock | Unlock | RequestRelease | Command | ThreadCommand | AssistCommand
ASSIST_COMMAND_TYPES: tuple[type, ...] = (SetLanguage, Suggest, Report)
THREAD_COMMAND_TYPES: tuple[type, ...] = (Post, EditMessage, DeleteMessage, ResolveQuestion,
                                          MarkRead)
COMMAND_TYPES: tuple[type, ...] = (
    Propose, Accept, Reject, WithdrawProposal, Revert, AcceptOffer, WithdrawOffer, DeclineOffer,
    Decide, Rate,
)


# server -> client
class UserInfo(msgspec.Struct, frozen=True):
    id: str
    name: str
    role: Literal["client", "freelancer", "viewer"]
    color: str


class PolicyLimits(msgspec.Struct, frozen=True):
    """The limits a draft is held to (``server/offers/limits.py``), in minor units and hours."""

    hourly_rate_min: int
    fixed_price_min: int
    milestone_min: int
    money_max: int
    weekly_limit_min: int
    weekly_limit_max: int


class Features(msgspec.Struct, frozen=True):
    """What an offer's variant switches on (all on unless an experiment says otherwise)."""

    explanations: bool = True
    offer_check: bool = True
    middle_ground: bool = True
    reminders: bool = True


class Hello(_Msg, tag="hello"):
    offer_id: str
    user: UserInfo
    read_only: bool
    #: Why the room is read-only for this user, as a sentence to show, if it is.
    read_only_reason: str | None = None
    lock_ttl_ms: int = 10_000
    #: A lease ends this long after its holder's last sign of input (``lock`` with ``active``).
    lock_idle_ms: int | None = None
    #: The fields that lock: scalar terms keys, and "milestones" for every ``milestone:<id>``.
    lock_fields: list[str] | None = None
    #: The bounds a draft is checked against when proposed, so a client can say so at the field.
    limits: PolicyLimits | None = None
    #: The offer's experiment variant and what it switches on (``server/experiments.py``): a
    #: client hides what is off (no explanation panel, no middle-ground button).
    variant: str | None = None
    features: Features | None = None


class Survey(_Msg, tag="survey"):
    """To a party of a closed offer: whether the closing question is still to be answered."""

    rated: bool
    score: int | None = None


class LockEntry(msgspec.Struct, frozen=True):
    field: str
    user: UserInfo
    expires_in_ms: int


class Locks(_Msg, tag="locks"):
    locks: list[LockEntry]


class Rejected(_Msg, tag="rejected"):
    fields: list[str]
    reason: str
    code: str


class Notice(_Msg, tag="notice"):
    kind: str
    #: The notice as an English sentence (for clients without their own wording).
    text: str
    field: str | None = None
    by: UserInfo | None = None
    #: The figures of ``text`` for a client that words notices in its reader's language:
    #: ``version``, ``reason``; for a reminder ``reminder`` (its kind), ``days``/``hours`` left,
    #: ``who`` waits, and ``about`` (what a question is about).
    params: dict[str, Any] = {}


class FieldProblem(msgspec.Struct, frozen=True):
    field: str
    message: str
    #: What is wrong, for a client to word itself (docs/RULES.md, "Policy at proposal time").
    code: str | None = None
    #: Its figures: ``min`` (minor units), ``total`` and ``price`` for a sum, ``from``/``to``.
    params: dict[str, int | str] | None = None


class Error(_Msg, tag="error"):
    code: str
    message: str
    ref: str | None = None
    #: For ``invalid_terms``: which fields are wrong and why.
    fields: list[FieldProblem] | None = None
    #: For ``rate_limited``: seconds until the action is allowed again.
    retry_after_s: int | None = None


class Ack(_Msg, tag="ack"):
    """A command succeeded (or had already succeeded under the same id)."""

    command: str
    status: str
    version: int
    ref: str | None = None
    proposal_id: str | None = None
    #: For the thread's commands: the entry they wrote or changed.
    message_id: str | None = None


class ExplainDelta(_Msg, tag="explain_delta"):
    """The next sentence(s) of a proposal's explanation, in the reader's language."""

    proposal_id: str
    text: str
    #: True when this is the text so far, replayed to someone who joined mid-stream (replace,
    #: don't append).
    replay: bool = False
    lang: str = "en"
    #: Set when the model's answer was dropped (``timeout``, ``ungrounded``, ``error``,
    #: ``wrong_language``): clear what was shown, say so, and read the offline text that follows.
    fallback_reason: str | None = None


class FlagOut(msgspec.Struct, frozen=True):
    code: str
    severity: str
    evidence: str
    message: str
    source: str


class ExplainDone(_Msg, tag="explain_done"):
    proposal_id: str
    explainer: str
    grounded: bool
    text: str
    model: str | None = None
    fallback_reason: str | None = None
    #: Risk flags for the party reading this message only (never shown to the other side).
    flags: list[FlagOut] = []
    #: The language of ``text`` (the reader's).
    lang: str = "en"
    #: The explanation in every language it was delivered in, so a party can read it "as the
    #: other party sees it".
    texts: dict[str, str] = {}


class CheckItem(msgspec.Struct, frozen=True, omit_defaults=True):
    """Something a complete offer still lacks (docs/RULES.md, "Offer check")."""

    #: Stable rule id: "no_deliverables", "no_acceptance_criteria", "fixed_no_milestones", …
    code: str
    #: The term it is about ("description", "milestones", "end_date", …): where it is shown and
    #: what an "ask about this" question is ``about``.
    field: str
    #: The party who can supply it; the other one may ask about it.
    owner: Literal["client", "freelancer", "both"]
    severity: Literal["info", "warning"]
    #: The prompt, in the reader's language.
    text: str
    #: A question the other party can send with one click, in the reader's language.
    question: str


class Advice(_Msg, tag="advice"):
    """For this reader only, recomputed whenever the draft changes: what the offer still lacks,
    and the risk flags of the draft's text that concern this reader."""

    check: list[CheckItem] = []
    flags: list[FlagOut] = []
    #: The draft's content hash this advice was computed from.
    draft: str = ""


class SuggestionItem(msgspec.Struct, frozen=True, omit_defaults=True):
    field: str
    #: "between": a figure between the two positions; "structure": an alternative shape of the
    #: deal (a fixed price split into milestones).
    kind: Literal["between", "structure"]
    #: The value to put in the draft: minor units, hours, an ISO date, or a milestones list.
    value: Any
    #: The two positions it lies between, for display (same units as ``value``).
    client: Any = None
    freelancer: Any = None
    #: One grounded line: why this value, in the reader's language.
    reason: str = ""


class Suggestion(_Msg, tag="suggestion"):
    """A middle ground between the parties' positions, for the asker alone; never applied by
    itself ("Apply to my draft" fills the draft for the asker to review)."""

    items: list[SuggestionItem]
    #: Why there is nothing to suggest, when ``items`` is empty, in the reader's language.
    message: str | None = None
    #: The positions' hash: the same positions give the same suggestion whoever asks.
    basis: str = ""


class ThreadItem(msgspec.Struct, frozen=True, omit_defaults=True):
    """One entry of an offer's thread: a message, a question, an answer, or a system entry that
    shows a negotiation event between them (docs/PROTOCOL.md, "The thread")."""

    #: Position in the offer's thread (1, 2, …): the order, and the cursor for reading.
    n: int
    id: str
    kind: Literal["message", "question", "answer", "system"]
    #: ISO 8601 UTC.
    at: str
    #: Who wrote it (None for a system entry).
    author: UserInfo | None = None
    #: Plain text ("" once deleted; for a system entry, the event's reason if it has one).
    body: str = ""
    about: str | None = None
    reply_to: str | None = None
    #: A question's state: "open" or "resolved".
    status: str | None = None
    edited_at: str | None = None
    deleted: bool = False
    #: A system entry's audit event kind ("proposed", "proposal_accepted", …) and its details.
    event: str | None = None
    payload: dict[str, Any] | None = None
    #: Risk flags for the party reading this entry only (never shown to the other side).
    flags: list[FlagOut] = []


class Thread(_Msg, tag="thread"):
    """On join (and on request): the latest entries, oldest first, and this user's read state;
    older entries come from REST (``GET /api/offers/{id}/messages?before=n``)."""

    items: list[ThreadItem]
    unread: int
    last_read: int
    #: True when entries older than ``items[0]`` exist.
    more: bool = False
    #: The open questions older than ``items[0]`` (fields show every open question as a marker).
    open_questions: list[ThreadItem] = []


class ThreadUpdate(_Msg, tag="thread_update"):
    """An entry was added or changed (edited, deleted, resolved): replace by ``id``."""

    item: ThreadItem


class Unread(_Msg, tag="unread"):
    """This user's unread count changed (a new entry, or they read on another tab)."""

    unread: int
    last_read: int


ServerMessage = (
    Hello | Locks | Rejected | Notice | Error | Ack | ExplainDelta | ExplainDone | Thread
    | ThreadUpdate | Unread | Advice | Suggestion | Survey
)

_client_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(ClientMessage)
_encoder = msgspec.json.Encoder()


def decode_client_message(payload: bytes) -> ClientMessage:
    try:
        msg: ClientMessage = _client_decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise WireError(f"bad application message: {exc}") from exc
    except RecursionError:  # JSON nested past the decoder's stack: refused like any bad JSON
        raise WireError("bad application message: nested too deeply") from None
    return msg


def app_frame(msg: msgspec.Struct) -> bytes:
    body = _encoder.encode(msg)
    return bytes((MessageType.APP,)) + var_bytes(body)
