"""The fast paths of the batch model give the engine's numbers and do not depend on how
the work is cut: batch size, chunk size, thread count, the counting view."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness_helpers import policy_for_state, subset_panel

from burdenshare.scoring import score
from burdenshare.uncertainty import kernels
from burdenshare.uncertainty.backends import NumpyBackend
from burdenshare.uncertainty.model import (
    RobustnessModel,
    Variation,
    _NoisyColumn,
    build_model,
)
from burdenshare.uncertainty.montecarlo import MCCounts, count, run_montecarlo
from burdenshare.uncertainty.sampling import BLOCK_SIZE, block_rng


def _same(a: MCCounts, b: MCCounts) -> None:
    assert a.n == b.n
    for name in ("rank_counts", "tier_counts", "eligible", "eligibility_changed", "tier_changed"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.fixture(scope="module")
def eo_model(real_panel):
    return build_model(real_panel, "eo14383")


@pytest.mark.parametrize(
    ("policy", "variation"),
    [
        ("eo14383", Variation()),
        ("hague2035", Variation()),
        # z-scores: the model's path through the engine's normalise_matrix
        ("eo14383", Variation(normalisations=("zscore",), aggregations=("arithmetic",))),
    ],
)
def test_noisy_samples_match_the_engine_on_the_perturbed_real_panel(real_panel, policy, variation):
    """Sampled assumption sets, data noise included, scored by the model equal the engine
    scoring the panel with that sample's noise under the rewritten policy (SIPRI-flagged
    columns of every kind: scaled, gap, Hague path): ranks and tiers exactly, scores to
    1e-9. The real panel is cut to the countries with published values in the noisy
    columns: the model keeps imputed values at their nominal fill, by design, where the
    engine would recompute the fill from the perturbed values."""
    model = build_model(real_panel, policy, variation)
    cols = [real_panel.indicators.index(col.name) for col in model.columns]
    complete = np.flatnonzero(~np.isnan(real_panel.values[:, cols]).any(axis=1))
    panel = subset_panel(real_panel, complete)
    assert len(panel.countries) > 100
    model = build_model(panel, policy, variation)
    assert model.n_est > 10 and model.noisy.size >= 3
    n = 18
    states = model.draw(block_rng(21, 0, 0), n)
    assert set(states["norm"][:, 0]) == set(range(model.n_methods))  # every method drawn
    ev = model.evaluate(states)
    c = len(model.countries)
    not_ranked = len(model.tier_names) - 1
    for b in range(n):
        state = {k: v[b] for k, v in states.items()}
        # the outlier treatment is decided on the published data, as in the model
        plan = {k: model.params[k] for k in ("treat", "treat_a", "treat_b") if k in model.params}
        if plan:
            plan["indicators"] = model.indicators
        result = score(
            model.perturbed_panel(panel, state),
            policy_for_state(model, policy, state),
            treatment=plan or None,
        )
        table = result.table.reindex(list(model.countries))
        np.testing.assert_allclose(
            ev.score[b], table["score"].to_numpy(dtype=float), rtol=0, atol=1e-9
        )
        engine_tier = [not_ranked if pd.isna(t) else int(t) - 1 for t in table["tier"]]
        assert ev.tier[b].tolist() == engine_tier
        engine_rank = [c + 1 if pd.isna(r) else int(r) for r in table["rank"]]
        assert ev.ranks()[b].tolist() == engine_rank


def test_a_batch_of_blocks_equals_the_blocks_one_by_one(eo_model):
    """The runners evaluate several seeding blocks at once; every step is row by row, so a
    row's numbers do not depend on the rows evaluated with it."""
    states = eo_model.draw(block_rng(4, 0, 0), 3 * BLOCK_SIZE + 100)
    whole = eo_model.evaluate(states)
    for start in range(0, 3 * BLOCK_SIZE + 100, BLOCK_SIZE):
        part = eo_model.evaluate({k: v[start : start + BLOCK_SIZE] for k, v in states.items()})
        rows = slice(start, start + BLOCK_SIZE)
        np.testing.assert_array_equal(part.order, whole.order[rows])
        np.testing.assert_array_equal(part.score, whole.score[rows])
        np.testing.assert_array_equal(part.tier, whole.tier[rows])
        np.testing.assert_array_equal(part.eligible, whole.eligible[rows])


def test_same_counts_for_any_thread_count_and_chunk_size(eo_model):
    n = 4 * BLOCK_SIZE + 321
    one = run_montecarlo(eo_model, n, seed=9, backend=NumpyBackend(threads=1))
    two = run_montecarlo(eo_model, n, seed=9, backend=NumpyBackend(threads=2), chunk_size=1)
    three = run_montecarlo(eo_model, n, seed=9, backend=NumpyBackend(threads=3))
    _same(one, two)
    _same(one, three)


def test_counting_view_counts_equal_counting_the_whole_model(eo_model):
    """Monte Carlo evaluates only the countries some configuration can rank; the others'
    rows of the tables are filled in, and agree with evaluating everyone."""
    view, keep = eo_model.counting_view()
    assert 0 < keep.size < len(eo_model.countries)  # gated countries (ITAR 126.1) dropped
    assert view.countries == tuple(eo_model.countries[i] for i in keep)
    n = 2 * BLOCK_SIZE
    states = eo_model.draw(block_rng(5, 0, 0), n)
    expected = count(eo_model.evaluate(states), eo_model.nominal(), len(eo_model.tier_names))
    from burdenshare.uncertainty.montecarlo import _expand

    got = _expand(
        count(view.evaluate(states), view.nominal(), len(view.tier_names)),
        keep,
        len(eo_model.countries),
        len(eo_model.tier_names),
    )
    _same(expected, got)
    dropped = np.setdiff1d(np.arange(len(eo_model.countries)), keep)
    assert (expected.rank_counts[dropped, -1] == n).all()


@pytest.mark.parametrize("keys_fit", [True, False])
def test_counting_as_the_batch_is_ranked_equals_counting_its_evaluation(
    eo_model, monkeypatch, keys_fit
):
    """Monte Carlo adds each batch to the count tables as it ranks it
    (:meth:`RobustnessModel.add_counts`); the tables are those of counting the evaluated
    order and tiers, on the compiled path and on the NumPy one (scores that do not fit
    the sort key)."""
    view, _ = eo_model.counting_view()
    states = view.draw(block_rng(6, 0, 0), BLOCK_SIZE + 77)
    n_tiers = len(view.tier_names)
    if not keys_fit:
        monkeypatch.setattr(kernels, "score_keys", lambda *args: False)
    expected = count(view.evaluate(states), view.nominal(), n_tiers)
    c = len(view.countries)
    rank_counts = np.zeros((c, c + 1), dtype=np.int64)
    tier_counts = np.zeros((c, n_tiers), dtype=np.int64)
    view.add_counts(states, rank_counts, tier_counts)
    view.add_counts(states, rank_counts, tier_counts)  # adds: twice the counts
    np.testing.assert_array_equal(rank_counts, 2 * expected.rank_counts)
    np.testing.assert_array_equal(tier_counts, 2 * expected.tier_counts)
    assert rank_counts.sum() == 2 * c * (BLOCK_SIZE + 77)


def test_leaving_out_the_only_weighted_indicator_scores_no_one(real_panel):
    """burden-ratio has one indicator: leaving it out leaves nothing to weigh, so nobody is
    scored or ranked (and no division by zero is reported)."""
    model = build_model(real_panel, "burden-ratio", Variation(vary="leave_one_out"))
    states = {"drop": np.array([0, 1, 0, 1], dtype=np.int16)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ev = model.evaluate(states)
    assert not ev.eligible[[1, 3]].any() and np.isnan(ev.score[[1, 3]]).all()
    assert ev.eligible[[0, 2]].any()
    np.testing.assert_array_equal(ev.n_ranked[[1, 3]], 0)


values = st.sampled_from([-2.0, -1.0, -0.0, 0.0, 1e-300, 0.3, 1.0, 1.5]).flatmap(
    lambda x: st.sampled_from([x, np.nextafter(x, np.inf), np.nextafter(x, -np.inf)])
)


finite = st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 1))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), method=st.sampled_from(["minmax", "percentile"]))
def test_weighted_table_rows_are_weight_times_normalised(data, method):
    """The contributions the model adds up (weight times the normalised value, or times
    its log on the geometric mean's [1, 100] range) equal normalising first, to the last bits."""
    c = data.draw(st.integers(2, 8))
    cell = st.one_of(finite, st.just(float("nan")))
    static = np.array(
        data.draw(st.lists(st.lists(cell, min_size=c, max_size=c), min_size=2, max_size=2))
    )
    flagged = np.array(sorted(data.draw(st.sets(st.integers(0, c - 1), min_size=1))))
    n = data.draw(st.integers(1, 6))
    yf = np.array(
        data.draw(
            st.lists(
                st.lists(cell, min_size=flagged.size, max_size=flagged.size), min_size=n, max_size=n
            )
        )
    )
    group = np.sort(np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))))
    n_geo = data.draw(st.integers(0, n))
    weight = np.array(data.draw(st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n)))
    column = _NoisyColumn.build(static, flagged)
    config = group
    expected = column.normalise(method, yf, config)
    mode = np.where(np.arange(n) >= n - n_geo, kernels.GEOMETRIC, kernels.ARITHMETIC)
    base = np.array(data.draw(st.lists(finite, min_size=n, max_size=n)))[:, None] + np.zeros(c)
    ours = base.copy()
    back = np.arange(n)[::-1]  # rows given in another order than the score's
    column.add(method, ours, back, yf[back], config[back], weight[back], mode[back])
    with np.errstate(divide="ignore", invalid="ignore"):
        expected[n - n_geo :] = np.log1p(99.0 * expected[n - n_geo :])  # COINr's [1, 100]
    expected *= weight[:, None]
    expected += base
    np.testing.assert_allclose(ours, expected, rtol=1e-14, atol=0)


def test_model_pickles_without_its_caches(eo_model):
    """The Dask backend ships the model: its cached nominal run and counting view go along
    or are rebuilt, and give the same numbers."""
    import pickle

    eo_model.counting_view()
    copy: RobustnessModel = pickle.loads(pickle.dumps(eo_model))
    assert copy.counting_view()[0].countries == eo_model.counting_view()[0].countries
    np.testing.assert_array_equal(copy.nominal().order, eo_model.nominal().order)
