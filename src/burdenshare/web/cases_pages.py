"""The signed-in case pages: the priority queue with its explanations and delivery Gantt,
one case (life cycle, notification, EEUM, transfers, transitions by role), the quarterly
metrics. Roles are the API's (:mod:`burdenshare.services.users`), checked on the server."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from burdenshare.web import front, specs
from burdenshare.web.render import denied as _denied
from burdenshare.web.render import engine_of, page, policy_choice

router = APIRouter(include_in_schema=False)


def _quarter_index(q: str | None, first: str) -> int | None:
    if not q:
        return None
    y, n = int(q[:4]), int(q[-1])
    fy, fn = int(first[:4]), int(first[-1])
    return (y - fy) * 4 + (n - fn)


def gantt_rows(scheds: dict[str, dict[str, Any]], limit: int = 30) -> list[dict[str, Any]]:
    """One bar per (case, method): from the earliest possible quarter to the delivery
    quarter, cases grouped by their first production line, in priority order."""
    base = scheds["greedy"]
    first = base["totals"]["first_quarter"]
    order = [c["case_id"] for c in sorted(base["cases"], key=lambda c: c["position"])][:limit]
    rows = []
    for method, s in scheds.items():
        by_id = {c["case_id"]: c for c in s["cases"]}
        for cid in order:
            c = by_id.get(cid)
            if c is None:
                continue
            line = (c.get("items") or "").split(",")[0]
            start = _quarter_index(c.get("earliest_quarter"), first)
            end = _quarter_index(c.get("delivery_quarter"), first)
            if start is None or end is None:
                continue
            rows.append(
                {
                    "label": f"{line} · {cid} {c['partner']}",
                    "line": line,
                    "case_id": cid,
                    "method": method,
                    "start": start,
                    "end": end + 1,
                    "start_q": c.get("earliest_quarter"),
                    "end_q": c.get("delivery_quarter"),
                }
            )
    rows.sort(key=lambda r: (r["line"], order.index(r["case_id"])))
    return rows


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request) -> Response:
    """The priority queue with each position's explanation and its FCFS position, and the
    delivery schedule (greedy, optimal, FCFS) as a Gantt chart."""
    if (resp := _denied(request, "cases_read")) is not None:
        return resp
    engine = engine_of(request)
    policy = policy_choice(request)
    q = front.case_queue(engine, policy)
    scheds = front.schedules(engine, policy)
    return page(
        request,
        "cases.html",
        title="Case priority queue",
        q=q,
        policy=policy,
        totals={m: s["totals"] for m, s in scheds.items()},
        gantt=specs.gantt(gantt_rows(scheds)),
        key_spec=specs.queue_key(q["rows"]),
        footer=front.ranking(engine, policy, None),
        cli=(
            f"burdenshare cases queue --policy {policy} --against fcfs; "
            "burdenshare cases schedule --method optimal"
        ),
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str) -> Response:
    """One case: life cycle, notification decision, EEUM, transitions the role allows."""
    from burdenshare.errors import UserError
    from burdenshare.web.session import can, csrf_token, user_of

    if (resp := _denied(request, "cases_read")) is not None:
        return resp
    engine = engine_of(request)
    try:
        c = front.case(engine, case_id)
    except (UserError, LookupError):
        return page(
            request, "error.html", status=404, title="Not found", message=f"No case {case_id!r}."
        )
    user = user_of(request)
    scheds = front.schedules(engine, policy_choice(request))
    mine = {
        m: next((x for x in s["cases"] if x["case_id"] == case_id), None) for m, s in scheds.items()
    }
    return page(
        request,
        "case.html",
        title=f"Case {case_id}",
        c=c,
        may_write=can(user, "cases_write"),
        csrf=csrf_token(request),
        sched=mine,
        message=request.query_params.get("msg"),
        footer=front.ranking(engine, policy_choice(request), None),
        cli=f"burdenshare cases show {case_id}",
    )


@router.post("/cases/{case_id}/transition")
async def case_transition(request: Request, case_id: str) -> Response:
    """Move a case to the chosen stage as the signed-in user (CSRF-checked, role-checked)."""
    from urllib.parse import quote

    from fastapi.responses import RedirectResponse

    from burdenshare.errors import UserError
    from burdenshare.web.session import check_csrf, user_of

    if (resp := _denied(request, "cases_write")) is not None:
        return resp
    form = await request.form()
    if not check_csrf(request, str(form.get("csrf", ""))):
        return page(
            request,
            "error.html",
            status=403,
            title="Expired form",
            message="The form expired or did not come from this site; reload and try again.",
        )
    user = user_of(request)
    version = form.get("version")
    try:
        front.transition(
            engine_of(request),
            case_id,
            str(form.get("stage", "")),
            actor=user.name,
            version=int(version) if version else None,
        )
        msg = f"Moved to {form.get('stage')}"
    except (UserError, ValueError) as exc:
        msg = f"Refused: {exc}"
    return RedirectResponse(f"/cases/{case_id}?msg={quote(msg)}", status_code=303)


@router.get("/metrics", response_class=HTMLResponse)
def metrics_page(request: Request) -> Response:
    """The quarterly case-execution metrics with disclosure control, as published."""
    import datetime as dt

    from burdenshare.errors import UserError

    if (resp := _denied(request, "metrics")) is not None:
        return resp
    today = dt.date.today()
    default = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    quarter = request.query_params.get("quarter", default)
    if not re.match(r"^\d{4}Q[1-4]$", quarter):
        quarter = default
    try:
        m = front.metrics(engine_of(request), quarter)
    except UserError as exc:
        return page(request, "error.html", status=400, title="Metrics", message=str(exc))
    trend = front.metrics_trend(engine_of(request), quarter, m.get("k", 5))
    return page(
        request,
        "metrics.html",
        title=f"Quarterly metrics {quarter}",
        m=m,
        trend_spec=specs.metrics_trend(trend) if trend else None,
        quarter=quarter,
        cli=f"burdenshare metrics quarterly --quarter {quarter} --k {m.get('k', 5)}",
    )
