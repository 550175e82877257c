"""Reads the dependencies of a Yjs v1 update without applying it.

A Yjs update whose items build on items the server lacks is not rejected by Yjs: its items wait
as "pending" and integrate later, inside whatever transaction supplies the missing piece — never
seen by the guard — and yrs may even anchor the server's own later items on the pending ones,
making them unusable for every other replica. Honest clients never send such updates (the room
holds their edits until the sync handshake is done), so the room refuses them before applying.

Format (lib0 encoding, Yjs ``encodeStateAsUpdate`` v1): varUint(#clients), then per client
varUint(#structs), varUint(client), varUint(first clock), the structs; then the delete set:
varUint(#clients), per client varUint(client), varUint(#ranges), ranges of varUint(clock, len).
"""

from __future__ import annotations

import struct

from server.wire import WireError, read_var_uint

# Struct info bits (Yjs: BIT8 origin, BIT7 right origin, BIT6 parentSub; low 5 bits: kind).
_ORIGIN = 0x80
_RIGHT_ORIGIN = 0x40
_PARENT_SUB = 0x20
_KIND = 0x1F
_GC, _ANY, _SKIP = 0, 8, 10


class _Reader:
    __slots__ = ("data", "nul", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.nul = False  # a text insert carries a NUL character

    def uint(self) -> int:
        data = self.data
        pos = self.pos
        value = shift = 0
        try:
            while True:  # inlined: this runs ~10 times per update on the hot path
                byte = data[pos]
                pos += 1
                value |= (byte & 0x7F) << shift
                if byte < 0x80:
                    self.pos = pos
                    return value
                shift += 7
                if shift > 56:  # lib0 writes at most 53 bits (8 bytes): 9 bytes fill 63
                    raise WireError("varint too long")
        except IndexError:
            raise WireError("truncated update") from None

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise WireError("truncated update")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def skip_bytes(self) -> None:
        n = self.uint()
        self.pos += n
        if self.pos > len(self.data):
            raise WireError("truncated update")

    def varint(self) -> None:
        while self.byte() & 0x80:
            pass

    def skip_any(self, depth: int = 0) -> None:
        if depth > 64:
            raise WireError("update nests too deep")
        tag = self.byte()
        if tag in (127, 126, 121, 120):  # undefined, null, false, true
            return
        if tag == 125:  # integer (signed varint)
            self.varint()
        elif tag == 124:
            self.pos += 4
        elif tag in (123, 122):  # float64, bigint
            self.pos += 8
        elif tag in (119, 116):  # string, bytes
            self.skip_bytes()
        elif tag == 118:  # object
            for _ in range(self.uint()):
                self.skip_bytes()
                self.skip_any(depth + 1)
        elif tag == 117:  # array
            for _ in range(self.uint()):
                self.skip_any(depth + 1)
        else:
            raise WireError(f"unknown value tag {tag}")


def _content_length(r: _Reader, kind: int) -> int:
    """Skip an item's content; returns how many clock ticks it spans."""
    if kind == 1:  # deleted
        return r.uint()
    if kind == 2:  # JSON: n strings
        n = r.uint()
        for _i in range(n):
            r.skip_bytes()
        return n
    if kind == 3:  # binary
        r.skip_bytes()
        return 1
    if kind == 4:  # string: its length in UTF-16 code units
        start = r.pos
        r.skip_bytes()
        text = r.data[start:r.pos]
        _, off = read_var_uint(text, 0)
        raw = text[off:]
        if b"\x00" in raw:
            r.nul = True
        if raw.isascii():  # the common case: one code unit per byte
            return len(raw)
        return len(raw.decode("utf-8", "surrogatepass").encode("utf-16-le")) // 2
    if kind == 5:  # embed
        r.skip_bytes()
        return 1
    if kind == 6:  # format: key + value
        r.skip_bytes()
        r.skip_bytes()
        return 1
    if kind == 7:  # a shared type
        type_ref = r.uint()
        if type_ref in (3, 5):  # XmlElement, XmlHook carry a name
            r.skip_bytes()
        return 1
    if kind == 8:  # any values
        n = r.uint()
        for _i in range(n):
            r.skip_any()
        return n
    if kind == 9:  # sub-document
        r.skip_bytes()
        r.skip_any()
        return 1
    raise WireError(f"unknown content kind {kind}")


def decode_state_vector(state: bytes) -> dict[int, int]:
    r = _Reader(state)
    return {r.uint(): r.uint() for _ in range(r.uint())}


class Scalar:
    """A lone ``Map.set(key, value)`` struct whose key is implied by its left origin."""

    __slots__ = ("client", "clock", "origin", "value")

    def __init__(self, client: int, clock: int, origin: tuple[int, int],
                 value: str | int | float | bool | None) -> None:
        self.client = client
        self.clock = clock
        self.origin = origin
        self.value = value


_FLOAT32 = struct.Struct(">f").unpack_from
_FLOAT64 = struct.Struct(">d").unpack_from


def _plain_value(r: _Reader) -> tuple[bool, str | int | float | bool | None]:
    """Decode one lib0 ``Any`` that is a plain value; (False, None) for anything else."""
    tag = r.byte()
    # Plain values: null (126), integer (125), float32/64 (124/123), bigint (122), false/true
    # (121/120), string (119). Anything else (undefined, objects, arrays, bytes) takes the
    # slow path.
    if not 119 <= tag <= 126:
        return False, None
    if tag == 119:
        n = r.uint()
        start = r.pos
        if n > len(r.data) - start:
            raise WireError("truncated update")
        r.pos = start + n
        try:
            # Sliced and decoded in one step when compiled: no bytes object in between.
            return True, r.data[start:start + n].decode("utf-8")
        except UnicodeDecodeError:  # lone surrogates: let pycrdt decide, on the slow path
            return False, None
    if tag == 125:  # lib0 varInt: sign in bit 7 of the first byte, 6 value bits, then 7 per byte
        first = r.byte()
        value = first & 0x3F
        shift = 6
        byte = first
        while byte & 0x80:
            byte = r.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
            if shift > 70:
                raise WireError("varint too long")
        # yrs reads every lib0 integer as a double: give the value the slow path would see.
        return True, float(-value if first & 0x40 else value)
    if tag in (124, 123, 122):
        width = 4 if tag == 124 else 8
        start = r.pos
        if width > len(r.data) - start:
            raise WireError("truncated update")
        r.pos = start + width
        if tag == 122:
            return True, int.from_bytes(r.data[start:start + width], "big", signed=True)
        # Read in place, by unpackers bound once (yrs writes every number as a float64).
        return True, (_FLOAT32 if tag == 124 else _FLOAT64)(r.data, start)[0]
    if tag == 126:
        return True, None
    return True, tag == 120  # 121 is false, 120 true


class TooComplex(WireError):
    """An update with more structs or delete ranges than one update may carry."""


#: Structs plus delete-set ranges one update may carry when the caller sets no bound: decoding
#: costs ~1 µs per entry in Python and applying up to ~10 µs, so 2 MiB of one-byte ranges would
#: otherwise hold the event loop for half a second before anything could refuse it.
DEFAULT_MAX_ITEMS = 20_000


class UpdateInfo:
    """What an update contains and refers to (client ids and clocks only)."""

    __slots__ = ("deletes", "inserts_nul", "own", "ranges", "refs", "scalar", "size", "structs",
                 "unit_deletes")

    def __init__(
        self,
        own: dict[int, tuple[int, int]],
        refs: list[tuple[int, int]],
        deletes: list[tuple[int, int]],
        inserts_nul: bool = False,
        *,
        structs: int = 0,
        ranges: int = 0,
        size: int = 0,
        scalar: Scalar | None = None,
        unit_deletes: bool = True,
    ) -> None:
        self.own = own  # client -> (first clock, end clock) of the items it carries
        self.refs = refs  # ids its items are anchored on
        self.deletes = deletes  # the last id of each deleted range
        self.inserts_nul = inserts_nul  # some inserted text contains a NUL character
        self.structs = structs  # structs in the update (an insert of any length is one)
        self.ranges = ranges  # delete-set ranges, empty ones included
        self.size = size  # bytes
        #: The update is one map entry set to one plain value after a known item (the commonest
        #: edit: a rate, a date, a title): what the guard's fast path checks before applying.
        self.scalar = scalar
        self.unit_deletes = unit_deletes  # every deleted range is one item long

    def missing_dependencies(self, known: dict[int, int]) -> bool:
        """True when the update needs items beyond ``known`` (client -> next clock) and itself."""
        own = self.own
        for client, (first, _end) in own.items():
            if first > known.get(client, 0):
                return True  # a gap before this client's first item
        for client, clock in self.refs:
            if not _known(client, clock, known, own):
                return True
        # A loop, not any(): compiled, a generator per edit cost ~1,400 instructions (issue 17).
        for client, clock in self.deletes:  # noqa: SIM110
            if not _known(client, clock, known, own):
                return True
        return False

    def advance(self, known: dict[int, int]) -> None:
        """Record in ``known`` the items this update brought (after it was applied)."""
        for client, (_first, end) in self.own.items():
            if end > known.get(client, 0):
                known[client] = end


def has_missing_dependencies(update: bytes, known: dict[int, int]) -> bool:
    """True when ``update`` needs items beyond ``known`` (a state vector) and itself.

    Raises WireError for bytes that are not a v1 update.
    """
    return read_update(update).missing_dependencies(known)


def read_update(update: bytes, max_items: int = DEFAULT_MAX_ITEMS) -> UpdateInfo:
    """Parse the ids of a v1 update; raises WireError for bytes that are not one.

    Counts are checked as each block header is read, before its entries are: an update with more
    than ``max_items`` structs and delete ranges raises TooComplex having decoded at most that
    many (the decoder's own cost is what an attacker would otherwise control).
    """
    r = _Reader(update)
    lone: tuple[int, int, tuple[int, int], int] | None = None  # a lone map set: where its value is
    own: dict[int, tuple[int, int]] = {}  # client -> (first clock, end clock) in this update
    refs: list[tuple[int, int]] = []
    # Each client block counts too: a million empty blocks cost as much to read as a million
    # structs.
    items = 0
    structs_total = 0
    blocks = r.uint()
    for _i in range(blocks):
        structs, client, clock = r.uint(), r.uint(), r.uint()
        # items + structs + 1 > max_items, put so that no sum can overflow a C integer (the
        # compiled module counts in 64 bits, and a count may be up to 2**63 - 1).
        if structs >= max_items - items:
            raise TooComplex(f"an update may carry at most {max_items} structs and deletions")
        items += structs + 1
        structs_total += structs
        first = clock
        for _j in range(structs):
            info = r.byte()
            kind = info & _KIND
            if kind in (_GC, _SKIP):
                clock += r.uint()
                continue
            if info & _ORIGIN:
                refs.append((r.uint(), r.uint()))
                if kind == _ANY and structs == 1 and not info & _RIGHT_ORIGIN:
                    lone = (client, clock, refs[-1], r.pos)
            if info & _RIGHT_ORIGIN:
                refs.append((r.uint(), r.uint()))
            if not info & (_ORIGIN | _RIGHT_ORIGIN):  # parent info is written out
                if r.uint() == 1:
                    r.skip_bytes()  # a root type's name
                else:
                    refs.append((r.uint(), r.uint()))  # the id of the parent type's item
                if info & _PARENT_SUB:
                    r.skip_bytes()
            clock += _content_length(r, kind)
        own[client] = (first, clock)
    deletes: list[tuple[int, int]] = []
    unit_deletes = True
    ranges_total = 0
    blocks = r.uint()
    for _i in range(blocks):  # the delete set
        client = r.uint()
        ranges = r.uint()
        if ranges >= max_items - items:  # as for the structs above
            raise TooComplex(f"an update may carry at most {max_items} structs and deletions")
        items += ranges + 1
        ranges_total += ranges
        for _j in range(ranges):
            start, length = r.uint(), r.uint()
            if length:
                deletes.append((client, start + length - 1))
                if length != 1:
                    unit_deletes = False
    if r.pos != len(update):
        raise WireError("trailing bytes after the update")
    # Built field by field: compiled, that is a few stores, where a call with keyword
    # arguments parsed them first (~1,000 instructions of an edit's ~90,000, issue 17).
    result = UpdateInfo.__new__(UpdateInfo)
    result.own = own
    result.refs = refs
    result.deletes = deletes
    result.inserts_nul = r.nul
    result.structs = structs_total
    result.ranges = ranges_total
    result.size = len(update)
    result.scalar = _lone_scalar(r, lone) if lone is not None and structs_total == 1 else None
    result.unit_deletes = unit_deletes
    return result


def _lone_scalar(r: _Reader, lone: tuple[int, int, tuple[int, int], int]) -> Scalar | None:
    """The set of one plain value, if that is what the update's single ContentAny holds (read
    again with ``r``, from where ``read_update`` found it)."""
    client, clock, origin, at = lone
    r.pos = at
    if r.uint() != 1:  # one value: a map entry holds exactly one
        return None
    ok, value = _plain_value(r)
    if not ok:
        return None
    # Built field by field, as UpdateInfo is: compiled, an extension type's stores, where a
    # NamedTuple went through a generic call (~1,400 instructions per edit, issue 17).
    scalar = Scalar.__new__(Scalar)
    scalar.client = client
    scalar.clock = clock
    scalar.origin = origin
    scalar.value = value
    return scalar


def _known(client: int, clock: int, known: dict[int, int], own: dict[int, tuple[int, int]]
           ) -> bool:
    if clock < known.get(client, 0):
        return True
    span = own.get(client)
    return span is not None and span[0] <= clock < span[1]
