"""``GET /compare?a=&b=``: two policies country by country."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request

from burdenshare.api.auth import perm
from burdenshare.api.listing import answer, wants_csv
from burdenshare.api.routers._common import as_json, engine

router = APIRouter(tags=["analysis"])
COLUMNS = ("iso3", "name", "rank_a", "rank_b", "shift", "tier_a", "tier_b", "tier_changed")


@router.get("/compare", **perm("analyze", csv=True))
def compare(
    request: Request,
    a: str = Query(..., description="First built-in policy."),
    b: str = Query(..., description="Second built-in policy."),
    year: int | None = Query(None, ge=1900, le=2100),
    vintage: str = Query("latest", max_length=32),
    format: Literal["json", "csv"] | None = None,
):
    """Rank shifts, tier changes, Spearman and Kendall correlations."""
    from burdenshare.services import partners

    cmp = partners.compare(engine(request), a, b, year, vintage, allow_files=False)
    if wants_csv(request):
        return answer(request, cmp["rows"], columns=COLUMNS, filename="compare.csv")
    rows = cmp.pop("rows")
    return answer(request, rows, meta=as_json(cmp))
