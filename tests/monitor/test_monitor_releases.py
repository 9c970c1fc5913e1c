"""Releases: resolving vintages, and the facts as they stood after a release (reported NATO
figures laid over the official table only while they are newer)."""

from __future__ import annotations

import pandas as pd
import pytest

from burdenshare.errors import UserError
from burdenshare.facts import FACT_COLUMNS
from burdenshare.monitor.releases import (
    Release,
    as_of_key,
    known_releases,
    release_series,
    resolve_release,
    view,
)


def _rows(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [(i, y, ind, v, "percent", fl, s, vin) for i, y, ind, v, fl, s, vin in rows],
        columns=list(FACT_COLUMNS),
    )


FACTS = _rows(
    [
        ("ITA", 2023, "milex_gdp_pct", 1.46, "", "nato_defexp", "2024-06-17"),
        ("ITA", 2024, "milex_gdp_pct", 1.49, "estimate", "nato_defexp", "2024-06-17"),
        ("DEU", 2024, "milex_gdp_pct", 2.12, "estimate", "nato_defexp", "2024-06-17"),
        ("ITA", 2024, "equipment_share_pct", 22.1, "estimate", "nato_defexp", "2024-06-17"),
        ("ITA", 2024, "milex_gdp_pct", 1.50, "estimate", "nato_defexp_reported", "2025-04"),
        ("ITA", 2025, "milex_gdp_pct", 2.01, "estimate", "nato_defexp_reported", "2025-08"),
        ("ITA", 2024, "milex_gdp_pct", 1.6, "", "sipri_milex", "2025-04-30"),
    ]
)


def _pct(frame: pd.DataFrame, iso3: str, year: int, source: str = "nato_defexp") -> pd.Series:
    hit = frame.loc[
        (frame["iso3"] == iso3)
        & (frame["year"] == year)
        & (frame["indicator"] == "milex_gdp_pct")
        & (frame["source"] == source)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


def test_as_of_key_pads_like_the_panel():
    assert as_of_key("2025") == "2025-12-31"
    assert as_of_key("2025-04") == "2025-04-31"
    assert as_of_key("2025-04-30") == "2025-04-30"
    assert as_of_key("latest") > "2999"


def test_view_before_the_press_reports_is_the_official_table():
    v = view(FACTS, "2024-06-17")
    row = _pct(v, "ITA", 2024)
    assert row["value"] == 1.49 and row["origin"] == "nato_defexp:2024-06-17"
    assert set(v["source"]) == {"nato_defexp"}  # SIPRI's 2025-04-30 release came later
    assert not ((v["iso3"] == "ITA") & (v["year"] == 2025)).any()


def test_view_lays_newer_reports_over_the_official_table():
    v = view(FACTS, "2025-04")
    row = _pct(v, "ITA", 2024)
    assert row["value"] == 1.50 and row["origin"] == "nato_defexp_reported:2025-04"
    assert _pct(v, "ITA", 2023)["origin"] == "nato_defexp:2024-06-17"
    latest = view(FACTS)
    assert _pct(latest, "ITA", 2025)["value"] == 2.01
    assert _pct(latest, "ITA", 2024)["value"] == 1.50  # the August release had no 2024 figure
    # One vintage per (source, indicator), so the panel reads the whole NATO series.
    nato_pct = latest.loc[
        (latest["source"] == "nato_defexp") & (latest["indicator"] == "milex_gdp_pct")
    ]
    assert set(nato_pct["vintage"]) == {"2025-08"}
    assert set(latest.loc[latest["indicator"] == "equipment_share_pct", "vintage"]) == {
        "2024-06-17"
    }
    assert _pct(latest, "ITA", 2024, "sipri_milex")["value"] == 1.6


def test_a_newer_official_table_wins_over_older_press_reports():
    official = _rows([("ITA", 2024, "milex_gdp_pct", 1.52, "", "nato_defexp", "2025-06-01")])
    v = view(pd.concat([FACTS, official], ignore_index=True))
    assert _pct(v, "ITA", 2024)["value"] == 1.52  # not the 2025-04 report
    assert _pct(v, "ITA", 2025)["value"] == 2.01  # the 2025-08 report is newer still
    assert not ((v["iso3"] == "DEU") & (v["indicator"] == "milex_gdp_pct")).any()


def test_families_pin_only_the_named_sources():
    v = view(FACTS, "2024-06-17", families=["nato_defexp"])
    assert _pct(v, "ITA", 2024)["value"] == 1.49
    assert _pct(v, "ITA", 2024, "sipri_milex")["value"] == 1.6  # SIPRI at its latest


def test_release_series_is_a_country_by_year_frame():
    values, flags, origin = release_series(FACTS, Release("2025-08", "nato_defexp_reported"))
    assert list(values.columns) == [2023, 2024, 2025]
    assert list(values.index) == ["DEU", "ITA"]
    assert values.loc["ITA"].tolist() == [1.46, 1.50, 2.01]
    assert origin.loc["ITA", 2025] == "nato_defexp_reported:2025-08"
    assert flags.loc["ITA", 2023] == ""
    assert pd.isna(values.loc["DEU", 2023])


def test_resolve_release():
    assert known_releases(FACTS) == [
        Release("2024-06-17", "nato_defexp"),
        Release("2025-04", "nato_defexp_reported"),
        Release("2025-04-30", "sipri_milex"),
        Release("2025-08", "nato_defexp_reported"),
    ]
    assert resolve_release(FACTS, "latest") == Release("2025-08", "nato_defexp_reported")
    assert resolve_release(FACTS, "2025-04-30").source == "sipri_milex"
    assert resolve_release(FACTS, "nato_defexp:2024-06-17") == Release("2024-06-17", "nato_defexp")
    with pytest.raises(
        UserError, match=r"--x: unknown vintage '2019'; known vintages .*nato_defexp 2024-06-17"
    ):
        resolve_release(FACTS, "2019", where="--x")
    twice = _rows([("ITA", 2024, "milex_gdp_pct", 1.6, "", "worldbank_wdi", "2025-04-30")])
    with pytest.raises(UserError, match="several sources"):
        resolve_release(pd.concat([FACTS, twice]), "2025-04-30")
    with pytest.raises(UserError, match="no facts"):
        resolve_release(FACTS.iloc[:0], "latest")
