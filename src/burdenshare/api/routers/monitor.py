"""Monitoring allies: ``/monitor/status``, ``/monitor/crossings``, ``/monitor/projections``,
``/monitor/tiers`` (tier changes between two releases)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request

from burdenshare.api.auth import perm
from burdenshare.api.listing import answer
from burdenshare.api.routers._common import as_json, engine

router = APIRouter(prefix="/monitor", tags=["monitor"])
Fmt = Literal["json", "csv"] | None


@router.get("/status", **perm("read", csv=True))
def status(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2100),
    vintage: str = Query("latest", max_length=32),
    group: str = Query("nato", max_length=40),
    format: Fmt = None,
):
    """Each ally's % of GDP against 2%, 3.5% and 5%, and equipment share against 20%."""
    from burdenshare.services import monitor

    st = monitor.status(engine(request), year=year, vintage=vintage, group=group)
    return answer(request, as_json(st.records()), meta=as_json(st.summary()), filename="status.csv")


@router.get("/crossings", **perm("read", csv=True))
def crossings(
    request: Request,
    threshold: list[float] | None = Query(None, description="% of GDP (default 2, 3.5, 5)."),
    vintage: str = Query("latest", max_length=32),
    from_year: int | None = Query(None, ge=1900, le=2100),
    to_year: int | None = Query(None, ge=1900, le=2100),
    from_vintage: str | None = Query(None, max_length=32),
    to_vintage: str | None = Query(None, max_length=32),
    year: int | None = Query(None, ge=1900, le=2100),
    group: str = Query("nato", max_length=40),
    format: Fmt = None,
):
    """Who crossed the thresholds: between two years of a release, or between releases."""
    from burdenshare.errors import UserError
    from burdenshare.services import monitor

    if (from_year is None) != (to_year is None):
        raise UserError("give both from_year and to_year", field="to_year")
    if (from_vintage is None) != (to_vintage is None):
        raise UserError("give both from_vintage and to_vintage", field="to_vintage")
    result = monitor.crossings(
        engine(request),
        thresholds=threshold,
        release=vintage,
        years=None if from_year is None else (from_year, to_year),
        between=None if from_vintage is None else (from_vintage, to_vintage),
        year=year,
        group=group,
    )
    rec = as_json(result.records())
    rows = rec.pop("events", None) or []
    return answer(request, rows, meta=rec, filename="crossings.csv")


@router.get("/projections", **perm("read", csv=True))
def projections(
    request: Request,
    target: list[float] | None = Query(None, description="% of GDP (default 3.5 and 5)."),
    by: int | None = Query(None, ge=2000, le=2100),
    window: int = Query(5, ge=2, le=30),
    country: list[str] | None = Query(None),
    vintage: str = Query("latest", max_length=32),
    group: str = Query("nato", max_length=40),
    format: Fmt = None,
):
    """Trend to the deadline and the yearly increase each ally needs to reach the targets."""
    from burdenshare.services import monitor

    out = monitor.projections(
        engine(request),
        targets=target,
        by=by,
        window=window,
        countries=country,
        vintage=vintage,
        group=group,
    )
    frame = out.pop("frame")
    return answer(request, as_json(frame), meta=as_json(out), filename="projections.csv")


@router.get("/tiers", **perm("read", csv=True))
def tiers(
    request: Request,
    from_vintage: str = Query(..., max_length=32),
    to_vintage: str = Query(..., max_length=32),
    policy: str = Query("eo14383"),
    year: int | None = Query(None, ge=1900, le=2100),
    all: bool = Query(False, description="Every country, not only changes."),
    format: Fmt = None,
):
    """Whose tier or eligibility changed between two data releases under one policy."""
    from burdenshare.services import monitor
    from burdenshare.services.partners import resolve_policy

    resolve_policy(policy, allow_files=False)
    result = monitor.tier_changes(
        engine(request), from_vintage, to_vintage, policy=policy, year=year
    )
    rec = as_json(result.records(all_rows=all))
    rows = rec.pop("rows", None) or []
    return answer(request, rows, meta=rec, filename="tiers.csv")
