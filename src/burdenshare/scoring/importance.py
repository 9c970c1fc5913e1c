"""Effective importance of each indicator next to its nominal weight.

A nominal weight is not the influence an indicator has on the index: an indicator that
varies little across partners, or that moves with the others, counts less (or more) than
its weight says. The JRC audits therefore report, for each indicator ``x_i``, the
*correlation ratio* of the index ``y`` on it (Paruolo, Saisana & Saltelli 2013, "Ratings
and rankings: voodoo or science?", J. R. Statist. Soc. A 176(3), 609-634):

    S_i = Var(E[y | x_i]) / Var(y)

the first-order sensitivity index of ``y`` on ``x_i`` over the countries scored, estimated
here by a smoothing spline of ``y`` on ``x_i`` with the penalty chosen by generalised
cross-validation (``scipy.interpolate.make_smoothing_spline``, Paruolo et al. use penalised
splines too) and, as a check, by Pearson's squared correlation. Normalised to add up to 1
(``S_i / sum_j S_j``) the ratios are compared with the normalised nominal weights: a ratio
``importance / weight`` well below 1 flags an indicator that the weights over-state.

Everything is computed on the nominal run (the policy's own normalised values and scores)
over the countries ranked, so the statistic describes the index as published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Importance:
    """Per indicator: nominal weight, correlation ratio (spline) and Pearson r^2, both
    also normalised to add up to 1, and the ratio importance / weight."""

    indicators: tuple[str, ...]
    weight: np.ndarray
    correlation_ratio: np.ndarray
    pearson_r2: np.ndarray
    n_countries: int

    @property
    def importance(self) -> np.ndarray:
        total = np.nansum(self.correlation_ratio)
        return self.correlation_ratio / total if total > 0 else self.correlation_ratio

    @property
    def ratio(self) -> np.ndarray:
        w = self.weight / self.weight.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(w > 0, self.importance / w, np.nan)

    def to_dict(self) -> dict[str, Any]:
        w = self.weight / self.weight.sum()
        return {
            "method": "correlation ratio Var(E[y|x_i])/Var(y), smoothing spline (GCV); "
            "Paruolo, Saisana & Saltelli (2013)",
            "countries": self.n_countries,
            "indicators": {
                name: {
                    "nominal_weight": _f(w[i]),
                    "correlation_ratio": _f(self.correlation_ratio[i]),
                    "pearson_r2": _f(self.pearson_r2[i]),
                    "effective_importance": _f(self.importance[i]),
                    "importance_over_weight": _f(self.ratio[i]),
                }
                for i, name in enumerate(self.indicators)
            },
        }


def _f(x: float) -> float | None:
    x = float(x)
    return None if np.isnan(x) else round(x, 6)


def correlation_ratio(x: np.ndarray, y: np.ndarray) -> float:
    """``Var(E[y|x]) / Var(y)`` from a GCV smoothing spline of ``y`` on ``x`` (tied x values
    averaged first, as the spline needs increasing abscissae); 0 when ``x`` is constant,
    NaN when ``y`` is."""
    from scipy.interpolate import make_smoothing_spline

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    vy = np.var(y)
    if y.size < 3 or vy <= 0:
        return float("nan")
    ux, inv = np.unique(x, return_inverse=True)
    if ux.size < 2:
        return 0.0
    counts = np.bincount(inv)
    means = np.bincount(inv, weights=y) / counts
    if ux.size < 5:  # too few distinct values for a spline: the group means are E[y|x]
        fitted = means[inv]
    else:
        spline = make_smoothing_spline(ux, means, w=counts.astype(float))
        fitted = spline(x)
    return float(min(max(np.var(fitted) / vy, 0.0), 1.0))


def effective_importance(
    normalised: np.ndarray, scores: np.ndarray, weights: np.ndarray, indicators: tuple[str, ...]
) -> Importance:
    """The importance of each column of ``normalised`` (n, k) for ``scores`` (n,), over the
    rows where the score is known."""
    N = np.asarray(normalised, dtype=float)
    s = np.asarray(scores, dtype=float)
    keep = ~np.isnan(s)
    N, s = N[keep], s[keep]
    cr = np.array([correlation_ratio(N[:, j], s) for j in range(N.shape[1])])
    r2 = np.empty(N.shape[1])
    for j in range(N.shape[1]):
        x = N[:, j]
        ok = ~np.isnan(x)
        if ok.sum() < 3 or np.std(x[ok]) == 0:
            r2[j] = 0.0
        else:
            r2[j] = float(np.corrcoef(x[ok], s[ok])[0, 1] ** 2)
    return Importance(
        indicators=tuple(indicators),
        weight=np.asarray(weights, dtype=float),
        correlation_ratio=cr,
        pearson_r2=r2,
        n_countries=int(keep.sum()),
    )


def importance_of(result) -> Importance:
    """Effective importance for a :class:`~burdenshare.scoring.engine.ScoreResult`, over the
    countries it ranks."""
    ranked = result.table["rank"].notna().to_numpy()
    weights = np.array([result.meta["weights"][n] for n in result.normalised.columns])
    return effective_importance(
        result.normalised.to_numpy(dtype=float)[ranked],
        result.table["score"].to_numpy(dtype=float)[ranked],
        weights,
        tuple(result.normalised.columns),
    )
