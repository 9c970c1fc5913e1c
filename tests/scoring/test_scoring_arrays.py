"""Normalisation, aggregation, tiers and ranks as array functions (with batch axes)."""

from __future__ import annotations

import numpy as np
import pytest

from burdenshare.scoring import (
    aggregate,
    assign_tiers,
    contributions,
    normalise_matrix,
    quantile_thresholds,
    rank_order,
)

X = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, np.nan], [3.0, 20.0]])


def test_minmax_flips_lower_is_better_and_keeps_nan():
    N = normalise_matrix(X, ["minmax", "minmax"], higher=np.array([True, False]))
    np.testing.assert_allclose(N[:, 0], [0, 1 / 3, 1, 2 / 3])
    np.testing.assert_allclose(N[[0, 1, 3], 1], [1, 0, 0.5])
    assert np.isnan(N[2, 1])


def test_zscore_uses_population_sd():
    N = normalise_matrix(X[:, :1], ["zscore"])
    x = X[:, 0]
    np.testing.assert_allclose(N[:, 0], (x - x.mean()) / x.std())


def test_percentile_average_ties_and_nan():
    Y = np.array([[5.0], [1.0], [5.0], [np.nan], [3.0]])
    N = normalise_matrix(Y, ["percentile"])
    # ranks among 4 values: 1 -> 1, 3 -> 2, 5,5 -> 3.5 each; (r - 1) / 3
    np.testing.assert_allclose(N[[0, 1, 2, 4], 0], [2.5 / 3, 0, 2.5 / 3, 1 / 3])
    assert np.isnan(N[3, 0])
    np.testing.assert_allclose(normalise_matrix(Y, ["rank"]), N, equal_nan=True)


def test_goalposts_and_distance_to_target_are_clipped():
    Y = np.array([[-1.0, 1.0], [2.5, 3.5], [9.0, 5.0]])
    params = {
        "lower": np.array([0.0, np.nan]),
        "upper": np.array([5.0, np.nan]),
        "target": np.array([np.nan, 3.5]),
        "scale": np.array([np.nan, np.nan]),
    }
    N = normalise_matrix(Y, ["goalposts", "distance_to_target"], params)
    np.testing.assert_allclose(N[:, 0], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(N[:, 1], [1 / 3.5, 1.0, 1.0])
    lower = normalise_matrix(
        Y, ["goalposts", "distance_to_target"], params, higher=np.array([False, False])
    )
    np.testing.assert_allclose(lower[:, 0], [1.0, 0.5, 0.0])
    np.testing.assert_allclose(lower[:, 1], [1.0, 1.0, 1 - 1.5 / 3.5])


def test_normalise_batch_axis_equals_one_by_one():
    rng = np.random.default_rng(1)
    B = rng.normal(size=(6, 9, 3))
    methods = ["minmax", "zscore", "percentile"]
    batched = normalise_matrix(B, methods)
    for b in range(6):
        np.testing.assert_allclose(batched[b], normalise_matrix(B[b], methods))


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalise_matrix(X[:, :1], ["softmax"])


def test_arithmetic_geometric_and_contributions():
    N = np.array([[0.5, 1.0], [0.2, 0.4]])
    w = np.array([0.25, 0.75])
    np.testing.assert_allclose(aggregate(N, w), [0.875, 0.35])

    def geo(a, b):  # COINr: rescale to [1, 100], weighted geometric mean, back to [0, 1]
        return ((1 + 99 * a) ** 0.25 * (1 + 99 * b) ** 0.75 - 1) / 99

    np.testing.assert_allclose(aggregate(N, w, "geometric"), [geo(0.5, 1.0), geo(0.2, 0.4)])
    np.testing.assert_allclose(contributions(N, w).sum(-1), aggregate(N, w))
    np.testing.assert_allclose(
        np.expm1(contributions(N, w, "geometric").sum(-1)) / 99, aggregate(N, w, "geometric")
    )
    # a zero is the bottom of the [1, 100] scale: a country at 0 on a 25% indicator and 1
    # on the rest keeps (100**0.75 - 1) / 99 = 0.31 of the top
    assert aggregate(np.array([[0.0, 1.0]]), w, "geometric")[0] == pytest.approx(
        (100**0.75 - 1) / 99
    )
    # both aggregations agree at the ends of the scale
    ends = np.array([[0.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(aggregate(ends, w, "geometric"), [0, 1])


def test_batch_weights_broadcast():
    rng = np.random.default_rng(2)
    N = rng.uniform(size=(7, 4))
    W = rng.dirichlet(np.ones(4), size=5)
    for method in ("arithmetic", "geometric", "topsis"):
        out = aggregate(N, W, method)
        assert out.shape == (5, 7)
        for b in range(5):
            np.testing.assert_allclose(out[b], aggregate(N, W[b], method))


def test_topsis_matches_definition():
    N = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    w = np.array([0.5, 0.5])
    s = aggregate(N, w, "topsis")
    assert s[0] == pytest.approx(0.5) and s[1] == pytest.approx(0.5) and s[2] == pytest.approx(0.5)
    s2 = aggregate(N, np.array([0.8, 0.2]), "topsis")
    assert s2[0] > s2[2] > s2[1]


def test_tiers_thresholds_caps_and_eligibility():
    scores = np.array([80.0, 60.0, 59.9, 10.0, 90.0, np.nan])
    eligible = np.array([True, True, True, True, False, True])
    cap = np.array([0, 0, 0, 0, 0, 0])
    cap[0] = 1  # gated to tier 2 at best
    t = assign_tiers(scores, np.array([60.0, 45.0]), eligible, cap)
    np.testing.assert_array_equal(t, [1, 0, 1, 2, -1, -1])


def test_quantile_thresholds_use_eligible_scores_only():
    scores = np.arange(10.0)
    eligible = np.ones(10, dtype=bool)
    eligible[9] = False
    thr = quantile_thresholds(scores, eligible, [0.25, 0.5])
    np.testing.assert_allclose(thr, np.quantile(np.arange(9.0), [0.75, 0.5]))
    batch = quantile_thresholds(
        np.stack([scores, scores * 2]), np.stack([eligible] * 2), [0.25, 0.5]
    )
    np.testing.assert_allclose(batch[1], 2 * thr)


def test_rank_order_tier_first_then_score_then_tiebreak_then_code():
    scores = np.array([50.0, 70.0, 50.0, 50.0, 99.0])
    tiers = np.array([0, 1, 0, 0, -1])
    key = np.array([1.0, 0.0, 2.0, 1.0, 0.0])
    codes = np.array([3, 0, 1, 2, 4])
    r = rank_order(scores, tiers, [key], codes)
    # tier 0 first: ties at 50 broken by key (2 first), then code order (2 before 3)
    np.testing.assert_array_equal(r[:4], [3.0, 4.0, 1.0, 2.0])
    assert np.isnan(r[4])
