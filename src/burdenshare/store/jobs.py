"""All SQL for background jobs: create (or find by inputs), progress, result, read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from burdenshare.store.user_models import JobRow

JOBS = JobRow.__table__


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def find_reusable(engine: Engine, kind: str, inputs_hash: str) -> dict[str, Any] | None:
    """The newest job of ``kind`` with these inputs that is done or still running."""
    q = (
        sa.select(JOBS)
        .where(
            JOBS.c.kind == kind,
            JOBS.c.inputs_hash == inputs_hash,
            JOBS.c.status.in_(("queued", "running", "done")),
        )
        .order_by(JOBS.c.created_at.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(q).mappings().one_or_none()
    return None if row is None else dict(row)


def insert_job(
    engine: Engine, job_id: str, kind: str, inputs_hash: str, inputs: str, created_by: str
) -> None:
    now = _now()
    with engine.begin() as conn:
        conn.execute(
            JOBS.insert().values(
                id=job_id,
                kind=kind,
                inputs_hash=inputs_hash,
                inputs=inputs,
                status="queued",
                done=0,
                total=0,
                created_by=created_by,
                created_at=now,
                updated_at=now,
            )
        )


def update_job(engine: Engine, job_id: str, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(JOBS.update().where(JOBS.c.id == job_id).values(updated_at=_now(), **values))


def get_job(engine: Engine, job_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(JOBS).where(JOBS.c.id == job_id)).mappings().one_or_none()
    return None if row is None else dict(row)


def fail_unfinished(engine: Engine) -> int:
    """Mark jobs left queued or running by a stopped server as failed (at start-up)."""
    with engine.begin() as conn:
        return conn.execute(
            JOBS.update()
            .where(JOBS.c.status.in_(("queued", "running")))
            .values(status="failed", error="the server stopped before the job finished")
        ).rowcount
