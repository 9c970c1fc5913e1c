"""The ranking charts moved from the dashboard into :mod:`burdenshare.charts` (map, rank
intervals, waterfall) render offline with vl-convert, the reports' renderer, from the same
rows the dashboard uses; the waterfall adds up to the score."""

from __future__ import annotations

import base64
import json

from burdenshare import charts
from burdenshare.charts.render import to_svg
from burdenshare.web import STATIC

INDICATORS = [
    {"indicator": "milex_gdp_pct", "label": "Defense spending", "contribution": 7.6},
    {"indicator": "us_arms_share_5y", "label": "US share of arms imports", "contribution": 6.0},
    {"indicator": "troops", "label": "US troops hosted", "contribution": 4.5},
]
ROWS = [  # fmt: skip
    {"iso3": "POL", "numeric": "616", "name": "Poland", "tier": 1, "score": 80.0, "rank": 1},
    {"iso3": "ESP", "numeric": "724", "name": "Spain", "tier": 2, "score": 60.8, "rank": 30},
    {
        "iso3": "RUS",
        "numeric": "643",
        "name": "Russia",
        "tier": None,
        "score": None,
        "rank": None,
        "status": "ineligible",
    },
]


def _values(spec: dict) -> list[dict]:
    return spec["data"]["values"] if "data" in spec else spec["datasets"][0]


def test_waterfall_renders_offline_and_adds_up_to_the_score():
    spec = charts.waterfall(INDICATORS, 18.1)
    svg = to_svg(spec)
    assert svg.startswith("<svg") and "Defense spending" in svg
    text = json.dumps(spec)
    assert "18.1" in text  # the total bar is the score


def test_caterpillar_renders_offline():
    recs = [  # fmt: skip
        {
            "iso3": "POL",
            "name": "Poland",
            "nominal_rank": 1,
            "rank_median": 1,
            "rank_p05": 1,
            "rank_p95": 3,
            "nominal_tier": "Tier 1: priority",
        },
        {
            "iso3": "ESP",
            "name": "Spain",
            "nominal_rank": 30,
            "rank_median": 31,
            "rank_p05": 25,
            "rank_p95": 36,
            "nominal_tier": "Tier 2: partner",
        },
    ]
    svg = to_svg(charts.caterpillar(recs))
    assert svg.startswith("<svg") and "Spain" in svg


def test_map_renders_offline_from_the_vendored_atlas():
    atlas = (STATIC / "vendor" / "countries-110m.json").read_bytes()
    url = "data:application/json;base64," + base64.b64encode(atlas).decode()
    spec = charts.choropleth(ROWS, measure="tier", atlas_url=url)
    svg = to_svg(spec)
    assert svg.startswith("<svg") and svg.count("<path") > 100  # country shapes drawn
    assert charts.ranking.tier_name(ROWS[2]) == "Ineligible"
