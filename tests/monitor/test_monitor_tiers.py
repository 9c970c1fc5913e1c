"""Tier changes between two releases, through the scoring package's public API."""

from __future__ import annotations

import pandas as pd
import pytest

from burdenshare.errors import UserError
from burdenshare.monitor.tiers import tier_changes


@pytest.fixture(scope="module")
def with_reports(starter_facts, reported_facts) -> pd.DataFrame:
    return pd.concat([starter_facts, reported_facts], ignore_index=True)


@pytest.fixture(scope="module")
def revised_italy(with_reports) -> pd.DataFrame:
    """A made-up later release (test data, not a real report) that puts Italy's 2024 figure
    above the 2% the policy's tier-1 gate asks for."""
    row = pd.DataFrame(
        [
            (
                "ITA",
                2024,
                "milex_gdp_pct",
                2.10,
                "percent",
                "estimate",
                "nato_defexp_reported",
                "2025-05",
            )
        ],
        columns=list(with_reports.columns),
    )
    return pd.concat([with_reports, row], ignore_index=True)


def test_a_revision_across_2_percent_changes_the_tier(revised_italy):
    res = tier_changes(revised_italy, "2024-06-17", "2025-05", policy="eo14383")
    assert (res.year_a, res.year_b) == (2024, 2024)
    assert res.release_b.label == "nato_defexp_reported:2025-05"
    ita = res.table.loc["ITA"]
    assert (ita["tier_a"], ita["tier_b"]) == (2, 1)
    assert ita["pct_a"] == pytest.approx(1.49, abs=0.005) and ita["pct_b"] == 2.10
    assert ita["score_b"] > ita["score_a"]
    assert "ITA" in res.changed.index
    assert not res.changed["eligibility_changed"].any()
    rec = res.records()
    assert rec["changed"] == len(res.changed) and rec["rows"][0]["iso3"] in res.changed.index


def test_sources_outside_the_releases_are_held_fixed(revised_italy):
    res = tier_changes(revised_italy, "2024-06-17", "2025-05")
    t = res.table
    # Japan's figure comes from SIPRI, whose 2025-04-30 release is later than release A:
    # it is still used in both panels (only the NATO family is taken as of each release).
    assert t.loc["JPN", "pct_a"] == t.loc["JPN", "pct_b"] == pytest.approx(1.37, abs=0.01)
    assert t.loc["JPN", "status_a"] == "ranked"
    unchanged = t.drop(index=res.changed.index)
    assert (unchanged["tier_a"].fillna(-1) == unchanged["tier_b"].fillna(-1)).all()


def test_the_april_2025_revision_changed_no_tier(with_reports):
    res = tier_changes(with_reports, "2024-06-17", "2025-04")
    assert res.changed.empty
    assert res.table.loc["POL", "pct_b"] == 4.07  # the revision was used...
    assert res.table.loc["POL", "score_b"] != res.table.loc["POL", "score_a"]  # ...and scored


def test_unknown_vintage_and_policy(with_reports):
    with pytest.raises(
        UserError,
        match=r"--to-vintage: unknown vintage '2031'; known vintages in the store: .*"
        r"nato_defexp 2024-06-17",
    ):
        tier_changes(with_reports, "2024-06-17", "2031")
    with pytest.raises(UserError):
        tier_changes(with_reports, "2024-06-17", "2025-04", policy="no-such-policy")
