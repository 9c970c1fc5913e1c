"""Real-data checks: the starter snapshot and the full official files (real parsers)."""

from __future__ import annotations

import pytest

from burdenshare.panel import build_panel
from burdenshare.scoring import score

DENIED = ["CHN", "RUS", "IRN", "PRK"]


@pytest.fixture(scope="module")
def starter_panel():
    from burdenshare.starter import load_starter_facts

    return build_panel(load_starter_facts(), year=2024)


@pytest.fixture(scope="module")
def nato_2024_at_2pct(shared_data) -> set[str]:
    """Allies at or above 2% of GDP in 2024 in NATO's June 2024 table (Table 3)."""
    from burdenshare.sources import nato

    f = nato.parse(shared_data / "NATO-240617-def-exp-2024-TABLES-en.xlsx").facts
    f = f.query("year == 2024 and indicator == 'milex_gdp_pct'")
    return set(f.loc[f["value"] >= 2.0, "iso3"])


def _check_eo14383(panel):
    r = score(panel, "eo14383")
    t = r.table
    assert t.at["POL", "tier"] == 1 and t.at["POL", "eligible"]
    for iso3 in DENIED:
        assert iso3 in t.index, iso3
        assert not t.at[iso3, "eligible"], iso3
        assert "itar_126_1" in t.at[iso3, "gates"], iso3
    return r


def test_starter_snapshot_eo14383_2024(starter_panel):
    _check_eo14383(starter_panel)


def test_full_import_eo14383_2024(real_panel_2024):
    r = _check_eo14383(real_panel_2024)
    assert len(r.table) > 150  # every country SIPRI covers
    # the ranking leaders are allies that spend at least 2%
    top = r.table.loc[r.table["tier"] == 1]
    assert (r.raw.loc[top.index, "milex_gdp_pct"] >= 2.0).all()


def test_nato_table_counted_23_at_2pct(nato_2024_at_2pct):
    assert len(nato_2024_at_2pct) == 23
    assert {"POL", "USA", "EST", "GRC"} <= nato_2024_at_2pct
    assert not {"ESP", "BEL", "CAN", "ITA"} & nato_2024_at_2pct


@pytest.mark.parametrize("which", ["starter", "full"])
def test_panel_flags_exactly_natos_2pct_allies(
    which, starter_panel, real_panel_2024, nato_2024_at_2pct
):
    panel = starter_panel if which == "starter" else real_panel_2024
    members = panel.membership.index[panel.membership["nato"]]
    meets = panel.meets(2.0)
    flagged = {c for c in members if meets[c]}
    assert flagged == nato_2024_at_2pct
    # and each of those values is NATO's own figure
    k = panel.indicators.index("milex_gdp_pct")
    assert {panel.sources[panel.row(c), k] for c in flagged} == {"nato_defexp"}


def test_full_import_sources_and_flags(real_panel_2024):
    p = real_panel_2024
    k = p.indicators.index("milex_gdp_pct")
    assert p.sources[p.row("JPN"), k] == "sipri_milex"
    assert p.sources[p.row("DEU"), k] == "nato_defexp"
    assert "estimate" in p.flags[p.row("DEU"), k]  # NATO's 2024e
    kc = p.indicators.index("milex_const_usd_m")
    # constant US$ from one release only (the 2026 CSV, 2024 prices), for every country
    assert set(p.sources[:, kc][p.sources[:, kc] != ""]) == {"sipri_milex"}
    assert p.vintages["sipri_milex"] == "2025-04-30, 2026-04"


def test_all_builtin_policies_rank_the_full_panel(real_panel_2024):
    from burdenshare.policy import builtin_names

    for name in builtin_names():
        t = score(real_panel_2024, name).table
        ranked = t["rank"].dropna()
        assert ranked.is_monotonic_increasing and ranked.iloc[0] == 1
        assert not t.loc[DENIED, "eligible"].any()
