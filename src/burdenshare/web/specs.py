"""Vega-Lite specifications for the dashboard's charts (pure: rows in, spec dict out).

Each builder takes JSON-ready rows and returns a complete Vega-Lite v6 spec with the data
inline, so the browser renders it with the vendored vega-embed and the same spec could be
rendered on paper (vl-convert). Colours are one palette: tiers from deep to light blue,
ineligible in a muted red, targets as dashed rules.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier, never fetched
TIER_DOMAIN = ["Tier 1", "Tier 2", "Tier 3", "Not ranked", "Ineligible"]
TIER_RANGE = ["#1d4e89", "#4f8fc0", "#a9cce3", "#d9d9d9", "#c0504d"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": {"labelColor": "#3d4451", "titleColor": "#3d4451", "gridColor": "#eceff3"},
        "legend": {"labelColor": "#3d4451", "titleColor": "#3d4451"},
    }


def tier_name(row: dict[str, Any]) -> str:
    """The map/legend category of a ranking row: a hard gate's "no" (status ``ineligible``)
    is not the same as "not scored for lack of data" (status ``excluded: ...``)."""
    if row.get("status") == "ineligible":
        return "Ineligible"
    t = row.get("tier")
    return f"Tier {t}" if t else "Not ranked"


def choropleth(rows: list[dict[str, Any]], *, measure: str, atlas_url: str) -> dict[str, Any]:
    """World map of ``measure`` ("score" or "tier") from ranking rows (numeric ISO ids)."""
    values = [
        {
            "id": r["numeric"],
            "iso3": r["iso3"],
            "name": r["name"],
            "score": r["score"],
            "rank": r["rank"],
            "tier": tier_name(r),
            "flags": ", ".join(r.get("flags") or []) or "none",
        }
        for r in rows
        if r.get("numeric")
    ]
    legend = {"orient": "bottom", "direction": "horizontal"}
    if measure == "tier":
        color = {
            "field": "tier",
            "type": "nominal",
            "title": "Tier",
            "scale": {"domain": TIER_DOMAIN, "range": TIER_RANGE},
            "legend": legend,
        }
    else:
        color = {
            "field": "score",
            "type": "quantitative",
            "title": "Score",
            "scale": {"scheme": "blues", "domain": [0, 100]},
            "legend": {**legend, "gradientLength": 240},
        }
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 420,
        "config": _config(),
        "projection": {"type": "equalEarth"},
        "layer": [
            {
                "data": {
                    "url": atlas_url,
                    "format": {"type": "topojson", "feature": "countries"},
                },
                # the unscored land: decoration, hidden from screen readers
                "mark": {"type": "geoshape", "fill": "#eef1f5", "stroke": "#ffffff", "aria": False},
            },
            {
                "data": {
                    "url": atlas_url,
                    "format": {"type": "topojson", "feature": "countries"},
                },
                "transform": [
                    {
                        "lookup": "id",
                        "from": {
                            "data": {"values": values},
                            "key": "id",
                            "fields": ["iso3", "name", "score", "rank", "tier", "flags"],
                        },
                    },
                    {"filter": "datum.iso3 != null"},
                ],
                "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5},
                "encoding": {
                    "color": color,
                    "tooltip": [
                        {"field": "name", "title": "Country"},
                        {"field": "score", "title": "Score", "format": ".1f"},
                        {"field": "rank", "title": "Rank"},
                        {"field": "tier", "title": "Tier"},
                        {"field": "flags", "title": "Estimated / gap-filled inputs"},
                    ],
                    "href": {"field": "href"},
                },
                "params": [],
            },
        ],
    }


def caterpillar(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Rank intervals (5th-95th percentile) with the median and the nominal rank."""
    values = [
        {
            "iso3": r["iso3"],
            "name": r.get("name", r["iso3"]),
            "nominal": r["nominal_rank"],
            "median": r["rank_median"],
            "p05": r["rank_p05"],
            "p95": r["rank_p95"],
            "tier": (r.get("nominal_tier") or "").split(":")[0] or "Not ranked",
        }
        for r in records
    ]
    y = {
        "field": "name",
        "type": "nominal",
        "sort": {"field": "nominal", "order": "ascending"},
        "title": None,
        "axis": {"labelLimit": 140},
    }
    tier_color = {
        "field": "tier",
        "type": "nominal",
        "title": "Tier",
        "scale": {"domain": TIER_DOMAIN, "range": TIER_RANGE},
    }
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": {"step": 14},
        "config": _config(),
        "data": {"values": values},
        "encoding": {"y": y},
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.85},
                "encoding": {
                    "x": {
                        "field": "p05",
                        "type": "quantitative",
                        "title": "Rank (5th-95th percentile of the Monte Carlo run)",
                        "scale": {"reverse": False, "zero": False},
                        "axis": {"orient": "top"},
                    },
                    "x2": {"field": "p95"},
                    "color": tier_color,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 36},
                "encoding": {
                    "x": {"field": "nominal", "type": "quantitative"},
                    "color": tier_color,
                    "tooltip": [
                        {"field": "name", "title": "Country"},
                        {"field": "nominal", "title": "Rank"},
                        {"field": "median", "title": "Median rank"},
                        {"field": "p05", "title": "5th percentile"},
                        {"field": "p95", "title": "95th percentile"},
                    ],
                },
            },
        ],
    }


def waterfall(indicators: list[dict[str, Any]], score: float | None) -> dict[str, Any]:
    """Contributions by indicator as a waterfall whose last bar is the score."""
    steps, total = [], 0.0
    for ind in indicators:
        c = ind.get("contribution")
        if c is None:
            continue
        steps.append(
            {
                "label": ind["label"],
                "start": round(total, 4),
                "end": round(total + c, 4),
                "value": round(c, 2),
                "kind": "indicator",
            }
        )
        total += c
    if score is not None:
        steps.append(
            {
                "label": "Score",
                "start": 0,
                "end": round(score, 4),
                "value": round(score, 2),
                "kind": "score",
            }
        )
    order = [s["label"] for s in steps]
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": {"step": 24},
        "config": _config(),
        "data": {"values": steps},
        "encoding": {
            "y": {
                "field": "label",
                "type": "nominal",
                "sort": order,
                "title": None,
                "axis": {"labelLimit": 220},
            },
        },
        "layer": [
            {
                "mark": {"type": "bar", "cornerRadius": 2, "height": 16},
                "encoding": {
                    "x": {
                        "field": "start",
                        "type": "quantitative",
                        "title": "Points (0-100)",
                        "scale": {"domain": [0, 100]},
                    },
                    "x2": {"field": "end"},
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "legend": None,
                        "scale": {
                            "domain": ["indicator", "score"],
                            "range": ["#4f8fc0", "#1d4e89"],
                        },
                    },
                    "tooltip": [
                        {"field": "label", "title": "Indicator"},
                        {"field": "value", "title": "Points"},
                    ],
                },
            },
            {
                "mark": {
                    "type": "text",
                    "align": "left",
                    "dx": 4,
                    "fontSize": 11,
                    "color": "#3d4451",
                },
                "encoding": {
                    "x": {"field": "end", "type": "quantitative"},
                    "text": {"field": "value", "type": "quantitative", "format": ".1f"},
                },
            },
        ],
    }


def spending_history(history: list[dict[str, Any]], name: str, targets: list[dict]) -> dict:
    """Spending, % of GDP, by year against the target lines: the reports' chart
    (:func:`burdenshare.charts.spending_history`), sized to its container on screen."""
    from burdenshare.charts import spending_history as chart

    rows = [
        {"year": h["year"], "value": h["value"], "source": h["source"], "release": h["release"]}
        for h in history
        if h.get("value") is not None
    ]
    spec = chart(
        rows,
        thresholds=[(t["level"], t["label"]) for t in targets],
        title=f"{name}: military spending, % of GDP",
    )
    spec["width"] = "container"
    spec["height"] = 240
    return spec


def slope(rows: list[dict[str, Any]], label_a: str, label_b: str, top: int = 30) -> dict[str, Any]:
    """Rank under policy A (left) and B (right), one line per country (the top ``top`` by A)."""
    values = []
    for r in rows:
        if r.get("rank_a") is None or r.get("rank_b") is None or r["rank_a"] > top:
            continue
        values.append(
            {"name": r["name"], "policy": label_a, "rank": r["rank_a"], "shift": r["shift"]}
        )
        values.append(
            {"name": r["name"], "policy": label_b, "rank": r["rank_b"], "shift": r["shift"]}
        )
    color = {
        "field": "shift",
        "type": "quantitative",
        "title": "Places gained under B",
        "scale": {"scheme": "redblue", "domainMid": 0},
    }
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 560,
        "config": _config(),
        "data": {"values": values},
        "encoding": {
            "x": {
                "field": "policy",
                "type": "nominal",
                "sort": [label_a, label_b],
                "title": None,
                "axis": {"orient": "top", "labelAngle": 0},
                "scale": {"padding": 0.4},
            },
            "y": {
                "field": "rank",
                "type": "quantitative",
                "scale": {"reverse": True, "zero": False},
                "title": "Rank",
            },
        },
        "layer": [
            {
                "mark": {"type": "line", "strokeWidth": 1.5},
                "encoding": {"detail": {"field": "name"}, "color": color},
            },
            {
                "mark": {"type": "point", "filled": True},
                "encoding": {
                    "color": color,
                    "tooltip": [{"field": "name"}, {"field": "policy"}, {"field": "rank"}],
                },
            },
            {
                "transform": [{"filter": {"field": "policy", "equal": label_b}}],
                "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 10},
                "encoding": {"text": {"field": "name"}},
            },
        ],
    }


def monitor_status(rows: list[dict[str, Any]], targets: list[dict]) -> dict[str, Any]:
    """Latest % of GDP per ally as bars against the 2%, 3.5% and 5% lines."""
    values = [r for r in rows if r.get("value") is not None]
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": {"step": 15},
        "config": _config(),
        "layer": [
            {
                "data": {"values": values},
                "mark": {"type": "bar", "cornerRadius": 2},
                "encoding": {
                    "y": {"field": "name", "type": "nominal", "sort": "-x", "title": None},
                    "x": {"field": "value", "type": "quantitative", "title": "% of GDP"},
                    "color": {
                        "field": "level",
                        "type": "nominal",
                        "title": "Reached",
                        "scale": {
                            "domain": [f"below {targets[0]['level']:g}%"]
                            + [f"{t['level']:g}%" for t in targets],
                            "range": ["#c0504d", "#a9cce3", "#4f8fc0", "#1d4e89"],
                        },
                    },
                    "tooltip": [
                        {"field": "name"},
                        {"field": "value", "format": ".2f"},
                        {"field": "year"},
                        {"field": "source"},
                    ],
                },
            },
            {
                "data": {"values": targets},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#3d4451"},
                "encoding": {"x": {"field": "level", "type": "quantitative"}},
            },
        ],
    }


def trajectory(series: list[dict[str, Any]], target: float, deadline: int) -> dict[str, Any]:
    """Observed % of GDP and the straight path to ``target`` by ``deadline`` per ally."""
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 300,
        "config": _config(),
        "layer": [
            {
                "data": {"values": series},
                "mark": {"type": "line", "strokeWidth": 1.5},
                "encoding": {
                    "x": {
                        "field": "year",
                        "type": "quantitative",
                        "axis": {"format": "d"},
                        "title": None,
                    },
                    "y": {"field": "value", "type": "quantitative", "title": "% of GDP"},
                    "color": {"field": "name", "type": "nominal", "title": "Ally"},
                    "strokeDash": {
                        "field": "kind",
                        "type": "nominal",
                        "title": "",
                        "scale": {
                            "domain": ["observed", "required path"],
                            "range": [[1, 0], [4, 3]],
                        },
                    },
                    "tooltip": [
                        {"field": "name"},
                        {"field": "year"},
                        {"field": "value", "format": ".2f"},
                        {"field": "kind"},
                    ],
                },
            },
            {
                "data": {"values": [{"level": target, "year": deadline}]},
                "mark": {"type": "rule", "strokeDash": [2, 2], "color": "#c0504d"},
                "encoding": {"y": {"field": "level", "type": "quantitative"}},
            },
        ],
    }


def gantt(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Delivery schedule: one bar per case from start to completion quarter, per line."""
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": {"step": 16},
        "config": _config(),
        "data": {"values": rows},
        "mark": {"type": "bar", "cornerRadius": 2, "height": 11},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "start", "type": "quantitative", "title": "Quarter index"},
            "x2": {"field": "end"},
            "color": {"field": "method", "type": "nominal", "title": "Schedule"},
            "yOffset": {"field": "method"},
            "tooltip": [
                {"field": "label"},
                {"field": "method"},
                {"field": "start_q", "title": "start"},
                {"field": "end_q", "title": "delivered"},
            ],
        },
    }


KEY_PARTS = {
    "score_pts": "partner score",
    "tier_pts": "tier",
    "item_pts": "item priority",
    "readiness_pts": "readiness",
    "age_pts": "age",
}


def queue_key(rows: list[dict[str, Any]], limit: int = 30) -> dict[str, Any]:
    """Each case's priority key split into its parts (stacked; negative parts to the left)."""
    values = []
    for r in rows[:limit]:
        label = f"{r['position']}. {r['case_id']} {r['partner']}"
        for field, name in KEY_PARTS.items():
            v = r.get(field)
            if v is not None:
                values.append({"case": label, "part": name, "points": round(float(v), 2)})
    order = [f"{r['position']}. {r['case_id']} {r['partner']}" for r in rows[:limit]]
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": {"step": 16},
        "config": _config(),
        "data": {"values": values},
        "mark": {"type": "bar", "height": 12},
        "encoding": {
            "y": {"field": "case", "type": "nominal", "sort": order, "title": None},
            "x": {
                "field": "points",
                "type": "quantitative",
                "title": "Points of the priority key",
                "stack": "zero",
            },
            "color": {
                "field": "part",
                "type": "nominal",
                "title": "Part of the key",
                "scale": {
                    "domain": list(KEY_PARTS.values()),
                    "range": ["#1d4e89", "#4f8fc0", "#8a5a00", "#c0504d", "#9aa5b1"],
                },
                "legend": {"orient": "bottom", "direction": "horizontal"},
            },
            "tooltip": [{"field": "case"}, {"field": "part"}, {"field": "points", "format": ".1f"}],
        },
    }


def metrics_trend(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Cases per quarter (the quarterly report's chart, :func:`burdenshare.charts.trend_lines`),
    sized to its container on screen."""
    from burdenshare.charts import trend_lines

    spec = trend_lines(
        rows,
        x="quarter",
        y="cases",
        color="series",
        title="Cases per quarter, last 8 quarters",
        y_title="cases",
    )
    spec["width"] = "container"
    spec["height"] = 220
    return spec
