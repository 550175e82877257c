"""The browser app: the offer page shell and its built assets (web/dist)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from server.http.services import Services

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>offer-room</title>
<p>The web app has not been built. Run <code>make install</code> and reload.</p>"""


async def offer_page(request: Request) -> Response:
    services: Services = request.app.state.services
    index = services.config.web_dir / "index.html"
    if not index.exists():
        return HTMLResponse(_NOT_BUILT, status_code=503)
    # The page carries the token in its URL: never cache it, never leak it as a referrer.
    return FileResponse(
        index,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
