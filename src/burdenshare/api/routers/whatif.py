"""``POST /whatif``: a country's score, rank and tier if its values changed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from burdenshare.api.auth import perm
from burdenshare.api.routers._common import Body, as_json, engine

router = APIRouter(tags=["analysis"])


class WhatIf(Body):
    country: str = Field(min_length=2, max_length=60, examples=["ESP"])
    changes: dict[str, float] = Field(min_length=1, examples=[{"milex_gdp_pct": 2.1}])
    policy: str = "eo14383"
    year: int | None = Field(None, ge=1900, le=2100)
    vintage: str = Field("latest", max_length=32)


@router.post("/whatif", **perm("analyze"))
def whatif(body: WhatIf, request: Request):
    """Before and after: every country's normalisation recomputed with the new values."""
    from burdenshare.services import partners

    return as_json(
        partners.whatif(
            engine(request),
            body.country,
            body.changes,
            body.policy,
            body.year,
            body.vintage,
            allow_files=False,
        )
    )
