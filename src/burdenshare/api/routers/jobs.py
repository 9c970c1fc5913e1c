"""``GET /jobs/{id}``: a background job's status, progress and (when done) result."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from burdenshare.api.auth import current_user, perm
from burdenshare.api.errors import ApiError
from burdenshare.api.routers._common import engine

router = APIRouter(tags=["jobs"])


@router.get("/jobs/{job_id}", name="get_job", **perm("authenticated"))
def get_job(job_id: str, request: Request, user=Depends(current_user)):
    """The job; reading it needs the permission its kind needs (robustness: analyze,
    schedule: cases_read)."""
    from burdenshare.services import jobs

    job = jobs.get(engine(request), job_id)
    needed = jobs.KIND_PERMISSION.get(job["kind"], "admin")
    if user is None or not user.can(needed):
        raise ApiError(403, f"this job needs permission {needed!r}")
    return job
