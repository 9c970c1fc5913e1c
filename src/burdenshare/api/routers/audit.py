"""The audit log: ``GET /audit`` (paged by sequence number) and ``GET /audit/verify``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request

from burdenshare.api.auth import perm
from burdenshare.api.errors import ApiError
from burdenshare.api.listing import answer, decode_cursor
from burdenshare.api.routers._common import engine

router = APIRouter(prefix="/audit", tags=["audit"])
COLUMNS = ("seq", "recorded_at", "actor", "kind", "subject", "payload", "prev_hash", "hash")


@router.get("", **perm("audit_read", csv=True))
def log(
    request: Request,
    subject: str | None = Query(None, max_length=64),
    actor: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000),
    cursor: str | None = None,
    format: Literal["json", "csv"] | None = None,
):
    """Audit records in order, oldest first, one page at a time."""
    from burdenshare.services import audit

    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, int):
        raise ApiError(422, "not a cursor from this API", field="cursor", where="query")
    rows, nxt = audit.page(engine(request), subject=subject, actor=actor, after=after, limit=limit)
    return answer(request, rows, columns=COLUMNS, cursor=nxt, filename="audit.csv")


@router.get("/verify", **perm("audit_read"))
def verify(request: Request):
    """Verify the hash chain; every edited, deleted or reordered record is named."""
    from burdenshare.services import audit

    return audit.verify(engine(request))
