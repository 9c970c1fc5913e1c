"""Sobol' estimators: analytic indices of toy models, SALib cross-check, bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample

from burdenshare.uncertainty.sobol import analyze, split_salib_output

# Ishigami function (Ishigami & Homma 1990), a = 7, b = 0.1, X_i ~ U(-pi, pi): analytic
# indices from Sobol' & Levitan (1999) / Saltelli et al. (2008), "Global Sensitivity
# Analysis. The Primer", section 4.5.
A_ISH, B_ISH = 7.0, 0.1
_V1 = 0.5 * (1 + B_ISH * np.pi**4 / 5) ** 2
_V2 = A_ISH**2 / 8
_V13 = B_ISH**2 * np.pi**8 * (1 / 18 - 1 / 50)
_V = _V1 + _V2 + _V13
ISHIGAMI_S1 = np.array([_V1 / _V, _V2 / _V, 0.0])
ISHIGAMI_ST = np.array([(_V1 + _V13) / _V, _V2 / _V, _V13 / _V])


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + A_ISH * np.sin(x[:, 1]) ** 2 + B_ISH * x[:, 2] ** 4 * np.sin(x[:, 0])


def _design(rng: np.random.Generator, n: int, d: int, lo: float, hi: float):
    a = rng.uniform(lo, hi, size=(n, d))
    b = rng.uniform(lo, hi, size=(n, d))
    ab = np.repeat(a[None], d, axis=0)
    for i in range(d):
        ab[i, :, i] = b[:, i]
    return a, b, ab


def _sobol(model, n: int, d: int, lo: float, hi: float, seed: int):
    rng = np.random.default_rng(seed)
    a, b, ab = _design(rng, n, d, lo, hi)
    ya, yb = model(a), model(b)
    yab = np.stack([model(ab[i]) for i in range(d)])
    return analyze(ya, yb, yab, names=[f"x{i}" for i in range(d)], rng=rng, n_resamples=100)


def test_analytic_ishigami_values_are_the_textbook_ones():
    # guard against a typo in the reference values themselves
    np.testing.assert_allclose(ISHIGAMI_S1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(ISHIGAMI_ST, [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_ishigami_estimates_converge_to_analytic_indices():
    errors = []
    for n in (512, 32768):
        res = _sobol(ishigami, n, 3, -np.pi, np.pi, seed=11)
        errors.append(np.abs(res.S1 - ISHIGAMI_S1).max() + np.abs(res.ST - ISHIGAMI_ST).max())
    assert errors[1] < 0.03
    assert errors[1] < errors[0]
    res = _sobol(ishigami, 32768, 3, -np.pi, np.pi, seed=12)
    # the analytic values lie inside (slightly widened) bootstrap intervals
    for est, truth, ci in ((res.S1, ISHIGAMI_S1, res.S1_ci), (res.ST, ISHIGAMI_ST, res.ST_ci)):
        width = ci[:, 1] - ci[:, 0]
        assert np.all(ci[:, 0] - width <= truth) and np.all(truth <= ci[:, 1] + width)
        assert np.all(ci[:, 0] <= est) and np.all(est <= ci[:, 1])


def test_linear_model_indices_are_squared_coefficient_shares():
    coef = np.array([1.0, 2.0, 3.0, 0.0])
    truth = coef**2 / (coef**2).sum()  # additive model: S1 = ST = a_i^2 Var(X) / Var(Y)
    res = _sobol(lambda x: x @ coef, 16384, 4, 0.0, 1.0, seed=3)
    np.testing.assert_allclose(res.S1, truth, atol=0.02)
    np.testing.assert_allclose(res.ST, truth, atol=0.02)
    assert res.ST[3] == 0.0  # a factor with no effect has exactly zero total effect


def test_point_estimates_equal_salib_on_the_same_outputs():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = salib_sample.sample(problem, 1024, calc_second_order=False, seed=5)
    y = ishigami(x)
    ref = salib_analyze.analyze(problem, y, calc_second_order=False, seed=6)
    ya, yb, yab = split_salib_output(y, 3)
    ours = analyze(ya, yb, yab, names=problem["names"], rng=np.random.default_rng(7))
    np.testing.assert_allclose(ours.S1, ref["S1"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.ST, ref["ST"], rtol=1e-10, atol=1e-12)
    # bootstrap half-widths estimate the same spread (different resamples)
    np.testing.assert_allclose(ours.S1_conf, ref["S1_conf"], rtol=0.35)
    np.testing.assert_allclose(ours.ST_conf, ref["ST_conf"], rtol=0.35)


def test_own_design_agrees_with_salib_pipeline_within_confidence_intervals():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = salib_sample.sample(problem, 4096, calc_second_order=False, seed=21)
    ref = salib_analyze.analyze(problem, ishigami(x), calc_second_order=False, seed=22)
    ours = _sobol(ishigami, 4096, 3, -np.pi, np.pi, seed=23)
    assert np.all(np.abs(ours.S1 - ref["S1"]) <= ours.S1_conf + ref["S1_conf"])
    assert np.all(np.abs(ours.ST - ref["ST"]) <= ours.ST_conf + ref["ST_conf"])


def test_vector_output_index_is_variance_weighted_mean_of_per_output_indices():
    rng = np.random.default_rng(4)
    a, b, ab = _design(rng, 2000, 2, 0.0, 1.0)

    def model(x):  # output 0 depends on x0 only, output 1 (10x the variance) on x1 only
        return np.stack([x[:, 0], 10 * x[:, 1], np.full(len(x), 3.0)], axis=1)

    res = analyze(
        model(a), model(b), np.stack([model(ab[0]), model(ab[1])]), names=["x0", "x1"], rng=rng
    )
    np.testing.assert_allclose(res.S1_per_output[:, :2], np.eye(2), atol=0.06)
    assert np.isnan(res.S1_per_output[:, 2]).all()  # the constant output has no index
    w = res.variance[:2] / res.variance[:2].sum()
    np.testing.assert_allclose(res.S1, res.S1_per_output[:, :2] @ w, rtol=1e-12)
    assert res.S1[1] > 0.95 and res.S1[0] < 0.05


def test_bootstrap_is_reproducible_with_the_same_generator_only():
    args = _design(np.random.default_rng(0), 256, 3, -np.pi, np.pi)
    outs = (ishigami(args[0]), ishigami(args[1]), np.stack([ishigami(m) for m in args[2]]))
    r1 = analyze(*outs, names="abc", rng=np.random.default_rng(9))
    r2 = analyze(*outs, names="abc", rng=np.random.default_rng(9))
    r3 = analyze(*outs, names="abc", rng=np.random.default_rng(10))
    np.testing.assert_array_equal(r1.S1_ci, r2.S1_ci)
    assert not np.array_equal(r1.S1_ci, r3.S1_ci)
    np.testing.assert_array_equal(r1.S1, r3.S1)


def test_constant_output_gives_nan_not_a_crash():
    z = np.zeros(10)
    res = analyze(z, z, np.zeros((2, 10)), names=["a", "b"], rng=np.random.default_rng(0))
    assert np.isnan(res.S1).all() and np.isnan(res.ST).all()
    assert res.to_dict()["a"]["S1"] is None


@pytest.mark.parametrize(
    ("shapes", "message"),
    [(((10,), (9,), (2, 10)), "inconsistent"), (((1,), (1,), (2, 1)), "at least 2")],
)
def test_bad_design_shapes_are_rejected(shapes, message):
    a, b, ab = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=message):
        analyze(a, b, ab, names=["p", "q"], rng=np.random.default_rng(0))
