"""Vega-Lite v6 specification builders: pure functions, plain rows in, a JSON-ready dict out.

Rows are lists of mappings (``[{"quarter": "2026Q3", "metric": "received", "value": 41}]``);
``None`` values are kept (Vega-Lite leaves a gap: a suppressed or missing figure is never
drawn as zero). Every spec carries the ``$schema`` of Vega-Lite 6 (the version vl-convert
renders, :data:`VL_VERSION`), a fixed size, and the data inline, so the same dict renders in
the browser and on paper. Styling is one shared config (:data:`CONFIG`): DejaVu Sans (the
Debian font the PDF uses), greys for axes, a colour-blind-safe categorical scheme.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
#: The Vega-Lite version passed to vl-convert (checked against vl_convert's list in the tests).
VL_VERSION = "6.4"
FONT = "DejaVu Sans"
CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelColor": "#333", "titleColor": "#333", "gridColor": "#e6e6e6"},
    "legend": {"orient": "bottom", "labelLimit": 260},
    "range": {"category": {"scheme": "tableau10"}},
    "title": {"anchor": "start", "fontSize": 13, "fontWeight": "bold"},
}
Rows = Iterable[Mapping[str, Any]]


def _base(title: str, rows: Rows, width: int, height: int) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": width,
        "height": height,
        "data": {"values": [dict(r) for r in rows]},
        "config": CONFIG,
    }


def trend_lines(
    rows: Rows,
    *,
    x: str,
    y: str,
    color: str | None = None,
    title: str,
    y_title: str,
    x_title: str = "",
    width: int = 460,
    height: int = 200,
    y_format: str = ",.0f",
) -> dict[str, Any]:
    """Lines with points of ``y`` over the ordinal ``x`` (quarters, years), one per ``color``.

    Missing values (suppressed cells) break the line instead of dropping to zero."""
    spec = _base(title, rows, width, height)
    enc: dict[str, Any] = {
        "x": {"field": x, "type": "ordinal", "title": x_title, "axis": {"labelAngle": 0}},
        "y": {"field": y, "type": "quantitative", "title": y_title, "axis": {"format": y_format}},
        "tooltip": [{"field": x}, {"field": y, "format": y_format}],
    }
    if color:
        enc["color"] = {"field": color, "type": "nominal", "title": None}
        enc["tooltip"].insert(0, {"field": color})
    spec["mark"] = {"type": "line", "point": True}
    spec["encoding"] = enc
    return spec


def share_vs_goal(
    rows: Rows,
    *,
    x: str,
    y: str,
    goal: float,
    title: str,
    goal_label: str,
    width: int = 460,
    height: int = 180,
) -> dict[str, Any]:
    """A share (0-1) over ``x`` as a line, the goal as a dashed red rule with its label."""
    spec = _base(title, rows, width, height)
    spec.pop("data")
    data = {"values": [dict(r) for r in rows]}
    x_enc = {"field": x, "type": "ordinal", "title": "", "axis": {"labelAngle": 0}}
    y_scale = {"domain": [0, 1]}
    spec["layer"] = [
        {
            "data": data,
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": x_enc,
                "y": {
                    "field": y,
                    "type": "quantitative",
                    "title": "share",
                    "scale": y_scale,
                    "axis": {"format": ".0%"},
                },
                "tooltip": [{"field": x}, {"field": y, "format": ".1%"}],
            },
        },
        {
            "data": {"values": [{"goal": goal, "label": goal_label}]},
            "mark": {"type": "rule", "color": "#c0392b", "strokeDash": [6, 4]},
            "encoding": {"y": {"field": "goal", "type": "quantitative", "scale": y_scale}},
        },
        {
            "data": {"values": [{"goal": goal, "label": goal_label}]},
            "mark": {
                "type": "text",
                "align": "right",
                "baseline": "bottom",
                "dy": -3,
                "color": "#c0392b",
                "x": "width",
            },
            "encoding": {
                "y": {"field": "goal", "type": "quantitative", "scale": y_scale},
                "text": {"field": "label"},
            },
        },
    ]
    return spec


def bars(
    rows: Rows,
    *,
    category: str,
    value: str,
    title: str,
    value_title: str,
    value_format: str = ",.0f",
    width: int = 420,
    height: int | None = None,
    sort: Sequence[str] | str = "-x",
) -> dict[str, Any]:
    """Horizontal bars of ``value`` per ``category`` (missing values: no bar), labelled."""
    rows = [dict(r) for r in rows]
    spec = _base(title, rows, width, height or max(40, 22 * len(rows)))
    y = {"field": category, "type": "nominal", "title": None, "sort": sort}
    x = {"field": value, "type": "quantitative", "title": value_title}
    x["axis"] = {"format": value_format}
    vals = [float(r[value]) for r in rows if r.get(value) is not None]
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    # room for the labels beyond the longest bars, on the side(s) where bars are
    x["scale"] = {"domain": [lo * 1.25, hi * 1.2 or 1.0], "nice": True}
    spec.pop("data")
    spec["data"] = {"values": rows}
    text = {"field": value, "type": "quantitative", "format": value_format}
    spec["layer"] = [
        {"mark": {"type": "bar", "color": "#4e79a7"}, "encoding": {"y": y, "x": x}},
        # labels outside the bar's end: right of positive bars, left of negative ones
        {
            "transform": [{"filter": f"datum[{value!r}] >= 0"}],
            "mark": {"type": "text", "align": "left", "dx": 3, "color": "#333"},
            "encoding": {"y": y, "x": x, "text": text},
        },
        {
            "transform": [{"filter": f"datum[{value!r}] < 0"}],
            "mark": {"type": "text", "align": "right", "dx": -3, "color": "#333"},
            "encoding": {"y": y, "x": x, "text": text},
        },
    ]
    return spec


def spending_history(
    rows: Rows,
    *,
    thresholds: Sequence[tuple[float, str]],
    title: str,
    width: int = 440,
    height: int = 190,
) -> dict[str, Any]:
    """Military spending (% of GDP) by year, with a labelled dashed rule per threshold
    (e.g. NATO's 2% guideline, the Hague 3.5% core and 5% total)."""
    rows = [dict(r) for r in rows]
    top = max([float(r["value"]) for r in rows if r.get("value") is not None] + [0.0])
    domain = [0, max(top, max((t for t, _ in thresholds), default=0)) * 1.08 or 1]
    scale = {"domain": domain}
    rules = [{"value": float(t), "label": label} for t, label in thresholds]
    spec = _base(title, rows, width, height)
    spec.pop("data")
    spec["layer"] = [
        {
            "data": {"values": rows},
            "mark": {"type": "line", "point": True, "color": "#4e79a7"},
            "encoding": {
                "x": {
                    "field": "year",
                    "type": "quantitative",
                    "title": "",
                    "scale": {"zero": False, "nice": False},
                    "axis": {"format": "d", "tickMinStep": 1, "labelOverlap": "greedy"},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": "% of GDP",
                    "scale": scale,
                },
                "tooltip": [{"field": "year"}, {"field": "value", "format": ".2f"}],
            },
        },
        {
            "data": {"values": rules},
            "mark": {"type": "rule", "color": "#c0392b", "strokeDash": [5, 4]},
            "encoding": {"y": {"field": "value", "type": "quantitative", "scale": scale}},
        },
        {
            "data": {"values": rules},
            "mark": {
                "type": "text",
                "align": "right",
                "baseline": "bottom",
                "dx": -2,
                "dy": -2,
                "x": "width",
                "color": "#c0392b",
                "fontSize": 10,
            },
            "encoding": {
                "y": {"field": "value", "type": "quantitative", "scale": scale},
                "text": {"field": "label"},
            },
        },
    ]
    return spec
