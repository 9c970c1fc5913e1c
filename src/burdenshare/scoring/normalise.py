"""Normalisation: raw indicator values -> comparable scores, column by column.

Every function works on an array ``X`` of shape ``(..., n, k)`` (any leading batch axes,
``n`` countries, ``k`` indicators) and normalises along the countries axis (``-2``), ignoring
NaN (a NaN stays NaN). ``higher`` is a boolean array of shape ``(k,)``: True when a higher raw
value is better; for the others the result is flipped so that 1 (or a higher z) is always
better. Methods follow the OECD/JRC *Handbook on Constructing Composite Indicators* (2008),
Part I step 5 (Table 3, p. 30) and Part 2 Step 5 (pp. 83-88):

- ``minmax``: (x - min) / (max - min) in [0, 1]; 0.5 when all values are equal.
- ``zscore``: (x - mean) / sd (population sd); 0 when all values are equal.
- ``percentile`` (``rank``): (rank - 1) / (m - 1) with average ranks for ties, in [0, 1].
- ``goalposts``: (x - lower) / (upper - lower), clipped to [0, 1], bounds fixed in advance.
- ``distance_to_target``: 1 - shortfall / scale, clipped to [0, 1].

``pool`` (optional, ``(n,)`` bools): the countries whose values set the statistics of the
methods that have any (min and max, mean and sd, ranks). Countries outside the pool are
placed on the pool's scale (min-max and percentile clipped to [0, 1]) and move nobody
else's value: a country under an ITAR 126.1 denial or a principal adversary does not
stretch the partners' scale (the reference group is our choice, documented as the
Handbook's Part I step 5 asks of the normalisation, p. 31).

Outlier treatment (``params["treat"]``, see :mod:`burdenshare.scoring.outliers`) is applied
by the distribution-based methods (min-max, z-score) before their statistics, as COINr's
``Treat`` precedes ``Normalise``; percentile ranks are unaffected by outliers, goalposts and
distance to target have fixed bounds.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache

import numpy as np


def _nan_reduce(fn, X: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(X, axis=-2, keepdims=True)


def _flip(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    return np.where(higher, X, -X)


def _in_pool(Y: np.ndarray, pool: np.ndarray | None) -> np.ndarray:
    """``Y`` with the rows outside ``pool`` set to NaN (the values statistics come from)."""
    if pool is None:
        return Y
    return np.where(np.asarray(pool, dtype=bool)[:, None], Y, np.nan)


def minmax(X: np.ndarray, higher: np.ndarray, pool: np.ndarray | None = None) -> np.ndarray:
    Y = _flip(X, higher)
    S = _in_pool(Y, pool)
    # NaN-ignoring min and max: what np.nanmin/np.nanmax compute for float arrays, without
    # their all-NaN warning (an all-NaN column stays NaN).
    lo = np.fmin.reduce(S, axis=-2, keepdims=True)
    hi = np.fmax.reduce(S, axis=-2, keepdims=True)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        N = np.where(span > 0, (Y - lo) / span, 0.5)
    if pool is not None:
        N = np.clip(N, 0.0, 1.0)
    return np.where(np.isnan(Y), np.nan, N)


def zscore(X: np.ndarray, higher: np.ndarray, pool: np.ndarray | None = None) -> np.ndarray:
    Y = _flip(X, higher)
    S = _in_pool(Y, pool)
    mu = _nan_reduce(np.nanmean, S)
    sd = _nan_reduce(np.nanstd, S)
    with np.errstate(invalid="ignore", divide="ignore"):
        N = np.where(sd > 0, (Y - mu) / sd, 0.0)
    return np.where(np.isnan(Y), np.nan, N)


def percentile(X: np.ndarray, higher: np.ndarray, pool: np.ndarray | None = None) -> np.ndarray:
    if pool is not None and not np.all(pool):
        return _percentile_pooled(X, higher, np.asarray(pool, dtype=bool))
    from scipy.stats import rankdata

    Y = _flip(X, higher)
    nan = np.isnan(Y)
    # NaN ranked last by filling with +inf, then removed; average ranks for ties.
    R = rankdata(np.where(nan, np.inf, Y), method="average", axis=-2)
    m = np.sum(~nan, axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        N = np.where(m > 1, (R - 1) / (m - 1), 0.5)
    return np.where(nan, np.nan, N)


def _percentile_pooled(X: np.ndarray, higher: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Percentile ranks among the pool's values; a country outside the pool gets the
    position it would take among them (ties count half), clipped to [0, 1]."""
    inside = percentile(_in_pool(X, pool), higher)
    Y = _flip(X, higher)
    P = Y[..., pool, :]  # (..., m, k)
    out_rows = np.flatnonzero(~pool)
    Q = Y[..., out_rows, :]  # (..., o, k)
    with np.errstate(invalid="ignore"):
        less = np.sum(P[..., None, :, :] < Q[..., :, None, :], axis=-2)
        same = np.sum(P[..., None, :, :] == Q[..., :, None, :], axis=-2)
    m = np.sum(~np.isnan(P), axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = np.where(m > 1, (less + 0.5 * same) / (m - 1), 0.5)
    inside[..., out_rows, :] = np.where(np.isnan(Q), np.nan, np.clip(pos, 0.0, 1.0))
    return inside


def goalposts(
    X: np.ndarray, higher: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    N = (X - lower) / (upper - lower)
    N = np.where(higher, N, 1.0 - N)
    return np.clip(N, 0.0, 1.0)


def distance_to_target(
    X: np.ndarray, higher: np.ndarray, target: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    short = np.where(higher, target - X, X - target)
    N = 1.0 - np.maximum(short, 0.0) / scale
    return np.where(np.isnan(X), np.nan, np.clip(N, 0.0, 1.0))


METHODS: tuple[str, ...] = (
    "minmax",
    "zscore",
    "percentile",
    "rank",
    "goalposts",
    "distance_to_target",
)


def normalise_matrix(
    X: np.ndarray,
    methods: Sequence[str],
    params: dict[str, np.ndarray] | None = None,
    higher: np.ndarray | None = None,
    pool: np.ndarray | None = None,
) -> np.ndarray:
    """Normalise each column of ``X`` (shape ``(..., n, k)``) by its method.

    ``methods``: k method names. ``params``: arrays of shape (k,) named ``lower``, ``upper``
    (goalposts), ``target``, ``scale`` (distance to target); entries for other columns are
    ignored; ``treat``, ``treat_a``, ``treat_b`` (optional) an outlier treatment per column
    (:func:`burdenshare.scoring.outliers.apply`), applied for min-max and z-score.
    ``higher``: (k,) bools, default all True. ``pool``: (n,) bools, the countries whose
    values set the statistics (default all). Returns an array shaped like ``X``.
    """
    X = np.asarray(X, dtype=float)
    k = X.shape[-1]
    if len(methods) != k:
        raise ValueError(f"{len(methods)} methods for {k} columns")
    higher = np.ones(k, dtype=bool) if higher is None else np.asarray(higher, dtype=bool)
    params = params or {}
    out = np.empty_like(X)
    for method, idx in _method_columns(tuple(methods)):
        whole = len(idx) == k
        cols = X if whole else X[..., idx]
        h = higher if whole else higher[idx]
        if method in ("minmax", "zscore") and "treat" in params:
            from burdenshare.scoring.outliers import apply as treat

            cols = treat(cols, *(params[key][idx] for key in ("treat", "treat_a", "treat_b")))
        if method == "minmax":
            res = minmax(cols, h, pool)
        elif method == "zscore":
            res = zscore(cols, h, pool)
        elif method in ("percentile", "rank"):
            res = percentile(cols, h, pool)
        elif method == "goalposts":
            res = goalposts(cols, h, params["lower"][idx], params["upper"][idx])
        elif method == "distance_to_target":
            target = params["target"][idx]
            scale = params.get("scale", np.full(k, np.nan))[idx]
            scale = np.where(np.isnan(scale), np.abs(target), scale)
            res = distance_to_target(cols, h, target, scale)
        else:
            raise ValueError(f"unknown normalisation {method!r}; known: {', '.join(METHODS)}")
        if whole:
            return np.ascontiguousarray(res, dtype=float)
        out[..., idx] = res
    return out


@lru_cache(maxsize=256)
def _method_columns(methods: tuple[str, ...]) -> tuple[tuple[str, np.ndarray], ...]:
    """Each distinct method (first-seen order) with the columns that use it."""
    arr = np.asarray(methods)
    out = []
    for method in dict.fromkeys(methods):
        idx = np.flatnonzero(arr == method)
        idx.setflags(write=False)
        out.append((method, idx))
    return tuple(out)
