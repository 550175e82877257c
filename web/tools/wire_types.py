"""Generate web/src/wire.gen.ts, the browser's copy of the app-message schema, from the server's.

server/wire.py is the one schema of the socket's application messages (``[100, varString(JSON)]``).
This reads its unions through ``msgspec.json.schema_components`` and writes them as TypeScript:
one interface per message (``<Struct>Message``, its ``type`` tag first), one per nested struct,
and the unions ``ClientMessage``, ``ServerMessage`` and ``Command``. Field comments (``#:``) and
docstrings of server/wire.py come along as doc comments.

    .venv/bin/python web/tools/wire_types.py           # rewrite web/src/wire.gen.ts
    .venv/bin/python web/tools/wire_types.py --check   # exit 1, naming each difference, if stale

tests/unit/test_wire_schema.py runs the same comparison, so ``make test`` fails when server/wire.py
changes and the generated file was not regenerated.

Optional fields: a field with a default in server/wire.py is optional here (``name?:``). Server
messages omit ``None`` values, empty lists and ``False`` (``omit_defaults``), and may omit any
other default, so a reader must treat an absent field as its default.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "web" / "src" / "wire.gen.ts"
REGENERATE = ".venv/bin/python web/tools/wire_types.py"
#: The unions of server/wire.py written out, in this order.
UNIONS = ("ClientMessage", "ServerMessage", "Command")

if str(ROOT) not in sys.path:  # run as a script from anywhere: import the server package
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Field:
    name: str
    optional: bool
    ts: str  # the TypeScript type, e.g. "string | null"
    default: Any = None
    has_default: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Shape:
    """One struct of the schema: a tagged message or a nested object."""

    title: str  # the Python class name
    tag: str | None  # the ``type`` value of a message; None for a nested struct
    fields: tuple[Field, ...]
    doc: str = ""

    @property
    def ts_name(self) -> str:
        return ts_name(self.title, self.tag)


@dataclass(frozen=True)
class Model:
    """What the TypeScript side must declare: shapes by title, and each union's members."""

    shapes: dict[str, Shape] = field(default_factory=dict)
    unions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> shape titles


def ts_name(title: str, tag: str | None) -> str:
    # "Message" on every tagged struct: ``Error`` alone would shadow the global Error in TS.
    return f"{title}Message" if tag is not None else title


# --- reading the server's schema ---------------------------------------------------------------


def field_comments(cls: type) -> dict[str, str]:
    """The ``#:`` comment lines above each field of ``cls``, joined (the source's own docs)."""
    comments: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines()[1:]:
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r"(\w+)\s*:", stripped)
        if match and pending:
            comments[match.group(1)] = " ".join(pending)
        pending = []
    return comments


def server_model() -> Model:
    """The unions of server/wire.py as a Model, from msgspec's JSON Schema of them."""
    import msgspec

    from server import wire

    unions = [getattr(wire, name) for name in UNIONS]
    roots, components = msgspec.json.schema_components(unions)
    return model_from_schema(dict(zip(UNIONS, roots, strict=True)), components,
                             lambda title: field_comments(getattr(wire, title)))


def model_from_schema(roots: dict[str, dict[str, Any]], components: dict[str, dict[str, Any]],
                      comments: Any = None) -> Model:
    model = Model()
    for union, root in roots.items():
        members = tuple(_ref(item) for item in root["anyOf"])
        model.unions[union] = members
    for title, schema in components.items():
        docs = comments(title) if comments is not None else {}
        model.shapes[title] = _shape(title, schema, components, docs)
    return model


def _ref(schema: dict[str, Any]) -> str:
    ref: str = schema["$ref"]
    return ref.rsplit("/", 1)[1]


def _shape(title: str, schema: dict[str, Any], components: dict[str, dict[str, Any]],
           docs: dict[str, str]) -> Shape:
    if schema.get("type") != "object":
        raise ValueError(f"{title}: only object structs are supported, not {schema!r}")
    props: dict[str, Any] = schema["properties"]
    required = set(schema.get("required", ()))
    tag = None
    fields = []
    for name, prop in props.items():
        if name == "type" and "enum" in prop and len(prop["enum"]) == 1:
            tag = prop["enum"][0]
            continue
        fields.append(Field(
            name=name,
            optional=name not in required,
            ts=ts_type(prop, components),
            default=prop.get("default"),
            has_default="default" in prop,
            doc=docs.get(name, ""),
        ))
    return Shape(title, tag, tuple(fields), schema.get("description", ""))


def ts_type(schema: dict[str, Any], components: dict[str, dict[str, Any]]) -> str:
    """A JSON Schema type as TypeScript; anything this does not know stops the generator."""
    if "$ref" in schema:
        title = _ref(schema)
        return ts_name(title, _tag_of(components[title]))
    if "anyOf" in schema:
        return " | ".join(ts_type(s, components) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(_literal(v) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        return "string"
    if kind in ("integer", "number"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "null":
        return "null"
    if kind == "array" and isinstance(schema.get("items"), dict):
        item = ts_type(schema["items"], components)
        return f"Array<{item}>" if " | " in item else f"{item}[]"
    if not set(schema) - {"default", "description", "title"}:
        return "unknown"  # Any: the field's comment says what it holds
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"Record<string, {ts_type(schema['additionalProperties'], components)}>"
    if kind == "object" and "properties" not in schema:
        # A free-form JSON object (dict[str, Any]): its keys are documented, not typed.
        return "Record<string, unknown>"
    raise ValueError(f"no TypeScript for the schema {schema!r}: extend web/tools/wire_types.py")


def _tag_of(schema: dict[str, Any]) -> str | None:
    prop = schema.get("properties", {}).get("type", {})
    enum = prop.get("enum")
    return enum[0] if isinstance(enum, list) and len(enum) == 1 else None


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return json.dumps(value)


# --- writing TypeScript ------------------------------------------------------------------------


def render(model: Model) -> str:
    """wire.gen.ts for ``model``: nested structs, client messages, server messages, unions."""
    order: list[str] = []

    def visit(title: str) -> None:
        if title not in order:
            order.append(title)

    nested = [t for t, s in model.shapes.items() if s.tag is None]
    for title in nested:
        visit(title)
    for union in UNIONS:
        for title in model.unions.get(union, ()):
            visit(title)
    out = [
        "// Generated by web/tools/wire_types.py from server/wire.py: do not edit by hand.",
        f"// Regenerate: `{REGENERATE}` (tests/unit/test_wire_schema.py",
        "// fails while this file is stale). The protocol is described in docs/PROTOCOL.md.",
        "//",
        "// A field marked `?` has a default on the server; server messages leave out defaults",
        "// (null, false, [] and sometimes others), so read an absent field as its default.",
        "",
    ]
    client = set(model.unions.get("ClientMessage", ()))
    server = set(model.unions.get("ServerMessage", ()))
    for title in order:
        shape = model.shapes[title]
        direction = (" (client -> server)" if title in client else
                     " (server -> client)" if title in server else "")
        out += _interface(shape, direction)
        out.append("")
    for union in (u for u in UNIONS if u in model.unions):
        members = model.unions[union]
        out.append(f"/** {_UNION_DOCS[union]} */")
        out.append(f"export type {union} =")
        out += [f"  | {model.shapes[m].ts_name}" for m in members]
        out.append("")
    return "\n".join(out)


_UNION_DOCS = {
    "ClientMessage": "Every app message a client may send.",
    "ServerMessage": "Every app message the server sends.",
    "Command": "The negotiation commands: answered by `ack` or `error` with `ref` = the command's"
               " `id`; also the body of POST /api/offers/{id}/commands.",
}


def _doc(text: str) -> str:
    """reStructuredText literals (``x``) as Markdown ones (`x`), on one line."""
    return " ".join(text.replace("``", "`").split())


def _interface(shape: Shape, direction: str) -> list[str]:
    lines = []
    doc = _doc(shape.doc)
    head = (f"`{shape.tag}`{direction}" if shape.tag
            else f"{shape.title} in server/wire.py, nested in messages")
    lines.append(f"/** {head}{': ' + doc if doc else ''} */")
    lines.append(f"export interface {shape.ts_name} {{")
    if shape.tag is not None:
        lines.append(f"  type: {_literal(shape.tag)}")
    for f in shape.fields:
        notes = [_doc(f.doc)] if f.doc else []
        if f.has_default and f.default is not None and f.default is not False \
                and f.default != []:
            notes.append(f"Default {json.dumps(f.default)}.")
        if notes:
            lines.append(f"  /** {' '.join(notes)} */")
        lines.append(f"  {f.name}{'?' if f.optional else ''}: {f.ts}")
    lines.append("}")
    return lines


# --- reading wire.gen.ts back (only the format ``render`` writes) ------------------------------

_INTERFACE = re.compile(r"export interface (\w+) \{")
_MEMBER = re.compile(r"  (\w+)(\??): (.+)")
_UNION = re.compile(r"export type (\w+) =")


def parse_generated(text: str) -> Model:
    """The Model a wire.gen.ts declares (by TypeScript names; tags and fields as written)."""
    model = Model()
    lines = iter(text.splitlines())
    for line in lines:
        if match := _INTERFACE.fullmatch(line):
            name = match.group(1)
            tag = None
            fields = []
            for member in lines:
                if member == "}":
                    break
                if m := _MEMBER.fullmatch(member):
                    fname, optional, ts = m.group(1), m.group(2) == "?", m.group(3)
                    if fname == "type" and re.fullmatch(r"'[^']*'", ts):
                        tag = ts[1:-1]
                    else:
                        fields.append(Field(fname, optional, ts))
            model.shapes[name] = Shape(name, tag, tuple(fields))
        elif match := _UNION.fullmatch(line):
            members = []
            for member in lines:
                if not member.startswith("  | "):
                    break
                members.append(member[4:].strip())
            model.unions[match.group(1)] = tuple(members)
    return model


def differences(server: Model, generated: Model) -> list[str]:
    """Each way ``generated`` (parsed from wire.gen.ts) differs from ``server``, in words."""
    found: list[str] = []
    by_name = {s.ts_name: s for s in server.shapes.values()}

    def label(shape: Shape) -> str:
        return (f"message '{shape.tag}' ({shape.title} in server/wire.py)" if shape.tag
                else f"struct {shape.title}")

    for union in UNIONS:
        want = [server.shapes[t].ts_name for t in server.unions.get(union, ())]
        have = list(generated.unions.get(union, ()))
        for name in want:
            if name not in have:
                found.append(f"{union}: {label(by_name[name])} is missing from the union")
        for name in have:
            if name not in want:
                found.append(f"{union}: {name} is in the TypeScript union but not in "
                             f"server/wire.py's {union}")
    for name, shape in by_name.items():
        ts = generated.shapes.get(name)
        if ts is None:
            found.append(f"{label(shape)}: no `interface {name}` in web/src/wire.gen.ts")
            continue
        if ts.tag != shape.tag:
            found.append(f"{label(shape)}: type tag is {ts.tag!r} in TypeScript")
        theirs = {f.name: f for f in ts.fields}
        for f in shape.fields:
            other = theirs.pop(f.name, None)
            where = f"{label(shape)}, field '{f.name}'"
            if other is None:
                found.append(f"{where}: in server/wire.py, missing in TypeScript")
                continue
            if other.optional != f.optional:
                found.append(f"{where}: {'optional' if f.optional else 'required'} on the "
                             f"server, {'optional' if other.optional else 'required'} in "
                             "TypeScript")
            if _norm(other.ts) != _norm(f.ts):
                found.append(f"{where}: type is `{f.ts}` on the server, `{other.ts}` in "
                             "TypeScript")
        for extra in theirs:
            found.append(f"{label(shape)}, field '{extra}': in TypeScript, not in "
                         "server/wire.py")
    for name in generated.shapes:
        if name not in by_name:
            found.append(f"interface {name}: in web/src/wire.gen.ts, not in server/wire.py")
    return found


def _norm(ts: str) -> str:
    return re.sub(r"\s+", " ", ts).strip()


def check(path: Path = OUTPUT) -> list[str]:
    """Every difference between ``path`` and what server/wire.py makes of it; [] when current."""
    model = server_model()
    if not path.exists():
        return [f"{path.relative_to(ROOT)} does not exist"]
    text = path.read_text()
    found = differences(model, parse_generated(text))
    if not found and text != render(model):
        found.append("the declarations agree, but comments or layout differ from the generator's")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="report differences instead of writing (exit 1 when stale)")
    args = parser.parse_args(argv)
    if args.check:
        found = check()
        for line in found:
            print(f"wire.gen.ts: {line}")
        if found:
            print(f"regenerate: {REGENERATE}")
        return 1 if found else 0
    OUTPUT.write_text(render(server_model()))
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
