"""Errors as JSON: ``{"error": {"status", "message", "field", "in", "pointer"}}``, never a
traceback. The service layer names fields in its own words (``samples``); here they become a
JSON pointer into the request body (``/samples``) or the name of a query/path parameter."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from burdenshare.errors import NotFoundError, PermissionDenied, StoreError, UserError

log = logging.getLogger("burdenshare.api")


class ApiError(Exception):
    """An HTTP error with a JSON body (raised by routes and the auth layer)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        where: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.where = where
        self.headers = headers
        self.extra = extra or {}


def body(
    status: int,
    message: str,
    field: str | None = None,
    where: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    err: dict[str, Any] = {"status": status, "message": message}
    if field:
        err["field"] = field
        err["in"] = where or "body"
        err["pointer"] = "/" + "/".join(
            str(p).replace("~", "~0").replace("/", "~1") for p in field.split(".")
        )
    err.update(extra or {})
    return {"error": err}


def _location(request: Request) -> str:
    return "body" if request.method in ("POST", "PUT", "PATCH") else "query"


def _status_of(exc: UserError) -> int:
    from burdenshare.errors import ConcurrentUpdateError

    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ConcurrentUpdateError):
        return 409
    if isinstance(exc, StoreError):
        return 503
    return 422


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a JSON answer."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            body(exc.status, exc.message, exc.field, exc.where, exc.extra),
            status_code=exc.status,
            headers=exc.headers,
        )

    @app.exception_handler(UserError)
    async def _user_error(request: Request, exc: UserError) -> JSONResponse:
        status = _status_of(exc)
        extra: dict[str, Any] = {}
        rows = getattr(exc, "rows", None)
        if rows:
            extra["rows"] = [
                {"where": r.where, "field": r.field, "message": r.message, "case": r.key}
                for r in rows
            ]
        if exc.where and not exc.where.startswith("--"):
            extra["where"] = exc.where
        version = getattr(exc, "current_version", None)
        if version is not None:
            extra["current_version"] = version
        where = getattr(exc, "location", None) or _location(request)
        return JSONResponse(body(status, exc.message, exc.field, where, extra), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ())]
        where = loc[0] if loc else "body"
        field = ".".join(loc[1:]) or None
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())[1:]),
                "in": str(e.get("loc", ("body",))[0]),
                "message": e.get("msg", ""),
            }
            for e in errors
        ]
        msg = first.get("msg", "invalid request")
        if field:
            msg = f"{field}: {msg}"
        return JSONResponse(body(422, msg, field, where, {"errors": details}), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            body(exc.status_code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(body(500, "internal error (logged on the server)"), status_code=500)
