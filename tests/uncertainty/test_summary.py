"""Per-country figures from the count tables, the explain line and the chart."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.uncertainty import analyse, robustness, robustness_line
from burdenshare.uncertainty.model import build_model
from burdenshare.uncertainty.plot import plot_rank_intervals
from burdenshare.uncertainty.summary import rank_quantiles


@settings(max_examples=80, deadline=None)
@given(
    ranks=st.lists(st.integers(1, 6), min_size=1, max_size=60),
    q=st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0]),
)
def test_histogram_quantile_is_numpys_inverted_cdf(ranks, q):
    counts = np.bincount(np.array(ranks) - 1, minlength=6)[None, :]
    expected = np.quantile(ranks, q, method="inverted_cdf")
    assert rank_quantiles(counts, [q])[0, 0] == expected


@pytest.fixture(scope="module")
def result(synth_panel, synth_policy):
    return analyse(
        build_model(synth_panel, synth_policy), n_samples=4000, seed=3, sobol_samples=128, top_n=3
    )


def test_json_document_carries_what_the_issue_asks(result):
    doc = result.to_dict()
    assert doc["samples"] == 4000 and doc["seed"] == 3
    rec = doc["countries"][0]
    for key in (
        "iso3",
        "rank_median",
        "rank_p05",
        "rank_p95",
        "tier_probabilities",
        "p_top_3",
        "p_eligibility_changed",
        "p_tier_changed",
        "nominal_rank",
    ):
        assert key in rec
    assert set(rec["tier_probabilities"]) == {"T1", "T2", "T3", "not ranked"}
    assert abs(sum(rec["tier_probabilities"].values()) - 1) < 1e-12
    medians = [r["rank_median"] for r in doc["countries"] if r["rank_median"] is not None]
    assert medians == sorted(medians)
    assert set(doc["sobol"]) == set(result.varied)
    for v in doc["sobol"].values():
        assert v["S1_ci"][0] <= v["S1"] <= v["S1_ci"][1]
        assert v["ST_ci"][0] <= v["ST"] <= v["ST_ci"][1]
    unranked = next(r for r in doc["countries"] if r["iso3"] == "RUS")
    assert unranked["rank_median"] is None and unranked["tier_probabilities"]["not ranked"] == 1


def test_robustness_line_reports_interval_and_tier_probabilities(result):
    i = result.countries.index("CAN")
    line = robustness_line(result, "can")
    assert line.startswith("robustness: rank ")
    assert f"{result.rank_p05[i]} to {result.rank_p95[i]}" in line
    assert "4,000 samples" in line
    top = result.tier_names[int(result.tier_probabilities[i].argmax())]
    assert top in line
    assert re.search(r"tier differs from nominal in (<1|>99|\d+)% of samples", line)
    assert "not ranked" in robustness_line(result, "RUS")
    assert result.record("can")["rank_p95"] == result.rank_p95[i]
    with pytest.raises(KeyError):
        robustness_line(result, "ZZZ")


def test_robustness_entry_point_validates_counts(synth_panel, synth_policy):
    from burdenshare.errors import UserError

    with pytest.raises(UserError, match="--samples"):
        robustness(synth_panel, synth_policy, n_samples=0)
    with pytest.raises(UserError, match="--sobol-samples"):
        robustness(synth_panel, synth_policy, n_samples=10, sobol_samples=1)


def test_plot_shows_countries_sorted_by_median_rank(result, tmp_path):
    svg = plot_rank_intervals(result, tmp_path / "ranks.svg").read_text()
    shown = [c for c in re.findall(r">([A-Z]{3})<", svg) if c in result.countries]
    expected = [result.countries[i] for i in result.sorted_indices()]
    assert shown == expected
    png = plot_rank_intervals(result, tmp_path / "ranks.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_median_band_shows_what_sampling_cannot_pin_down():
    """A point mass: one rank. Two modes with half the samples each: the band spans both
    (the median flips between them from run to run). A lopsided split: resolved."""
    from burdenshare.uncertainty.summary import median_band

    counts = np.zeros((3, 6), dtype=np.int64)
    counts[0, 2] = 10_000  # always rank 3
    counts[1, 1], counts[1, 4] = 5_000, 5_000  # rank 2 or rank 5, half each
    counts[2, 0], counts[2, 3] = 3_000, 7_000  # mostly rank 4
    band = median_band(counts)
    np.testing.assert_array_equal(band, [[3, 3], [2, 5], [4, 4]])


def test_records_carry_the_median_band(result):
    doc = result.to_dict()
    for rec in doc["countries"]:
        band = rec["rank_median_mc_band"]
        if rec["rank_median"] is None:
            continue
        assert band[0] <= rec["rank_median"] <= band[1]


def test_robustness_line_says_when_the_median_is_not_resolved(result):
    """The explain line adds the median's Monte Carlo band where it spans several ranks,
    and only there."""
    band = result.rank_median_band
    for c, iso3 in enumerate(result.countries):
        if result.rank(result.rank_median[c]) is None:
            continue
        line = robustness_line(result, iso3)
        loose = band[c, 0] != band[c, 1]
        assert ("not resolved" in line) == bool(loose), line
        if loose:
            assert f"{band[c, 0]} to {band[c, 1]})" in line
