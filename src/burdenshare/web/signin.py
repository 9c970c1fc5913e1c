"""Sign-in and sign-out pages over the API's session cookie (see :mod:`.session`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from burdenshare.web.render import page

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """A local path to return to after sign-in (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    from burdenshare.web.session import new_signin_token, set_signin_cookie

    token = new_signin_token()
    nxt = _safe_next(request.query_params.get("next"))
    resp = page(request, "signin.html", title="Sign in", next=nxt, csrf=token)
    set_signin_cookie(resp, token)
    return resp


@router.post("/signin")
async def signin_submit(request: Request) -> Response:
    from fastapi.responses import RedirectResponse

    from burdenshare.web.session import (
        check_signin_csrf,
        new_signin_token,
        set_signin_cookie,
        sign_in,
    )

    form = await request.form()
    target = _safe_next(str(form.get("next", "")))
    if not check_signin_csrf(request, str(form.get("csrf", ""))):
        error = "The form expired; please try again."
    else:
        redirect = RedirectResponse(target, status_code=303)
        error = sign_in(request, redirect, str(form.get("name", "")), str(form.get("password", "")))
        if error is None:
            return redirect
    token = new_signin_token()
    resp = page(
        request, "signin.html", status=401, title="Sign in", next=target, csrf=token, error=error
    )
    set_signin_cookie(resp, token)
    return resp


@router.post("/signout")
async def signout_submit(request: Request) -> Response:
    from fastapi.responses import RedirectResponse

    from burdenshare.web.session import check_csrf, sign_out

    form = await request.form()
    resp = RedirectResponse("/", status_code=303)
    if check_csrf(request, str(form.get("csrf", ""))):
        sign_out(resp)
    return resp
