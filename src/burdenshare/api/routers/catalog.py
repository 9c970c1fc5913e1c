"""``GET /catalog``: the prioritized sales catalog (the illustrative one until imported)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request

from burdenshare.api.auth import perm
from burdenshare.api.listing import answer
from burdenshare.api.routers._common import as_json, engine

router = APIRouter(tags=["queue"])


@router.get("/catalog", **perm("cases_read", csv=True))
def catalog(request: Request, format: Literal["json", "csv"] | None = None):
    """Catalog items with production line, capacity, unit cost, priority and backlog."""
    from burdenshare.services.queue import catalog_json, current_catalog

    cat = current_catalog(engine(request))
    return answer(request, as_json(cat.to_frame()), meta=catalog_json(cat), filename="catalog.csv")
