"""The signed-in user of a dashboard request, from the API's session cookie.

The API owns sessions and roles (:mod:`burdenshare.api.auth`, :mod:`burdenshare.services.users`):
the dashboard signs in through the same password check, writes the same signed ``bs_session``
cookie (user id + CSRF token) and asks the same role matrix, so a role means one thing in the
API and on the pages. Forms that write carry the session's CSRF token in a hidden field
(the API's JSON routes take it as the ``X-CSRF-Token`` header instead); the sign-in form,
before any session exists, uses a double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import Request, Response

SIGNIN_COOKIE = "bs_signin_csrf"


def _auth():
    from burdenshare.api import auth

    return auth


def _engine(request: Request):
    from burdenshare.web.render import engine_of

    return engine_of(request)


def _session(request: Request) -> dict[str, Any] | None:
    return _auth().read_session(request)


def user_of(request: Request) -> Any:
    """The user signed in on ``request`` (a :class:`burdenshare.services.users.User`) or
    None: no cookie, a bad or expired one, or a user since disabled."""
    cached = request.scope.get("bs_user", False)
    if cached is not False:
        return cached
    user = None
    sess = _session(request)
    if sess is not None:
        from burdenshare.services.users import user_by_id

        try:
            user = user_by_id(_engine(request), int(sess.get("uid", 0)))
        except (TypeError, ValueError):
            user = None
    request.scope["bs_user"] = user
    return user


def public_read(request: Request) -> bool:
    """Whether anonymous visitors may read (the API's ``public_read`` setting)."""
    settings = getattr(request.app.state, "settings", None)
    return bool(getattr(settings, "public_read", True))


def can(user: Any, permission: str, request: Request | None = None) -> bool:
    """Whether ``user`` (None: anonymous) holds ``permission`` under the API's role matrix."""
    if user is None:
        return permission == "read" and (request is None or public_read(request))
    return bool(user.can(permission))


def csrf_token(request: Request) -> str:
    """The session's CSRF token for forms that write ("" when nobody is signed in)."""
    sess = _session(request)
    return str(sess.get("csrf", "")) if sess else ""


def check_csrf(request: Request, sent: str) -> bool:
    """Whether a form's token matches the session's (constant-time)."""
    expected = csrf_token(request)
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def new_signin_token() -> str:
    """A fresh token for the sign-in form (see :func:`set_signin_cookie`)."""
    return secrets.token_urlsafe(24)


def set_signin_cookie(response: Response, token: str) -> None:
    """The sign-in form's token as a short-lived strict cookie (double submit)."""
    response.set_cookie(
        SIGNIN_COOKIE, token, max_age=1800, httponly=True, samesite="strict", path="/signin"
    )


def check_signin_csrf(request: Request, sent: str) -> bool:
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def sign_in(request: Request, response: Response, name: str, password: str) -> str | None:
    """Sign in through the API's own login (rate limit, password check, the ``bs_session``
    cookie set on ``response``); None when it worked, else the message to show."""
    from pydantic import ValidationError

    from burdenshare.api.errors import ApiError

    auth = _auth()
    try:
        auth.login(auth.Login(name=name, password=password), request, response)
    except ValidationError:
        return "Enter your user name and password."
    except ApiError as exc:
        return (
            "Too many sign-in attempts; wait a minute."
            if exc.status == 429
            else ("Wrong name or password.")
        )
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return None


def sign_out(response: Response) -> None:
    _auth().clear_session(response)
