"""Compare two policies on the same panel: rank shifts, tier changes, rank correlations.

Spearman's rho and Kendall's tau-b (scipy.stats) are computed on the ranks of the countries
ranked under both policies; a country ranked under one policy only (e.g. gated by the other)
appears with a tier change but does not enter the correlations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from burdenshare.panel import Panel
from burdenshare.policy.schema import Policy
from burdenshare.scoring.engine import score


def compare(panel: Panel, policy_a: Policy | str, policy_b: Policy | str) -> dict[str, Any]:
    """Rows (iso3, name, rank/tier/score under each, shift = rank_a - rank_b, positive when
    the country moves up under B) in the order of policy A, plus spearman, kendall, n,
    tier_changes."""
    from scipy.stats import kendalltau, spearmanr

    ra, rb = score(panel, policy_a), score(panel, policy_b)
    ta, tb = ra.table, rb.table
    idx = ta.index.union(tb.index, sort=False)
    both = pd.DataFrame(
        {
            "name": ta["name"].reindex(idx).fillna(tb["name"].reindex(idx)),
            "rank_a": ta["rank"].reindex(idx),
            "rank_b": tb["rank"].reindex(idx),
            "tier_a": ta["tier"].reindex(idx),
            "tier_b": tb["tier"].reindex(idx),
            "score_a": ta["score"].reindex(idx),
            "score_b": tb["score"].reindex(idx),
        },
        index=idx,
    )
    ranked = both["rank_a"].notna() & both["rank_b"].notna()
    a = both.loc[ranked, "rank_a"].to_numpy(dtype=float)
    b = both.loc[ranked, "rank_b"].to_numpy(dtype=float)
    rho = float(spearmanr(a, b).statistic) if len(a) > 2 else float("nan")
    tau = float(kendalltau(a, b).statistic) if len(a) > 2 else float("nan")
    changed = ~(both["tier_a"].fillna(-1) == both["tier_b"].fillna(-1)).to_numpy(dtype=bool)
    order = np.lexsort(
        (
            np.arange(len(idx)),
            both["rank_b"].astype("Float64").fillna(np.inf).to_numpy(dtype=float),
            both["rank_a"].astype("Float64").fillna(np.inf).to_numpy(dtype=float),
        )
    )
    rows = []
    for k in order:
        iso3 = idx[k]
        r = both.iloc[k]
        rank_a, rank_b = _int(r["rank_a"]), _int(r["rank_b"])
        rows.append(
            {
                "iso3": iso3,
                "name": r["name"],
                "rank_a": rank_a,
                "rank_b": rank_b,
                "shift": None if rank_a is None or rank_b is None else rank_a - rank_b,
                "tier_a": _int(r["tier_a"]),
                "tier_b": _int(r["tier_b"]),
                "tier_changed": bool(changed[k]),
                "score_a": _float(r["score_a"]),
                "score_b": _float(r["score_b"]),
            }
        )
    return {
        "policy_a": ra.policy.name,
        "policy_b": rb.policy.name,
        "year": panel.year,
        "n": int(ranked.sum()),
        "spearman": rho,
        "kendall": tau,
        "tier_changes": int(changed.sum()),
        "rows": rows,
    }


def _int(v) -> int | None:
    return None if pd.isna(v) else int(v)


def _float(v) -> float | None:
    return None if pd.isna(v) else float(v)
