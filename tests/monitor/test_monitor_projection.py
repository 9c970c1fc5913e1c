"""Projections to 2035: exact numbers on a small fixture, OLS against scipy, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.errors import UserError
from burdenshare.monitor.projection import ally_series, fit_trend, project

NAN = float("nan")


def _frame(rows: dict[str, list[float]], first_year: int = 2019) -> pd.DataFrame:
    n = len(next(iter(rows.values())))
    return pd.DataFrame(rows, index=range(first_year, first_year + n)).T.rename_axis("iso3")


def _row(out: pd.DataFrame, iso3: str, target: float) -> pd.Series:
    hit = out.loc[(out["iso3"] == iso3) & (out["target"] == target)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_exact_numbers():
    values = _frame({"AAA": [1.0, 1.2, 1.4, 1.6, 1.8], "BBB": [1.0, 1.0, 1.0, 2.0, 3.0]})
    out = project(values, [3.5, 5.0], by=2035)
    a = _row(out, "AAA", 3.5)
    assert (a["latest_year"], a["latest_value"], a["points"]) == (2023, 1.8, 5)
    assert a["trend"] == pytest.approx(0.2)
    assert a["required"] == pytest.approx(1.7 / 12)  # 0.1417 pp a year from 2023 to 2035
    assert a["projected"] == pytest.approx(1.8 + 0.2 * 12)  # 4.2
    assert bool(a["on_track"])
    assert a["year_reached"] == 2032  # 1.8 + 0.2 * 9 = 3.6 >= 3.5
    a5 = _row(out, "AAA", 5.0)
    assert a5["required"] == pytest.approx(3.2 / 12)
    assert not a5["on_track"] and a5["year_reached"] == 2039
    assert a5["gap"] == pytest.approx(-3.2)
    # x = -4..0, y = 1,1,1,2,3: Sxy = 5, Sxx = 10 -> slope 0.5; over 3 years: 1.0.
    assert _row(out, "BBB", 3.5)["trend"] == pytest.approx(0.5)
    assert _row(project(values, [3.5], by=2035, window=3), "BBB", 3.5)["trend"] == pytest.approx(
        1.0
    )
    assert list(out["iso3"]) == ["AAA", "BBB", "AAA", "BBB"]  # targets ascending, row order kept


def test_spain_at_2_percent_in_2025_needs_015_a_year():
    values = _frame({"ESP": [1.19, 1.24, 2.00]}, first_year=2023)
    out = project(values, [3.5, 5.0], by=2035)
    assert _row(out, "ESP", 3.5)["required"] == pytest.approx(0.15)
    assert _row(out, "ESP", 5.0)["required"] == pytest.approx(0.30)


def test_met_targets_gaps_and_short_series():
    values = _frame({"MET": [3.0, 3.4, 3.6], "GAP": [1.0, NAN, 1.4], "TWO": [NAN, 1.0, 1.5]}, 2022)
    out = project(values, [3.5], by=2030)
    met = _row(out, "MET", 3.5)
    assert met["required"] == 0.0 and met["year_reached"] == 2024 and met["on_track"]
    gap = _row(out, "GAP", 3.5)
    assert gap["points"] == 2 and np.isnan(gap["trend"])  # fewer than 3 points: no trend
    assert pd.isna(gap["on_track"]) and pd.isna(gap["year_reached"])
    assert gap["required"] == pytest.approx(2.1 / 6)
    assert _row(out, "TWO", 3.5)["latest_year"] == 2024
    # Falling trend: never reached on trend.
    down = project(_frame({"DN": [2.0, 1.9, 1.8]}), [2.5], by=2035)
    assert pd.isna(down.loc[0, "year_reached"]) and not down.loc[0, "on_track"]


def test_rows_without_data_are_left_out():
    out = project(_frame({"AAA": [1.0, 1.1, 1.2], "NIL": [NAN, NAN, NAN]}), [2.0], by=2035)
    assert list(out["iso3"]) == ["AAA"]


def test_bad_input():
    values = _frame({"AAA": [1.0, 1.2, 1.4]})  # 2019..2021
    with pytest.raises(UserError, match="--by: --by 2021 is not after the latest data year 2021"):
        project(values, [3.5], by=2021)
    with pytest.raises(UserError, match="--window"):
        project(values, [3.5], by=2035, window=1)
    with pytest.raises(UserError, match="--target"):
        project(values, [120.0], by=2035)


def test_ols_matches_scipy():
    from scipy.stats import linregress

    rng = np.random.default_rng(7)
    values = rng.uniform(0.5, 4.0, size=(40, 9))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, -1] = rng.uniform(0.5, 4.0, 40)  # every row observed in the last year
    years = np.arange(2016, 2025)
    fit = fit_trend(values, years, window=6)
    for i in range(40):
        m = ~np.isnan(values[i, -6:])
        if m.sum() >= 3:
            assert fit.slope[i] == pytest.approx(linregress(years[-6:][m], values[i, -6:][m]).slope)
        else:
            assert np.isnan(fit.slope[i])


series = st.lists(st.floats(0.2, 6.0, allow_nan=False), min_size=3, max_size=8)


@settings(max_examples=80, deadline=None)
@given(series, st.floats(0.0, 3.0, allow_nan=False), st.sampled_from([2.0, 3.5, 5.0]))
def test_raising_the_latest_value_never_raises_the_required_increase(values, raise_by, target):
    base = _frame({"AAA": values})
    higher = base.copy()
    higher.iloc[0, -1] += raise_by
    r0 = project(base, [target], by=2035).loc[0, "required"]
    r1 = project(higher, [target], by=2035).loc[0, "required"]
    assert r1 <= r0 + 1e-12
    assert r0 >= 0.0


@settings(max_examples=80, deadline=None)
@given(series, st.sampled_from([2.0, 3.5, 5.0]), st.integers(2030, 2040))
def test_on_track_means_the_trend_beats_the_required_pace(values, target, by):
    out = project(_frame({"AAA": values}), [target], by=by).iloc[0]
    if out["latest_value"] < target - 1e-6 and abs(out["trend"] - out["required"]) > 1e-9:
        assert bool(out["on_track"]) == (out["trend"] >= out["required"])
        assert bool(out["on_track"]) == (
            out["year_reached"] is not pd.NA and out["year_reached"] <= by
        )


def test_ally_series_from_nato_with_reports(nato_and_reported):
    values, origin = ally_series(nato_and_reported)
    assert len(values) == 32 and values.columns.max() == 2025
    assert values.loc["ESP", 2025] == 2.00 and values.loc["ESP", 2024] == 1.24
    assert values.loc["DEU", 2024] == pytest.approx(2.12, abs=0.005)
    assert origin["ESP"] == "nato_defexp_reported:2025-08"
    assert origin["DEU"] == "nato_defexp:2024-06-17"
    assert values.loc["ISL"].isna().all()
    out = project(values, [3.5], by=2035)
    esp = _row(out, "ESP", 3.5)
    assert esp["required"] == pytest.approx(0.15) and esp["latest_year"] == 2025
    deu = _row(out, "DEU", 3.5)
    assert deu["required"] == pytest.approx((3.5 - values.loc["DEU", 2024]) / 11)
