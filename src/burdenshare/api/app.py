"""The FastAPI application: ``create_app(settings)``.

Everything is under ``/api/v1`` except ``/healthz`` (probes), ``/openapi.json`` and ``/docs``
(Swagger UI vendored in ``api/static/swagger-ui``, no CDN, no inline script).
If the dashboard package :mod:`burdenshare.web` is installed, its ``mount_dashboard(app)``
adds it to the same app. Pure-ASGI middleware adds security headers and refuses bodies over
``settings.max_body`` bytes with 413.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

import burdenshare
from burdenshare.api import errors
from burdenshare.api.errors import body as error_body

if TYPE_CHECKING:  # pragma: no cover
    from burdenshare.settings import Settings

API_PREFIX = "/api/v1"
STATIC = Path(__file__).parent / "static"
#: Routers under /api/v1, one module per resource (a missing module is skipped, so areas
#: other branches add -- reports, ledger -- can land one by one).
ROUTERS: tuple[str, ...] = (
    "partners",
    "whatif",
    "compare",
    "robustness",
    "policies",
    "monitor",
    "cases",
    "transfers",
    "queue",
    "catalog",
    "metrics",
    "audit",
    "jobs",
    "users",
    "data",
    "reports",
    "ledger",
)

CSP_API = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
CSP_PAGES = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def _security_headers(csp: str) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
    )


_HEADERS_API = _security_headers(CSP_API)
_HEADERS_PAGES = _security_headers(CSP_PAGES)


class SecurityHeaders:
    """Security headers on every answer (CSP without inline script, no sniffing, no framing)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        extra = (
            _HEADERS_API
            if path.startswith(API_PREFIX) or path == "/openapi.json"
            else _HEADERS_PAGES
        )

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for k, v in extra:
                    if k not in names:
                        headers.append((k, v))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """413 for request bodies larger than ``limit`` bytes (declared or streamed)."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    too_big = int(v) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await self._refuse(send)
                    return
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        resp = JSONResponse(
            error_body(413, f"request body over {self.limit} bytes"), status_code=413
        )
        await resp({"type": "http"}, None, send)


class _TooLarge(Exception):
    pass


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for ``settings`` (default: read from the environment)."""
    from burdenshare.services.context import Context
    from burdenshare.settings import Settings as SettingsCls

    settings = settings or SettingsCls()
    app = FastAPI(
        title="burdenshare",
        version=burdenshare.__version__,
        description="Prioritize US arms transfers by burden-sharing (EO 14383): partner "
        "scoring, the case queue, notification checks, monitoring. Send `Authorization: "
        "Bearer <token>` (from `burdenshare users add`); each route's `x-permission` names "
        "the permission its role must hold.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.ctx = Context(settings)
    from burdenshare.api.auth import _Limiter

    app.state.login_limiter = _Limiter()
    errors.install(app)

    from burdenshare.api import auth

    app.include_router(auth.router, prefix=API_PREFIX)
    for name in ROUTERS:
        try:
            module = importlib.import_module(f"burdenshare.api.routers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"burdenshare.api.routers.{name}":
                continue
            raise
        app.include_router(module.router, prefix=API_PREFIX)

    @app.get("/healthz", tags=["health"], openapi_extra={"x-permission": "public"})
    def healthz(request: Request) -> dict:
        """Liveness and database reachability (for probes; no credentials needed)."""
        from burdenshare.store.db import ping

        try:
            ping(request.app.state.ctx.engine)
        except Exception:  # noqa: BLE001 - the probe reports, never raises
            return JSONResponse({"status": "unavailable", "database": False}, status_code=503)
        return {"status": "ok", "database": True, "version": burdenshare.__version__}

    _bearer_in_openapi(app)
    _docs(app)
    _dashboard(app)
    from burdenshare.api.fastpath import CachedPartners

    app.add_middleware(CachedPartners, ctx=app.state.ctx)
    app.add_middleware(BodyLimit, limit=settings.max_body)
    app.add_middleware(SecurityHeaders)
    return app


def _bearer_in_openapi(app: FastAPI) -> None:
    """Declare the Bearer token scheme (Swagger UI's "Authorize" button) on every route
    that needs credentials (``x-permission`` other than ``public``)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        spec.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "bst_<id>.<secret>"}
        }
        for item in spec.get("paths", {}).values():
            for op in item.values():
                if isinstance(op, dict) and op.get("x-permission") not in (None, "public"):
                    op["security"] = [{"bearer": []}]
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _docs(app: FastAPI) -> None:
    """Swagger UI from vendored files (``static/swagger-ui``, see its README) + our init."""
    app.mount("/static/api", StaticFiles(directory=STATIC), name="api-static")
    page = (STATIC / "docs.html").read_text(encoding="utf-8")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)


def _dashboard(app: FastAPI) -> None:
    """Mount the web dashboard when :mod:`burdenshare.web` is there (another branch)."""
    try:
        web = importlib.import_module("burdenshare.web")
    except ModuleNotFoundError as exc:
        if exc.name in ("burdenshare.web",):
            return
        raise
    mount = getattr(web, "mount_dashboard", None)
    if mount is not None:
        mount(app)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): settings from the environment."""
    return create_app()
