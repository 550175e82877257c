"""The browser app: the offer page shell and its built assets (web/dist).

The page's URL carries the participant's token: the security middleware (``security.py``) marks
it never to be cached nor sent as a referrer, and gives it its Content-Security-Policy. The page
carries the origins allowed to frame it (the CSP's ``frame-ancestors``) in
``<html data-embed-origins>``: the only ones its embedding API (web/src/embed.ts) talks to.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from server.http.services import Services

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>offer-room</title>
<p>The web app has not been built. Run <code>make install</code> and reload.</p>"""


async def offer_page(request: Request) -> Response:
    services: Services = request.app.state.services
    index = services.config.web_dir / "index.html"
    if not index.exists():
        return HTMLResponse(_NOT_BUILT, status_code=503)
    # The same sources as the CSP's frame-ancestors (an IPv6 literal is left out there too).
    origins = " ".join(a for a in services.config.ancestors() if "[" not in a)
    page = index.read_text(encoding="utf-8").replace(
        "<html ", f'<html data-embed-origins="{html.escape(origins, quote=True)}" ', 1)
    return HTMLResponse(page)


async def report_page(request: Request) -> Response:
    """The outcome report for integrators (``/reports``): a static page that asks for the API key
    and reads ``GET /api/reports/outcomes`` itself (web/src/report/)."""
    services: Services = request.app.state.services
    page = services.config.web_dir / "report.html"
    if not page.exists():
        return HTMLResponse(_NOT_BUILT, status_code=503)
    return HTMLResponse(page.read_text(encoding="utf-8"))
