"""All SQL for users and API tokens (the rules -- hashing, roles -- are in
:mod:`burdenshare.services.users`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from burdenshare.store.user_models import ApiTokenRow, UserRow

USERS = UserRow.__table__
TOKENS = ApiTokenRow.__table__

_USER_COLS = ("id", "name", "role", "disabled", "created_at")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def insert_user(
    conn: sa.Connection, name: str, role: str, password_hash: str | None
) -> dict[str, Any]:
    res = conn.execute(
        USERS.insert().values(
            name=name, role=role, password_hash=password_hash, disabled=False, created_at=_now()
        )
    )
    return {"id": int(res.inserted_primary_key[0]), "name": name, "role": role}


def user_by_name(conn: sa.Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).mappings().one_or_none()
    return None if row is None else dict(row)


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Users with their number of live tokens, by name (no hashes)."""
    live = (
        sa.select(TOKENS.c.user_id, sa.func.count().label("tokens"))
        .where(TOKENS.c.revoked == sa.false())
        .group_by(TOKENS.c.user_id)
        .subquery()
    )
    q = (
        sa.select(*(USERS.c[c] for c in _USER_COLS), sa.func.coalesce(live.c.tokens, 0))
        .outerjoin(live, live.c.user_id == USERS.c.id)
        .order_by(USERS.c.name)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        {
            "name": r.name,
            "role": r.role,
            "disabled": bool(r.disabled),
            "tokens": int(r[-1]),
            "created_at": r.created_at,
        }
        for r in rows
    ]


def update_user(conn: sa.Connection, name: str, **values: Any) -> int:
    return conn.execute(USERS.update().where(USERS.c.name == name).values(**values)).rowcount


def insert_token(conn: sa.Connection, token_id: str, user_id: int, secret_hash: str) -> None:
    conn.execute(
        TOKENS.insert().values(
            id=token_id, user_id=user_id, secret_hash=secret_hash, created_at=_now(), revoked=False
        )
    )


def revoke_tokens(conn: sa.Connection, user_id: int) -> int:
    return conn.execute(
        TOKENS.update()
        .where(TOKENS.c.user_id == user_id, TOKENS.c.revoked == sa.false())
        .values(revoked=True)
    ).rowcount


def token_owner(engine: Engine, token_id: str) -> dict[str, Any] | None:
    """The live token's hash and its (enabled or not) user: one indexed query."""
    q = (
        sa.select(
            TOKENS.c.secret_hash,
            USERS.c.id,
            USERS.c.name,
            USERS.c.role,
            USERS.c.disabled,
        )
        .join(USERS, USERS.c.id == TOKENS.c.user_id)
        .where(TOKENS.c.id == token_id, TOKENS.c.revoked == sa.false())
    )
    with engine.connect() as conn:
        row = conn.execute(q).mappings().one_or_none()
    return None if row is None else dict(row)


def user_for_login(engine: Engine, name: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        return user_by_name(conn, name)


def user_by_id(engine: Engine, user_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = (
            conn.execute(sa.select(*(USERS.c[c] for c in _USER_COLS)).where(USERS.c.id == user_id))
            .mappings()
            .one_or_none()
        )
    return None if row is None else dict(row)
