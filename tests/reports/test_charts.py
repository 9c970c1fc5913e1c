"""Chart specifications: Vega-Lite v6 that vl-convert renders offline, gaps for missing
values (never drawn as zero), labels kept as text in the SVG."""

from __future__ import annotations

import json

import pytest

from burdenshare import charts
from burdenshare.charts.render import to_png, to_svg


def test_schema_version_is_one_vl_convert_renders():
    import vl_convert as vlc

    assert charts.SCHEMA.endswith(f"/v{charts.VL_VERSION.split('.')[0]}.json")
    assert charts.VL_VERSION in vlc.get_vegalite_versions()


SPECS = {
    "trend": lambda: charts.trend_lines(
        [{"q": "2026Q1", "s": "a", "v": 3}, {"q": "2026Q2", "s": "a", "v": None}],
        x="q",
        y="v",
        color="s",
        title="T",
        y_title="cases",
    ),  # fmt: skip
    "share": lambda: charts.share_vs_goal(
        [{"q": "2026Q1", "v": 0.8}], x="q", y="v", goal=0.85, title="S", goal_label="goal 85%"
    ),
    "bars": lambda: charts.bars(
        [{"g": "europe", "v": 12.0}, {"g": "asia", "v": -3.0}, {"g": "x", "v": None}],
        category="g",
        value="v",
        title="B",
        value_title="US$",
    ),  # fmt: skip
    "contrib": lambda: charts.contributions(
        [{"label": "Spending", "pillar": "self", "contribution": 16.7}]
    ),
    "spending": lambda: charts.spending_history(
        [{"year": 2023, "value": 1.9}, {"year": 2024, "value": 2.1}],
        thresholds=[(2.0, "2% guideline"), (3.5, "3.5% core")],
        title="H",
    ),  # fmt: skip
    "interval": lambda: charts.rank_interval([{"name": "Spain", "lo": 17, "hi": 40, "rank": 30}]),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_specs_are_json_and_render(name):
    spec = SPECS[name]()
    assert spec["$schema"] == charts.SCHEMA
    assert json.loads(json.dumps(spec)) == spec  # plain JSON: the dashboard embeds it as is
    svg = to_svg(spec)
    assert svg.startswith("<svg") and spec["title"] in svg
    assert to_png(spec, scale=1).startswith(b"\x89PNG")


def test_missing_values_stay_missing():
    spec = SPECS["trend"]()
    assert spec["data"]["values"][1]["v"] is None
    svg = to_svg(SPECS["spending"]())
    assert "2% guideline" in svg and "3.5% core" in svg
