"""The engine's fast paths give exactly what the plain numpy/pandas formulations give.

Each hot-path shortcut (per-panel look-ups, compiled policies kept per policy object, group
means over sorted slices, the 1-D quantile, the NaN fill, text columns built per distinct
value, the membership look-up in ``build_panels``) is checked bit-for-bit against the
straightforward formulation it replaces.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from burdenshare.panel import GROUPS, build_panels, default_membership
from burdenshare.policy import builtin_names, load_policy
from burdenshare.scoring import context, prepare, score
from burdenshare.scoring.aggregate import fill_nan, quantile_thresholds, rank_order
from burdenshare.scoring.engine import impute

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(0, 40), elements=FLOATS),
    st.sampled_from([0.0, -np.inf, np.inf]),
)
def test_fill_nan_is_nan_to_num(x, nan):
    got, want = fill_nan(x, nan), np.nan_to_num(x, nan=nan)
    assert got.dtype == want.dtype
    assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want))


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.integers(1, 60),
        elements=st.one_of(st.just(np.nan), st.floats(-1e6, 1e6, width=64)),
    ),
    st.data(),
)
def test_one_panel_quantile_is_nanquantile(scores, data):
    eligible = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(scores), max_size=len(scores)))
    )
    shares = sorted(data.draw(st.lists(st.floats(0.01, 0.99), min_size=1, max_size=4)))
    got = quantile_thresholds(scores, eligible, shares)
    kept = np.where(eligible & ~np.isnan(scores), scores, np.nan)
    if np.isnan(kept).all():
        want = np.full(len(shares), np.inf)
    else:
        want = np.nanquantile(kept, 1.0 - np.asarray(shares), axis=-1)
    assert np.array_equal(got, np.atleast_1d(want))
    # The batch path (one row) agrees with the one-panel path.
    assert np.array_equal(quantile_thresholds(scores[None], eligible[None], shares)[0], got)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 30), st.integers(0, 2**32 - 1))
def test_rank_order_one_panel_equals_the_batch_path(n, seed):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(0, 100, n), 1)
    scores[rng.random(n) < 0.2] = np.nan
    tiers = np.where(np.isnan(scores), -1, rng.integers(0, 3, n))
    key = rng.integers(0, 3, n).astype(float)
    code = rng.permutation(n)
    one = rank_order(scores, tiers, [key], code)
    batch = rank_order(scores[None], tiers[None], [key[None]], code)[0]
    assert np.array_equal(one, batch, equal_nan=True)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3))
def test_group_mean_imputation_is_per_group_nanmean(seed, batch):
    """Bit-for-bit the per-group ``np.nanmean`` (overall mean where a group has no value),
    with and without a batch axis."""
    import warnings

    from scoring_helpers import hand_panel

    from burdenshare.panel import VALUE_INDICATORS

    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 25))
    codes = [f"C{i:02d}" for i in range(n)]
    theaters = rng.choice(["europe", "indo_pacific", "africa", ""], size=n).tolist()
    values = rng.uniform(0.1, 5.0, (n, len(VALUE_INDICATORS)))
    panel = hand_panel(values, codes, theater=theaters)
    policy = load_policy("equal-weights")
    prep = prepare(policy)
    prep = dataclasses.replace(prep, missing=tuple("group_mean" for _ in prep.missing))
    ctx = context(panel, prep)
    X = rng.uniform(-3, 3, (batch, len(ctx.rows), prep.k)) * 10.0 ** rng.integers(-3, 4)
    X[rng.random(X.shape) < 0.3] = np.nan
    X[:, :, 0] = np.nan if seed % 5 == 0 else X[:, :, 0]  # sometimes a column with no value
    got, imputed, excluded = impute(X if batch > 1 else X[0], prep, ctx)
    got = got if batch > 1 else got[None]
    groups = np.array([t or "" for t in np.asarray(panel.theater)[ctx.rows]], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        overall = np.nanmean(X, axis=-2, keepdims=True)
        want = X.copy()
        for g in np.unique(groups):
            m = groups == g
            gm = np.nanmean(X[..., m, :], axis=-2, keepdims=True)
            gm = np.where(np.isnan(gm), overall, gm)
            want[..., m, :] = np.where(np.isnan(X[..., m, :]), gm, X[..., m, :])
    assert np.array_equal(got, want, equal_nan=True)
    assert not excluded.any()


def test_prepare_is_compiled_once_per_policy_object_and_read_only():
    policy = load_policy("eo14383")
    prep = prepare(policy)
    assert prepare(policy) is prep
    with pytest.raises(ValueError):
        prep.weights[0] = 0.5  # shared between calls: cannot be changed in place
    other = policy.model_copy(update={"name": "eo14383-copy"})
    assert prepare(other) is not prep and prepare(other).policy is other
    assert np.array_equal(prepare(other).weights, prep.weights)


def test_panel_lookups_match_the_panel(real_panel_2024):
    panel = real_panel_2024
    lk = panel.lookups
    assert panel.lookups is lk  # built once
    assert np.array_equal(lk.member, panel.membership.to_numpy(dtype=bool))
    assert lk.groups == tuple(panel.membership.columns)
    vocab = np.array(lk.flag_vocab, dtype=object)
    assert lk.flag_vocab[0] == "" and len(set(lk.flag_vocab)) == len(lk.flag_vocab)
    assert (vocab[lk.flag_code] == np.asarray(panel.flags)).all()
    assert [panel.countries[i] for i in np.argsort(lk.code_rank)] == sorted(panel.countries)
    labels = np.array(lk.theater_labels, dtype=object)[lk.theater_code]
    assert all(a == b for a, b in zip(labels, panel.theater, strict=True))
    names, code = lk.theater_group
    assert all(names[c] == (t or "") for c, t in zip(code, panel.theater, strict=True))
    assert lk.index.equals(panel.index) and lk.index.name == "iso3"


@pytest.mark.parametrize("name", builtin_names())
def test_result_table_has_pandas_inferred_dtypes(real_panel_2024, name):
    """Text columns built per distinct value carry the dtype pandas infers from the values
    themselves; the context's membership is the panel's, sliced."""
    result = score(real_panel_2024, name)
    table = result.table
    for col in ("name", "theater", "status", "gates", "flags", "tier_label"):
        plain = pd.Series(table[col].tolist(), index=table.index)
        pd.testing.assert_series_equal(table[col], plain, check_names=False)
    pd.testing.assert_index_equal(table.index, pd.Index(table.index.tolist(), name="iso3"))
    ctx = context(real_panel_2024, prepare(load_policy(name)))
    pd.testing.assert_frame_equal(ctx.membership, real_panel_2024.membership.iloc[ctx.rows])
    codes = ctx.code_order
    assert [ctx.countries[i] for i in np.argsort(codes)] == sorted(ctx.countries)


def test_build_panels_membership_lookup_equals_the_injected_path(facts):
    """The default membership is read from the group sets directly; any other provider goes
    through the frame per year. Both give the same panels."""

    def provider(iso3s, groups, as_of):
        return default_membership(iso3s, groups, as_of)

    fast = build_panels(facts, years=[2019, 2023, 2024])
    slow = build_panels(facts, years=[2019, 2023, 2024], membership=provider)
    for y in fast:
        a, b = fast[y], slow[y]
        pd.testing.assert_frame_equal(a.membership, b.membership)
        assert list(a.membership.columns) == list(GROUPS)
        assert np.array_equal(a.values, b.values, equal_nan=True)
        assert (np.asarray(a.flags) == np.asarray(b.flags)).all()
        assert (np.asarray(a.sources) == np.asarray(b.sources)).all()
