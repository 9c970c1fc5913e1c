"""Invariants of the core measure and of the 2035 projections (hypothesis).

- NATO's core defence spending leaves out what its total includes (pensions): where core is
  at most the total, every figure the monitor judges the 3.5% target on is at most the
  total, fewer allies reach 3.5% on it, and each needs at least as large a yearly increase;
  the panel's gap to 3.5% is never above the total's.
- The required yearly increase is the constant step that reaches the target exactly by the
  deadline, and "on track" agrees with the projected value and with trend >= required.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from burdenshare.facts import FACT_COLUMNS
from burdenshare.monitor.measures import MeasureSeries
from burdenshare.monitor.projection import project
from burdenshare.monitor.status import EPS
from burdenshare.monitor.targets import load_targets

ALLIES = ["BEL", "DEU", "ESP", "FRA", "ITA", "LTU", "NLD", "POL"]
YEARS = list(range(2016, 2025))


@st.composite
def total_and_core(draw):
    """Total % of GDP (some years missing), core = total - pensions (>= 0) for some allies
    and years."""
    n, t = len(ALLIES), len(YEARS)
    total = draw(arrays(float, (n, t), elements=st.floats(0.5, 6.0)))
    gaps = draw(arrays(bool, (n, t), elements=st.booleans()))
    total[gaps & (np.arange(t) < t - 1)] = np.nan  # the latest year stays observed
    pensions = draw(arrays(float, (n, t), elements=st.floats(0.0, 1.0)))
    core = total - pensions
    with_core = draw(arrays(bool, n, elements=st.booleans()))
    first_core = draw(st.integers(0, t - 3))
    core[~with_core, :] = np.nan
    core[:, :first_core] = np.nan
    frame = lambda a: pd.DataFrame(a, index=pd.Index(ALLIES, name="iso3"), columns=YEARS)  # noqa: E731
    return frame(total), frame(core)


def _series(total: pd.DataFrame, core: pd.DataFrame) -> MeasureSeries:
    empty = pd.DataFrame("", index=total.index, columns=total.columns, dtype=object)
    return MeasureSeries(total, empty, core, empty.copy(), pd.DataFrame(index=total.index))


@settings(max_examples=60)
@given(total_and_core())
def test_core_at_most_total_gives_a_harder_3_5pct(frames):
    total, core = frames
    targets = load_targets()
    vals, _, measure = _series(total, core).for_threshold(3.5, targets)
    has_core = core.notna().any(axis=1)
    assert (measure[has_core] == "core").all() and (measure[~has_core] == "total").all()
    v, t = vals.to_numpy(dtype=float), total.reindex_like(vals).to_numpy(dtype=float)
    both = ~np.isnan(v) & ~np.isnan(t)
    assert (v[both] <= t[both] + 1e-12).all()
    out_core = project(vals, [3.5], by=2035, measure=measure).set_index("iso3")
    out_total = project(total, [3.5], by=2035).set_index("iso3")
    same = out_core.index.intersection(out_total.index)
    same = same[out_core.loc[same, "latest_year"] == out_total.loc[same, "latest_year"]]
    assert (out_core.loc[same, "latest_value"] <= out_total.loc[same, "latest_value"] + 1e-12).all()
    assert (out_core.loc[same, "required"] >= out_total.loc[same, "required"] - 1e-12).all()
    at_core = (out_core.loc[same, "latest_value"] >= 3.5 - EPS).sum()
    at_total = (out_total.loc[same, "latest_value"] >= 3.5 - EPS).sum()
    assert at_core <= at_total
    # the 2% guideline stays on the total whatever core says
    v2, _, m2 = _series(total, core).for_threshold(2.0, targets)
    assert (m2 == "total").all()
    pd.testing.assert_frame_equal(v2, total)


@settings(max_examples=20, deadline=None)
@given(total_and_core())
def test_panel_gap_to_3_5pct_never_above_the_totals(frames):
    from burdenshare.panel import build_panel

    total, core = frames

    def tidy(frame, indicator):
        long = frame.stack().rename("value").reset_index()
        long.columns = ["iso3", "year", "value"]
        return long.assign(
            indicator=indicator,
            unit="percent",
            flags="",
            source="nato_defexp",
            vintage="2026-07-01",
        )

    facts = pd.concat([tidy(total, "milex_gdp_pct"), tidy(core, "milex_core_gdp_pct")])
    geo = pd.DataFrame(
        {"theater": "europe", "adversary_distance_km": 1000.0}, index=pd.Index(ALLIES)
    )
    p = build_panel(facts.loc[:, list(FACT_COLUMNS)], year=YEARS[-1], geography=geo)
    gap = p.column("gap_to_3_5pct")
    pct = p.column("milex_gdp_pct")
    ok = ~np.isnan(gap) & ~np.isnan(pct)
    assert (gap[ok] <= pct[ok] - 3.5 + 1e-12).all()
    core_now = core[YEARS[-1]].reindex(list(p.countries)).to_numpy()
    assert (p.measure("gap_to_3_5pct")[~np.isnan(core_now)] == "core").all()


@st.composite
def one_series(draw):
    t = draw(st.integers(2, 12))
    values = draw(arrays(float, (4, t), elements=st.floats(0.0, 8.0)))
    holes = draw(arrays(bool, (4, t), elements=st.booleans()))
    values[holes & (np.arange(t) < t - 1)] = np.nan
    end = draw(st.integers(2015, 2034))  # the latest year, before the 2035 deadline
    years = list(range(end - t + 1, end + 1))
    target = draw(st.sampled_from([2.0, 3.5, 5.0]) | st.floats(0.5, 9.0))
    window = draw(st.integers(2, 7))
    frame = pd.DataFrame(values, index=pd.Index(list("ABCD"), name="iso3"), columns=years)
    return frame, target, window


@settings(max_examples=100)
@given(one_series())
def test_required_increase_is_consistent_with_the_projection(args):
    values, target, window = args
    out = project(values, [target], by=2035, window=window)
    left = out["by"] - out["latest_year"]
    assert (left > 0).all()
    # the required step reaches the target exactly by the deadline (or 0 once met)
    reached = out["latest_value"] + out["required"] * left
    expected = np.maximum(out["latest_value"], target)
    np.testing.assert_allclose(reached, expected, rtol=1e-9, atol=1e-9)
    assert ((out["required"] == 0) == (out["latest_value"] >= target)).all()
    # on track <=> the projected value reaches the target <=> trend >= required (below it)
    has = out["trend"].notna()
    proj_ok = out.loc[has, "projected"] >= target - EPS
    assert (out.loc[has, "on_track"].astype(bool) == proj_ok).all()
    below = has & (out["latest_value"] < target - EPS)
    margin = (out["trend"] - out["required"]).abs() > 1e-6
    sel = below & margin
    assert (
        out.loc[sel, "on_track"].astype(bool) == (out.loc[sel, "trend"] >= out.loc[sel, "required"])
    ).all()
    assert out.loc[~has, "on_track"].isna().all()
    # on track and still below: the trend line reaches the target by the deadline
    track = sel & out["on_track"].fillna(False).astype(bool)
    assert (out.loc[track, "year_reached"] <= 2035).all()
    assert set(out["measure"]) <= {"total"}


def test_a_vanishing_trend_reaches_the_target_in_no_year():
    """Found by the property above: a slope of 6e-295 pp a year named a year past any
    integer type (OverflowError); beyond the year 9999 no year is reported."""
    values = pd.DataFrame(
        [[0.0, 6.036129e-295], [1.0, 1.5]],
        index=pd.Index(["A", "B"], name="iso3"),
        columns=[2014, 2015],
    )
    out = project(values, [2.0], by=2035, window=2).set_index("iso3")
    assert pd.isna(out.loc["A", "year_reached"]) and not out.loc["A", "on_track"]
    assert out.loc["B", "year_reached"] == 2016
