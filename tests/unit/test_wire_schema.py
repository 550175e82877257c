"""The browser's message types agree with the server's schema (server/wire.py).

web/src/wire.gen.ts is generated from ``msgspec.json.schema_components`` of the server's unions by
web/tools/wire_types.py, and web/src/types.ts re-exports it. These tests fail, naming each message
and field that differs, when server/wire.py changes and the file was not regenerated, or when the
file is edited by hand; and when types.ts stops using the generated unions.
"""

from __future__ import annotations

import functools
import importlib.util
import operator
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest

ROOT = Path(__file__).resolve().parents[2]
TYPES_TS = ROOT / "web" / "src" / "types.ts"


def _load_generator() -> ModuleType:
    path = ROOT / "web" / "tools" / "wire_types.py"
    spec = importlib.util.spec_from_file_location("wire_types", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining classes
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def test_wire_gen_ts_matches_server_wire() -> None:
    found = gen.check()
    assert not found, (
        "web/src/wire.gen.ts disagrees with server/wire.py:\n  - "
        + "\n  - ".join(found)
        + f"\nRegenerate it with `{gen.REGENERATE}` (server/wire.py is the source of truth)."
    )


def test_types_ts_re_exports_the_generated_messages() -> None:
    text = TYPES_TS.read_text()
    assert re.search(r"^export type \* from '\./wire\.gen'$", text, re.M), (
        "web/src/types.ts must re-export the generated message types: "
        "export type * from './wire.gen'"
    )
    for union in gen.UNIONS:
        assert not re.search(rf"\b(type|interface)\s+{union}\b", text), (
            f"web/src/types.ts declares its own {union}; use the generated one (wire.gen.ts)"
        )


# --- the check itself notices drift (so a green run means something) ---------------------


#: A message as it was, and as a server change made it (same class name, as in server/wire.py).
_PING = msgspec.defstruct("Ping", [("at", int), ("note", str | None, None)],
                          tag="ping", tag_field="type", omit_defaults=True)
_PING_V2 = msgspec.defstruct(
    "Ping",
    [("at", str), ("note", str), ("sender", str, "")],  # a new type, now required, a new field
    tag="ping", tag_field="type", omit_defaults=True,
)
_PONG = msgspec.defstruct("Pong", [("at", int)], tag="pong", tag_field="type")


def _model(*structs: type) -> Any:
    """A Model of a ClientMessage union of ``structs``, as the generator reads server/wire.py."""
    union = functools.reduce(operator.or_, structs)
    (root,), components = msgspec.json.schema_components([union])
    if "anyOf" not in root:  # a single struct is no union: make it one of one
        root = {"anyOf": [root]}
    return gen.model_from_schema({"ClientMessage": root}, components)


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ((_PING_V2, _PONG), [
            "message 'ping' (Ping in server/wire.py), field 'at': type is `string` on the server,"
            " `number` in TypeScript",
            "field 'note': required on the server, optional in TypeScript",
            "field 'sender': in server/wire.py, missing in TypeScript",
        ]),
        ((_PING,), [
            "ClientMessage: PongMessage is in the TypeScript union but not in server/wire.py's",
            "interface PongMessage: in web/src/wire.gen.ts, not in server/wire.py",
        ]),
    ],
)
def test_a_drift_is_named(server: tuple[type, ...], expected: list[str]) -> None:
    generated = gen.parse_generated(gen.render(_model(_PING, _PONG)))
    found = gen.differences(_model(*server), generated)
    for words in expected:
        assert any(words in line for line in found), (words, found)


def test_a_message_missing_from_typescript_is_named() -> None:
    generated = gen.parse_generated(gen.render(_model(_PING)))
    found = gen.differences(_model(_PING, _PONG), generated)
    assert any("message 'pong' (Pong in server/wire.py) is missing from the union" in line
               for line in found), found
