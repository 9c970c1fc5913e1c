"""The chunked runners: same seed, same numbers, whatever the chunk size or backend."""

from __future__ import annotations

import numpy as np
import pytest

from burdenshare.errors import UserError
from burdenshare.uncertainty.backends import DaskBackend, NumpyBackend, make_backend
from burdenshare.uncertainty.model import Variation, build_model
from burdenshare.uncertainty.montecarlo import (
    analyze_outputs,
    auto_chunk_size,
    qmc_design,
    run_montecarlo,
    run_saltelli,
)
from burdenshare.uncertainty.sampling import BLOCK_SIZE, Stream, draw_chunk, plan_chunks
from burdenshare.uncertainty.summary import rank_quantiles


@pytest.fixture(scope="module")
def model(synth_panel, synth_policy):
    return build_model(synth_panel, synth_policy)


def _same(a, b) -> None:
    assert a.n == b.n
    for name in ("rank_counts", "tier_counts", "eligible", "eligibility_changed", "tier_changed"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_same_seed_same_counts_for_any_chunk_size(model):
    n = 3 * BLOCK_SIZE + 123
    runs = [run_montecarlo(model, n, seed=11, chunk_size=size) for size in (1, 2048, 10**6)]
    for other in runs[1:]:
        _same(runs[0], other)
    assert runs[0].rank_counts.sum(axis=1).tolist() == [n] * len(model.countries)
    assert runs[0].tier_counts.sum(axis=1).tolist() == [n] * len(model.countries)
    different = run_montecarlo(model, n, seed=12)
    assert not np.array_equal(different.rank_counts, runs[0].rank_counts)


def test_histogram_quantiles_equal_numpy_on_the_stored_ranks(model):
    n = 2 * BLOCK_SIZE
    counts = run_montecarlo(model, n, seed=5)
    [chunk] = plan_chunks(n, n)
    ranks = model.evaluate(draw_chunk(model.draw, 5, Stream.MONTE_CARLO, chunk)).ranks()
    qs = [0.05, 0.5, 0.95]
    expected = np.quantile(ranks, qs, axis=0, method="inverted_cdf").T
    np.testing.assert_array_equal(rank_quantiles(counts.rank_counts, qs), expected)


def test_auto_chunk_size_respects_the_memory_budget(model):
    budget = 8 * 2**20
    size = auto_chunk_size(model, budget)
    assert size % BLOCK_SIZE == 0 and size >= BLOCK_SIZE
    assert size * model.bytes_per_sample() + model.batch_bytes() <= budget or size == BLOCK_SIZE
    assert auto_chunk_size(model, 10 * budget) >= size


def test_dask_backend_returns_the_numpy_numbers(model, local_cluster):
    n = 5 * BLOCK_SIZE + 7
    ref = run_montecarlo(model, n, seed=3, chunk_size=2 * BLOCK_SIZE)
    seen: list[int] = []
    got = run_montecarlo(
        model, n, seed=3, chunk_size=BLOCK_SIZE, backend=local_cluster, progress=seen.append
    )
    _same(ref, got)
    assert sum(seen) == n
    a = run_saltelli(model, 300, seed=8, chunk_size=1024)
    b = run_saltelli(model, 300, seed=8, chunk_size=4096, backend=local_cluster)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.scores, b.scores)
    sa, sb = analyze_outputs(a, 8), analyze_outputs(b, 8)
    np.testing.assert_array_equal(sa.rank.S1_ci, sb.rank.S1_ci)


def test_unreachable_scheduler_is_a_user_error_quickly():
    import socket
    import time

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(UserError, match="cannot reach the Dask scheduler"):
        DaskBackend(f"tcp://127.0.0.1:{port}", timeout=1.0)
    assert time.monotonic() - start < 15


def test_backend_names():
    assert isinstance(make_backend("numpy"), NumpyBackend)
    with pytest.raises(UserError, match="--scheduler needs --backend dask"):
        make_backend("numpy", "tcp://127.0.0.1:1")
    with pytest.raises(UserError, match="unknown backend"):
        make_backend("spark")


def test_saltelli_rows_mix_exactly_one_assumption(synth_panel, synth_policy):
    """Row AB_i differs from A only in assumption i's state: an assumption that changes
    nothing (no missing value in the panel) gets zero indices."""
    from robustness_helpers import make_panel, synth_values

    vals = synth_values()
    vals[np.isnan(vals)] = 1.5
    model = build_model(make_panel(vals), synth_policy, Variation(vary="weights,missing"))
    assert set(model.groups) == {"weights"}  # no missing value: the rule sets coincide
    vals[4, 1] = np.nan
    model = build_model(make_panel(vals), synth_policy, Variation(vary="weights,missing"))
    out = run_saltelli(model, 256, seed=1)
    res = analyze_outputs(out, 1)
    assert res.rank.names == ("weights", "missing")
    assert 0 < res.rank.ST[1] < res.rank.ST[0]
    # AB_missing is A with B's rule: identical to A wherever A and B drew the same rule,
    # identical to B wherever A and B drew the same weights (never, for continuous draws)
    # (the default quasi-random design: A and B are the two halves of one Sobol' sequence)
    ua, ub = qmc_design(model, 256, 1)
    a, b = model.states_from_unit(ua), model.states_from_unit(ub)
    same = a["rule"] == b["rule"]
    assert 0 < same.sum() < 256
    np.testing.assert_array_equal(out.ranks[2][same], out.ranks[0][same])
    np.testing.assert_array_equal(out.scores[2][same], out.scores[0][same])
    assert not np.array_equal(out.scores[2][~same], out.scores[0][~same])
    # the pseudo-random design mixes the same way
    out = run_saltelli(model, 256, seed=1, design="random")
    [chunk] = plan_chunks(256, 256)
    a = draw_chunk(model.draw, 1, Stream.SOBOL_A, chunk)
    b = draw_chunk(model.draw, 1, Stream.SOBOL_B, chunk)
    same = a["rule"] == b["rule"]
    assert 0 < same.sum() < 256
    np.testing.assert_array_equal(out.ranks[2][same], out.ranks[0][same])
