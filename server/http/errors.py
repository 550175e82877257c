"""JSON errors: ``{"error": {"code", "message", "fields"?}}`` with the right HTTP status."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.offers.checks import FieldError


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, fields: list[FieldError] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []


def error_response(status: int, code: str, message: str, fields: list[FieldError] | None = None
                   ) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = [{"field": f.field, "message": f.message} for f in fields]
    return JSONResponse({"error": body}, status_code=status)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.fields)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error_response(status, codes.get(status, "http_error"), str(getattr(exc, "detail", "")))
