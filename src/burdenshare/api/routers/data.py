"""Data in the store: ``GET /data/status`` (imports and vintages) and ``POST /data/starter``
(admin: load the bundled starter snapshot -- reads never load it as a side effect)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from burdenshare.api.auth import current_user, perm
from burdenshare.api.routers._common import as_json, engine

router = APIRouter(prefix="/data", tags=["data"])


@router.get("/status", **perm("read"))
def status(request: Request):
    """What the store holds: imports per source with vintage and row counts."""
    from burdenshare.services import data

    return as_json(data.status(engine(request)))


@router.post("/starter", **perm("admin"))
def load_starter(request: Request, user=Depends(current_user)):
    """Load the starter snapshot into an empty store (a no-op otherwise); audited."""
    from burdenshare.services import data

    return {"loaded": data.load_starter(engine(request), actor=user.name)}
