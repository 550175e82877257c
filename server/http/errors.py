"""JSON errors: ``{"error": {"code", "message", "fields"?}}`` with the right HTTP status.

Every answer the app gives is JSON, including Starlette's own 404/405 and any exception nobody
expected (500 ``internal``, logged with its traceback): never uvicorn's text/plain page.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.offers.checks import FieldError

log = logging.getLogger("offer_room.http")

#: Headers the security middleware adds to every response; repeated on the 500 answer, which is
#: sent from outside that middleware (Starlette's ServerErrorMiddleware is always outermost).
_INTERNAL_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Connection": "close",
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, fields: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []
        self.headers = headers


def error_response(status: int, code: str, message: str, fields: list[FieldError] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = [{"field": f.field, "message": f.message} for f in fields]
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    return error_response(status, codes.get(status, "http_error"),
                          str(getattr(exc, "detail", "")))


async def internal_error_handler(request: Request, exc: Exception) -> Response:
    """Any exception nobody expected: answered as JSON 500.

    Starlette re-raises the exception after this answer, and uvicorn logs it with its traceback;
    this line adds which request it was (the path only: query strings carry tokens).
    """
    log.error("unexpected %s answering %s %s", type(exc).__name__, request.method,
              request.url.path)
    return error_response(500, "internal", "something went wrong on our side; it has been logged",
                          headers=_INTERNAL_HEADERS)
