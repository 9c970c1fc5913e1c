"""User administration (admin only): list, add (answers the first token once), role,
disable/enable, new token, revoke tokens. Every change is audited with the admin's name."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from burdenshare.api.auth import actor, current_user, perm
from burdenshare.api.listing import answer
from burdenshare.api.routers._common import Body, engine

router = APIRouter(prefix="/users", tags=["users"])
Role = Literal["viewer", "analyst", "case_officer", "oversight", "admin"]


@router.get("", **perm("admin", csv=True))
def list_users(request: Request, format: Literal["json", "csv"] | None = None):
    """Users with role, disabled flag and number of live tokens (never a hash)."""
    from burdenshare.services import users

    rows = users.list_users(engine(request))
    return answer(
        request,
        rows,
        columns=("name", "role", "disabled", "tokens", "created_at"),
        filename="users.csv",
    )


class UserIn(Body):
    name: str = Field(min_length=1, max_length=64)
    role: Role
    password: str | None = Field(None, min_length=10, max_length=1024)


@router.post("", status_code=201, **perm("admin"))
def add_user(body: UserIn, request: Request, user=Depends(current_user)):
    """Create a user; the answer holds the API token, shown this once."""
    from burdenshare.services import users

    token = users.add_user(
        engine(request), body.name, body.role, actor=actor(user), password=body.password
    )
    return {"name": body.name, "role": body.role, "token": token}


class RoleIn(Body):
    role: Role


@router.post("/{name}/role", **perm("admin"))
def set_role(name: str, body: RoleIn, request: Request, user=Depends(current_user)):
    """Change a user's role (takes effect on the user's next request)."""
    from burdenshare.services import users

    users.set_role(engine(request), name, body.role, actor=actor(user))
    return {"name": name, "role": body.role}


class DisabledIn(Body):
    disabled: bool = True


@router.post("/{name}/disabled", **perm("admin"))
def set_disabled(name: str, body: DisabledIn, request: Request, user=Depends(current_user)):
    """Disable (or enable) a user: every token and session is refused while disabled."""
    from burdenshare.services import users

    users.set_disabled(engine(request), name, body.disabled, actor=actor(user))
    return {"name": name, "disabled": body.disabled}


@router.post("/{name}/tokens", status_code=201, **perm("admin"))
def new_token(name: str, request: Request, user=Depends(current_user)):
    """A new API token for the user (shown once)."""
    from burdenshare.services import users

    return {"name": name, "token": users.issue_token(engine(request), name, actor=actor(user))}


@router.post("/{name}/revoke", **perm("admin"))
def revoke(name: str, request: Request, user=Depends(current_user)):
    """Revoke every API token of the user."""
    from burdenshare.services import users

    return {"name": name, "revoked": users.revoke(engine(request), name, actor=actor(user))}
