"""Chart specifications shared by the dashboard and the published reports.

Every chart is a Vega-Lite specification built by a pure function of plain rows
(:mod:`burdenshare.charts.specs`): the dashboard embeds it (vendored vega-embed) and the
reports render the same dict to SVG or PNG offline with vl-convert
(:mod:`burdenshare.charts.render`), so a figure looks the same on screen and on paper.
One builder per chart kind: the score's contributions (:func:`waterfall`) and the rank
intervals (:func:`caterpillar`) are drawn by the same function for the dashboard and the
reports, which only pass a fixed width and the print config.
"""

from __future__ import annotations

from burdenshare.charts.ranking import caterpillar, choropleth, waterfall
from burdenshare.charts.specs import (
    SCHEMA,
    VL_VERSION,
    bars,
    share_vs_goal,
    spending_history,
    trend_lines,
)

__all__ = [
    "SCHEMA",
    "VL_VERSION",
    "bars",
    "caterpillar",
    "choropleth",
    "share_vs_goal",
    "spending_history",
    "trend_lines",
    "waterfall",
]
