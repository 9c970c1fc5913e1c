"""The consequence ledger and the fast lane: ``/ledger``, ``/ledger/cases``,
``/fast-lane/{iso3}`` and ``/fast-lane/{iso3}/cases``.

The ledger is computed over the open cases, so it needs ``cases_read`` (case officers,
oversight, admins); whether a partner qualifies for the fast lane is partner-level and needs
``read``, the per-case gains ``cases_read``. Policies are built-in names only (no server
files). The optimal schedule runs one MILP per partner, so the API allows it for one partner
at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Query, Request

from burdenshare.api.auth import perm
from burdenshare.api.listing import answer
from burdenshare.api.routers._common import as_json, engine, field_in

router = APIRouter(tags=["ledger"])
Fmt = Literal["json", "csv"] | None


def _view(
    request: Request,
    policy: str,
    year: int | None,
    target: str,
    as_of: dt.date | None,
    horizon: int,
    method: str,
    partner: str | None,
    eeum_open: list[str] | None,
):
    from burdenshare.errors import UserError
    from burdenshare.services import ledger as svc

    try:
        return svc.ledger(
            engine(request),
            policy=policy,
            year=year,
            target=target,
            as_of=as_of,
            horizon=horizon,
            method=method,
            partner=partner,
            eeum_open=eeum_open or (),
            allow_files=False,
            one_optimal=True,
        )
    except UserError as exc:
        raise field_in(exc, "query") from None


@router.get("/ledger", **perm("cases_read"))
def ledger(
    request: Request,
    policy: str = Query("eo14383", max_length=64),
    year: int | None = Query(None, ge=1900, le=2100),
    target: str = Query("2", max_length=32, description="2, 3.5, or a share of GDP."),
    as_of: dt.date | None = Query(None),
    horizon: int = Query(12, ge=1, le=200),
    method: Literal["greedy", "optimal"] = "greedy",
    partner: str | None = Query(None, max_length=60),
    eeum_open: list[str] | None = Query(None, description="Partners with an open EEUM case."),
    format: Fmt = None,
):
    """Per partner: what falling short of the spending target costs it (tier, rank, fast
    lane, queue positions and delivery days at stake, the increase that closes the gap)."""
    view = _view(request, policy, year, target, as_of, horizon, method, partner, eeum_open)
    out = view.to_json(cases=False)
    meta = {**out["meta"], "totals": out["totals"], "notices": out["notices"]}
    return answer(request, out["partners"], meta=as_json(meta), filename="ledger.csv")


@router.get("/ledger/cases", **perm("cases_read"))
def ledger_cases(
    request: Request,
    policy: str = Query("eo14383", max_length=64),
    year: int | None = Query(None, ge=1900, le=2100),
    target: str = Query("2", max_length=32),
    as_of: dt.date | None = Query(None),
    horizon: int = Query(12, ge=1, le=200),
    method: Literal["greedy", "optimal"] = "greedy",
    partner: str | None = Query(None, max_length=60),
    eeum_open: list[str] | None = Query(None),
    format: Fmt = None,
):
    """Per open case: position and delivery now and if its partner met the target."""
    view = _view(request, policy, year, target, as_of, horizon, method, partner, eeum_open)
    out = view.to_json(cases=True)
    meta = {**out["meta"], "totals": out["totals"], "notices": out["notices"]}
    return answer(request, out["cases"], meta=as_json(meta), filename="ledger-cases.csv")


def _check(request: Request, iso3: str, policy: str, year, as_of, eeum_open) -> dict:
    from burdenshare.errors import UserError
    from burdenshare.services import ledger as svc

    try:
        return svc.fast_lane_check(
            engine(request),
            iso3,
            policy=policy,
            year=year,
            as_of=as_of,
            eeum_open=eeum_open or (),
            allow_files=False,
        )
    except UserError as exc:
        raise field_in(exc, "path" if exc.field == "iso3" else "query") from None


@router.get("/fast-lane/{iso3}", **perm("read"))
def fast_lane(
    request: Request,
    iso3: str,
    policy: str = Query("eo14383", max_length=64),
    year: int | None = Query(None, ge=1900, le=2100),
    as_of: dt.date | None = Query(None),
    eeum_open: list[str] | None = Query(None),
):
    """Whether a partner qualifies for the fast lane, criterion by criterion with sources,
    and the expedited targets (statutory review periods never shorten)."""
    out = _check(request, iso3, policy, year, as_of, eeum_open)
    out.pop("cases", None)
    out.pop("synthetic_cases", None)
    return as_json(out)


@router.get("/fast-lane/{iso3}/cases", **perm("cases_read"))
def fast_lane_cases(
    request: Request,
    iso3: str,
    policy: str = Query("eo14383", max_length=64),
    year: int | None = Query(None, ge=1900, le=2100),
    as_of: dt.date | None = Query(None),
    eeum_open: list[str] | None = Query(None),
    format: Fmt = None,
):
    """What the fast lane gains (or would gain) on each of the partner's open cases."""
    out = _check(request, iso3, policy, year, as_of, eeum_open)
    rows = out.pop("cases")
    return answer(request, rows, meta=as_json(out), filename=f"fast-lane-{out['iso3']}.csv")
