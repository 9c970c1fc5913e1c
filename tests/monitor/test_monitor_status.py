"""Status of the allies in a year, hand-checked against NATO's June 2024 tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from burdenshare.errors import UserError
from burdenshare.monitor.status import gap_column, status


@pytest.fixture(scope="module")
def june_2024(nato_facts):
    return status(nato_facts)


def test_2024e_from_the_june_2024_release(june_2024):
    st = june_2024
    assert st.year == 2024  # default: latest year with NATO coverage
    assert st.members == 32 and st.with_data == 31  # Iceland has no armed forces
    assert st.counts == {"2": 23, "3.5": 1, "5": 0}  # NATO: 23 Allies at 2% in 2024e
    t = st.table
    assert t.index[0] == "POL" and t.loc["POL", "milex_gdp_pct"] == pytest.approx(4.12, abs=0.005)
    assert t.loc["USA", "milex_gdp_pct"] == pytest.approx(3.38, abs=0.005)
    assert t.loc["ESP", "milex_gdp_pct"] == pytest.approx(1.28, abs=0.005)
    assert t.loc["POL", "gap_to_3_5pct"] == pytest.approx(0.62, abs=0.005)
    assert t.loc["ESP", "gap_to_2pct"] == pytest.approx(-0.72, abs=0.005)
    assert t.loc["POL", "origin"] == "nato_defexp:2024-06-17"
    assert t.loc["POL", "source"] == "nato_defexp"
    assert "estimate" in t.loc["POL", "flags"].split("|")
    assert np.isnan(t.loc["ISL", "milex_gdp_pct"]) and t.index[-1] == "ISL"
    pct = t["milex_gdp_pct"].dropna().to_numpy()
    assert (np.diff(pct) <= 0).all()  # best first


def test_equipment_share_against_20_percent(june_2024):
    t = june_2024.table
    assert t.loc["POL", "equipment_share_pct"] == pytest.approx(51.13, abs=0.01)
    below = set(t.index[t["equipment_gap"] < 0])
    assert {"CAN", "BEL"} <= below
    assert "POL" not in below
    gaps = t["equipment_share_pct"] - 20.0
    pd.testing.assert_series_equal(gaps, t["equipment_gap"], check_names=False)


def test_gap_columns_are_value_minus_target(june_2024):
    t = june_2024.table
    for level in (2.0, 3.5, 5.0):
        np.testing.assert_allclose(t[gap_column(level)], t["milex_gdp_pct"] - level)


def test_press_reported_revision_shows_its_origin(nato_and_reported):
    st = status(nato_and_reported, year=2024)
    t = st.table
    assert t.loc["POL", "milex_gdp_pct"] == 4.07
    assert t.loc["POL", "origin"] == "nato_defexp_reported:2025-04"
    assert t.loc["POL", "source"] == "nato_defexp_reported"
    assert t.loc["DEU", "origin"] == "nato_defexp:2024-06-17"
    assert st.counts["2"] == 23  # the April 2025 revision moved nobody across 2%
    before = status(nato_and_reported, year=2024, as_of="2024-06-17").table
    assert before.loc["POL", "milex_gdp_pct"] == pytest.approx(4.12, abs=0.005)


def test_2025_as_reported(nato_and_reported):
    st = status(nato_and_reported, year=2025, as_of="2025-08")
    assert st.with_data == 12
    assert st.counts == {"2": 12, "3.5": 3, "5": 0}  # POL 4.48, LTU 4.00, LVA 3.73
    assert st.table.loc["NOR", "gap_to_3_5pct"] == pytest.approx(-0.15)


def test_partners_fall_back_to_sipri(starter_facts):
    st = status(starter_facts, group="mnna", year=2023)
    assert st.table.loc["JPN", "source"] == "sipri_milex"
    assert st.table.loc["JPN", "origin"].startswith("sipri_milex:")
    assert "NOR" not in st.table.index


def test_bad_year_and_group(nato_facts):
    with pytest.raises(UserError, match="--year"):
        status(nato_facts, year=1990)
    with pytest.raises(UserError, match="unknown group"):
        status(nato_facts, group="warsaw_pact")
