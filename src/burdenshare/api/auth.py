"""Who is asking, and may they? Bearer tokens for programs, a signed session cookie with a
CSRF token for the browser, roles checked on the server for every route.

* ``Authorization: Bearer bst_<id>.<secret>`` (from ``burdenshare users add|token``);
* ``POST /api/v1/auth/login`` with a name and password sets the ``bs_session`` cookie
  (HttpOnly, SameSite=Strict, Secure on https or when ``BURDENSHARE_COOKIE_SECURE``) and
  returns a CSRF token; a cookie-authenticated write must send it as ``X-CSRF-Token``.
* Each route declares its permission with :func:`perm`, which both enforces it and records
  it in the OpenAPI document as ``x-permission`` (the role matrix test reads it from there).
  No credentials: 401; a role without the permission: 403. ``authenticated`` routes need
  only a user (the route checks more, e.g. a job needs the permission of its kind). With
  ``public_read``, GET routes needing ``read`` are open to anonymous users.
* Sign-in attempts are rate limited per client address and name.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from burdenshare.api.errors import ApiError
from burdenshare.services.users import User

SESSION_COOKIE = "bs_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE = 8 * 3600
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _serializer(request: Request):
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="bs-session")


def read_session(request: Request) -> dict[str, Any] | None:
    """The signed session of ``request`` (``{"uid", "csrf"}``), or None: no cookie, a bad or
    expired signature, or an app without settings (no secret key to check it with). The API
    and the dashboard both read sessions through this."""
    from itsdangerous import BadSignature

    if not hasattr(request.app.state, "settings"):
        return None
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request).loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def issue_session(request: Request, response: Response, user: User) -> str:
    """Sign ``user`` in on ``response``: the signed ``bs_session`` cookie (user id and a fresh
    CSRF token; HTTP-only, SameSite strict, Secure over HTTPS or when configured). Returns the
    CSRF token. The API's login and the dashboard's sign-in both end here."""
    settings = request.app.state.settings
    csrf = secrets.token_urlsafe(24)
    cookie = _serializer(request).dumps({"uid": user.id, "csrf": csrf})
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or settings.cookie_secure,
        path="/",
    )
    return csrf


def clear_session(response: Response) -> None:
    """Sign out on ``response``: the session cookie is deleted."""
    response.delete_cookie(SESSION_COOKIE, path="/")


async def current_user(request: Request) -> User | None:
    """The authenticated user, None when no credentials were sent; 401 for bad ones.

    Async so that a token seen in the last second costs no thread hop; anything that reads
    the store runs in the thread pool."""
    from starlette.concurrency import run_in_threadpool

    from burdenshare.services.users import authenticate_token, recent_user, user_by_id

    engine = request.app.state.ctx.engine
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(
                401,
                "expected Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        user = recent_user(token) or await run_in_threadpool(authenticate_token, engine, token)
        if user is None:
            raise ApiError(
                401,
                "invalid, revoked or disabled token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return user
    sess = read_session(request)
    if sess is None:
        return None
    user = await run_in_threadpool(user_by_id, engine, int(sess.get("uid", 0)))
    if user is None:
        raise ApiError(401, "the session's user no longer exists or is disabled")
    if request.method in UNSAFE:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), str(sess.get("csrf", "")).encode()):
            raise ApiError(403, f"missing or wrong {CSRF_HEADER} header (CSRF protection)")
    return user


def require(permission: str):
    """A dependency that lets the request through only with ``permission``."""

    async def check(request: Request, user: User | None = Depends(current_user)) -> User | None:
        if permission == "public":
            return user
        if user is None:
            settings = request.app.state.settings
            if permission == "read" and settings.public_read and request.method == "GET":
                return None
            raise ApiError(
                401, "sign in or send a Bearer token", headers={"WWW-Authenticate": "Bearer"}
            )
        if permission != "authenticated" and not user.can(permission):
            raise ApiError(
                403, f"role {user.role!r} may not do this (needs permission {permission!r})"
            )
        return user

    return check


class ErrorDetail(BaseModel):
    status: int
    message: str
    field: str | None = None
    # where the field is: body, query, path or header
    in_: str | None = Field(None, alias="in")
    pointer: str | None = None


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {...}}`` naming the field when there is one."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "Bad request"),
        (401, "No or bad credentials"),
        (403, "The role lacks the permission, or CSRF token missing"),
        (404, "Not found"),
        (405, "Method not allowed"),
        (409, "Conflict: the case moved on (current_version given)"),
        (413, "Body too large"),
        (415, "Unsupported content type"),
        (422, "Invalid input: the field is named"),
        (429, "Too many sign-in attempts"),
        (503, "Database unavailable"),
    )
}


def perm(permission: str, *, csv: bool = False, xlsx: bool = False) -> dict[str, Any]:
    """Route keyword arguments: enforce ``permission``, document it in the OpenAPI
    (``x-permission``) with the JSON error answers; ``csv``/``xlsx``: the route also answers
    in those formats."""
    responses = dict(ERROR_RESPONSES)
    if csv or xlsx:
        content: dict[str, Any] = {"application/json": {}}
        if csv:
            content["text/csv"] = {"schema": {"type": "string"}}
        if xlsx:
            content["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] = {
                "schema": {"type": "string", "format": "binary"}
            }
        responses[200] = {"description": "JSON, or the same rows as CSV", "content": content}
    return {
        "dependencies": [Depends(require(permission))],
        "openapi_extra": {"x-permission": permission},
        "responses": responses,
    }


def actor(user: User | None) -> str:
    """The audit actor of a write: the authenticated user's name."""
    if user is None:  # pragma: no cover - writes always need a user
        raise ApiError(401, "sign in or send a Bearer token")
    return user.name


# ---- sign-in ---------------------------------------------------------------------------------


class _Limiter:
    """At most ``n`` attempts per key in a sliding minute."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str, n: int) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._hits[key]
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= n:
                return False
            q.append(now)
            if len(self._hits) > 10_000:
                self._hits.clear()
            return True


router = APIRouter(prefix="/auth", tags=["auth"])


class Login(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    name: str | None
    role: str | None
    permissions: list[str]
    csrf_token: str | None = None


@router.post("/login", response_model=Me, **perm("public"))
def login(body: Login, request: Request, response: Response) -> Me:
    """Sign in with a password: sets the session cookie, returns the CSRF token."""
    from burdenshare.services.users import authenticate_password

    settings = request.app.state.settings
    client = request.client.host if request.client else "?"
    if not request.app.state.login_limiter.allow(
        f"{client}|{body.name}", settings.login_attempts_per_minute
    ):
        raise ApiError(
            429, "too many sign-in attempts; wait a minute", headers={"Retry-After": "60"}
        )
    user = authenticate_password(request.app.state.ctx.engine, body.name, body.password)
    if user is None:
        raise ApiError(401, "wrong name or password", field="password")
    csrf = issue_session(request, response, user)
    return Me(name=user.name, role=user.role, permissions=sorted(user.permissions), csrf_token=csrf)


@router.post("/logout", **perm("public"))
def logout(response: Response) -> dict[str, bool]:
    """Sign out: the session cookie is cleared."""
    clear_session(response)
    return {"ok": True}


@router.get("/me", response_model=Me, **perm("public"))
async def me(request: Request, user: User | None = Depends(current_user)) -> Me:
    """Who the request is from (anonymous: name null), with the session's CSRF token."""
    if user is None:
        return Me(name=None, role=None, permissions=[])
    sess = read_session(request) or {}
    return Me(
        name=user.name,
        role=user.role,
        permissions=sorted(user.permissions),
        csrf_token=sess.get("csrf"),
    )
