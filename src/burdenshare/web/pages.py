"""The public analysis pages: ranking, partner, compare, allies monitor. Each route parses
the query string (the view's state), asks :mod:`.front` (the service layer) for the data and
renders a template. Nothing here knows a rule or a table."""

from __future__ import annotations

import copy
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from burdenshare.charts import ranking as charts
from burdenshare.web import front, specs
from burdenshare.web.render import denied as _denied
from burdenshare.web.render import engine_of, page, policy_choice, year_choice

router = APIRouter(include_in_schema=False)

ATLAS = "/static/vendor/countries-110m.json"
ISO3 = re.compile(r"^[A-Za-z]{3}$")


@router.get("/", response_class=HTMLResponse)
def ranking_page(request: Request) -> Response:
    """Ranking: filterable, sortable table, world map with a year slider, rank intervals."""
    if (resp := _denied(request, "read")) is not None:
        return resp
    engine = engine_of(request)
    policy = policy_choice(request)
    years = front.years(engine)
    year = year_choice(request, years)
    data = front.ranking(engine, policy, year)
    return page(
        request,
        "ranking.html",
        title=f"Partner ranking {data['year']}",
        data=data,
        years=years,
        policy=policy,
        year=data["year"],
        map_spec=charts.choropleth(
            data["rows"], measure=request.query_params.get("measure", "tier"), atlas_url=ATLAS
        ),
        cli=f"burdenshare rank --policy {policy} --year {data['year']}",
        footer=data,
    )


@router.get("/data/ranking.json")
def ranking_json(request: Request) -> JSONResponse:
    """The ranking rows for one year (the map slider and the table fetch this)."""
    if (resp := _denied(request, "read")) is not None:
        return resp
    engine = engine_of(request)
    policy = policy_choice(request)
    year = year_choice(request, front.years(engine))
    data = front.ranking(engine, policy, year)
    measure = request.query_params.get("measure", "tier")
    return JSONResponse(
        {**data, "map_spec": charts.choropleth(data["rows"], measure=measure, atlas_url=ATLAS)}
    )


@router.get("/data/intervals.json")
def intervals_json(request: Request) -> JSONResponse:
    """Monte Carlo rank intervals for the caterpillar chart (loaded after the page)."""
    if (resp := _denied(request, "read")) is not None:
        return resp
    engine = engine_of(request)
    policy = policy_choice(request)
    year = year_choice(request, front.years(engine))
    names = {r["iso3"]: r["name"] for r in front.ranking(engine, policy, year)["rows"]}
    recs = [
        {**r, "name": names.get(r["iso3"], r["iso3"])}
        for r in front.rank_intervals(engine, policy, year)
    ]
    return JSONResponse({"rows": recs, "spec": charts.caterpillar(recs)})


def _partner_or_404(request: Request, iso3: str):
    from burdenshare.errors import UserError

    if not ISO3.match(iso3):
        return None, None, None
    engine = engine_of(request)
    policy = policy_choice(request)
    year = year_choice(request, front.years(engine))
    try:
        return front.partner(engine, policy, year, iso3.upper()), policy, year
    except UserError:
        return None, policy, year


WHATIF_INPUTS = {
    "milex_gdp_pct": {"label": "Defense spending, % of GDP", "min": 0.0, "max": 6.0, "step": 0.01},
    "us_arms_share_5y": {
        "label": "Share of arms imports from the US, %",
        "min": 0.0,
        "max": 100.0,
        "step": 0.01,
    },
}


@router.get("/partners/{iso3}", response_class=HTMLResponse)
def partner_page(request: Request, iso3: str) -> Response:
    """One partner: score, rank and tier with robustness; waterfall; values with source and
    flags; dated gates; spending history; "what it would take" sliders."""
    from burdenshare.web.session import can, user_of

    if (resp := _denied(request, "read")) is not None:
        return resp
    ex, policy, year = _partner_or_404(request, iso3)
    if ex is None:
        return page(
            request,
            "error.html",
            status=404,
            title="Not found",
            message=f"No scored partner {iso3!r} under this policy and year.",
        )
    sliders, asked_any = [], False
    for ind in ex["indicators"]:
        spec = WHATIF_INPUTS.get(ind["indicator"])
        if spec is None:
            continue
        current = ind["value"]
        asked = request.query_params.get(ind["indicator"])
        asked_any = asked_any or _float(asked, None) is not None
        sliders.append(
            {**spec, "name": ind["indicator"], "current": current, "value": _float(asked, current)}
        )
    engine = engine_of(request)
    user = user_of(request)
    return page(
        request,
        "partner.html",
        title=f"{ex['name']}: {ex['tier_label'] or ex['status']}",
        ex=ex,
        policy=policy,
        year=ex["year"],
        sliders=sliders,
        may_analyze=can(user, "analyze", request),
        may_cases=can(user, "cases_read", request),
        fast=front.fast_lane(engine, policy, year, ex["iso3"]),
        short=front.shortfall(engine, policy, year, ex["iso3"]),
        asked=asked_any,
        waterfall=charts.waterfall(ex["indicators"], ex["score"]),
        history=specs.spending_history(ex["history"], ex["name"], front.targets()),
        cli=(
            f"burdenshare explain {ex['iso3']} --policy {policy} --year {ex['year']}; "
            f"burdenshare ledger --policy {policy} --year {ex['year']} --target 2 "
            f"--partner {ex['iso3']}"
        ),
        footer=front.ranking(engine, policy, year),
    )


def _float(text: str | None, default: float | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else default
    except ValueError:
        return default


@router.get("/partners/{iso3}/whatif", response_class=HTMLResponse)
def partner_whatif(request: Request, iso3: str) -> Response:
    """The what-if result for the sliders' values (an htmx fragment)."""
    from burdenshare.errors import UserError

    if (resp := _denied(request, "analyze")) is not None:
        return resp

    engine = engine_of(request)
    policy = policy_choice(request)
    year = year_choice(request, front.years(engine))
    changes: dict[str, float] = {}
    current = (
        {
            i["indicator"]: i["value"]
            for i in front.partner(engine, policy, year, iso3.upper())["indicators"]
        }
        if ISO3.match(iso3)
        else {}
    )
    for name, spec in WHATIF_INPUTS.items():
        v = _float(request.query_params.get(name), None)
        cur = current.get(name)
        if v is not None and cur is not None and abs(v - cur) <= spec["step"] / 2:
            continue  # the slider at the partner's own value (rounded to its step)
        if v is not None:
            if not spec["min"] <= v <= spec["max"]:
                return HTMLResponse(
                    f"<p role='alert'>{name} must be between {spec['min']} and {spec['max']}</p>",
                    400,
                )
            changes[name] = v
    if not changes:
        ex = front.partner(engine, policy, year, iso3.upper())
        same = {k: ex[k] for k in ("score", "rank", "tier", "tier_label", "status")}
        return page(request, "_whatif.html", result={"before": same, "after": same}, fragment=True)
    try:
        result = front.whatif(engine, policy, year, iso3.upper(), changes)
    except UserError as exc:
        return HTMLResponse(f"<p role='alert'>{exc}</p>", 400)
    return page(request, "_whatif.html", result=result, fragment=True)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request) -> Response:
    """Two policies side by side: slope chart, tier transition matrix, Spearman, Kendall."""
    if (resp := _denied(request, "analyze")) is not None:
        return resp
    engine = engine_of(request)
    names = front.policies()
    a = policy_choice(request, "a", "eo14383")
    b = policy_choice(request, "b", "hague2035" if "hague2035" in names else names[0])
    year = year_choice(request, front.years(engine))
    cmp = front.compare(engine, a, b, year)
    matrix = _transition_matrix(cmp["rows"])
    return page(
        request,
        "compare.html",
        title=f"Compare {a} and {b}",
        cmp=cmp,
        a=a,
        b=b,
        policy=a,
        year=cmp["year"],
        matrix=matrix,
        slope=specs.slope(cmp["rows"], a, b),
        cli=f"burdenshare compare {a} {b} --year {cmp['year']}",
        footer=front.ranking(engine, a, year),
    )


def _transition_matrix(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of countries by (tier under A, tier under B); None = not ranked."""

    def lab(t):
        return f"Tier {t}" if t else "Not ranked"

    tiers = sorted(
        {r["tier_a"] for r in rows if r["tier_a"]} | {r["tier_b"] for r in rows if r["tier_b"]}
    )
    labels = [lab(t) for t in tiers] + ["Not ranked"]
    counts = {(x, y): 0 for x in labels for y in labels}
    for r in rows:
        counts[(lab(r["tier_a"]), lab(r["tier_b"]))] += 1
    return {"labels": labels, "cells": [[counts[(x, y)] for y in labels] for x in labels]}


DEFAULT_TRAJECTORY = ("DEU", "FRA", "GBR", "ITA", "ESP", "POL", "CAN")


@router.get("/monitor", response_class=HTMLResponse)
def monitor_page(request: Request) -> Response:
    """Allies against 2/3.5/5%, crossings between releases, the 2035 trajectory, and the
    consequence ledger's headline per ally at the chosen target."""
    from burdenshare.web.session import can, user_of

    if (resp := _denied(request, "read")) is not None:
        return resp
    engine = engine_of(request)
    qp = request.query_params
    rels = front.releases(engine)
    labels = [r["vintage"] for r in rels]
    nato = [r["vintage"] for r in rels if r["source"].startswith("nato")] or labels
    frm = qp.get("from") if qp.get("from") in labels else (nato[0] if nato else None)
    to = qp.get("to") if qp.get("to") in labels else (nato[-1] if nato else None)
    status = copy.deepcopy(front.monitor_status(engine, None))  # rows get display fields
    levels = sorted(float(k) for k in status["at_or_above"])
    for r in status["rows"]:
        v = r.get("milex_gdp_pct")
        reached = [lv for lv in levels if v is not None and v >= lv]
        r["level"] = f"{reached[-1]:g}%" if reached else f"below {levels[0]:g}%"
        r["value"] = v
        r["year"] = status["year"]
    pair = (frm, to) if frm and to and frm != to else None
    cross = copy.deepcopy(front.monitor_crossings(engine, pair))
    tiers = front.monitor_tier_changes(engine, frm, to, "eo14383") if pair else None
    names = {r["iso3"]: r["name"] for r in status["rows"]}
    for e in cross["events"]:
        e["name"] = names.get(e["iso3"], e["iso3"])
    goals = front.targets()
    levels = [t["level"] for t in goals]
    target = _float(qp.get("target"), levels[1])
    target = target if target in levels else levels[1]
    proj = front.monitor_projection(engine, target)
    chosen = [c.strip().upper() for c in qp.get("c", "").split(",") if c.strip()] or list(
        DEFAULT_TRAJECTORY
    )
    pname = {r["iso3"]: r["name"] for r in proj["rows"]}
    series = [
        {
            "name": pname.get(s["iso3"], s["iso3"]),
            "year": s["year"],
            "value": s["value"],
            "kind": "observed",
        }
        for s in proj["series"]
        if s["iso3"] in chosen
    ]
    for r in proj["rows"]:
        if r["iso3"] in chosen and r.get("latest_value") is not None:
            series.append(
                {
                    "name": r["name"],
                    "year": r["latest_year"],
                    "value": r["latest_value"],
                    "kind": "required path",
                }
            )
            series.append(
                {"name": r["name"], "year": proj["by"], "value": target, "kind": "required path"}
            )
    return page(
        request,
        "monitor.html",
        title="Allies monitor",
        st=status,
        releases=rels,
        frm=frm,
        to=to,
        cross=cross,
        tiers=tiers,
        proj=proj,
        target=target,
        chosen=chosen,
        goals=goals,
        footer={"year": status["year"], "vintages": front._vintages(status.get("vintages"))},
        status_spec=specs.monitor_status(status["rows"], goals),
        trajectory_spec=specs.trajectory(series, target, proj["by"]),
        allies=front.ally_ledger(engine, target),
        may_cases=can(user_of(request), "cases_read", request),
        cli=(
            f"burdenshare monitor crossings --between-vintages {frm} {to}; "
            f"burdenshare monitor project --target {target:g} --by {proj['by']}; "
            f"burdenshare monitor ledger --target {target:g}"
        ),
    )
