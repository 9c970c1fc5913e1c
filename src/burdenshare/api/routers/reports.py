"""``GET /reports/...``: the published reports as files (PDF, HTML, XLSX) with the right
content type, produced by :mod:`burdenshare.services.reports` (the CLI's front door too).

* ``/reports/quarterly/{quarter}``  quarterly case-execution metrics (permission ``metrics``)
* ``/reports/brief/{country}``      one partner's brief (``read``; its open cases only for a
  user who may read cases)
* ``/reports/release``              what a data release changed (``read``)

An HTML report is self-contained (inline CSS, charts as data: images); its answer carries a
Content-Security-Policy that lets it show those and nothing else.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from burdenshare.api.auth import current_user, perm
from burdenshare.api.routers._common import engine

router = APIRouter(tags=["reports"])
CSP_REPORT = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def _file(report) -> Response:
    """The report with its media type; HTML and PDF inline, XLSX as a download."""
    disposition = "attachment" if report.filename.endswith(".xlsx") else "inline"
    headers = {"Content-Disposition": f'{disposition}; filename="{report.filename}"'}
    if report.filename.endswith(".html"):
        headers["Content-Security-Policy"] = CSP_REPORT
    return Response(report.content, media_type=report.media_type, headers=headers)


def _in(exc, location: str, fields: tuple[str, ...]):
    """Tag a service error with where its field lives (path or query)."""
    if getattr(exc, "field", None) in fields:
        exc.location = location
    return exc


@router.get("/reports/quarterly/{quarter}", **perm("metrics"))
def quarterly(
    request: Request,
    quarter: str,
    k: int = Query(5, ge=1, le=100, description="Suppress cells from fewer than k cases."),
    synthetic: bool = Query(True, description="Include synthetic cases."),
    format: Literal["pdf", "html", "xlsx"] = "pdf",
):
    """The quarterly performance metrics (EO 14383) as published: PDF, HTML or XLSX."""
    from burdenshare.services.reports import quarterly_report

    try:
        report = quarterly_report(engine(request), quarter, k=k, fmt=format, synthetic=synthetic)
    except Exception as exc:
        raise _in(exc, "path", ("quarter",)) from None
    return _file(report)


@router.get("/reports/brief/{country}", **perm("read"))
def brief(
    request: Request,
    country: str,
    policy: str = Query("eo14383", description="Built-in policy name."),
    year: int | None = Query(None, ge=1900, le=2100),
    robustness: int = Query(
        10_000, ge=0, le=100_000, description="Monte Carlo samples (seed 0); 0 leaves it out."
    ),
    format: Literal["pdf", "html"] = "pdf",
    user=Depends(current_user),
):
    """One partner's brief; its open cases appear only for users who may read cases."""
    from burdenshare.services.reports import brief_report

    may_see_cases = user is not None and user.can("cases_read")
    try:
        report = brief_report(
            engine(request),
            country,
            policy=policy,
            year=year,
            fmt=format,
            samples=robustness,
            include_cases=may_see_cases,
            allow_files=False,
        )
    except Exception as exc:
        raise _in(exc, "path", ("country",)) from None
    return _file(report)


@router.get("/reports/release", **perm("read"))
def release(
    request: Request,
    from_vintage: str = Query(..., description="Release A: a vintage or SOURCE:VINTAGE."),
    to_vintage: str = Query(..., description="Release B."),
    policy: str = Query("eo14383", description="Built-in policy name."),
    format: Literal["pdf", "html", "xlsx"] = "pdf",
):
    """What a new data release changed: revisions, 2%/3.5% crossings, tier and rank changes."""
    from burdenshare.services.reports import release_report

    report = release_report(
        engine(request), from_vintage, to_vintage, policy=policy, fmt=format, allow_files=False
    )
    return _file(report)
