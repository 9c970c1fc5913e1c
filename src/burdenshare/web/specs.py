"""Vega-Lite specifications for the dashboard's own charts (pure: rows in, spec dict out).

The ranking charts (map, rank intervals, waterfall) live in :mod:`burdenshare.charts.ranking`
with the reports' charts; the palette and config come from there too.

Each builder takes JSON-ready rows and returns a complete Vega-Lite v6 spec with the data
inline, so the browser renders it with the vendored vega-embed and the same spec could be
rendered on paper (vl-convert). Colours are one palette: tiers from deep to light blue,
ineligible in a muted red, targets as dashed rules.
"""

from __future__ import annotations

from typing import Any

from burdenshare.charts.ranking import SCHEMA
from burdenshare.charts.ranking import screen_config as _config


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
