"""``monitor tiers`` and ``monitor crossings`` between the same releases used to disagree
without a word (0 tiers changed, six allies crossing 2%): crossings compares each release's
latest year (2025 in the reported figures), tiers are scored on the latest year with the
coverage a score needs (2024 in both). The tier output now names the figures it leaves out."""

from __future__ import annotations

import json

from cli_helpers import run_ok

FROM, TO = "2024-06-17", "2025-08"


def test_tiers_name_the_newer_figures_crossings_count(module_store):
    url = f"sqlite:///{module_store}"
    crossings = json.loads(
        run_ok(
            "monitor", "crossings", "--between-vintages", FROM, TO, "-f", "json", "--db", url
        ).out
    )  # fmt: skip
    events = crossings["events"] if isinstance(crossings, dict) else crossings
    crossed_2025 = {e["iso3"] for e in events if e["to_year"] == 2025}
    assert crossed_2025, "the reported 2025 figures should cross a threshold"

    tiers = json.loads(
        run_ok(
            "monitor", "tiers", "--from-vintage", FROM, "--to-vintage", TO,
            "-f", "json", "--db", url,
        ).out
    )  # fmt: skip
    assert tiers["year_b"] == 2024
    later = {int(y): set(c) for y, c in tiers["later_years_b"].items()}
    assert crossed_2025 <= later[2025]  # every ally crossing in 2025 is named as not compared

    table = run_ok(
        "monitor", "tiers", "--from-vintage", FROM, "--to-vintage", TO, "--db", url
    ).out  # fmt: skip
    text = " ".join(table.split())
    assert "Not compared" in text and "2025 figures" in text and "monitor crossings" in text
