"""SQLAlchemy models of the service's users, their API tokens, and background jobs.

* ``users``: a name, a role (viewer, analyst, case_officer, oversight, admin), an optional
  argon2 password hash (for the dashboard's sign-in), and a disabled flag.
* ``api_tokens``: a token is ``bst_<id>.<secret>``; the public ``id`` is the key and only an
  argon2 hash of the secret is stored, so a copy of the database gives no usable token.
* ``jobs``: long work (robustness runs, optimal schedules) with progress, keyed by the hash
  of its inputs so that the same request is answered from the stored result.

Created by migration ``0005_api`` (``store/migrations/versions/0005_api_users.py``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from burdenshare.store.models import Base

ROLES: tuple[str, ...] = ("viewer", "analyst", "case_officer", "oversight", "admin")


class UserRow(Base):
    """One person (or service account) who may use the API."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiTokenRow(Base):
    """One API token: public id, argon2 hash of the secret, revoked flag."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class JobRow(Base):
    """A background job: kind, inputs (and their hash), progress, result or error."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    inputs_hash: Mapped[str] = mapped_column(String(64), index=True)
    inputs: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
