"""The panel: source preference, vintages, derived indicators, counterfactual consistency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scoring_helpers import make_facts

from burdenshare.errors import UserError
from burdenshare.panel import build_panel, build_panels, default_year, select_vintage


def _val(panel, iso3, ind):
    return panel.values[panel.row(iso3), panel.indicators.index(ind)]


def _src(panel, iso3, ind):
    return panel.sources[panel.row(iso3), panel.indicators.index(ind)]


def test_source_preference_nato_for_members_sipri_otherwise(panel, facts):
    assert _src(panel, "POL", "milex_gdp_pct") == "nato_defexp"
    assert _src(panel, "JPN", "milex_gdp_pct") == "sipri_milex"
    pol = facts.query(
        "iso3 == 'POL' and year == 2024 and indicator == 'milex_gdp_pct' "
        "and source == 'nato_defexp'"
    )["value"].iloc[0]
    assert _val(panel, "POL", "milex_gdp_pct") == pytest.approx(pol)
    # Finland joined NATO on 4 Apr 2023: SIPRI's figure in 2022, NATO's from 2023
    panels = build_panels(facts, years=[2022, 2023])
    assert _src(panels[2022], "FIN", "milex_gdp_pct") == "sipri_milex"
    assert _src(panels[2023], "FIN", "milex_gdp_pct") == "nato_defexp"
    assert np.isnan(_val(panels[2022], "FIN", "equipment_share_pct"))


def test_world_bank_is_the_fallback(facts):
    no_sipri = facts.loc[
        ~(
            (facts["iso3"] == "IND")
            & (facts["indicator"] == "milex_gdp_pct")
            & (facts["source"] == "sipri_milex")
        )
    ]
    p = build_panel(no_sipri, year=2024)
    assert _src(p, "IND", "milex_gdp_pct") == "worldbank_wdi"


def test_flags_follow_the_value(panel):
    assert "estimate" in panel.flags[panel.row("JPN"), panel.indicators.index("milex_gdp_pct")]
    assert panel.flags[panel.row("JPN"), panel.indicators.index("milex_gdp_pct")] == "estimate"


def test_three_year_mean_trend_and_gaps(panel, facts):
    s = facts.query("iso3 == 'JPN' and indicator == 'milex_gdp_pct' and source == 'sipri_milex'")
    s = s.set_index("year")["value"]
    assert _val(panel, "JPN", "milex_gdp_pct_3y") == pytest.approx(s.loc[2022:2024].mean())
    slope = np.polyfit(np.arange(2020, 2025), s.loc[2020:2024].to_numpy(), 1)[0]
    assert _val(panel, "JPN", "milex_gdp_trend_5y") == pytest.approx(slope)
    assert _val(panel, "JPN", "gap_to_2pct") == pytest.approx(s.loc[2024] - 2.0)
    assert _val(panel, "JPN", "gap_to_3_5pct") == pytest.approx(s.loc[2024] - 3.5)
    assert _val(panel, "JPN", "gap_to_5pct") == pytest.approx(s.loc[2024] - 5.0)
    need = max(3.5 - s.loc[2024], 0) / (2035 - 2024)
    assert _val(panel, "JPN", "hague_path_gap") == pytest.approx(slope - need)


def test_trend_uses_the_same_source_as_the_year(facts):
    # Finland: the 2024 value is NATO's, so the trend is NATO's series, not SIPRI's
    p = build_panel(facts, year=2024)
    s = facts.query("iso3 == 'FIN' and indicator == 'milex_gdp_pct' and source == 'nato_defexp'")
    s = s.set_index("year")["value"]
    slope = np.polyfit(np.arange(2020, 2025), s.loc[2020:2024].to_numpy(), 1)[0]
    assert _val(p, "FIN", "milex_gdp_trend_5y") == pytest.approx(slope)


def test_burden_ratio_is_share_of_spending_over_share_of_gdp(panel):
    m = panel.membership
    nato = [c for c in panel.countries if m.at[c, "nato"]]
    pct = np.array([_val(panel, c, "milex_gdp_pct") for c in nato])
    gdp = np.array([_val(panel, c, "gdp_usd_m") for c in nato])
    spend = pct * gdp
    i = nato.index("POL")
    expected = (spend[i] / spend.sum()) / (gdp[i] / gdp.sum())
    assert _val(panel, "POL", "burden_ratio") == pytest.approx(expected)
    allies = [c for c in panel.countries if m.loc[c, ["nato", "us_treaty_ally", "mnna"]].any()]
    assert "JPN" in allies and "IND" not in allies
    pct_a = np.array([_val(panel, c, "milex_gdp_pct") for c in allies])
    gdp_a = np.array([_val(panel, c, "gdp_usd_m") for c in allies])
    agg = (pct_a * gdp_a).sum() / gdp_a.sum()
    assert _val(panel, "IND", "burden_ratio") == pytest.approx(
        _val(panel, "IND", "milex_gdp_pct") / agg
    )


def test_alliance_levels_and_strategic_columns(panel, facts):
    assert _val(panel, "POL", "alliance_level") == 3
    assert _val(panel, "JPN", "alliance_level") == 2
    assert _val(panel, "ISR", "alliance_level") == 1
    assert _val(panel, "IND", "alliance_level") == 0
    assert _val(panel, "CHN", "adversary_distance_km") == 0
    assert 500 < _val(panel, "POL", "adversary_distance_km") < 1500  # Warsaw-Moscow ~1150 km
    usa_ip = facts.query("iso3 == 'USA' and year == 2024 and indicator == 'unga_idealpoint'")
    jpn_ip = facts.query("iso3 == 'JPN' and year == 2024 and indicator == 'unga_idealpoint'")
    assert _val(panel, "JPN", "unga_distance_us") == pytest.approx(
        abs(jpn_ip["value"].iloc[0] - usa_ip["value"].iloc[0])
    )
    r = facts.query("iso3 == 'KOR' and 2020 <= year <= 2024 and source == 'sipri_at_register'")
    tot = r.query("indicator == 'arms_imports_total_tiv_m'")["value"].sum()
    us = r.query("indicator == 'arms_imports_from_us_tiv_m'")["value"].sum()
    assert _val(panel, "KOR", "us_arms_share_5y") == pytest.approx(100 * us / tot)
    assert panel.theater[panel.row("KOR")] == "indo_pacific"


def test_troops_carried_forward_at_most_two_years(facts):
    cut = facts.loc[
        ~(
            (facts["iso3"] == "KOR")
            & (facts["indicator"] == "us_troops_active")
            & (facts["year"] >= 2023)
        )
    ]
    p = build_panel(cut, year=2024)
    k = p.indicators.index("us_troops_active")
    kor2022 = cut.query("iso3 == 'KOR' and year == 2022 and indicator == 'us_troops_active'")
    assert p.values[p.row("KOR"), k] == kor2022["value"].iloc[0]
    assert "imputed" in p.flags[p.row("KOR"), k]
    cut3 = facts.loc[
        ~(
            (facts["iso3"] == "KOR")
            & (facts["indicator"] == "us_troops_active")
            & (facts["year"] >= 2022)
        )
    ]
    p3 = build_panel(cut3, year=2024)
    assert np.isnan(p3.values[p3.row("KOR"), k])


def test_vintage_latest_and_as_of(facts):
    newer = facts.query("source == 'sipri_milex' and indicator == 'milex_gdp_pct'").copy()
    newer["vintage"] = "2026-04-27"
    newer["value"] = newer["value"] + 1.0
    both = pd.concat([facts, newer], ignore_index=True)
    latest = build_panel(both, year=2024)
    old = build_panel(both, year=2024, vintage="2025-12")
    pinned = build_panel(both, year=2024, vintage={"sipri_milex": "2025-04-30"})
    j = float(_val(old, "JPN", "milex_gdp_pct"))
    assert _val(latest, "JPN", "milex_gdp_pct") == pytest.approx(j + 1.0)
    assert _val(pinned, "JPN", "milex_gdp_pct") == pytest.approx(j)
    assert len(select_vintage(both, "latest")) == len(facts)
    with pytest.raises(UserError, match="no facts released on or before"):
        select_vintage(both, "1990")


def test_default_year_needs_nato_coverage(facts):
    assert default_year(facts) == 2024
    late = facts.query("year == 2024 and iso3 == 'JPN' and indicator == 'milex_gdp_pct'").copy()
    late["year"] = 2025
    assert default_year(pd.concat([facts, late], ignore_index=True)) == 2024


def test_itar_countries_are_listed_even_without_spending(facts):
    no_rus = facts.loc[~((facts["iso3"] == "RUS") & facts["indicator"].str.startswith("milex"))]
    p = build_panel(no_rus, year=2024)
    assert "RUS" in p.countries
    assert np.isnan(_val(p, "RUS", "milex_gdp_pct"))


def test_panel_is_read_only(panel):
    with pytest.raises(ValueError):
        panel.values[0, 0] = 1.0


@pytest.mark.parametrize("iso3", ["ESP", "JPN", "IND", "POL"])
def test_spending_counterfactual_equals_rebuilding_from_facts(facts, panel, iso3):
    """Raising this year's spending in the facts and rebuilding gives the same spending-linked
    indicators as the vectorised counterfactual."""
    new = 3.7
    src = _src(panel, iso3, "milex_gdp_pct")
    mask = (
        (facts["iso3"] == iso3)
        & (facts["year"] == 2024)
        & (facts["indicator"] == "milex_gdp_pct")
        & (facts["source"] == src)
    )
    changed = facts.copy()
    changed.loc[mask, "value"] = new
    rebuilt = build_panel(changed, year=2024)
    cf = panel.spending_matrix(np.array([panel.row(iso3)]), np.array([new]))[0]
    for ind in (
        "milex_gdp_pct",
        "milex_gdp_pct_3y",
        "milex_gdp_trend_5y",
        "gap_to_2pct",
        "gap_to_5pct",
        "hague_path_gap",
        "burden_ratio",
    ):
        k = panel.indicators.index(ind)
        np.testing.assert_allclose(cf[:, k], rebuilt.values[:, k], rtol=1e-9, err_msg=ind)


def test_with_values_sets_and_marks(panel):
    p2 = panel.with_values("ESP", {"milex_gdp_pct": 3.0, "us_troops_active": 5.0})
    assert _val(p2, "ESP", "milex_gdp_pct") == 3.0
    assert _val(p2, "ESP", "gap_to_2pct") == pytest.approx(1.0)
    assert "what-if" in p2.flags[p2.row("ESP"), p2.indicators.index("milex_gdp_pct")]
    assert _val(panel, "ESP", "milex_gdp_pct") != 3.0  # original untouched
    with pytest.raises(UserError, match="unknown indicator 'milex'"):
        panel.with_values("ESP", {"milex": 3.0})


def test_no_facts_is_a_user_error():
    with pytest.raises(UserError, match="no facts"):
        build_panels(make_facts().iloc[0:0])
