"""``POST /robustness``: Monte Carlo rank/tier distributions and Sobol' indices, run in the
background; the answer is the job (``GET /jobs/{id}`` for progress and the result). The same
inputs on the same data answer with the existing job (results cached by inputs)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from burdenshare.api.auth import actor, current_user, perm
from burdenshare.api.routers._common import Body, engine

router = APIRouter(tags=["analysis"])


class Robustness(Body):
    policy: str = "eo14383"
    year: int | None = Field(None, ge=1900, le=2100)
    vintage: str = Field("latest", max_length=32)
    samples: int = Field(10_000, description="Monte Carlo samples (1 .. 1,000,000).")
    seed: int = 0
    sobol_samples: int = Field(
        2048, description="Saltelli base samples, quasi-random (0: no Sobol')."
    )
    vary: str = "all"
    weight_scheme: str = "dirichlet"
    concentration: float = 50.0
    weight_spread: float = 0.25
    normalisations: list[str] = ["minmax", "percentile"]
    aggregations: list[str] = ["arithmetic", "geometric"]
    missing_rules: list[str] = ["group_mean", "worst"]
    estimate_spread: float = 0.05
    uncertain_spread: float = 0.15
    top: int = 10
    audit: bool = Field(
        True, description="Add effective importance and the leave-one-out scenarios."
    )


MAX_SAMPLES = 1_000_000


@router.post("/robustness", status_code=202, **perm("analyze"))
def robustness(body: Robustness, request: Request, user=Depends(current_user)):
    """Start (or find) a robustness run; 202 with the job and its URL."""
    from burdenshare.errors import UserError
    from burdenshare.services import jobs, partners

    if body.samples > MAX_SAMPLES:
        raise UserError(f"at most {MAX_SAMPLES:,} samples per run", field="samples")
    if body.sobol_samples > 8192:
        raise UserError("at most 8192 Sobol' base samples per run", field="sobol_samples")
    partners.resolve_policy(body.policy, allow_files=False)
    spec = partners.RobustnessSpec(
        **{
            **body.model_dump(),
            "normalisations": tuple(body.normalisations),
            "aggregations": tuple(body.aggregations),
            "missing_rules": tuple(body.missing_rules),
        }
    )
    spec.check()
    eng = engine(request)

    def work(on_start, progress):
        from burdenshare.services._json import jsonable

        result = partners.robustness(
            eng, spec, progress=progress, on_start=on_start, allow_files=False
        )
        return jsonable(result.to_dict())

    job, created = jobs.submit(eng, "robustness", body.model_dump(), work, actor=actor(user))
    url = str(request.url_for("get_job", job_id=job["id"]))
    return JSONResponse(
        {"job": job, "url": url, "created": created},
        status_code=202 if job["status"] != "done" else 200,
        headers={"Location": url},
    )
