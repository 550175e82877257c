"""A minimal marketplace that embeds offer-room: the whole hand-off an integrator builds.

1. Its server creates an offer through offer-room's REST API with the integrator's API key.
2. It mints a token per user (`POST /api/offers/{id}/tokens`): the client's and the freelancer's.
3. Its page embeds each party's room with `/assets/offer-room-embed.js` (here side by side, as if
   two people were looking), themed in the marketplace's colours.
4. The page lists the events each room posts (`onEvent`); the server takes offer-room's webhooks
   at `/webhooks`, checks their signature and freshness, and the page lists those too.

Run it with `make example` (examples/marketplace/run.py starts both servers). Settings, from the
environment: OFFER_ROOM_URL (where offer-room is), OFFER_ROOM_API_KEY, MARKETPLACE_WEBHOOK_SECRET
(the same value as offer-room's OFFER_ROOM_WEBHOOK_SECRET).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import time
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

OFFER_ROOM = os.environ.get("OFFER_ROOM_URL", "http://127.0.0.1:8000").rstrip("/")
API_KEY = os.environ.get("OFFER_ROOM_API_KEY", "")
WEBHOOK_SECRET = os.environ.get("MARKETPLACE_WEBHOOK_SECRET", "")
#: A webhook older than this is refused (a replayed delivery).
WEBHOOK_MAX_AGE_S = 300
STATIC = Path(__file__).resolve().parent / "static"

#: The marketplace's own records: offer id -> what the page needs. A real one has a database.
offers: dict[str, dict[str, Any]] = {}
#: The webhook events received (newest last), and the event ids seen, to deduplicate retries.
webhooks: deque[dict[str, Any]] = deque(maxlen=200)
seen_ids: set[str] = set()


def api(method: str, path: str, body: Any = None) -> Any:
    """One call to offer-room's REST API as the integrator."""
    response = httpx.request(method, f"{OFFER_ROOM}{path}", json=body, timeout=10,
                             headers={"Authorization": f"Bearer {API_KEY}"})
    response.raise_for_status()
    return response.json()


def page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · Gigs & Co.</title>
<link rel="stylesheet" href="/static/host.css"></head>
<body><header class="top"><strong>Gigs &amp; Co.</strong> <span>a sample marketplace embedding
offer-room</span></header><main>{body}</main></body></html>""")


async def home(request: Request) -> Response:
    rows = "".join(
        f'<li><a href="/offers/{html.escape(oid)}">{html.escape(o["title"])}</a></li>'
        for oid, o in offers.items())
    return page("Offers", f"""
<h1>Send an offer</h1>
<form method="post" action="/offers" class="new">
  <label>Job title <input name="title" required maxlength="100"
         value="Checkout redesign for an online bike shop"></label>
  <label>Hourly rate (USD) <input name="rate" type="number" min="3" max="1000" value="45"></label>
  <button>Create the offer and open the room</button>
</form>
<h2>Offers so far</h2><ul>{rows or "<li>None yet.</li>"}</ul>""")


async def create(request: Request) -> Response:
    # A plain urlencoded form (parsed here rather than adding python-multipart for two fields).
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()[:4096]).items()}
    title = (form.get("title") or "Untitled job")[:100]
    rate = int(form["rate"]) if form.get("rate", "").isdigit() else 45
    rate = max(3, min(1000, rate))
    # 1. The offer, created server-side with the API key (never in the browser).
    created = api("POST", "/api/offers", {
        "terms": {"title": title, "contract_type": "hourly", "currency": "USD",
                  "hourly_rate": rate * 100, "weekly_limit": 20,
                  "description": "Redesign the checkout flow: one-page checkout, address "
                                 "autocomplete, saved cards. Done when all pages pass review."},
        "client": {"id": "u-ada", "name": "Ada Lovelace"},
        "freelancer": {"id": "u-linus", "name": "Linus Torvalds"},
    })
    offer_id = created["id"]
    # 2. A token per user, for as long as the marketplace wants a link to live (here 8 hours).
    links = {}
    for role, user in (("client", {"id": "u-ada", "name": "Ada Lovelace"}),
                       ("freelancer", {"id": "u-linus", "name": "Linus Torvalds"})):
        minted = api("POST", f"/api/offers/{offer_id}/tokens",
                     {"role": role, "user": user, "ttl": 8 * 3600})
        links[role] = minted["link"]
    offers[offer_id] = {"title": title, "links": links}
    return RedirectResponse(f"/offers/{offer_id}", status_code=303)


async def offer(request: Request) -> Response:
    offer_id = request.path_params["offer_id"]
    found = offers.get(offer_id)
    if found is None:
        return page("Not found", "<p>No such offer here. <a href='/'>Back</a></p>")
    config = json.dumps({"offerRoom": OFFER_ROOM, "links": found["links"]})
    # The page's script reads its configuration from a JSON block (no inline code).
    return page(found["title"], f"""
<h1>{html.escape(found["title"])}</h1>
<p class="muted">Both parties' rooms, side by side, as two people would see them in their own
browsers. Each is an iframe put there by <code>offer-room-embed.js</code>.</p>
<div class="rooms">
  <section><h2>Ada (client)</h2><div id="room-client" class="room"></div>
    <h3>Events from her room</h3><ol id="events-client" class="log"></ol></section>
  <section><h2>Linus (freelancer)</h2><div id="room-freelancer" class="room"></div>
    <h3>Events from his room</h3><ol id="events-freelancer" class="log"></ol></section>
</div>
<section><h2>Webhooks received (signature checked)</h2><ol id="webhooks" class="log"></ol></section>
<script type="application/json" id="config">{html.escape(config, quote=False)}</script>
<script type="module" src="/static/host.js"></script>""")


def verify(body: bytes, timestamp: str, signature: str) -> bool:
    """offer-room's webhook signature: HMAC-SHA256 over "<timestamp>.<body>", fresh."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > WEBHOOK_MAX_AGE_S:
        return False
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), signature)


async def webhook(request: Request) -> Response:
    body = await request.body()
    if not verify(body, request.headers.get("X-Offer-Room-Timestamp", ""),
                  request.headers.get("X-Offer-Room-Signature", "")):
        return JSONResponse({"error": "bad signature"}, status_code=401)
    event = json.loads(body)
    if event["id"] not in seen_ids:  # at least once: a retry is answered, not recorded twice
        seen_ids.add(event["id"])
        webhooks.append({"id": event["id"], "offer_id": event["offer_id"], "kind": event["kind"],
                         "at": event["at"], "actor": event.get("actor")})
    return JSONResponse({"ok": True})


async def webhook_log(request: Request) -> Response:
    offer_id = request.query_params.get("offer")
    return JSONResponse([w for w in webhooks if offer_id in (None, w["offer_id"])])


app = Starlette(routes=[
    Route("/", home),
    Route("/offers", create, methods=["POST"]),
    Route("/offers/{offer_id}", offer),
    Route("/webhooks", webhook, methods=["POST"]),
    Route("/webhooks/log", webhook_log),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
])
