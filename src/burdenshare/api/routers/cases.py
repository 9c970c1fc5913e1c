"""Cases: list (filters, cursor), get, create, import (all or nothing), transitions,
congressional notification checks (stored case or bare numbers), 36(b)(5) changes after
notification, EEUM workload and designations. Writes are audited with the signed-in user."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from burdenshare.api.auth import actor, current_user, perm
from burdenshare.api.listing import answer, decode_cursor
from burdenshare.api.routers._common import Body, as_json, engine

router = APIRouter(tags=["cases"])
Fmt = Literal["json", "csv"] | None


@router.get("/cases", **perm("cases_read", csv=True))
def list_cases(
    request: Request,
    status: str | None = Query(None, max_length=20, description="Only cases at this stage."),
    partner: str | None = Query(None, max_length=8),
    synthetic: bool | None = None,
    limit: int = Query(100, ge=1, le=1000),
    cursor: str | None = None,
    format: Fmt = None,
):
    """Cases ordered by id, one page at a time (``next`` holds the cursor of the next)."""
    from burdenshare.services import cases

    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, str):
        from burdenshare.api.errors import ApiError

        raise ApiError(422, "not a cursor from this API", field="cursor", where="query")
    rows, nxt = cases.list_cases_page(
        engine(request),
        status=status,
        partner=partner,
        synthetic=synthetic,
        after=after,
        limit=limit,
    )
    return answer(request, rows, columns=cases.LIST_COLUMNS, cursor=nxt, filename="cases.csv")


class CaseIn(Body):
    """A new case (the same fields as a JSON import)."""

    case_id: str = Field(min_length=1, max_length=40)
    partner: str = Field(min_length=2, max_length=60)
    sale_type: Literal["FMS", "DCS"] = "FMS"
    request_date: dt.date
    aod_group: Literal["A", "B", "C"] = "B"
    mde_value: float = Field(ge=0)
    total_value: float = Field(ge=0)
    dc_value: float = Field(0.0, ge=0)
    emergency: bool = False
    manufacture_abroad: bool = False
    retransfer_outside_group: bool = Field(
        False,
        description="The sale authorizes transfer or resale outside NATO+5: the lower "
        "thresholds apply (22 U.S.C. 2776(b)(6), (c)(5)).",
    )
    approval_date: dt.date | None = Field(
        None,
        description="FMS only: the LOA's approval (MILAP), on or after request_date and on "
        "or before offered_at (DSCA SAMM C5.4.19).",
    )
    note: str | None = Field(None, max_length=2000)
    items: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)


@router.post("/cases", status_code=201, **perm("cases_write"))
def create_case(body: CaseIn, request: Request, user=Depends(current_user)):
    """Create one case (every check of an import applies); audited."""
    from burdenshare.services import cases

    data = body.model_dump(mode="json")
    data = {k: v for k, v in data.items() if v not in (None, [])}
    try:
        return as_json(cases.create_case(engine(request), data, actor=actor(user)))
    except cases.ImportRejected as exc:
        if exc.rows:
            exc.field = exc.rows[0].field
        raise


@router.post("/cases/import", status_code=201, **perm("cases_write"))
async def import_cases(request: Request, user=Depends(current_user)):
    """Import a CSV (``Content-Type: text/csv``) or JSON list of cases: all rows valid or
    nothing written; the answer lists every rejected row."""
    from starlette.concurrency import run_in_threadpool

    from burdenshare.api.errors import ApiError
    from burdenshare.services import cases

    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = {"text/csv": "csv", "application/json": "json"}.get(ctype)
    if kind is None:
        raise ApiError(
            415, "send text/csv or application/json", field="content-type", where="header"
        )
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, "the body is not UTF-8 text", field="body") from None
    who = actor(user)
    out = await run_in_threadpool(
        cases.import_cases, engine(request), text, f"upload.{kind}", kind, actor=who
    )
    return {"imported": out.imported, "ids": out.ids}


@router.get("/cases/{case_id}", **perm("cases_read"))
def get_case(case_id: str, request: Request):
    """One case: values, items (EEUM flags), stage dates, allowed next stages, version."""
    from burdenshare.services import cases

    return as_json(cases.get_case(engine(request), case_id))


class TransitionIn(Body):
    stage: str = Field(min_length=1, max_length=20, examples=["complete"])
    at: dt.date | None = Field(None, description="Date of the move (default today).")
    expected_version: int | None = Field(
        None, ge=1, description="Refuse (409) unless the case is at this version."
    )
    rules: str | None = Field(None, max_length=40, description="Notification rule-set version.")
    approved: dt.date | None = Field(None, description="With offered: the LOA approval date.")


@router.post("/cases/{case_id}/transitions", **perm("cases_write"))
def transition(case_id: str, body: TransitionIn, request: Request, user=Depends(current_user)):
    """Move a case to a stage; a refused move says why (422) and writes nothing; a stale
    ``expected_version`` or a concurrent writer answers 409 with the current version."""
    from burdenshare.errors import ConcurrentUpdateError
    from burdenshare.services import cases

    eng = engine(request)
    try:
        case = cases.transition(
            eng,
            case_id,
            body.stage,
            actor=actor(user),
            at=body.at,
            expected_version=body.expected_version,
            rules=body.rules,
            approved=body.approved,
        )
    except ConcurrentUpdateError as exc:
        exc.current_version = cases.get_case_obj(eng, case_id).version
        exc.field = "expected_version"
        raise
    return {
        "id": case.id,
        "status": case.status.value,
        "at": case.stage_times[case.status].isoformat(),
        "version": case.version,
    }


class NotifyIn(Body):
    as_of: dt.date | None = None
    rules: str | None = Field(None, max_length=40)
    retransfer_outside_group: bool = False


@router.post("/cases/{case_id}/notify-check", **perm("cases_write"))
def notify_check_case(case_id: str, body: NotifyIn, request: Request, user=Depends(current_user)):
    """Does this case need congressional notification: section, threshold, review period."""
    from burdenshare.services import cases

    result = cases.notify_check(
        engine(request),
        actor=actor(user),
        case_id=case_id,
        as_of=body.as_of,
        rules=body.rules,
        retransfer_outside_group=body.retransfer_outside_group,
    )
    return as_json(result.to_dict())


class NotifyQueryIn(NotifyIn):
    partner: str = Field(min_length=2, max_length=60, description="A country, or NATO/NSPA.")
    mde_value: float = Field(ge=0)
    total_value: float = Field(ge=0)
    dc_value: float = Field(0.0, ge=0)
    firearms_value: float = Field(0.0, ge=0)
    sale_type: Literal["FMS", "DCS"] = "FMS"
    manufacture_abroad: bool = False
    emergency: bool = False


@router.post("/notify-check", **perm("cases_write"))
def notify_check(body: NotifyQueryIn, request: Request, user=Depends(current_user)):
    """Notification check of a proposed sale given by its values (no stored case)."""
    from burdenshare.services import cases

    q = cases.NotifyQuery(
        partner=body.partner,
        mde_value=body.mde_value,
        total_value=body.total_value,
        dc_value=body.dc_value,
        firearms_value=body.firearms_value,
        sale_type=body.sale_type,
        manufacture_abroad=body.manufacture_abroad,
        emergency=body.emergency,
        retransfer_outside_group=body.retransfer_outside_group,
    )
    result = cases.notify_check(
        engine(request), actor=actor(user), query=q, as_of=body.as_of, rules=body.rules
    )
    return as_json(result.to_dict())


class RenotifyIn(Body):
    mde_value: float | None = Field(None, ge=0)
    total_value: float | None = Field(None, ge=0)
    dc_value: float | None = Field(None, ge=0)
    enhancement: bool = False
    delivery_date: dt.date | None = None
    as_of: dt.date | None = None
    rules: str | None = Field(None, max_length=40)


@router.post("/cases/{case_id}/renotification-check", **perm("cases_write"))
def renotification_check(
    case_id: str, body: RenotifyIn, request: Request, user=Depends(current_user)
):
    """A change after notification (22 U.S.C. 2776(b)(5)): report, new notification, none."""
    from burdenshare.services import cases

    amended = {
        k: v
        for k, v in body.model_dump().items()
        if k in ("mde_value", "total_value", "dc_value") and v is not None
    }
    result = cases.renotification_check(
        engine(request),
        case_id,
        amended,
        actor=actor(user),
        as_of=body.as_of,
        enhancement=body.enhancement,
        delivery_date=body.delivery_date,
        rules=body.rules,
    )
    return as_json(result.to_dict())


@router.get("/eeum/workload", **perm("cases_read", csv=True))
def eeum_workload(
    request: Request,
    quarter: str = Query(..., max_length=8, examples=["2026Q3"]),
    format: Fmt = None,
):
    """EEUM inventories due in a quarter per partner (90 days after arrival, then yearly)."""
    from burdenshare.services import cases

    frame = cases.eeum_workload(engine(request), quarter)
    return answer(request, as_json(frame), meta={"quarter": quarter}, filename="eeum.csv")


@router.get("/eeum/designations", **perm("cases_read"))
def eeum_designations():
    """The designated items of the shipped EEUM list, with its version."""
    from burdenshare.services import cases

    return as_json(cases.eeum_designations())
