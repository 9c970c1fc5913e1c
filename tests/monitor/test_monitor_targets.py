"""Targets come from the dated package data (Wales 2014, The Hague 2025), shared with the
scoring panel, plus the Hague milestones file."""

from __future__ import annotations

import datetime as dt

import pytest

from burdenshare.monitor.targets import load_targets


def test_levels_deadlines_and_sources():
    t = load_targets()
    assert t.guideline.value == 2.0 and t.guideline.adopted == dt.date(2014, 9, 5)
    assert t.equipment.value == 20.0 and not t.equipment.of_gdp
    assert (t.core.value, t.core.by_year) == (3.5, 2035)
    assert (t.total.value, t.total.by_year) == (5.0, 2035)
    assert t.core.adopted == dt.date(2025, 6, 25)
    assert "Wales" in t.guideline.source and "Hague" in t.core.source
    # The 5% is 3.5% core plus up to 1.5% defence-related.
    assert t.core.value + t.defence_related_max == pytest.approx(t.total.value)
    assert t.review_year == 2029 and "Hague" in t.review_source


def test_gdp_levels_are_the_default_thresholds():
    t = load_targets()
    assert t.gdp_levels() == (2.0, 3.5, 5.0)
    assert t.by_value(3.5) is t.core
    assert t.by_value(2.5) is None


def test_same_numbers_as_the_scoring_panel():
    from burdenshare.panel import targets as panel_targets

    mine = load_targets().items
    for key, spec in panel_targets().items():
        assert mine[key].value == spec["value"]
        assert mine[key].by_year == spec["by_year"]
