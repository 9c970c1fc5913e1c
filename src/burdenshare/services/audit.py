"""The hash-chained audit log: pages of records and the chain's verification."""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine

#: Prefix of actors an interface did not authenticate (the CLI's ``--actor``).
LOCAL_PREFIX = "local:"


def local_actor(name: str | None) -> str:
    """The audit actor for local single-user use: ``local:NAME`` (default: the OS user), so
    the log tells a claimed name from an authenticated API user."""
    import getpass

    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
    return name if name.startswith(LOCAL_PREFIX) else f"{LOCAL_PREFIX}{name}"


def verify(engine: Engine) -> dict[str, Any]:
    """Verify the chain; every edited, deleted or reordered record is named."""
    from burdenshare.store import cases as case_store

    result = case_store.verify_audit(engine)
    return {
        "ok": result.ok,
        "records": result.records,
        "summary": result.summary(),
        "problems": [asdict(p) for p in result.problems],
    }


def tail(engine: Engine, *, subject: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` records (oldest first), optionally about one subject."""
    from burdenshare.store import cases as case_store

    records, _ = case_store.read_audit(engine)
    if subject:
        records = [r for r in records if r["subject"] == subject]
    return records[-limit:]


def page(
    engine: Engine,
    *,
    subject: str | None = None,
    actor: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], int | None]:
    """Records after the cursor ``after`` (a seq) in order; returns (rows, next cursor)."""
    import json

    from burdenshare.errors import UserError
    from burdenshare.store import cases as case_store

    if not 1 <= limit <= 1000:
        raise UserError(f"must be between 1 and 1000, not {limit}", field="limit")
    rows = case_store.audit_page(engine, subject=subject, actor=actor, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    for r in rows:
        with contextlib.suppress(TypeError, ValueError):
            r["payload"] = json.loads(r["payload"])
    return rows, (rows[-1]["seq"] if more and rows else None)


def count(engine: Engine, *, kind: str | None = None, actor: str | None = None) -> int:
    from burdenshare.store import cases as case_store

    return case_store.audit_count(engine, kind=kind, actor=actor)
