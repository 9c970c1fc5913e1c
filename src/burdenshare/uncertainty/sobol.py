"""Variance-based (Sobol') sensitivity indices from a Saltelli design.

Pure functions: model outputs in, indices out. No sampling and no global seeds here; the
bootstrap takes an explicit :class:`numpy.random.Generator`.

Design (Saltelli 2002; Saltelli et al. 2010): two independent sample matrices ``A`` and ``B``
of ``N`` rows, and for each factor (or group of factors) ``i`` the matrix ``AB_i``: ``A`` with
the columns of ``i`` taken from ``B``. The model is evaluated on all ``N * (G + 2)`` rows.

Estimators, written for outputs ``f`` centred on their grand mean:

* first order, Saltelli et al. (2010), table 2 (b)::

      V_i  = mean( f(B) * (f(AB_i) - f(A)) )

* total effect, Jansen (1999), recommended by Saltelli et al. (2010), table 2 (f)::

      VT_i = mean( (f(A) - f(AB_i))**2 ) / 2

* both divided by ``Var(Y)`` estimated on the ``2N`` rows of ``A`` and ``B``.

These are the estimators SALib's ``sobol.analyze`` implements; :func:`analyze` gives the same
point estimates on the same outputs (tested).

For a vector output (one value per country) the indices are also combined into one
variance-weighted index per factor, ``sum_c V_ic / sum_c Var(Y_c)``: the generalised Sobol
index of Gamboa, Janon, Klein & Lagnoux (2013). Outputs that never vary (a country whose rank
is the same in every sample) then simply contribute nothing.

Confidence intervals: non-parametric bootstrap over the ``N`` rows of the design (rows of
``A``, ``B`` and every ``AB_i`` resampled together), as in Archer, Saltelli & Sobol (1997).
``*_ci`` is the percentile interval; ``*_conf`` is the half-width ``z * sd(bootstrap)`` that
SALib reports.

References
----------
* Jansen, M. J. W. (1999). Analysis of variance designs for model output. Computer Physics
  Communications 117(1-2), 35-43. doi:10.1016/S0010-4655(98)00154-4
* Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity indices.
  Computer Physics Communications 145(2), 280-297. doi:10.1016/S0010-4655(02)00280-1
* Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S. (2010).
  Variance based sensitivity analysis of model output. Design and estimator for the total
  sensitivity index. Computer Physics Communications 181(2), 259-270.
  doi:10.1016/j.cpc.2009.09.018
* Archer, G. E. B., Saltelli, A., Sobol, I. M. (1997). Sensitivity measures, ANOVA-like
  techniques and the use of bootstrap. J. Statistical Computation and Simulation 58, 99-120.
* Gamboa, F., Janon, A., Klein, T., Lagnoux, A. (2013). Sensitivity indices for multivariate
  outputs. Comptes Rendus Mathematique 351(7-8), 307-310. doi:10.1016/j.crma.2013.04.016
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

#: Variances at or below this are treated as "the output does not vary".
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total-effect indices per factor, with bootstrap confidence intervals.

    ``S1``/``ST``: shape ``(G,)``, the (variance-weighted, for vector outputs) indices.
    ``S1_ci``/``ST_ci``: shape ``(G, 2)``, percentile bootstrap intervals.
    ``S1_conf``/``ST_conf``: half-widths ``z * sd`` of the bootstrap distribution (SALib's).
    ``S1_per_output``/``ST_per_output``: shape ``(G, M)``, the indices for each output
    separately (NaN where that output does not vary).
    """

    names: tuple[str, ...]
    S1: np.ndarray
    ST: np.ndarray
    S1_ci: np.ndarray
    ST_ci: np.ndarray
    S1_conf: np.ndarray
    ST_conf: np.ndarray
    S1_per_output: np.ndarray
    ST_per_output: np.ndarray
    variance: np.ndarray
    n_base: int
    n_resamples: int
    conf_level: float

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{factor: {S1, S1_ci, S1_conf, ST, ST_ci, ST_conf}}`` with plain floats."""
        out: dict[str, dict[str, Any]] = {}
        for g, name in enumerate(self.names):
            out[name] = {
                "S1": _f(self.S1[g]),
                "S1_ci": [_f(self.S1_ci[g, 0]), _f(self.S1_ci[g, 1])],
                "S1_conf": _f(self.S1_conf[g]),
                "ST": _f(self.ST[g]),
                "ST_ci": [_f(self.ST_ci[g, 0]), _f(self.ST_ci[g, 1])],
                "ST_conf": _f(self.ST_conf[g]),
            }
        return out


def _f(x: float) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def _as_design(
    y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outputs as float64 arrays of shape (N, M), (N, M), (G, N, M), centred on their grand
    mean (Saltelli et al. 2010 recommend centring: the first-order estimator is not
    shift-invariant for finite N)."""
    a = np.asarray(y_a, dtype=np.float64)
    b = np.asarray(y_b, dtype=np.float64)
    ab = np.asarray(y_ab, dtype=np.float64)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
        ab = ab[:, :, None]
    if a.ndim != 2 or b.shape != a.shape or ab.ndim != 3 or ab.shape[1:] != a.shape:
        raise ValueError(
            f"inconsistent Saltelli design: A {a.shape}, B {b.shape}, AB {ab.shape}; "
            "expected (N[, M]), (N[, M]), (G, N[, M])"
        )
    if a.shape[0] < 2:
        raise ValueError("a Saltelli design needs at least 2 base samples")
    n_total = a.shape[0] * (ab.shape[0] + 2)
    mean = (a.sum(axis=0) + b.sum(axis=0) + ab.sum(axis=(0, 1))) / n_total
    return a - mean, b - mean, ab - mean


def _point(
    a: np.ndarray, b: np.ndarray, ab: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Partial variances ``V_i`` and ``VT_i`` (G, M) and ``Var(Y)`` (M,)."""
    var = np.var(np.concatenate([a, b], axis=0), axis=0)
    v1 = np.mean(b[None] * (ab - a[None]), axis=1)
    vt = 0.5 * np.mean((a[None] - ab) ** 2, axis=1)
    return v1, vt, var


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > _EPS, num / np.where(den > _EPS, den, 1.0), np.nan)


def _bootstrap_counts(rng: np.random.Generator, n: int, n_resamples: int) -> np.ndarray:
    """(R, N) multiplicities of each design row in R bootstrap resamples of size N."""
    idx = rng.integers(0, n, size=(n_resamples, n))
    flat = idx + (np.arange(n_resamples)[:, None] * n)
    return np.bincount(flat.ravel(), minlength=n_resamples * n).reshape(n_resamples, n)


def analyze(
    y_a: np.ndarray,
    y_b: np.ndarray,
    y_ab: np.ndarray,
    *,
    names: Sequence[str],
    rng: np.random.Generator,
    n_resamples: int = 200,
    conf_level: float = 0.95,
) -> SobolIndices:
    """Sobol' first-order (Saltelli et al. 2010) and total-effect (Jansen 1999) indices.

    ``y_a``, ``y_b``: model outputs on the rows of ``A`` and ``B``, shape ``(N,)`` or
    ``(N, M)`` for ``M`` outputs (e.g. one rank per country). ``y_ab``: outputs on each
    ``AB_i``, shape ``(G, N[, M])``, in the order of ``names``. ``rng`` drives the bootstrap.
    """
    if len(names) != np.shape(y_ab)[0]:
        raise ValueError(f"{len(names)} factor names for {np.shape(y_ab)[0]} AB matrices")
    if n_resamples < 2:
        raise ValueError("n_resamples must be at least 2")
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be in (0, 1)")
    a, b, ab = _as_design(y_a, y_b, y_ab)
    n = a.shape[0]
    v1, vt, var = _point(a, b, ab)
    total_var = var.sum()

    # Bootstrap: every statistic is a mean over design rows, so a resample is a weighted
    # mean with multiplicity weights W (R, N). Sums over outputs commute with the weights,
    # except the squared mean inside Var(Y), which needs the per-output weighted means.
    w = _bootstrap_counts(rng, n, n_resamples).astype(np.float64)
    mean_ab = (w @ a + w @ b) / (2 * n)  # (R, M)
    msq = w @ ((a**2).sum(axis=1) + (b**2).sum(axis=1)) / (2 * n)  # (R,)
    boot_var = msq - (mean_ab**2).sum(axis=1)
    boot_v1 = np.stack([w @ (b * (ab[g] - a)).sum(axis=1) / n for g in range(ab.shape[0])])
    boot_vt = np.stack([w @ ((a - ab[g]) ** 2).sum(axis=1) / (2 * n) for g in range(ab.shape[0])])
    boot_s1 = _ratio(boot_v1, boot_var[None])  # (G, R)
    boot_st = _ratio(boot_vt, boot_var[None])

    z = float(norm.ppf(0.5 + conf_level / 2))
    lo, hi = (1.0 - conf_level) / 2, (1.0 + conf_level) / 2

    def _ci(boot: np.ndarray) -> np.ndarray:
        if np.isnan(boot).all():
            return np.full((boot.shape[0], 2), np.nan)
        return np.nanquantile(boot, [lo, hi], axis=1).T

    def _conf(boot: np.ndarray) -> np.ndarray:
        if np.isnan(boot).all():
            return np.full(boot.shape[0], np.nan)
        return z * np.nanstd(boot, axis=1, ddof=1)

    return SobolIndices(
        names=tuple(names),
        S1=_ratio(v1.sum(axis=1), np.asarray(total_var)),
        ST=_ratio(vt.sum(axis=1), np.asarray(total_var)),
        S1_ci=_ci(boot_s1),
        ST_ci=_ci(boot_st),
        S1_conf=_conf(boot_s1),
        ST_conf=_conf(boot_st),
        S1_per_output=_ratio(v1, var[None]),
        ST_per_output=_ratio(vt, var[None]),
        variance=var,
        n_base=n,
        n_resamples=n_resamples,
        conf_level=conf_level,
    )


def split_salib_output(y: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split outputs in SALib's row order (``A, AB_1..AB_G, B`` repeated per base sample,
    ``calc_second_order=False``) into ``(y_a, y_b, y_ab)`` for :func:`analyze`."""
    y = np.asarray(y)
    step = n_groups + 2
    if y.shape[0] % step:
        raise ValueError(f"{y.shape[0]} outputs is not a multiple of G + 2 = {step}")
    blocks = y.reshape(y.shape[0] // step, step, *y.shape[1:])
    return blocks[:, 0], blocks[:, -1], np.moveaxis(blocks[:, 1:-1], 1, 0)
