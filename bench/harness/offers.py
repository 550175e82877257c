"""Creates offer-room offers over its REST API before a run (set-up, never measured)."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

#: Creation waits on the store's commit; parallel requests share commits (group commit).
_PARALLEL = 16


def offer_body(i: int) -> bytes:
    return json.dumps({
        "terms": {
            "title": f"Bench offer {i}",
            "contract_type": "hourly",
            "currency": "USD",
            "hourly_rate": 4500,
            "weekly_limit": 20,
            "manual_time": False,
            "fixed_price": None,
            "start_date": "2026-12-07",
            "end_date": None,
            "description": "A benchmark offer.",
            "milestones": [],
        },
        "client": {"id": f"c-{i}", "name": "Ada"},
        "freelancer": {"id": f"f-{i}", "name": "Linus"},
    }).encode()


def _create_range(base_url: str, api_key: str, indices: range) -> list[dict[str, Any]]:
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    created = []
    try:
        for i in indices:
            # Body as bytes: http.client then sends headers and body in one write (no Nagle stall).
            conn.request("POST", "/api/offers", offer_body(i), headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 201:
                raise RuntimeError(f"POST /api/offers: {response.status} {data[:200]!r}")
            created.append(json.loads(data))
    finally:
        conn.close()
    return created


def create_offers(base_url: str, api_key: str, count: int) -> list[dict[str, Any]]:
    """``count`` new offers, each with `id` and `tokens` {client, freelancer}."""
    chunks = [range(k, count, _PARALLEL) for k in range(min(_PARALLEL, count))]
    with ThreadPoolExecutor(len(chunks) or 1) as pool:
        results = list(pool.map(lambda r: _create_range(base_url, api_key, r), chunks))
    return [offer for chunk in results for offer in chunk]
