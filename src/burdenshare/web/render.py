"""Rendering helpers shared by the dashboard's routes: the store engine of the app, the
view-state choices read from the query string, and the page response (template, common
context, a Content-Security-Policy that lets the browser load nothing but this server)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from burdenshare.web import TEMPLATES

#: The browser may load scripts, styles, images and data from this server only; no inline
#: script and no eval (Vega's expressions run through the vendored vega-interpreter); chart
#: exports are data:/blob: URLs.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

NAV = [
    ("/", "Ranking"),
    ("/compare", "Compare policies"),
    ("/monitor", "Allies monitor"),
    ("/cases", "Cases"),
    ("/metrics", "Metrics"),
]


@lru_cache(maxsize=1)
def templates():
    from fastapi.templating import Jinja2Templates

    t = Jinja2Templates(directory=str(TEMPLATES))
    t.env.filters["fmt"] = _fmt
    t.env.filters["pct"] = lambda v: "—" if v is None else f"{v * 100:.0f}%"
    return t


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def engine_of(request: Request):
    """The store engine of the app serving ``request`` (the API's context), else the
    default store named by the environment."""
    state = request.app.state
    for name in ("engine",):
        if getattr(state, name, None) is not None:
            return getattr(state, name)
    for name in ("ctx", "context", "services"):
        ctx = getattr(state, name, None)
        if ctx is not None and getattr(ctx, "engine", None) is not None:
            return ctx.engine
    from burdenshare.store.db import get_engine

    state.engine = get_engine(None)
    return state.engine


def policy_choice(request: Request, param: str = "policy", default: str = "eo14383") -> str:
    """A built-in policy named in the query string (unknown names fall back to ``default``)."""
    from burdenshare.web.front import policies

    value = request.query_params.get(param, default)
    return value if value in policies() else default


def year_choice(request: Request, years: list[int]) -> int | None:
    """The year asked for when the store has data for it, else None (the panel's default)."""
    text = request.query_params.get("year", "")
    if text.isdigit() and int(text) in years:
        return int(text)
    return None


def current_user(request: Request) -> Any:
    """The signed-in user (from the API's session cookie), or None."""
    from burdenshare.web.session import user_of

    return user_of(request)


def page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    fragment: bool = False,
    **context: Any,
) -> Response:
    """Render ``template`` with the common context (navigation, user, policies, footer)."""
    from burdenshare.web.front import policies
    from burdenshare.web.session import csrf_token

    ctx = {
        "request": request,
        "nav": NAV,
        "path": request.url.path,
        "user": current_user(request),
        "policies": policies(),
        "csrf": csrf_token(request),
        **context,
    }
    resp: HTMLResponse = templates().TemplateResponse(request, template, ctx, status_code=status)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


def denied(request: Request, permission: str) -> Response | None:
    """None when the signed-in user holds ``permission``; else the sign-in page (nobody
    signed in) or a 403 page naming what the role lacks."""
    from fastapi.responses import RedirectResponse

    from burdenshare.web.session import can, user_of

    user = user_of(request)
    if user is None and can(None, permission, request):
        return None
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    if not can(user, permission, request):
        return page(
            request,
            "error.html",
            status=403,
            title="Not allowed",
            message=f"Your role ({user.role}) does not include {permission.replace('_', ' ')}.",
        )
    return None
