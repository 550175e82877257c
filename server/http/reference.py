"""``GET /docs/api``: the OpenAPI document as a plain, server-rendered reference page.

No script and no external resource: the page is semantic HTML with one stylesheet from this
origin (``GET /docs/api.css``), under its own Content-Security-Policy that allows nothing else.
Every value taken from the document is HTML-escaped. Rendered once, on first request.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from server.http.openapi import build_document

#: Nothing but this origin's stylesheet; the page is never framed and has no forms.
_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'")
_HEADERS = {"Content-Security-Policy": _POLICY, "Cache-Control": "public, max-age=300"}

_CSS = """\
:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; }
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; }
h1, h2, h3 { line-height: 1.2; }
h3 { margin-top: 2rem; font-family: ui-monospace, monospace; font-size: 1rem; }
.method { display: inline-block; min-width: 4.5rem; font-weight: 700; }
.auth, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left;
         vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; font-size: .875rem; }
pre { overflow-x: auto; border: 1px solid var(--line); padding: .5rem; }
nav ul { columns: 2; }
"""

_AUTH = {(): "public", ("apiKey",): "API key",
         ("apiKey", "participantToken", "participantQuery"): "API key or participant token"}


_CODE = re.compile(r"``?([^`<>]+)``?")


def _text(raw: str) -> str:
    """Prose from the document, escaped, with its `code` spans marked up."""
    return _CODE.sub(r"<code>\1</code>", escape(raw))


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else None


def _schema_html(schema: dict[str, Any]) -> str:
    """A schema as a link to its component, or its JSON."""
    name = _ref_name(schema)
    if name is not None:
        return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return f"array of {_schema_html(schema['items'])}"
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list):
            word = " and " if key == "allOf" else " or "
            return word.join(_schema_html(s) for s in schema[key])
    return f"<code>{escape(json.dumps(schema, ensure_ascii=False))}</code>"


def _responses_html(responses: dict[str, Any], shared: dict[str, Any]) -> str:
    rows = []
    for status, answer in responses.items():
        if "$ref" in answer:
            answer = shared[answer["$ref"].rsplit("/", 1)[1]]
        bodies = [f"<code>{escape(media)}</code> {_schema_html(content.get('schema', {}))}"
                  for media, content in answer.get("content", {}).items()]
        rows.append(f"<tr><td>{escape(status)}</td><td>{_text(answer['description'])}</td>"
                    f"<td>{'<br>'.join(bodies)}</td></tr>")
    return ("<table><thead><tr><th>status</th><th>meaning</th><th>body</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _operation_html(method: str, path: str, op: dict[str, Any], shared: dict[str, Any]) -> str:
    anchor = escape(op["operationId"])
    schemes = tuple(name for rule in op.get("security", []) for name in rule)
    auth = _AUTH.get(schemes, ", ".join(schemes))
    parts = [f'<section id="op-{anchor}"><h3><span class="method">{escape(method.upper())}'
             f"</span> {escape(path)}</h3>",
             f"<p>{_text(op.get('summary', ''))} <span class=\"auth\">({escape(auth)}; "
             f"<code>{anchor}</code>)</span></p>"]
    params = op.get("parameters", [])
    if params:
        rows = "".join(
            f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
            f"<td>{'yes' if p.get('required') else 'no'}</td>"
            f"<td>{_schema_html(p.get('schema', {}))}</td>"
            f"<td>{_text(p.get('description', ''))}</td></tr>" for p in params)
        parts.append("<table><thead><tr><th>parameter</th><th>in</th><th>required</th>"
                     f"<th>schema</th><th>description</th></tr></thead><tbody>{rows}</tbody>"
                     "</table>")
    body = op.get("requestBody")
    if body:
        bodies = [f"<code>{escape(media)}</code> {_schema_html(c.get('schema', {}))}"
                  for media, c in body["content"].items()]
        parts.append(f"<p>Request body: {'; '.join(bodies)}</p>")
    parts.append(_responses_html(op["responses"], shared))
    parts.append("</section>")
    return "".join(parts)


def render(document: dict[str, Any]) -> str:
    info = document["info"]
    shared = document["components"]["responses"]
    out = ['<!doctype html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(info['title'])} API reference</title>",
           '<link rel="stylesheet" href="/docs/api.css"></head><body>',
           f"<header><h1>{escape(info['title'])} API reference</h1>",
           f"<p>{_text(info.get('description', ''))}</p>",
           '<p>OpenAPI 3.1 document: <a href="/openapi.json">/openapi.json</a>.</p></header>',
           "<nav><h2>Operations</h2><ul>"]
    operations = [(method, path, op) for path, item in document["paths"].items()
                  for method, op in item.items()]
    for method, path, op in operations:
        out.append(f'<li><a href="#op-{escape(op["operationId"])}">{escape(method.upper())} '
                   f"{escape(path)}</a></li>")
    out.append("</ul></nav><main><h2>Operations</h2>")
    out.extend(_operation_html(method, path, op, shared) for method, path, op in operations)
    out.append("<h2>Webhooks</h2>")
    for name, item in document.get("webhooks", {}).items():
        for method, op in item.items():
            out.append(_operation_html(method, f"webhook: {name}", op, shared))
    out.append("<h2>Schemas</h2>")
    for name, schema in document["components"]["schemas"].items():
        text = json.dumps(schema, indent=2, ensure_ascii=False)
        out.append(f'<section id="schema-{escape(name)}"><h3>{escape(name)}</h3>'
                   f"<pre>{escape(text)}</pre></section>")
    out.append("</main></body></html>")
    return "\n".join(out)


_page: bytes | None = None


def page_bytes() -> bytes:
    global _page
    if _page is None:
        _page = render(build_document()).encode()
    return _page


async def reference_page(request: Request) -> Response:
    return Response(page_bytes(), media_type="text/html; charset=utf-8", headers=_HEADERS)


async def reference_css(request: Request) -> Response:
    return Response(_CSS, media_type="text/css; charset=utf-8", headers=_HEADERS)
