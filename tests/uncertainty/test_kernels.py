"""The compiled kernels give the NumPy reference's numbers exactly: tiers and rank order
(with re-anchored quantile cut-offs, scores closer than 1e-9, gate caps, ineligible
countries) and the Monte Carlo count tables."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.scoring.aggregate import quantile_thresholds, share_thresholds
from burdenshare.uncertainty import kernels
from burdenshare.uncertainty.model import rank_order, tier_index
from burdenshare.uncertainty.montecarlo import Evaluation, count

#: scores on a coarse grid, some a few ulps or 1e-10 apart: rounded keys tie there
#: (off the 0-100 scale too, where the int32 keys' coarse scores are clipped, and 2e-5
#: apart, which the coarse scores may or may not tell apart)
_BASE = st.sampled_from(
    [-3.0, 0.0, 12.5, 45.0, 45.0 + 1e-10, 45.00002, 60.0, 60.0 - 4e-12, 73.25, 100.0, 130.0]
)


def _reference(score, eligible, absolute, quantile_row, shares, cap, quantile_method, row_caps=()):
    """The NumPy path: cut-offs per row, tier_index, rank_order."""
    n = score.shape[0]
    thr = np.broadcast_to(absolute, (n, absolute.size)).copy()
    rows = np.flatnonzero(quantile_row)
    if rows.size:
        if quantile_method:
            thr[rows] = quantile_thresholds(score[rows], eligible[rows], shares)
        else:
            thr[rows] = share_thresholds(score[rows], eligible[rows], shares)
    tier = tier_index(score, thr, eligible, cap, absolute.size + 1, row_caps)
    return tier, rank_order(score, tier, eligible)


def _kernel(
    score, eligible, absolute, quantile_row, shares, cap, quantile_method, row_caps=(), counts=None
):
    """The compiled path; with ``counts`` (rank and tier tables) it counts instead."""
    n, c = score.shape
    keys = np.empty((n, c), dtype=np.int32)
    assert kernels.score_keys(score, eligible, keys, 100.0)
    keys.sort(axis=1)
    infinite = np.zeros(shares.size, bool) if quantile_method else shares <= 0
    shape = (0, 0) if counts else (n, c)
    tier = np.empty(shape, dtype=np.int8)
    order = np.empty(shape, dtype=np.int64)
    kernels.tiers_and_order(
        score,
        keys,
        absolute,
        quantile_row,
        1.0 - np.clip(shares, 0.0, 1.0),
        infinite,
        np.ascontiguousarray(cap, dtype=np.int8),
        np.concatenate([np.zeros(0, np.intp)] + [cells for cells, _ in row_caps]),
        np.concatenate([np.zeros((n, 0), np.int8)] + [extra for _, extra in row_caps], axis=1),
        absolute.size + 1,
        tier,
        order,
        counts is not None,
        *(counts or (kernels.NO_COUNTS, kernels.NO_COUNTS)),
    )
    return tier, order


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 5),
    c=st.integers(1, 12),
    quantile_method=st.booleans(),
    n_thr=st.sampled_from([2, 2, 1, 3, 4]),
)
def test_tiers_and_order_equal_the_numpy_reference(data, n, c, quantile_method, n_thr):
    """Absolute and re-anchored rows, shares of 0 (no tier there), ties at 1e-9 and at
    a few ulps, caps that put a country below lower scores (down to the last tier: a
    policy's max_tier is at most its number of tiers), ineligible countries; 1 to 4
    cut-offs (up to 3 ranked tiers the kernel keeps each tier's next place in a register,
    beyond in memory)."""
    not_ranked = n_thr + 1
    score = np.array(
        [
            [data.draw(_BASE) + data.draw(st.sampled_from([0.0, 1e-13, 3e-10])) for _ in range(c)]
            for _ in range(n)
        ]
    )
    eligible = np.array(
        data.draw(st.lists(st.lists(st.booleans(), min_size=c, max_size=c), min_size=n, max_size=n))
    )
    cap = np.array(data.draw(st.lists(st.integers(0, n_thr), min_size=c, max_size=c)))
    # gates on noisy values: per-row caps of some countries (one may be in two gates)
    row_caps = [
        (
            np.array(sorted(cells), dtype=np.intp),
            np.array(
                data.draw(
                    st.lists(
                        st.lists(st.integers(0, n_thr), min_size=len(cells), max_size=len(cells)),
                        min_size=n,
                        max_size=n,
                    )
                ),
                dtype=np.int8,
            ).reshape(n, len(cells)),
        )
        for cells in data.draw(st.lists(st.sets(st.integers(0, c - 1)), max_size=2))
    ]
    quantile_row = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    shares = np.array(
        sorted(
            data.draw(
                st.lists(st.sampled_from([0.0, 0.2, 0.5, 1.0]), min_size=n_thr, max_size=n_thr)
            )
        )
    )
    absolute = np.array([60.0, 45.0, 30.0, 12.5][:n_thr])
    args = (score, eligible, absolute, quantile_row, shares, cap, quantile_method, row_caps)
    tier, order = _kernel(*args)
    ref_tier, ref_order = _reference(*args)
    np.testing.assert_array_equal(tier, ref_tier)
    np.testing.assert_array_equal(order, ref_order)
    # counting as it sorts gives the tables that counting the order and tiers gives
    rank_counts = np.zeros((c, c + 1), dtype=np.int64)
    tier_counts = np.zeros((c, not_ranked + 1), dtype=np.int64)
    _kernel(*args, counts=(rank_counts, tier_counts))
    ev = Evaluation(
        order=ref_order,
        score=score,
        tier=ref_tier,
        eligible=eligible,
        n_ranked=eligible.sum(axis=1),
    )
    expected = count(ev, ev, not_ranked + 1)
    np.testing.assert_array_equal(rank_counts, expected.rank_counts)
    np.testing.assert_array_equal(tier_counts, expected.tier_counts)


def test_keys_sharing_a_coarse_score_come_out_in_the_exact_order():
    """The int32 keys hold a score to ~3e-5: 200 scores within 2e-5 of each other (some
    equal at 1e-9, some 1e-10 apart, some off the scale) sorted and put in order give the
    NumPy reference's order, which compares rounded scores, then positions."""
    rng = np.random.default_rng(5)
    c = 200
    row = 50.0 + rng.integers(0, 20, size=c) * 1e-6 + rng.choice([0.0, 1e-10, 4e-13], size=c)
    row[:6] = [100.0, 100.0 + 1e-7, 140.0, -2.0, -2.0 - 1e-10, 0.0]
    score = rng.permutation(row)[None, :]
    eligible = np.ones((1, c), bool)
    eligible[0, rng.choice(c, 20, replace=False)] = False
    # one absolute cut-off above every score, no quantile rows, no caps: only the order
    args = (score, eligible, np.array([200.0]), np.zeros(1, bool), np.array([0.5]))
    tier, order = _kernel(*args, np.zeros(c, np.int8), True)
    ref_tier, ref_order = _reference(*args, np.zeros(c, np.int8), True)
    np.testing.assert_array_equal(order, ref_order)
    np.testing.assert_array_equal(tier, ref_tier)


def test_score_keys_refuse_what_the_key_cannot_hold():
    """A NaN or a score beyond 2**45 / 1e9 among the eligible: the caller takes the NumPy
    path (an ineligible NaN is fine)."""
    keys = np.empty((1, 2), dtype=np.int32)
    both, first = np.array([[True, True]]), np.array([[True, False]])
    assert not kernels.score_keys(np.array([[1.0, np.nan]]), both, keys, 100.0)
    assert not kernels.score_keys(np.array([[1.0, 1e8]]), both, keys, 100.0)
    assert kernels.score_keys(np.array([[1.0, np.nan]]), first, keys, 100.0)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 6), c=st.integers(1, 9))
def test_count_rows_equal_bincount(data, n, c):
    """The count tables of a batch equal a histogram of each country's rank and tier."""
    orders = [np.array(data.draw(st.permutations(range(c)))) for _ in range(n)]
    order = np.array(orders, dtype=np.int64)
    n_ranked = np.array(data.draw(st.lists(st.integers(0, c), min_size=n, max_size=n)))
    tier = np.array(
        data.draw(
            st.lists(st.lists(st.integers(0, 3), min_size=c, max_size=c), min_size=n, max_size=n)
        ),
        dtype=np.int8,
    )
    ev = Evaluation(
        order=order,
        score=np.zeros((n, c)),
        tier=tier,
        eligible=np.ones((n, c), bool),
        n_ranked=n_ranked,
    )
    got = count(ev, ev, 4)
    rank = np.zeros((c, c + 1), dtype=np.int64)
    tiers = np.zeros((c, 4), dtype=np.int64)
    for b in range(n):
        for p, country in enumerate(order[b]):
            rank[country, p if p < n_ranked[b] else c] += 1
        for country in range(c):
            tiers[country, tier[b, country]] += 1
    np.testing.assert_array_equal(got.rank_counts, rank)
    np.testing.assert_array_equal(got.tier_counts, tiers)
    assert got.n == n


def _ulps(a: float, b: float) -> float:
    """``|a - b|`` in units in the last place of ``b``."""
    return abs(a - b) / float(np.spacing(abs(b))) if b != 0 else abs(a) / 5e-324


@settings(max_examples=400, deadline=None)
@given(
    st.floats(
        min_value=float(np.finfo(float).tiny),
        max_value=float(np.finfo(float).max),
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_fast_log_is_within_two_ulp_of_the_c_library(x):
    """The kernels' vectorisable log agrees with ``math.log`` to 2 ulp on every positive
    normal float (including the edges: 1, powers of two, the mantissa split at sqrt 2)."""
    assert _ulps(kernels.fast_log(x), math.log(x)) <= 2.0


def test_fast_log_on_its_working_ranges_and_nan():
    """The geometric mean's [1, 100] and the outlier treatment's logs, densely; NaN stays
    NaN (a country the row's missing-data rule excludes must stay without a score)."""
    grid = np.concatenate(
        [np.linspace(1.0, 100.0, 20_001), np.geomspace(1e-3, 1e3, 20_001), [np.sqrt(2.0)]]
    )
    worst = max(_ulps(kernels.fast_log(float(x)), math.log(float(x))) for x in grid)
    assert worst <= 2.0
    assert kernels.fast_log(1.0) == 0.0
    assert math.isnan(kernels.fast_log(float("nan")))


@settings(max_examples=400, deadline=None)
@given(st.floats(min_value=-708.0, max_value=708.0, allow_nan=False))
def test_fast_exp_is_within_one_ulp_of_the_c_library(x):
    """The kernels' vectorisable exp agrees with ``math.exp`` to 1 ulp."""
    assert _ulps(kernels.fast_exp(x), math.exp(x)) <= 1.0


def test_finish_scores_is_numpy_s_geometric_mean_and_scale():
    """Geometric rows: ``expm1(S) / 99 * scale`` to 1e-12 (a few ulp of 100) on the whole
    range of ``S``, NaN kept; arithmetic rows: exactly ``S * scale``."""
    rng = np.random.default_rng(7)
    s = rng.uniform(0.0, math.log(100.0), (6, 500))
    s[2, 7] = s[3, 9] = np.nan
    s[0, 0], s[0, 1] = 0.0, math.log(100.0)
    geometric = np.array([True, False, True, False, True, False])
    got = s.copy()
    kernels.finish_scores(got, geometric, 100.0)
    want = np.where(geometric[:, None], np.expm1(s) / 99.0, s) * 100.0
    np.testing.assert_allclose(got[geometric], want[geometric], rtol=0, atol=1e-12)
    assert np.array_equal(got[~geometric], want[~geometric], equal_nan=True)
    assert np.isnan(got[2, 7]) and np.isnan(got[3, 9])
    assert got[0, 0] == 0.0


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 4),
    k=st.integers(1, 6),
    methods=st.integers(1, 3),
    live=st.integers(1, 11),
    c=st.integers(1, 13),
)
def test_weighted_rows_add_the_weighted_table_rows_in_table_order(data, n, k, methods, live, c):
    """Each row is its weights, each on the table row of its indicator's drawn method,
    times its configuration's table: bit for bit the sum of the non-zero terms one after
    another in table order (so 0 to 11 terms, four per pass and the rest one by one, give
    the numbers of the plain sum); a method without a table row (column ``L``) is
    ignored."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    tables = rng.normal(size=(3, live, c))
    table = rng.integers(0, 3, n).astype(np.intp)
    # each (indicator, method) on its own table row, or on L (no row); zero weights too
    slots = rng.permutation(max(live, k * methods))[: k * methods]
    column = np.where(slots < live, slots, live).astype(np.intp)
    w = rng.random((n, k)) * (rng.random((n, k)) < data.draw(st.floats(0, 1)))
    norm = rng.integers(0, methods, (n, k)).astype(np.intp)
    out = np.full((n, c), np.nan)
    kernels.weighted_rows(w, norm, column, methods, table, tables, out)
    for b in range(n):
        a = np.zeros(live + 1)
        a[column[np.arange(k) * methods + norm[b]]] = w[b]
        want = np.zeros(c)
        for t in range(live):
            if a[t] != 0.0:
                want = want + a[t] * tables[table[b], t]
        np.testing.assert_array_equal(out[b], want)
