"""The outcome report for integrators: ``GET /api/reports/outcomes?from=&to=`` (API key).

``GET /api/offers/{id}/outcome`` gives one offer's figures, as the report counts them.

``from`` and ``to`` are dates (``2026-11-01``; ``to`` includes its whole day) or times with a
zone (``2026-11-01T09:00:00Z``; ``to`` excluded); by default the last 90 days. Offers are counted
by when they were created. The body is ``server.reports.outcomes.Report`` (docs/RULES.md,
"Outcomes"): aggregates only, never a message, a comment or an offer's text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.http.api import json_response, offer_id_of, offer_of, require_api_key, services_of
from server.http.errors import ApiError
from server.reports.outcomes import offer_outcome, outcome_view

DEFAULT_RANGE = timedelta(days=90)
#: Longer than any input a person types; refused before it is parsed.
_PARAM_MAX = 40


def _moment(raw: str, name: str, *, end: bool) -> datetime:
    if len(raw) > _PARAM_MAX:
        raise ApiError(400, "bad_request", f"{name} must be a date (YYYY-MM-DD) or a time")
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime.combine(day + timedelta(days=1) if end else day, time(), UTC)
        else:
            moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_request",
                       f"{name} must be a date (YYYY-MM-DD) or a time with a zone") from None
    if moment.tzinfo is None:
        raise ApiError(400, "bad_request", f"{name} must carry a time zone (e.g. 'Z')")
    return moment.astimezone(UTC)


async def get_outcomes(request: Request) -> Response:
    require_api_key(request)
    services = services_of(request)
    query = request.query_params
    raw_to, raw_from = query.get("to"), query.get("from")
    try:
        # By default up to the next whole minute: requests within a minute share one range, so
        # a dashboard polling the default gets the cached report instead of a new computation.
        end = (_moment(raw_to, "to", end=True) if raw_to else
               datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1))
        start = _moment(raw_from, "from", end=False) if raw_from else end - DEFAULT_RANGE
        if start >= end:
            raise ApiError(400, "bad_request", "from must be before to")
    except ApiError:
        services.metrics.limit_hit("report_range")
        raise
    body = await services.reports.outcomes(start, end)
    return Response(body, media_type="application/json",
                    headers={"cache-control": "private, max-age=30"})


async def get_offer_outcome(request: Request) -> Response:
    """One offer's figures as the report counts them (API key: ratings are the integrator's)."""
    require_api_key(request)
    offer_id = offer_id_of(request)
    offer = await offer_of(request, offer_id)
    events = await services_of(request).store.list_events(offer_id)
    return json_response(outcome_view(offer_id, offer_outcome(offer, events), datetime.now(UTC)))


routes = [Route("/api/reports/outcomes", get_outcomes),
          Route("/api/offers/{offer_id}/outcome", get_offer_outcome)]
