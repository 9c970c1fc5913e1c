"""The checks of issue 12 on the real files: the batch model reproduces the engine for every
built-in policy, Monte Carlo is stable from 10k to 50k samples, the quasi-random Sobol'
design recovers analytic indices and reports its convergence and declared targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from burdenshare.policy import builtin_names
from burdenshare.scoring import score
from burdenshare.uncertainty import analyse, audit
from burdenshare.uncertainty.model import build_model
from burdenshare.uncertainty.montecarlo import (
    TARGETS,
    fixed_set_ranks,
    qmc_design,
    run_montecarlo,
)
from burdenshare.uncertainty.sobol import analyze
from burdenshare.uncertainty.summary import median_band, rank_quantiles


@pytest.mark.parametrize("name", builtin_names())
def test_batch_model_nominal_run_is_the_engine_for_every_builtin(real_panel, name):
    model = build_model(real_panel, name)
    t = score(real_panel, name).table.reindex(list(model.countries))
    nom = model.nominal()
    c = len(model.countries)
    e_rank = [None if pd.isna(r) else int(r) for r in t["rank"]]
    m_rank = [None if r > c else int(r) for r in nom.ranks()[0]]
    assert m_rank == e_rank
    not_ranked = len(model.tier_names) - 1
    e_tier = [not_ranked if pd.isna(x) else int(x) - 1 for x in t["tier"]]
    assert nom.tier[0].tolist() == e_tier
    np.testing.assert_allclose(nom.score[0], t["score"].to_numpy(float), rtol=0, atol=1e-9)
    # countries the model leaves out (outside the pool) are never ranked by the engine
    full = score(real_panel, name).table
    assert full.loc[list(model.outside), "rank"].isna().all()


def test_monte_carlo_10k_and_50k_agree(real_panel):
    """Medians equal and 90% intervals within one rank wherever sampling can tell: the
    medians agree wherever both runs resolve them (their 99% Monte Carlo band,
    ``rank_median_mc_band`` in the output, is one rank), most medians agree exactly, and
    every 50k quantile lies in the 10k run's band at q +- 4.5 standard errors of the
    difference of two estimates of P(rank <= r) (4.5 sigma: some 500 quantiles are compared
    at once). A country whose rank distribution has about half its mass on each side of a
    rank has a median no affordable sample size pins down; the band reports it."""
    model = build_model(real_panel, "eo14383")
    n_a, n_b = 10_240, 51_200
    a = run_montecarlo(model, n_a, seed=5)
    b = run_montecarlo(model, n_b, seed=6)
    qa = rank_quantiles(a.rank_counts, [0.5, 0.05, 0.95])
    qb = rank_quantiles(b.rank_counts, [0.5, 0.05, 0.95])
    assert (qa[:, 0] == qb[:, 0]).mean() > 0.75 and np.abs(qa[:, 0] - qb[:, 0]).mean() < 0.3
    ba, bb = median_band(a.rank_counts), median_band(b.rank_counts)
    resolved = (ba[:, 0] == ba[:, 1]) & (bb[:, 0] == bb[:, 1])
    assert resolved.sum() > 50
    np.testing.assert_array_equal(qa[resolved, 0], qb[resolved, 0])
    for j, q in enumerate((0.5, 0.05, 0.95)):
        se = 4.5 * np.sqrt(q * (1 - q) * (1 / n_a + 1 / n_b))
        band = rank_quantiles(a.rank_counts, [max(q - se, 0), min(q + se, 1)])
        slack = 0 if j == 0 else 1
        assert (qb[:, j] >= band[:, 0] - slack).all() and (qb[:, j] <= band[:, 1] + slack).all()


def test_qmc_saltelli_design_recovers_analytic_indices():
    """y = 2 x1 + x2 (uniform inputs): S1 = ST = (4, 1) / 5; the quasi-random design gets
    within 0.01 at 2,048 base samples."""

    class Linear:
        def unit_layout(self):
            return [("x1", 1), ("x2", 1)]

    ua, ub = qmc_design(Linear(), 2048, seed=3)
    f = lambda u: 2 * u[:, 0] + u[:, 1]  # noqa: E731
    ab = []
    for i in range(2):
        m = ua.copy()
        m[:, i] = ub[:, i]
        ab.append(f(m))
    res = analyze(f(ua), f(ub), np.stack(ab), names=("x1", "x2"), rng=np.random.default_rng(0))
    np.testing.assert_allclose(res.S1, [0.8, 0.2], atol=0.01)
    np.testing.assert_allclose(res.ST, [0.8, 0.2], atol=0.01)


def test_fixed_set_ranks_renumber_within_the_set():
    ranks = np.array([[3, 1, 2, 9, 9], [1, 2, 6, 3, 4]])  # C = 5: 6+ means not ranked
    fixed = np.array([0, 2, 3])
    np.testing.assert_array_equal(fixed_set_ranks(ranks, fixed), [[2, 1, 4], [1, 4, 2]])


def test_sobol_targets_and_convergence_are_reported(real_panel):
    model = build_model(real_panel, "eo14383")
    res = analyse(model, n_samples=2048, seed=2, sobol_samples=1024, n_resamples=50)
    doc = res.to_dict()
    assert "Sobol' sequence" in doc["sobol_design"]
    assert set(doc["sobol_targets"]) == set(TARGETS)
    for name, conv in doc["sobol_convergence"].items():
        assert [s["n_base"] for s in conv["steps"]] == [256, 512, 1024]
        assert isinstance(conv["converged"], bool) and conv["tolerance"] == 0.05
        st = doc["sobol_targets"][name]["indices"]
        assert set(st) == set(model.groups) and "leave_one_out" not in st
        assert all(v["ST"] is None or v["ST"] >= -0.05 for v in st.values())


def test_audit_reports_importance_and_scenarios(real_panel):
    doc = audit(real_panel, "eo14383")
    imp = doc["effective_importance"]["indicators"]
    assert sum(v["effective_importance"] for v in imp.values()) == pytest.approx(1.0, abs=1e-5)
    names = [s["left_out"] for s in doc["leave_one_out"]["scenarios"]]
    assert names == list(imp)
