"""Block seeding, chunk plans and the weight distributions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.uncertainty.sampling import (
    BLOCK_SIZE,
    Stream,
    block_rng,
    choice_from_unit,
    concat_states,
    dirichlet_weights,
    dirichlet_weights_from_unit,
    draw_chunk,
    mix_states,
    plan_chunks,
    standard_normal,
    uniform_weights,
    uniform_weights_from_unit,
)


def _draw(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {"u": rng.random((n, 3)), "k": rng.integers(0, 5, size=n)}


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 5 * BLOCK_SIZE + 7),
    c1=st.integers(1, 6 * BLOCK_SIZE),
    c2=st.integers(1, 6 * BLOCK_SIZE),
)
def test_samples_do_not_depend_on_the_chunk_size(n, c1, c2):
    def all_samples(chunk_size):
        chunks = plan_chunks(n, chunk_size)
        assert chunks[0].start == 0 and chunks[-1].stop == n
        assert all(a.stop == b.start for a, b in zip(chunks, chunks[1:], strict=False))
        return concat_states([draw_chunk(_draw, 42, Stream.MONTE_CARLO, ch) for ch in chunks])

    s1, s2 = all_samples(c1), all_samples(c2)
    assert s1["u"].shape == (n, 3)
    np.testing.assert_array_equal(s1["u"], s2["u"])
    np.testing.assert_array_equal(s1["k"], s2["k"])


def test_streams_and_seeds_are_independent():
    a = block_rng(1, Stream.SOBOL_A, 0).random(5)
    b = block_rng(1, Stream.SOBOL_B, 0).random(5)
    c = block_rng(2, Stream.SOBOL_A, 0).random(5)
    d = block_rng(1, Stream.SOBOL_A, 1).random(5)
    assert len({tuple(x) for x in (a, b, c, d)}) == 4
    np.testing.assert_array_equal(a, block_rng(1, Stream.SOBOL_A, 0).random(5))


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(0, 300),
    k=st.integers(0, 50),
    before=st.integers(0, 3),
)
def test_compiled_normals_are_numpys_and_leave_the_generator_where_numpy_would(seed, n, k, before):
    # the same numbers as NumPy's from the same state, and the draws after them agree too
    # (the generator advanced alike); also after a uint32 draw, which SFC64 half-buffers
    ours, numpys = (block_rng(seed, Stream.MONTE_CARLO, 3) for _ in range(2))
    for rng in (ours, numpys):
        rng.integers(0, 2**31, size=before, dtype=np.int32)
    got = standard_normal(ours, (n, k))
    assert got.shape == (n, k) and got.dtype == np.float64
    np.testing.assert_array_equal(got, numpys.standard_normal((n, k)))
    np.testing.assert_array_equal(ours.random(3), numpys.random(3))
    np.testing.assert_array_equal(ours.standard_gamma(0.7, 5), numpys.standard_gamma(0.7, 5))


def test_block_generator_is_the_spawned_grandchild():
    # block k of stream s is SeedSequence(seed).spawn(..)[s].spawn(..)[k] (NumPy's recipe)
    child = np.random.SeedSequence(7).spawn(2)[1].spawn(3)[2]
    expected = np.random.Generator(np.random.SFC64(child)).random(4)
    np.testing.assert_array_equal(block_rng(7, 1, 2).random(4), expected)


def test_plan_rejects_no_samples():
    with pytest.raises(ValueError):
        plan_chunks(0, 100)


def test_mix_states_takes_only_the_named_keys():
    a = {"x": np.zeros(3), "y": np.zeros(3)}
    b = {"x": np.ones(3), "y": np.ones(3)}
    m = mix_states(a, b, ["y"])
    np.testing.assert_array_equal(m["x"], 0)
    np.testing.assert_array_equal(m["y"], 1)
    assert a["y"].sum() == 0  # inputs untouched


def test_dirichlet_weights_center_on_policy_weights_with_the_right_spread():
    w = np.array([0.5, 0.3, 0.2, 0.0])
    kappa = 40.0
    x = dirichlet_weights(np.random.default_rng(0), w, kappa, 200_000)
    np.testing.assert_allclose(x.sum(axis=1), 1.0)
    np.testing.assert_allclose(x.mean(axis=0), w, atol=2e-3)
    np.testing.assert_allclose(x.var(axis=0), w * (1 - w) / (kappa + 1), rtol=0.03, atol=1e-12)
    assert (x[:, 3] == 0).all()


def test_dirichlet_inverse_cdf_matches_the_sampler_in_distribution():
    w = np.array([0.6, 0.25, 0.15])
    u = np.random.default_rng(1).random((100_000, 3))
    x = dirichlet_weights_from_unit(u, w, 20.0)
    y = dirichlet_weights(np.random.default_rng(2), w, 20.0, 100_000)
    np.testing.assert_allclose(
        np.quantile(x, [0.1, 0.5, 0.9], axis=0), np.quantile(y, [0.1, 0.5, 0.9], axis=0), atol=4e-3
    )


def test_uniform_weights_stay_within_the_spread_before_rescaling():
    w = np.array([0.25, 0.25, 0.5])
    x = uniform_weights(np.random.default_rng(3), w, 0.2, 50_000)
    np.testing.assert_allclose(x.sum(axis=1), 1.0)
    # ratio of two weights is bounded by (1+s)/(1-s) times the nominal ratio
    ratio = x[:, 2] / x[:, 0]
    assert ratio.max() <= 2 * 1.2 / 0.8 + 1e-12 and ratio.min() >= 2 * 0.8 / 1.2 - 1e-12
    np.testing.assert_allclose(uniform_weights_from_unit(np.full((1, 3), 0.5), w, 0.2)[0], w)


def test_choice_from_unit_is_uniform_and_in_range():
    k = choice_from_unit(np.linspace(0, 1, 3001), 3)
    assert k.min() == 0 and k.max() == 2
    assert np.abs(np.bincount(k) - 1000).max() <= 1
