"""Security headers on every HTTP response: a pure ASGI middleware, a few list appends a request.

Every response: ``X-Content-Type-Options: nosniff`` (a JSON error never renders as HTML) and
``Referrer-Policy: no-referrer`` (links carry tokens). ``/api/*`` and the room page (its URL
carries a token) are never cached. The room page gets a Content-Security-Policy: everything from
this origin only, sockets to this host, and ``frame-ancestors`` from ``Config.ancestors()``
(the room is embedded in the marketplace's pages, nowhere else).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.config import Config

Header = tuple[bytes, bytes]

_EVERY: list[Header] = [(b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"no-referrer")]
_NO_STORE: list[Header] = [*_EVERY, (b"cache-control", b"no-store")]
#: The embedding helper (``/assets/offer-room-embed*.js``) is imported as an ES module by the
#: marketplace's pages, on other origins: a cross-origin module script needs CORS. Public code.
_SHARED: list[Header] = [*_EVERY, (b"access-control-allow-origin", b"*")]
#: A Host header fit to be named in the policy (a name or IPv4 address and a port), so a forged
#: Host cannot add directives of its own. CSP source expressions have no IPv6 literals.
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?")
#: The room page's sources. Styles only from the stylesheet: the page sets its colour custom
#: properties (--c, --chg) through the CSSOM (web/src/dom.ts ``h``), which a CSP never blocks,
#: not through style attributes. Images: the favicon and the stylesheet's icons are data: URIs.
_PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                "img-src 'self' data:; base-uri 'none'; object-src 'none'; form-action 'self'")

#: The outcome report page (``/reports``): the same sources; it fetches only its own origin's
#: API, and no marketplace frames it (the integrator's key is typed into it).
_REPORT_POLICY = (f"{_PAGE_POLICY}; connect-src 'self'; frame-ancestors 'none'").encode()


def room_page_policy(ancestors: tuple[str, ...], host: str | None) -> bytes:
    """The room page's CSP for a request naming ``host`` (its Host header)."""
    # 'self' covers same-host sockets in CSP 3; older engines need the ws/wss origin named.
    connect = "'self'"
    if host is not None and _HOST.fullmatch(host):
        connect += f" ws://{host} wss://{host}"
    # An IPv6 literal ("http://[::1]:8000") is no valid source: browsers report the whole
    # directive as broken on every page load. Such an embedder can only be named by host name.
    framers = " ".join(a for a in ancestors if "[" not in a) or "'none'"
    policy = f"{_PAGE_POLICY}; connect-src {connect}; frame-ancestors {framers}"
    return policy.encode("latin-1")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, config: Config) -> None:
        self.app = app
        self.ancestors = config.ancestors()
        room_page_policy(self.ancestors, None)  # a setting headers cannot carry fails at start

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/api/"):
            extra = _NO_STORE
        elif path.startswith("/offers/"):
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
            policy = room_page_policy(self.ancestors, host)
            extra = [*_NO_STORE, (b"content-security-policy", policy)]
        elif path == "/reports":
            extra = [*_NO_STORE, (b"content-security-policy", _REPORT_POLICY)]
        elif path.startswith("/assets/offer-room-embed"):
            extra = _SHARED
        else:
            extra = _EVERY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Header] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
