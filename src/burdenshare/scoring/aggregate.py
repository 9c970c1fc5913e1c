"""Aggregation, tiers and ranks as array functions with optional leading batch axes.

Shapes: ``N`` normalised matrix ``(..., n, k)``; ``w`` weights ``(k,)`` or a batch ``(B, k)``
(effective weights: pillar weight x indicator weight within the pillar, adding up to 1).
Batches broadcast: ``N (n, k)`` with ``w (B, k)`` gives scores ``(B, n)``.

- weighted arithmetic mean: s = sum_j w_j N_j; contributions w_j N_j add up to s;
- weighted geometric mean on the [1, 100] range, as COINr does (``Aggregate(f_ag =
  "a_gmean")`` after ``Normalise`` to [1, 100]): each normalised value is rescaled to
  ``1 + 99 N``, so a zero is the bottom of a bounded scale rather than an arbitrary floor
  (OECD/JRC Handbook 2008, Part 2 Step 6.11, p. 103, and 6.14, p. 115: geometric
  aggregation "provided that x is strictly positive"). A zero on an indicator of weight w
  still costs a factor of about 100^-w: that is the geometric mean's intended penalty for
  an unbalanced profile (partial compensability), so the indicator set must not hold a 0/1
  status that belongs in a gate. G = prod_j (1 + 99 N_j)^w_j lies in [1, 100] and is mapped
  back to [0, 1] as s = (G - 1) / 99, so both aggregations share one scale (N = 1 for
  every indicator gives 1, N = 0 gives 0). Log contributions w_j ln(1 + 99 N_j) add up to
  ln(1 + 99 s);
- TOPSIS (Hwang & Yoon 1981) on the weighted matrix, closeness D- / (D- + D+), offered for
  robustness checks; it has no additive decomposition, so policies use the first two.
"""

from __future__ import annotations

import numpy as np

AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric", "topsis")

#: The geometric mean's range [1, GEOMETRIC_TOP] (COINr's default [1, 100] rescale).
GEOMETRIC_TOP = 100.0


def geometric_log(N: np.ndarray) -> np.ndarray:
    """``ln(1 + 99 N)``: a normalised value in [0, 1] on the geometric mean's [1, 100] scale."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log1p((GEOMETRIC_TOP - 1.0) * N)


def geometric_back(log_mean: np.ndarray) -> np.ndarray:
    """The weighted sum of :func:`geometric_log` values back on [0, 1]: (G - 1) / 99."""
    return np.expm1(log_mean) / (GEOMETRIC_TOP - 1.0)


def _weights_for(N: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weights shaped to broadcast against (..., n, k): (..., 1, k)."""
    w = np.asarray(w, dtype=float)
    return w[..., None, :]


def contributions(
    N: np.ndarray, w: np.ndarray, method: str = "arithmetic", *, floor: float = 0.01
) -> np.ndarray:
    """Per-indicator contributions, shape (..., n, k): they add up to the score (arithmetic)
    or to ``ln(1 + 99 s)`` (geometric, on the [1, 100] range; ``floor`` is no longer used
    and kept for callers that pass it)."""
    W = _weights_for(N, w)
    if method == "arithmetic":
        return N * W
    if method == "geometric":
        return W * geometric_log(N)
    raise ValueError(f"no additive contributions for aggregation {method!r}")


def aggregate(
    N: np.ndarray, w: np.ndarray, method: str = "arithmetic", *, floor: float = 0.01
) -> np.ndarray:
    """Scores of shape (..., n): NaN where any used indicator is NaN."""
    if method == "arithmetic":
        return contributions(N, w, method).sum(axis=-1)
    if method == "geometric":
        return geometric_back(contributions(N, w, method).sum(axis=-1))
    if method == "topsis":
        return topsis(N, w)
    raise ValueError(f"unknown aggregation {method!r}; known: {', '.join(AGGREGATIONS)}")


def topsis(N: np.ndarray, w: np.ndarray) -> np.ndarray:
    """TOPSIS closeness on an already normalised (benefit-oriented) matrix."""
    V = N * _weights_for(N, w)
    with np.errstate(invalid="ignore"):
        pis = np.nanmax(V, axis=-2, keepdims=True)
        nis = np.nanmin(V, axis=-2, keepdims=True)
    dp = np.sqrt(np.sum((V - pis) ** 2, axis=-1))
    dm = np.sqrt(np.sum((V - nis) ** 2, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(dp + dm > 0, dm / (dp + dm), 0.5)


def quantile_thresholds(scores: np.ndarray, eligible: np.ndarray, top_shares) -> np.ndarray:
    """Score thresholds (..., T-1) for cumulative top shares among eligible scored countries:
    tier t holds scores >= the (1 - share_t) quantile (linear interpolation)."""
    q = 1.0 - np.asarray(top_shares, dtype=float)
    if np.ndim(scores) == 1:  # one panel: np.quantile of the eligible scores (= nanquantile)
        kept = np.asarray(scores)[np.asarray(eligible, dtype=bool) & ~np.isnan(scores)]
        if kept.size == 0:
            return np.full(len(q), np.inf)
        return np.atleast_1d(np.quantile(kept, q))
    return _row_quantiles(np.asarray(scores, dtype=float), np.asarray(eligible, dtype=bool), q)


def _row_quantiles(scores: np.ndarray, eligible: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile`` (linear) of each row's eligible scores at ``q``, (..., len(q)), for
    many rows at once: one sort per row instead of ``np.nanquantile``'s Python loop over
    rows (it sits in every Monte Carlo batch whose tiers are re-anchored). Same index and
    interpolation formulas as NumPy's, so each row gives np.quantile's numbers exactly;
    +inf for a row without eligible scores.

    The rows are sorted in place in the one temporary (NumPy's SIMD sort: several times
    faster than ``np.partition`` at the few order statistics needed), counted with
    ``count_nonzero`` and read with one flat ``take``."""
    shape = scores.shape
    c = shape[-1]
    keep = np.equal(scores, scores)  # not NaN
    keep &= eligible
    ordered = np.where(keep, scores, np.inf).reshape(-1, c)
    ordered.sort(axis=-1)
    m = np.count_nonzero(keep.reshape(-1, c), axis=-1)  # (rows,)
    top = np.maximum(m - 1, 0)[:, None]
    virtual = q[None, :] * top.astype(float)  # (rows, Q)
    prev = np.floor(virtual)
    gamma = virtual - prev
    lo = np.minimum(np.maximum(prev.astype(np.intp), 0), top)
    hi = np.minimum(lo + 1, top)
    base = np.arange(0, ordered.size, c, dtype=np.intp)[:, None]
    flat = ordered.reshape(-1)
    a = flat.take(lo + base)
    b = flat.take(hi + base)
    with np.errstate(invalid="ignore"):  # inf - inf in rows with one eligible score
        diff = b - a
        out = a + diff * gamma
        out = np.where(gamma >= 0.5, b - diff * (1 - gamma), out)  # numpy's _lerp
    out = np.where((m > 0)[:, None], out, np.inf)
    return out.reshape(*shape[:-1], len(q))


def anchored_shares(scores: np.ndarray, eligible: np.ndarray, thresholds) -> np.ndarray:
    """Cumulative share of the eligible scored countries at or above each absolute cut-off
    (before gate caps), shape (T-1,): the nominal tiers expressed as shares, so that a
    ranking whose scores are not on the policy's scale (another normalisation or
    aggregation) can be tiered by :func:`quantile_thresholds` at the same shares
    (:func:`share_thresholds`). On the nominal scores it gives back the nominal tiers
    (ties aside)."""
    s = np.asarray(scores, dtype=float)
    ok = np.asarray(eligible, dtype=bool) & ~np.isnan(s)
    m = int(ok.sum())
    thr = np.asarray(thresholds, dtype=float)
    if m == 0:
        return np.zeros(thr.shape)
    return np.array([np.count_nonzero(s[ok] >= t) / m for t in thr])


def share_thresholds(scores: np.ndarray, eligible: np.ndarray, shares) -> np.ndarray:
    """Score cut-offs (..., T-1) that give each tier its cumulative ``shares`` of the
    eligible scored countries: :func:`quantile_thresholds`, with +inf where a share is 0
    (no country in the nominal tier, none here either)."""
    shares = np.asarray(shares, dtype=float)
    thr = quantile_thresholds(scores, eligible, np.clip(shares, 0.0, 1.0))
    return np.where(shares <= 0, np.inf, thr)


def assign_tiers(
    scores: np.ndarray,
    thresholds: np.ndarray,
    eligible: np.ndarray,
    cap: np.ndarray | None = None,
) -> np.ndarray:
    """Tier index per country (0 = tier 1), -1 when ineligible or unscored.

    ``thresholds``: descending minimum scores for tiers 1..T-1, shape (T-1,) or (..., T-1).
    ``cap``: the best tier index a country may reach (gates), shape like ``scores``.
    """
    thr = np.asarray(thresholds, dtype=float)
    thr = np.broadcast_to(thr[..., None, :], (*scores.shape, thr.shape[-1]))
    idx = np.sum(scores[..., None] < thr, axis=-1)
    if cap is not None:
        idx = np.maximum(idx, cap)
    return np.where(eligible & ~np.isnan(scores), idx, -1)


def fill_nan(x: np.ndarray, nan: float) -> np.ndarray:
    """``np.nan_to_num(x, nan=nan)``: NaN -> ``nan``, +-inf -> the largest finite floats;
    the same values with a fraction of its per-call cost (it sits on every scoring call)."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        return x.copy()
    big = np.finfo(x.dtype).max
    return np.where(np.isnan(x), nan, np.minimum(np.maximum(x, -big), big))


def rank_order(
    scores: np.ndarray, tiers: np.ndarray, tie_keys: list[np.ndarray], code_order: np.ndarray
) -> np.ndarray:
    """Ranks 1..m (float; NaN for unranked) ordered by tier, then score, then each tie key
    (higher first), then ``code_order`` (ascending ISO3 position): no two countries share a
    rank. Scores are compared at 1e-9 so that float noise never decides."""
    ranked = tiers >= 0

    def full(a: np.ndarray) -> np.ndarray:
        return a if np.shape(a) == scores.shape else np.broadcast_to(a, scores.shape)

    keys: list[np.ndarray] = [full(code_order)]
    for key in reversed(tie_keys):
        keys.append(-fill_nan(full(key), -np.inf))
    keys.append(-np.round(fill_nan(scores, -np.inf), 9))
    keys.append(np.where(ranked, tiers, np.iinfo(np.int64).max))
    order = np.lexsort(keys, axis=-1)
    pos = np.empty_like(order)
    if order.ndim == 1:
        pos[order] = np.arange(order.shape[-1])
    else:
        np.put_along_axis(pos, order, np.broadcast_to(np.arange(order.shape[-1]), order.shape), -1)
    return np.where(ranked, pos + 1.0, np.nan)
