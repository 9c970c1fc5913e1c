"""Outlier treatment before distribution-based normalisation, as COINr's ``qTreat`` does it.

One extreme value stretches a min-max or z-score scale and squeezes every other country
into a corner of it (Ukraine's 34.5% of GDP in 2024 against a median near 1.5%). The
OECD/JRC *Handbook on Constructing Composite Indicators* (2008) asks for outliers to be
found and treated before normalisation (Part I, Table 1, p. 20, step 5: "To discuss the
presence of outliers in the dataset as they may become unintended benchmarks"; Part 2
Step 5.1, p. 84: "It is advisable first to try to remove outliers and consequently to
perform the normalisation"); the JRC's COINr package implements the rule used in the JRC
audits (``qTreat``/``Treat``, ``winsorise``, ``check_SkewKurt``, ``log_CT``):

1. an indicator *fails* when its absolute skewness exceeds 2 **and** its (excess) kurtosis
   exceeds 3.5 (sample statistics, as Excel's SKEW and KURT: ``scipy.stats.skew`` and
   ``kurtosis`` with ``bias=False``);
2. a failing indicator is winsorised one point at a time, on the side of its skew (the
   highest value takes the next highest value), up to ``winmax`` points (default 5),
   until it passes;
3. if it still fails after ``winmax`` points, the winsorisation is dropped and the original
   values are log-transformed instead, ``ln(x - min + 0.01 (max - min))`` (COINr's
   ``log_CT``); for a negative skew, where a log would make it worse, the ``winmax``
   winsorised points are kept.

The decision (which indicators, which caps) is made once per panel on the observed values
of the countries in the policy's pool (partners only) and then applied as a fixed
elementwise function, like goalposts: a Monte Carlo sample or a what-if moves values within
the treated scale without redefining it. A plan is three arrays per indicator: ``treat``
(0 none, 1 winsorise: clip to ``[treat_a, treat_b]``, 2 log: ``ln(max(x, a) - a + b)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NONE, WINSORISE, LOG = 0, 1, 2
KINDS = ("none", "winsorised", "log")


@dataclass(frozen=True)
class ColumnTreatment:
    """What was done to one indicator, for the output and METHOD.md."""

    kind: int
    a: float
    b: float
    points: int
    skewness: float
    kurtosis: float

    def describe(self) -> str:
        if self.kind == NONE:
            return "none"
        if self.kind == WINSORISE:
            side = f"<= {self.b:.6g}" if np.isfinite(self.b) else f">= {self.a:.6g}"
            return f"winsorised ({self.points} points, capped at {side})"
        return "log (ln(x - min + 0.01 (max - min)))"


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Sample skewness G1 and excess kurtosis G2 (the bias-corrected statistics of Excel's
    SKEW and KURT, COINr's ``skew`` and ``kurt``, ``scipy.stats.skew``/``kurtosis`` with
    ``bias=False``; written out here because this runs on every scoring call); NaN when
    there are fewer than 4 values or all are equal."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4:
        return float("nan"), float("nan")
    d = x - x.mean()
    m2 = float(np.mean(d * d))
    if m2 <= 0 or m2 <= 1e-28 * float(np.mean(x * x)):  # constant (up to rounding)
        return float("nan"), float("nan")
    z = d / np.sqrt(m2)  # standardised first: no under- or overflow in the powers
    g1 = float(np.mean(z**3))
    g2 = float(np.mean(z**4)) - 3.0
    skew = np.sqrt(n * (n - 1.0)) / (n - 2.0) * g1
    kurt = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * g2 + 6.0)
    return float(skew), float(kurt)


def fails(x: np.ndarray, skew_max: float, kurt_max: float) -> bool:
    """COINr's ``check_SkewKurt``: an indicator fails when both thresholds are exceeded."""
    s, k = skew_kurt(x)
    return bool(np.isfinite(s) and abs(s) > skew_max and k > kurt_max)


def treat_column(
    x: np.ndarray, *, winmax: int = 5, skew_max: float = 2.0, kurt_max: float = 3.5
) -> ColumnTreatment:
    """The treatment of one indicator's values (NaN ignored), see the module docstring."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)].copy()
    s0, k0 = skew_kurt(v)
    if not fails(v, skew_max, kurt_max):
        return ColumnTreatment(NONE, np.nan, np.nan, 0, s0, k0)
    w = v.copy()
    lo, hi = -np.inf, np.inf
    points = 0
    passed = False
    while points < winmax and not passed:
        points += 1
        s, _ = skew_kurt(w)
        i = int(np.argmax(w)) if s > 0 else int(np.argmin(w))
        rest = np.delete(w, i)
        if s > 0:
            hi = float(rest.max())
            w[i] = hi
        else:
            lo = float(rest.min())
            w[i] = lo
        passed = not fails(w, skew_max, kurt_max)
    if not passed and s0 > 0:  # still failing: a log instead of winsorisation (log_CT)
        mn, mx = float(v.min()), float(v.max())
        return ColumnTreatment(LOG, mn, 0.01 * (mx - mn), 0, s0, k0)
    # the caps: winsorised values equal the next value in, so clipping reproduces them
    return ColumnTreatment(WINSORISE, lo, hi, points, s0, k0)


def plan(
    X: np.ndarray,
    pool: np.ndarray | None,
    treatable: np.ndarray,
    *,
    winmax: int = 5,
    skew_max: float = 2.0,
    kurt_max: float = 3.5,
) -> tuple[dict[str, np.ndarray], tuple[ColumnTreatment | None, ...]]:
    """The treatment plan of ``X`` (n, k) from the rows in ``pool`` for the columns where
    ``treatable`` (value indicators): arrays ``treat``, ``treat_a``, ``treat_b`` (k,) for
    :func:`apply` and the per-column details (None: not treatable)."""
    X = np.asarray(X, dtype=float)
    rows = X if pool is None else X[np.asarray(pool, dtype=bool)]
    k = X.shape[1]
    kind = np.zeros(k, dtype=np.int64)
    a = np.full(k, np.nan)
    b = np.full(k, np.nan)
    details: list[ColumnTreatment | None] = []
    for j in range(k):
        if not treatable[j]:
            details.append(None)
            continue
        t = treat_column(rows[:, j], winmax=winmax, skew_max=skew_max, kurt_max=kurt_max)
        kind[j], a[j], b[j] = t.kind, t.a, t.b
        details.append(t)
    arrays = {"treat": kind, "treat_a": a, "treat_b": b}
    for arr in arrays.values():
        arr.setflags(write=False)
    return arrays, tuple(details)


def apply(X: np.ndarray, kind: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The treated values of ``X`` (..., n, k) for a plan's columns (NaN stays NaN)."""
    kind = np.asarray(kind)
    if not kind.any():
        return X
    out = X
    with np.errstate(invalid="ignore", divide="ignore"):
        if (kind == WINSORISE).any():
            lo = np.where(kind == WINSORISE, a, -np.inf)
            hi = np.where(kind == WINSORISE, b, np.inf)
            out = np.where(kind == WINSORISE, np.minimum(np.maximum(X, lo), hi), out)
        if (kind == LOG).any():
            logged = np.log(np.maximum(X, a) - a + b)
            out = np.where(kind == LOG, logged, out)
    return np.where(np.isnan(X), np.nan, out)
