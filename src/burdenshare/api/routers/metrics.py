"""``GET /metrics/quarterly/{quarter}``: case-execution metrics as JSON, CSV or XLSX, with
disclosure control applied on the server (suppressed cells never leave it)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from burdenshare.api.auth import perm
from burdenshare.api.listing import wants_csv
from burdenshare.api.routers._common import engine

router = APIRouter(tags=["metrics"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/metrics/quarterly/{quarter}", **perm("metrics", csv=True, xlsx=True))
def quarterly(
    request: Request,
    quarter: str,
    k: int = Query(5, ge=1, le=100, description="Suppress cells from fewer than k cases."),
    synthetic: bool = Query(True, description="Include synthetic cases."),
    format: Literal["json", "csv", "xlsx"] | None = None,
):
    """The quarter's metrics; ``format`` or ``Accept`` chooses JSON, CSV or XLSX."""
    import tempfile
    from pathlib import Path

    from burdenshare.services import metrics

    try:
        q = metrics.quarterly(engine(request), quarter, k=k, synthetic=synthetic)
    except Exception as exc:
        if getattr(exc, "field", None) == "quarter":
            exc.location = "path"
        raise
    accept = request.headers.get("accept", "")
    if format == "xlsx" or (format is None and XLSX in accept):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"metrics-{q.quarter}.xlsx"
            q.write_xlsx(path)
            data = path.read_bytes()
        return Response(
            data,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="metrics-{q.quarter}.xlsx"'},
        )
    if format == "csv" or (format is None and wants_csv(request)):
        return Response(q.to_csv(), media_type="text/csv; charset=utf-8")
    return q.to_json()
