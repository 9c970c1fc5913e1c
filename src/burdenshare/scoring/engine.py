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
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    params: dict[str, np.ndarray]
    weights: np.ndarray
    log1p: np.ndarray
    missing: tuple[str, ...]

    @property
    def k(self) -> int:
        return len(self.indicators)


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
    """Compile a validated policy to arrays for the vectorised steps."""
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
        higher=np.array([policy.direction(n) == "higher" for n in names]),
        methods=tuple(policy.indicators[n].normalise.method for n in names),
        params=params,
        weights=effective_weights(policy),
        log1p=np.array([policy.indicators[n].transform == "log1p" for n in names]),
        missing=tuple(policy.missing_rule(n) for n in names),
    )


@dataclass(frozen=True, eq=False)
class Context:
    """What stays fixed across a batch: the countries scored and their static attributes."""

    panel: Panel
    rows: np.ndarray  # panel rows in the policy's universe
    countries: tuple[str, ...]
    columns: np.ndarray  # panel column of each policy indicator (-1: category)
    category_values: np.ndarray  # (n, k) values of category indicators, NaN elsewhere
    groups: np.ndarray  # (n,) group label for group-mean imputation
    membership: pd.DataFrame
    code_order: np.ndarray
    member: dict[str, np.ndarray] = field(default_factory=dict)  # group -> (n,) bool


def context(panel: Panel, prep: PreparedPolicy) -> Context:
    """Select the policy's universe in the panel and precompute the static parts."""
    excluded = set(prep.policy.universe.exclude)
    rows = np.array([i for i, c in enumerate(panel.countries) if c not in excluded], dtype=int)
    if len(rows) == 0:
        raise UserError(f"no countries to score in the {panel.year} panel")
    countries = tuple(panel.countries[i] for i in rows)
    cols = np.array(
        [-1 if n in CATEGORY_INDICATORS else panel.indicators.index(n) for n in prep.indicators]
    )
    cat = np.full((len(rows), prep.k), np.nan)
    for j, name in enumerate(prep.indicators):
        if name in CATEGORY_INDICATORS:
            mapping = prep.policy.indicators[name].categories or {}
            labels = panel.theater[rows]
            cat[:, j] = [
                mapping.get(t, mapping.get("other", np.nan)) if t else mapping.get("other", np.nan)
                for t in labels
            ]
    group_by = prep.policy.missing.group_by
    groups = (
        np.array([t or "" for t in panel.theater[rows]], dtype=object)
        if group_by == "theater"
        else np.full(len(rows), "", dtype=object)
    )
    return Context(
        panel=panel,
        rows=rows,
        countries=countries,
        columns=cols,
        category_values=cat,
        groups=groups,
        membership=panel.membership.iloc[rows],
        member={
            g: panel.membership[g].to_numpy(dtype=bool)[rows] for g in panel.membership.columns
        },
        code_order=np.argsort(np.argsort(np.array(countries, dtype=object), kind="stable")),
    )


def policy_values(P: np.ndarray, ctx: Context) -> np.ndarray:
    """The policy's raw columns (..., n, k) from panel values P (..., N_panel, K_panel)."""
    sub = P[..., ctx.rows, :]
    X = sub[..., np.maximum(ctx.columns, 0)]
    return np.where(ctx.columns >= 0, X, ctx.category_values)


def transform(X: np.ndarray, prep: PreparedPolicy) -> np.ndarray:
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
    """
    miss = np.isnan(X)
    rules = np.array(prep.missing)
    excl_cols = rules == "exclude"
    excluded = np.any(miss & excl_cols, axis=-1)
    fail_cols = rules == "fail"
    if np.any(miss[..., fail_cols]):
        hit = np.argwhere(miss & fail_cols)[0]
        i, j = int(hit[-2]), int(hit[-1])
        raise UserError(
            f"{ctx.countries[i]} has no {prep.indicators[j]} in {ctx.panel.year} and policy "
            f"{prep.policy.name!r} says missing: fail"
        )
    observed = np.where(excluded[..., None], np.nan, X)
    out = X.copy()
    worst_cols = rules == "worst"
    if worst_cols.any():
        with np.errstate(invalid="ignore"), _quiet():
            lo = np.nanmin(observed, axis=-2, keepdims=True)
            hi = np.nanmax(observed, axis=-2, keepdims=True)
        worst = np.where(prep.higher, lo, hi)
        out = np.where(miss & worst_cols, worst, out)
    mean_cols = rules == "group_mean"
    if mean_cols.any():
        with _quiet():
            overall = np.nanmean(observed, axis=-2, keepdims=True)
        fill = np.broadcast_to(overall, X.shape).copy()
        for g in np.unique(ctx.groups):
            m = ctx.groups == g
            with _quiet():
                gm = np.nanmean(observed[..., m, :], axis=-2, keepdims=True)
            gm = np.where(np.isnan(gm), overall, gm)
            fill[..., m, :] = np.broadcast_to(gm, fill[..., m, :].shape)
        out = np.where(miss & mean_cols, fill, out)
    imputed = miss & ~np.isnan(out) & ~excluded[..., None]
    out = np.where(excluded[..., None], np.nan, out)
    return out, imputed, excluded


class _quiet:
    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


def gate_effects(
    P: np.ndarray, prep: PreparedPolicy, ctx: Context
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(applies (..., n, G) bool, ineligible (..., n), best tier index allowed (..., n))."""
    sub = P[..., ctx.rows, :]
    gates = prep.policy.gates
    shape = sub.shape[:-1]
    applies = np.zeros((*shape, len(gates)), dtype=bool)
    ineligible = np.zeros(shape, dtype=bool)
    cap = np.zeros(shape, dtype=np.int64)
    mem = ctx.member
    for g, gate in enumerate(gates):
        cond = np.ones(shape, dtype=bool)
        w = gate.when
        if w.member_of:
            cond &= np.any([mem[m] for m in w.member_of], axis=0)
        if w.not_member_of:
            cond &= ~np.any([mem[m] for m in w.not_member_of], axis=0)
        if w.indicator:
            v = sub[..., ctx.panel.indicators.index(w.indicator)]
            with np.errstate(invalid="ignore"):
                cond &= (v < w.below) if w.below is not None else (v >= w.at_least)
        applies[..., g] = cond
        if gate.effect == "ineligible":
            ineligible |= cond
        else:
            cap = np.maximum(cap, np.where(cond, gate.max_tier - 1, 0))
    return applies, ineligible, cap


def tie_keys(P: np.ndarray, prep: PreparedPolicy, ctx: Context) -> list[np.ndarray]:
    """Tie-break keys, oriented so that higher is better."""
    sub = P[..., ctx.rows, :]
    keys = []
    for name in prep.policy.tie_break:
        if name in CATEGORY_INDICATORS:
            j = prep.indicators.index(name)
            keys.append(np.broadcast_to(ctx.category_values[:, j], sub.shape[:-1]))
            continue
        v = sub[..., ctx.panel.indicators.index(name)]
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
    N = normalise_matrix(X, prep.methods, prep.params, prep.higher)
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
    aggregation, to ``ln(score / 100)`` for geometric. ``pillars``: the same summed by
    pillar. ``values`` (after transform and imputation), ``raw`` (as in the panel),
    ``normalised``, ``flags``, ``sources``: per indicator. ``gates``: which gate applied.
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


def score(panel: Panel, policy: Policy | str) -> ScoreResult:
    """Score every country of ``panel`` under ``policy`` (a Policy, built-in name or file)."""
    from burdenshare.policy import load_policy

    policy = load_policy(policy)
    prep = prepare(policy)
    ctx = context(panel, prep)
    out = evaluate(panel.values, prep, ctx)
    return _result(panel, prep, ctx, out)


def _result(panel: Panel, prep: PreparedPolicy, ctx: Context, out: dict) -> ScoreResult:
    """Assemble the frames; arrays are put in priority order once, then wrapped."""
    policy = prep.policy
    names = list(prep.indicators)
    method = policy.aggregation
    scores, ranks, tiers = out["scores"], out["ranks"], out["tiers"]
    order = np.lexsort(
        (ctx.code_order, -np.nan_to_num(scores, nan=-np.inf), np.nan_to_num(ranks, nan=np.inf))
    )
    idx = pd.Index(np.asarray(ctx.countries, dtype=object)[order], name="iso3")
    rows = ctx.rows[order]

    columns = pd.Index(names, dtype=object)

    def frame(arr: np.ndarray, cols: pd.Index = columns, dtype=None) -> pd.DataFrame:
        return pd.DataFrame(arr, index=idx, columns=cols, dtype=dtype, copy=False)

    contrib = contributions(out["normalised"], prep.weights, method, floor=policy.geometric_floor)
    if method == "arithmetic":
        contrib = contrib * SCALE
    contrib = np.where(np.isnan(scores)[:, None], np.nan, contrib)
    onehot = np.array([[q == p for p in prep.pillars] for q in prep.pillar_of], dtype=float)
    pillar_vals = np.where(np.isnan(scores)[:, None], np.nan, np.nan_to_num(contrib) @ onehot)

    cols = ctx.columns
    flags = np.where(cols >= 0, panel.flags[rows][:, np.maximum(cols, 0)], "").astype(object)
    sources = np.where(cols >= 0, panel.sources[rows][:, np.maximum(cols, 0)], "").astype(object)
    raw = out["raw"][order]
    cat = cols < 0
    sources[:, cat] = np.where(np.isnan(raw[:, cat]), "", f"policy:{policy.name}")
    imputed = out["imputed"][order]
    for i, j in zip(*np.nonzero(imputed), strict=True):
        flags[i, j] = join_flags([*split_flags(flags[i, j]), "imputed"])

    gate_ids = [g.id for g in policy.gates]
    applies = out["applies"][order]
    labels = [lvl.label for lvl in policy.tiers.levels]
    t = tiers[order]
    excluded = out["excluded"][order] | np.isnan(scores[order])
    missing_excl = np.isnan(raw) & (np.array(prep.missing) == "exclude")
    status = np.where(
        out["ineligible"][order],
        "ineligible",
        np.where(excluded, "excluded: missing data", "ranked"),
    ).astype(object)
    for i in np.flatnonzero(excluded & missing_excl.any(axis=1) & (status != "ineligible")):
        status[i] = "excluded: missing " + ", ".join(
            n for n, m in zip(names, missing_excl[i], strict=True) if m
        )
    r = ranks[order]
    table = pd.DataFrame(
        {
            "name": [panel.names[k] for k in rows],
            "theater": panel.theater[rows],
            "score": scores[order],
            "rank": pd.arrays.IntegerArray(
                np.where(np.isnan(r), 0, r).astype(np.int64), np.isnan(r)
            ),
            "tier": pd.arrays.IntegerArray((t + 1).astype(np.int64), t < 0),
            "tier_label": [labels[k] if k >= 0 else None for k in t],
            "eligible": out["eligible"][order],
            "status": status,
            "gates": _joined(applies, gate_ids),
            "flags": _row_flags(flags),
        },
        index=idx,
    )
    return ScoreResult(
        policy=policy,
        year=panel.year,
        table=table,
        contributions=frame(contrib[order]),
        pillars=frame(pillar_vals[order], pd.Index(prep.pillars, dtype=object)),
        raw=frame(raw),
        values=frame(out["values"][order]),
        normalised=frame(out["normalised"][order]),
        flags=frame(flags, dtype=object),
        sources=frame(sources, dtype=object),
        gates=frame(applies, pd.Index(gate_ids, dtype=object)),
        thresholds=tuple(float(x) for x in np.atleast_1d(out["thresholds"])),
        meta={
            "policy": policy.name,
            "policy_version": policy.version,
            "year": panel.year,
            "aggregation": method,
            "tiers_method": policy.tiers.method,
            "weights": dict(zip(names, prep.weights.tolist(), strict=True)),
            "vintages": dict(panel.vintages),
        },
    )


def _joined(mask: np.ndarray, labels: list[str]) -> list[str]:
    """Per row, the labels whose column is True, ``|``-joined (computed once per pattern)."""
    if not labels:
        return [""] * len(mask)
    code = mask.astype(np.int64) @ (1 << np.arange(len(labels), dtype=np.int64))
    text = {
        int(c): "|".join(lb for b, lb in enumerate(labels) if int(c) >> b & 1)
        for c in np.unique(code)
    }
    return [text[int(c)] for c in code]


def _row_flags(flags: np.ndarray) -> list[str]:
    """Per row, the union of the shown flags over its cells."""
    shown = sorted(_SHOWN_FLAGS)
    uniq, inverse = np.unique(flags.astype(str), return_inverse=True)
    bits = np.array(
        [sum(1 << b for b, f in enumerate(shown) if f in split_flags(u)) for u in uniq],
        dtype=np.int64,
    )
    per_row = np.bitwise_or.reduce(bits[inverse.reshape(flags.shape)], axis=1)
    return _joined(((per_row[:, None] >> np.arange(len(shown))) & 1).astype(bool), shown)


#: Data flags surfaced next to a score.
_SHOWN_FLAGS = frozenset({"estimate", "uncertain", "imputed", "not_independent", "what-if"})
