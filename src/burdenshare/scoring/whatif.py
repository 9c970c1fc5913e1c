"""Counterfactuals: "what if Spain spent 3%?" and "what would it take to reach the next tier?".

Both recompute everything that depends on the changed value: the spending-linked panel
indicators (:meth:`burdenshare.panel.Panel.spending_matrix`), the normalisation bounds
(min-max, z-score and percentile depend on every country), group-mean imputations, quantile
tier thresholds, gates and ranks. The search is vectorised: each bisection step evaluates one
batch of B counterfactual panels (country b alone changed in panel b), shape (B, n, k).

The score, and so the tier, is non-decreasing in a country's own spending (every
spending-linked indicator is non-decreasing in it and every normalisation is monotone), so
bisection over [current, max_value] finds the smallest spending that reaches the next tier,
exactly on the policy's grid (multiples of ``step``, 0.01 pp by default): the answer reaches
the tier and one step less does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from burdenshare.panel import Panel
from burdenshare.policy.schema import Policy
from burdenshare.scoring.engine import ScoreResult, context, evaluate, prepare, score

SPENDING = "milex_gdp_pct"


def what_it_would_take(
    panel: Panel, policy: Policy | str, countries: Iterable[str] | None = None
) -> pd.DataFrame:
    """For each country: the smallest % of GDP (others held fixed) that lifts it into the next
    tier, or why not.

    Columns: current (% of GDP), tier (current, <NA> if not ranked), target_tier,
    required (% of GDP, NaN when not reachable), increase (pp), reachable (bool), note.
    An ineligible or unscored country's target is the lowest tier (becoming eligible).
    """
    from burdenshare.policy import load_policy

    policy = load_policy(policy)
    prep = prepare(policy)
    ctx = context(panel, prep)
    base = evaluate(panel.values, prep, ctx)
    n_tiers = len(policy.tiers.levels)
    codes = list(ctx.countries)
    chosen = codes if countries is None else [c for c in countries if c in codes]
    pos = np.array([codes.index(c) for c in chosen], dtype=int)
    rows = ctx.rows[pos]
    p0 = panel.column(SPENDING)[rows]
    flags = panel.flags[rows, panel.indicators.index(SPENDING)]
    cur = base["tiers"][pos]
    target = np.where(cur < 0, n_tiers - 1, cur - 1)
    top = cur == 0
    hi_val = float(policy.what_it_would_take.max_value)
    step = float(policy.what_it_would_take.step)
    has_spend = ~np.isnan(p0) & np.array(["imputed" not in f for f in flags])

    def reached(values: np.ndarray, active: np.ndarray) -> np.ndarray:
        if not active.any():
            return np.zeros(len(pos), dtype=bool)
        a = np.flatnonzero(active)
        P = panel.spending_matrix(rows[a], values[a])
        out = evaluate(P, prep, ctx)
        t = out["tiers"][np.arange(len(a)), pos[a]]
        ok = np.zeros(len(pos), dtype=bool)
        ok[a] = (t >= 0) & ((cur[a] < 0) | (t < cur[a]))
        return ok

    # Bisection on the grid of multiples of ``step``: lo never reaches the next tier (it is at
    # most the current value), hi always does; the answer is the smallest grid value that
    # does, exact at the grid's resolution.
    lo_k = np.floor(np.nan_to_num(p0) / step + 1e-9)
    hi_k = np.full(len(pos), np.ceil(hi_val / step - 1e-9))
    search = has_spend & ~top & (p0 < hi_k * step)
    reachable = search & reached(hi_k * step, search)
    active = reachable & (hi_k - lo_k > 1)
    while active.any():
        mid = np.floor((lo_k + hi_k) / 2)
        ok = reached(mid * step, active)
        hi_k = np.where(active & ok, mid, hi_k)
        lo_k = np.where(active & ~ok, mid, lo_k)
        active = reachable & (hi_k - lo_k > 1)
    hi = np.where(reachable, np.round(hi_k * step, 10), np.nan)
    note = np.where(
        top,
        "already in the top tier",
        np.where(
            ~has_spend,
            "no reported defense spending to build on",
            np.where(
                reachable,
                "",
                f"not reachable by spending alone (searched up to {hi_val:g}% of GDP)",
            ),
        ),
    )
    return pd.DataFrame(
        {
            "current": p0,
            "tier": pd.array(np.where(cur >= 0, cur + 1, pd.NA), dtype="Int64"),
            "target_tier": pd.array(np.where(top, pd.NA, target + 1), dtype="Int64"),
            "required": hi,
            "increase": hi - p0,
            "reachable": reachable,
            "note": note,
        },
        index=pd.Index(chosen, name="iso3"),
    )


def whatif(
    panel: Panel, policy: Policy | str, iso3: str, changes: Mapping[str, float]
) -> tuple[ScoreResult, ScoreResult]:
    """(before, after) results when ``iso3`` has the given values; everything recomputed."""
    from burdenshare.policy import load_policy

    policy = load_policy(policy)
    before = score(panel, policy)
    after = score(panel.with_values(iso3, changes), policy)
    return before, after


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """``["milex_gdp_pct=3.0"]`` -> ``{"milex_gdp_pct": 3.0}`` with clear errors."""
    from burdenshare.errors import UserError

    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--set {item!r}: expected INDICATOR=VALUE")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise UserError(f"--set {item!r}: {value!r} is not a number") from None
    return out
