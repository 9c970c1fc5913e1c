"""Chart specifications: Vega-Lite v6 that vl-convert renders offline, gaps for missing
values (never drawn as zero), labels kept as text in the SVG."""

from __future__ import annotations

import base64
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
    "contrib": lambda: charts.waterfall(
        [{"label": "Spending", "contribution": 16.7}],
        16.7,
        title="C",
        width=380,
        config=charts.specs.CONFIG,
    ),
    "spending": lambda: charts.spending_history(
        [{"year": 2023, "value": 1.9}, {"year": 2024, "value": 2.1}],
        thresholds=[(2.0, "2% guideline"), (3.5, "3.5% core")],
        title="H",
    ),  # fmt: skip
    "interval": lambda: {
        "title": "R",
        **charts.caterpillar(
            [
                {
                    "iso3": "ESP",
                    "name": "Spain",
                    "nominal_rank": 30,
                    "rank_median": 31,
                    "rank_p05": 17,
                    "rank_p95": 40,
                }
            ],
            width=380,
            config=charts.specs.CONFIG,
        ),
    },
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


def test_one_builder_per_chart_kind_for_screen_and_paper():
    """The dashboard's and the brief's contributions chart are the same spec but for the
    width, title and font config: the same marks, encodings and data."""
    rows = [{"label": "Spending", "contribution": 10.0}, {"label": "Arms", "contribution": 5.5}]
    screen = charts.waterfall(rows, 15.5)
    paper = charts.waterfall(rows, 15.5, title="T", width=380, config=charts.specs.CONFIG)
    assert screen["width"] == "container" and paper["width"] == 380
    assert paper["config"]["font"] == charts.specs.FONT != screen["config"]["font"]
    for key in ("data", "layer", "encoding"):
        assert screen[key] == paper[key]
    assert [s["end"] for s in paper["data"]["values"]] == [10.0, 15.5, 15.5]
    assert not hasattr(charts, "contributions") and not hasattr(charts, "rank_interval")


def test_charts_drawn_side_by_side_equal_one_at_a_time():
    """The thread pool and the per-spec cache change no SVG: the same text as vl-convert's."""
    import vl_convert as vlc

    from burdenshare.charts.render import to_data_uris, to_svg

    specs = [SPECS[name]() for name in sorted(SPECS)]
    direct = [vlc.vegalite_to_svg(s, vl_version=charts.VL_VERSION) for s in specs]
    assert [to_svg(s) for s in specs] == direct
    uris = to_data_uris(specs)
    assert [base64.b64decode(u.split(",", 1)[1]).decode() for u in uris] == direct
