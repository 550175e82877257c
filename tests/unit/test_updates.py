"""The update decoder agrees with Yjs on what an update depends on."""

from __future__ import annotations

import random
from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text, get_update

from server.crdt.updates import decode_state_vector, has_missing_dependencies
from server.wire import WireError

WORDS = ["a", "héllo", "😀 emoji", "𝄞 clef", "", "x" * 300]


def _edit(rng: random.Random, doc: Doc[Any]) -> None:
    terms = doc.get("terms", type=Map)
    text = doc.get("description", type=Text)
    rows = doc.get("milestones", type=Array)
    with doc.transaction():
        roll = rng.random()
        if roll < 0.3:
            terms[rng.choice(["title", "rate", "nested"])] = rng.choice(
                [rng.randrange(-5, 10**9), 12.5, rng.choice(WORDS), True, None,
                 {"k": [1, "two", {"three": 3.0}]}, [1, 2, 3]])
        elif roll < 0.6:
            # pycrdt indexes text by UTF-8 byte: edit only at character boundaries, as a real
            # (UTF-16 indexed) client does.
            s = str(text)
            bounds = [len(s[:i].encode()) for i in range(len(s) + 1)]
            if s and rng.random() < 0.4:
                i = rng.randrange(len(s))
                del text[bounds[i]:bounds[i + 1]]
            else:
                text.insert(rng.choice(bounds), rng.choice(WORDS) or "z")
        elif roll < 0.8:
            rows.append(Map({"id": f"m{rng.randrange(1000)}", "amount": rng.randrange(10**6)}))
        elif len(rows):
            del rows[rng.randrange(len(rows))]


@pytest.mark.parametrize("seed", range(40))
def test_in_order_updates_have_their_dependencies(seed: int) -> None:
    rng = random.Random(seed)
    a, b = Doc(client_id=rng.randrange(1, 2**31)), Doc(client_id=rng.randrange(1, 2**31))
    server = Doc()
    for _ in range(30):
        doc = rng.choice([a, b])
        doc.apply_update(server.get_update(doc.get_state()))
        before = doc.get_state()
        _edit(rng, doc)
        update = doc.get_update(before)
        known = decode_state_vector(server.get_state())
        assert not has_missing_dependencies(update, known), seed
        server.apply_update(update)
        assert get_update(update, server.get_state())[0] == 0  # and Yjs agrees: none pending


@pytest.mark.parametrize("seed", range(40))
def test_an_update_after_a_missing_one_is_detected(seed: int) -> None:
    rng = random.Random(seed)
    doc, server = Doc(client_id=rng.randrange(1, 2**31)), Doc()
    _edit(rng, doc)
    server.apply_update(doc.get_update())
    before = doc.get_state()
    _edit(rng, doc)  # never sent
    middle = doc.get_state()
    if middle == before:
        return  # that edit changed nothing
    _edit(rng, doc)
    later = doc.get_update(middle)
    verdict = has_missing_dependencies(later, decode_state_vector(server.get_state()))
    if _pending_per_yjs(server, later):
        assert verdict  # every pending struct is caught
    elif verdict:
        # Stricter than Yjs's pending structs: deleting items the server never received would
        # wait as a pending delete set and strike later, unchecked.
        assert _deletes_unknown(server, doc, before, middle, later)


def _deletes_unknown(server: Doc[Any], doc: Doc[Any], before: bytes, middle: bytes,
                     later: bytes) -> bool:
    never_sent = doc.get_update(before)
    probe = Doc()
    probe.apply_update(server.get_update())
    probe.apply_update(later)
    with_missing = Doc()
    with_missing.apply_update(server.get_update())
    with_missing.apply_update(never_sent)
    with_missing.apply_update(later)
    # Only the delete set can make these differ once the never-sent items are there.
    return probe.get_update() != with_missing.get_update() and middle != before


def _pending_per_yjs(server: Doc[Any], update: bytes) -> bool:
    probe = Doc()
    probe.apply_update(server.get_update())
    probe.apply_update(update)
    return get_update(update, probe.get_state())[0] != 0


@pytest.mark.parametrize("garbage", [b"", b"\x01", b"\x01\x02\x03garbage", b"\x00\x00\x00",
                                     b"\x01\x01\x05\x00\xff"])
def test_malformed_bytes_are_a_wire_error(garbage: bytes) -> None:
    with pytest.raises(WireError):
        has_missing_dependencies(garbage, {})
