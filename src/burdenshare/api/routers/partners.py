"""``GET /partners`` (the ranking, as the CLI's JSON rows) and ``GET /partners/{iso3}`` (the
explanation: contributions, gates, flags, what it would take, sources)."""

from __future__ import annotations

from functools import partial
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from burdenshare.api import fastpath
from burdenshare.api.auth import perm
from burdenshare.api.listing import answer, page
from burdenshare.api.routers._common import as_json, engine

router = APIRouter(tags=["partners"])
SORTABLE = ("rank", "score", "name", "iso3", "tier")


@router.get("/partners", **perm("read", csv=True))
async def list_partners(
    request: Request,
    policy: str = Query("eo14383", description="Built-in policy name."),
    year: int | None = Query(None, ge=1900, le=2100),
    vintage: str = Query("latest", max_length=32),
    region: str | None = Query(None, max_length=40, description="Theater, e.g. europe."),
    tier: int | None = Query(None, ge=1, le=10),
    eligible: bool | None = None,
    sort: str = Query("rank", description="rank, score, name, iso3 or tier; -field descending."),
    limit: int = Query(500, ge=1, le=1000),
    cursor: str | None = None,
    format: Literal["json", "csv"] | None = None,
):
    """Partners in priority order under a policy (cached by inputs), as JSON or CSV."""
    from burdenshare.api.errors import ApiError
    from burdenshare.api.listing import wants_csv
    from burdenshare.services import partners

    eng = engine(request)
    ranking = partners.cached_rank(eng, policy, year, vintage, region=region)
    if ranking is None:  # not computed yet: score in a worker thread, not the event loop
        ranking = await run_in_threadpool(
            partial(partners.rank, eng, policy, year, vintage, region=region, allow_files=False)
        )
    csv_wanted = wants_csv(request)
    # JSON answers are kept by (store, facts fingerprint, URL); the URL names the policy,
    # year, vintage and filters. api/fastpath.py answers repeats from them.
    cache_key = (ranking.key[0], ranking.key[1], str(request.url))
    if not csv_wanted:
        body = fastpath.recall(*cache_key)
        if body is not None:
            return Response(body, media_type="application/json")
    rows = ranking.rows
    if tier is not None:
        rows = [r for r in rows if r["tier"] == tier]
    if eligible is not None:
        rows = [r for r in rows if r["eligible"] is eligible]
    key, desc = sort.lstrip("-"), sort.startswith("-")
    if key not in SORTABLE:
        raise ApiError(
            422, f"cannot sort by {key!r} (use {', '.join(SORTABLE)})", field="sort", where="query"
        )
    if sort != "rank":
        present = [r for r in rows if r[key] is not None]
        missing = [r for r in rows if r[key] is None]
        rows = sorted(present, key=lambda r: r[key], reverse=desc) + missing
    shown, nxt = page(rows, cursor, limit)
    response = answer(
        request,
        shown,
        columns=partners.RANK_FIELDS,
        meta=ranking.meta(),
        cursor=nxt,
        filename="partners.csv",
    )
    if not csv_wanted:
        fastpath.remember(*cache_key, response.body)
    return response


@router.get("/partners/{iso3}", **perm("read"))
def explain_partner(
    request: Request,
    iso3: str,
    policy: str = Query("eo14383"),
    year: int | None = Query(None, ge=1900, le=2100),
    vintage: str = Query("latest", max_length=32),
    robustness: int = Query(0, ge=0, le=100_000, description="Monte Carlo samples (0: none)."),
):
    """Why a country scores what it does: indicator contributions, gates, flags, what it
    would take, sources; with ``robustness`` > 0 its rank interval and tier probabilities."""
    from burdenshare.services import partners

    try:
        data = partners.explain(
            engine(request),
            iso3,
            policy,
            year,
            vintage,
            robustness_samples=robustness,
            allow_files=False,
        )
    except Exception as exc:
        if getattr(exc, "field", None) == "country":
            exc.field, exc.location = "iso3", "path"
        raise
    return as_json(data)
