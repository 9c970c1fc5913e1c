"""Regions, theaters, capitals and great-circle distances."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from burdenshare import geo
from burdenshare.countries import _index
from burdenshare.errors import UserError


def _km(a: str, b: str) -> float:
    ca, cb = geo.capital(a), geo.capital(b)
    return geo.great_circle_km(ca.lat, ca.lon, cb.lat, cb.lon)


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [("POL", "RUS", 1150), ("JPN", "CHN", 2100), ("GBR", "FRA", 344), ("USA", "RUS", 7820)],
)
def test_known_capital_distances(a, b, km):
    assert _km(a, b) == pytest.approx(km, rel=0.02)


@pytest.mark.parametrize(
    ("iso3", "theater"),
    [
        ("POL", "europe"),
        ("JPN", "indo_pacific"),
        ("ISR", "middle_east"),
        ("BRA", "western_hemisphere"),
        ("KEN", "africa"),
        ("TUR", "europe"),
        ("IRN", "middle_east"),
        ("EGY", "middle_east"),
        # South Asia is in INDOPACOM's area (Unified Command Plan; issue 13)
        ("IND", "indo_pacific"),
        ("BGD", "indo_pacific"),
        ("LKA", "indo_pacific"),
        ("NPL", "indo_pacific"),
        ("MDV", "indo_pacific"),
        ("PAK", "south_central_asia"),  # CENTCOM
        ("KAZ", "south_central_asia"),
        ("AUS", "indo_pacific"),
        ("CAN", "western_hemisphere"),
        ("SUN", "europe"),
        ("RVN", "indo_pacific"),
        ("XKX", "europe"),
    ],
)
def test_theater(iso3, theater):
    assert geo.theater(iso3) == theater


def test_theater_unknown_and_antarctica():
    assert geo.theater("ATA") is None
    assert geo.theater("ZZZ") is None


def test_theaters_vectorised_matches_scalar():
    codes = [c.alpha_3 for c in pycountry.countries] + ["SUN", "ZZZ"]
    series = geo.theaters(codes)
    assert list(series.index) == codes
    assert series.tolist() == [geo.theater(c) for c in codes]


def test_every_known_code_has_a_region_and_a_theater_except_antarctica():
    for iso3 in _index().display:
        assert geo.region(iso3) is not None or iso3 == "ATA", iso3
        assert geo.theater(iso3) in (*geo.THEATERS, None)
        assert geo.theater(iso3) is not None or iso3 == "ATA", iso3


def test_regions_match_the_datahub_file(shared_data):
    src = pd.read_csv(
        shared_data / "country-codes_datasets-core.csv",
        keep_default_na=False,
        na_values=[""],
        dtype=str,
    )
    src = src[src["ISO3166-1-Alpha-3"].notna()]
    assert len(src) > 240
    for row in src.itertuples(index=False):
        iso3 = row[src.columns.get_loc("ISO3166-1-Alpha-3")]
        sub = row[src.columns.get_loc("Sub-region Name")]
        assert geo.subregion(iso3) == (None if pd.isna(sub) else sub), iso3
    assert geo.region("POL") == "Europe" and geo.subregion("POL") == "Eastern Europe"


def test_capitals():
    assert geo.capital("POL").name == "Warsaw"
    assert geo.capital("TUR").name == "Ankara"
    assert geo.capital("SUN").name == "Moscow"
    assert geo.capital("ATA") is None and geo.capital("ZZZ") is None
    for iso3 in _index().display:
        cap = geo.capital(iso3)
        if cap is not None:
            assert -90 <= cap.lat <= 90 and -180 <= cap.lon <= 180


def test_distance_to_nearest():
    out = geo.distance_to_nearest(["POL", "RUS", "JPN", "KOR", "ZZZ", "ATA"])
    assert list(out.index) == ["POL", "RUS", "JPN", "KOR", "ZZZ", "ATA"]
    assert out["RUS"] == 0.0
    assert out["POL"] == pytest.approx(_km("POL", "RUS"))
    assert out["KOR"] == pytest.approx(_km("KOR", "PRK"))  # Seoul-Pyongyang ~195 km
    assert out["KOR"] < 250
    assert math.isnan(out["ZZZ"]) and math.isnan(out["ATA"])
    custom = geo.distance_to_nearest(["POL"], targets=["CHN"])
    assert custom["POL"] == pytest.approx(_km("POL", "CHN"))
    assert geo.distance_to_nearest([]).empty


def test_distance_to_nearest_rejects_targets_without_capital():
    with pytest.raises(UserError, match="ZZZ"):
        geo.distance_to_nearest(["POL"], targets=["ZZZ"])


lat = st.floats(-90, 90)
lon = st.floats(-180, 180)


@given(lat, lon, lat, lon)
def test_great_circle_symmetric_and_bounded(a, b, c, d):
    ab = geo.great_circle_km(a, b, c, d)
    assert ab == pytest.approx(geo.great_circle_km(c, d, a, b), abs=1e-6)
    assert 0 <= ab <= math.pi * geo.EARTH_RADIUS_KM + 1e-6
    assert geo.great_circle_km(a, b, a, b) == pytest.approx(0, abs=1e-6)


def test_great_circle_broadcasts_and_antipodes():
    lats = np.array([0.0, 10.0, -45.0])
    lons = np.array([0.0, 20.0, 170.0])
    grid = geo.great_circle_km(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    assert grid.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            assert grid[i, j] == pytest.approx(
                geo.great_circle_km(lats[i], lons[i], lats[j], lons[j])
            )
    assert geo.great_circle_km(0, 0, 0, 180) == pytest.approx(math.pi * geo.EARTH_RADIUS_KM)
