"""Users, roles and credentials: who may do what, and proof of who is asking.

Roles (enforced by the API on every route, see :data:`ROLE_PERMISSIONS`):

* ``viewer``: partner rankings and explanations, monitoring, policies (``read``);
* ``analyst``: + what-if, compare, robustness, policy validation (``analyze``);
* ``case_officer``: + cases read and write, queue, schedule, notification, transfers
  (``cases_read``, ``cases_write``);
* ``oversight``: ``read`` + cases and audit read-only, quarterly metrics (``cases_read``,
  ``audit_read``, ``metrics``);
* ``admin``: everything, + users and data import (``admin``).

Credentials: passwords and API token secrets are stored as argon2id hashes (passwords with
argon2-cffi's defaults, RFC 9106; token secrets, 256 random bits, with a lighter profile).
A token is ``bst_<id>.<secret>``; the id finds the row, the secret is
verified against its hash. argon2 is slow by design, so a verified token is remembered in
memory as a keyed BLAKE2b digest (key: a random per-process secret); later requests compare
digests in constant time and still read the token row, so a revoked token or a disabled user
is refused on the next request.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from burdenshare.errors import NotFoundError, UserError

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine

ROLES: tuple[str, ...] = ("viewer", "analyst", "case_officer", "oversight", "admin")
PERMISSIONS: tuple[str, ...] = (
    "read",
    "analyze",
    "cases_read",
    "cases_write",
    "audit_read",
    "metrics",
    "admin",
)
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "analyze"}),
    "case_officer": frozenset({"read", "analyze", "cases_read", "cases_write"}),
    "oversight": frozenset({"read", "cases_read", "audit_read", "metrics"}),
    "admin": frozenset(PERMISSIONS),
}
TOKEN_PREFIX = "bst_"
_TOKEN_RE = re.compile(r"^bst_([A-Za-z0-9]{8,32})\.([A-Za-z0-9_\-]{20,100})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class User:
    """An authenticated user."""

    id: int
    name: str
    role: str

    @property
    def permissions(self) -> frozenset[str]:
        return ROLE_PERMISSIONS.get(self.role, frozenset())

    def can(self, permission: str) -> bool:
        return permission in self.permissions


@functools.lru_cache(maxsize=2)
def _hasher(kind: str = "password"):
    """argon2id hashers. Passwords: argon2-cffi's defaults (RFC 9106's second recommended
    option: t=3, m=64 MiB, p=4). Token secrets are 256 random bits, so guessing is hopeless
    whatever the cost and a light profile is enough (t=2, m=8 MiB, p=1): it keeps the first
    request of a token fast. The parameters are stored in each hash, so either verifies."""
    from argon2 import PasswordHasher

    if kind == "token":
        return PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)
    return PasswordHasher()


def hash_secret(secret: str, kind: str = "password") -> str:
    return _hasher(kind).hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_role(role: str) -> str:
    r = role.strip().lower().replace("-", "_")
    if r not in ROLES:
        raise UserError(f"unknown role {role!r}; roles: {', '.join(ROLES)}", field="role")
    return r


def check_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise UserError(
            f"expected 1-64 letters, digits or . _ @ - (starting with a letter or digit), "
            f"got {name!r}",
            field="name",
        )
    return name


def check_password(password: str) -> str:
    if len(password) < 10:
        raise UserError("a password needs at least 10 characters", field="password")
    return password


def _audit(engine: Engine, conn, actor: str, kind: str, subject: str, payload: dict) -> None:
    from burdenshare.store.cases import append_audit

    append_audit(conn, actor=actor, kind=kind, subject=subject, payload=payload)


def _tx(engine: Engine, fn):
    from burdenshare.store.cases import run_tx

    return run_tx(engine, fn)


def _new_token(conn, user_id: int) -> str:
    from burdenshare.store import users as store

    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    store.insert_token(conn, token_id, user_id, hash_secret(secret, "token"))
    return f"{TOKEN_PREFIX}{token_id}.{secret}"


def add_user(
    engine: Engine, name: str, role: str, *, actor: str, password: str | None = None
) -> str:
    """Create a user with a first API token; returns the token (shown once, never stored)."""
    from burdenshare.store import users as store

    name, role = check_name(name), check_role(role)
    pw_hash = None if password is None else hash_secret(check_password(password))

    def work(conn) -> str:
        if store.user_by_name(conn, name) is not None:
            raise UserError(f"user {name!r} already exists", field="name")
        user = store.insert_user(conn, name, role, pw_hash)
        token = _new_token(conn, user["id"])
        _audit(engine, conn, actor, "user_added", name, {"role": role})
        return token

    return _tx(engine, work)


def _require(conn, name: str) -> dict[str, Any]:
    from burdenshare.store import users as store

    row = store.user_by_name(conn, name)
    if row is None:
        raise NotFoundError(f"no user named {name!r}", field="name")
    return row


def set_role(engine: Engine, name: str, role: str, *, actor: str) -> None:
    from burdenshare.store import users as store

    role = check_role(role)

    def work(conn) -> None:
        old = _require(conn, name)
        store.update_user(conn, name, role=role)
        _audit(engine, conn, actor, "user_role", name, {"from": old["role"], "to": role})

    _tx(engine, work)
    forget_tokens()


def set_disabled(engine: Engine, name: str, disabled: bool, *, actor: str) -> None:
    from burdenshare.store import users as store

    def work(conn) -> None:
        _require(conn, name)
        store.update_user(conn, name, disabled=disabled)
        _audit(engine, conn, actor, "user_disabled" if disabled else "user_enabled", name, {})

    _tx(engine, work)
    forget_tokens()


def set_password(engine: Engine, name: str, password: str, *, actor: str) -> None:
    from burdenshare.store import users as store

    pw_hash = hash_secret(check_password(password))

    def work(conn) -> None:
        _require(conn, name)
        store.update_user(conn, name, password_hash=pw_hash)
        _audit(engine, conn, actor, "user_password", name, {})

    _tx(engine, work)


def issue_token(engine: Engine, name: str, *, actor: str) -> str:
    """A new API token for ``name`` (earlier tokens stay valid until revoked)."""

    def work(conn) -> str:
        row = _require(conn, name)
        token = _new_token(conn, row["id"])
        _audit(engine, conn, actor, "token_issued", name, {"token_id": token.split(".")[0]})
        return token

    return _tx(engine, work)


def revoke(engine: Engine, name: str, *, actor: str) -> int:
    """Revoke every token of ``name``; returns how many."""
    from burdenshare.store import users as store

    def work(conn) -> int:
        row = _require(conn, name)
        n = store.revoke_tokens(conn, row["id"])
        _audit(engine, conn, actor, "tokens_revoked", name, {"count": n})
        return n

    n = _tx(engine, work)
    forget_tokens()
    return n


def list_users(engine: Engine) -> list[dict[str, Any]]:
    from burdenshare.store import users as store

    return store.list_users(engine)


# ---- authentication -------------------------------------------------------------------------

_verified: dict[str, bytes] = {}
_verified_lock = threading.Lock()
_digest_key = secrets.token_bytes(32)
#: A token's user is reused for this long without reading the store again (a revoke, role
#: change or disable made in this process clears it at once; one made by another server
#: process is seen at most this much later).
RECHECK_SECONDS = 1.0
_recent: dict[bytes, tuple[float, User]] = {}


def recent_user(token: str) -> User | None:
    """The user of a token authenticated less than :data:`RECHECK_SECONDS` ago, or None."""
    import time

    digest = _digest(token)
    with _verified_lock:
        hit = _recent.get(digest)
    if hit is not None and time.monotonic() - hit[0] < RECHECK_SECONDS:
        return hit[1]
    return None


def _digest(token: str) -> bytes:
    return hashlib.blake2b(token.encode(), key=_digest_key, digest_size=32).digest()


def forget_tokens() -> None:
    """Drop remembered verifications (after a revoke, a role change, a disable)."""
    with _verified_lock:
        _verified.clear()
        _recent.clear()


def authenticate_token(engine: Engine, token: str) -> User | None:
    """The user a bearer token belongs to, or None (malformed, unknown, revoked, disabled)."""
    from burdenshare.store import users as store

    m = _TOKEN_RE.match(token or "")
    if m is None:
        return None
    token_id = m.group(1)
    row = store.token_owner(engine, token_id)
    if row is None or row["disabled"]:
        return None
    digest = _digest(token)
    with _verified_lock:
        known = _verified.get(token_id)
    if known is None or not hmac.compare_digest(known, digest):
        if not verify_secret(row["secret_hash"], m.group(2)):
            return None
        with _verified_lock:
            if len(_verified) > 10_000:
                _verified.clear()
            _verified[token_id] = digest
    user = User(int(row["id"]), row["name"], row["role"])
    import time

    with _verified_lock:
        if len(_recent) > 10_000:
            _recent.clear()
        _recent[digest] = (time.monotonic(), user)
    return user


def authenticate_password(engine: Engine, name: str, password: str) -> User | None:
    """The user if the password matches (and the user is enabled), else None."""
    from burdenshare.store import users as store

    row = store.user_for_login(engine, name)
    if row is None or row["disabled"] or not row["password_hash"]:
        # spend the same time as a real check, so names cannot be probed by timing
        verify_secret(_dummy_hash(), password)
        return None
    if not verify_secret(row["password_hash"], password):
        return None
    return User(int(row["id"]), row["name"], row["role"])


def user_by_id(engine: Engine, user_id: int) -> User | None:
    from burdenshare.store import users as store

    row = store.user_by_id(engine, user_id)
    if row is None or row["disabled"]:
        return None
    return User(int(row["id"]), row["name"], row["role"])


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_secret(secrets.token_urlsafe(16))
