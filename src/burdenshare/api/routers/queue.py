"""``GET /queue`` (the priority order of open cases, optionally against first-come,
first-served or another policy) and ``GET /schedule`` (delivery quarters given capacity);
the optimal schedule (a MILP) runs as a background job."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from burdenshare.api.auth import actor, current_user, perm
from burdenshare.api.listing import answer
from burdenshare.api.routers._common import as_json, engine

router = APIRouter(tags=["queue"])


@router.get("/queue", **perm("cases_read", csv=True))
def queue(
    request: Request,
    policy: str = Query("eo14383"),
    against: str | None = Query(None, description="fcfs or a second built-in policy."),
    as_of: dt.date | None = None,
    year: int | None = Query(None, ge=1900, le=2100),
    fast_lane: bool = Query(True, description="Apply the policy's fast lane (EO 14383)."),
    format: Literal["json", "csv"] | None = None,
):
    """Open cases in priority order, each position explained (with the policy's fast lane
    unless ``fast_lane=false``)."""
    from burdenshare.services import queue as svc

    view = svc.build(
        engine(request),
        policy=policy,
        year=year,
        as_of=as_of,
        against=against,
        fast_lane=fast_lane,
        allow_files=False,
    )
    meta = {
        "policy": policy,
        "against": view.against,
        "as_of": view.as_of.isoformat(),
        "key": view.key.version,
        "catalog": svc.catalog_json(view.catalog),
        "summary": as_json(view.summary),
        "fast_lane": as_json(view.fast_lane),
    }
    return answer(request, view.rows(), meta=meta, filename="queue.csv")


@router.get("/schedule", **perm("cases_read"))
def schedule(
    request: Request,
    method: Literal["greedy", "fcfs", "optimal"] = "greedy",
    horizon: int = Query(20, ge=1, le=200),
    whatif: str | None = Query(None, max_length=40, description="Case id moved to the front."),
    policy: str = Query("eo14383"),
    as_of: dt.date | None = None,
    year: int | None = Query(None, ge=1900, le=2100),
    time_limit: float = Query(30.0, gt=0, le=600),
    gap: float = Query(1e-3, ge=0, lt=1),
    fast_lane: bool = Query(True, description="Queue order with the policy's fast lane."),
    user=Depends(current_user),
):
    """When each open case delivers. ``greedy`` and ``fcfs`` answer at once; ``optimal``
    starts a background job (202 with its URL; same inputs, same job)."""
    from burdenshare.services import jobs
    from burdenshare.services import queue as svc
    from burdenshare.services.partners import resolve_policy

    resolve_policy(policy, allow_files=False)
    eng = engine(request)
    kwargs = dict(
        method=method,
        horizon=horizon,
        whatif=whatif,
        policy=policy,
        as_of=as_of or dt.date.today(),
        year=year,
        time_limit=time_limit,
        gap=gap,
        fast_lane=fast_lane,
    )
    if method != "optimal":
        return as_json(svc.schedule(eng, **kwargs).to_json())
    if user is None:  # pragma: no cover - cases_read always has a user
        from burdenshare.api.errors import ApiError

        raise ApiError(401, "sign in or send a Bearer token")

    def work(on_start, progress):
        on_start(1)
        out = svc.schedule(eng, **kwargs).to_json()
        progress(1)
        return as_json(out)

    inputs = {**as_json(kwargs), "cases": svc.case_counts(eng)}
    job, created = jobs.submit(eng, "schedule", inputs, work, actor=actor(user))
    url = str(request.url_for("get_job", job_id=job["id"]))
    return JSONResponse(
        {"job": job, "url": url, "created": created},
        status_code=202 if job["status"] != "done" else 200,
        headers={"Location": url},
    )
