"""Ranking charts for the dashboard and the reports: the world map (tier or score), the
rank intervals ("caterpillar") of the robustness run, and the waterfall of a partner's
score by indicator.

Pure functions of JSON-ready rows returning complete Vega-Lite v6 specs with the data inline
(the map's geometry by URL: the dashboard serves the vendored world-atlas file; a report
passes a ``file://`` or data URL for vl-convert), so the same spec draws on screen (vendored
vega-embed) and on paper (:mod:`burdenshare.charts.render`). Colours are one palette: tiers
from deep to light blue, ineligible in a muted red.
"""

from __future__ import annotations

from typing import Any

from burdenshare.charts.specs import SCHEMA

TIER_DOMAIN = ["Tier 1", "Tier 2", "Tier 3", "Not ranked", "Ineligible"]
TIER_RANGE = ["#1d4e89", "#4f8fc0", "#a9cce3", "#d9d9d9", "#c0504d"]
#: The screen font stack (the reports' own charts use DejaVu Sans, see charts.specs).
SCREEN_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def screen_config() -> dict[str, Any]:
    """The Vega-Lite ``config`` of the dashboard's charts (font, muted axes, no frame)."""
    return {
        "font": SCREEN_FONT,
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
        "config": screen_config(),
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


def caterpillar(
    records: list[dict[str, Any]],
    *,
    width: int | str = "container",
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Rank intervals (5th-95th percentile) with the median and the nominal rank: the one
    rank-interval chart of the dashboard and the reports (``width`` in pixels and the print
    ``config`` of :data:`burdenshare.charts.specs.CONFIG` on paper; the container's width
    and :func:`screen_config` on screen)."""
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
        "width": width,
        "height": {"step": 14},
        "config": config or screen_config(),
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


def waterfall(
    indicators: list[dict[str, Any]],
    score: float | None,
    *,
    title: str | None = None,
    width: int | str = "container",
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Contributions by indicator (rows with ``label`` and ``contribution`` in points of the
    0-100 score; ``None``: not scored, left out) as a waterfall whose last bar is the score:
    the one contributions chart of the dashboard and the country brief (on paper: a fixed
    ``width``, a ``title`` and the print ``config``, :data:`burdenshare.charts.specs.CONFIG`)."""
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
    spec: dict[str, Any] = {"$schema": SCHEMA}
    if title:
        spec["title"] = title
    return spec | {
        "width": width,
        "height": {"step": 24},
        "config": config or screen_config(),
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
