"""The scoring engine: panel + policy -> scores, ranks, tiers, eligibility, contributions.

The pipeline is a chain of pure array steps, each of which accepts leading batch axes, so
the same code scores the real panel, thousands of counterfactual panels ("what would it
take") or Monte Carlo variants:

1. :func:`policy_values` - the policy's raw columns from the panel (theater mapped to the
   policy's theater weights);
2. transform (``log1p``) and :func:`impute` (missing-data rule per indicator);
3. :func:`~burdenshare.scoring.normalise.normalise_matrix` over the countries scored;
4. :func:`~burdenshare.scoring.aggregate.aggregate` with the effective weights
   (pillar weight x indicator weight within its pillar), scaled to 0-100;
5. :func:`gate_effects` - eligibility and tier caps from group membership and values;
6. tiers (absolute or quantile thresholds) and ranks (tier, score, tie-break keys, ISO3).

Per-call overhead is kept out of the hot path: a policy is compiled once per policy object
(:func:`prepare`), what depends on the panel alone (membership as booleans, theater codes,
ISO3 order, flag vocabulary) once per panel (:attr:`Panel.lookups`), and the result's text
columns are built once per distinct value rather than once per country.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from burdenshare.errors import UserError
from burdenshare.facts import join_flags, split_flags
from burdenshare.panel import CATEGORY_INDICATORS, Panel
from burdenshare.policy.schema import Policy
from burdenshare.scoring.aggregate import (
    aggregate,
    assign_tiers,
    contributions,
    fill_nan,
    quantile_thresholds,
    rank_order,
)
from burdenshare.scoring.normalise import normalise_matrix

SCALE = 100.0


@dataclass(frozen=True, eq=False)
class PreparedPolicy:
    """A policy compiled to arrays (k = number of the policy's indicators)."""

    policy: Policy
    indicators: tuple[str, ...]
    pillar_of: tuple[str, ...]
    pillars: tuple[str, ...]
    higher: np.ndarray
    methods: tuple[str, ...]
    params: Mapping[str, np.ndarray]
    weights: np.ndarray
    log1p: np.ndarray
    missing: tuple[str, ...]

    @property
    def k(self) -> int:
        return len(self.indicators)

    @cached_property
    def column_index(self) -> pd.Index:
        """The indicators as a column index (result frames share it; indexes are immutable)."""
        return pd.Index(list(self.indicators), dtype=object)

    @cached_property
    def pillar_index(self) -> pd.Index:
        return pd.Index(list(self.pillars), dtype=object)

    @cached_property
    def gate_index(self) -> pd.Index:
        return pd.Index([g.id for g in self.policy.gates], dtype=object)

    @cached_property
    def pillar_onehot(self) -> np.ndarray:
        """(k, pillars) 1.0 where the indicator belongs to the pillar."""
        onehot = np.array(self.pillar_of)[:, None] == np.array(self.pillars)[None, :]
        return _read_only(onehot.astype(float).reshape(self.k, len(self.pillars)))


def effective_weights(policy: Policy) -> np.ndarray:
    """Indicator weights x their pillar's weight, each level normalised to add up to 1."""
    ptotal = sum(p.weight for p in policy.pillars.values())
    inner = {
        p: sum(s.weight for s in policy.indicators.values() if s.pillar == p)
        for p in policy.pillars
    }
    return np.array(
        [
            policy.pillars[s.pillar].weight / ptotal * (s.weight / inner[s.pillar])
            if inner[s.pillar] > 0
            else 0.0
            for s in policy.indicators.values()
        ]
    )


def prepare(policy: Policy) -> PreparedPolicy:
    """Compile a validated policy to arrays for the vectorised steps.

    Policies are frozen (pydantic ``frozen=True``), so the compiled form is kept per policy
    object and reused: scoring many panels under one policy compiles it once. The arrays
    of the returned object are read-only because it is shared.
    """
    key = id(policy)
    with _PREPARED_LOCK:
        hit = _PREPARED.get(key)
        if hit is not None and hit.policy is policy:
            return hit
    prep = _compile(policy)
    with _PREPARED_LOCK:
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.pop(next(iter(_PREPARED)))
        _PREPARED[key] = prep  # holds the policy, so its id is not reused while cached
    return prep


_PREPARED: dict[int, PreparedPolicy] = {}
_PREPARED_LOCK = threading.Lock()
_PREPARED_MAX = 64


def _compile(policy: Policy) -> PreparedPolicy:
    names = policy.indicator_names
    k = len(names)
    params = {key: np.full(k, np.nan) for key in ("lower", "upper", "target", "scale")}
    for j, name in enumerate(names):
        norm = policy.indicators[name].normalise
        for key in params:
            value = getattr(norm, key, None)
            if value is not None:
                params[key][j] = float(value)
    return PreparedPolicy(
        policy=policy,
        indicators=names,
        pillar_of=tuple(policy.indicators[n].pillar for n in names),
        pillars=tuple(policy.pillars),
        higher=_read_only(np.array([policy.direction(n) == "higher" for n in names])),
        methods=tuple(policy.indicators[n].normalise.method for n in names),
        params=MappingProxyType({key: _read_only(v) for key, v in params.items()}),
        weights=_read_only(effective_weights(policy)),
        log1p=_read_only(np.array([policy.indicators[n].transform == "log1p" for n in names])),
        missing=tuple(policy.missing_rule(n) for n in names),
    )


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Context:
    """What stays fixed across a batch: the countries scored and their static attributes."""

    panel: Panel
    rows: np.ndarray  # panel rows in the policy's universe
    countries: tuple[str, ...]
    columns: np.ndarray  # panel column of each policy indicator (-1: category)
    category_values: np.ndarray  # (n, k) values of category indicators, NaN elsewhere
    groups: np.ndarray  # (n,) group label for group-mean imputation
    code_order: np.ndarray
    member: dict[str, np.ndarray] = field(default_factory=dict)  # group -> (n,) bool
    group_code: np.ndarray | None = None  # (n,) index of each country's group, 0..G-1
    group_sort: np.ndarray | None = None  # (n,) stable order of rows by group_code
    group_bounds: np.ndarray | None = None  # (G + 1,) group g is group_sort[b[g]:b[g + 1]]
    #: (n,) the countries whose values set the statistics (policy ``pool``); None: all
    pool: np.ndarray | None = None
    #: outlier treatment plan (``treat``, ``treat_a``, ``treat_b`` per indicator), or empty
    treatment: Mapping[str, np.ndarray] = field(default_factory=dict)
    #: per indicator, what the treatment did (None: not treatable or treatment off)
    treatment_details: tuple = ()

    @cached_property
    def membership(self) -> pd.DataFrame:
        """Group membership of the countries scored (a slice of the panel's), built on use."""
        return self.panel.membership.iloc[self.rows]


def context(
    panel: Panel, prep: PreparedPolicy, treatment: Mapping[str, np.ndarray] | None = None
) -> Context:
    """Select the policy's universe in the panel and precompute the static parts.

    Everything that depends on the panel alone (membership as booleans, theater codes, ISO3
    order) comes from :attr:`Panel.lookups`, built once per panel; here only the policy's
    selection and category mapping are applied, per distinct theater rather than per country.
    """
    lk = panel.lookups
    n_panel = len(panel.countries)
    excluded = set(prep.policy.universe.exclude)
    if len(lk.position) == n_panel:  # distinct codes: look the few exclusions up
        pos = [lk.position[c] for c in excluded if c in lk.position]
    else:
        pos = [i for i, c in enumerate(panel.countries) if c in excluded]
    rows = np.delete(np.arange(n_panel), pos) if pos else np.arange(n_panel)
    if len(rows) == 0:
        raise UserError(f"no countries to score in the {panel.year} panel")
    countries = tuple(np.asarray(panel.countries, dtype=object)[rows].tolist())
    cols = np.array(
        [-1 if n in CATEGORY_INDICATORS else lk.indicator_pos[n] for n in prep.indicators],
        dtype=np.intp,
    )
    tcode = lk.theater_code[rows]
    cat = np.full((len(rows), prep.k), np.nan)
    for j in np.flatnonzero(cols < 0):
        mapping = prep.policy.indicators[prep.indicators[j]].categories or {}
        other = mapping.get("other", np.nan)
        per_label = np.array(
            [mapping.get(t, other) if t else other for t in lk.theater_labels], dtype=float
        )
        cat[:, j] = per_label[tcode]
    if prep.policy.missing.group_by == "theater":
        if lk.theater_group is not None:
            names, codes = lk.theater_group
            group_code = codes[rows]
            groups = names[group_code]
        else:  # labels that do not sort: grouped on use (impute), as labels
            groups = np.array([t or "" for t in panel.theater[rows]], dtype=object)
            group_code = None
    else:
        group_code = np.zeros(len(rows), dtype=np.intp)
        groups = np.full(len(rows), "", dtype=object)
    member = lk.member[rows]
    group_sort = bounds = None
    if group_code is not None:
        group_sort = np.argsort(group_code, kind="stable")
        bounds = np.searchsorted(group_code[group_sort], np.arange(group_code.max() + 2))
    pool = None
    left_out = prep.policy.pool.exclude_groups
    if left_out:
        pos = {g: j for j, g in enumerate(lk.groups)}
        pool = ~np.any([member[:, pos[g]] for g in left_out], axis=0)
    ctx = Context(
        panel=panel,
        rows=rows,
        countries=countries,
        columns=cols,
        category_values=cat,
        groups=groups,
        code_order=np.argsort(np.argsort(lk.code_rank[rows])),
        member={g: member[:, j] for j, g in enumerate(lk.groups)},
        group_code=group_code,
        group_sort=group_sort,
        group_bounds=bounds,
        pool=pool,
    )
    if treatment is None:
        treatment, details = _treatment_plan(panel, prep, ctx)
    else:
        treatment, details = _aligned(treatment, prep), ()
    return dataclasses.replace(ctx, treatment=treatment, treatment_details=details)


def _treatment_plan(panel: Panel, prep: PreparedPolicy, ctx: Context) -> tuple[dict, tuple]:
    """The policy's outlier treatment decided on the panel's observed values of the pool
    (after the ``log1p`` transform; :mod:`burdenshare.scoring.outliers`)."""
    cfg = prep.policy.outliers
    if cfg.method == "none":
        return {}, ()
    from burdenshare.scoring.outliers import plan

    X = transform(policy_values(panel.values, ctx), prep)
    treatable = ctx.columns >= 0  # value indicators; theater weights are categories
    return plan(
        X,
        ctx.pool,
        treatable,
        winmax=cfg.winmax,
        skew_max=cfg.skewness,
        kurt_max=cfg.kurtosis,
    )


def _aligned(treatment: Mapping[str, Any], prep: PreparedPolicy) -> dict[str, np.ndarray]:
    """A treatment plan given from outside (arrays ``treat``, ``treat_a``, ``treat_b`` and
    the ``indicators`` they belong to) in the order of this policy's indicators; an
    indicator the plan does not name is left untreated."""
    if not treatment:
        return {}
    names = list(treatment["indicators"])
    pos = [names.index(n) if n in names else -1 for n in prep.indicators]
    out = {}
    for key, fill in (("treat", 0.0), ("treat_a", np.nan), ("treat_b", np.nan)):
        src = np.asarray(treatment[key], dtype=float)
        out[key] = np.array([src[i] if i >= 0 else fill for i in pos])
    return out


def restrict(ctx: Context, keep: np.ndarray) -> Context:
    """The context over the countries at positions ``keep`` only (same treatment plan; the
    statistics then come from these countries). The batch model runs on the pool."""
    keep = np.asarray(keep, dtype=np.intp)
    code_order = np.argsort(np.argsort(ctx.code_order[keep], kind="stable"), kind="stable")
    group_code = group_sort = bounds = None
    if ctx.group_code is not None:
        group_code = ctx.group_code[keep]
        group_sort = np.argsort(group_code, kind="stable")
        top = int(group_code.max()) + 2 if group_code.size else 1
        bounds = np.searchsorted(group_code[group_sort], np.arange(top))
    return dataclasses.replace(
        ctx,
        rows=ctx.rows[keep],
        countries=tuple(ctx.countries[i] for i in keep),
        category_values=ctx.category_values[keep],
        groups=np.asarray(ctx.groups)[keep],
        code_order=code_order,
        member={g: m[keep] for g, m in ctx.member.items()},
        group_code=group_code,
        group_sort=group_sort,
        group_bounds=bounds,
        pool=None,
    )


def policy_values(P: np.ndarray, ctx: Context) -> np.ndarray:
    """The policy's raw columns (..., n, k) from panel values P (..., N_panel, K_panel)."""
    X = P[..., ctx.rows[:, None], np.maximum(ctx.columns, 0)]
    if ctx.columns.min() >= 0:
        return X
    return np.where(ctx.columns >= 0, X, ctx.category_values)


def transform(X: np.ndarray, prep: PreparedPolicy) -> np.ndarray:
    if not prep.log1p.any():
        return X.copy()
    with np.errstate(invalid="ignore"):
        return np.where(prep.log1p, np.log1p(np.maximum(X, 0.0)), X)


def impute(
    X: np.ndarray, prep: PreparedPolicy, ctx: Context
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply each indicator's missing-data rule.

    Returns (X filled, imputed mask (..., n, k), excluded rows (..., n)). ``exclude``
    drops the country from scoring; ``worst`` fills with the worst observed value;
    ``group_mean`` with the mean of the country's group (all countries when the group has no
    observed value); ``fail`` raises :class:`UserError` naming the country and indicator.
    Means are NaN-ignoring sums over counts, in the same order as ``numpy.nanmean``.
    """
    miss = np.isnan(X)
    excl_cols, fail_cols, worst_cols, mean_cols = _rule_masks(prep.missing)
    excluded = np.any(miss & excl_cols, axis=-1)
    if fail_cols.any() and np.any(miss[..., fail_cols]):
        hit = np.argwhere(miss & fail_cols)[0]
        i, j = int(hit[-2]), int(hit[-1])
        raise UserError(
            f"{ctx.countries[i]} has no {prep.indicators[j]} in {ctx.panel.year} and policy "
            f"{prep.policy.name!r} says missing: fail"
        )
    if not (worst_cols.any() or mean_cols.any()) or not miss.any():
        out = np.where(excluded[..., None], np.nan, X)
        return out, np.zeros_like(miss), excluded
    observed = np.where(excluded[..., None], np.nan, X)
    if ctx.pool is not None:  # statistics from the pool only (policy ``pool``)
        observed = np.where(ctx.pool[:, None], observed, np.nan)
    out = X
    if worst_cols.any():
        lo = np.fmin.reduce(observed, axis=-2, keepdims=True)  # nanmin without the warning
        hi = np.fmax.reduce(observed, axis=-2, keepdims=True)
        worst = np.where(prep.higher, lo, hi)
        out = np.where(miss & worst_cols, worst, out)
    if mean_cols.any():
        out = np.where(miss & mean_cols, _group_means(observed, ctx), out)
    imputed = miss & ~np.isnan(out) & ~excluded[..., None]
    out = np.where(excluded[..., None], np.nan, out)
    return out, imputed, excluded


@lru_cache(maxsize=256)
def _rule_masks(missing: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """(exclude, fail, worst, group_mean) column masks of a tuple of missing-data rules."""
    rules = np.array(missing, dtype=object)
    return tuple(_read_only(rules == r) for r in ("exclude", "fail", "worst", "group_mean"))


def _group_means(observed: np.ndarray, ctx: Context) -> np.ndarray:
    """Each country's group mean of the observed values (..., n, k), the overall mean where
    its group has none.

    The sums are ``numpy.nanmean``'s (NaN set to 0, summed over the countries axis, divided by
    the count) on the same contiguous blocks it would see, so the means are bit-for-bit
    those of a per-group ``nanmean``; rows are sorted by group once (in :func:`context`) so
    that each group is a slice rather than a gathered copy.
    """
    seen = ~np.isnan(observed)
    zeroed = np.where(seen, observed, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = zeroed.sum(axis=-2, keepdims=True) / seen.sum(
            axis=-2, keepdims=True, dtype=np.intp
        )
        if ctx.group_sort is None:
            _, codes = np.unique(np.asarray(ctx.groups, dtype=object), return_inverse=True)
            codes = codes.reshape(-1)
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(codes.max() + 2))
        else:
            codes, order, bounds = ctx.group_code, ctx.group_sort, ctx.group_bounds
        if len(bounds) == 2:  # one group: its mean is the overall mean
            return np.broadcast_to(overall, observed.shape)
        z = zeroed[..., order, :]
        batch = z.shape[:-2]
        total = np.zeros((*batch, len(bounds) - 1, z.shape[-1]))
        for g in np.flatnonzero(bounds[1:] > bounds[:-1]):
            block = z[..., bounds[g] : bounds[g + 1], :]
            if block.ndim > 2:  # the same memory layout as a gathered copy
                block = np.ascontiguousarray(block)
            total[..., g, :] = block.sum(axis=-2)
        # Counts are integers (exact in any order): differences of one cumulative sum.
        run = np.cumsum(seen[..., order, :], axis=-2, dtype=np.intp)
        run = np.concatenate([np.zeros((*batch, 1, z.shape[-1]), dtype=np.intp), run], axis=-2)
        count = run[..., bounds[1:], :] - run[..., bounds[:-1], :]
        means = total / count
        means = np.where(np.isnan(means), overall, means)
    return means[..., codes, :]


def gate_effects(
    P: np.ndarray, prep: PreparedPolicy, ctx: Context
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(applies (..., n, G) bool, ineligible (..., n), best tier index allowed (..., n))."""
    gates = prep.policy.gates
    shape = (*P.shape[:-2], len(ctx.rows))
    applies = np.zeros((*shape, len(gates)), dtype=bool)
    ineligible = np.zeros(shape, dtype=bool)
    cap = np.zeros(shape, dtype=np.int64)
    mem = ctx.member
    pos = ctx.panel.lookups.indicator_pos
    for g, gate in enumerate(gates):
        cond = np.ones(shape, dtype=bool)
        w = gate.when
        if w.member_of:
            cond &= np.any([mem[m] for m in w.member_of], axis=0)
        if w.not_member_of:
            cond &= ~np.any([mem[m] for m in w.not_member_of], axis=0)
        if w.indicator:
            v = P[..., ctx.rows, pos[w.indicator]]
            with np.errstate(invalid="ignore"):
                cond &= (v < w.below) if w.below is not None else (v >= w.at_least)
        applies[..., g] = cond
        if gate.effect == "ineligible":
            ineligible |= cond
        elif gate.effect == "max_tier":
            cap = np.maximum(cap, np.where(cond, gate.max_tier - 1, 0))
        # effect "review": recorded in ``applies`` only (a flag, 22 CFR 126.1 partial listings)
    return applies, ineligible, cap


def tie_keys(P: np.ndarray, prep: PreparedPolicy, ctx: Context) -> list[np.ndarray]:
    """Tie-break keys, oriented so that higher is better."""
    shape = (*P.shape[:-2], len(ctx.rows))
    pos = ctx.panel.lookups.indicator_pos
    keys = []
    for name in prep.policy.tie_break:
        if name in CATEGORY_INDICATORS:
            j = prep.indicators.index(name)
            keys.append(np.broadcast_to(ctx.category_values[:, j], shape))
            continue
        v = P[..., ctx.rows, pos[name]]
        keys.append(
            v
            if prep.policy.indicators.get(name) is None or prep.policy.direction(name) == "higher"
            else -v
        )
    return keys


def evaluate(P: np.ndarray, prep: PreparedPolicy, ctx: Context) -> dict[str, np.ndarray]:
    """Run the whole pipeline on panel values ``P`` (..., N_panel, K_panel)."""
    X_raw = policy_values(P, ctx)
    X = transform(X_raw, prep)
    X, imputed, excluded = impute(X, prep, ctx)
    params = {**prep.params, **ctx.treatment} if ctx.treatment else prep.params
    N = normalise_matrix(X, prep.methods, params, prep.higher, ctx.pool)
    floor = prep.policy.geometric_floor
    scores = SCALE * aggregate(N, prep.weights, prep.policy.aggregation, floor=floor)
    if prep.policy.aggregation == "geometric":
        scores = np.where(np.isnan(N).any(axis=-1), np.nan, scores)
    applies, ineligible, cap = gate_effects(P, prep, ctx)
    eligible = ~ineligible & ~excluded & ~np.isnan(scores)
    tiers_cfg = prep.policy.tiers
    ranked_levels = tiers_cfg.levels[:-1]
    if tiers_cfg.method == "absolute":
        thr = np.array([lvl.min_score for lvl in ranked_levels], dtype=float)
        thr = np.broadcast_to(thr, (*scores.shape[:-1], len(thr)))
    else:
        thr = quantile_thresholds(scores, eligible, [lvl.top_share for lvl in ranked_levels])
    tiers = assign_tiers(scores, thr, eligible, cap)
    ranks = rank_order(scores, tiers, tie_keys(P, prep, ctx), ctx.code_order)
    return {
        "raw": X_raw,
        "values": X,
        "imputed": imputed,
        "excluded": excluded,
        "normalised": N,
        "scores": scores,
        "applies": applies,
        "ineligible": ineligible,
        "cap": cap,
        "eligible": eligible,
        "thresholds": thr,
        "tiers": tiers,
        "ranks": ranks,
    }


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """Scores of one panel year under one policy (all frames indexed by iso3).

    ``table``: name, theater, score, rank, tier (1 = best; <NA> when not ranked), tier_label,
    eligible, status, gates (ids that applied, ``|``-joined), flags (data flags behind the
    score). ``contributions``: per indicator, adding up to ``score`` for arithmetic
    aggregation, to ``ln(1 + 0.99 score)`` for geometric (the [1, 100] range).
    ``pillars``: the same summed by pillar. ``values`` (after transform and imputation),
    ``raw`` (as in the panel), ``normalised``, ``flags``, ``sources``: per indicator.
    ``gates``: which gate applied.
    """

    policy: Policy
    year: int
    table: pd.DataFrame
    contributions: pd.DataFrame
    pillars: pd.DataFrame
    raw: pd.DataFrame
    values: pd.DataFrame
    normalised: pd.DataFrame
    flags: pd.DataFrame
    sources: pd.DataFrame
    gates: pd.DataFrame
    thresholds: tuple[float, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def ranking(self) -> pd.DataFrame:
        """The table in priority order (ranked countries first)."""
        return self.table


def score(
    panel: Panel, policy: Policy | str, *, treatment: Mapping[str, np.ndarray] | None = None
) -> ScoreResult:
    """Score every country of ``panel`` under ``policy`` (a Policy, built-in name or file).

    ``treatment``: an outlier treatment plan decided elsewhere (e.g. on the published data
    when ``panel`` is a perturbed copy); by default it is decided on ``panel``."""
    from burdenshare.policy import load_policy

    policy = load_policy(policy)
    prep = prepare(policy)
    ctx = context(panel, prep, treatment)
    out = evaluate(panel.values, prep, ctx)
    return _result(panel, prep, ctx, out)


def method_meta(prep: PreparedPolicy, ctx: Context) -> dict[str, Any]:
    """The method choices behind a result, for its ``meta`` (and ``explain``): the pool of
    the statistics and each indicator's outlier treatment."""
    from burdenshare.scoring.outliers import KINDS

    pool: dict[str, Any] = {"exclude_groups": list(prep.policy.pool.exclude_groups)}
    if ctx.pool is not None:
        pool["left_out"] = [
            c for c, inside in zip(ctx.countries, ctx.pool, strict=True) if not inside
        ]
    treat: dict[str, Any] = {}
    for name, t in zip(prep.indicators, ctx.treatment_details, strict=False):
        if t is not None:
            treat[name] = {
                "treatment": KINDS[t.kind],
                "detail": t.describe(),
                "skewness": None if np.isnan(t.skewness) else round(t.skewness, 4),
                "kurtosis": None if np.isnan(t.kurtosis) else round(t.kurtosis, 4),
            }
    return {
        "pool": pool,
        "outliers": {"method": prep.policy.outliers.method, "indicators": treat},
        "missing": {name: prep.policy.missing_rule(name) for name in prep.indicators},
    }


def _result(panel: Panel, prep: PreparedPolicy, ctx: Context, out: dict) -> ScoreResult:
    """Assemble the frames; arrays are put in priority order once, then wrapped.

    Text columns are made per distinct value, not per country: flag strings through the
    panel's flag vocabulary (:attr:`Panel.lookups`), gate and flag lists and missing-data
    statuses through one bit pattern per row.
    """
    policy = prep.policy
    names = list(prep.indicators)
    method = policy.aggregation
    lk = panel.lookups
    scores, ranks, tiers = out["scores"], out["ranks"], out["tiers"]
    order = np.lexsort((ctx.code_order, -fill_nan(scores, -np.inf), fill_nan(ranks, np.inf)))
    rows = ctx.rows[order]
    idx = lk.index.take(rows)

    columns = prep.column_index

    def frame(arr: np.ndarray, cols: pd.Index = columns, dtype=None) -> pd.DataFrame:
        return pd.DataFrame(arr, index=idx, columns=cols, dtype=dtype, copy=False)

    s_ord = scores[order]
    unscored = np.isnan(scores)[:, None]
    contrib = contributions(out["normalised"], prep.weights, method, floor=policy.geometric_floor)
    if method == "arithmetic":
        contrib = contrib * SCALE
    contrib = np.where(unscored, np.nan, contrib)
    pillar_vals = np.where(unscored, np.nan, fill_nan(contrib, 0.0) @ prep.pillar_onehot)[order]
    contrib = contrib[order]
    normalised = out["normalised"][order]

    cols = ctx.columns
    cat = cols < 0
    safe = np.maximum(cols, 0)
    raw = out["raw"][order]
    sources = np.asarray(panel.sources, dtype=object)[rows[:, None], safe]
    codes = lk.flag_code[rows[:, None], safe]
    if cat.any():
        choice = np.array(["", f"policy:{policy.name}"], dtype=object)
        sources[:, cat] = choice[(~np.isnan(raw[:, cat])).astype(np.intp)]
        codes[:, cat] = 0
    # Flags through the panel's vocabulary: code v < V is vocab[v] as in the panel, V + v the
    # same string with "imputed" added.
    vocab_ext, bits_ext = _flag_tables(lk.flag_vocab)
    codes = np.where(out["imputed"][order], codes + len(lk.flag_vocab), codes)
    flags = vocab_ext[codes]
    row_bits = np.bitwise_or.reduce(bits_ext[codes], axis=1)

    applies = out["applies"][order]
    labels = np.array([*(lvl.label for lvl in policy.tiers.levels), None], dtype=object)
    t = tiers[order]
    ineligible = out["ineligible"][order]
    excluded = out["excluded"][order] | np.isnan(s_ord)
    status_texts = ["ranked", "excluded: missing data", "ineligible"]
    status_code = np.where(ineligible, 2, np.where(excluded, 1, 0))
    missing_excl = np.isnan(raw) & _rule_masks(prep.missing)[0]
    named = excluded & missing_excl.any(axis=1) & ~ineligible
    if named.any():
        texts, inverse = _patterns(missing_excl[named], names, ", ")
        status_code[named] = len(status_texts) + inverse
        status_texts += ["excluded: missing " + x for x in texts]
    r = ranks[order]
    rank = pd.arrays.IntegerArray(np.where(np.isnan(r), 0, r).astype(np.int64), np.isnan(r))
    tier = pd.arrays.IntegerArray((t + 1).astype(np.int64), t < 0)
    name_col = _text_column(lk.names, panel.names, rows)
    theater_col = _text_column(lk.theater, panel.theater, rows)
    gates_col = _text(*_patterns(applies, list(prep.gate_index)))
    flags_col = _text(*_bit_patterns(row_bits, _SHOWN))
    label_col = _text(labels.tolist(), t) if (t >= 0).any() else labels[t].tolist()
    table = pd.DataFrame(
        {
            "name": name_col,
            "theater": theater_col,
            "score": s_ord,
            "rank": rank,
            "tier": tier,
            "tier_label": label_col,
            "eligible": out["eligible"][order],
            "status": _text(status_texts, status_code),
            "gates": gates_col,
            "flags": flags_col,
        },
        index=idx,
        copy=False,  # every column is a fresh array
    )
    contrib_frame = frame(contrib)
    pillar_frame = frame(pillar_vals, prep.pillar_index)
    raw_frame = frame(raw)
    values_frame = frame(out["values"][order])
    normalised_frame = frame(normalised)
    flags_frame = frame(flags, dtype=object)
    sources_frame = frame(sources, dtype=object)
    gates_frame = frame(applies, prep.gate_index)
    return ScoreResult(
        policy=policy,
        year=panel.year,
        table=table,
        contributions=contrib_frame,
        pillars=pillar_frame,
        raw=raw_frame,
        values=values_frame,
        normalised=normalised_frame,
        flags=flags_frame,
        sources=sources_frame,
        gates=gates_frame,
        thresholds=tuple(float(x) for x in np.atleast_1d(out["thresholds"])),
        meta={
            "policy": policy.name,
            "policy_version": policy.version,
            "year": panel.year,
            "aggregation": method,
            "tiers_method": policy.tiers.method,
            "weights": dict(zip(names, prep.weights.tolist(), strict=True)),
            "vintages": dict(panel.vintages),
            **method_meta(prep, ctx),
        },
    )


def _text_column(cached, plain, rows: np.ndarray):
    """``plain[rows]`` as a table column: taken from the panel's pre-typed string array when
    that gives the dtype pandas would infer from the values themselves, else the values."""
    if isinstance(cached.dtype, pd.StringDtype):
        col = cached.take(rows)
        if not col.isna().all():
            return col
    return np.asarray(plain, dtype=object)[rows]


def _patterns(
    mask: np.ndarray, labels: Sequence[str], sep: str = "|"
) -> tuple[list[str], np.ndarray]:
    """Per row, the labels whose column is True joined by ``sep``: (the distinct texts, each
    row's index into them), so that the joining runs once per pattern, not once per row."""
    if not len(labels):
        return [""], np.zeros(len(mask), dtype=np.intp)
    if len(labels) < 63:
        return _bit_patterns(mask.astype(np.int64) @ (1 << np.arange(len(labels))), labels, sep)
    uniq, inverse = np.unique(mask, axis=0, return_inverse=True)
    text = [sep.join(lb for lb, on in zip(labels, u, strict=True) if on) for u in uniq]
    return text, inverse.reshape(-1)


def _bit_patterns(
    code: np.ndarray, labels: Sequence[str], sep: str = "|"
) -> tuple[list[str], np.ndarray]:
    """Like :func:`_patterns` for rows given as bit sets (bit b: ``labels[b]``)."""
    if len(code) and code.min() >= 0 and code.max() < 4096:  # small sets: a look-up table
        present = np.bincount(code)
        uniq = np.flatnonzero(present)
        slot = np.zeros(len(present), dtype=np.intp)
        slot[uniq] = np.arange(len(uniq))
        inverse = slot[code]
    else:
        uniq, inverse = np.unique(code, return_inverse=True)
    text = [sep.join(lb for b, lb in enumerate(labels) if c >> b & 1) for c in uniq.tolist()]
    return text, inverse.reshape(-1)


def _text(texts: list[str], inverse: np.ndarray):
    """The column ``texts[inverse]`` with the dtype pandas infers for text (``str`` under
    pandas 3), built from the few distinct texts instead of inferred from every row.
    A negative index counts from the end, as in numpy."""
    values = np.array(texts, dtype=object)
    dtype = _str_dtype()
    if dtype is None:
        return values[inverse]
    return dtype.construct_array_type()._from_sequence(values, dtype=dtype).take(inverse)


@lru_cache(maxsize=1)
def _str_dtype():
    """The dtype pandas infers for a column of Python strings, or None when it is object."""
    dtype = pd.Series(np.array(["x"], dtype=object)).dtype
    return None if isinstance(dtype, np.dtype) else dtype


@lru_cache(maxsize=256)
def _flag_tables(vocab: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """For a panel's flag vocabulary: the strings followed by the same strings with
    ``imputed`` added (object array, 2V), and each one's shown flags as bits of
    :data:`_SHOWN` (int64, 2V)."""
    strings = [*vocab, *(_with_imputed(v) for v in vocab)]
    bits = [sum(1 << b for b, f in enumerate(_SHOWN) if f in split_flags(str(v))) for v in strings]
    return (
        _read_only(np.array(strings, dtype=object)),
        _read_only(np.array(bits, dtype=np.int64)),
    )


def _with_imputed(flags: object) -> str:
    """A flag string with ``imputed`` added (a cell that is not text counts as no flags)."""
    return join_flags([*split_flags(flags if isinstance(flags, str) else None), "imputed"])


#: Data flags surfaced next to a score.
_SHOWN_FLAGS = frozenset({"estimate", "uncertain", "imputed", "not_independent", "what-if"})
_SHOWN: tuple[str, ...] = tuple(sorted(_SHOWN_FLAGS))
